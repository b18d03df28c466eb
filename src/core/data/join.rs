//! Joining department tables to map layers by village code or village name.
//!
//! Keys are compared after normalisation: codes are trimmed, full-width characters made
//! half-width, spaces and dashes removed, a trailing `.0` (a spreadsheet number) dropped, digit
//! codes shorter than the common length zero-padded on the left (leading zeros lost in
//! spreadsheets), and a 19-digit 坐落单位代码 (ZLDWDM) cut to its 12-digit village prefix. Names
//! are trimmed, spaces removed, and the suffixes 村民委员会 / 村委会 / 村 and 居民委员会 / 居委会 /
//! 社区 dropped, so 洋顶村, 洋顶村委会 and 洋顶村民委员会 match.
//!
//! Several table rows with one key make a 1:N join: numeric columns are aggregated (count, sum,
//! mean, min, max), text columns list their distinct values (or take the first row with
//! `First`), and a count column is added. The report
//! says what matched, what did not (on each side, listed) and which keys repeat.

use crate::core::model::attrs::{AttributeTable, Column, Field, FieldType, Value};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

pub use crate::core::model::join_spec::{Aggregate, JoinSpec, KeyMatch};

/// What a join matched.
#[derive(Debug, Clone, Default, Serialize)]
pub struct JoinReport {
    /// Key matching used (Auto resolved).
    pub key: Option<KeyMatch>,
    /// Layer features.
    pub features: usize,
    /// Features that found a row.
    pub matched_features: usize,
    /// Distinct layer keys without a row (as in the layer).
    pub unmatched_layer_keys: Vec<String>,
    /// Features with an empty key.
    pub empty_layer_keys: usize,
    /// Table rows.
    pub rows: usize,
    /// Rows that found a feature.
    pub matched_rows: usize,
    /// Table keys without a feature (as in the table).
    pub unmatched_table_keys: Vec<String>,
    /// Table rows with an empty key (they can match nothing).
    pub empty_table_keys: usize,
    /// Table keys (normalised) that occur on several rows, with their count.
    pub duplicate_table_keys: Vec<(String, usize)>,
    /// Whether rows were aggregated (1:N).
    pub one_to_many: bool,
    /// Layer keys (normalised) shared by several features (e.g. one village name in two towns).
    pub duplicate_layer_keys: Vec<(String, usize)>,
}

impl JoinReport {
    /// A multi-line summary in Chinese and English; `full` lists every unmatched key.
    pub fn text(&self, full: bool) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let key = match self.key {
            Some(KeyMatch::Code) => "代码 / code",
            Some(KeyMatch::Name) => "村名 / name",
            _ => "原值 / exact",
        };
        let _ = writeln!(s, "匹配方式 / key matching: {key}");
        let _ = writeln!(
            s,
            "图层要素 / layer features: {} 匹配 / matched {} （{:.1}%）；未匹配键 / unmatched keys: {}{}",
            self.features,
            self.matched_features,
            100.0 * self.matched_features as f64 / self.features.max(1) as f64,
            self.unmatched_layer_keys.len(),
            if self.empty_layer_keys > 0 {
                format!("；空键 / empty keys: {}", self.empty_layer_keys)
            } else {
                String::new()
            }
        );
        let _ = writeln!(
            s,
            "表格行 / table rows: {} 匹配 / matched {}；未匹配 / unmatched: {}{}",
            self.rows,
            self.matched_rows,
            self.unmatched_table_keys.len(),
            if self.empty_table_keys > 0 {
                format!(
                    "；空键行 / rows with an empty key: {}",
                    self.empty_table_keys
                )
            } else {
                String::new()
            }
        );
        if self.one_to_many {
            let _ = writeln!(
                s,
                "一对多，已汇总 / one-to-many, aggregated: {} 个重复键 / duplicate keys",
                self.duplicate_table_keys.len()
            );
        }
        let limit = if full { usize::MAX } else { 20 };
        let list = |s: &mut String, title: &str, v: &[String]| {
            if v.is_empty() {
                return;
            }
            let shown: Vec<&str> = v.iter().take(limit).map(|x| x.as_str()).collect();
            let more = if v.len() > shown.len() {
                format!(" …（共 {} 个 / {} in all）", v.len(), v.len())
            } else {
                String::new()
            };
            let _ = writeln!(s, "{title}: {}{more}", shown.join("、"));
        };
        list(
            &mut s,
            "图层中未匹配 / unmatched in the layer",
            &self.unmatched_layer_keys,
        );
        list(
            &mut s,
            "表格中未匹配 / unmatched in the table",
            &self.unmatched_table_keys,
        );
        let dup: Vec<String> = self
            .duplicate_table_keys
            .iter()
            .map(|(k, n)| format!("{k}×{n}"))
            .collect();
        list(&mut s, "表格重复键 / duplicate keys in the table", &dup);
        let dup: Vec<String> = self
            .duplicate_layer_keys
            .iter()
            .map(|(k, n)| format!("{k}×{n}"))
            .collect();
        list(&mut s, "图层重复键 / keys shared by several features", &dup);
        s
    }
}

/// Why a join cannot run.
#[derive(Debug, thiserror::Error)]
pub enum JoinError {
    /// No such layer field.
    #[error("图层没有字段 {0} / the layer has no field {0}")]
    NoLayerField(String),
    /// No such table column.
    #[error("数据集没有列 {0} / the dataset has no column {0}")]
    NoColumn(String),
}

/// Full-width ASCII (U+FF01–FF5E) and the ideographic space made half-width.
fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// A code as compared: half-width, no spaces or dashes, upper case, no spreadsheet `.0`, a
/// 19-digit ZLDWDM cut to its 12-digit village code.
pub fn normalize_code(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(half_width)
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if let Some(stripped) = out.strip_suffix(".0") {
        if !stripped.is_empty() && stripped.bytes().all(|b| b.is_ascii_digit()) {
            out.truncate(stripped.len());
        }
    }
    if out.len() == 19 && out.bytes().all(|b| b.is_ascii_digit()) {
        out.truncate(12);
    }
    out
}

/// A village or community name as compared: half-width, no spaces, without the suffixes
/// 村民委员会 / 村委会 / 村 / 居民委员会 / 社区居委会 / 居委会 / 社区.
pub fn normalize_name(s: &str) -> String {
    let mut t: String = s
        .chars()
        .map(half_width)
        .filter(|c| !c.is_whitespace())
        .collect();
    // Repeatedly: official names often say 横塘村村民委员会 (village + committee).
    'strip: loop {
        for suffix in [
            "村民委员会",
            "社区居民委员会",
            "居民委员会",
            "社区居委会",
            "村委会",
            "居委会",
            "社区",
            "村",
        ] {
            if let Some(base) = t.strip_suffix(suffix) {
                if !base.is_empty() {
                    t.truncate(base.len());
                    continue 'strip;
                }
            }
        }
        break;
    }
    t
}

fn value_text(v: Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::Text(t) if t.trim().is_empty() => None,
        other => Some(other.to_string()),
    }
}

/// Whether the layer's keys look like codes (mostly digits).
fn looks_like_codes(attrs: &AttributeTable, col: usize) -> bool {
    let n = attrs.len();
    let step = (n / 500).max(1);
    let (mut codes, mut total) = (0, 0);
    for r in (0..n).step_by(step) {
        if let Some(t) = value_text(attrs.get(r, col)) {
            total += 1;
            let digits = t
                .chars()
                .map(half_width)
                .filter(|c| c.is_ascii_digit())
                .count();
            if digits * 2 >= t.chars().count() {
                codes += 1;
            }
        }
    }
    total > 0 && codes * 2 >= total
}

/// The common length of digit-only keys (the most frequent length).
fn common_digit_len<'a>(keys: impl Iterator<Item = &'a str>) -> Option<usize> {
    let mut freq: HashMap<usize, usize> = HashMap::new();
    for k in keys {
        if !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()) {
            *freq.entry(k.len()).or_default() += 1;
        }
    }
    freq.into_iter()
        .max_by_key(|(l, n)| (*n, *l))
        .map(|(l, _)| l)
}

fn pad(k: String, len: Option<usize>) -> String {
    match len {
        Some(l) if k.len() < l && !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()) => {
            format!("{}{k}", "0".repeat(l - k.len()))
        }
        _ => k,
    }
}

/// The result of a join: new fields and one column each, aligned with the layer's rows.
#[derive(Debug, Clone)]
pub struct JoinResult {
    /// The join.
    pub spec: JoinSpec,
    /// Joined fields (prefixed).
    pub fields: Vec<Field>,
    /// One column per joined field.
    pub columns: Vec<Column>,
    /// What matched.
    pub report: JoinReport,
    /// The table rows matched by each layer row (empty when none).
    pub matches: RowMatches,
}

/// Which table rows each layer row matched: rows sharing a key form a group.
#[derive(Debug, Clone, Default)]
pub struct RowMatches {
    /// Group of each layer row.
    pub feature_group: Vec<Option<u32>>,
    /// Table rows of each group.
    pub groups: Vec<Vec<u32>>,
}

impl RowMatches {
    /// The table rows matched by any of `features` (layer rows), in table order, each once.
    pub fn table_rows(&self, features: &[u32]) -> Vec<u32> {
        let mut rows: Vec<u32> = features
            .iter()
            .filter_map(|&f| self.feature_group.get(f as usize).copied().flatten())
            .flat_map(|g| self.groups[g as usize].iter().copied())
            .collect();
        rows.sort_unstable();
        rows.dedup();
        rows
    }
}

/// Joins `table` to `layer` as `spec` says.
pub fn join(
    layer: &AttributeTable,
    table: &AttributeTable,
    spec: &JoinSpec,
) -> Result<JoinResult, JoinError> {
    let lcol = layer
        .field_index(&spec.layer_field)
        .ok_or_else(|| JoinError::NoLayerField(spec.layer_field.clone()))?;
    let tcol = table
        .field_index(&spec.column)
        .ok_or_else(|| JoinError::NoColumn(spec.column.clone()))?;
    let mode = match spec.key {
        KeyMatch::Auto => {
            if looks_like_codes(layer, lcol) {
                KeyMatch::Code
            } else {
                KeyMatch::Name
            }
        }
        m => m,
    };
    let norm = |s: &str| -> String {
        match mode {
            KeyMatch::Code => normalize_code(s),
            KeyMatch::Name => normalize_name(s),
            _ => s.trim().to_string(),
        }
    };
    // Distinct layer keys, normalised once each.
    let mut layer_distinct: HashMap<&str, String> = HashMap::new();
    for r in 0..layer.len() {
        if let Value::Text(t) = layer.get(r, lcol) {
            if !layer_distinct.contains_key(t) {
                layer_distinct.insert(t, norm(t));
            }
        }
    }
    let mut other_distinct: HashMap<String, String> = HashMap::new(); // numeric layer keys
    for r in 0..layer.len() {
        let v = layer.get(r, lcol);
        if !matches!(v, Value::Text(_) | Value::Null) {
            let s = v.to_string();
            if !other_distinct.contains_key(&s) {
                let n = norm(&s);
                other_distinct.insert(s, n);
            }
        }
    }
    // Table keys.
    let table_keys: Vec<Option<(String, String)>> = (0..table.len())
        .map(|r| value_text(table.get(r, tcol)).map(|raw| (norm(&raw), raw)))
        .collect();
    let pad_len = if mode == KeyMatch::Code {
        common_digit_len(
            layer_distinct
                .values()
                .chain(other_distinct.values())
                .map(|s| s.as_str()),
        )
    } else {
        None
    };
    // Group rows by padded key.
    let mut groups: HashMap<String, Vec<u32>> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut raw_of: HashMap<String, String> = HashMap::new();
    for (r, k) in table_keys.iter().enumerate() {
        if let Some((k, raw)) = k {
            let k = pad(k.clone(), pad_len);
            let e = groups.entry(k.clone()).or_default();
            if e.is_empty() {
                order.push(k.clone());
                raw_of.insert(k, raw.clone());
            }
            e.push(r as u32);
        }
    }
    let one_to_many = groups.values().any(|g| g.len() > 1);
    let group_ids: HashMap<&str, u32> = order
        .iter()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i as u32))
        .collect();
    // Per feature: group id.
    let lookup = |k: &String| group_ids.get(pad(k.clone(), pad_len).as_str()).copied();
    let layer_group: HashMap<&str, Option<u32>> = layer_distinct
        .iter()
        .map(|(raw, k)| (*raw, lookup(k)))
        .collect();
    let other_group: HashMap<&str, Option<u32>> = other_distinct
        .iter()
        .map(|(raw, k)| (raw.as_str(), lookup(k)))
        .collect();
    let mut feature_group: Vec<Option<u32>> = Vec::with_capacity(layer.len());
    let mut report = JoinReport {
        key: Some(mode),
        features: layer.len(),
        rows: table.len(),
        one_to_many,
        ..Default::default()
    };
    let mut used = vec![false; order.len()];
    let mut unmatched: Vec<String> = Vec::new();
    let mut unmatched_seen: std::collections::HashSet<String> = Default::default();
    let mut layer_key_count: HashMap<String, usize> = HashMap::new();
    for r in 0..layer.len() {
        let v = layer.get(r, lcol);
        let (g, raw): (Option<u32>, Option<String>) = match v {
            Value::Null => (None, None),
            Value::Text(t) if t.trim().is_empty() => (None, None),
            Value::Text(t) => (layer_group[t], Some(t.to_string())),
            other => {
                let s = other.to_string();
                (other_group[s.as_str()], Some(s))
            }
        };
        match (&raw, g) {
            (None, _) => report.empty_layer_keys += 1,
            (Some(_), Some(g)) => {
                report.matched_features += 1;
                used[g as usize] = true;
            }
            (Some(k), None) => {
                if unmatched_seen.insert(k.clone()) {
                    unmatched.push(k.clone());
                }
            }
        }
        if let Some(g) = g {
            // Features sharing a key: only meaningful for 1:1 village layers, counted per group.
            *layer_key_count
                .entry(order[g as usize].clone())
                .or_default() += 1;
        }
        feature_group.push(g);
    }
    report.unmatched_layer_keys = unmatched;
    report.matched_rows = order
        .iter()
        .enumerate()
        .filter(|(i, _)| used[*i])
        .map(|(_, k)| groups[k].len())
        .sum();
    report.unmatched_table_keys = order
        .iter()
        .enumerate()
        .filter(|(i, _)| !used[*i])
        .map(|(_, k)| raw_of[k].clone())
        .collect();
    let grouped: usize = groups.values().map(|g| g.len()).sum();
    report.empty_table_keys = table.len().saturating_sub(grouped);
    report.duplicate_table_keys = order
        .iter()
        .filter(|k| groups[*k].len() > 1)
        .map(|k| (k.clone(), groups[k].len()))
        .collect();
    // Only report shared layer keys when the layer has one feature per key typically (a
    // village layer), not for parcels where thousands share a village code.
    if layer_key_count.len() * 2 >= report.matched_features.max(1) {
        let mut d: Vec<(String, usize)> = layer_key_count
            .into_iter()
            .filter(|(_, n)| *n > 1)
            .collect();
        d.sort();
        report.duplicate_layer_keys = d;
    }
    // Build the joined columns per group, then spread to features.
    let prefix = spec.prefix();
    let wanted: Vec<usize> = if spec.fields.is_empty() {
        (0..table.fields.len()).filter(|c| *c != tcol).collect()
    } else {
        spec.fields
            .iter()
            .map(|f| {
                table
                    .field_index(f)
                    .ok_or_else(|| JoinError::NoColumn(f.clone()))
            })
            .collect::<Result<_, _>>()?
    };
    let mut fields = Vec::new();
    let mut columns = Vec::new();
    let group_rows: Vec<&Vec<u32>> = order.iter().map(|k| &groups[k]).collect();
    for &c in &wanted {
        let f = &table.fields[c];
        let numeric = f.ftype != FieldType::Text;
        let agg = if !one_to_many || (!numeric && spec.aggregate == Aggregate::First) {
            Aggregate::First
        } else if !numeric {
            Aggregate::Count // placeholder: text columns list their distinct values below
        } else {
            spec.aggregate
        };
        let list_text = one_to_many && !numeric && agg != Aggregate::First;
        let out_type = match (agg, f.ftype) {
            _ if list_text => FieldType::Text,
            (Aggregate::First, t) => t,
            (Aggregate::Count, _) => FieldType::Integer,
            (Aggregate::Mean, _) => FieldType::Real,
            (_, t) => t,
        };
        // One value per group.
        let mut per_group = Column::new(out_type);
        for rows in &group_rows {
            let vals = rows.iter().map(|r| table.get(*r as usize, c));
            if list_text {
                // Several rows: their distinct values, so an ambiguous match shows as such.
                let mut seen: Vec<&str> = Vec::new();
                for v in vals {
                    if let Value::Text(t) = v {
                        if !seen.contains(&t) {
                            seen.push(t);
                        }
                    }
                }
                match seen.len() {
                    0 => per_group.push_null(),
                    _ => per_group.push_text(&seen.join("；")),
                }
                continue;
            }
            match agg {
                Aggregate::First => match rows.iter().map(|r| table.get(*r as usize, c)).next() {
                    Some(Value::Int(i)) => per_group.push_int(i),
                    Some(Value::Real(x)) => per_group.push_real(x),
                    Some(Value::Text(t)) => per_group.push_text(t),
                    _ => per_group.push_null(),
                },
                Aggregate::Count => {
                    per_group.push_int(vals.filter(|v| *v != Value::Null).count() as i64)
                }
                _ => {
                    let nums: Vec<f64> = vals.filter_map(|v| v.as_f64()).collect();
                    if nums.is_empty() {
                        per_group.push_null();
                        continue;
                    }
                    let x = match agg {
                        Aggregate::Sum => nums.iter().sum(),
                        Aggregate::Mean => nums.iter().sum::<f64>() / nums.len() as f64,
                        Aggregate::Min => nums.iter().cloned().fold(f64::INFINITY, f64::min),
                        _ => nums.iter().cloned().fold(f64::NEG_INFINITY, f64::max),
                    };
                    if out_type == FieldType::Integer {
                        per_group.push_int(x.round() as i64)
                    } else {
                        per_group.push_real(x)
                    }
                }
            }
        }
        let mut col = Column::new(out_type);
        for g in &feature_group {
            match g.map(|g| per_group.get(g as usize)) {
                Some(Value::Int(i)) => col.push_int(i),
                Some(Value::Real(x)) => col.push_real(x),
                Some(Value::Text(t)) => col.push_text(t),
                _ => col.push_null(),
            }
        }
        let suffix = if agg == Aggregate::First || list_text {
            String::new()
        } else {
            format!("_{}", agg.label().1)
        };
        fields.push(Field {
            name: format!("{prefix}{}{suffix}", f.name),
            ftype: out_type,
            source_type: format!("joined from {}", spec.dataset),
        });
        columns.push(col);
    }
    if one_to_many {
        let mut col = Column::new(FieldType::Integer);
        for g in &feature_group {
            match g {
                Some(g) => col.push_int(group_rows[*g as usize].len() as i64),
                None => col.push_null(),
            }
        }
        fields.push(Field {
            name: format!("{prefix}记录数"),
            ftype: FieldType::Integer,
            source_type: format!("joined from {}", spec.dataset),
        });
        columns.push(col);
    }
    let groups = order.iter().map(|k| groups[k].clone()).collect();
    Ok(JoinResult {
        spec: spec.clone(),
        fields,
        columns,
        report,
        matches: RowMatches {
            feature_group,
            groups,
        },
    })
}

/// The layer's own attributes followed by the fields of each join (no data copied for the
/// layer's own columns). A joined field whose name is taken gets `_2`, `_3`… appended.
pub fn with_joins(base: &AttributeTable, joins: &[JoinResult]) -> AttributeTable {
    let mut t = base.clone();
    for j in joins {
        for (f, c) in j.fields.iter().zip(&j.columns) {
            let mut f = f.clone();
            let stem = f.name.clone();
            let mut k = 2;
            while t.fields.iter().any(|x| x.name == f.name) {
                f.name = format!("{stem}_{k}");
                k += 1;
            }
            t.fields.push(f);
            t.columns.push(Arc::new(c.clone()));
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(fields: &[(&str, FieldType)], rows: &[&[&str]]) -> AttributeTable {
        let mut t = AttributeTable::new(
            fields
                .iter()
                .map(|(n, ft)| Field {
                    name: n.to_string(),
                    ftype: *ft,
                    source_type: String::new(),
                })
                .collect(),
        );
        for r in rows {
            for (i, v) in r.iter().enumerate() {
                let c = Arc::make_mut(&mut t.columns[i]);
                if v.is_empty() {
                    c.push_null()
                } else {
                    c.push_text(v)
                }
            }
        }
        t
    }

    #[test]
    fn normalisation() {
        assert_eq!(normalize_code(" ３５０３２２１００２０１ "), "350322100201");
        assert_eq!(normalize_code("3503221000200000000"), "350322100020");
        assert_eq!(normalize_code("350322100201.0"), "350322100201");
        assert_eq!(normalize_code("05h1"), "05H1");
        assert_eq!(normalize_name("洋顶村民委员会"), "洋顶");
        assert_eq!(normalize_name("洋顶村委会"), "洋顶");
        assert_eq!(normalize_name(" 洋顶 村"), "洋顶");
        assert_eq!(normalize_name("城东社区居委会"), "城东");
        assert_eq!(normalize_name("城东居委会"), "城东");
        assert_eq!(normalize_name("城东社区"), "城东");
        assert_eq!(normalize_name("村"), "村");
        assert_eq!(normalize_name("横塘村村民委员会"), "横塘");
        assert_eq!(normalize_name("横塘村"), "横塘");
        assert_eq!(normalize_name("城东社区社区居委会"), "城东");
    }

    #[test]
    fn codes_names_and_aggregation() {
        let t = FieldType::Text;
        let layer = table(
            &[("ZLDWDM", t), ("NAME", t)],
            &[
                &["3503221000200001000", "洋顶村"],
                &["3503221000200002000", "洋顶村"],
                &["3503221000210000000", "东门社区"],
                &["3503221000990000000", "无表村"],
                &["", "无码"],
            ],
        );
        let dept = table(
            &[("代码", t), ("村名", t), ("人口", FieldType::Integer)],
            &[
                &["３５０３２２１０００２０", "洋顶村民委员会", "1200"],
                &["350322100021", "东门居委会", "800"],
                &["350322100077", "外村", "5"],
            ],
        );
        let r = join(&layer, &dept, &JoinSpec::new("人口", "ZLDWDM", "代码")).unwrap();
        assert_eq!(r.report.key, Some(KeyMatch::Code));
        assert_eq!(r.report.matched_features, 3);
        assert_eq!(r.report.empty_layer_keys, 1);
        assert_eq!(r.report.unmatched_layer_keys, vec!["3503221000990000000"]);
        assert_eq!(r.report.unmatched_table_keys, vec!["350322100077"]);
        assert!(!r.report.one_to_many);
        let joined = with_joins(&layer, &[r]);
        let pop = joined.field_index("人口_人口").unwrap();
        assert_eq!(joined.get(0, pop), Value::Int(1200));
        assert_eq!(joined.get(2, pop), Value::Int(800));
        assert_eq!(joined.get(3, pop), Value::Null);
        // By name.
        let r = join(&layer, &dept, &JoinSpec::new("人口", "NAME", "村名")).unwrap();
        assert_eq!(r.report.key, Some(KeyMatch::Name));
        assert_eq!(r.report.matched_features, 3);
        // 1:N with sum, mean and count; leading zeros restored.
        let codes = table(&[("DLBM", t)], &[&["0101"], &["0201"], &["0301"]]);
        let rows = table(
            &[
                ("dlbm", FieldType::Integer),
                ("面积", FieldType::Real),
                ("名称", t),
            ],
            &[
                &["101", "1.5", "水田"],
                &["101", "2.5", "水田一"],
                &["201", "4", "旱地"],
                &["999", "1", "x"],
            ],
        );
        let mut spec = JoinSpec::new("a", "DLBM", "dlbm");
        spec.key = KeyMatch::Code;
        let r = join(&codes, &rows, &spec).unwrap();
        assert!(r.report.one_to_many);
        assert_eq!(r.report.duplicate_table_keys, vec![("0101".to_string(), 2)]);
        let j = with_joins(&codes, &[r]);
        let s = j.field_index("a_面积_sum").unwrap();
        assert_eq!(
            j.field_index("a_名称").map(|c| j.get(0, c)),
            Some(Value::Text("水田；水田一"))
        );
        let n = j.field_index("a_记录数").unwrap();
        assert_eq!(j.get(0, s), Value::Real(4.0));
        assert_eq!(j.get(0, n), Value::Int(2));
        assert_eq!(j.get(2, s), Value::Null);
        spec.aggregate = Aggregate::Mean;
        let r = join(&codes, &rows, &spec).unwrap();
        let j = with_joins(&codes, &[r]);
        assert_eq!(
            j.get(0, j.field_index("a_面积_mean").unwrap()),
            Value::Real(2.0)
        );
        assert!(join(&codes, &rows, &JoinSpec::new("a", "X", "dlbm")).is_err());
    }
}

//! A layer's attribute table as an export (CSV, XLSX or JSON), with column headers a cadre reads: the field
//! dictionary's name or the user's alias beside the code and unit (`图斑面积 (TBMJ, m²)`), or the codes alone for a
//! file another program reads back. Codes stay text; numbers stay numbers (XLSX cells, JSON numbers) with the
//! decimals they had. Used by the attribute table's 导出 button and by `yitu attributes`.

use super::table::{Cell, Table};
use crate::core::model::attrs::{AttributeTable, Value};
use crate::core::model::fields::{header_in, UserAliases};
use std::path::Path;

/// How the columns are headed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Headers {
    /// The Chinese name with the code and unit: `图斑面积 (TBMJ, m²)` (a field without a name keeps its code).
    Bilingual,
    /// The English name with the code and unit: `parcel area (TBMJ, m²)`.
    English,
    /// The field codes alone, as stored (for a program that reads the file back).
    Code,
}

impl Headers {
    /// The choice's values for the CLI and the app: (value, Chinese label, English label).
    pub const CHOICES: &'static [(&'static str, &'static str, &'static str)] = &[
        (
            "bilingual",
            "中文名（代码，单位）",
            "Chinese name (code, unit)",
        ),
        (
            "english",
            "英文名（代码，单位）",
            "English name (code, unit)",
        ),
        ("code", "仅字段代码", "field codes only"),
    ];

    /// The choice named `value` (see [`Self::CHOICES`]).
    pub fn parse(value: &str) -> Option<Headers> {
        match value.trim() {
            "bilingual" | "双语" => Some(Headers::Bilingual),
            "english" | "英文" => Some(Headers::English),
            "code" | "代码" => Some(Headers::Code),
            _ => None,
        }
    }

    /// The header of field `name` under this choice, with the layer's `aliases`.
    pub fn header(self, aliases: &UserAliases, name: &str) -> String {
        match self {
            Headers::Bilingual => header_in(aliases, name, true),
            Headers::English => header_in(aliases, name, false),
            Headers::Code => name.to_string(),
        }
    }
}

/// The number of decimals of `v` as Rust prints it shortest (`1234.5` → 1), at most 9.
fn decimals(v: f64) -> usize {
    let s = format!("{v}");
    match s.split_once('.') {
        Some((_, frac)) if !s.contains('e') => frac.len().min(9),
        _ => 0,
    }
}

/// The rows `rows` (feature indices, in the order given) of `attrs` as a table titled `title`: one column per
/// field, headed as `headers` says with the layer's `aliases`. Text (codes included) stays text; integers and
/// reals are numbers with their own decimals; NULL is an empty cell. A `rows` index past the table is skipped.
pub fn table(
    attrs: &AttributeTable,
    rows: &[u32],
    aliases: &UserAliases,
    headers: Headers,
    title: &str,
) -> Table {
    let n = attrs.len();
    Table {
        title: title.to_string(),
        headers: attrs
            .fields
            .iter()
            .map(|f| headers.header(aliases, &f.name))
            .collect(),
        rows: rows
            .iter()
            .map(|&r| r as usize)
            .filter(|&r| r < n)
            .map(|r| {
                (0..attrs.fields.len())
                    .map(|c| match attrs.get(r, c) {
                        Value::Null => Cell::Num(f64::NAN, 0),
                        Value::Int(i) => Cell::Num(i as f64, 0),
                        Value::Real(v) => Cell::Num(v, decimals(v)),
                        Value::Text(t) => Cell::t(t),
                    })
                    .collect()
            })
            .collect(),
    }
}

/// Writes `table` to `path` by its extension — `.csv` (UTF-8 with a BOM), `.xlsx` (one sheet, header frozen) or
/// `.json` (an array of objects) — atomically: nothing is left at `path` when it fails. Errors: an unknown
/// extension, or the file not writable (in Chinese and English).
pub fn write(table: &Table, path: &Path) -> Result<(), String> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let bytes = match ext.as_str() {
        "csv" => table.to_csv().into_bytes(),
        "xlsx" => super::table::tables_xlsx(&[table])?,
        "json" => serde_json::to_vec_pretty(&table.to_json()).map_err(|e| e.to_string())?,
        _ => {
            return Err(format!(
                "{}：导出为 .csv、.xlsx 或 .json / export to .csv, .xlsx or .json",
                path.display()
            ))
        }
    };
    crate::core::io::files::write_atomic(path, bytes)
        .map_err(|e| crate::core::io::files::write_error(path, &e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::attrs::{Field, FieldType};

    fn attrs() -> AttributeTable {
        let field = |n: &str, t| Field {
            name: n.into(),
            ftype: t,
            source_type: String::new(),
        };
        let mut a = AttributeTable::new(vec![
            field("ZLDWDM", FieldType::Text),
            field("TBMJ", FieldType::Real),
            field("RK", FieldType::Integer),
        ]);
        fn col(a: &mut AttributeTable, i: usize) -> &mut crate::core::model::attrs::Column {
            std::sync::Arc::make_mut(&mut a.columns[i])
        }
        col(&mut a, 0).push_text("350322100001");
        col(&mut a, 0).push_null();
        col(&mut a, 1).push_real(1234.56);
        col(&mut a, 1).push_real(0.1);
        col(&mut a, 2).push_int(12);
        col(&mut a, 2).push_null();
        a
    }

    #[test]
    fn headers_name_the_fields_and_cells_keep_their_types() {
        let mut aliases = UserAliases::new();
        aliases.insert("RK".into(), "户籍人口".into());
        let t = table(
            &attrs(),
            &[1, 0, 7],
            &aliases,
            Headers::Bilingual,
            "地类图斑",
        );
        assert_eq!(
            t.headers,
            [
                "坐落单位代码 (ZLDWDM)",
                "图斑面积 (TBMJ, m²)",
                "户籍人口 (RK)"
            ]
        );
        assert_eq!(t.rows.len(), 2, "a row past the table is skipped");
        assert_eq!(
            t.to_csv(),
            "\u{feff}坐落单位代码 (ZLDWDM),\"图斑面积 (TBMJ, m²)\",户籍人口 (RK)\n,0.1,\n350322100001,1234.56,12\n"
        );
        let e = table(&attrs(), &[0], &aliases, Headers::English, "x");
        assert_eq!(e.headers[1], "parcel area (TBMJ, m²)");
        let c = table(&attrs(), &[0], &aliases, Headers::Code, "x");
        assert_eq!(c.headers, ["ZLDWDM", "TBMJ", "RK"]);
        assert_eq!(c.to_json()[0]["ZLDWDM"], "350322100001");
        assert_eq!(c.to_json()[0]["TBMJ"], 1234.56);
    }

    #[test]
    fn a_failed_write_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let t = table(&attrs(), &[0, 1], &UserAliases::new(), Headers::Code, "x");
        let bad = dir.path().join("a.shp");
        assert!(write(&t, &bad).unwrap_err().contains(".xlsx"));
        assert!(!bad.exists());
        let missing = dir.path().join("no/such/dir/a.csv");
        assert!(write(&t, &missing).is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let ok = dir.path().join("a.xlsx");
        write(&t, &ok).unwrap();
        assert!(std::fs::metadata(&ok).unwrap().len() > 1000);
    }
}

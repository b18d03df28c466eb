//! A layer's attribute table as an export (CSV, XLSX or JSON), with column headers a cadre reads: the field
//! dictionary's name or the user's alias beside the code and unit (`图斑面积 (TBMJ, m²)`), or the codes alone for a
//! file another program reads back. The feature id comes first (`FID`), so rows can be matched back to features.
//! Codes stay text; integers stay exact (an XLSX cell beyond 15 digits is text, as Excel keeps only 15); reals keep
//! every digit; JSON keys follow the field order. Rows are streamed to a temporary file beside the target (XLSX
//! in `rust_xlsxwriter`'s constant-memory mode), renamed over it when complete: a failed or cancelled export
//! leaves nothing. Used by the attribute table's 导出 button and by `yitu attributes`.

use crate::core::model::attrs::{AttributeTable, Value};
use crate::core::model::fields::{header_in, UserAliases};
use crate::core::model::progress::Progress;
use std::io::Write;
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
            "bilingual" => Some(Headers::Bilingual),
            "english" => Some(Headers::English),
            "code" => Some(Headers::Code),
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

/// The most rows an XLSX sheet holds below its header (Excel's limit, 1 048 576, less the header).
pub const XLSX_MAX_ROWS: usize = 1_048_575;
/// The most characters an XLSX cell holds (Excel's limit).
pub const XLSX_MAX_CHARS: usize = 32_767;
/// The largest integer an XLSX number keeps exactly (Excel keeps 15 significant digits).
const XLSX_EXACT_INT: i64 = 999_999_999_999_999;

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Written {
    /// Rows written (without the header).
    pub rows: usize,
    /// Columns written (FID included).
    pub columns: usize,
    /// What the user should know (cells cut to Excel's limit), Chinese / English.
    pub notes: Vec<String>,
}

/// One export: the rows `rows` (feature indices, in the order given; an index past the table is skipped) of
/// `attrs`, their feature ids `fids` (by feature index) in a first `FID` column, headed as `headers` says with the
/// layer's `aliases`.
pub struct Export<'a> {
    /// The attributes.
    pub attrs: &'a AttributeTable,
    /// Feature ids by feature index (the layer's `fids`); `None`: no FID column.
    pub fids: Option<&'a [i64]>,
    /// Feature indices to write, in order.
    pub rows: &'a [u32],
    /// The layer's field aliases.
    pub aliases: &'a UserAliases,
    /// How columns are headed.
    pub headers: Headers,
    /// The sheet's name (XLSX): the layer's name.
    pub title: &'a str,
}

impl Export<'_> {
    /// The column headers, `FID` first when there are feature ids. A header is one line (a newline typed into an
    /// alias becomes a space).
    pub fn header_row(&self) -> Vec<String> {
        let one_line = |s: String| s.replace(['\r', '\n', '\t'], " ");
        self.fids
            .map(|_| "FID".to_string())
            .into_iter()
            .chain(
                self.attrs
                    .fields
                    .iter()
                    .map(|f| one_line(self.headers.header(self.aliases, &f.name))),
            )
            .collect()
    }

    /// The rows that exist, in order.
    fn rows(&self) -> impl Iterator<Item = usize> + '_ {
        let n = self
            .attrs
            .len()
            .max(self.fids.map(|f| f.len()).unwrap_or(0));
        self.rows
            .iter()
            .map(|&r| r as usize)
            .filter(move |&r| r < n)
    }

    /// The value of field `c` in row `r` (NULL past the attributes: a layer without fields).
    fn value(&self, r: usize, c: usize) -> Value<'_> {
        if r < self.attrs.len() {
            self.attrs.get(r, c)
        } else {
            Value::Null
        }
    }

    /// Writes the export to `path` by its extension — `.csv` (UTF-8 with a BOM), `.xlsx` (one sheet, header
    /// frozen) or `.json` (an array of objects keyed by header, in column order) — atomically. `progress` counts
    /// rows and can cancel. Errors, in Chinese and English: an unknown extension, more rows than an XLSX sheet
    /// holds, the file not writable, cancelled.
    pub fn write(&self, path: &Path, progress: &Progress) -> Result<Written, String> {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if !matches!(ext.as_str(), "csv" | "xlsx" | "json") {
            return Err(format!(
                "{}：导出为 .csv、.xlsx 或 .json / export to .csv, .xlsx or .json",
                path.display()
            ));
        }
        let n = self.rows().count();
        if ext == "xlsx" && n > XLSX_MAX_ROWS {
            return Err(format!(
                "{n} 行超过 XLSX 一张表的上限 {XLSX_MAX_ROWS} 行，请导出为 CSV / {n} rows exceed an XLSX sheet's {XLSX_MAX_ROWS}: export to CSV"
            ));
        }
        progress.stage("导出属性表 / exporting attributes", n as u64);
        // A link stays a link (its target gets the rows); the file replaced keeps its permissions.
        let path = &crate::core::io::files::resolve_output(path)
            .map_err(|e| crate::core::io::files::write_error(path, &e))?;
        let tmp = crate::core::io::files::temp_beside(path);
        let done = match ext.as_str() {
            "csv" => self.csv(&tmp, progress),
            "json" => self.json(&tmp, progress),
            _ => self.xlsx(&tmp, progress),
        }
        .and_then(|w| {
            crate::core::io::files::replace_with(&tmp, path)
                .map(|_| w)
                .map_err(|e| crate::core::io::files::write_error(path, &e))
        });
        if done.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        done
    }

    fn csv(&self, tmp: &Path, progress: &Progress) -> Result<Written, String> {
        let io = |e: std::io::Error| crate::core::io::files::write_error(tmp, &e);
        let f = std::fs::File::create(tmp).map_err(io)?;
        let mut f = std::io::BufWriter::new(f);
        f.write_all("\u{feff}".as_bytes()).map_err(io)?;
        let mut w = csv::Writer::from_writer(f);
        let header = self.header_row();
        w.write_record(&header).map_err(|e| e.to_string())?;
        let mut rec: Vec<String> = Vec::with_capacity(header.len());
        let mut rows = 0;
        for r in self.rows() {
            rec.clear();
            if let Some(fids) = self.fids {
                rec.push(fids.get(r).map(|f| f.to_string()).unwrap_or_default());
            }
            for c in 0..self.attrs.fields.len() {
                rec.push(match self.value(r, c) {
                    Value::Null => String::new(),
                    Value::Int(i) => i.to_string(),
                    Value::Real(v) if !v.is_finite() => String::new(),
                    Value::Real(v) => real_text(v),
                    Value::Text(t) => t.to_string(),
                });
            }
            w.write_record(&rec).map_err(|e| e.to_string())?;
            rows += 1;
            self.tick(rows, progress)?;
        }
        w.flush().map_err(io)?;
        Ok(Written {
            rows,
            columns: header.len(),
            notes: vec![],
        })
    }

    fn json(&self, tmp: &Path, progress: &Progress) -> Result<Written, String> {
        let io = |e: std::io::Error| crate::core::io::files::write_error(tmp, &e);
        let mut f = std::io::BufWriter::new(std::fs::File::create(tmp).map_err(io)?);
        let header = self.header_row();
        let keys: Vec<String> = header
            .iter()
            .map(|h| serde_json::to_string(h).unwrap_or_default())
            .collect();
        f.write_all(b"[").map_err(io)?;
        let mut rows = 0;
        for r in self.rows() {
            let mut line = String::from(if rows == 0 { "\n  {" } else { ",\n  {" });
            let mut k = keys.iter();
            let mut put = |line: &mut String, v: serde_json::Value| {
                if !line.ends_with('{') {
                    line.push_str(", ");
                }
                line.push_str(k.next().map(String::as_str).unwrap_or("\"\""));
                line.push_str(": ");
                line.push_str(&v.to_string());
            };
            if let Some(fids) = self.fids {
                put(
                    &mut line,
                    fids.get(r)
                        .map(|f| serde_json::json!(f))
                        .unwrap_or(serde_json::Value::Null),
                );
            }
            for c in 0..self.attrs.fields.len() {
                let v = match self.value(r, c) {
                    Value::Null => serde_json::Value::Null,
                    Value::Int(i) => serde_json::json!(i),
                    Value::Real(v) => serde_json::Number::from_f64(v)
                        .map(serde_json::Value::Number)
                        .unwrap_or(serde_json::Value::Null),
                    Value::Text(t) => serde_json::Value::String(t.to_string()),
                };
                put(&mut line, v);
            }
            line.push('}');
            f.write_all(line.as_bytes()).map_err(io)?;
            rows += 1;
            self.tick(rows, progress)?;
        }
        f.write_all(if rows == 0 {
            &b"]\n"[..]
        } else {
            &b"\n]\n"[..]
        })
        .map_err(io)?;
        f.flush().map_err(io)?;
        Ok(Written {
            rows,
            columns: header.len(),
            notes: vec![],
        })
    }

    fn xlsx(&self, tmp: &Path, progress: &Progress) -> Result<Written, String> {
        use rust_xlsxwriter::{Format, Workbook};
        let e = |e: rust_xlsxwriter::XlsxError| e.to_string();
        let mut wb = Workbook::new();
        if let Ok(t) = rust_xlsxwriter::ExcelDateTime::from_timestamp(
            crate::core::data::cache::document_time(),
        ) {
            wb.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&t));
        }
        let head = Format::new().set_bold().set_background_color(0xECF0F6);
        let header = self.header_row();
        let ws = wb.add_worksheet_with_constant_memory();
        ws.set_name(sheet_name(self.title)).map_err(e)?;
        for (c, h) in header.iter().enumerate() {
            ws.set_column_width(c as u16, (h.chars().count() as f64 * 1.6).clamp(8.0, 40.0))
                .map_err(e)?;
        }
        ws.set_freeze_panes(1, 0).map_err(e)?;
        for (c, h) in header.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, h, &head)
                .map_err(e)?;
        }
        let (mut rows, mut cut) = (0usize, 0usize);
        let mut cut_at: Option<(usize, String)> = None;
        for r in self.rows() {
            let x = rows as u32 + 1;
            let mut c = 0u16;
            if let Some(fids) = self.fids {
                if let Some(f) = fids.get(r) {
                    write_int(ws, x, c, *f).map_err(e)?;
                }
                c += 1;
            }
            for (i, field) in self.attrs.fields.iter().enumerate() {
                match self.value(r, i) {
                    Value::Null => {}
                    Value::Int(v) => write_int(ws, x, c, v).map_err(e)?,
                    Value::Real(v) if !v.is_finite() => {}
                    Value::Real(v) => {
                        ws.write_number(x, c, v).map_err(e)?;
                    }
                    Value::Text(t) if t.chars().count() > XLSX_MAX_CHARS => {
                        let s: String = t.chars().take(XLSX_MAX_CHARS).collect();
                        ws.write_string(x, c, s).map_err(e)?;
                        cut += 1;
                        cut_at.get_or_insert((rows + 1, field.name.clone()));
                    }
                    Value::Text(t) => {
                        ws.write_string(x, c, t).map_err(e)?;
                    }
                }
                c += 1;
            }
            rows += 1;
            self.tick(rows, progress)?;
        }
        wb.save(tmp)
            .map_err(|x| format!("{}: {}", tmp.display(), e(x)))?;
        let mut notes = vec![];
        if let Some((row, field)) = cut_at {
            notes.push(format!(
                "{cut} 个单元格超过 XLSX 每格 {XLSX_MAX_CHARS} 字的上限，已截断（首个：第 {row} 行 {field}）；完整内容请导出为 CSV / {cut} cells exceed XLSX's {XLSX_MAX_CHARS} characters a cell and were cut (first: row {row}, {field}); export to CSV for the whole text"
            ));
        }
        Ok(Written {
            rows,
            columns: header.len(),
            notes,
        })
    }

    /// Progress every 10 000 rows; an error when cancelled.
    fn tick(&self, rows: usize, progress: &Progress) -> Result<(), String> {
        if rows.is_multiple_of(10_000) {
            progress
                .set(rows as u64)
                .map_err(|_| "已取消 / cancelled".to_string())?;
        }
        Ok(())
    }
}

/// A real as text with every digit: Rust's shortest exact form (`1234.56`, `0.0000000001`), in exponent notation
/// beyond 10¹⁵ or below 10⁻⁹ (`1e300`, `5e-324`), which every spreadsheet and CSV reader takes.
fn real_text(v: f64) -> String {
    let a = v.abs();
    if a != 0.0 && !(1e-9..1e15).contains(&a) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// An integer cell: a number while Excel keeps it exactly (15 digits), else text, so no digit is lost.
fn write_int(
    ws: &mut rust_xlsxwriter::Worksheet,
    r: u32,
    c: u16,
    v: i64,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    if (-XLSX_EXACT_INT..=XLSX_EXACT_INT).contains(&v) {
        ws.write_number(r, c, v as f64).map(|_| ())
    } else {
        ws.write_string(r, c, v.to_string()).map(|_| ())
    }
}

/// A name Excel accepts for a sheet: without `[]:*?/\`, not starting or ending with `'`, at most 31 characters,
/// not blank (then 属性表).
pub fn sheet_name(title: &str) -> String {
    let s: String = title
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c) && !c.is_control())
        .collect();
    let s: String = s
        .trim()
        .trim_matches('\'')
        .trim()
        .chars()
        .take(31)
        .collect();
    let s = s.trim_end_matches('\'').to_string();
    if s.trim().is_empty() {
        "属性表".to_string()
    } else {
        s
    }
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
        col(&mut a, 0).push_text(&"长".repeat(XLSX_MAX_CHARS + 5));
        col(&mut a, 1).push_real(1234.56);
        col(&mut a, 1).push_real(1e-10);
        col(&mut a, 1).push_real(0.1234567890123);
        col(&mut a, 2).push_int(12);
        col(&mut a, 2).push_null();
        col(&mut a, 2).push_int(9_007_199_254_740_993);
        a
    }

    fn export<'a>(
        a: &'a AttributeTable,
        fids: Option<&'a [i64]>,
        rows: &'a [u32],
        aliases: &'a UserAliases,
        headers: Headers,
    ) -> Export<'a> {
        Export {
            attrs: a,
            fids,
            rows,
            aliases,
            headers,
            title: "地类图斑",
        }
    }

    #[test]
    fn headers_name_the_fields_and_values_keep_every_digit() {
        let dir = tempfile::tempdir().unwrap();
        let a = attrs();
        let mut aliases = UserAliases::new();
        aliases.insert("RK".into(), "户籍\n人口".into());
        let fids = [7i64, 8, 9];
        let x = export(&a, Some(&fids), &[1, 0, 2, 7], &aliases, Headers::Bilingual);
        assert_eq!(
            x.header_row(),
            [
                "FID",
                "坐落单位代码 (ZLDWDM)",
                "图斑面积 (TBMJ, m²)",
                "户籍 人口 (RK)"
            ]
        );
        let csv = dir.path().join("a.csv");
        let w = x.write(&csv, &Progress::new()).unwrap();
        assert_eq!(
            (w.rows, w.columns),
            (3, 4),
            "a row past the table is skipped"
        );
        let text = std::fs::read_to_string(&csv).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[1], "8,,1e-10,");
        assert_eq!(lines[2], "7,350322100001,1234.56,12");
        assert!(lines[3].ends_with(",0.1234567890123,9007199254740993"));
        let e = export(&a, None, &[0], &aliases, Headers::English);
        assert_eq!(e.header_row()[1], "parcel area (TBMJ, m²)");
        // JSON: keys in column order, integers exact.
        let json = dir.path().join("a.json");
        export(&a, Some(&fids), &[2, 0], &aliases, Headers::Code)
            .write(&json, &Progress::new())
            .unwrap();
        let text = std::fs::read_to_string(&json).unwrap();
        let first = text.lines().nth(1).unwrap();
        assert!(
            first.starts_with("  {\"FID\": 9, \"ZLDWDM\": \"长长"),
            "{}",
            &first[..40]
        );
        assert!(first.ends_with("\"TBMJ\": 0.1234567890123, \"RK\": 9007199254740993},"));
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v[1]["ZLDWDM"], "350322100001");
        assert_eq!(v[1]["TBMJ"], 1234.56);
        // XLSX: the long text cut, and said.
        let xlsx = dir.path().join("a.xlsx");
        let w = x.write(&xlsx, &Progress::new()).unwrap();
        assert_eq!(w.rows, 3);
        assert!(w.notes[0].contains("第 3 行 ZLDWDM"), "{:?}", w.notes);
    }

    #[test]
    fn a_failed_or_cancelled_write_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let a = attrs();
        let none = UserAliases::new();
        let x = export(&a, None, &[0, 1], &none, Headers::Code);
        let bad = dir.path().join("a.shp");
        assert!(x
            .write(&bad, &Progress::new())
            .unwrap_err()
            .contains(".xlsx"));
        let missing = dir.path().join("no/such/dir/a.csv");
        assert!(x.write(&missing, &Progress::new()).is_err());
        let many: Vec<u32> = (0..(XLSX_MAX_ROWS as u32 + 1)).map(|i| i % 3).collect();
        let big = export(&a, None, &many, &none, Headers::Code);
        assert!(big
            .write(&dir.path().join("big.xlsx"), &Progress::new())
            .unwrap_err()
            .contains("CSV"));
        let p = Progress::new();
        p.cancel_quietly();
        assert!(big.write(&dir.path().join("big.csv"), &p).is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn reals_keep_every_digit_in_a_form_readers_take() {
        assert_eq!(real_text(1234.56), "1234.56");
        assert_eq!(real_text(1e-10), "1e-10");
        assert_eq!(real_text(0.000_000_001), "0.000000001");
        assert_eq!(real_text(1e300), "1e300");
        assert_eq!(real_text(-0.0), "-0");
        assert_eq!(real_text(123456789012345.0), "123456789012345");
        for v in [1e300, 5e-324, 0.1 + 0.2, -7.25e-12] {
            assert_eq!(real_text(v).parse::<f64>().unwrap(), v);
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_replaced_file_keeps_its_permissions_and_a_link_stays_a_link() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let a = attrs();
        let none = UserAliases::new();
        let x = export(&a, None, &[0], &none, Headers::Code);
        let target = dir.path().join("t.csv");
        std::fs::write(&target, "old").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).unwrap();
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        x.write(&link, &Progress::new()).unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert!(std::fs::read_to_string(&target).unwrap().contains("ZLDWDM"));
        let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }

    #[test]
    fn sheet_names_are_ones_excel_takes() {
        assert_eq!(sheet_name("'quote'"), "quote");
        assert_eq!(sheet_name("[]"), "属性表");
        assert_eq!(sheet_name("a/b:c"), "abc");
        assert_eq!(sheet_name(&"村".repeat(40)).chars().count(), 31);
    }
}

//! A plain result table (title, headers, rows of text and numbers) written as CSV (UTF-8 with BOM, so Excel
//! reads Chinese), JSON (an array of objects keyed by header) or an XLSX workbook (one sheet per table, codes as
//! text, numbers as numbers, header frozen).

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text (codes included: never turned into numbers).
    Text(String),
    /// A number shown with `decimals` digits (NaN: empty).
    Num(f64, usize),
}

impl Cell {
    /// A text cell.
    pub fn t(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    /// The cell as printed: numbers to their decimals, never "-0.00", non-finite numbers empty.
    pub fn display(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Num(v, _) if !v.is_finite() => String::new(),
            // No "-0.00".
            Cell::Num(v, d) if v.abs() < 0.5 * 10f64.powi(-(*d as i32)) => {
                format!("{:.d$}", 0.0, d = *d)
            }
            Cell::Num(v, d) => format!("{v:.d$}", d = *d),
        }
    }
}

/// A table with a title (the XLSX sheet's name).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// Title, also the sheet name (cut to 31 characters).
    pub title: String,
    /// Column headers.
    pub headers: Vec<String>,
    /// Rows, each as long as `headers`.
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// CSV text with a BOM.
    pub fn to_csv(&self) -> String {
        let q = |s: &str| {
            if s.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.to_string()
            }
        };
        let mut out = String::from("\u{feff}");
        out.push_str(
            &self
                .headers
                .iter()
                .map(|h| q(h))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push('\n');
        for r in &self.rows {
            out.push_str(
                &r.iter()
                    .map(|c| q(&c.display()))
                    .collect::<Vec<_>>()
                    .join(","),
            );
            out.push('\n');
        }
        out
    }

    /// JSON: an array of objects keyed by header (numbers as numbers, rounded to their decimals).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Array(
            self.rows
                .iter()
                .map(|r| {
                    let mut m = serde_json::Map::new();
                    for (h, c) in self.headers.iter().zip(r) {
                        let v = match c {
                            Cell::Text(s) => serde_json::Value::String(s.clone()),
                            Cell::Num(v, _) if !v.is_finite() => serde_json::Value::Null,
                            // Whole numbers (counts, ring numbers) as integers.
                            Cell::Num(v, 0) if v.abs() < 9.0e15 => {
                                serde_json::json!(v.round() as i64)
                            }
                            Cell::Num(v, d) => {
                                let p = 10f64.powi(*d as i32);
                                serde_json::json!((v * p).round() / p)
                            }
                        };
                        m.insert(h.clone(), v);
                    }
                    serde_json::Value::Object(m)
                })
                .collect(),
        )
    }
}

/// An XLSX workbook of `tables`, one sheet each. Errors: the writer's message.
pub fn tables_xlsx(tables: &[&Table]) -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::{Format, Workbook};
    let e = |e: rust_xlsxwriter::XlsxError| e.to_string();
    let mut wb = Workbook::new();
    if let Ok(t) =
        rust_xlsxwriter::ExcelDateTime::from_timestamp(crate::core::data::cache::document_time())
    {
        wb.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&t));
    }
    let head = Format::new().set_bold().set_background_color(0xECF0F6);
    for t in tables {
        let name: String = t
            .title
            .chars()
            .filter(|c| !"[]:*?/\\".contains(*c))
            .take(31)
            .collect();
        let ws = wb.add_worksheet().set_name(&name).map_err(e)?;
        for (c, h) in t.headers.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, h, &head)
                .map_err(e)?;
            ws.set_column_width(c as u16, (h.chars().count() as f64 * 2.2).clamp(8.0, 40.0))
                .map_err(e)?;
        }
        for (r, row) in t.rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32 + 1, c as u16);
                match cell {
                    Cell::Text(s) => {
                        ws.write_string(r, c, s).map_err(e)?;
                    }
                    Cell::Num(v, _) if !v.is_finite() => {}
                    Cell::Num(v, d) => {
                        let fmt = Format::new().set_num_format(if *d == 0 {
                            "0".to_string()
                        } else {
                            format!("0.{}", "0".repeat(*d))
                        });
                        ws.write_number_with_format(r, c, *v, &fmt).map_err(e)?;
                    }
                }
            }
        }
        ws.set_freeze_panes(1, 0).map_err(e)?;
    }
    wb.save_to_buffer().map_err(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_json_keep_codes_as_text() {
        let t = Table {
            title: "t".into(),
            headers: vec!["代码".into(), "值".into()],
            rows: vec![
                vec![Cell::t("0809"), Cell::Num(1.23456, 2)],
                vec![Cell::t("a,b"), Cell::Num(f64::NAN, 1)],
            ],
        };
        assert_eq!(t.to_csv(), "\u{feff}代码,值\n0809,1.23\n\"a,b\",\n");
        let j = t.to_json();
        assert_eq!(j[0]["代码"], "0809");
        assert_eq!(j[0]["值"], 1.23);
        assert!(j[1]["值"].is_null());
        assert!(tables_xlsx(&[&t]).unwrap().starts_with(b"PK"));
    }
}

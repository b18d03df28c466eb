//! Columnar attribute tables: one compact column per field, so a million parcels with twenty
//! fields fit in a few hundred megabytes. Codes (DLBM, ZLDWDM, credit codes) are text and stay text.

use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::sync::Arc;

/// The type of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FieldType {
    /// 64-bit integer.
    Integer,
    /// Floating point.
    Real,
    /// Text (also dates, and anything else shown as text).
    Text,
}

impl FieldType {
    /// Whether values are numbers.
    pub fn is_numeric(&self) -> bool {
        matches!(self, FieldType::Integer | FieldType::Real)
    }
}

/// A field (column) of a layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// Field name as in the source.
    pub name: String,
    /// Field type.
    pub ftype: FieldType,
    /// The type name the source declared (e.g. "TEXT(19)", "MEDIUMINT").
    pub source_type: String,
}

/// One attribute value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    /// NULL.
    Null,
    /// Integer.
    Int(i64),
    /// Real.
    Real(f64),
    /// Text.
    Text(&'a str),
}

impl Value<'_> {
    /// The value as a number, where it is one.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Value::Int(i) => Some(i as f64),
            Value::Real(r) => Some(r),
            Value::Text(t) => t.trim().parse().ok(),
            Value::Null => None,
        }
    }

    /// Orders NULL first, numbers numerically, text by code point.
    pub fn cmp_total(&self, other: &Value) -> Ordering {
        match (self, other) {
            (Value::Null, Value::Null) => Ordering::Equal,
            (Value::Null, _) => Ordering::Less,
            (_, Value::Null) => Ordering::Greater,
            (Value::Text(a), Value::Text(b)) => a.cmp(b),
            (a, b) => match (a.as_f64(), b.as_f64()) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                _ => a.to_string().cmp(&b.to_string()),
            },
        }
    }
}

impl std::fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Null => Ok(()),
            Value::Int(i) => write!(f, "{i}"),
            Value::Real(r) => {
                if r.fract() == 0.0 && r.abs() < 1e15 {
                    write!(f, "{r:.1}")
                } else {
                    write!(f, "{}", (r * 1e6).round() / 1e6)
                }
            }
            Value::Text(t) => f.write_str(t),
        }
    }
}

/// Storage of one column.
#[derive(Debug, Clone)]
pub enum Column {
    /// Integers; `None` is NULL.
    Int(Vec<Option<i64>>),
    /// Reals; NaN is NULL.
    Real(Vec<f64>),
    /// Text in one buffer; `offsets[i]..offsets[i+1]` is row `i`, `u32::MAX` in `nulls` marks NULL.
    Text {
        /// All strings, back to back.
        data: String,
        /// Start of each row in `data`, plus the end.
        offsets: Vec<u32>,
        /// NULL flags.
        nulls: Vec<bool>,
    },
}

impl Column {
    /// An empty column of the given type.
    pub fn new(t: FieldType) -> Column {
        match t {
            FieldType::Integer => Column::Int(Vec::new()),
            FieldType::Real => Column::Real(Vec::new()),
            FieldType::Text => Column::Text {
                data: String::new(),
                offsets: vec![0],
                nulls: Vec::new(),
            },
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Column::Int(v) => v.len(),
            Column::Real(v) => v.len(),
            Column::Text { nulls, .. } => nulls.len(),
        }
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value at `row`.
    #[inline]
    pub fn get(&self, row: usize) -> Value<'_> {
        match self {
            Column::Int(v) => v[row].map(Value::Int).unwrap_or(Value::Null),
            Column::Real(v) => {
                if v[row].is_nan() {
                    Value::Null
                } else {
                    Value::Real(v[row])
                }
            }
            Column::Text {
                data,
                offsets,
                nulls,
            } => {
                if nulls[row] {
                    Value::Null
                } else {
                    Value::Text(&data[offsets[row] as usize..offsets[row + 1] as usize])
                }
            }
        }
    }

    /// Appends a NULL.
    pub fn push_null(&mut self) {
        match self {
            Column::Int(v) => v.push(None),
            Column::Real(v) => v.push(f64::NAN),
            Column::Text {
                data,
                offsets,
                nulls,
            } => {
                offsets.push(data.len() as u32);
                nulls.push(true);
            }
        }
    }

    /// Appends an integer (converted to the column's type).
    pub fn push_int(&mut self, i: i64) {
        match self {
            Column::Int(v) => v.push(Some(i)),
            Column::Real(v) => v.push(i as f64),
            Column::Text { .. } => self.push_text(&i.to_string()),
        }
    }

    /// Appends a real (converted to the column's type).
    pub fn push_real(&mut self, r: f64) {
        match self {
            Column::Int(v) => v.push(Some(r as i64)),
            Column::Real(v) => v.push(r),
            Column::Text { .. } => self.push_text(&Value::Real(r).to_string()),
        }
    }

    /// Appends text (parsed for numeric columns; unparsable text becomes NULL).
    pub fn push_text(&mut self, s: &str) {
        match self {
            Column::Int(v) => v.push(s.trim().parse().ok()),
            Column::Real(v) => v.push(s.trim().parse().unwrap_or(f64::NAN)),
            Column::Text {
                data,
                offsets,
                nulls,
            } => {
                data.push_str(s);
                offsets.push(data.len() as u32);
                nulls.push(false);
            }
        }
    }

    /// Appends all rows of `other` (same type).
    pub fn append(&mut self, other: Column) {
        match (self, other) {
            (Column::Int(a), Column::Int(b)) => a.extend(b),
            (Column::Real(a), Column::Real(b)) => a.extend(b),
            (
                Column::Text {
                    data,
                    offsets,
                    nulls,
                },
                Column::Text {
                    data: d2,
                    offsets: o2,
                    nulls: n2,
                },
            ) => {
                let base = data.len() as u32;
                data.push_str(&d2);
                offsets.extend(o2[1..].iter().map(|o| o + base));
                nulls.extend(n2);
            }
            _ => panic!("appending columns of different types"),
        }
    }

    /// Approximate heap bytes used.
    pub fn heap_bytes(&self) -> usize {
        match self {
            Column::Int(v) => v.capacity() * 16,
            Column::Real(v) => v.capacity() * 8,
            Column::Text {
                data,
                offsets,
                nulls,
            } => data.capacity() + offsets.capacity() * 4 + nulls.capacity(),
        }
    }
}

/// The attributes of a layer: fields and one column each.
#[derive(Debug, Clone, Default)]
pub struct AttributeTable {
    /// Fields, in source order.
    pub fields: Vec<Field>,
    /// One column per field, shared: cloning a table (e.g. to add joined fields) copies no data.
    pub columns: Vec<Arc<Column>>,
}

impl AttributeTable {
    /// An empty table with the given fields.
    pub fn new(fields: Vec<Field>) -> Self {
        let columns = fields
            .iter()
            .map(|f| Arc::new(Column::new(f.ftype)))
            .collect();
        AttributeTable { fields, columns }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.columns.first().map(|c| c.len()).unwrap_or(0)
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends the rows of `other` (same fields).
    pub fn append(&mut self, other: AttributeTable) {
        for (a, b) in self.columns.iter_mut().zip(other.columns) {
            Arc::make_mut(a).append(Arc::try_unwrap(b).unwrap_or_else(|b| (*b).clone()));
        }
    }

    /// Index of the field called `name` (ASCII case-insensitive).
    pub fn field_index(&self, name: &str) -> Option<usize> {
        self.fields
            .iter()
            .position(|f| f.name.eq_ignore_ascii_case(name))
            .or_else(|| {
                // Loosely, when exactly one field matches: spaces ignored (`村代码  ` typed
                // with the header's trailing spaces) and full-width forms read as half-width
                // (`村代码（12位）` for `村代码(12位)`).
                let key = loose(name);
                let mut hits = self
                    .fields
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| loose(&f.name) == key);
                match (hits.next(), hits.next()) {
                    (Some((i, _)), None) => Some(i),
                    _ => None,
                }
            })
    }

    /// The value of field `col` at `row`.
    pub fn get(&self, row: usize, col: usize) -> Value<'_> {
        self.columns[col].get(row)
    }

    /// Row indices sorted by column `col` (stable; NULLs first).
    pub fn sorted_rows(&self, col: usize, rows: &[u32], descending: bool) -> Vec<u32> {
        let c = &*self.columns[col];
        let mut out = rows.to_vec();
        match c {
            Column::Real(v) => {
                // NULL (NaN) sorts first, like NULLs elsewhere.
                let key = |r: u32| {
                    let x = v[r as usize];
                    if x.is_nan() {
                        f64::NEG_INFINITY
                    } else {
                        x
                    }
                };
                out.sort_by(|a, b| key(*a).total_cmp(&key(*b)))
            }
            _ => out.sort_by(|a, b| c.get(*a as usize).cmp_total(&c.get(*b as usize))),
        }
        if descending {
            out.reverse();
        }
        out
    }

    /// Rows where any field's text contains `needle` (case-insensitive for ASCII), or, with
    /// `field`, where that field does.
    pub fn filter_rows(&self, needle: &str, field: Option<usize>) -> Vec<u32> {
        let n = needle.trim().to_lowercase();
        if n.is_empty() {
            return (0..self.len() as u32).collect();
        }
        let cols: Vec<usize> = match field {
            Some(f) => vec![f],
            None => (0..self.columns.len()).collect(),
        };
        let mut buf = String::new();
        (0..self.len() as u32)
            .filter(|&r| {
                cols.iter().any(|&c| {
                    buf.clear();
                    use std::fmt::Write;
                    let _ = write!(buf, "{}", self.columns[c].get(r as usize));
                    buf.to_lowercase().contains(&n)
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fields_are_found_loosely_when_only_one_matches() {
        use super::*;
        let t = AttributeTable::new(vec![
            Field {
                name: "村代码(12位)".into(),
                ftype: FieldType::Text,
                source_type: String::new(),
            },
            Field {
                name: "户数".into(),
                ftype: FieldType::Integer,
                source_type: String::new(),
            },
        ]);
        assert_eq!(t.field_index("村代码（12位）"), Some(0));
        assert_eq!(t.field_index(" 户数  "), Some(1));
        assert_eq!(t.field_index("人口"), None);
    }

    use super::*;

    #[test]
    fn codes_stay_text_and_sort() {
        let mut t = AttributeTable::new(vec![
            Field {
                name: "DLBM".into(),
                ftype: FieldType::Text,
                source_type: "TEXT".into(),
            },
            Field {
                name: "TBMJ".into(),
                ftype: FieldType::Real,
                source_type: "REAL".into(),
            },
        ]);
        for (code, a) in [
            ("0101", 10.0),
            ("05H1", 2.0),
            ("0201K", f64::NAN),
            ("0103", 5.0),
        ] {
            Arc::make_mut(&mut t.columns[0]).push_text(code);
            Arc::make_mut(&mut t.columns[1]).push_real(a);
        }
        Arc::make_mut(&mut t.columns[0]).push_null();
        Arc::make_mut(&mut t.columns[1]).push_real(1.0);
        assert_eq!(t.get(0, 0), Value::Text("0101"));
        assert_eq!(t.get(2, 1), Value::Null);
        let rows: Vec<u32> = (0..5).collect();
        let s = t.sorted_rows(0, &rows, false);
        assert_eq!(s, vec![4, 0, 3, 2, 1]);
        let s = t.sorted_rows(1, &rows, true);
        assert_eq!(s[0], 0);
        assert_eq!(t.filter_rows("05h", None), vec![1]);
        assert_eq!(t.field_index("tbmj"), Some(1));
    }
}

/// A field name compared loosely: no white space, full-width ASCII forms as half-width,
/// ASCII letters in lower case.
fn loose(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c as u32 {
            0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .flat_map(|c| c.to_lowercase())
        .collect()
}

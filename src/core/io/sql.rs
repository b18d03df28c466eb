//! SQL text that YiTu builds: one quoting rule for every identifier (table, column, index,
//! trigger) and every string literal, so layer and field names with spaces, quotes,
//! parentheses, Chinese characters or SQL keywords work everywhere.

/// `name` as an SQL identifier: in double quotes, inner double quotes doubled (SQLite and the
/// SQL standard). `ident("DLTB (2024) \"v2\"")` is `"DLTB (2024) ""v2"""`.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `text` as an SQL string literal: in single quotes, inner single quotes doubled.
pub fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    #[test]
    fn odd_names_round_trip_through_sqlite() {
        let c = Connection::open_in_memory().unwrap();
        for name in [
            "DLTB (2024) 'v2'",
            "村界 2024",
            "a\"b",
            "select",
            "order",
            "人口(人)",
            " lead and trail ",
        ] {
            c.execute_batch(&format!(
                "CREATE TABLE {t} ({c} TEXT); INSERT INTO {t} VALUES ({v});",
                t = ident(name),
                c = ident(name),
                v = literal(name)
            ))
            .unwrap();
            let got: String = c
                .query_row(
                    &format!("SELECT {} FROM {}", ident(name), ident(name)),
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(got, name);
            let listed: String = c
                .query_row(
                    "SELECT name FROM sqlite_master WHERE name = ?1",
                    [name],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(listed, name);
        }
    }
}

//! The local cache of department data: one SQLite database per user (WAL). Every import makes a
//! new version of a dataset, recorded with its provenance (department, source, time, row count,
//! content hash, column schema); earlier versions stay and the user can roll back. An import is
//! one transaction: killing the process half-way leaves the previous version active and the
//! database healthy.

use super::attrs::FieldType;
use super::progress::Progress;
use super::table_import::{for_each_row, preview, ColumnSpec, ImportError, ImportOptions};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Cache errors.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// SQLite.
    #[error("缓存数据库错误 / cache database error: {0}")]
    Db(#[from] rusqlite::Error),
    /// Reading the source.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// Unknown dataset or version.
    #[error("没有数据集 {0} / no dataset {0}")]
    NoDataset(String),
    /// Unknown version.
    #[error("数据集 {0} 没有版本 {1} / dataset {0} has no version {1}")]
    NoVersion(String, i64),
    /// Cancelled.
    #[error("已取消，缓存未改变 / cancelled, the cache is unchanged")]
    Cancelled,
}

/// One version of a dataset.
#[derive(Debug, Clone, Serialize)]
pub struct VersionInfo {
    /// Dataset name.
    pub dataset: String,
    /// Version number (1, 2, …).
    pub version: i64,
    /// Department.
    pub department: String,
    /// File path or URL.
    pub source: String,
    /// When it was imported (UTC, ISO 8601).
    pub imported_at: String,
    /// Data rows.
    pub row_count: i64,
    /// FNV-1a 64 hash of the cell contents.
    pub content_hash: String,
    /// Columns.
    pub columns: Vec<ColumnSpec>,
    /// Whether this is the version in use.
    pub active: bool,
    /// Encoding / format read.
    pub encoding: String,
}

/// The cache.
pub struct Cache {
    conn: Connection,
    /// Database file.
    pub path: PathBuf,
}

fn fnv(hash: &mut u64, bytes: &[u8]) {
    for b in bytes {
        *hash ^= *b as u64;
        *hash = hash.wrapping_mul(0x100_0000_01b3);
    }
}

fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0) as i64;
    let (days, rem) = (secs.div_euclid(86400), secs.rem_euclid(86400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + (m <= 2) as i64;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

impl Cache {
    /// The user's cache: `cache.sqlite` in the settings folder.
    pub fn default_path() -> PathBuf {
        super::project::Settings::dir().join("cache.sqlite")
    }

    /// Opens (creating if needed) a cache database.
    pub fn open(path: &Path) -> Result<Cache, CacheError> {
        if let Some(d) = path.parent() {
            let _ = std::fs::create_dir_all(d);
        }
        let conn = Connection::open(path)?;
        // (rusqlite's busy_timeout() needs SQLite ≥ 3.44; the system library is 3.40: use the pragma.)
        conn.execute_batch(
            "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
             CREATE TABLE IF NOT EXISTS datasets (name TEXT PRIMARY KEY, department TEXT NOT NULL, active_version INTEGER);
             CREATE TABLE IF NOT EXISTS versions (id INTEGER PRIMARY KEY, dataset TEXT NOT NULL, version INTEGER NOT NULL,
               department TEXT NOT NULL, source TEXT NOT NULL, imported_at TEXT NOT NULL, row_count INTEGER NOT NULL,
               content_hash TEXT NOT NULL, encoding TEXT, schema_json TEXT NOT NULL, table_name TEXT NOT NULL,
               UNIQUE (dataset, version));",
        )?;
        Ok(Cache {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Imports a file as a new version of dataset `name`, in one transaction.
    pub fn import_file(
        &mut self,
        name: &str,
        department: &str,
        file: &Path,
        opts: &ImportOptions,
        progress: &Progress,
    ) -> Result<VersionInfo, CacheError> {
        let pv = preview(file, opts, 200)?;
        let header = pv.header_row;
        let columns = pv.columns.clone();
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let version: i64 = tx.query_row(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM versions WHERE dataset = ?1",
            [name],
            |r| r.get(0),
        )?;
        let id: i64 = tx.query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM versions", [], |r| {
            r.get(0)
        })?;
        let table = format!("data_{id}");
        let cols: Vec<String> = columns
            .iter()
            .map(|c| {
                let ty = match c.ftype {
                    FieldType::Integer => "INTEGER",
                    FieldType::Real => "REAL",
                    FieldType::Text => "TEXT",
                };
                format!("\"{}\" {ty}", c.name.replace('"', "\"\""))
            })
            .collect();
        tx.execute_batch(&format!(
            "CREATE TABLE {table} (row INTEGER PRIMARY KEY, {});",
            cols.join(", ")
        ))?;
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        let mut rows = 0i64;
        let mut failure: Option<CacheError> = None;
        {
            let placeholders: Vec<String> =
                (0..columns.len()).map(|i| format!("?{}", i + 1)).collect();
            let mut st = tx.prepare(&format!(
                "INSERT INTO {table} ({}) VALUES ({})",
                columns
                    .iter()
                    .map(|c| format!("\"{}\"", c.name.replace('"', "\"\"")))
                    .collect::<Vec<_>>()
                    .join(", "),
                placeholders.join(", ")
            ))?;
            let mut i = 0usize;
            let first_data = header.map(|h| h + 1).unwrap_or(0);
            let ncols = columns.len();
            let mut vals: Vec<rusqlite::types::Value> = Vec::with_capacity(ncols);
            for_each_row(file, opts, |r| {
                i += 1;
                if i <= first_data || r.iter().all(|c| c.trim().is_empty()) {
                    return true;
                }
                vals.clear();
                for (k, c) in columns.iter().enumerate() {
                    let cell = r.get(k).map(|s| s.as_str()).unwrap_or("");
                    fnv(&mut hash, cell.as_bytes());
                    fnv(&mut hash, &[0x1f]);
                    let t = cell.trim();
                    vals.push(if t.is_empty() {
                        rusqlite::types::Value::Null
                    } else {
                        match c.ftype {
                            FieldType::Integer => t
                                .replace(',', "")
                                .parse::<i64>()
                                .map(rusqlite::types::Value::Integer)
                                .unwrap_or_else(|_| rusqlite::types::Value::Text(cell.to_string())),
                            FieldType::Real => t
                                .replace(',', "")
                                .parse::<f64>()
                                .map(rusqlite::types::Value::Real)
                                .unwrap_or_else(|_| rusqlite::types::Value::Text(cell.to_string())),
                            FieldType::Text => rusqlite::types::Value::Text(cell.to_string()),
                        }
                    });
                }
                fnv(&mut hash, &[0x1e]);
                if let Err(e) = st.execute(rusqlite::params_from_iter(vals.iter())) {
                    failure = Some(e.into());
                    return false;
                }
                rows += 1;
                if rows % 8192 == 0 && progress.set(rows as u64).is_err() {
                    failure = Some(CacheError::Cancelled);
                    return false;
                }
                true
            })?;
        }
        if let Some(e) = failure {
            return Err(e); // the transaction is dropped: rolled back, nothing changed
        }
        let info = VersionInfo {
            dataset: name.into(),
            version,
            department: department.into(),
            source: std::fs::canonicalize(file)
                .unwrap_or_else(|_| file.to_path_buf())
                .display()
                .to_string(),
            imported_at: now_utc(),
            row_count: rows,
            content_hash: format!("{hash:016x}"),
            columns,
            active: true,
            encoding: pv.encoding.clone(),
        };
        tx.execute(
            "INSERT INTO versions (id, dataset, version, department, source, imported_at, row_count, content_hash, encoding, schema_json, table_name)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![id, name, version, department, info.source, info.imported_at, rows, info.content_hash, info.encoding, serde_json::to_string(&info.columns).unwrap(), table],
        )?;
        tx.execute(
            "INSERT INTO datasets (name, department, active_version) VALUES (?1, ?2, ?3)
             ON CONFLICT(name) DO UPDATE SET department = excluded.department, active_version = excluded.active_version",
            params![name, department, version],
        )?;
        tx.commit()?;
        Ok(info)
    }

    fn versions_where(&self, clause: &str, arg: &str) -> Result<Vec<VersionInfo>, CacheError> {
        let mut st = self.conn.prepare(&format!(
            "SELECT v.dataset, v.version, v.department, v.source, v.imported_at, v.row_count, v.content_hash, v.schema_json, v.encoding,
                    d.active_version = v.version
             FROM versions v JOIN datasets d ON d.name = v.dataset WHERE {clause} ORDER BY v.dataset, v.version"
        ))?;
        let rows = st.query_map([arg], |r| {
            let schema: String = r.get(7)?;
            Ok(VersionInfo {
                dataset: r.get(0)?,
                version: r.get(1)?,
                department: r.get(2)?,
                source: r.get(3)?,
                imported_at: r.get(4)?,
                row_count: r.get(5)?,
                content_hash: r.get(6)?,
                columns: serde_json::from_str(&schema).unwrap_or_default(),
                encoding: r.get::<_, Option<String>>(8)?.unwrap_or_default(),
                active: r.get::<_, Option<bool>>(9)?.unwrap_or(false),
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// The active version of every dataset.
    pub fn list(&self) -> Result<Vec<VersionInfo>, CacheError> {
        self.versions_where("d.active_version = v.version AND ?1 = ?1", "")
    }

    /// Every version of a dataset.
    pub fn history(&self, name: &str) -> Result<Vec<VersionInfo>, CacheError> {
        let v = self.versions_where("v.dataset = ?1", name)?;
        if v.is_empty() {
            return Err(CacheError::NoDataset(name.into()));
        }
        Ok(v)
    }

    /// Makes an earlier (or later) version the active one.
    pub fn rollback(&mut self, name: &str, version: i64) -> Result<(), CacheError> {
        let exists: Option<i64> = self
            .conn
            .query_row(
                "SELECT id FROM versions WHERE dataset = ?1 AND version = ?2",
                params![name, version],
                |r| r.get(0),
            )
            .optional()?;
        if exists.is_none() {
            return Err(CacheError::NoVersion(name.into(), version));
        }
        self.conn.execute(
            "UPDATE datasets SET active_version = ?2 WHERE name = ?1",
            params![name, version],
        )?;
        Ok(())
    }

    /// Number of rows stored for a version (checks the data table itself).
    pub fn stored_rows(&self, name: &str, version: i64) -> Result<i64, CacheError> {
        let table: String = self
            .conn
            .query_row(
                "SELECT table_name FROM versions WHERE dataset = ?1 AND version = ?2",
                params![name, version],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| CacheError::NoVersion(name.into(), version))?;
        Ok(self
            .conn
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?)
    }

    /// SQLite's own integrity check ("ok" when healthy).
    pub fn integrity(&self) -> Result<String, CacheError> {
        Ok(self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }
}

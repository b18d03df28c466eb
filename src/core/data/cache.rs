//! The local cache of department data: one SQLite database per user (WAL). Every import makes a
//! new version of a dataset, recorded with its provenance (department, source, time, row count,
//! content hash, column schema); earlier versions stay and the user can roll back. An import is
//! one transaction: killing the process half-way leaves the previous version active and the
//! database healthy.

use crate::core::io::service::{download, Download, ServiceError, ServiceSpec};
use crate::core::io::table_import::{
    for_each_record, preview, ColumnSpec, ImportError, ImportOptions,
};
use crate::core::model::attrs::{AttributeTable, Field, FieldType};
use crate::core::model::progress::Progress;
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
    /// A dataset without a data service.
    #[error("数据集 {0} 没有数据服务地址 / dataset {0} has no data service")]
    NoService(String),
    /// A refresh failed; the last good version stays in use.
    #[error("{error}\n{kept}")]
    Fetch {
        /// What went wrong.
        error: ServiceError,
        /// Which version stays in use and how old it is.
        kept: String,
    },
}

/// What a refresh from a data service did.
#[derive(Debug, Clone, Serialize)]
pub enum FetchOutcome {
    /// New content: a new version.
    Updated(VersionInfo),
    /// The service answered 304 Not Modified.
    NotModified,
    /// The service sent the same content as the active version: no new version.
    Unchanged,
}

/// The data service of a dataset and what its last refresh did.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceState {
    /// Dataset name.
    pub dataset: String,
    /// How to call it.
    pub spec: ServiceSpec,
    /// When the service last answered successfully (UTC), if ever.
    pub checked_at: Option<String>,
    /// The last failure, if the last refresh failed.
    pub last_error: Option<String>,
}

/// A dataset version read back from the cache, as a columnar table.
pub struct DataTable {
    /// The version.
    pub info: VersionInfo,
    /// Its rows.
    pub attrs: AttributeTable,
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
    /// What the import had to repair (error cells, invalid bytes), in Chinese and English.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// One parsed value, text as a range in the batch's buffer.
#[derive(Clone, Copy)]
enum Cell {
    Null,
    Int(i64),
    Real(f64),
    Text(u32, u32),
}

/// Rows passed from the reader thread to the writer.
#[derive(Default)]
struct Batch {
    rows: usize,
    text: String,
    cells: Vec<Cell>,
}

/// What the reader thread found.
struct ParseOutcome {
    hash: u64,
    replaced: usize,
    not_numbers: usize,
    error_cells: usize,
    summary_rows: Vec<(usize, String)>,
    placeholders: usize,
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

/// The current UTC time as ISO 8601 (`2026-11-23T08:00:00Z`).
pub fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0) as i64;
    utc_string(secs)
}

/// The time stamped into documents YiTu writes (report dates, XLSX properties), in seconds since the Unix epoch:
/// `SOURCE_DATE_EPOCH` when set (the reproducible-builds convention, so the same data gives the same bytes),
/// otherwise now.
pub fn document_time() -> i64 {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0)
        })
}

/// A time in seconds since the Unix epoch as ISO 8601 UTC (`2026-11-23T08:00:00Z`).
pub fn utc_string(secs: i64) -> String {
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

/// Seconds since the Unix epoch of an ISO 8601 UTC time written by this module.
fn parse_utc(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 19 {
        return None;
    }
    let n = |a: usize, e: usize| s.get(a..e)?.parse::<i64>().ok();
    let (y, m, d) = (n(0, 4)?, n(5, 7)?, n(8, 10)?);
    let (hh, mm, ss) = (n(11, 13)?, n(14, 16)?, n(17, 19)?);
    // Days from civil (Howard Hinnant).
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86400 + hh * 3600 + mm * 60 + ss)
}

/// How long ago an ISO 8601 UTC time was, in Chinese and English ("3 天前", "3 days ago").
pub fn age_text(iso: &str) -> (String, String) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let Some(t) = parse_utc(iso) else {
        return ("时间未知".into(), "unknown age".into());
    };
    let s = (now - t).max(0);
    if s < 60 {
        ("刚刚".into(), "just now".into())
    } else if s < 3600 {
        (format!("{} 分钟前", s / 60), format!("{} min ago", s / 60))
    } else if s < 86400 {
        (
            format!("{} 小时前", s / 3600),
            format!("{} h ago", s / 3600),
        )
    } else {
        (
            format!("{} 天前", s / 86400),
            format!("{} days ago", s / 86400),
        )
    }
}

impl Cache {
    /// The user's cache: `cache.sqlite` in the settings folder.
    pub fn default_path() -> PathBuf {
        crate::core::io::project::Settings::dir().join("cache.sqlite")
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
               UNIQUE (dataset, version));
             CREATE TABLE IF NOT EXISTS services (dataset TEXT PRIMARY KEY, department TEXT NOT NULL, spec_json TEXT NOT NULL,
               etag TEXT, last_modified TEXT, checked_at TEXT, last_error TEXT);",
        )?;
        let c = Cache {
            conn,
            path: path.to_path_buf(),
        };
        // Data files of imports killed half-way (untouched for an hour: not still running).
        c.remove_orphans(std::time::Duration::from_secs(3600));
        Ok(c)
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
        let source = std::fs::canonicalize(file)
            .unwrap_or_else(|_| file.to_path_buf())
            .display()
            .to_string();
        self.import_as(name, department, file, &source, opts, progress, false)
            .map(|v| v.expect("a plain import always makes a version"))
    }

    /// Imports the datasets of a project that the cache does not hold yet (a project travels
    /// with its data), and those it holds from another file (a new version from the project's
    /// file, when the content differs). Returns one message per dataset imported or failed.
    pub fn ensure(
        &mut self,
        datasets: &[crate::core::io::project::ProjectDataset],
        progress: &Progress,
    ) -> Vec<String> {
        let active = self.list().unwrap_or_default();
        let have: Vec<String> = active.iter().map(|v| v.dataset.clone()).collect();
        let mut msgs = Vec::new();
        // A dataset of the same name imported from another file (another project, another
        // county, another year): the project's own file becomes a new version when its content
        // differs, so one project never silently uses another's table.
        for d in datasets {
            let Some(v) = active.iter().find(|v| v.dataset == d.name) else {
                continue;
            };
            let Ok(source) = std::fs::canonicalize(&d.path) else {
                continue;
            };
            let source = source.display().to_string();
            if v.source.starts_with("http") {
                continue;
            }
            // The same file, changed since it was imported (a department sent a new table under the old
            // name): imported as a new version when its content differs, and said. A file up to 20 MB is
            // compared by content every time (a copy or an unzipped archive may carry an older date); a larger
            // one when it was modified after the import.
            let changed = source == v.source
                && std::fs::metadata(&d.path).is_ok_and(|m| {
                    m.len() <= 20 * 1024 * 1024
                        || m.modified()
                            .ok()
                            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                            .is_some_and(|t| utc_string(t.as_secs() as i64) >= v.imported_at)
                });
            if source == v.source && !changed {
                continue;
            }
            let opts = ImportOptions {
                header_row: d.header_row,
                ..Default::default()
            };
            match self.import_as(&d.name, &d.department, &d.path, &source, &opts, progress, true) {
                Ok(Some(n)) if changed => msgs.push(format!(
                    "数据集 {} 的文件（{}）自 {} 导入后内容改过，已导入为新版本 v{}（旧版本可回退）/ the file of dataset {} ({}) changed since its import at {}: imported as version {} (the old one can be rolled back to)",
                    d.name, source, v.imported_at, n.version, d.name, source, v.imported_at, n.version
                )),
                Ok(Some(n)) => msgs.push(format!(
                    "数据集 {} 在缓存中来自另一个文件（{}），已从本项目的文件导入为新版本 v{} / dataset {} in the cache came from another file ({}): this project's file imported as version {}",
                    d.name, v.source, n.version, d.name, v.source, n.version
                )),
                Ok(None) => {}
                Err(e) => msgs.push(format!("{}: {e}", d.name)),
            }
        }
        for d in datasets.iter().filter(|d| !have.contains(&d.name)) {
            let opts = ImportOptions {
                header_row: d.header_row,
                ..Default::default()
            };
            match self.import_file(&d.name, &d.department, &d.path, &opts, progress) {
                Ok(v) => {
                    msgs.push(format!(
                        "已导入 / imported {} ({} 行/rows)",
                        v.dataset, v.row_count
                    ));
                    msgs.extend(v.notes.iter().map(|n| format!("{}: {n}", v.dataset)));
                }
                Err(e) => msgs.push(format!("{}: {e}", d.name)),
            }
        }
        msgs
    }

    /// Imports `file` recorded as coming from `source`. With `skip_unchanged`, content equal to
    /// the active version's is rolled back and `None` returned (a refresh that found nothing new).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn import_as(
        &mut self,
        name: &str,
        department: &str,
        file: &Path,
        source: &str,
        opts: &ImportOptions,
        progress: &Progress,
        skip_unchanged: bool,
    ) -> Result<Option<VersionInfo>, CacheError> {
        let t_import = std::time::Instant::now();
        let pv = preview(file, opts, 200)?;
        let header = pv.header_row;
        let columns = pv.columns.clone();
        // The rows go into a new data file of their own (no journal: it is not in use until it
        // is complete); one catalog transaction then registers it. A crash before that leaves
        // an unregistered file that `open` removes later, and the catalog as it was.
        let data_dir = self.data_dir();
        std::fs::create_dir_all(&data_dir)
            .map_err(|e| ImportError::Io(data_dir.display().to_string(), e.to_string()))?;
        let data_name = crate::core::io::files::unique_file_name("v-", "sqlite");
        let data_path = data_dir.join(&data_name);
        let result = self.write_data_file(&data_path, &columns, header, file, opts, progress);
        let (rows, parsed) = match result {
            Ok(r) => r,
            Err(e) => {
                let _ = std::fs::remove_file(&data_path);
                return Err(e);
            }
        };
        let discard = |e: CacheError| {
            let _ = std::fs::remove_file(&data_path);
            e
        };
        let (hash, replaced, not_numbers) = (parsed.hash, parsed.replaced, parsed.not_numbers);
        if rows == 0 {
            // A header-only table would replace real data with nothing.
            if !parsed.summary_rows.is_empty() {
                return Err(discard(
                    ImportError::OnlySummaryRows(
                        file.display().to_string(),
                        parsed.summary_rows.len(),
                    )
                    .into(),
                ));
            }
            return Err(discard(
                ImportError::Empty(file.display().to_string()).into(),
            ));
        }
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| discard(e.into()))?;
        let version: i64 = tx
            .query_row(
                "SELECT COALESCE(MAX(version), 0) + 1 FROM versions WHERE dataset = ?1",
                [name],
                |r| r.get(0),
            )
            .map_err(|e| discard(e.into()))?;
        let id: i64 = tx
            .query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM versions", [], |r| {
                r.get(0)
            })
            .map_err(|e| discard(e.into()))?;
        let mut notes = Vec::new();
        if !parsed.summary_rows.is_empty() {
            let mut list: Vec<String> = parsed
                .summary_rows
                .iter()
                .take(5)
                .map(|(r, l)| format!("{r}「{l}」"))
                .collect();
            let n = parsed.summary_rows.len();
            if n > list.len() {
                list.push("…".into());
            }
            notes.push(format!(
                "{n} 个汇总行未导入（第 {} 行；要保留请用 --keep-summary-rows）/ {n} summary rows left out (rows {}; keep them with --keep-summary-rows)",
                list.join("、"),
                list.join(", ")
            ));
        }
        if parsed.placeholders > 0 {
            notes.push(format!(
                "数值列中有 {n} 个“无数据”标记（-、—、/、无…），已存为空 / {n} no-value marks (-, —, /, 无…) in numeric columns stored as empty",
                n = parsed.placeholders
            ));
        }
        if parsed.error_cells > 0 {
            notes.push(format!(
                "{} 个单元格是 Excel 错误值（#DIV/0!、#N/A 等），已存为空 / {} Excel error cells (#DIV/0!, #N/A…) stored as empty",
                parsed.error_cells, parsed.error_cells
            ));
        }
        if replaced > 0 {
            notes.push(format!(
                "{replaced} 个单元格含无效字节，已替换为 � / {replaced} cells had invalid bytes, replaced by �"
            ));
        }
        if not_numbers > 0 {
            notes.push(format!(
                "数值列中有 {not_numbers} 个值不是数字，已存为空（可把该列改为文本后重新导入）/ {not_numbers} values in numeric columns were not numbers and are stored as empty (re-import with the column as text to keep them)"
            ));
        }
        let content_hash = format!("{hash:016x}");
        // The same content imported before under another name is said.
        {
            let mut q = tx
                .prepare(
                    "SELECT d.name FROM versions v JOIN datasets d
                     ON d.name = v.dataset AND d.active_version = v.version WHERE v.content_hash = ?1",
                )
                .map_err(|e| discard(e.into()))?;
            let same: Vec<String> = q
                .query_map([&content_hash], |r| r.get::<_, String>(0))
                .map_err(|e| discard(e.into()))?
                .filter_map(Result::ok)
                .collect();
            // (A new version of the same dataset with the same cells, say with a column retyped, is no news.)
            for other in same.into_iter().filter(|o| o != name) {
                notes.push(format!(
                    "内容与已有数据集 {other} 相同（重复导入？）/ the same content as dataset {other} (imported twice?)"
                ));
            }
        }
        if skip_unchanged {
            let active: Option<String> = tx
                .query_row(
                    "SELECT v.content_hash FROM versions v JOIN datasets d
                     ON d.name = v.dataset AND d.active_version = v.version WHERE d.name = ?1",
                    [name],
                    |r| r.get(0),
                )
                .optional()
                .map_err(|e| discard(e.into()))?;
            if active.as_deref() == Some(content_hash.as_str()) {
                let _ = std::fs::remove_file(&data_path);
                return Ok(None); // the transaction is dropped: nothing changed
            }
        }
        let info = VersionInfo {
            dataset: name.into(),
            version,
            department: department.into(),
            source: source.to_string(),
            imported_at: now_utc(),
            row_count: rows,
            content_hash,
            columns,
            active: true,
            encoding: pv.encoding.clone(),
            notes,
        };
        let register = (|| -> Result<(), CacheError> {
            tx.execute(
                "INSERT INTO versions (id, dataset, version, department, source, imported_at, row_count, content_hash, encoding, schema_json, table_name)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![id, name, version, department, info.source, info.imported_at, rows, info.content_hash, info.encoding, serde_json::to_string(&info.columns).unwrap(), data_name],
            )?;
            tx.execute(
                "INSERT INTO datasets (name, department, active_version) VALUES (?1, ?2, ?3)
                 ON CONFLICT(name) DO UPDATE SET department = excluded.department, active_version = excluded.active_version",
                params![name, department, version],
            )?;
            tx.commit()?;
            Ok(())
        })();
        register.map_err(discard)?;
        if std::env::var_os("YITU_TIMING").is_some() {
            eprintln!("  import: {:.3} s", t_import.elapsed().as_secs_f64());
        }
        Ok(Some(info))
    }

    /// Writes the rows of `file` into a new SQLite file `path` (table `data`); returns the row
    /// count and what the reader found. Reading/parsing and inserting run in two threads.
    fn write_data_file(
        &self,
        path: &Path,
        columns: &[ColumnSpec],
        header: Option<usize>,
        file: &Path,
        opts: &ImportOptions,
        progress: &Progress,
    ) -> Result<(i64, ParseOutcome), CacheError> {
        let mut conn = Connection::open(path)?;
        conn.execute_batch(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA page_size = 8192; PRAGMA cache_size = -32768;",
        )?;
        let tx = conn.transaction()?;
        let table = "data";
        let cols: Vec<String> = columns
            .iter()
            .map(|c| {
                let ty = match c.ftype {
                    FieldType::Integer => "INTEGER",
                    FieldType::Real => "REAL",
                    FieldType::Text => "TEXT",
                };
                format!("{} {ty}", crate::core::io::sql::ident(&c.name))
            })
            .collect();
        tx.execute_batch(&format!(
            "CREATE TABLE {table} (row INTEGER PRIMARY KEY, {});",
            cols.join(", ")
        ))?;
        let first_data = header.map(|h| h + 1).unwrap_or(0);
        let ncols = columns.len();
        let types: Vec<FieldType> = columns.iter().map(|c| c.ftype).collect();
        let mut rows = 0i64;
        let mut failure: Option<CacheError> = None;
        // Two threads: this one inserts into SQLite while a reader decodes, parses, converts
        // and hashes the next rows (batches through a bounded channel: memory stays bounded).
        let (batch_tx, batch_rx) = std::sync::mpsc::sync_channel::<Batch>(4);
        let reader = |tx: std::sync::mpsc::SyncSender<Batch>| -> Result<ParseOutcome, ImportError> {
            let mut out = ParseOutcome {
                hash: 0xcbf2_9ce4_8422_2325,
                replaced: 0,
                not_numbers: 0,
                error_cells: 0,
                summary_rows: vec![],
                placeholders: 0,
            };
            let mut batch = Batch::default();
            let mut i = 0usize;
            let mut stopped = false;
            let info = for_each_record(file, opts, |r| {
                i += 1;
                if i <= first_data || r.iter().all(|c| c.trim().is_empty()) {
                    return true;
                }
                for (k, ty) in types.iter().enumerate() {
                    let cell = r.get(k).copied().unwrap_or("");
                    fnv(&mut out.hash, cell.as_bytes());
                    fnv(&mut out.hash, &[0x1f]);
                    if cell.contains('\u{FFFD}') {
                        out.replaced += 1;
                    }
                    let t = cell.trim();
                    let v = if t.is_empty() {
                        Cell::Null
                    } else if *ty != FieldType::Text
                        && crate::core::io::table_import::is_placeholder(t)
                    {
                        out.placeholders += 1;
                        Cell::Null
                    } else {
                        let num = |t: &str| -> Option<String> {
                            t.contains(',').then(|| t.replace(',', ""))
                        };
                        match ty {
                            FieldType::Integer => {
                                let n = num(t);
                                match n.as_deref().unwrap_or(t).parse::<i64>() {
                                    Ok(v) => Cell::Int(v),
                                    Err(_) => {
                                        out.not_numbers += 1;
                                        Cell::Null
                                    }
                                }
                            }
                            FieldType::Real => {
                                let n = num(t);
                                match n.as_deref().unwrap_or(t).parse::<f64>() {
                                    Ok(v) => Cell::Real(v),
                                    Err(_) => {
                                        out.not_numbers += 1;
                                        Cell::Null
                                    }
                                }
                            }
                            FieldType::Text => {
                                let a = batch.text.len() as u32;
                                batch.text.push_str(cell);
                                Cell::Text(a, batch.text.len() as u32)
                            }
                        }
                    };
                    batch.cells.push(v);
                }
                fnv(&mut out.hash, &[0x1e]);
                batch.rows += 1;
                if batch.rows == 4096 {
                    if tx.send(std::mem::take(&mut batch)).is_err() {
                        stopped = true;
                        return false; // the writer stopped (error or cancel)
                    }
                }
                true
            })?;
            if !stopped && batch.rows > 0 {
                let _ = tx.send(batch);
            }
            out.error_cells = info.error_cells;
            out.summary_rows = info.summary_rows;
            Ok(out)
        };
        let parsed = std::thread::scope(|s| -> Result<ParseOutcome, CacheError> {
            let job = s.spawn(move || reader(batch_tx));
            let write = (|| -> Result<(), CacheError> {
                // Several rows per INSERT statement: less work per row in SQLite.
                let per = (960 / ncols.max(1)).clamp(1, 64);
                let names = columns
                    .iter()
                    .map(|c| crate::core::io::sql::ident(&c.name))
                    .collect::<Vec<_>>()
                    .join(", ");
                let one = format!("({})", vec!["?"; ncols].join(", "));
                let sql = |n: usize| {
                    format!(
                        "INSERT INTO {table} ({names}) VALUES {}",
                        vec![one.as_str(); n].join(", ")
                    )
                };
                let mut many = tx.prepare(&sql(per))?;
                let mut single = tx.prepare(&sql(1))?;
                for b in batch_rx.iter() {
                    let w = ncols.max(1);
                    for chunk in b.cells.chunks(w * per) {
                        let full = chunk.len() == w * per;
                        let st = if full { &mut many } else { &mut single };
                        for (r, row) in chunk.chunks_exact(w).enumerate() {
                            let base = if full { r * ncols } else { 0 };
                            for (k, c) in row.iter().enumerate() {
                                let i = base + k + 1;
                                match *c {
                                    Cell::Null => {
                                        st.raw_bind_parameter(i, rusqlite::types::Null)?
                                    }
                                    Cell::Int(v) => st.raw_bind_parameter(i, v)?,
                                    Cell::Real(v) => st.raw_bind_parameter(i, v)?,
                                    Cell::Text(a, e) => {
                                        st.raw_bind_parameter(i, &b.text[a as usize..e as usize])?
                                    }
                                }
                            }
                            if !full {
                                st.raw_execute()?;
                            }
                        }
                        if full {
                            st.raw_execute()?;
                        }
                    }
                    rows += b.rows as i64;
                    if progress.set(rows as u64).is_err() {
                        return Err(CacheError::Cancelled);
                    }
                }
                Ok(())
            })();
            if let Err(e) = write {
                failure = Some(e);
            }
            // Unblocks a reader waiting to send more rows: its send fails and it stops.
            drop(batch_rx);
            // The reader stops at its next send once the receiver is gone.
            match job.join() {
                Ok(r) => Ok(r?),
                Err(_) => Err(CacheError::Import(ImportError::Io(
                    file.display().to_string(),
                    "reader thread failed".into(),
                ))),
            }
        });
        let parsed = match (parsed, failure.take()) {
            (_, Some(e)) => return Err(e),
            (Err(e), None) => return Err(e),
            (Ok(p), None) => p,
        };
        tx.commit()?;
        drop(conn);
        // On disk before the catalog points at it.
        std::fs::File::open(path)
            .and_then(|f| f.sync_all())
            .map_err(|e| ImportError::Io(path.display().to_string(), e.to_string()))?;
        Ok((rows, parsed))
    }

    /// Folder of the version data files, beside the catalog.
    fn data_dir(&self) -> PathBuf {
        let stem = self
            .path
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_else(|| "cache".into());
        self.path
            .parent()
            .unwrap_or(Path::new("."))
            .join(format!("{stem}-data"))
    }

    /// Connection to a version's data file.
    fn data_conn(&self, name: &str, version: i64) -> Result<Connection, CacheError> {
        let file: String = self
            .conn
            .query_row(
                "SELECT table_name FROM versions WHERE dataset = ?1 AND version = ?2",
                params![name, version],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| CacheError::NoVersion(name.into(), version))?;
        let p = self.data_dir().join(file);
        if !p.is_file() {
            return Err(CacheError::Import(ImportError::Io(
                p.display().to_string(),
                "缓存数据文件缺失 / the cached data file is missing".into(),
            )));
        }
        Ok(Connection::open_with_flags(
            &p,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?)
    }

    /// Removes data files no version refers to (left by an import that was killed) once they
    /// have not changed for `min_age` (a running import keeps writing to its file).
    pub fn remove_orphans(&self, min_age: std::time::Duration) -> usize {
        let known: std::collections::HashSet<String> = self
            .conn
            .prepare("SELECT table_name FROM versions")
            .and_then(|mut st| {
                st.query_map([], |r| r.get::<_, String>(0))?
                    .collect::<Result<_, _>>()
            })
            .unwrap_or_default();
        let mut n = 0;
        if let Ok(d) = std::fs::read_dir(self.data_dir()) {
            for e in d.flatten() {
                let name = e.file_name().to_string_lossy().to_string();
                let old = e
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .map(|a| a >= min_age)
                    .unwrap_or(false);
                if name.starts_with("v-") && !known.contains(&name) && old {
                    if std::fs::remove_file(e.path()).is_ok() {
                        n += 1;
                    }
                }
            }
        }
        n
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
                notes: vec![],
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
        Ok(self
            .data_conn(name, version)?
            .query_row("SELECT count(*) FROM data", [], |r| r.get(0))?)
    }

    /// Reads a version (the active one when `version` is `None`) back as a columnar table.
    pub fn load_table(&self, name: &str, version: Option<i64>) -> Result<DataTable, CacheError> {
        let hist = self.history(name)?;
        let info = match version {
            Some(v) => hist.into_iter().find(|i| i.version == v),
            None => hist.into_iter().find(|i| i.active),
        }
        .ok_or_else(|| CacheError::NoVersion(name.into(), version.unwrap_or(0)))?;
        let data = self.data_conn(name, info.version)?;
        let fields: Vec<Field> = info
            .columns
            .iter()
            .map(|c| Field {
                name: c.name.clone(),
                ftype: c.ftype,
                source_type: format!("{:?}", c.ftype),
            })
            .collect();
        let mut attrs = AttributeTable::new(fields);
        let cols_sql: Vec<String> = info
            .columns
            .iter()
            .map(|c| crate::core::io::sql::ident(&c.name))
            .collect();
        if !cols_sql.is_empty() {
            let mut st = data.prepare(&format!(
                "SELECT {} FROM data ORDER BY row",
                cols_sql.join(", ")
            ))?;
            let mut rows = st.query([])?;
            let mut cols: Vec<&mut crate::core::model::attrs::Column> = attrs
                .columns
                .iter_mut()
                .map(std::sync::Arc::make_mut)
                .collect();
            while let Some(r) = rows.next()? {
                for (i, col) in cols.iter_mut().enumerate() {
                    use rusqlite::types::ValueRef;
                    match r.get_ref(i)? {
                        ValueRef::Null => col.push_null(),
                        ValueRef::Integer(v) => col.push_int(v),
                        ValueRef::Real(v) => col.push_real(v),
                        ValueRef::Text(t) => col.push_text(&String::from_utf8_lossy(t)),
                        ValueRef::Blob(_) => col.push_null(),
                    }
                }
            }
        }
        Ok(DataTable { info, attrs })
    }

    /// Removes a dataset: every version, its data and its service.
    pub fn remove(&mut self, name: &str) -> Result<(), CacheError> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let tables: Vec<String> = {
            let mut st = tx.prepare("SELECT table_name FROM versions WHERE dataset = ?1")?;
            let v = st
                .query_map([name], |r| r.get(0))?
                .collect::<Result<Vec<String>, _>>()?;
            v
        };
        let known: i64 = tx.query_row(
            "SELECT (SELECT count(*) FROM datasets WHERE name = ?1) + (SELECT count(*) FROM services WHERE dataset = ?1)",
            [name],
            |r| r.get(0),
        )?;
        if known == 0 {
            return Err(CacheError::NoDataset(name.into()));
        }
        tx.execute("DELETE FROM versions WHERE dataset = ?1", [name])?;
        tx.execute("DELETE FROM datasets WHERE name = ?1", [name])?;
        tx.execute("DELETE FROM services WHERE dataset = ?1", [name])?;
        tx.commit()?;
        // The data files go once the catalog no longer refers to them.
        let dir = self.data_dir();
        for t in tables {
            let _ = std::fs::remove_file(dir.join(t));
        }
        Ok(())
    }

    /// Sets (or replaces) the data service of a dataset. Its conditional-request state is reset.
    pub fn set_service(
        &mut self,
        name: &str,
        department: &str,
        spec: &ServiceSpec,
    ) -> Result<(), CacheError> {
        self.conn.execute(
            "INSERT INTO services (dataset, department, spec_json) VALUES (?1, ?2, ?3)
             ON CONFLICT(dataset) DO UPDATE SET department = excluded.department, spec_json = excluded.spec_json,
               etag = NULL, last_modified = NULL",
            params![name, department, serde_json::to_string(spec).unwrap()],
        )?;
        Ok(())
    }

    /// Every dataset's data service.
    pub fn services(&self) -> Result<Vec<ServiceState>, CacheError> {
        let mut st = self.conn.prepare(
            "SELECT dataset, spec_json, checked_at, last_error FROM services ORDER BY dataset",
        )?;
        let v = st
            .query_map([], |r| {
                let spec: String = r.get(1)?;
                Ok(ServiceState {
                    dataset: r.get(0)?,
                    spec: serde_json::from_str(&spec).unwrap_or_else(|_| ServiceSpec::new("")),
                    checked_at: r.get(2)?,
                    last_error: r.get(3)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(v)
    }

    /// Refreshes a dataset from its data service. A failure (offline, HTTP error, HTML page,
    /// malformed or truncated body) changes nothing but the recorded error: the last good
    /// version stays active, and the error says which one and how old it is.
    pub fn fetch(&mut self, name: &str, progress: &Progress) -> Result<FetchOutcome, CacheError> {
        let row: Option<(String, String, Option<String>, Option<String>)> = self
            .conn
            .query_row(
                "SELECT department, spec_json, etag, last_modified FROM services WHERE dataset = ?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let (dept, spec_json, etag, lm) = row.ok_or_else(|| CacheError::NoService(name.into()))?;
        let spec: ServiceSpec = serde_json::from_str(&spec_json)
            .map_err(|e| CacheError::NoService(format!("{name}: {e}")))?;
        let has_active = self.list()?.iter().any(|v| v.dataset == name);
        // Without a version in the cache, an unconditional request.
        let (etag, lm) = if has_active { (etag, lm) } else { (None, None) };
        let tmp = self
            .path
            .parent()
            .map(|p| p.join("fetch-tmp"))
            .unwrap_or_else(|| PathBuf::from("fetch-tmp"));
        let result = download(&spec, etag.as_deref(), lm.as_deref(), &tmp, progress);
        let fail = |c: &mut Cache, e: ServiceError| -> CacheError {
            let _ = c.conn.execute(
                "UPDATE services SET last_error = ?2 WHERE dataset = ?1",
                params![name, e.to_string()],
            );
            CacheError::Fetch {
                kept: c.kept_text(name),
                error: e,
            }
        };
        match result {
            Err(e) => Err(fail(self, e)),
            Ok(Download::NotModified) => {
                self.conn.execute(
                    "UPDATE services SET checked_at = ?2, last_error = NULL WHERE dataset = ?1",
                    params![name, now_utc()],
                )?;
                Ok(FetchOutcome::NotModified)
            }
            Ok(Download::Table {
                file,
                etag,
                last_modified,
            }) => {
                let opts = ImportOptions::default();
                let r = self.import_as(name, &dept, &file, &spec.url, &opts, progress, true);
                let _ = std::fs::remove_file(&file);
                match r {
                    Err(CacheError::Import(e)) => {
                        Err(fail(self, ServiceError::Malformed(e.to_string())))
                    }
                    Err(e) => Err(e),
                    Ok(v) => {
                        self.conn.execute(
                            "UPDATE services SET checked_at = ?2, last_error = NULL, etag = ?3, last_modified = ?4
                             WHERE dataset = ?1",
                            params![name, now_utc(), etag, last_modified],
                        )?;
                        Ok(match v {
                            Some(v) => FetchOutcome::Updated(v),
                            None => FetchOutcome::Unchanged,
                        })
                    }
                }
            }
        }
    }

    /// "Still using version N of <date> (<age>)" for a dataset, in Chinese and English.
    pub fn kept_text(&self, name: &str) -> String {
        match self
            .list()
            .ok()
            .and_then(|l| l.into_iter().find(|v| v.dataset == name))
        {
            Some(v) => {
                let (zh, en) = age_text(&v.imported_at);
                format!(
                    "仍使用第 {} 版（{}，{zh}）/ still using version {} ({}, {en})",
                    v.version, v.imported_at, v.version, v.imported_at
                )
            }
            None => "缓存中还没有可用版本 / no version in the cache yet".into(),
        }
    }

    /// SQLite's own integrity check of the catalog and of every version's data file ("ok" when
    /// all are healthy).
    pub fn integrity(&self) -> Result<String, CacheError> {
        let catalog: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if catalog != "ok" {
            return Ok(catalog);
        }
        let versions: Vec<(String, i64)> = {
            let mut st = self.conn.prepare("SELECT dataset, version FROM versions")?;
            let v = st
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            v
        };
        for (d, v) in versions {
            let r: String = self
                .data_conn(&d, v)?
                .query_row("PRAGMA quick_check", [], |r| r.get(0))?;
            if r != "ok" {
                return Ok(format!("{d} v{v}: {r}"));
            }
        }
        Ok("ok".into())
    }
}

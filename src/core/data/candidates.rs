//! A provincial or national list of candidate firms for recruitment (招商, 一产一档 §5), streamed once into an
//! indexed SQLite file in the user's cache folder (a 10⁷-row list never sits in memory) and queried by industry
//! code in milliseconds. The index is rebuilt when the list's size or modification time changes.
//!
//! The list's columns are found under their usual names: 企业名称/name, 统一社会信用代码/credit_code,
//! 省份/province, 县级代码/county_code (a division code, kept as text), 行业代码/industry_code, 主要产品/products,
//! 产值万元/output, 从业人员/employees, 规上/above_scale.

use crate::core::io::table_import::{for_each_record, ImportOptions};
use crate::core::model::progress::Progress;
use rusqlite::{params, Connection};
use std::path::{Path, PathBuf};

/// One candidate firm.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Name.
    pub name: String,
    /// 统一社会信用代码.
    pub credit_code: String,
    /// Province.
    pub province: String,
    /// County division code (text).
    pub county: String,
    /// GB/T 4754 code.
    pub code: String,
    /// Main products.
    pub products: String,
    /// Output, 万元.
    pub output: f64,
    /// Employees.
    pub employees: f64,
    /// 规上.
    pub above_scale: bool,
}

/// The indexed candidate list.
pub struct CandidateIndex {
    conn: Connection,
    /// Rows indexed.
    pub rows: u64,
    /// Where the index lives.
    pub path: PathBuf,
    /// Whether this call built it (else it was reused).
    pub built: bool,
}

const COLS: [&[&str]; 9] = [
    &["企业名称", "名称", "name"],
    &["统一社会信用代码", "信用代码", "credit_code"],
    &["省份", "省", "province"],
    &[
        "县级代码",
        "县代码",
        "行政区划代码",
        "county_code",
        "region",
    ],
    &["行业代码", "industry_code", "code"],
    &["主要产品", "产品", "products"],
    &["产值万元", "产值", "output", "output_wan"],
    &["从业人员", "employees"],
    &["规上", "规模以上", "above_scale"],
];

impl CandidateIndex {
    /// The index of `file` in `dir` (made when missing or stale). Errors: a list that cannot be read, one
    /// without an industry-code column, a folder that cannot be written, cancelled.
    pub fn open(file: &Path, dir: &Path, progress: &Progress) -> Result<CandidateIndex, String> {
        let meta = std::fs::metadata(file).map_err(|e| format!("{}: {e}", file.display()))?;
        // The first and last 64 KB of the list join its path, size and time in the stamp, so an edit that keeps
        // the size and the time still makes a new index.
        let sample = {
            use std::io::{Read, Seek, SeekFrom};
            let mut b = Vec::new();
            if let Ok(mut f) = std::fs::File::open(file) {
                let mut head = vec![0u8; 65_536];
                let n = f.read(&mut head).unwrap_or(0);
                b.extend_from_slice(&head[..n]);
                if meta.len() > 131_072 && f.seek(SeekFrom::End(-65_536)).is_ok() {
                    let mut tail = vec![0u8; 65_536];
                    let n = f.read(&mut tail).unwrap_or(0);
                    b.extend_from_slice(&tail[..n]);
                }
            }
            let mut h: u64 = 0xcbf29ce484222325;
            for x in b {
                h = (h ^ x as u64).wrapping_mul(0x100000001b3);
            }
            h
        };
        let stamp = format!(
            "{}|{}|{}|{sample:016x}",
            std::fs::canonicalize(file)
                .unwrap_or(file.to_path_buf())
                .display(),
            meta.len(),
            meta.modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos())
        );
        let key = {
            // FNV-1a of the stamp names the index file.
            let mut h: u64 = 0xcbf29ce484222325;
            for b in stamp.bytes() {
                h = (h ^ b as u64).wrapping_mul(0x100000001b3);
            }
            format!("{h:016x}")
        };
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let path = dir.join(format!("candidates-{key}.sqlite"));
        if let Ok(conn) =
            Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        {
            let ok: Option<(String, i64)> = conn
                .query_row("SELECT stamp, rows FROM meta", [], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .ok();
            if let Some((s, rows)) = ok {
                if s == stamp {
                    return Ok(CandidateIndex {
                        conn,
                        rows: rows as u64,
                        path,
                        built: false,
                    });
                }
            }
        }
        let tmp = crate::core::io::files::temp_beside(&path);
        let result = Self::build(file, &tmp, &stamp, progress);
        match result {
            Ok(rows) => {
                std::fs::rename(&tmp, &path).map_err(|e| format!("{}: {e}", path.display()))?;
                let conn =
                    Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                        .map_err(|e| e.to_string())?;
                Ok(CandidateIndex {
                    conn,
                    rows,
                    path,
                    built: true,
                })
            }
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                Err(e)
            }
        }
    }

    fn build(file: &Path, tmp: &Path, stamp: &str, progress: &Progress) -> Result<u64, String> {
        let mut conn = Connection::open(tmp).map_err(|e| e.to_string())?;
        conn.execute_batch(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
             CREATE TABLE cand (name TEXT, credit TEXT, province TEXT, county TEXT, code TEXT, products TEXT,
               output REAL, employees REAL, above INTEGER);
             CREATE TABLE meta (stamp TEXT, rows INTEGER);",
        )
        .map_err(|e| e.to_string())?;
        progress.stage("建立招商候选企业索引 / indexing the candidate firms", 0);
        let tx = conn.transaction().map_err(|e| e.to_string())?;
        let mut rows = 0u64;
        let mut failure: Option<String> = None;
        {
            let mut st = tx
                .prepare("INSERT INTO cand VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")
                .map_err(|e| e.to_string())?;
            let mut cols: Option<[Option<usize>; 9]> = None;
            let read = for_each_record(file, &ImportOptions::default(), |r| {
                let Some(c) = &cols else {
                    // The first row holds the column names.
                    let mut found = [None; 9];
                    for (k, alias) in COLS.iter().enumerate() {
                        found[k] = r
                            .iter()
                            .position(|h| alias.iter().any(|a| h.trim().eq_ignore_ascii_case(a)));
                    }
                    if found[4].is_none() {
                        failure = Some("候选企业名单没有行业代码列 / the candidate list has no industry-code column".into());
                        return false;
                    }
                    cols = Some(found);
                    return true;
                };
                let get = |k: usize| c[k].and_then(|i| r.get(i)).map_or("", |s| s.trim());
                let num = |k: usize| get(k).replace(',', "").parse::<f64>().unwrap_or(0.0);
                let above = matches!(get(8), "是" | "1" | "Y" | "y" | "true" | "TRUE" | "规上")
                    || (c[8].is_none() && num(6) >= 2000.0);
                if let Err(e) = st.execute(params![
                    get(0),
                    get(1),
                    get(2),
                    get(3),
                    get(4),
                    get(5),
                    num(6),
                    num(7),
                    above as i64
                ]) {
                    failure = Some(e.to_string());
                    return false;
                }
                rows += 1;
                if rows.is_multiple_of(100_000) && progress.set(rows).is_err() {
                    failure = Some("已取消 / cancelled".into());
                    return false;
                }
                true
            });
            if let Err(e) = read {
                return Err(e.to_string());
            }
        }
        if let Some(f) = failure {
            return Err(f);
        }
        tx.execute(
            "INSERT INTO meta VALUES (?1, ?2)",
            params![stamp, rows as i64],
        )
        .map_err(|e| e.to_string())?;
        tx.commit().map_err(|e| e.to_string())?;
        progress.stage("建立行业代码索引 / indexing the industry codes", 0);
        conn.execute_batch(
            "CREATE INDEX cand_code ON cand (code, above DESC, output DESC); ANALYZE;",
        )
        .map_err(|e| e.to_string())?;
        Ok(rows)
    }

    /// The best `top` candidates under industry `codes` (a code and every more detailed code under it), 规上 first
    /// then by output, leaving out firms whose credit code is in `exclude` or whose county code starts with
    /// `home` (the county's own firms).
    pub fn query(
        &self,
        codes: &[String],
        home: &str,
        exclude: &std::collections::HashSet<String>,
        top: usize,
    ) -> Result<Vec<Candidate>, String> {
        let mut out: Vec<Candidate> = Vec::new();
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT name, credit, province, county, code, products, output, employees, above FROM cand
                 WHERE code >= ?1 AND code < ?2 ORDER BY above DESC, output DESC LIMIT ?3",
            )
            .map_err(|e| e.to_string())?;
        for c in codes {
            // Every code under `c`: from c up to c followed by the character after the digits.
            let upper = format!("{c}\u{7f}");
            let rows = st
                .query_map(
                    params![c, upper, (top * 4 + exclude.len().min(1000)) as i64],
                    |r| {
                        Ok(Candidate {
                            name: r.get(0)?,
                            credit_code: r.get(1)?,
                            province: r.get(2)?,
                            county: r.get(3)?,
                            code: r.get(4)?,
                            products: r.get(5)?,
                            output: r.get(6)?,
                            employees: r.get(7)?,
                            above_scale: r.get::<_, i64>(8)? != 0,
                        })
                    },
                )
                .map_err(|e| e.to_string())?;
            for x in rows {
                let x = x.map_err(|e| e.to_string())?;
                if exclude.contains(&x.credit_code)
                    || (!home.is_empty() && x.county.starts_with(home))
                {
                    continue;
                }
                if !out
                    .iter()
                    .any(|o| o.credit_code == x.credit_code && !x.credit_code.is_empty())
                {
                    out.push(x);
                }
            }
        }
        out.sort_by(|a, b| {
            b.above_scale
                .cmp(&a.above_scale)
                .then(b.output.total_cmp(&a.output))
        });
        out.truncate(top);
        Ok(out)
    }

    /// Employees by county and industry code over the whole list: the matrix product-space relatedness is
    /// computed from.
    pub fn presence(&self) -> Result<Vec<(String, String, f64)>, String> {
        let mut st = self
            .conn
            .prepare("SELECT county, code, SUM(employees) FROM cand GROUP BY county, code")
            .map_err(|e| e.to_string())?;
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(|e| e.to_string())?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())
    }
}

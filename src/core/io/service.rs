//! Department data services: a dataset whose source is an HTTP URL answering with a JSON array
//! of objects (or an object holding one, e.g. `{"code":0,"data":[…]}`) or with CSV. Requests
//! carry an optional token header, have connect and total timeouts, are retried a bounded number
//! of times with exponential backoff on network errors, 408, 429 and 5xx, and are conditional
//! (If-None-Match / If-Modified-Since) so an unchanged service answers 304 and costs nothing.
//!
//! The body is streamed into a temporary file next to the cache (bounded memory for CSV) and
//! checked: an HTML page (a login portal, a proxy error) or a malformed or truncated body is an
//! error, and the cache keeps its last good version.

use crate::core::model::progress::Progress;
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What the service answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ServiceFormat {
    /// Decided from the Content-Type and the first bytes.
    #[default]
    Auto,
    /// JSON: an array of objects, or an object with one array of objects inside.
    Json,
    /// CSV (any encoding the file importer detects).
    Csv,
}

/// How to call a data service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceSpec {
    /// The URL (http or https).
    pub url: String,
    /// Body format.
    #[serde(default)]
    pub format: ServiceFormat,
    /// Name of the token header (e.g. `Authorization`, `X-Token`), if the service needs one.
    #[serde(default)]
    pub token_header: Option<String>,
    /// Token value.
    #[serde(default)]
    pub token: Option<String>,
    /// Total time allowed for one attempt, seconds.
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
    /// Further attempts after a failed one.
    #[serde(default = "default_retries")]
    pub retries: u32,
}

fn default_timeout() -> u64 {
    30
}

fn default_retries() -> u32 {
    2
}

impl ServiceSpec {
    /// A spec with default timeout (30 s) and retries (2).
    pub fn new(url: &str) -> ServiceSpec {
        ServiceSpec {
            url: url.to_string(),
            format: ServiceFormat::Auto,
            token_header: None,
            token: None,
            timeout_secs: default_timeout(),
            retries: default_retries(),
        }
    }
}

/// Why a fetch failed, in Chinese and English.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ServiceError {
    /// Not an http(s) URL.
    #[error("地址无效 / invalid URL: {0}")]
    Url(String),
    /// Network unreachable, refused, timed out.
    #[error("无法连接数据服务（网络不可用或超时）/ cannot reach the data service (offline or timed out): {0}")]
    Network(String),
    /// HTTP error status.
    #[error("数据服务返回错误 HTTP {0} / the data service answered HTTP {0}{1}")]
    Status(u16, String),
    /// An HTML page instead of data.
    #[error("数据服务返回了网页而不是数据（可能需要登录或令牌）/ the service returned a web page, not data (login or token needed?)")]
    Html,
    /// Malformed or truncated body.
    #[error("数据格式错误或内容不完整 / malformed or truncated data: {0}")]
    Malformed(String),
    /// The user cancelled.
    #[error("已取消 / cancelled")]
    Cancelled,
}

/// A successful answer.
#[derive(Debug)]
pub enum Download {
    /// 304: the cached version is current.
    NotModified,
    /// A body, saved as a UTF-8 (JSON converted) or original-encoding (CSV) table file.
    Table {
        /// The table file (CSV), removed by the caller.
        file: PathBuf,
        /// ETag of the answer.
        etag: Option<String>,
        /// Last-Modified of the answer.
        last_modified: Option<String>,
    },
}

fn retryable(status: u16) -> bool {
    status == 408 || status == 429 || status >= 500
}

/// Fetches the service once per attempt until one succeeds, a non-retryable error occurs, or
/// the attempts are used up. `tmp_dir` receives the table file.
pub fn download(
    spec: &ServiceSpec,
    etag: Option<&str>,
    last_modified: Option<&str>,
    tmp_dir: &Path,
    progress: &Progress,
) -> Result<Download, ServiceError> {
    if !(spec.url.starts_with("http://") || spec.url.starts_with("https://")) {
        return Err(ServiceError::Url(spec.url.clone()));
    }
    let client = reqwest::blocking::Client::builder()
        .connect_timeout(Duration::from_secs(spec.timeout_secs.clamp(1, 10)))
        .timeout(Duration::from_secs(spec.timeout_secs.max(1)))
        .user_agent(concat!("YiTu/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| ServiceError::Network(e.to_string()))?;
    let mut delay = Duration::from_millis(500);
    let mut attempt = 0;
    loop {
        match attempt_once(&client, spec, etag, last_modified, tmp_dir, progress) {
            Ok(d) => return Ok(d),
            Err((e, retry)) => {
                if !retry || attempt >= spec.retries || progress.is_cancelled() {
                    return Err(e);
                }
            }
        }
        attempt += 1;
        // Back off, staying responsive to cancel.
        let until = std::time::Instant::now() + delay;
        while std::time::Instant::now() < until {
            if progress.is_cancelled() {
                return Err(ServiceError::Cancelled);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        delay = (delay * 2).min(Duration::from_secs(8));
    }
}

fn attempt_once(
    client: &reqwest::blocking::Client,
    spec: &ServiceSpec,
    etag: Option<&str>,
    last_modified: Option<&str>,
    tmp_dir: &Path,
    progress: &Progress,
) -> Result<Download, (ServiceError, bool)> {
    let mut req = client.get(&spec.url);
    if let (Some(h), Some(t)) = (&spec.token_header, &spec.token) {
        if !h.trim().is_empty() {
            req = req.header(h.trim(), t.trim());
        }
    }
    if let Some(e) = etag {
        req = req.header(reqwest::header::IF_NONE_MATCH, e);
    }
    if let Some(l) = last_modified {
        req = req.header(reqwest::header::IF_MODIFIED_SINCE, l);
    }
    let mut resp = req
        .send()
        .map_err(|e| (ServiceError::Network(e.to_string()), true))?;
    let status = resp.status().as_u16();
    if status == 304 {
        return Ok(Download::NotModified);
    }
    if !resp.status().is_success() {
        let hint = match status {
            401 | 403 => "（令牌无效或无权限 / token invalid or no permission）",
            404 => "（地址不存在 / not found）",
            _ => "",
        };
        return Err((ServiceError::Status(status, hint.into()), retryable(status)));
    }
    let header = |n: reqwest::header::HeaderName| {
        resp.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.to_string())
    };
    let new_etag = header(reqwest::header::ETAG);
    let new_lm = header(reqwest::header::LAST_MODIFIED);
    let ctype = header(reqwest::header::CONTENT_TYPE)
        .unwrap_or_default()
        .to_ascii_lowercase();
    // Stream the body to a file.
    std::fs::create_dir_all(tmp_dir).map_err(|e| (ServiceError::Network(e.to_string()), false))?;
    let body_path = tmp_dir.join(super::files::unique_file_name("fetch-", "body"));
    let cleanup = |e: ServiceError, retry: bool, p: &Path| {
        let _ = std::fs::remove_file(p);
        (e, retry)
    };
    {
        let mut out = std::fs::File::create(&body_path)
            .map_err(|e| (ServiceError::Network(e.to_string()), false))?;
        let mut buf = vec![0u8; 1 << 16];
        let mut total = 0u64;
        loop {
            let n = match resp.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) => {
                    return Err(cleanup(
                        ServiceError::Malformed(format!(
                            "传输中断 / transfer interrupted after {total} bytes: {e}"
                        )),
                        true,
                        &body_path,
                    ))
                }
            };
            total += n as u64;
            if let Err(e) = out.write_all(&buf[..n]) {
                return Err(cleanup(
                    ServiceError::Network(e.to_string()),
                    false,
                    &body_path,
                ));
            }
            if progress.set(total).is_err() {
                return Err(cleanup(ServiceError::Cancelled, false, &body_path));
            }
        }
        if let Some(len) = resp.content_length() {
            if total < len {
                return Err(cleanup(
                    ServiceError::Malformed(format!(
                        "只收到 {total} / {len} 字节 / only {total} of {len} bytes"
                    )),
                    true,
                    &body_path,
                ));
            }
        }
    }
    let mut head = [0u8; 512];
    let n = std::fs::File::open(&body_path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    let start = String::from_utf8_lossy(&head[..n])
        .trim_start_matches('\u{feff}')
        .trim_start()
        .to_ascii_lowercase();
    if ctype.contains("html") || start.starts_with("<!doctype") || start.starts_with("<html") {
        return Err(cleanup(ServiceError::Html, false, &body_path));
    }
    if start.is_empty() {
        return Err(cleanup(
            ServiceError::Malformed("空响应 / empty body".into()),
            false,
            &body_path,
        ));
    }
    let is_json = match spec.format {
        ServiceFormat::Json => true,
        ServiceFormat::Csv => false,
        ServiceFormat::Auto => {
            ctype.contains("json") || start.starts_with('[') || start.starts_with('{')
        }
    };
    if !is_json {
        let csv = body_path.with_extension("csv");
        std::fs::rename(&body_path, &csv)
            .map_err(|e| cleanup(ServiceError::Network(e.to_string()), false, &body_path))?;
        return Ok(Download::Table {
            file: csv,
            etag: new_etag,
            last_modified: new_lm,
        });
    }
    let csv = body_path.with_extension("csv");
    let r = json_to_csv(&body_path, &csv);
    let _ = std::fs::remove_file(&body_path);
    match r {
        Ok(()) => Ok(Download::Table {
            file: csv,
            etag: new_etag,
            last_modified: new_lm,
        }),
        Err(e) => {
            let _ = std::fs::remove_file(&csv);
            Err((e, false))
        }
    }
}

/// The array of records in a JSON answer: the top-level array, or the first array of objects
/// found under a common wrapper key (`data`, `rows`, `records`, `items`, `result`, `list`),
/// searched one level deeper too (`{"data":{"list":[…]}}`).
fn records(v: serde_json::Value) -> Option<Vec<serde_json::Value>> {
    use serde_json::Value;
    match v {
        Value::Array(a) => Some(a),
        Value::Object(mut m) => {
            for k in ["data", "rows", "records", "items", "result", "list"] {
                if let Some(inner) = m.remove(k) {
                    if let Some(a) = records(inner) {
                        return Some(a);
                    }
                }
            }
            m.into_iter().map(|(_, v)| v).find_map(|v| match v {
                Value::Array(a) if a.iter().all(|x| x.is_object()) && !a.is_empty() => Some(a),
                _ => None,
            })
        }
        _ => None,
    }
}

/// Converts a JSON answer to a UTF-8 CSV with one column per key (first-seen order). Numbers
/// are written as the service sent them; strings stay strings (codes keep leading zeros).
pub fn json_to_csv(json: &Path, csv_out: &Path) -> Result<(), ServiceError> {
    use serde_json::Value;
    let f = std::fs::File::open(json).map_err(|e| ServiceError::Malformed(e.to_string()))?;
    let v: Value = serde_json::from_reader(std::io::BufReader::new(f))
        .map_err(|e| ServiceError::Malformed(format!("JSON: {e}")))?;
    let rows = records(v).ok_or_else(|| {
        ServiceError::Malformed("JSON 中没有记录数组 / no array of records in the JSON".into())
    })?;
    if rows.is_empty() {
        return Err(ServiceError::Malformed(
            "记录数组为空 / the array of records is empty".into(),
        ));
    }
    let mut keys: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for r in &rows {
        let Value::Object(m) = r else {
            return Err(ServiceError::Malformed(
                "记录不是对象 / a record is not an object".into(),
            ));
        };
        for k in m.keys() {
            if seen.insert(k.clone()) {
                keys.push(k.clone());
            }
        }
    }
    let mut w =
        csv::Writer::from_path(csv_out).map_err(|e| ServiceError::Malformed(e.to_string()))?;
    w.write_record(&keys)
        .map_err(|e| ServiceError::Malformed(e.to_string()))?;
    for r in &rows {
        let rec: Vec<String> = keys
            .iter()
            .map(|k| match r.get(k) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                Some(Value::Bool(b)) => b.to_string(),
                Some(other) => other.to_string(),
            })
            .collect();
        w.write_record(&rec)
            .map_err(|e| ServiceError::Malformed(e.to_string()))?;
    }
    w.flush()
        .map_err(|e| ServiceError::Malformed(e.to_string()))?;
    Ok(())
}

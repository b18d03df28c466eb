//! Data services against a local HTTP server the tests start themselves: JSON and CSV bodies,
//! token header, conditional requests (ETag / Last-Modified), retries with backoff, and every
//! failure (HTTP errors, an HTML page, a truncated or malformed body, a hanging or absent
//! server) leaving the last good version in use.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use yitu::core::data::cache::{Cache, CacheError, FetchOutcome};
use yitu::core::io::service::{ServiceError, ServiceSpec};
use yitu::core::model::progress::Progress;

/// What the server does with a request.
enum Reply {
    /// Send these bytes.
    Bytes(Vec<u8>),
    /// Say nothing for this long, then close.
    Hang(u64),
}

fn http(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let mut out = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-length"))
    {
        out.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    out.push_str("\r\n");
    let mut b = out.into_bytes();
    b.extend_from_slice(body);
    Reply::Bytes(b)
}

type Log = Arc<Mutex<Vec<String>>>;

/// Serves `handler(request head, request number)` on 127.0.0.1; returns the URL and the log of
/// request heads.
fn serve(handler: impl Fn(&str, usize) -> Reply + Send + 'static) -> (String, Log) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/api/population", l.local_addr().unwrap());
    let log: Log = Arc::new(Mutex::new(Vec::new()));
    let log2 = log.clone();
    std::thread::spawn(move || {
        for (n, s) in l.incoming().enumerate() {
            let Ok(mut s) = s else { continue };
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(k) => head.extend_from_slice(&buf[..k]),
                }
            }
            let head = String::from_utf8_lossy(&head).to_string();
            log2.lock().unwrap().push(head.clone());
            match handler(&head, n) {
                Reply::Bytes(b) => {
                    let _ = s.write_all(&b);
                }
                Reply::Hang(secs) => std::thread::sleep(std::time::Duration::from_secs(secs)),
            }
        }
    });
    (url, log)
}

fn spec(url: &str) -> ServiceSpec {
    let mut s = ServiceSpec::new(url);
    s.timeout_secs = 2;
    s.retries = 0;
    s
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

const BODY_V1: &str = r#"{"code":0,"msg":"成功","data":[
 {"村代码":"350322100201","村名称":"洋顶村","户籍人口":1200,"备注":null},
 {"村代码":"350322100202","村名称":"东门社区","户籍人口":830.0,"备注":"城区"}]}"#;
const BODY_V2: &str = r#"[{"村代码":"350322100201","村名称":"洋顶村","户籍人口":1250},
 {"村代码":"350322100202","村名称":"东门社区","户籍人口":840}]"#;

#[test]
fn json_service_with_token_etag_and_new_versions() {
    let body = Arc::new(Mutex::new((BODY_V1.to_string(), "\"v1\"".to_string())));
    let b2 = body.clone();
    let (url, log) = serve(move |head, _| {
        if header(head, "X-Token") != Some("s3cret") {
            return http("401 Unauthorized", &[], b"{\"msg\":\"token\"}");
        }
        let (text, etag) = b2.lock().unwrap().clone();
        if header(head, "If-None-Match") == Some(etag.as_str()) {
            return http("304 Not Modified", &[("ETag", &etag)], b"");
        }
        http(
            "200 OK",
            &[
                ("Content-Type", "application/json; charset=utf-8"),
                ("ETag", &etag),
            ],
            text.as_bytes(),
        )
    });
    let dir = tempfile::tempdir().unwrap();
    let mut c = Cache::open(&dir.path().join("cache.sqlite")).unwrap();
    let p = Progress::new();

    // No token: 401, nothing in the cache, a clear message.
    c.set_service("人口", "公安局", &spec(&url)).unwrap();
    let e = c.fetch("人口", &p).unwrap_err();
    match &e {
        CacheError::Fetch {
            error: ServiceError::Status(401, _),
            kept,
        } => {
            assert!(kept.contains("no version"), "{kept}")
        }
        other => panic!("expected 401, got {other}"),
    }
    assert!(c.list().unwrap().is_empty());
    assert!(c.services().unwrap()[0].last_error.is_some());

    // With the token: version 1, codes text, Chinese intact, NULL kept.
    let mut s = spec(&url);
    s.token_header = Some("X-Token".into());
    s.token = Some("s3cret".into());
    c.set_service("人口", "公安局", &s).unwrap();
    let FetchOutcome::Updated(v1) = c.fetch("人口", &p).unwrap() else {
        panic!("first fetch must make a version")
    };
    assert_eq!((v1.version, v1.row_count), (1, 2));
    assert_eq!(v1.source, url);
    let t = c.load_table("人口", None).unwrap();
    let code = t.attrs.field_index("村代码").unwrap();
    let name = t.attrs.field_index("村名称").unwrap();
    let pop = t.attrs.field_index("户籍人口").unwrap();
    assert_eq!(
        t.attrs.fields[code].ftype,
        yitu::core::model::attrs::FieldType::Text
    );
    assert_eq!(t.attrs.get(0, code).to_string(), "350322100201");
    assert_eq!(t.attrs.get(1, name).to_string(), "东门社区");
    assert_eq!(t.attrs.get(1, pop).as_f64(), Some(830.0));
    assert!(c.services().unwrap()[0].last_error.is_none());

    // Unchanged on the server: a conditional request answered 304, no new version.
    assert!(matches!(
        c.fetch("人口", &p).unwrap(),
        FetchOutcome::NotModified
    ));
    assert!(log.lock().unwrap().last().unwrap().contains("\"v1\""));
    assert_eq!(c.history("人口").unwrap().len(), 1);

    // New content: version 2, active.
    *body.lock().unwrap() = (BODY_V2.to_string(), "\"v2\"".to_string());
    let FetchOutcome::Updated(v2) = c.fetch("人口", &p).unwrap() else {
        panic!("changed content must make a version")
    };
    assert_eq!(v2.version, 2);
    let t = c.load_table("人口", None).unwrap();
    assert_eq!(
        t.attrs
            .get(0, t.attrs.field_index("户籍人口").unwrap())
            .as_f64(),
        Some(1250.0)
    );

    // Same content under a new ETag: no new version.
    *body.lock().unwrap() = (BODY_V2.to_string(), "\"v3\"".to_string());
    assert!(matches!(
        c.fetch("人口", &p).unwrap(),
        FetchOutcome::Unchanged
    ));
    assert_eq!(c.history("人口").unwrap().len(), 2);
    assert_eq!(c.integrity().unwrap(), "ok");
}

/// A cache holding version 1 of 人口 fetched from a good server, and the service then pointed
/// at `url`.
fn cache_with_good_version(dir: &std::path::Path, bad: ServiceSpec) -> Cache {
    let (good, _) = serve(|_, _| {
        http(
            "200 OK",
            &[("Content-Type", "application/json")],
            BODY_V1.as_bytes(),
        )
    });
    let mut c = Cache::open(&dir.join("cache.sqlite")).unwrap();
    c.set_service("人口", "公安局", &spec(&good)).unwrap();
    assert!(matches!(
        c.fetch("人口", &Progress::new()).unwrap(),
        FetchOutcome::Updated(_)
    ));
    c.set_service("人口", "公安局", &bad).unwrap();
    c
}

fn assert_kept(c: &Cache, e: &CacheError) {
    let CacheError::Fetch { kept, .. } = e else {
        panic!("expected a fetch failure, got {e}")
    };
    assert!(
        kept.contains("仍使用第 1 版") && kept.contains("still using version 1"),
        "{kept}"
    );
    let l = c.list().unwrap();
    assert_eq!((l.len(), l[0].version, l[0].row_count), (1, 1, 2));
    assert_eq!(c.history("人口").unwrap().len(), 1);
    assert_eq!(c.integrity().unwrap(), "ok");
}

#[test]
fn failures_keep_the_last_good_version() {
    let dir = tempfile::tempdir().unwrap();
    let p = Progress::new();

    // 500 on every attempt, retried twice with backoff: three requests, then the error.
    let (url, log) = serve(|_, _| http("500 Internal Server Error", &[], b"oops"));
    let mut s = spec(&url);
    s.retries = 2;
    let mut c = cache_with_good_version(dir.path(), s);
    let t = std::time::Instant::now();
    let e = c.fetch("人口", &p).unwrap_err();
    assert!(matches!(
        &e,
        CacheError::Fetch {
            error: ServiceError::Status(500, _),
            ..
        }
    ));
    assert_eq!(log.lock().unwrap().len(), 3, "1 attempt + 2 retries");
    assert!(t.elapsed().as_millis() >= 1400, "backoff 0.5 s + 1 s");
    assert_kept(&c, &e);
    assert!(c.services().unwrap()[0]
        .last_error
        .as_deref()
        .unwrap()
        .contains("500"));

    // 503 twice then 200: the retries recover.
    let (url, log) = serve(|_, n| {
        if n < 2 {
            http("503 Service Unavailable", &[], b"")
        } else {
            http(
                "200 OK",
                &[("Content-Type", "application/json")],
                BODY_V2.as_bytes(),
            )
        }
    });
    let mut s = spec(&url);
    s.retries = 3;
    c.set_service("人口", "公安局", &s).unwrap();
    assert!(matches!(
        c.fetch("人口", &p).unwrap(),
        FetchOutcome::Updated(_)
    ));
    assert_eq!(log.lock().unwrap().len(), 3);
    c.rollback("人口", 1).unwrap();

    // 404 is not retried.
    let (url, log) = serve(|_, _| http("404 Not Found", &[], b""));
    let mut s = spec(&url);
    s.retries = 3;
    c.set_service("人口", "公安局", &s).unwrap();
    let e = c.fetch("人口", &p).unwrap_err();
    assert_eq!(log.lock().unwrap().len(), 1);
    assert!(e.to_string().contains("404"));
}

#[test]
fn html_truncated_malformed_hanging_and_offline() {
    let p = Progress::new();
    let cases: Vec<(&str, Box<dyn Fn(&str, usize) -> Reply + Send>)> = vec![
        (
            "html",
            Box::new(|_, _| {
                http(
                    "200 OK",
                    &[("Content-Type", "text/html; charset=utf-8")],
                    "<!DOCTYPE html><html><body>统一身份认证登录</body></html>".as_bytes(),
                )
            }),
        ),
        (
            "html without content type",
            Box::new(|_, _| {
                http(
                    "200 OK",
                    &[],
                    b"  <html><body>502 Bad Gateway</body></html>",
                )
            }),
        ),
        (
            "truncated",
            Box::new(|_, _| {
                let mut r = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n".to_vec();
                r.extend_from_slice(&BODY_V2.as_bytes()[..60]);
                Reply::Bytes(r)
            }),
        ),
        (
            "malformed json",
            Box::new(|_, _| {
                http(
                    "200 OK",
                    &[("Content-Type", "application/json")],
                    b"[{\"a\":1},{\"a\":",
                )
            }),
        ),
        (
            "json without records",
            Box::new(|_, _| {
                http(
                    "200 OK",
                    &[("Content-Type", "application/json")],
                    b"{\"code\":500,\"msg\":\"error\"}",
                )
            }),
        ),
        ("hanging", Box::new(|_, _| Reply::Hang(30))),
    ];
    for (what, h) in cases {
        let dir = tempfile::tempdir().unwrap();
        let (url, _) = serve(h);
        let mut c = cache_with_good_version(dir.path(), spec(&url));
        let p2 = p.clone();
        let (c, e) = common::within(15, what, move || {
            let e = c.fetch("人口", &p2).unwrap_err();
            (c, e)
        });
        let msg = e.to_string();
        match what {
            "html" | "html without content type" => assert!(msg.contains("网页"), "{what}: {msg}"),
            "hanging" => assert!(
                msg.contains("超时") || msg.contains("timed out"),
                "{what}: {msg}"
            ),
            _ => assert!(
                msg.contains("格式错误") || msg.contains("不完整"),
                "{what}: {msg}"
            ),
        }
        assert_kept(&c, &e);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("fetch-tmp"))
            .map(|d| d.flatten().collect())
            .unwrap_or_default();
        assert!(leftovers.is_empty(), "{what}: temporary files left behind");
    }

    // Nothing listening: offline.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let mut c = cache_with_good_version(dir.path(), spec(&format!("http://127.0.0.1:{port}/x")));
    let e = c.fetch("人口", &p).unwrap_err();
    assert!(e.to_string().contains("无法连接"), "{e}");
    assert_kept(&c, &e);
    // Not a URL at all.
    c.set_service("人口", "公安局", &spec("ftp://example/x"))
        .unwrap();
    assert!(c
        .fetch("人口", &p)
        .unwrap_err()
        .to_string()
        .contains("地址无效"));
}

#[test]
fn csv_service_in_gbk_through_the_cli() {
    let body = encoding_rs::GBK
        .encode("村代码,村名称,户籍人口\n350322100201,洋顶村,1200\n350322100202,东门社区,830\n")
        .0
        .to_vec();
    let (url, log) = serve(move |_, _| {
        http(
            "200 OK",
            &[
                ("Content-Type", "text/csv; charset=gbk"),
                ("Last-Modified", "Wed, 21 Oct 2026 07:28:00 GMT"),
            ],
            &body,
        )
    });
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cache.sqlite");
    let yitu = |args: &[&str]| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_yitu"))
            .arg("data")
            .arg("--cache")
            .arg(&db)
            .args(args)
            .output()
            .unwrap();
        (
            o.status.success(),
            String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr),
        )
    };
    let (ok, out) = yitu(&[
        "service",
        "人口",
        "--url",
        &url,
        "--dept",
        "公安局",
        "--timeout",
        "5",
    ]);
    assert!(ok, "{out}");
    let (ok, out) = yitu(&["fetch", "人口"]);
    assert!(
        ok && out.contains("新版本") && out.contains("2 行"),
        "{out}"
    );
    let (ok, _) = yitu(&["fetch", "人口"]);
    assert!(ok);
    assert!(
        header(&log.lock().unwrap()[1], "If-Modified-Since")
            == Some("Wed, 21 Oct 2026 07:28:00 GMT"),
        "the second request is conditional"
    );
    let c = Cache::open(&db).unwrap();
    let t = c.load_table("人口", None).unwrap();
    assert_eq!(t.attrs.get(0, 1).to_string(), "洋顶村");
    drop(c);
    let (ok, out) = yitu(&["remove", "人口"]);
    assert!(ok, "{out}");
    let (ok, out) = yitu(&["fetch", "人口"]);
    assert!(!ok && out.contains("没有数据服务"), "{out}");
}

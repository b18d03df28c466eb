//! Basemap sources: the Tianditu key check reports HTTP 418/403 as "key invalid or quota
//! exhausted" (against a local server the test starts), URLs are built as the service expects.

use std::io::{Read, Write};
use std::net::TcpListener;
use yitu::gui::basemap::{check_tianditu_key, tianditu_url, xyz_url, KeyCheck};

/// Serves `n` requests on 127.0.0.1 with `status`, then stops.
fn serve(status: u16, n: usize) -> (String, std::thread::JoinHandle<Vec<String>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = format!("http://{}", l.local_addr().unwrap());
    let h = std::thread::spawn(move || {
        let mut seen = Vec::new();
        for _ in 0..n {
            let (mut s, _) = l.accept().unwrap();
            s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
                .unwrap();
            let mut buf = [0u8; 4096];
            let k = s.read(&mut buf).unwrap_or(0);
            seen.push(String::from_utf8_lossy(&buf[..k]).to_string());
            let body = if status == 200 {
                "PNG"
            } else {
                "<html>error</html>"
            };
            let _ = write!(
                s,
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
        seen
    });
    (addr, h)
}

#[test]
fn tianditu_418_means_bad_key_or_quota() {
    let (addr, h) = serve(418, 1);
    let r = check_tianditu_key("badkey", Some(&addr));
    assert_eq!(r, KeyCheck::Rejected(418));
    assert!(r.message().contains("密钥无效") && r.message().contains("quota"));
    let req = h.join().unwrap().remove(0);
    assert!(req.contains("tk=badkey"));
    assert!(req
        .to_ascii_lowercase()
        .contains("referer: https://www.tianditu.gov.cn/"));

    let (addr, h) = serve(403, 1);
    assert_eq!(
        check_tianditu_key("k", Some(&addr)),
        KeyCheck::Rejected(403)
    );
    h.join().unwrap();
    let (addr, h) = serve(200, 1);
    assert_eq!(check_tianditu_key("good", Some(&addr)), KeyCheck::Ok);
    h.join().unwrap();
}

#[test]
fn offline_is_reported_not_hung() {
    // A port nobody listens on.
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = format!("http://{}", l.local_addr().unwrap());
    drop(l);
    let r = check_tianditu_key("k", Some(&addr));
    assert!(matches!(r, KeyCheck::Offline(_)), "{r:?}");
    assert!(r.message().contains("离线"));
}

#[test]
fn urls() {
    let u = tianditu_url("img", "KEY", 12, 3400, 1700);
    assert!(u.starts_with("https://t") && u.contains(".tianditu.gov.cn/img_w/wmts?"));
    assert!(
        u.contains("LAYER=img")
            && u.contains("TILEMATRIX=12")
            && u.contains("TILEROW=1700")
            && u.contains("TILECOL=3400")
            && u.ends_with("tk=KEY")
    );
    assert_eq!(
        xyz_url("https://{s}.tile.example/{z}/{x}/{y}.png", 3, 1, 2),
        "https://a.tile.example/3/1/2.png"
    );
}

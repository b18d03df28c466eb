//! Every string of the app's interface goes through the translation table (`Lang::tr(zh, en)`), and each side is
//! in its own language (issue 15 §3): no English words in the Chinese side (names of formats and codes aside), no
//! Chinese in the English side, and no Chinese text handed to a widget without its English.

use std::path::Path;

/// Words that stay as they are in the Chinese interface: file formats, products, codes and keys.
const KEEP: &[&str] = &[
    "PDF",
    "Excel",
    "JSON",
    "XLSX",
    "GeoPackage",
    "Shapefile",
    "OpenStreetMap",
    "XYZ",
    "EPSG",
    "CRS",
    "DXF",
    "KML",
    "CSV",
    "Ctrl",
    "Shift",
    "Delete",
    "MBTiles",
    "PMTiles",
    "GBK",
    "UTF",
    "URL",
    "HTTP",
    "FID",
    "BSM",
    "DLBM",
    "TBMJ",
    "KCMJ",
    "TBDLMJ",
    "ZLDWDM",
    "GeoJSON",
    "SVG",
    "PNG",
    "TXT",
    "XLS",
    "YiTu",
    "Tianditu",
    "GCJ",
    "WGS",
    "CGCS",
    "TSV",
    "SQLite",
    "DLTB",
    "CJDCQ",
    "YJJBNTTB",
    "STBHHX",
    "CZKFBJ",
    "DBSCAN",
    "KDE",
    "SFCA",
    "GDAL",
    "FileGDB",
    "Backspace",
];

fn strings(src: &str) -> Vec<(String, String)> {
    // lang.tr("…", "…"), tolerant of line breaks between the arguments.
    let mut out = Vec::new();
    let mut rest = src;
    while let Some(i) = rest.find("lang.tr(") {
        rest = &rest[i + 8..];
        let lit = |s: &str| -> Option<(String, usize)> {
            let s0 = s.trim_start();
            let skip = s.len() - s0.len();
            let b = s0.strip_prefix('"')?;
            let mut end = 0;
            let bytes = b.as_bytes();
            while end < bytes.len() {
                if bytes[end] == b'\\' {
                    end += 2;
                    continue;
                }
                if bytes[end] == b'"' {
                    return Some((b[..end].to_string(), skip + 1 + end + 1));
                }
                end += 1;
            }
            None
        };
        let Some((zh, n)) = lit(rest) else { continue };
        let after = rest[n..].trim_start();
        let Some(after) = after.strip_prefix(',') else {
            continue;
        };
        let Some((en, _)) = lit(after) else { continue };
        out.push((zh, en));
    }
    out
}

/// `s` without what names data rather than speaks to the user: text in brackets (a layer or folder name, an
/// example: （enterprises、企业）, (e.g. 横塘村)), in quotes and template variables ({title}).
fn prose(s: &str) -> String {
    let mut out = String::new();
    let mut depth = 0i32;
    for c in s.chars() {
        match c {
            '(' | '（' | '{' | '“' | '「' => depth += 1,
            ')' | '）' | '}' | '”' | '」' => depth = (depth - 1).max(0),
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

fn english_words(s: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut w = String::new();
    for c in prose(s).chars().chain(std::iter::once(' ')) {
        if c.is_ascii_alphabetic() || c == '_' {
            w.push(c);
        } else {
            // Identifiers (talent_sources) are names of data, not words.
            if w.len() >= 3 && !w.contains('_') && !KEEP.contains(&w.as_str()) {
                words.push(w.clone());
            }
            w.clear();
        }
    }
    words
}

fn cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[test]
fn the_interface_strings_are_in_their_own_language() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/gui");
    let mut bad = Vec::new();
    let mut pairs = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let src = std::fs::read_to_string(&path).unwrap();
        for (zh, en) in strings(&src) {
            pairs += 1;
            let words = english_words(&zh);
            if !words.is_empty() {
                bad.push(format!("{}: English {words:?} in “{zh}”", path.display()));
            }
            if cjk(&prose(&en)) {
                bad.push(format!("{}: Chinese in “{en}”", path.display()));
            }
        }
        // Chinese handed straight to a widget, without its English.
        for (n, line) in src.lines().enumerate() {
            for pat in [
                ".label(\"",
                ".button(\"",
                ".heading(\"",
                ".small_button(\"",
                ".strong(\"",
                ".selectable_label(\"",
                ".on_hover_text(\"",
                "RichText::new(\"",
                "Button::new(\"",
                "Window::new(\"",
                "CollapsingHeader::new(\"",
            ] {
                if let Some(i) = line.find(pat) {
                    let lit = &line[i + pat.len()..];
                    let lit = &lit[..lit.find('"').unwrap_or(lit.len())];
                    if cjk(lit) && !lit.chars().any(|c| c.is_ascii_alphabetic()) {
                        bad.push(format!(
                            "{}:{}: “{lit}” has no English",
                            path.display(),
                            n + 1
                        ));
                    }
                }
            }
        }
    }
    assert!(pairs > 300, "the scan found the table ({pairs} pairs)");
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

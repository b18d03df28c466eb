//! 一村一档 as an algorithm: the file of villages (land use, farmland ledger, controls, industry, department
//! indicators, ranks, flags) of a data file or project, as JSON, CSV, XLSX or a PDF report / atlas. The computing is
//! [`crate::core::analysis::profile::profile`]; the documents are [`crate::core::output::report`].

use super::{
    cache_param, input_param, scope_of, scope_params, Algorithm, AlgorithmError, Outcome, Param,
    ParamKind, Params,
};
use crate::core::analysis::profile::{self, ProfileOptions, Scope};
use crate::core::analysis::roles::Role;
use crate::core::model::progress::Progress;
use crate::core::output::charts::AreaUnit;
use crate::core::output::report;
use std::path::PathBuf;

/// The village file (`yitu profile`).
pub struct VillageFile;

/// The parameter of the layer playing `role` (named by [`Role::flag`]).
pub fn role_param(role: Role) -> Param {
    let (name, help): (&'static str, (&'static str, &'static str)) = match role {
        Role::Villages => ("villages", ("村界图层（默认：CJDCQ、村界、villages…）", "Village boundaries (default: CJDCQ, 村界, villages…)")),
        Role::Parcels => ("parcels", ("地类图斑图层（默认：DLTB、地类图斑、parcels…）", "Land-use parcels (default: DLTB, 地类图斑, parcels…)")),
        Role::PermanentFarmland => ("permanent_farmland", ("永久基本农田图层（默认：YJJBNTTB…）", "Permanent basic farmland (default: YJJBNTTB, 永久基本农田…)")),
        Role::RedLine => ("red_line", ("生态保护红线图层（默认：STBHHX…）", "Ecological protection red line (default: STBHHX, 生态保护红线…)")),
        Role::DevBoundary => ("dev_boundary", ("城镇开发边界图层（默认：CZKFBJ…）", "Urban development boundary (default: CZKFBJ, 城镇开发边界…)")),
        Role::Enterprises => ("enterprises", ("企业点图层（默认：enterprises、QY、企业…，或带信用代码、行业代码、企业名称字段的点图层）", "Enterprise points (default: enterprises, QY, 企业…, or a point layer with a credit-code, industry-code or enterprise-name field)")),
        Role::Towns => ("towns", ("乡镇界图层（默认：XZJX、乡镇…）：村图层没有乡镇字段时用它定乡镇", "Town boundaries (default: XZJX, 乡镇…): the town of villages whose layer has no town field")),
        Role::TalentSources => ("sources", ("人才资源图层（默认：talent_sources、人才资源、高校…，或带专业字段的点图层）", "Talent sources (default: talent_sources, 人才资源, 高校…, or a point layer with a majors field)")),
    };
    debug_assert_eq!(role.flag(), format!("--{}", name.replace('_', "-")));
    Param {
        name,
        label: role.label(),
        help,
        kind: ParamKind::Layer { role },
        required: false,
        default: None,
        positional: false,
        advanced: true,
    }
}

impl Algorithm for VillageFile {
    fn id(&self) -> &'static str {
        "profile"
    }

    fn name(&self) -> (&'static str, &'static str) {
        ("一村一档", "Village files")
    }

    fn description(&self) -> (&'static str, &'static str) {
        (
            "各村的档案：地类、耕地一本账、管控、产业、部门指标、排名与提示，输出 JSON、CSV、XLSX 或 PDF 报告/图集",
            "The file of villages (land use, farmland ledger, controls, industry, department indicators, ranks, flags) as JSON, CSV, XLSX or a PDF report / atlas",
        )
    }

    fn group(&self) -> (&'static str, &'static str) {
        ("村级分析", "Village analyses")
    }

    fn parameters(&self) -> Vec<Param> {
        let mut ps = vec![input_param(("含三调图层的数据文件（GeoPackage…），或项目（.yitu）：项目中连接到村图层的部门数据成为指标",
                "The data file (GeoPackage with the land survey layers DLTB, CJDCQ…), or a project (.yitu): then the department tables joined to its village layer become indicators",))];
        ps.extend(scope_params());
        ps.extend([
            Param {
                name: "format",
                label: ("格式", "Format"),
                help: ("输出格式：json、csv、xlsx 或 pdf", "Output format: json, csv, xlsx or pdf"),
                kind: ParamKind::Choice {
                    values: &[
                        ("json", "JSON", "JSON"),
                        ("csv", "CSV 表格", "CSV table"),
                        ("xlsx", "XLSX 工作簿", "XLSX workbook"),
                        ("pdf", "PDF 报告/图集", "PDF report / atlas"),
                    ],
                },
                required: false,
                default: Some("json"),
                positional: false,
                advanced: false,
            },
            Param {
                name: "out",
                label: ("输出文件", "Output file"),
                help: (
                    "输出文件（不给时打印；xlsx、pdf 必须给）。逐村 PDF 时为文件夹",
                    "Output file (printed when absent; required for xlsx and pdf). With --per-village, a folder",
                ),
                kind: ParamKind::OutputFile { extensions: &["json", "csv", "xlsx", "pdf"] },
                required: false,
                default: None,
                positional: false,
                advanced: false,
            },
            Param {
                name: "ledger",
                label: ("只算耕地一本账", "Farmland ledger only"),
                help: (
                    "只算耕地一本账（更快：只读耕地图斑和永久基本农田）",
                    "Only the farmland ledger (faster: farmland parcels and permanent farmland only)",
                ),
                kind: ParamKind::Flag,
                required: false,
                default: None,
                positional: false,
                advanced: false,
            },
            Param {
                name: "unit",
                label: ("面积单位", "Area unit"),
                help: (
                    "XLSX 和 PDF 的面积单位：亩或公顷。JSON、CSV 总是亩",
                    "Area unit of XLSX and PDF: mu (亩) or ha (公顷). JSON and CSV are always in 亩",
                ),
                kind: ParamKind::Choice {
                    values: &[
                        ("mu", "亩", "mu"),
                        ("ha", "公顷", "hectares"),
                        ("亩", "亩", "mu"),
                        ("公顷", "公顷", "hectares"),
                    ],
                },
                required: false,
                default: Some("mu"),
                positional: false,
                advanced: false,
            },
            Param {
                name: "basemap",
                label: ("底图包", "Basemap package"),
                help: (
                    "报告地图下的离线底图（MBTiles，默认：项目的底图）",
                    "Basemap package (MBTiles) under the report maps (default: the project's)",
                ),
                kind: ParamKind::InputFile { extensions: &["mbtiles", "gpkg"] },
                required: false,
                default: None,
                positional: false,
                advanced: true,
            },
            Param {
                name: "per_village",
                label: ("逐村 PDF", "One PDF per village"),
                help: (
                    "PDF：在输出文件夹中每村一个文件，而不是装订成一本图集",
                    "PDF: one file per village in the folder --out instead of one bound atlas",
                ),
                kind: ParamKind::Flag,
                required: false,
                default: None,
                positional: false,
                advanced: true,
            },
        ]);
        ps.extend(Role::ALL.into_iter().map(role_param));
        ps.push(cache_param());
        ps
    }

    fn run(&self, params: &Params, progress: &Progress) -> Result<Outcome, AlgorithmError> {
        let params = self.check(params)?;
        let scope = scope_of(&params)?;
        let mut opts = ProfileOptions {
            ledger_only: params.flag("ledger"),
            ..Default::default()
        };
        for role in Role::ALL {
            opts.set(role, params.string(role_param(role).name));
        }
        // What can be known before reading anything is checked first (exit 2 at once).
        let format = params.string("format").unwrap_or_else(|| "json".into());
        if (format == "pdf" || format == "xlsx") && params.path("out").is_none() {
            return Err(AlgorithmError::BadParameters(format!(
                "{format} 需要 --out / {format} needs --out"
            )));
        }
        if params.flag("per_village") && format != "pdf" {
            return Err(AlgorithmError::BadParameters(
                "--per-village 只用于 PDF / --per-village is for PDF only".into(),
            ));
        }
        // A basemap named is checked: a broken one is said, not silently left out.
        if let Some(b) = params.path("basemap") {
            if !b.exists() {
                return Err(AlgorithmError::Failed(format!(
                    "底图包不存在 / the basemap package does not exist: {}",
                    b.display()
                )));
            }
            match crate::core::io::tiles::MbTiles::open(&b) {
                Ok(t) if t.info.is_raster() => {}
                Ok(t) => {
                    return Err(AlgorithmError::Failed(format!(
                    "底图包不是栅格瓦片（{}）/ the basemap package is not raster tiles ({}): {}",
                    t.info.format,
                    t.info.format,
                    b.display()
                )))
                }
                Err(e) => return Err(AlgorithmError::Failed(e.to_string())),
            }
        }
        let request = Request {
            file: params.path("file").expect("checked: file is required"),
            opts,
            scope,
            format,
            out: params.path("out"),
            unit: match params.text("unit") {
                Some("ha" | "公顷") => AreaUnit::Hectare,
                _ => AreaUnit::Mu,
            },
            basemap: params.path("basemap"),
            per_village: params.flag("per_village"),
            cache: params.path("cache"),
        };
        run(request, progress).map_err(AlgorithmError::Failed)
    }
}

/// A run of the village file, typed.
pub struct Request {
    /// Data file or project.
    pub file: PathBuf,
    /// Layers and what to compute.
    pub opts: ProfileOptions,
    /// Villages in the output.
    pub scope: Scope,
    /// json, csv, xlsx or pdf.
    pub format: String,
    /// Output path (JSON and CSV are returned as text when absent).
    pub out: Option<PathBuf>,
    /// Area unit for XLSX/PDF.
    pub unit: AreaUnit,
    /// Basemap package for the PDF maps (default: the project's).
    pub basemap: Option<PathBuf>,
    /// One PDF per village.
    pub per_village: bool,
    /// Cache database (default: the user's).
    pub cache: Option<PathBuf>,
}

/// Computes the village files of `r` and writes them. Errors are messages in Chinese and English.
pub fn run(mut r: Request, progress: &Progress) -> Result<Outcome, String> {
    use crate::core::io::files;
    let mut o = Outcome::default();
    match (&r.out, r.per_village) {
        (Some(out), false) => files::check_output(out, &[&r.file])?,
        (Some(dir), true) => files::check_output_folder(dir)?,
        _ => {}
    }
    let mut data = r.file.clone();
    let mut basemap = r.basemap.clone();
    let is_project = r
        .file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("yitu"));
    if is_project {
        let db = r
            .cache
            .clone()
            .unwrap_or_else(crate::core::data::cache::Cache::default_path);
        let mut cache = crate::core::data::cache::Cache::open(&db).map_err(|e| e.to_string())?;
        let (path, msgs) = profile::project_inputs(&r.file, &mut cache, &mut r.opts, progress)
            .map_err(|e| format!("{e:#}"))?;
        for m in msgs {
            progress.note(m);
        }
        data = path;
        if basemap.is_none() {
            if let Ok(p) = crate::core::io::project::Project::load(&r.file) {
                if let crate::core::io::project::BasemapChoice::Offline { path } = p.basemap {
                    basemap = Some(path);
                }
            }
        }
    }
    if let (Some(out), false) = (&r.out, r.per_village) {
        let mut inputs: Vec<&std::path::Path> = vec![&data];
        inputs.extend(r.opts.extra_files.iter().map(|p| p.as_path()));
        files::check_output(out, &inputs)?;
    }
    let t = std::time::Instant::now();
    let p = profile::profile(&data, &r.opts, progress).map_err(|e| format!("{e:#}"))?;
    progress.note(format!(
        "{} 个村，{:.2} 秒 / {} villages in {:.2} s",
        p.villages.len(),
        t.elapsed().as_secs_f64(),
        p.villages.len(),
        t.elapsed().as_secs_f64()
    ));
    for c in &p.roles {
        if c.layer.is_some() {
            progress.note(format!("图层 / layer: {}", c.describe()));
        }
    }
    for w in &p.warnings {
        progress.note(format!("注意 / note: {w}"));
    }
    // A village or town given by name becomes its code (an unknown or shared name is refused with the codes).
    r.scope = r
        .scope
        .resolve(
            p.villages
                .iter()
                .map(|v| (v.code.as_str(), v.name.as_str(), v.town_name.as_str())),
        )
        .map_err(|e| e.to_string())?;
    let chosen: Vec<&profile::VillageProfile> = p.in_scope(&r.scope).collect();
    if chosen.is_empty() {
        return Err("没有符合条件的村 / no village matches".into());
    }
    o.counts.insert("villages".into(), chosen.len() as f64);
    let need_out = || {
        r.out
            .clone()
            .ok_or_else(|| format!("{} 需要 --out / {} needs --out", r.format, r.format))
    };
    let text = match r.format.as_str() {
        "csv" => Some(report::village_csv(&chosen)),
        "json" => Some(serde_json::to_string_pretty(&chosen).unwrap() + "\n"),
        "xlsx" => {
            let out = need_out()?;
            report::write_xlsx(&p, &r.scope, r.unit, &out)
                .map_err(|e| format!("{}: {e:#}", out.display()))?;
            o.summary = format!("{} 个村 / villages → {}\n", chosen.len(), out.display());
            o.files.push(out);
            None
        }
        "pdf" => {
            let out = need_out()?;
            // Names the shipped font cannot draw print as boxes: say which.
            let missing: std::collections::BTreeSet<char> = p
                .in_scope(&r.scope)
                .flat_map(|v| v.name.chars().chain(v.town_name.chars()))
                .filter(|c| {
                    !c.is_whitespace()
                        && !c.is_control()
                        && !crate::core::output::layout::draw::has_glyph(*c)
                })
                .collect();
            if !missing.is_empty() {
                let m: String = missing.into_iter().collect();
                progress.note(format!(
                    "字体中没有这些字，将显示为方框：{m} / the font has no glyph for these, they print as boxes: {m}"
                ));
            }
            let t = std::time::Instant::now();
            let layer = |role| {
                p.layer_of(role)
                    .unwrap_or_else(|| (data.clone(), String::new()))
            };
            let (vf, vl) = layer(Role::Villages);
            let (pf, pl) = layer(Role::Parcels);
            let mut maps =
                report::ReportMaps::load((&vf, &vl), (&pf, &pl), basemap.as_deref(), progress)
                    .map_err(|e| format!("{e:#}"))?;
            maps.title = String::new();
            let load = t.elapsed().as_secs_f64();
            let output = if r.per_village {
                report::AtlasOutput::PerVillage(out.clone())
            } else {
                report::AtlasOutput::Bound(out.clone())
            };
            let a = report::atlas(&maps, &p, &r.scope, r.unit, &output, progress)
                .map_err(|e| format!("{e:#}"))?;
            o.summary = format!(
                "{} 个村，{} 页，{:.2} 秒（{:.1} 页/秒；读取地图 {:.2} 秒）/ {} villages, {} pages in {:.2} s ({:.1} pages/s; maps loaded in {:.2} s) → {}\n",
                a.villages,
                a.pages,
                a.seconds,
                a.pages as f64 / a.seconds.max(1e-9),
                load,
                a.villages,
                a.pages,
                a.seconds,
                a.pages as f64 / a.seconds.max(1e-9),
                load,
                a.files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", ")
            );
            o.counts.insert("pages".into(), a.pages as f64);
            o.files.extend(a.files);
            None
        }
        other => {
            return Err(format!(
                "未知格式 / unknown format {other}: json, csv, xlsx or pdf"
            ))
        }
    };
    o.notes = progress.notes();
    if let Some(text) = text {
        match &r.out {
            Some(out) => {
                files::write_atomic(out, text).map_err(|e| files::write_error(out, &e))?;
                o.summary = format!("→ {}\n", out.display());
                o.files.push(out.clone());
            }
            None => o.text = Some(text),
        }
    }
    Ok(o)
}

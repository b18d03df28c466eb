//! The chain file (一产一档) of one chain for the county, a town or a village, as a PDF (`yitu chain report`):
//! diagram, measures, the firms on the map, lead firms, the recruitment list (with a candidate list) and the links
//! to extend to, methods and data sources with versions. Drawn by [`crate::core::output::chain_report`].

use super::chain::{
    chain_param, find_chain, load_chains, load_reference_table, load_register, read_role_layer,
    register_params,
};
use super::chain_recruit::recruit_lists;
use super::optional_param as param;
use super::{scope_params, Algorithm, AlgorithmError, Outcome, Param, ParamKind, Params};
use crate::core::analysis::chain::{measures_against, LqBasis, Reference, StatusRule};
use crate::core::analysis::profile::Scope;
use crate::core::analysis::roles::Role;
use crate::core::model::progress::Progress;
use crate::core::output::chain_report::{chain_report_pdf, ChainReport, RecruitLine};
use std::sync::Arc;

/// The chain file as a PDF (`yitu chain report`).
pub struct ChainReportPdf;

impl Algorithm for ChainReportPdf {
    fn id(&self) -> &'static str {
        "chain report"
    }
    fn name(&self) -> (&'static str, &'static str) {
        ("一产一档报告（PDF）", "Chain file (PDF)")
    }
    fn description(&self) -> (&'static str, &'static str) {
        (
            "一条产业链的一产一档：链图（按强中弱缺着色）、各环节指标、企业分布图、链主企业、补链招商清单、延链方向、方法与数据来源，矢量 PDF",
            "One chain's file (一产一档): the chain diagram coloured by status, the measures of every link, the firms on the map, lead firms, the recruitment list, links to extend to, methods and data sources, as a vector PDF",
        )
    }
    fn group(&self) -> (&'static str, &'static str) {
        ("产业分析", "Industry analyses")
    }
    fn parameters(&self) -> Vec<Param> {
        let mut ps = register_params();
        ps.push(chain_param(true));
        ps.extend(scope_params());
        let mut out = param(
            "out",
            ("输出文件", "Output file"),
            ("输出的 PDF", "The PDF to write"),
            ParamKind::OutputFile {
                extensions: &["pdf"],
            },
            None,
            false,
        );
        out.required = true;
        ps.extend([
            param(
                "reference_table",
                ("参照统计表", "Reference statistics"),
                (
                    "区位熵参照的省或全国分行业统计表",
                    "The province's or nation's statistics the LQ is measured against",
                ),
                ParamKind::InputFile {
                    extensions: &["csv", "xlsx", "xls"],
                },
                None,
                true,
            ),
            param(
                "candidates",
                ("候选企业名单", "Candidate firms"),
                (
                    "给出时附补链招商清单和延链方向",
                    "When given, the recruitment list and the links to extend to are added",
                ),
                ParamKind::InputFile {
                    extensions: &["csv", "xlsx", "xls"],
                },
                None,
                true,
            ),
            out,
        ]);
        ps
    }

    fn run(&self, params: &Params, progress: &Progress) -> Result<Outcome, AlgorithmError> {
        let params = self.check(params)?;
        let file = params.path("file").expect("required");
        let out = params.path("out").expect("required");
        crate::core::io::files::check_output(&out, &[&file]).map_err(AlgorithmError::Failed)?;
        let area = match super::scope_resolved(&params, progress)? {
            Scope::County => String::new(),
            Scope::Town(c) | Scope::Village(c) => c,
        };
        let chains = load_chains(&params, progress)?;
        let chain = find_chain(&chains, params.text("chain").unwrap_or(""))?.clone();
        let reg = load_register(&params, &chains, progress)?;
        super::chain::check_area(&file, &reg, &area, progress)?;
        let county = reg.county();
        let table = match params.path("reference_table") {
            Some(p) => Some(load_reference_table(&p, progress)?),
            None => None,
        };
        let (reference, ref_label) = match &table {
            Some(t) => (Reference::Table(t), t.name.clone()),
            None => (Reference::Region(&county), format!("本县（{county}）")),
        };
        if !area.is_empty() && !reg.has_area_field && reg.records.iter().all(|r| r.area.is_empty())
        {
            return Err(AlgorithmError::Failed(
                "企业没有村代码，不能按乡镇或村出报告 / the firms have no village codes: no town or village report".into(),
            ));
        }
        let rule = StatusRule::default();
        let m = measures_against(
            std::slice::from_ref(&chain),
            &reg.records,
            &area,
            &reference,
            LqBasis::Employees,
            &rule,
        );
        // The map: villages, towns and the chain's firms in the area, coloured by link.
        let map = match map_page(&file, &reg, &chain, &area, progress) {
            Ok(m) => Some(m),
            Err(e) => {
                progress.note(format!("没有企业分布图：{e} / no map page: {e}"));
                None
            }
        };
        let (recruit, extend) = match params.path("candidates") {
            Some(c) => {
                let county_m = if area.is_empty() {
                    m.clone()
                } else {
                    measures_against(
                        std::slice::from_ref(&chain),
                        &reg.records,
                        "",
                        &reference,
                        LqBasis::Employees,
                        &rule,
                    )
                };
                let (lines, ext) = recruit_lists(
                    &chains,
                    &reg,
                    &county,
                    &county_m,
                    &c,
                    Some(&chain.name),
                    5,
                    progress,
                )?;
                (
                    lines
                        .into_iter()
                        .map(|l| RecruitLine {
                            link: l.name,
                            status: l.status.to_string(),
                            rank: l.rank,
                            firm: l.firm.name,
                            province: l.firm.province,
                            code: l.firm.code,
                            output: l.firm.output,
                            above_scale: l.firm.above_scale,
                        })
                        .collect(),
                    ext,
                )
            }
            None => (Vec::new(), Vec::new()),
        };
        let area_label = match super::scope_resolved(&params, progress)? {
            Scope::County => "全县".to_string(),
            Scope::Town(c) => place_name(&file, Role::Towns, &["XZQDM"], &["XZQMC"], &c),
            Scope::Village(c) => place_name(
                &file,
                Role::Villages,
                &["ZLDWDM", "CJDM"],
                &["ZLDWMC", "CJMC"],
                &c,
            ),
        };
        let name = |p: Option<std::path::PathBuf>| {
            p.map(|p| {
                p.file_name()
                    .map_or(String::new(), |n| n.to_string_lossy().to_string())
            })
        };
        let mut sources = vec![format!(
            "企业：{}（{} 家）",
            name(params.path("register")).unwrap_or_else(|| format!(
                "{} · {}",
                name(Some(file.clone())).unwrap_or_default(),
                reg.layer
            )),
            reg.records.len()
        )];
        sources.push(format!(
            "产业链模板：{} v{}；{}",
            chain.name, chain.version, chain.source
        ));
        if let Some(t) = name(params.path("reference_table")) {
            sources.push(format!("参照统计表：{t}"));
        }
        if let Some(c) = name(params.path("candidates")) {
            sources.push(format!("候选企业名单：{c}"));
        }
        sources.push(format!("YiTu {}", env!("CARGO_PKG_VERSION")));
        let date = crate::core::output::report::today();
        let report = ChainReport {
            area: area_label,
            chain: &chain,
            measures: &m,
            rule: &rule,
            reference: ref_label,
            map,
            recruit,
            extend,
            sources,
            date,
        };
        progress.stage("绘制一产一档 / drawing the chain file", 0);
        let bytes = chain_report_pdf(&report).map_err(AlgorithmError::Failed)?;
        crate::core::io::files::write_atomic(&out, &bytes)
            .map_err(|e| AlgorithmError::Failed(crate::core::io::files::write_error(&out, &e)))?;
        let mut o = Outcome {
            summary: format!(
                "{} 产业链一产一档 → {} / {} chain file → {}\n",
                chain.name,
                out.display(),
                chain.name,
                out.display()
            ),
            notes: progress.notes(),
            files: vec![out],
            ..Default::default()
        };
        o.counts.insert("links".into(), m.len() as f64);
        o.counts
            .insert("recruit".into(), report.recruit.len() as f64);
        o.counts
            .insert("map".into(), report.map.is_some() as u8 as f64);
        Ok(o)
    }
}

/// The name of the town or village with `code` in the `role` layer of `file` (found under `codes`/`names`
/// fields), with the code; the code alone when not found.
fn place_name(
    file: &std::path::Path,
    role: Role,
    codes: &[&str],
    names: &[&str],
    code: &str,
) -> String {
    let found = read_role_layer(file, None, role, &Progress::new())
        .ok()
        .and_then(|l| {
            let c = codes.iter().find_map(|n| l.attrs.field_index(n))?;
            let n = names.iter().find_map(|n| l.attrs.field_index(n))?;
            (0..l.len())
                .find(|&f| l.attrs.get(f, c).to_string() == code)
                .map(|f| l.attrs.get(f, n).to_string())
        });
    match found {
        Some(n) => format!("{n} {code}"),
        None => code.to_string(),
    }
}

/// The map page: the official A4 landscape layout over the villages, towns and the chain's firms in `area`.
fn map_page(
    file: &std::path::Path,
    reg: &super::chain::Register,
    chain: &crate::core::model::chain::Chain,
    area: &str,
    progress: &Progress,
) -> Result<
    (
        crate::core::model::layout::Layout,
        crate::core::output::layout::draw::MapData,
    ),
    String,
> {
    use crate::core::model::attrs::{AttributeTable, Field, FieldType};
    use crate::core::model::geom::{GeomKind, GeometryStore};
    use crate::core::model::style::{categories_for, LayerStyle};
    let quiet = Progress::new();
    let villages = read_role_layer(file, None, Role::Villages, &quiet)?;
    let towns = read_role_layer(file, None, Role::Towns, &quiet).ok();
    let crs = reg
        .crs
        .clone()
        .ok_or("企业没有坐标系 / the firms have no CRS")?;
    // The chain's firms in the area, with their link.
    let mut geoms = GeometryStore::new();
    let fields = ["企业名称", "环节", "规上"].map(|n| Field {
        name: n.into(),
        ftype: FieldType::Text,
        source_type: "TEXT".into(),
    });
    let mut attrs = AttributeTable::new(fields.to_vec());
    let mut n = 0usize;
    for (i, r) in reg.records.iter().enumerate() {
        let p = reg.points[i];
        let Some(pl) = r.placed.iter().find(|p| p.chain == chain.name) else {
            continue;
        };
        if !p[0].is_finite() || reg.outside[i] || !r.area.starts_with(area) {
            continue;
        }
        let link = chain
            .links
            .iter()
            .find(|l| l.id == pl.link)
            .map_or(pl.link.clone(), |l| l.name.clone());
        geoms.push_coord(p[0], p[1]);
        geoms.end_ring();
        geoms.end_part();
        geoms.end_feature(GeomKind::Point);
        for (c, v) in [
            r.firm.name.as_str(),
            link.as_str(),
            if r.above_scale { "是" } else { "否" },
        ]
        .iter()
        .enumerate()
        {
            std::sync::Arc::make_mut(&mut attrs.columns[c]).push_text(v);
        }
        n += 1;
    }
    if n == 0 {
        return Err(
            "本区域没有这条链的带坐标企业 / no firm of the chain with coordinates in the area"
                .into(),
        );
    }
    let firms = crate::core::model::layer::VectorLayer::assemble(
        format!("{}企业", chain.name),
        crate::core::model::layer::LayerSource {
            path: file.to_path_buf(),
            layer: "chain_firms".into(),
        },
        crs,
        (1..=n as i64).collect(),
        geoms,
        attrs,
        Vec::new(),
        progress,
    )
    .map_err(|e| e.to_string())?;
    let mut firm_style = LayerStyle::default_for("chain_firms", GeomKind::Point, &firms.attrs, 1);
    firm_style.symbology = categories_for(&firms.attrs, "环节");
    firm_style.point_radius = 4.0;
    let vstyle = LayerStyle::default_for(
        &villages.source.layer,
        GeomKind::Polygon,
        &villages.attrs,
        0,
    );
    let code_col = ["ZLDWDM", "CJDM", "village_code", "村代码"]
        .iter()
        .find_map(|c| villages.attrs.field_index(c));
    let mut layers = vec![("村界".to_string(), Arc::new(villages), vstyle)];
    if let Some(t) = towns {
        let s = LayerStyle::default_for(&t.source.layer, GeomKind::Polygon, &t.attrs, 2);
        layers.push(("乡镇界".to_string(), Arc::new(t), s));
    }
    layers.push((
        format!("{}企业（按环节）", chain.name),
        Arc::new(firms),
        firm_style,
    ));
    let mut data = crate::core::output::layout::draw::MapData::new(layers)?;
    if !area.is_empty() {
        if let Some(c) = code_col {
            let v = &data.layers[0];
            let mut bb = crate::core::model::geom::BBox::EMPTY;
            for f in 0..v.layer.len() {
                if v.layer.attrs.get(f, c).to_string().starts_with(area) {
                    bb.union(&v.print.bboxes[f]);
                }
            }
            if !bb.is_empty() {
                data.extent = bb;
            }
        }
    }
    if file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("yitu"))
    {
        if let Ok(p) = crate::core::io::project::Project::load(file) {
            if let crate::core::io::project::BasemapChoice::Offline { path } = p.basemap {
                data.basemap = Some(path);
            }
        }
    }
    let layout = crate::core::model::layout::presets()
        .into_iter()
        .find(|l| l.name == "A4横版正式")
        .ok_or("没有 A4横版正式 版式 / no A4横版正式 layout")?;
    Ok((layout, data))
}

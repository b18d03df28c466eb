//! Meeting maps (汇报用图) as an algorithm: a project's or data file's layers on a print layout — a shipped template
//! or a JSON file — cut to a town, a village or an extent, exported as a vector PDF with selectable Chinese text.
//! The engine is [`crate::core::output::layout`].

use super::{cache_param, scope_params};
use super::{Algorithm, AlgorithmError, Outcome, Param, ParamKind, Params};
use crate::core::model::geom::BBox;
use crate::core::model::progress::Progress;
use crate::core::model::style::LayerStyle;
use crate::core::output::layout::{self, draw::MapData, Variables};
use std::sync::Arc;

/// The meeting map (`yitu layout`).
pub struct LayoutExport;

use super::optional_param as param;

impl Algorithm for LayoutExport {
    fn id(&self) -> &'static str {
        "layout"
    }

    fn name(&self) -> (&'static str, &'static str) {
        ("汇报用图", "Meeting map")
    }

    fn description(&self) -> (&'static str, &'static str) {
        (
            "把项目的图层按版式（A4/A3，横竖，正式/草图）排成一张图：地图、图例、比例尺、指北针、图名、坐标系、制图单位、日期和数据来源，导出矢量 PDF（文字可选可搜）",
            "The project's layers on a print layout (A4/A3, landscape/portrait, formal/draft): map, legend, scale bar, north arrow, title, coordinate system, mapping unit, date and sources, as a vector PDF with selectable text",
        )
    }

    fn group(&self) -> (&'static str, &'static str) {
        ("制图", "Maps")
    }

    fn parameters(&self) -> Vec<Param> {
        let mut file = super::input_param((
            "项目（.yitu：按其图层、样式和顺序）或数据文件（各图层用默认样式）",
            "A project (.yitu: its layers, styles and order) or a data file (every layer in its default style)",
        ));
        file.required = false; // `--list` needs none
        let mut ps = vec![file];
        ps.push(param(
            "template",
            ("版式", "Template"),
            (
                "内置版式名（A4横版正式、A4横版草图、A4竖版正式、A4竖版草图、A3横版正式、A3横版草图、A3竖版正式、A3竖版草图；yitu layout --list），或版式 JSON 文件",
                "A shipped template's name (A4横版正式, A4横版草图, A4竖版正式, A4竖版草图, A3横版正式, A3横版草图, A3竖版正式, A3竖版草图; yitu layout --list), or a layout JSON file",
            ),
            ParamKind::Text,
            Some("A4横版正式"),
            false,
        ));
        ps.extend(scope_params());
        ps.extend([
            param(
                "extent",
                ("范围（坐标）", "Extent"),
                (
                    "打印坐标系中的 minx,miny,maxx,maxy（米）",
                    "minx,miny,maxx,maxy in the print CRS (metres)",
                ),
                ParamKind::Text,
                None,
                true,
            ),
            param(
                "out",
                ("输出文件", "Output file"),
                (
                    "要写出的 PDF（矢量）、SVG 或 PNG",
                    "The PDF (vector), SVG or PNG to write",
                ),
                ParamKind::OutputFile {
                    extensions: &["pdf", "svg", "png"],
                },
                None,
                false,
            ),
            param(
                "dpi",
                ("分辨率", "Resolution"),
                ("PNG 的分辨率（dpi）", "Resolution of a PNG (dpi)"),
                ParamKind::Choice {
                    values: &[
                        ("150", "150 dpi", "150 dpi"),
                        ("300", "300 dpi", "300 dpi"),
                        ("600", "600 dpi", "600 dpi"),
                    ],
                },
                Some("300"),
                false,
            ),
            param(
                "title",
                ("图名", "Title"),
                (
                    "图名（默认：项目名和范围）",
                    "Title (default: the project's name and the scope)",
                ),
                ParamKind::Text,
                None,
                false,
            ),
            param(
                "mapping_unit",
                ("制图单位", "Mapping unit"),
                (
                    "制图单位（正式图必须有）",
                    "The mapping unit (an official map must name it)",
                ),
                ParamKind::Text,
                None,
                false,
            ),
            param(
                "number",
                ("图件编号", "Map number"),
                ("图件编号", "The map's number"),
                ParamKind::Text,
                None,
                true,
            ),
            param(
                "basemap",
                ("底图包", "Basemap package"),
                (
                    "地图下的离线底图（MBTiles；默认：项目的离线底图，或内置中国底图）",
                    "Offline basemap (MBTiles) under the map (default: the project's offline basemap, or the built-in China basemap)",
                ),
                ParamKind::InputFile {
                    extensions: &["mbtiles", "gpkg"],
                },
                None,
                true,
            ),
            param(
                "scale",
                ("比例尺", "Scale"),
                (
                    "固定比例尺 N 或 1:N（以范围中心为中心），或 standard：取能容下范围的下一个国家基本比例尺（1:500 … 1:1000000）",
                    "A fixed scale N or 1:N (centred on the extent), or standard: the next scale of the national series (1:500 … 1:1 000 000) at which the extent fits",
                ),
                ParamKind::Text,
                None,
                true,
            ),
            param(
                "series",
                ("图集覆盖图层", "Series coverage layer"),
                (
                    "每个要素出一页（如村界）：地图缩放到该要素并勾出边界，图名加上要素名（图名中可写 {name}）",
                    "One page per feature of this layer (e.g. the villages): the map zoomed to the feature and outlined, its name added to the title (or put where {name} stands)",
                ),
                ParamKind::Text,
                None,
                true,
            ),
            param(
                "name_field",
                ("页名字段", "Page name field"),
                (
                    "图集每页的名称字段（默认 ZLDWMC、XZQMC、MC、NAME 中第一个有的）",
                    "The field naming each page of a series (default: the first of ZLDWMC, XZQMC, MC, NAME it has)",
                ),
                ParamKind::Text,
                None,
                true,
            ),
            param(
                "per_feature",
                ("每页一个文件", "One file per page"),
                (
                    "图集每页单独成文件，--out 为文件夹（SVG、PNG 图集必须）",
                    "Write each page of a series as its own file; --out is then a folder (required for SVG and PNG series)",
                ),
                ParamKind::Flag,
                None,
                true,
            ),
            param(
                "page_format",
                ("每页文件格式", "Page file format"),
                (
                    "--per-feature 时每页文件的格式",
                    "The format of each page's file with --per-feature",
                ),
                ParamKind::Choice {
                    values: &[
                        ("pdf", "PDF", "PDF"),
                        ("svg", "SVG", "SVG"),
                        ("png", "PNG", "PNG"),
                    ],
                },
                None,
                true,
            ),
            param(
                "list",
                ("列出版式", "List templates"),
                ("只列出内置版式", "Only list the shipped templates"),
                ParamKind::Flag,
                None,
                true,
            ),
            cache_param(),
        ]);
        ps
    }

    fn run(&self, params: &Params, progress: &Progress) -> Result<Outcome, AlgorithmError> {
        let params = self.check(params)?;
        let bad = |m: &str| AlgorithmError::BadParameters(m.to_string());
        if params.flag("list") {
            let mut text = String::new();
            for l in layout::presets() {
                let (w, h) = l.page.size_mm();
                text += &format!("{}\t{w:.0} × {h:.0} mm\t{} items\n", l.name, l.items.len());
            }
            return Ok(Outcome {
                text: Some(text),
                ..Default::default()
            });
        }
        let file = params.path("file").ok_or_else(|| {
            bad("缺少参数 数据文件或项目（<file>）/ Data file or project (<file>) is required")
        })?;
        let out = params
            .path("out")
            .ok_or_else(|| bad("缺少参数 输出文件（--out）/ Output file (--out) is required"))?;
        let series = params.text("series").map(str::to_string);
        let per_feature = params.flag("per_feature");
        let ext = match (&series, per_feature) {
            // A folder of pages: the files' format is asked for by name.
            (Some(_), true) => params.text("page_format").unwrap_or("pdf").to_string(),
            _ => out
                .extension()
                .map(|e| e.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default(),
        };
        if series.is_none()
            && (per_feature
                || params.text("name_field").is_some()
                || params.text("page_format").is_some())
        {
            return Err(bad(
                "--per-feature、--name-field 和 --page-format 只用于图集（--series）/ --per-feature, --name-field and --page-format belong to a series (--series)",
            ));
        }
        if series.is_some() && !per_feature && ext != "pdf" {
            return Err(bad(
                "SVG、PNG 图集每页一个文件：请加 --per-feature，--out 给文件夹 / an SVG or PNG series is one file per page: add --per-feature and give a folder as --out",
            ));
        }
        if series.is_some() && (params.text("village").is_some() || params.text("extent").is_some())
        {
            return Err(bad(
                "图集的范围来自覆盖图层的要素：不能再给 --village 或 --extent（--town 可选取一个乡镇的要素）/ a series takes its extents from the coverage features: --village and --extent do not apply (--town keeps one town's features)",
            ));
        }
        if !["pdf", "svg", "png"].contains(&ext.as_str()) {
            return Err(bad(
                "只能导出 PDF、SVG 或 PNG（按 --out 的扩展名）/ PDF, SVG or PNG only (by the extension of --out)",
            ));
        }
        let dpi: f32 = params
            .text("dpi")
            .and_then(|d| d.parse().ok())
            .unwrap_or(300.0);
        if per_feature {
            crate::core::io::files::check_output_folder(&out).map_err(AlgorithmError::Failed)?;
        } else {
            crate::core::io::files::check_output(&out, &[&file]).map_err(AlgorithmError::Failed)?;
        }
        let mut template = layout::template(params.text("template").unwrap_or("A4横版正式"))
            .map_err(AlgorithmError::BadParameters)?;
        if !template
            .items
            .iter()
            .any(|i| matches!(i.kind, layout::ItemKind::Map { .. }))
        {
            return Err(bad(&format!(
                "版式 {} 中没有地图框 / the layout {} has no map frame",
                template.name, template.name
            )));
        }
        if let Some(s) = params.text("scale") {
            let s = s.trim();
            if s.eq_ignore_ascii_case("standard") || s == "标准" {
                template.standard_scale = true;
            } else {
                let n: f64 = s
                    .trim_start_matches("1:")
                    .trim_start_matches("1：")
                    .replace([',', '，'], "")
                    .parse()
                    .ok()
                    .filter(|n: &f64| n.is_finite() && (1.0..=1e9).contains(n))
                    .ok_or_else(|| {
                        bad("比例尺应为 N、1:N 或 standard / the scale must be N, 1:N or standard")
                    })?;
                for i in template.items.iter_mut() {
                    if let layout::ItemKind::Map { scale, .. } = &mut i.kind {
                        *scale = Some(n);
                    }
                }
            }
        }
        let fail = AlgorithmError::Failed;
        progress.stage("读取图层 / reading layers", 0);
        let (layers, title, sources, project_basemap) =
            read_layers(&file, progress).map_err(fail)?;
        let mut data = MapData::new(layers).map_err(fail)?;
        data.basemap = match params.path("basemap") {
            // A basemap named is checked: a broken one is said, not silently left out.
            Some(b) => {
                if !b.exists() {
                    return Err(AlgorithmError::Failed(format!(
                        "底图包不存在 / the basemap package does not exist: {}",
                        b.display()
                    )));
                }
                let t = crate::core::io::tiles::MbTiles::open(&b)
                    .map_err(|e| AlgorithmError::Failed(e.to_string()))?;
                if !t.info.is_raster() {
                    return Err(AlgorithmError::Failed(format!(
                        "底图包不是栅格瓦片（{}）/ the basemap package is not raster tiles ({}): {}",
                        t.info.format,
                        t.info.format,
                        b.display()
                    )));
                }
                Some(b)
            }
            None => project_basemap,
        };
        let given = [
            params.text("village"),
            params.text("town"),
            params.text("extent"),
        ];
        if given.iter().filter(|g| g.is_some()).count() > 1 {
            return Err(bad("只能给 --village、--town、--extent 中的一个 / give only one of --village, --town and --extent"));
        }
        let scope_label = match (
            params.text("village"),
            params.text("town").filter(|_| series.is_none()),
            params.text("extent"),
        ) {
            (Some(code), _, _) | (None, Some(code), _) => {
                let (bb, name) = scope_extent(&data, code).map_err(AlgorithmError::Failed)?;
                data.extent = bb;
                name
            }
            (None, None, Some(e)) => {
                let v: Vec<f64> = e
                    .split(',')
                    .filter_map(|x| x.trim().parse().ok())
                    .filter(|x: &f64| x.is_finite())
                    .collect();
                // Finite, in order, and no wider than the Earth (a projected CRS in metres).
                if v.len() != 4
                    || v[0] >= v[2]
                    || v[1] >= v[3]
                    || v[2] - v[0] > 4.1e7
                    || v[3] - v[1] > 4.1e7
                {
                    return Err(bad(
                        "范围应为 minx,miny,maxx,maxy / the extent must be minx,miny,maxx,maxy",
                    ));
                }
                let asked = BBox {
                    min_x: v[0],
                    min_y: v[1],
                    max_x: v[2],
                    max_y: v[3],
                };
                let mut all = BBox::EMPTY;
                for l in data.layers.iter() {
                    all.union(&l.print.extent());
                }
                if !asked.intersects(&all) {
                    return Err(bad(&format!(
                        "范围与数据不相交：范围用打印坐标系 {}（米）中的坐标，数据在 {:.0},{:.0},{:.0},{:.0} / the extent misses the data: give it in the print CRS {} (metres); the data lies in {:.0},{:.0},{:.0},{:.0}",
                        data.crs.label(), all.min_x, all.min_y, all.max_x, all.max_y,
                        data.crs.label(), all.min_x, all.min_y, all.max_x, all.max_y
                    )));
                }
                data.extent = BBox {
                    min_x: v[0],
                    min_y: v[1],
                    max_x: v[2],
                    max_y: v[3],
                };
                String::new()
            }
            _ => String::new(),
        };
        let vars = Variables {
            title: params
                .string("title")
                .unwrap_or_else(|| match scope_label.is_empty() {
                    true => title.clone(),
                    false => format!("{title} · {scope_label}"),
                }),
            date: crate::core::output::report::today(),
            unit: params.string("mapping_unit").unwrap_or_default(),
            sources,
            number: params.string("number").unwrap_or_default(),
        };
        // Characters of the map's texts the shipped font cannot draw print as boxes: say which.
        let missing: String = [&vars.title, &vars.unit, &vars.number, &vars.sources]
            .iter()
            .flat_map(|t| t.chars())
            .filter(|c| !c.is_whitespace() && !c.is_control() && !layout::draw::has_glyph(*c))
            .collect();
        if !missing.is_empty() {
            progress.note(format!(
                "字体中没有这些字，将显示为方框：{missing} / the font has no glyph for these, they print as boxes: {missing}"
            ));
        }
        // A draft (草图) leaves the official elements out on purpose: only its glyph problems are said.
        let draft = template.name.contains("草图");
        for p in layout::preflight_data(&template, &data) {
            progress.note(format!("版式检查 / pre-flight: {p}"));
        }
        for p in layout::preflight(&template) {
            if !draft || p.contains("字体") {
                progress.note(format!("版式检查 / pre-flight: {p}"));
            }
        }
        if vars.unit.is_empty() && template.name.contains("正式") {
            progress.note("未填制图单位（--mapping-unit）/ no mapping unit given (--mapping-unit)");
        }
        if let Some(layer) = &series {
            let (li, pages) = layout::series::series_pages(
                &data,
                layer,
                params.text("name_field"),
                params.text("town"),
            )
            .map_err(fail)?;
            let files = if per_feature {
                let format = match ext.as_str() {
                    "svg" => layout::series::SeriesFormat::Svg,
                    "png" => {
                        let (w, h) = layout::png::pixel_size(&template, dpi);
                        progress.note(format!("每页 {w} × {h} 像素 / pixels a page ({dpi} dpi)"));
                        layout::series::SeriesFormat::Png(dpi as u32)
                    }
                    _ => layout::series::SeriesFormat::Pdf,
                };
                layout::series::write_series_files(
                    &template, &data, li, &pages, &vars, format, &out, progress,
                )
                .map_err(fail)?
            } else {
                layout::series::write_series_pdf(
                    &template, &data, li, &pages, &vars, &out, progress,
                )
                .map_err(fail)?;
                vec![out.clone()]
            };
            let mut o = Outcome {
                summary: format!(
                    "{}：图集 {} 页 / a series of {} pages → {}\n",
                    template.name,
                    pages.len(),
                    pages.len(),
                    out.display()
                ),
                files,
                notes: progress.notes(),
                ..Default::default()
            };
            o.counts.insert("pages".into(), pages.len() as f64);
            return Ok(o);
        }
        let drawn = if ext == "png" {
            let (w, h) = layout::png::pixel_size(&template, dpi);
            progress.note(format!("{w} × {h} 像素 / pixels ({dpi} dpi)"));
            progress.stage("导出 PNG / writing the PNG", 0);
            layout::png::write_layout_png(&template, &data, &vars, dpi, &out).map_err(fail)?
        } else if ext == "svg" {
            progress.stage("导出 SVG / writing the SVG", 0);
            layout::svg::write_layout_svg(&template, &data, &vars, &out).map_err(fail)?
        } else {
            progress.stage("导出 PDF / writing the PDF", 0);
            layout::pdf::write_layout_pdf(&template, &data, &vars, &out).map_err(fail)?
        };
        let scale = drawn.frames.first().map(|f| f.scale()).unwrap_or(0.0);
        let mut o = Outcome {
            summary: format!(
                "{}：{}，1:{:.0} → {}\n",
                template.name,
                vars.title,
                scale,
                out.display()
            ),
            files: vec![out],
            notes: progress.notes(),
            ..Default::default()
        };
        o.counts.insert("scale".into(), scale);
        o.counts.insert("layers".into(), data.layers.len() as f64);
        Ok(o)
    }
}

/// The name a layer is styled by: the standard layer name of the role its name or its fields say it plays (a
/// shapefile `villages_gbk` with ZLDWDM and ZLDWMC is drawn as CJDCQ, with village outlines and names), else its
/// own.
fn style_key(v: &crate::core::model::layer::VectorLayer) -> String {
    use crate::core::analysis::roles::Role;
    use crate::core::model::geom::GeomKind;
    let name = v.source.layer.as_str();
    for (role, key) in [
        (Role::Villages, "CJDCQ"),
        (Role::PermanentFarmland, "YJJBNTTB"),
        (Role::RedLine, "STBHHX"),
        (Role::DevBoundary, "CZKFBJ"),
        (Role::Towns, "XZQ"),
    ] {
        if role.names(name) {
            return key.to_string();
        }
    }
    let has = |f: &str| v.attrs.field_index(f).is_some();
    if v.kind() == GeomKind::Polygon && !has("DLBM") {
        if has("ZLDWMC") || (has("CJDM") && has("CJMC")) {
            return "CJDCQ".into();
        }
        if has("XZQMC") {
            return "XZQ".into();
        }
    }
    name.to_string()
}

/// The layers to draw (bottom first, with their styles), the title and the data sources of a project or a file.
type Layers = Vec<(
    String,
    Arc<crate::core::model::layer::VectorLayer>,
    LayerStyle,
)>;

fn read_layers(
    file: &std::path::Path,
    progress: &Progress,
) -> Result<(Layers, String, String, Option<std::path::PathBuf>), String> {
    use crate::core::io::read::{inspect, load_layer};
    let mut out: Layers = vec![];
    let mut files = vec![];
    let title;
    let basemap;
    if file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("yitu"))
    {
        let p = crate::core::io::project::Project::load(file)?;
        title = if p.title.is_empty() {
            file.file_stem()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_default()
        } else {
            p.title.clone()
        };
        use crate::core::io::project::BasemapChoice;
        basemap = match &p.basemap {
            BasemapChoice::Offline { path } => Some(path.clone()),
            BasemapChoice::China => crate::core::io::tiles::bundled_china_package().ok(),
            _ => None,
        };
        for l in p.layers.iter().filter(|l| l.visible) {
            // A layer that cannot be read is left out and said; the map is made of the rest.
            let v = match load_layer(&l.path, Some(&l.layer), progress) {
                Ok(v) => v,
                Err(e) => {
                    progress.note(format!("未画出 / left out: {}: {e}", l.name));
                    continue;
                }
            };
            for w in &v.warnings {
                progress.note(format!("注意 / note: {w}"));
            }
            files.push(l.path.clone());
            out.push((l.name.clone(), Arc::new(v), l.style.clone()));
        }
    } else {
        // A data file lies on the built-in China basemap.
        basemap = crate::core::io::tiles::bundled_china_package().ok();
        title = file
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        let info = inspect(file).map_err(|e| e.to_string())?;
        let mut left_out: Vec<String> = vec![];
        for (i, li) in info.layers.iter().enumerate() {
            if li.geometry_type == "NONE" {
                left_out.push(format!(
                    "{}：无几何的表 / a table without geometry",
                    li.name
                ));
                continue;
            }
            if li.feature_count == 0 {
                left_out.push(format!("{}：空图层 / an empty layer", li.name));
                continue;
            }
            let v = match load_layer(file, Some(&li.name), progress) {
                Ok(v) => v,
                Err(e) => {
                    progress.note(format!("未画出 / left out: {}: {e}", li.name));
                    left_out.push(format!("{}：{e}", li.name));
                    continue;
                }
            };
            let style = LayerStyle::default_for(&style_key(&v), v.kind(), &v.attrs, i);
            out.push((v.name.clone(), Arc::new(v), style));
        }
        if out.is_empty() {
            return Err(if left_out.is_empty() {
                format!(
                    "{}：没有矢量图层（栅格和其他内容不能出图）/ no vector layer (rasters and other content cannot be mapped)",
                    file.display()
                )
            } else {
                format!(
                    "{}：没有可画的矢量图层 / no vector layer to draw: {}",
                    file.display(),
                    left_out.join("; ")
                )
            });
        }
        files.push(file.to_path_buf());
        // Points on top, then lines, polygons below; among polygons the larger layers (parcels) lowest.
        out.sort_by_key(|(_, l, _)| match l.kind() {
            crate::core::model::geom::GeomKind::Polygon => (0, usize::MAX - l.len()),
            crate::core::model::geom::GeomKind::Line => (1, 0),
            _ => (2, 0),
        });
    }
    files.sort();
    files.dedup();
    let sources = files
        .iter()
        .map(|f| {
            f.file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join("、");
    Ok((out, title, sources, basemap))
}

/// The extent (print CRS) and name of the village or town with `code` in the layer playing villages.
fn scope_extent(data: &MapData, code: &str) -> Result<(BBox, String), String> {
    use crate::core::analysis::roles::Role;
    // The layer named as villages, else any polygon layer with village codes (a shapefile named otherwise).
    let l = data
        .layers
        .iter()
        .find(|l| Role::Villages.names(&l.layer.source.layer))
        .or_else(|| {
            data.layers.iter().find(|l| {
                l.layer.kind() == crate::core::model::geom::GeomKind::Polygon
                    && ["ZLDWDM", "CJDM"]
                        .iter()
                        .any(|f| l.layer.attrs.field_index(f).is_some())
            })
        })
        .ok_or_else(|| {
            "没有村界图层（名为 CJDCQ、村界…，或有 ZLDWDM/CJDM 代码字段的面图层），不能按村或乡镇选取 / no village layer (named CJDCQ, 村界…, or an area layer with ZLDWDM/CJDM codes): a village or town cannot be chosen".to_string()
        })?;
    let attrs = &l.layer.attrs;
    let c = ["ZLDWDM", "CJDM", "XZQDM"]
        .iter()
        .find_map(|f| attrs.field_index(f))
        .ok_or_else(|| {
            format!(
                "村界图层 {} 没有代码字段（ZLDWDM、CJDM）/ the village layer {} has no code field (ZLDWDM, CJDM)",
                l.name, l.name
            )
        })?;
    let name_col = if code.len() == 9 {
        ["XZQMC", "XZMC"].iter().find_map(|f| attrs.field_index(f))
    } else {
        ["ZLDWMC", "CJMC"].iter().find_map(|f| attrs.field_index(f))
    };
    let mut bb = BBox::EMPTY;
    let mut name = String::new();
    for f in 0..l.layer.len() {
        if attrs.get(f, c).to_string().starts_with(code) {
            bb.union(&l.print.bboxes[f]);
            if name.is_empty() {
                if let Some(n) = name_col {
                    name = attrs.get(f, n).to_string();
                }
            }
        }
    }
    if bb.is_empty() {
        return Err(format!(
            "村界图层 {} 中没有代码 {code} / no village or town {code} in the village layer {}",
            l.name, l.name
        ));
    }
    Ok((bb, name))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_help_names_every_preset() {
        use crate::core::algorithms::Algorithm;
        let ps = super::LayoutExport.parameters();
        let t = ps.iter().find(|p| p.name == "template").unwrap();
        for l in crate::core::output::layout::presets() {
            assert!(
                t.help.0.contains(&l.name) && t.help.1.contains(&l.name),
                "{}",
                l.name
            );
        }
    }
}

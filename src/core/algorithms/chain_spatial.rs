//! Where a chain's firms cluster (一产一档 §4), as algorithms whose results are map layers: kernel density
//! (`yitu chain density`), Getis-Ord Gi* hot spots on hexagons or villages (`yitu chain hotspots`), DBSCAN
//! clusters as 产业集群 polygons with their members (`yitu chain clusters`), and the co-location quotients of a
//! chain's supply edges (`yitu chain colocation`). Each reads the register through [`super::chain::load_register`]
//! and writes a GeoPackage (or a GeoTIFF for density) atomically; the work is in [`crate::core::analysis`].

use super::chain::{
    chain_param, find_chain, load_chains, load_register, read_role_layer, register_params,
    write_or_print, Register,
};
use super::optional_param as param;
use super::{Algorithm, AlgorithmError, Outcome, Param, ParamKind, Params};
use crate::core::analysis::roles::Role;
use crate::core::io::gpkg_write::{GpkgWriter, OutValue};
use crate::core::model::attrs::FieldType;
use crate::core::model::crs::{Crs, Transformer};
use crate::core::model::geom::BBox;
use crate::core::model::progress::Progress;

/// Kernel density of a chain's firms (`yitu chain density`).
pub struct ChainDensity;
/// Gi* hot spots of a chain's firms (`yitu chain hotspots`).
pub struct ChainHotspots;
/// DBSCAN clusters of a chain's firms (`yitu chain clusters`).
pub struct ChainClusters;
/// Co-location quotients of a chain's supply edges (`yitu chain colocation`).
pub struct ChainColocation;

const GROUP: (&str, &str) = ("产业分析", "Industry analyses");

fn link_param() -> Param {
    param(
        "link",
        ("环节", "Link"),
        ("只算这一个环节（环节编号）", "Only this link (its id)"),
        ParamKind::Text,
        None,
        false,
    )
}

fn weight_param() -> Param {
    param(
        "weight",
        ("权重", "Weight"),
        ("每家企业计多少", "What each firm counts for"),
        ParamKind::Choice {
            values: &[
                ("count", "企业数", "Firms"),
                ("output", "产值（万元）", "Output (万元)"),
                ("employees", "从业人员", "Employees"),
            ],
        },
        Some("count"),
        false,
    )
}

fn out_param(extensions: &'static [&'static str], help: (&'static str, &'static str)) -> Param {
    let mut p = param(
        "out",
        ("输出文件", "Output file"),
        help,
        ParamKind::OutputFile { extensions },
        None,
        false,
    );
    p.required = true;
    p
}

fn number(params: &Params, name: &str, default: f64) -> Result<f64, AlgorithmError> {
    match params.text(name) {
        None => Ok(default),
        Some(t) => t
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v > 0.0)
            .ok_or_else(|| {
                AlgorithmError::BadParameters(format!(
                    "--{} 应为正数：{t} / --{} must be a positive number: {t}",
                    name.replace('_', "-"),
                    name.replace('_', "-")
                ))
            }),
    }
}

/// A whole number ≥ 0 parameter.
fn whole(params: &Params, name: &str) -> Result<usize, AlgorithmError> {
    match params.text(name) {
        None => Ok(0),
        Some(t) => t.trim().parse::<usize>().map_err(|_| {
            AlgorithmError::BadParameters(format!(
                "--{} 应为非负整数：{t} / --{} must be a whole number: {t}",
                name.replace('_', "-"),
                name.replace('_', "-")
            ))
        }),
    }
}

/// The firms a spatial run works on: the register, the chosen members (of `chain`/`link`), their weights, and
/// a label of the selection. Errors: an unknown chain or link, no firms with points.
struct Selection {
    reg: Register,
    members: Vec<usize>,
    weights: Vec<f64>,
    label: String,
    crs: Crs,
}

fn select(params: &Params, progress: &Progress) -> Result<Selection, AlgorithmError> {
    let chains = load_chains(params, progress)?;
    let chain = params.text("chain");
    let link = params.text("link");
    if let Some(c) = chain {
        let c = find_chain(&chains, c)?;
        if let Some(l) = link {
            if !c.links.iter().any(|x| x.id == l) {
                let ids: Vec<&str> = c.links.iter().map(|x| x.id.as_str()).collect();
                return Err(AlgorithmError::BadParameters(format!(
                    "产业链 {} 没有环节 {l}，可选：{} / chain {} has no link {l}; there are: {}",
                    c.name,
                    ids.join("、"),
                    c.name,
                    ids.join(", ")
                )));
            }
        }
    } else if link.is_some() {
        return Err(AlgorithmError::BadParameters(
            "指定环节时也要指定产业链（--chain）/ a link needs its chain (--chain)".into(),
        ));
    }
    if let Some(out) = params.path("out") {
        let file = params.path("file");
        let inputs: Vec<&std::path::Path> = file.iter().map(|p| p.as_path()).collect();
        crate::core::io::files::check_output(&out, &inputs).map_err(AlgorithmError::Failed)?;
    }
    let reg = load_register(params, &chains, progress)?;
    let crs = reg.crs.clone().ok_or_else(|| {
        AlgorithmError::Failed(format!(
            "企业图层 {} 的坐标系未知，不能做空间分析 / the firms' layer {} has no known CRS: no spatial analysis is possible",
            reg.layer, reg.layer
        ))
    })?;
    let members = reg.members(chain, link);
    let label = match (chain, link) {
        (Some(c), Some(l)) => format!("{c} · {l}"),
        (Some(c), None) => c.to_string(),
        _ => "全部产业链 / all chains".to_string(),
    };
    if members.is_empty() {
        return Err(AlgorithmError::Failed(format!(
            "{label}：没有带坐标的企业 / {label}: no firm with coordinates"
        )));
    }
    let weights: Vec<f64> = members
        .iter()
        .map(|&i| {
            let r = &reg.records[i];
            match params.text("weight") {
                Some("output") => r.output,
                Some("employees") => r.employees,
                _ => 1.0,
            }
        })
        .collect();
    Ok(Selection {
        reg,
        members,
        weights,
        label,
        crs,
    })
}

/// Rings, lines and points of an output layer's features.
pub(crate) enum OutGeom {
    /// Polygons, each a list of closed rings.
    Polygons(Vec<Vec<Vec<[f64; 2]>>>),
    /// A point.
    Point([f64; 2]),
    /// Line strings.
    Lines(Vec<Vec<[f64; 2]>>),
}

/// One output layer of a GeoPackage.
pub(crate) struct OutLayer {
    /// Table name.
    pub table: String,
    /// Fields.
    pub fields: Vec<(&'static str, FieldType)>,
    /// Features.
    pub rows: Vec<(OutGeom, Vec<OutValue>)>,
}

/// Writes `layers` (coordinates in `crs`) to the GeoPackage `out`, atomically: in `crs` when it has an EPSG
/// code, else in longitude/latitude (EPSG:4326).
pub(crate) fn write_gpkg(
    out: &std::path::Path,
    crs: &Crs,
    mut layers: Vec<OutLayer>,
) -> Result<(), AlgorithmError> {
    let fail = |e: String| AlgorithmError::Failed(format!("{}: {e}", out.display()));
    let srs = match crs.epsg {
        Some(e) => e as i32,
        None => {
            let t = Transformer::to_lonlat(crs).map_err(fail)?;
            for l in &mut layers {
                for (g, _) in &mut l.rows {
                    match g {
                        OutGeom::Polygons(ps) => {
                            for ring in ps.iter_mut().flatten() {
                                t.transform(ring).map_err(fail)?;
                            }
                        }
                        OutGeom::Point(p) => {
                            let mut a = [*p];
                            t.transform(&mut a).map_err(fail)?;
                            *p = a[0];
                        }
                        OutGeom::Lines(ls) => {
                            for l in ls.iter_mut() {
                                t.transform(l).map_err(fail)?;
                            }
                        }
                    }
                }
            }
            4326
        }
    };
    let w = GpkgWriter::create(out).map_err(|e| fail(e.to_string()))?;
    if srs != 4326 {
        w.add_srs(srs).map_err(|e| fail(e.to_string()))?;
    }
    for l in &layers {
        let kind = match l.rows.first().map(|r| &r.0) {
            Some(OutGeom::Point(_)) => "POINT",
            Some(OutGeom::Lines(_)) => "MULTILINESTRING",
            _ => "MULTIPOLYGON",
        };
        let mut lw = w
            .layer(&l.table, &l.table, Some(kind), srs, &l.fields)
            .map_err(|e| fail(e.to_string()))?;
        for (g, values) in &l.rows {
            let mut bb = BBox::EMPTY;
            let blob = match g {
                OutGeom::Polygons(ps) => {
                    for c in ps.iter().flatten().flatten() {
                        bb.add(c[0], c[1]);
                    }
                    crate::core::io::wkb::gpkg_blob_multipolygon(srs, ps)
                }
                OutGeom::Point(p) => {
                    bb.add(p[0], p[1]);
                    crate::core::io::wkb::gpkg_blob_point(srs, p[0], p[1])
                }
                OutGeom::Lines(ls) => {
                    for c in ls.iter().flatten() {
                        bb.add(c[0], c[1]);
                    }
                    crate::core::io::wkb::gpkg_blob_multilinestring(srs, ls)
                }
            };
            lw.add(Some((&blob, bb)), values)
                .map_err(|e| fail(e.to_string()))?;
        }
        lw.finish().map_err(|e| fail(e.to_string()))?;
    }
    w.finish().map_err(|e| fail(e.to_string()))?;
    Ok(())
}

/// The area-weighted centroid of polygons (exterior rings positive, holes negative by orientation), m.
fn centroid(polys: &[Vec<Vec<[f64; 2]>>]) -> Option<[f64; 2]> {
    let (mut a, mut cx, mut cy) = (0.0, 0.0, 0.0);
    for poly in polys {
        for (k, r) in poly.iter().enumerate() {
            // Exterior counter-clockwise, holes clockwise, whatever the file wrote.
            let sa = crate::core::model::geom::ring_signed_area(r);
            let sign = if (k == 0) == (sa >= 0.0) { 1.0 } else { -1.0 };
            for w in r.windows(2) {
                let cross = w[0][0] * w[1][1] - w[1][0] * w[0][1];
                a += sign * cross / 2.0;
                cx += sign * (w[0][0] + w[1][0]) * cross / 6.0;
                cy += sign * (w[0][1] + w[1][1]) * cross / 6.0;
            }
        }
    }
    (a.abs() > 0.0).then(|| [cx / a, cy / a])
}

fn closed(mut ring: Vec<[f64; 2]>) -> Vec<[f64; 2]> {
    if ring.first() != ring.last() {
        if let Some(f) = ring.first().copied() {
            ring.push(f);
        }
    }
    ring
}

fn spatial_params(extra: Vec<Param>) -> Vec<Param> {
    let mut ps = register_params();
    ps.push(chain_param(false));
    ps.push(link_param());
    ps.extend(extra);
    ps
}

impl Algorithm for ChainDensity {
    fn id(&self) -> &'static str {
        "chain density"
    }
    fn name(&self) -> (&'static str, &'static str) {
        ("企业核密度", "Kernel density of firms")
    }
    fn description(&self) -> (&'static str, &'static str) {
        (
            "一条产业链（或一个环节）企业的核密度：Silverman 四次核（与 QGIS 热力图、ArcGIS 核密度同一核），单位 家/km²（或 万元/km²、人/km²），积分等于总权重；输出 GeoTIFF 或分级面 GeoPackage",
            "Kernel density of a chain's (or a link's) firms: Silverman's quartic kernel (the one of QGIS Heatmap and ArcGIS Kernel Density), in firms (or 万元, employees) per km², integrating to the total weight; written as a GeoTIFF or as classed polygons in a GeoPackage",
        )
    }
    fn group(&self) -> (&'static str, &'static str) {
        GROUP
    }
    fn parameters(&self) -> Vec<Param> {
        spatial_params(vec![
            weight_param(),
            param(
                "radius",
                ("搜索半径（米）", "Radius (m)"),
                ("核的半径，米", "The kernel's radius, metres"),
                ParamKind::Text,
                Some("1000"),
                false,
            ),
            param(
                "cell",
                ("像元（米）", "Cell (m)"),
                ("输出像元大小，米（默认半径的 1/10）", "Output cell size, metres (default: a tenth of the radius)"),
                ParamKind::Text,
                None,
                true,
            ),
            out_param(
                &["gpkg", "tif"],
                (
                    "输出：.tif 为栅格（每平方公里），.gpkg 为五级等间距分级面",
                    "Output: .tif a raster (per km²), .gpkg five equal-interval classes as polygons",
                ),
            ),
        ])
    }

    fn run(&self, params: &Params, progress: &Progress) -> Result<Outcome, AlgorithmError> {
        let params = self.check(params)?;
        let radius = number(&params, "radius", 1000.0)?;
        let cell = number(&params, "cell", radius / 10.0)?;
        let sel = select(&params, progress)?;
        let pts: Vec<[f64; 2]> = sel.members.iter().map(|&i| sel.reg.points[i]).collect();
        let mut ext = BBox::EMPTY;
        for p in &pts {
            ext.add(p[0], p[1]);
        }
        progress.stage("核密度 / kernel density", 0);
        let g =
            crate::core::analysis::density::kernel_density(&pts, &sel.weights, ext, cell, radius)
                .map_err(AlgorithmError::BadParameters)?;
        let out = params.path("out").expect("required");
        let unit = match params.text("weight") {
            Some("output") => "万元/km²",
            Some("employees") => "人/km²",
            _ => "家/km²",
        };
        let peak = g.values.iter().cloned().fold(0.0, f64::max);
        let tif = out
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("tif") || e.eq_ignore_ascii_case("tiff"));
        if tif {
            write_geotiff(&out, &g, &sel.crs)?;
        } else {
            // Five equal-interval classes of the peak, cells of no density left out; each class's cells merged
            // into row runs.
            let classes = 5usize;
            let step = peak / classes as f64;
            let mut rows = Vec::new();
            if step > 0.0 {
                let mut polys: Vec<Vec<Vec<Vec<[f64; 2]>>>> = vec![Vec::new(); classes];
                for r in 0..g.rows {
                    let y1 = g.max_y - r as f64 * g.cell;
                    let y0 = y1 - g.cell;
                    let mut c = 0;
                    while c < g.cols {
                        let v = g.values[r * g.cols + c];
                        let k = class_of(v, step, classes);
                        let start = c;
                        while c < g.cols && class_of(g.values[r * g.cols + c], step, classes) == k {
                            c += 1;
                        }
                        if let Some(k) = k {
                            let x0 = g.min_x + start as f64 * g.cell;
                            let x1 = g.min_x + c as f64 * g.cell;
                            polys[k].push(vec![vec![
                                [x0, y0],
                                [x1, y0],
                                [x1, y1],
                                [x0, y1],
                                [x0, y0],
                            ]]);
                        }
                    }
                }
                for (k, p) in polys.into_iter().enumerate() {
                    if p.is_empty() {
                        continue;
                    }
                    let (lo, hi) = (k as f64 * step, (k + 1) as f64 * step);
                    // One feature per row run: runs of a class touch along edges, so one multipolygon of them
                    // would not be valid.
                    for run in p {
                        rows.push((
                            OutGeom::Polygons(vec![run]),
                            vec![
                                OutValue::Int(k as i64 + 1),
                                OutValue::Real(lo),
                                OutValue::Real(hi),
                                OutValue::Text(format!("{lo:.1}–{hi:.1} {unit}")),
                            ],
                        ));
                    }
                }
            }
            write_gpkg(
                &out,
                &sel.crs,
                vec![OutLayer {
                    table: "density".into(),
                    fields: vec![
                        ("class", FieldType::Integer),
                        ("from_per_km2", FieldType::Real),
                        ("to_per_km2", FieldType::Real),
                        ("label", FieldType::Text),
                    ],
                    rows,
                }],
            )?;
        }
        let summary = format!(
            "{}：{} 家企业，半径 {radius} m，像元 {cell} m，{} × {}，峰值 {peak:.2} {unit}，积分 {:.2} → {} / {}: {} firms, radius {radius} m, cell {cell} m, {} × {}, peak {peak:.2} {unit}, integral {:.2}\n",
            sel.label, pts.len(), g.cols, g.rows, g.total(), out.display(),
            sel.label, pts.len(), g.cols, g.rows, g.total()
        );
        let mut o = Outcome {
            summary,
            notes: progress.notes(),
            files: vec![out],
            ..Default::default()
        };
        o.counts.insert("firms".into(), pts.len() as f64);
        o.counts.insert("peak".into(), peak);
        o.counts.insert("total".into(), g.total());
        o.counts.insert("weight".into(), sel.weights.iter().sum());
        Ok(o)
    }
}

/// The class (0-based) of a density value: `None` at zero.
fn class_of(v: f64, step: f64, classes: usize) -> Option<usize> {
    (v > 0.0 && step > 0.0).then(|| ((v / step) as usize).min(classes - 1))
}

/// Writes a density grid as a one-band Float32 GeoTIFF in `crs`, atomically.
fn write_geotiff(
    out: &std::path::Path,
    g: &crate::core::analysis::density::DensityGrid,
    crs: &Crs,
) -> Result<(), AlgorithmError> {
    use gdal::raster::Buffer;
    let fail = |e: String| AlgorithmError::Failed(format!("{}: {e}", out.display()));
    let tmp = crate::core::io::files::temp_beside(out);
    let result = (|| -> Result<(), String> {
        let driver = gdal::DriverManager::get_driver_by_name("GTiff").map_err(|e| e.to_string())?;
        let mut ds = driver
            .create_with_band_type::<f32, _>(&tmp, g.cols, g.rows, 1)
            .map_err(|e| e.to_string())?;
        ds.set_geo_transform(&[g.min_x, g.cell, 0.0, g.max_y, 0.0, -g.cell])
            .map_err(|e| e.to_string())?;
        if let Some(srs) = crs.spatial_ref() {
            ds.set_spatial_ref(&srs).map_err(|e| e.to_string())?;
        }
        let mut band = ds.rasterband(1).map_err(|e| e.to_string())?;
        let data: Vec<f32> = g.values.iter().map(|v| *v as f32).collect();
        let mut buf = Buffer::new((g.cols, g.rows), data);
        band.write((0, 0), (g.cols, g.rows), &mut buf)
            .map_err(|e| e.to_string())?;
        ds.flush_cache().map_err(|e| e.to_string())?;
        Ok(())
    })();
    match result.and_then(|_| std::fs::rename(&tmp, out).map_err(|e| e.to_string())) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(fail(e))
        }
    }
}

impl Algorithm for ChainHotspots {
    fn id(&self) -> &'static str {
        "chain hotspots"
    }
    fn name(&self) -> (&'static str, &'static str) {
        ("企业热点（Gi*）", "Hot spots of firms (Gi*)")
    }
    fn description(&self) -> (&'static str, &'static str) {
        (
            "Getis-Ord Gi* 热点分析（ArcGIS 的形式：固定距离带二值权重，含自身）：在六边形网格或村界上统计企业，给出 z 值、p 值和 99/95/90% 热点、冷点（可做错误发现率校正）",
            "Getis-Ord Gi* hot spots (the ArcGIS form: a fixed distance band, binary weights, the feature itself included): firms counted on a hexagon grid or on village polygons, with z, p and 99/95/90 % hot and cold spots (false discovery rate correction available)",
        )
    }
    fn group(&self) -> (&'static str, &'static str) {
        GROUP
    }
    fn parameters(&self) -> Vec<Param> {
        spatial_params(vec![
            weight_param(),
            param(
                "units",
                ("统计单元", "Units"),
                ("在哪些面上统计", "The polygons firms are counted on"),
                ParamKind::Choice {
                    values: &[("hexagons", "六边形网格", "Hexagons"), ("villages", "村界", "Villages")],
                },
                Some("hexagons"),
                false,
            ),
            param(
                "width",
                ("六边形宽（米）", "Hexagon width (m)"),
                ("六边形对边距离，米", "Hexagons' width across the flats, metres"),
                ParamKind::Text,
                Some("1000"),
                false,
            ),
            param(
                "band",
                ("距离带（米）", "Distance band (m)"),
                (
                    "邻域距离，米（默认：保证每个单元至少有一个邻居的最小距离）",
                    "The neighbourhood distance, metres (default: the least that gives every unit a neighbour)",
                ),
                ParamKind::Text,
                None,
                true,
            ),
            param(
                "no_fdr",
                ("不做 FDR 校正", "No FDR correction"),
                (
                    "不做错误发现率校正（默认做）",
                    "Skip the false discovery rate correction (applied by default)",
                ),
                ParamKind::Flag,
                None,
                true,
            ),
            param(
                "permutations",
                ("置换次数", "Permutations"),
                (
                    "置换检验次数（如 999）：给出伪 p 值并据此分级；0 为按正态分布（默认）",
                    "Permutations (such as 999): pseudo p-values, used for the bins; 0 uses the normal distribution (default)",
                ),
                ParamKind::Text,
                Some("0"),
                true,
            ),
            out_param(&["gpkg"], ("输出 GeoPackage", "Output GeoPackage")),
        ])
    }

    fn run(&self, params: &Params, progress: &Progress) -> Result<Outcome, AlgorithmError> {
        use crate::core::analysis::hotspot::{gi_star, suggest_band, HexGrid};
        let params = self.check(params)?;
        let width = number(&params, "width", 1000.0)?;
        let sel = select(&params, progress)?;
        let file = params.path("file").expect("required");
        // The study area: the village polygons, in the firms' metric CRS.
        let villages =
            match read_role_layer(&file, params.text("villages"), Role::Villages, progress) {
                Ok(v) => Some(v),
                Err(e) if params.text("units") == Some("villages") => {
                    return Err(AlgorithmError::Failed(e))
                }
                Err(e) => {
                    progress.note(format!(
                        "{e}；六边形覆盖企业范围 / {e}; the hexagons cover the firms' extent"
                    ));
                    None
                }
            };
        let villages = match villages {
            Some(mut v) => {
                crate::core::analysis::scope::to_crs(&mut v.geoms, &v.crs, &sel.crs)
                    .map_err(|e| AlgorithmError::Failed(format!("{}: {e}", v.name)))?;
                Some(v)
            }
            None => None,
        };
        let pts: Vec<[f64; 2]> = sel.members.iter().map(|&i| sel.reg.points[i]).collect();
        // Units: rings, centres, values, names.
        let mut rings: Vec<Vec<Vec<Vec<[f64; 2]>>>> = Vec::new();
        let mut centres: Vec<[f64; 2]> = Vec::new();
        let mut values: Vec<f64> = Vec::new();
        let mut counts: Vec<usize> = Vec::new();
        let mut names: Vec<String> = Vec::new();
        let mut outside = 0usize;
        if params.text("units") == Some("villages") {
            let v = villages.as_ref().expect("checked above");
            let name_col = ["ZLDWMC", "CJMC", "name", "名称", "村名"]
                .iter()
                .find_map(|n| v.attrs.field_index(n));
            // Every part of every village, with its holes.
            let parts: Vec<Vec<Vec<Vec<[f64; 2]>>>> = (0..v.len())
                .map(|f| {
                    v.geoms
                        .parts(f)
                        .map(|p| p.rings().map(|r| closed(r.to_vec())).collect())
                        .collect()
                })
                .collect();
            values = vec![0.0; v.len()];
            counts = vec![0; v.len()];
            for (k, p) in pts.iter().enumerate() {
                match (0..v.len()).find(|&f| v.geoms.hit(f, p[0], p[1], 0.0)) {
                    Some(f) => {
                        values[f] += sel.weights[k];
                        counts[f] += 1;
                    }
                    None => outside += 1,
                }
            }
            for (f, ps) in parts.into_iter().enumerate() {
                // The centroid of the whole village (ArcGIS and PySAL take polygons' centroids).
                centres.push(centroid(&ps).unwrap_or_else(|| v.geoms.label_point(f)));
                names.push(
                    name_col
                        .map(|c| v.attrs.get(f, c).to_string())
                        .unwrap_or_default(),
                );
                rings.push(ps);
            }
            if params.text("width").is_some_and(|w| w != "1000") {
                progress.note("按村统计时不用六边形宽度 / the hexagon width is not used with villages as units");
            }
        } else {
            let mut ext = BBox::EMPTY;
            match &villages {
                Some(v) => ext = v.geoms.extent(),
                None => pts.iter().for_each(|p| ext.add(p[0], p[1])),
            }
            let grid = HexGrid::new([ext.min_x, ext.min_y, ext.max_x, ext.max_y], width)
                .map_err(AlgorithmError::BadParameters)?;
            let mut held: std::collections::HashMap<(i64, i64), (f64, usize)> = Default::default();
            for (k, p) in pts.iter().enumerate() {
                let e = held.entry(grid.locate(*p)).or_default();
                e.0 += sel.weights[k];
                e.1 += 1;
            }
            for (r, c) in grid.cells() {
                let centre = grid.centre(r, c);
                let has = held.get(&(r, c)).copied();
                let keep = has.is_some()
                    || match &villages {
                        Some(v) => (0..v.len()).any(|f| v.geoms.hit(f, centre[0], centre[1], 0.0)),
                        None => true,
                    };
                if !keep {
                    continue;
                }
                let (w, n) = has.unwrap_or((0.0, 0));
                centres.push(centre);
                values.push(w);
                counts.push(n);
                rings.push(vec![vec![closed(grid.ring(r, c))]]);
                names.push(String::new());
            }
        }
        if outside > 0 {
            progress.note(format!(
                "{outside} 家企业不在任何村界内，未计入 / {outside} firms lie in no village polygon and are not counted"
            ));
        }
        let band = match params.text("band") {
            Some(_) => number(&params, "band", 0.0)?,
            None => suggest_band(&centres).ok_or_else(|| {
                AlgorithmError::Failed("统计单元不足 3 个 / fewer than 3 units".into())
            })?,
        };
        progress.stage("Gi* 热点 / Gi* hot spots", 0);
        let fdr = !params.flag("no_fdr");
        let mut gi = gi_star(&centres, &values, band, fdr).map_err(AlgorithmError::Failed)?;
        let permutations = whole(&params, "permutations")?;
        let p_sim = if permutations > 0 {
            let p = crate::core::analysis::hotspot::gi_star_pseudo_p(
                &centres,
                &values,
                band,
                permutations,
                12_345,
                progress,
            )
            .map_err(AlgorithmError::Failed)?;
            let z: Vec<f64> = gi.iter().map(|g| g.z).collect();
            for (g, b) in gi
                .iter_mut()
                .zip(crate::core::analysis::hotspot::bins(&z, &p, fdr))
            {
                g.bin = b;
            }
            Some(p)
        } else {
            None
        };
        let label = |b: i8| match b {
            3 => "热点 99%",
            2 => "热点 95%",
            1 => "热点 90%",
            -1 => "冷点 90%",
            -2 => "冷点 95%",
            -3 => "冷点 99%",
            _ => "不显著",
        };
        let rows: Vec<(OutGeom, Vec<OutValue>)> = gi
            .iter()
            .enumerate()
            .map(|(k, g)| {
                (
                    OutGeom::Polygons(rings[k].clone()),
                    vec![
                        OutValue::Text(names[k].clone()),
                        OutValue::Int(counts[k] as i64),
                        OutValue::Real(values[k]),
                        OutValue::Real(g.z),
                        OutValue::Real(g.p),
                        OutValue::Int(g.bin as i64),
                        OutValue::Text(label(g.bin).into()),
                        OutValue::Int(g.neighbours as i64),
                        p_sim
                            .as_ref()
                            .map_or(OutValue::Null, |p| OutValue::Real(p[k])),
                    ],
                )
            })
            .collect();
        let out = params.path("out").expect("required");
        write_gpkg(
            &out,
            &sel.crs,
            vec![OutLayer {
                table: "hotspots".into(),
                fields: vec![
                    ("name", FieldType::Text),
                    ("firms", FieldType::Integer),
                    ("value", FieldType::Real),
                    ("gi_z", FieldType::Real),
                    ("gi_p", FieldType::Real),
                    ("gi_bin", FieldType::Integer),
                    ("class", FieldType::Text),
                    ("neighbours", FieldType::Integer),
                    ("gi_p_sim", FieldType::Real),
                ],
                rows,
            }],
        )?;
        let hot = gi.iter().filter(|g| g.bin > 0).count();
        let cold = gi.iter().filter(|g| g.bin < 0).count();
        let summary = format!(
            "{}：{} 个单元，距离带 {band:.0} m{}，热点 {hot}、冷点 {cold} → {} / {}: {} units, band {band:.0} m{}, {hot} hot, {cold} cold\n",
            sel.label, gi.len(), if fdr { "，FDR 校正" } else { "" }, out.display(),
            sel.label, gi.len(), if fdr { ", FDR corrected" } else { "" }
        );
        let mut o = Outcome {
            summary,
            notes: progress.notes(),
            files: vec![out],
            ..Default::default()
        };
        o.counts.insert("units".into(), gi.len() as f64);
        o.counts.insert("band".into(), band);
        o.counts.insert("hot".into(), hot as f64);
        o.counts.insert("cold".into(), cold as f64);
        Ok(o)
    }
}

impl Algorithm for ChainClusters {
    fn id(&self) -> &'static str {
        "chain clusters"
    }
    fn name(&self) -> (&'static str, &'static str) {
        ("产业集群（DBSCAN）", "Industrial clusters (DBSCAN)")
    }
    fn description(&self) -> (&'static str, &'static str) {
        (
            "按密度聚类（DBSCAN，与 scikit-learn 定义相同）找出企业集群，输出集群面（成员外包并外扩半径的一半）和成员名单",
            "Density-based clustering (DBSCAN, as scikit-learn defines it) of a chain's firms: cluster polygons (the members' hull grown by half the radius) and their member lists",
        )
    }
    fn group(&self) -> (&'static str, &'static str) {
        GROUP
    }
    fn parameters(&self) -> Vec<Param> {
        spatial_params(vec![
            param(
                "eps",
                ("邻域半径（米）", "Radius eps (m)"),
                (
                    "两家企业算邻居的最大距离，米",
                    "The largest distance at which two firms are neighbours, metres",
                ),
                ParamKind::Text,
                Some("500"),
                false,
            ),
            param(
                "min_firms",
                ("最少企业数", "Minimum firms"),
                (
                    "核心企业半径内至少有几家企业（含自身）",
                    "Firms a core firm needs within the radius, itself included",
                ),
                ParamKind::Text,
                Some("5"),
                false,
            ),
            out_param(
                &["gpkg"],
                (
                    "输出 GeoPackage（集群面和成员点）",
                    "Output GeoPackage (cluster polygons and member points)",
                ),
            ),
        ])
    }

    fn run(&self, params: &Params, progress: &Progress) -> Result<Outcome, AlgorithmError> {
        use crate::core::analysis::cluster::{cluster_polygons, dbscan};
        let params = self.check(params)?;
        let eps = number(&params, "eps", 500.0)?;
        if eps > 100_000.0 {
            return Err(AlgorithmError::BadParameters(format!(
                "--eps {eps} m 太大：集群的邻域半径至多 100 km / --eps {eps} m is too large: at most 100 km"
            )));
        }
        let min = number(&params, "min_firms", 5.0)?;
        if min.fract() != 0.0 {
            return Err(AlgorithmError::BadParameters(format!(
                "--min-firms 应为正整数：{min} / --min-firms must be a whole number: {min}"
            )));
        }
        let sel = select(&params, progress)?;
        let pts: Vec<[f64; 2]> = sel.members.iter().map(|&i| sel.reg.points[i]).collect();
        progress.stage("DBSCAN", 0);
        let labels = dbscan(&pts, eps, min as usize).map_err(AlgorithmError::BadParameters)?;
        let polys = cluster_polygons(&pts, &labels, eps);
        let mut cluster_rows = Vec::new();
        for (k, ring) in polys.iter().enumerate() {
            let members: Vec<usize> = (0..pts.len()).filter(|&j| labels[j] == k as i64).collect();
            let names: Vec<&str> = members
                .iter()
                .map(|&j| sel.reg.records[sel.members[j]].firm.name.as_str())
                .collect();
            let output: f64 = members
                .iter()
                .map(|&j| sel.reg.records[sel.members[j]].output)
                .sum();
            let employees: f64 = members
                .iter()
                .map(|&j| sel.reg.records[sel.members[j]].employees)
                .sum();
            let mut links: Vec<String> = members
                .iter()
                .flat_map(|&j| {
                    sel.reg.records[sel.members[j]]
                        .placed
                        .iter()
                        .map(|p| p.link.clone())
                })
                .collect();
            links.sort();
            links.dedup();
            let area_km2 = crate::core::model::geom::ring_signed_area(ring).abs() / 1e6;
            cluster_rows.push((
                OutGeom::Polygons(vec![vec![closed(ring.clone())]]),
                vec![
                    OutValue::Int(k as i64 + 1),
                    OutValue::Int(members.len() as i64),
                    OutValue::Real(output),
                    OutValue::Real(employees),
                    OutValue::Int(links.len() as i64),
                    OutValue::Real(area_km2),
                    OutValue::Text(names.join("；")),
                ],
            ));
        }
        let member_rows = (0..pts.len())
            .map(|j| {
                let r = &sel.reg.records[sel.members[j]];
                (
                    OutGeom::Point(pts[j]),
                    vec![
                        OutValue::Int(if labels[j] < 0 { -1 } else { labels[j] + 1 }),
                        OutValue::Text(r.firm.name.clone()),
                        OutValue::Text(r.firm.credit_code.clone()),
                        OutValue::Text(
                            r.placed
                                .iter()
                                .map(|p| p.link.as_str())
                                .collect::<Vec<_>>()
                                .join(" "),
                        ),
                        OutValue::Real(r.output),
                    ],
                )
            })
            .collect();
        let out = params.path("out").expect("required");
        write_gpkg(
            &out,
            &sel.crs,
            vec![
                OutLayer {
                    table: "clusters".into(),
                    fields: vec![
                        ("cluster", FieldType::Integer),
                        ("firms", FieldType::Integer),
                        ("output_wan", FieldType::Real),
                        ("employees", FieldType::Real),
                        ("links", FieldType::Integer),
                        ("area_km2", FieldType::Real),
                        ("members", FieldType::Text),
                    ],
                    rows: cluster_rows,
                },
                OutLayer {
                    table: "cluster_members".into(),
                    fields: vec![
                        ("cluster", FieldType::Integer),
                        ("name", FieldType::Text),
                        ("credit_code", FieldType::Text),
                        ("links", FieldType::Text),
                        ("output_wan", FieldType::Real),
                    ],
                    rows: member_rows,
                },
            ],
        )?;
        let noise = labels.iter().filter(|l| **l < 0).count();
        let summary = format!(
            "{}：{} 家企业，{} 个集群，{noise} 家不在集群中（eps {eps} m，至少 {min} 家）→ {} / {}: {} firms, {} clusters, {noise} outside any (eps {eps} m, at least {min})\n",
            sel.label, pts.len(), polys.len(), out.display(), sel.label, pts.len(), polys.len()
        );
        let mut o = Outcome {
            summary,
            notes: progress.notes(),
            files: vec![out],
            ..Default::default()
        };
        o.counts.insert("clusters".into(), polys.len() as f64);
        o.counts.insert("noise".into(), noise as f64);
        Ok(o)
    }
}

impl Algorithm for ChainColocation {
    fn id(&self) -> &'static str {
        "chain colocation"
    }
    fn name(&self) -> (&'static str, &'static str) {
        ("上下游共位", "Co-location of supply links")
    }
    fn description(&self) -> (&'static str, &'static str) {
        (
            "产业链每条供应关系（上游 → 下游）的共位商（Leslie 与 Kronenfeld）：下游企业的最近邻是上游企业的频率与随机期望之比，附置换检验 p 值；可输出每家下游企业的局部共位商",
            "The co-location quotient (Leslie & Kronenfeld) of every supply edge of a chain (upstream → downstream): how often a downstream firm's nearest neighbour is an upstream firm against chance, with a permutation p; optionally each downstream firm's local quotient",
        )
    }
    fn group(&self) -> (&'static str, &'static str) {
        GROUP
    }
    fn parameters(&self) -> Vec<Param> {
        let mut ps = register_params();
        ps.push(chain_param(true));
        ps.extend([
            param(
                "permutations",
                ("置换次数", "Permutations"),
                (
                    "置换检验的次数（0：不检验）",
                    "Permutations of the test (0: none)",
                ),
                ParamKind::Text,
                Some("999"),
                true,
            ),
            param(
                "neighbours",
                ("局部邻居数", "Local neighbours"),
                (
                    "局部共位商的近邻数 k",
                    "The k nearest neighbours of the local quotient",
                ),
                ParamKind::Text,
                Some("8"),
                true,
            ),
            super::chain::csv_json_param(),
            param(
                "out",
                ("输出文件", "Output file"),
                (
                    "全局共位商表（不给则打印）",
                    "The global quotients' table (printed when absent)",
                ),
                ParamKind::OutputFile {
                    extensions: &["csv", "json"],
                },
                None,
                false,
            ),
            param(
                "local",
                ("局部共位商", "Local quotients"),
                (
                    "每家下游企业的局部共位商 GeoPackage",
                    "A GeoPackage of every downstream firm's local quotient",
                ),
                ParamKind::OutputFile {
                    extensions: &["gpkg"],
                },
                None,
                true,
            ),
        ]);
        ps
    }

    fn run(&self, params: &Params, progress: &Progress) -> Result<Outcome, AlgorithmError> {
        use crate::core::analysis::colocation::{global_clq, local_clq, nearest_neighbours};
        use crate::core::analysis::neighbours::PointGrid;
        let params = self.check(params)?;
        let permutations = whole(&params, "permutations")?;
        let k = number(&params, "neighbours", 8.0)? as usize;
        if let Some(l) = params.path("local") {
            let file = params.path("file");
            let inputs: Vec<&std::path::Path> = file.iter().map(|p| p.as_path()).collect();
            crate::core::io::files::check_output(&l, &inputs).map_err(AlgorithmError::Failed)?;
        }
        let sel = select(&params, progress)?;
        let chains = load_chains(&params, &Progress::new())?;
        let chain = find_chain(&chains, params.text("chain").unwrap_or(""))?;
        // The population: the chain's firms with points.
        let pts: Vec<[f64; 2]> = sel.members.iter().map(|&i| sel.reg.points[i]).collect();
        let on = |link: &str| -> Vec<bool> {
            sel.members
                .iter()
                .map(|&i| {
                    sel.reg.records[i]
                        .placed
                        .iter()
                        .any(|p| p.chain == chain.name && p.link == link)
                })
                .collect()
        };
        let spacing = {
            let mut e = BBox::EMPTY;
            pts.iter().for_each(|p| e.add(p[0], p[1]));
            (e.width().max(e.height()) / (pts.len() as f64).sqrt()).max(1.0)
        };
        let grid = PointGrid::new(&pts, spacing);
        let nn = nearest_neighbours(&grid);
        let name = |id: &str| {
            chain
                .links
                .iter()
                .find(|l| l.id == id)
                .map_or(id.to_string(), |l| l.name.clone())
        };
        let mut rows = Vec::new();
        let mut local_rows = Vec::new();
        progress.stage("共位商 / co-location", 0);
        for [up, down] in &chain.edges {
            let (a, b) = (on(down), on(up));
            let c = global_clq(&grid, &nn, &a, &b, permutations);
            let verdict = match (c.clq, c.p) {
                (None, _) => "无法计算（缺一方企业）",
                (Some(q), Some(p)) if q > 1.0 && p <= 0.05 => "显著共位",
                (Some(q), _) if q > 1.0 => "共位（不显著）",
                _ => "未见共位",
            };
            if params.path("local").is_some() {
                for (j, l) in local_clq(&grid, &a, &b, k).into_iter().enumerate() {
                    if let Some(l) = l {
                        let r = &sel.reg.records[sel.members[j]];
                        local_rows.push((
                            OutGeom::Point(pts[j]),
                            vec![
                                OutValue::Text(format!("{up}→{down}")),
                                OutValue::Text(r.firm.name.clone()),
                                OutValue::Real(l),
                            ],
                        ));
                    }
                }
            }
            rows.push((up.clone(), down.clone(), name(up), name(down), c, verdict));
        }
        let text = if params.text("format") == Some("json") {
            let v: Vec<serde_json::Value> = rows
                .iter()
                .map(|(u, d, un, dn, c, verdict)| {
                    serde_json::json!({"upstream": u, "downstream": d, "upstream_name": un, "downstream_name": dn,
                        "clq": c.clq, "p": c.p, "n_downstream": c.n_a, "n_upstream": c.n_b, "n": c.n, "verdict": verdict})
                })
                .collect();
            serde_json::to_string_pretty(
                &serde_json::json!({"chain": chain.name, "permutations": permutations, "edges": v}),
            )
            .unwrap_or_default()
                + "\n"
        } else {
            let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
            let f = |v: Option<f64>| v.map(|v| format!("{v:.4}")).unwrap_or_default();
            let mut t = String::from("upstream,downstream,upstream_name,downstream_name,clq,p,n_downstream,n_upstream,n,verdict\n");
            for (u, d, un, dn, c, verdict) in &rows {
                t += &format!(
                    "{},{},{},{},{},{},{},{},{},{}\n",
                    q(u),
                    q(d),
                    q(un),
                    q(dn),
                    f(c.clq),
                    f(c.p),
                    c.n_a,
                    c.n_b,
                    c.n,
                    verdict
                );
            }
            t
        };
        let mut o = Outcome {
            summary: format!(
                "{}：{} 条供应关系，{} 家企业 / {}: {} supply edges, {} firms\n",
                chain.name,
                rows.len(),
                pts.len(),
                chain.name,
                rows.len(),
                pts.len()
            ),
            ..Default::default()
        };
        if let Some(l) = params.path("local") {
            write_gpkg(
                &l,
                &sel.crs,
                vec![OutLayer {
                    table: "local_colocation".into(),
                    fields: vec![
                        ("edge", FieldType::Text),
                        ("name", FieldType::Text),
                        ("lclq", FieldType::Real),
                    ],
                    rows: local_rows,
                }],
            )?;
            o.files.push(l);
        }
        write_or_print(&params, text, &mut o)?;
        if o.text.is_some() {
            progress.note(o.summary.trim_end());
            o.summary.clear();
        }
        o.notes = progress.notes();
        o.counts.insert("edges".into(), rows.len() as f64);
        Ok(o)
    }
}

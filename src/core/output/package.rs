//! The data package of a scope: one GeoPackage a town or village cadre takes away, holding
//! every layer cut to the scope, the department tables of its villages and where all of it came
//! from. It opens in YiTu, QGIS and ArcGIS.
//!
//! - Layers: every feature in scope ([`crate::core::analysis::scope`]) is copied whole and unchanged — the
//!   geometry bytes and every column as stored, so codes stay text and areas stay what the
//!   survey recorded (a parcel is never cut: its TBDLMJ would no longer match its shape). From a
//!   GeoPackage the table is copied row by row with its own definition and CRS; other formats
//!   are written from what YiTu read.
//! - Department tables (the joins of the village layer): the rows matching the scope's villages.
//! - `yitu_package`: what the package is (scope, date, YiTu version, sources, counts).
//!
//! The file is written under a temporary name and moved into place when complete.

use crate::core::analysis::profile::Scope;
use crate::core::analysis::scope::ScopeArea;
use crate::core::data::cache::{Cache, VersionInfo};
use crate::core::data::join::{join, JoinSpec, RowMatches};
use crate::core::io::gpkg_write::{GpkgWriter, OutValue};
use crate::core::io::read::is_geopackage;
use crate::core::model::attrs::{AttributeTable, FieldType, Value};
use crate::core::model::geom::{GeomKind, GeometryStore};
use crate::core::model::layer::VectorLayer;
use crate::core::model::progress::Progress;
use anyhow::Context as _;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// A department table joined to the village layer: the package keeps the rows matching the
/// scope's villages (all rows for the county).
pub struct PackageTable {
    /// Dataset name (the table's name in the package).
    pub name: String,
    /// The version used, for the sources table.
    pub info: Option<VersionInfo>,
    /// All its rows.
    pub attrs: AttributeTable,
    /// Which rows each village matched.
    pub matches: RowMatches,
}

/// The department tables joined to the village layer by `specs`, loaded from `cache` and
/// matched again. A table that cannot be loaded or joined is left out with a message.
pub fn department_tables(
    cache: &Cache,
    villages: &VectorLayer,
    specs: &[JoinSpec],
) -> (Vec<PackageTable>, Vec<String>) {
    let mut out = Vec::new();
    let mut msgs = Vec::new();
    for spec in specs {
        let table = match cache.load_table(&spec.dataset, None) {
            Ok(t) => t,
            Err(e) => {
                msgs.push(format!("{}: {e}", spec.dataset));
                continue;
            }
        };
        match join(&villages.attrs, &table.attrs, spec) {
            Ok(j) => out.push(PackageTable {
                name: spec.dataset.clone(),
                info: Some(table.info),
                attrs: table.attrs,
                matches: j.matches,
            }),
            Err(e) => msgs.push(format!("{}: {e}", spec.dataset)),
        }
    }
    (out, msgs)
}

/// What went into a package.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct PackageSummary {
    /// The file written.
    pub path: PathBuf,
    /// Villages in scope.
    pub villages: usize,
    /// Per layer: table name in the package, features written, features in the source layer.
    pub layers: Vec<(String, usize, usize)>,
    /// Per department table: name, rows written.
    pub tables: Vec<(String, usize)>,
    /// Basemap tiles copied (the `basemap` tile pyramid).
    pub basemap_tiles: usize,
    /// What was done on the way (department tables imported into the cache…).
    pub notes: Vec<String>,
    /// Things the user should know (layers that could not be read, tables left out…).
    pub warnings: Vec<String>,
}

impl PackageSummary {
    /// One line per layer and table, Chinese / English.
    pub fn text(&self) -> String {
        let mut s = format!(
            "{}：{} 个村 / {} villages\n",
            self.path.display(),
            self.villages,
            self.villages
        );
        for (name, kept, total) in &self.layers {
            s += &format!("  {name}: {kept} / {total} 个要素 / features\n");
        }
        for (name, rows) in &self.tables {
            s += &format!("  {name}: {rows} 行 / rows\n");
        }
        if self.basemap_tiles > 0 {
            s += &format!("  底图 / basemap: {} 个瓦片 / tiles\n", self.basemap_tiles);
        }
        for n in &self.notes {
            s += &format!("  · {n}\n");
        }
        for w in &self.warnings {
            s += &format!("  ！{w}\n");
        }
        s
    }
}

/// Writes the package of `scope` to `out`: the features of `layers` in scope (the scope's
/// villages are taken from `villages`, one of `layers` or not; the county needs none) and the
/// given table rows.
pub fn write_package(
    layers: &[&VectorLayer],
    villages: Option<&VectorLayer>,
    scope: &Scope,
    tables: &[PackageTable],
    basemap: Option<&Path>,
    out: &Path,
    progress: &Progress,
) -> anyhow::Result<PackageSummary> {
    // Writing over a source would replace the county's data with a part of it.
    let canon = |p: &Path| std::fs::canonicalize(p).ok();
    if let Some(o) = canon(out) {
        for l in layers.iter().chain(villages.as_ref()) {
            anyhow::ensure!(
                canon(&l.source.path).as_ref() != Some(&o),
                "数据包不能覆盖其源数据 {} / the package cannot replace its own source {}",
                out.display(),
                out.display()
            );
        }
    }
    let area = match villages {
        Some(v) => ScopeArea::new(v, scope)?,
        None if *scope == Scope::County => None,
        None => anyhow::bail!("没有村界图层 / no village layer"),
    };
    let mut summary = PackageSummary {
        path: out.to_path_buf(),
        villages: area
            .as_ref()
            .map(|a| a.villages.len())
            .unwrap_or_else(|| villages.map(|v| v.len()).unwrap_or(0)),
        ..Default::default()
    };
    let mut keep: Vec<Vec<bool>> = Vec::with_capacity(layers.len());
    for l in layers {
        progress.stage(
            &format!("按范围选取 {} / selecting {} in scope", l.name, l.name),
            l.len() as u64,
        );
        keep.push(match &area {
            Some(a) => {
                let (m, stats) = a.members_noting(l, progress)?;
                summary.warnings.extend(stats.warning(&l.name));
                m
            }
            None => vec![true; l.len()],
        });
    }
    crate::core::io::files::check_writable(out).map_err(anyhow::Error::msg)?;
    progress.stage("写入数据包 / writing the package", layers.len() as u64 + 1);
    let w = GpkgWriter::create(out)
        .with_context(|| format!("无法创建 / cannot create {}", out.display()))?;
    let mut used_names: HashSet<String> = HashSet::new();
    for (i, l) in layers.iter().enumerate() {
        let mut name = l.source.layer.clone();
        let mut k = 2;
        while !used_names.insert(name.to_ascii_lowercase()) {
            name = format!("{}_{k}", l.source.layer);
            k += 1;
        }
        let fids: HashSet<i64> = keep[i]
            .iter()
            .zip(&l.fids)
            .filter(|(k, _)| **k)
            .map(|(_, f)| *f)
            .collect();
        let n = if is_geopackage(&l.source.path) {
            let src = crate::core::io::gpkg::open(&l.source.path)?;
            if area.is_some() && crate::core::io::gpkg_write::is_view(&src, &l.source.layer) {
                // A view's rows have no id to cut by.
                summary.warnings.push(format!(
                    "{name} 是视图，无法按范围裁切，未放入数据包 / {name} is a view: it cannot be cut to the scope and was left out"
                ));
                continue;
            }
            let keep = area.is_some().then_some(&fids);
            w.copy_features(&src, &l.source.layer, &name, keep)
                .with_context(|| {
                    format!("复制图层 {} 失败 / copying layer {} failed", l.name, l.name)
                })?
        } else {
            write_loaded(&w, l, &name, &keep[i])?
        };
        if area.is_some() && n != fids.len() {
            summary.warnings.push(format!(
                "{name}: 源文件中有 {} 个要素已找不到（文件已更改？）/ {} features no longer found in the source (file changed?)",
                fids.len() - n,
                fids.len() - n
            ));
        }
        summary.layers.push((name, n, l.len()));
        progress.set(i as u64 + 1)?;
    }
    for t in tables {
        let mut name = t.name.clone();
        // Names GeoPackage and SQLite keep for themselves are never a department table's.
        let reserved = |n: &str| {
            let l = n.to_ascii_lowercase();
            l.starts_with("gpkg_")
                || l.starts_with("rtree_")
                || l.starts_with("sqlite_")
                || l == "yitu_package"
                || l == "basemap"
                || l == "tiles"
                || l == "metadata"
        };
        if reserved(&name) {
            name = format!("t_{name}");
        }
        while !used_names.insert(name.to_ascii_lowercase()) {
            name.push('_');
        }
        let rows: Vec<u32> = match &area {
            Some(a) => t.matches.table_rows(&a.villages),
            None => (0..t.attrs.len() as u32).collect(),
        };
        write_table(&w, &name, &t.attrs, &rows)?;
        summary.tables.push((name, rows.len()));
    }
    if let Some(b) = basemap {
        match write_basemap(&w, b, area.as_ref()) {
            Ok(n) => summary.basemap_tiles = n,
            Err(e) => summary.warnings.push(format!(
                "底图未放入数据包 / the basemap was left out: {e:#}"
            )),
        }
    }
    write_about(&w, scope, villages, &area, layers, tables, &summary)?;
    w.finish()?;
    progress.set(layers.len() as u64 + 1)?;
    Ok(summary)
}

/// Copies the tiles of the offline basemap `path` (MBTiles, or another package) covering the
/// scope (all of them for the county) into the `basemap` tile pyramid. Returns the tile count.
fn write_basemap(w: &GpkgWriter, path: &Path, area: Option<&ScopeArea>) -> anyhow::Result<usize> {
    let mb = crate::core::io::tiles::MbTiles::open(path)?;
    let bbox = match area {
        Some(a) => Some(a.lonlat_bbox().ok_or_else(|| {
            anyhow::anyhow!("范围无法换算为经纬度 / the scope has no lon/lat extent")
        })?),
        None => None,
    };
    let tiles = mb.tiles_in(bbox)?;
    anyhow::ensure!(
        !tiles.is_empty(),
        "底图在范围内没有瓦片 / the basemap has no tiles over the scope"
    );
    let size = image::ImageReader::new(std::io::Cursor::new(&tiles[0].3))
        .with_guessed_format()
        .ok()
        .and_then(|r| r.into_dimensions().ok())
        .map(|(w, _)| w)
        .unwrap_or(256);
    let (minz, maxz) = tiles
        .iter()
        .fold((u8::MAX, 0), |(a, b), t| (a.min(t.0), b.max(t.0)));
    let [w0, s0, e0, n0] = bbox
        .or(mb.info.bounds)
        .unwrap_or([-180.0, -85.0511, 180.0, 85.0511]);
    let meta = [
        ("name", format!("{} (YiTu)", mb.info.name)),
        ("format", mb.info.format.clone()),
        ("bounds", format!("{w0},{s0},{e0},{n0}")),
        ("minzoom", minz.to_string()),
        ("maxzoom", maxz.to_string()),
        ("attribution", mb.info.attribution.clone()),
        ("type", "baselayer".into()),
    ];
    let n = w.tile_pyramid(
        "basemap",
        &format!("底图 / basemap: {}", mb.info.name),
        size,
        &meta,
        tiles.into_iter().map(Ok),
    )?;
    Ok(n)
}

fn out_value(v: Value) -> OutValue {
    match v {
        Value::Null => OutValue::Null,
        Value::Int(i) => OutValue::Int(i),
        Value::Real(r) if r.is_nan() => OutValue::Null,
        Value::Real(r) => OutValue::Real(r),
        Value::Text(t) => OutValue::Text(t.to_string()),
    }
}

fn write_table(
    w: &GpkgWriter,
    name: &str,
    attrs: &AttributeTable,
    rows: &[u32],
) -> anyhow::Result<()> {
    let fields: Vec<(&str, FieldType)> = attrs
        .fields
        .iter()
        .map(|f| (f.name.as_str(), f.ftype))
        .collect();
    let mut lw = w.layer(name, name, None, 0, &fields)?;
    let mut vals = Vec::with_capacity(fields.len());
    for &r in rows {
        vals.clear();
        vals.extend((0..fields.len()).map(|c| out_value(attrs.get(r as usize, c))));
        lw.add(None, &vals)?;
    }
    lw.finish()?;
    Ok(())
}

/// The GeoPackage blob of feature `f` (in the store's CRS), or `None` for an empty geometry.
fn feature_blob(store: &GeometryStore, f: usize, srs: i32) -> Option<Vec<u8>> {
    match store.kinds[f] {
        GeomKind::Polygon => {
            let polys: Vec<Vec<Vec<[f64; 2]>>> = store
                .parts(f)
                .map(|p| p.rings().map(|r| r.to_vec()).collect())
                .collect();
            Some(crate::core::io::wkb::gpkg_blob_multipolygon(srs, &polys))
        }
        GeomKind::Line => {
            let lines: Vec<Vec<[f64; 2]>> = store.rings(f).map(|r| r.to_vec()).collect();
            Some(crate::core::io::wkb::gpkg_blob_multilinestring(srs, &lines))
        }
        GeomKind::Point => {
            let pts: Vec<[f64; 2]> = store.rings(f).flatten().copied().collect();
            Some(crate::core::io::wkb::gpkg_blob_multipoint(srs, &pts))
        }
        GeomKind::Empty => None,
    }
}

/// Writes a layer read from a format other than GeoPackage, from its loaded data.
fn write_loaded(
    w: &GpkgWriter,
    l: &VectorLayer,
    name: &str,
    keep: &[bool],
) -> anyhow::Result<usize> {
    let srs = match l.crs.epsg {
        Some(e) => {
            w.add_srs(e as i32)?;
            e as i32
        }
        None => -1,
    };
    let kind = l.kind();
    let gtype = match kind {
        GeomKind::Polygon => "MULTIPOLYGON",
        GeomKind::Line => "MULTILINESTRING",
        GeomKind::Point => "MULTIPOINT",
        GeomKind::Empty => "GEOMETRY",
    };
    let fields: Vec<(&str, FieldType)> = l
        .attrs
        .fields
        .iter()
        .map(|f| (f.name.as_str(), f.ftype))
        .collect();
    let mut lw = w.layer(name, name, Some(gtype), srs, &fields)?;
    let mut n = 0;
    let mut vals = Vec::with_capacity(fields.len());
    for f in (0..l.len()).filter(|&f| keep[f]) {
        vals.clear();
        vals.extend((0..fields.len()).map(|c| out_value(l.attrs.get(f, c))));
        let blob = feature_blob(&l.geoms, f, srs);
        lw.add(blob.as_deref().map(|b| (b, l.geoms.bboxes[f])), &vals)?;
        n += 1;
    }
    lw.finish()?;
    Ok(n)
}

/// The `yitu_package` table: what this package is and where its data came from.
fn write_about(
    w: &GpkgWriter,
    scope: &Scope,
    villages: Option<&VectorLayer>,
    area: &Option<ScopeArea>,
    layers: &[&VectorLayer],
    tables: &[PackageTable],
    summary: &PackageSummary,
) -> anyhow::Result<()> {
    let mut lw = w.layer(
        "yitu_package",
        "数据包说明 / about this package",
        None,
        0,
        &[("item", FieldType::Text), ("value", FieldType::Text)],
    )?;
    let (kind, code) = match scope {
        Scope::County => ("全县 / county", String::new()),
        Scope::Town(c) => ("乡镇 / town", c.clone()),
        Scope::Village(c) => ("村 / village", c.clone()),
    };
    let mut names: Vec<String> = Vec::new();
    let name_col = villages
        .and_then(|v| crate::core::analysis::scope::village_name_field(&v.attrs).map(|c| (v, c)));
    if let (Some(a), Some((villages, col))) = (area, name_col) {
        for &f in a.villages.iter().take(50) {
            names.push(villages.attrs.get(f as usize, col).to_string());
        }
        if a.villages.len() > 50 {
            names.push(format!(
                "… 共 {} 个 / {} in all",
                a.villages.len(),
                a.villages.len()
            ));
        }
    }
    let mut rows: Vec<(String, String)> = vec![
        ("范围 / scope".into(), format!("{kind} {code}").trim().to_string()),
        ("村 / villages".into(), names.join("、")),
        ("生成时间 / created (UTC)".into(), crate::core::data::cache::now_utc()),
        (
            "生成软件 / written by".into(),
            format!("YiTu 一图 {}", env!("CARGO_PKG_VERSION")),
        ),
        (
            "规则 / rule".into(),
            "范围内（与所选村有重叠面积）的要素整体复制，属性与图形不变 / features sharing area with the scope copied whole and unchanged".into(),
        ),
    ];
    for (l, (name, kept, total)) in layers.iter().zip(&summary.layers) {
        rows.push((
            format!("图层 / layer {name}"),
            format!(
                "{kept} / {total}，来源 / from {} ({})",
                l.source.path.display(),
                l.source.layer
            ),
        ));
    }
    for (t, (name, n)) in tables.iter().zip(&summary.tables) {
        let src = t
            .info
            .as_ref()
            .map(|i| {
                format!(
                    "{}，第 {} 版 / version {}，{}，{}",
                    i.department, i.version, i.version, i.imported_at, i.source
                )
            })
            .unwrap_or_default();
        rows.push((
            format!("部门数据 / table {name}"),
            format!("{n} 行 / rows；{src}"),
        ));
    }
    for (k, v) in rows {
        lw.add(None, &[OutValue::Text(k), OutValue::Text(v)])?;
    }
    lw.finish()?;
    Ok(())
}

/// Packages a data file (every layer with geometry) or a project (its layers, and the
/// department tables joined to its village layer, from the cache at `cache_path`).
///
/// `basemap` is an offline tile package to cut too; for a project without one given, its own
/// offline basemap is used.
pub fn package_file(
    input: &Path,
    village_layer: &str,
    scope: &Scope,
    cache_path: &Path,
    basemap: Option<&Path>,
    out: &Path,
    progress: &Progress,
) -> anyhow::Result<PackageSummary> {
    if !input.exists() {
        return Err(crate::core::model::error::YituError::NotFound(input.to_path_buf()).into());
    }
    let is_project = input
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("yitu"));
    let mut warnings = Vec::new();
    let mut notes = Vec::new();
    let mut sources: Vec<(PathBuf, String, Vec<JoinSpec>)> = Vec::new();
    let mut cache = None;
    let mut basemap = basemap.map(|b| b.to_path_buf());
    if is_project {
        let project = crate::core::io::project::Project::load(input).map_err(anyhow::Error::msg)?;
        if let (None, crate::core::io::project::BasemapChoice::Offline { path }) =
            (&basemap, &project.basemap)
        {
            basemap = Some(path.clone());
        }
        let mut c = Cache::open(cache_path)?;
        notes = c.ensure(&project.datasets, progress);
        cache = Some(c);
        for l in project.layers {
            sources.push((l.path, l.layer, l.joins));
        }
    } else {
        let info = crate::core::io::read::inspect(input)?;
        for l in info.layers {
            if l.geometry_type != "NONE" {
                sources.push((input.to_path_buf(), l.name, vec![]));
            }
        }
    }
    let v = village_source(&sources, village_layer);
    anyhow::ensure!(
        v.is_some() || *scope == Scope::County,
        "没有村界图层 {village_layer} / no village layer {village_layer} in {}",
        input.display()
    );
    let mut loaded: Vec<VectorLayer> = Vec::new();
    let mut village = None;
    for (i, (path, layer, joins)) in sources.iter().enumerate() {
        progress.check()?;
        // Cutting needs the geometry only; the village layer its codes, names and join keys.
        let is_village = Some(i) == v;
        let fields: Vec<String> = if is_village {
            let mut f: Vec<String> = crate::core::analysis::profile::VILLAGE_CODE_FIELDS
                .iter()
                .chain(crate::core::analysis::profile::VILLAGE_NAME_FIELDS)
                .map(|s| s.to_string())
                .collect();
            f.extend(joins.iter().map(|j| j.layer_field.clone()));
            f
        } else {
            Vec::new()
        };
        match read_for_cutting(path, layer, fields, progress) {
            Ok(l) => {
                warnings.extend(l.warnings.iter().cloned());
                if is_village {
                    village = Some(loaded.len());
                }
                loaded.push(l);
            }
            Err(e) if is_village => return Err(e),
            Err(e) => warnings.push(format!("{layer}: {e:#}")),
        }
    }
    let layers: Vec<&VectorLayer> = loaded.iter().collect();
    let villages = village.map(|i| layers[i]);
    let tables = match (&cache, villages, v) {
        (Some(c), Some(vl), Some(v)) => {
            let (t, msgs) = department_tables(c, vl, &sources[v].2);
            warnings.extend(msgs);
            t
        }
        _ => Vec::new(),
    };
    let mut summary = write_package(
        &layers,
        villages,
        scope,
        &tables,
        basemap.as_deref(),
        out,
        progress,
    )?;
    warnings.append(&mut summary.warnings);
    summary.warnings = warnings;
    summary.notes = notes;
    Ok(summary)
}

/// The village layer among `sources`: the one named `name`, or else a polygon layer with a
/// village code field and no DLBM.
fn village_source(sources: &[(PathBuf, String, Vec<JoinSpec>)], name: &str) -> Option<usize> {
    if let Some(i) = sources
        .iter()
        .position(|(_, l, _)| l.eq_ignore_ascii_case(name))
    {
        return Some(i);
    }
    if let Some(i) = sources
        .iter()
        .position(|(_, l, _)| crate::core::analysis::roles::Role::Villages.names(l))
    {
        return Some(i);
    }
    sources.iter().position(|(path, layer, _)| {
        let Ok(info) = crate::core::io::read::inspect(path) else {
            return false;
        };
        info.layers.iter().any(|l| {
            &l.name == layer
                && l.geometry_type.to_ascii_uppercase().contains("POLYGON")
                && l.fields
                    .iter()
                    .all(|f| !f.name.eq_ignore_ascii_case("DLBM"))
                && l.fields.iter().any(|f| {
                    crate::core::analysis::profile::VILLAGE_CODE_FIELDS
                        .iter()
                        .any(|c| f.name.eq_ignore_ascii_case(c))
                })
        })
    })
}

/// A layer read for cutting: its geometry in its own CRS and `fields` (from a GeoPackage: no
/// Web Mercator copy, no other field; other formats are read whole).
fn read_for_cutting(
    path: &Path,
    layer: &str,
    fields: Vec<String>,
    progress: &Progress,
) -> anyhow::Result<VectorLayer> {
    if !is_geopackage(path) {
        return Ok(crate::core::io::read::load_layer(
            path,
            Some(layer),
            progress,
        )?);
    }
    let opts = crate::core::io::gpkg::ReadOptions {
        fields: Some(fields),
        filter: None,
        display: false,
    };
    match crate::core::io::gpkg::read(path, Some(layer), &opts, progress) {
        Ok(r) => Ok(VectorLayer {
            name: r.name.clone(),
            source: crate::core::model::layer::LayerSource {
                path: path.to_path_buf(),
                layer: r.name,
            },
            crs: r.crs,
            fids: r.fids,
            geoms: r.geoms,
            display: GeometryStore::new(),
            attrs: r.attrs,
            index: crate::core::model::layer::SpatialIndex::build(&[]),
            warnings: r.warnings,
        }),
        Err(crate::core::model::error::YituError::NeedsGdal(_)) => Ok(
            crate::core::io::read::load_layer(path, Some(layer), progress)?,
        ),
        Err(e) => Err(e.into()),
    }
}

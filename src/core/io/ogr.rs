//! Reading everything that is not a plain GeoPackage through GDAL/OGR: Shapefile (including GBK
//! `.dbf` files without a `.cpg`), GeoJSON, FileGDB, KML, and GeoPackage layers with curves.
//!
//! Text fields are read as raw bytes and decoded here: UTF-8 where the bytes are valid UTF-8,
//! otherwise GB18030 (a superset of GBK), which is what Chinese shapefiles without a `.cpg` use.

use super::wkb::decode_wkb;
use crate::core::model::attrs::{AttributeTable, Field, FieldType};
use crate::core::model::crs::Crs;
use crate::core::model::error::YituError;
use crate::core::model::geom::GeometryStore;
use crate::core::model::layer::{DatasetInfo, LayerInfo, LayerSource, VectorLayer};
use crate::core::model::progress::Progress;
use gdal::vector::LayerAccess;
use gdal::{Dataset, DatasetOptions, GdalOpenFlags};
use gdal_sys::OGRFieldType;
use std::ffi::CStr;
use std::path::Path;

/// How text in the file is encoded.
#[derive(Debug, Clone)]
enum TextMode {
    /// GDAL already recodes to UTF-8.
    Gdal,
    /// A shapefile: GDAL hands over raw bytes, decoded with the encoding decided once for the
    /// whole `.dbf` (see [`super::dbf`]).
    Dbf(super::dbf::DbfEncoding),
}

/// Whether `path` is a folder holding shapefiles (GDAL opens it as one dataset, a layer each).
fn is_shapefile_folder(path: &Path) -> bool {
    path.is_dir()
        && std::fs::read_dir(path).is_ok_and(|d| {
            d.flatten().any(|e| {
                e.path()
                    .extension()
                    .is_some_and(|x| x.eq_ignore_ascii_case("shp"))
            })
        })
}

/// The text mode of layer `name` of the dataset at `path` opened in `mode`: a shapefile folder's
/// layers each have their own `.dbf` and encoding.
fn layer_mode(path: &Path, mode: &TextMode, name: &str) -> TextMode {
    if !is_shapefile_folder(path) {
        return mode.clone();
    }
    let shp = ["shp", "SHP"]
        .iter()
        .map(|e| path.join(format!("{name}.{e}")))
        .find(|p| p.exists())
        .unwrap_or_else(|| path.join(format!("{name}.shp")));
    match super::dbf::decide(&shp) {
        Some(d) => TextMode::Dbf(d),
        None => mode.clone(),
    }
}

fn open_dataset(path: &Path) -> Result<(Dataset, TextMode), YituError> {
    let dbf = super::dbf::decide(path);
    // Shapefiles (alone or a folder of them) are read as raw bytes and decoded here.
    let sniff = dbf.is_some() || is_shapefile_folder(path);
    let oo = ["ENCODING="];
    let opts = DatasetOptions {
        open_flags: GdalOpenFlags::GDAL_OF_VECTOR | GdalOpenFlags::GDAL_OF_READONLY,
        open_options: if sniff { Some(&oo) } else { None },
        ..Default::default()
    };
    match Dataset::open_ex(path, opts) {
        Ok(ds) => Ok((
            ds,
            match dbf.or_else(|| csv_encoding(path)) {
                Some(d) => TextMode::Dbf(d),
                None => TextMode::Gdal,
            },
        )),
        Err(e) => {
            let detail = e.to_string();
            let lower = detail.to_ascii_lowercase();
            if lower.contains("malformed")
                || lower.contains("not a database")
                || lower.contains("corrupt")
            {
                Err(YituError::Corrupt {
                    path: path.to_path_buf(),
                    kind: "GIS".into(),
                    detail,
                })
            } else if is_raster(path) {
                Err(YituError::RasterOnly(path.to_path_buf()))
            } else {
                Err(YituError::Unsupported {
                    path: path.to_path_buf(),
                    detail,
                })
            }
        }
    }
}

/// The encoding of a CSV/TSV file that is not UTF-8 (GDAL's CSV driver hands its bytes over undecoded): GBK or
/// GB18030 as [`super::table_import::detect_file_encoding`] decides from the whole file, said in a warning;
/// `None` for UTF-8 (with or without a BOM) and for other files.
fn csv_encoding(path: &Path) -> Option<super::dbf::DbfEncoding> {
    let ext = path.extension()?.to_string_lossy().to_ascii_lowercase();
    if !matches!(ext.as_str(), "csv" | "tsv") || !path.is_file() {
        return None;
    }
    let mut head = vec![0u8; 64 * 1024];
    let n = std::io::Read::read(&mut std::fs::File::open(path).ok()?, &mut head).ok()?;
    head.truncate(n);
    let enc = super::table_import::detect_file_encoding(path, &head);
    if enc == encoding_rs::UTF_8 || enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
        return None;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    Some(super::dbf::DbfEncoding {
        encoding: enc,
        source: super::dbf::Source::Bytes,
        warning: Some(format!(
            "{name}：文字不是 UTF-8，按 {0} 读取 / the text is not UTF-8: read as {0}",
            if enc == encoding_rs::GB18030 {
                "GBK (GB18030)"
            } else {
                enc.name()
            }
        )),
    })
}

/// Whether GDAL opens `path` as raster data (an image, an elevation model, tiles).
fn is_raster(path: &Path) -> bool {
    let opts = DatasetOptions {
        open_flags: GdalOpenFlags::GDAL_OF_RASTER | GdalOpenFlags::GDAL_OF_READONLY,
        ..Default::default()
    };
    Dataset::open_ex(path, opts).is_ok_and(|ds| ds.raster_count() > 0)
}

fn decode_text(bytes: &[u8], mode: &TextMode) -> String {
    match mode {
        TextMode::Dbf(d) => d.decode(bytes),
        TextMode::Gdal => String::from_utf8_lossy(bytes).into_owned(),
    }
}

fn field_type(t: OGRFieldType::Type) -> FieldType {
    match t {
        OGRFieldType::OFTInteger | OGRFieldType::OFTInteger64 => FieldType::Integer,
        OGRFieldType::OFTReal => FieldType::Real,
        _ => FieldType::Text,
    }
}

/// The fields of a layer, their names decoded like the values (a GBK `.dbf` has GBK names).
fn layer_fields(layer: &gdal::vector::Layer, mode: &TextMode) -> Vec<Field> {
    let defn = layer.defn();
    defn.fields()
        .enumerate()
        .map(|(i, f)| {
            // SAFETY: the layer definition outlives this call; the name is a NUL-terminated
            // string owned by GDAL.
            let raw = unsafe {
                let fd = gdal_sys::OGR_FD_GetFieldDefn(defn.c_defn(), i as i32);
                let p = if fd.is_null() {
                    std::ptr::null()
                } else {
                    gdal_sys::OGR_Fld_GetNameRef(fd)
                };
                if p.is_null() {
                    Vec::new()
                } else {
                    CStr::from_ptr(p).to_bytes().to_vec()
                }
            };
            Field {
                name: if raw.is_empty() {
                    f.name()
                } else {
                    decode_text(&raw, mode)
                },
                ftype: field_type(f.field_type()),
                source_type: gdal::vector::field_type_to_name(f.field_type()),
            }
        })
        .collect()
}

fn layer_crs(layer: &gdal::vector::Layer) -> Crs {
    layer
        .spatial_ref()
        .map(|s| Crs::from_srs(&s, None))
        .unwrap_or_default()
}

/// Lists the layers of a file through GDAL.
pub fn inspect(path: &Path) -> Result<DatasetInfo, YituError> {
    let (ds, mode) = open_dataset(path)?;
    let driver = ds.driver().short_name();
    let mut layers = Vec::new();
    for layer in ds.layers() {
        let gt = layer.defn().geometry_type();
        let has_geom = layer.defn().geom_fields().count() > 0;
        let extent =
            layer
                .try_get_extent()
                .ok()
                .flatten()
                .map(|e| crate::core::model::geom::BBox {
                    min_x: e.MinX,
                    min_y: e.MinY,
                    max_x: e.MaxX,
                    max_y: e.MaxY,
                });
        layers.push(LayerInfo {
            name: layer.name(),
            geometry_type: if has_geom {
                gdal::vector::geometry_type_to_name(gt).to_ascii_uppercase()
            } else {
                "NONE".into()
            },
            geometry_column: layer.defn().geom_fields().next().map(|g| g.name()),
            crs: layer_crs(&layer),
            feature_count: layer.feature_count(),
            fields: layer_fields(&layer, &layer_mode(path, &mode, &layer.name())),
            extent,
        });
    }
    if layers.is_empty() {
        return Err(if is_raster(path) {
            YituError::RasterOnly(path.to_path_buf())
        } else {
            YituError::NoVectorLayer(path.to_path_buf())
        });
    }
    let mut warnings: Vec<String> = Vec::new();
    for l in &layers {
        if let TextMode::Dbf(d) = layer_mode(path, &mode, &l.name) {
            warnings.extend(d.warning);
        }
    }
    Ok(DatasetInfo {
        path: path.to_path_buf(),
        driver,
        layers,
        warnings,
    })
}

/// Loads one layer (the first when `layer` is `None`) through GDAL.
pub fn load(
    path: &Path,
    layer_name: Option<&str>,
    progress: &Progress,
) -> Result<VectorLayer, YituError> {
    load_as(path, layer_name, None, progress)
}

/// [`load`], taking `assume` as the layer's CRS where the file gives none (a shapefile without `.prj`, a DXF),
/// or says longitude/latitude over coordinates that cannot be degrees (a GeoJSON of projected coordinates
/// without its `crs` member); said in the layer's warnings.
pub fn load_as(
    path: &Path,
    layer_name: Option<&str>,
    assume: Option<&Crs>,
    progress: &Progress,
) -> Result<VectorLayer, YituError> {
    let (ds, mode) = open_dataset(path)?;
    if ds.layer_count() == 0 {
        return Err(YituError::NoVectorLayer(path.to_path_buf()));
    }
    let layer = match layer_name {
        Some(n) => ds.layer_by_name(n).map_err(|_| YituError::NoSuchLayer {
            path: path.to_path_buf(),
            layer: n.into(),
        })?,
        None => ds.layer(0).map_err(|e| YituError::Unsupported {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?,
    };
    let name = layer.name();
    let mode = layer_mode(path, &mode, &name);
    let fields = layer_fields(&layer, &mode);
    let crs = layer_crs(&layer);
    let count = layer.try_feature_count().unwrap_or(0);
    progress.stage("reading / 读取", count);

    let mut geoms = GeometryStore::with_capacity(count as usize, count as usize * 8);
    let mut attrs = AttributeTable::new(fields);
    let mut fids = Vec::with_capacity(count as usize);
    let mut bad = 0usize;
    let mut empty = 0usize;
    let mut wkb = Vec::new();
    let ncols = attrs.columns.len();
    unsafe {
        let c_layer = layer.c_layer();
        gdal_sys::OGR_L_ResetReading(c_layer);
        let mut n = 0u64;
        loop {
            gdal_sys::CPLErrorReset();
            let f = gdal_sys::OGR_L_GetNextFeature(c_layer);
            if f.is_null() {
                break;
            }
            // A shape GDAL failed to read (a truncated .shp) arrives without geometry and an
            // error set: counted as unreadable, not as an empty shape.
            let failed = gdal_sys::CPLGetLastErrorType() >= gdal_sys::CPLErr::CE_Failure;
            let fid = gdal_sys::OGR_F_GetFID(f);
            fids.push(if fid >= 0 { fid } else { n as i64 });
            let g = gdal_sys::OGR_F_GetGeometryRef(f);
            if g.is_null() || gdal_sys::OGR_G_IsEmpty(g) != 0 {
                if failed {
                    bad += 1;
                } else {
                    empty += 1;
                }
                geoms.push_empty();
            } else {
                let lin = if gdal_sys::OGR_G_HasCurveGeometry(g, 0) != 0 {
                    gdal_sys::OGR_G_GetLinearGeometry(g, 0.0, std::ptr::null_mut())
                } else {
                    std::ptr::null_mut()
                };
                let gg = if lin.is_null() { g } else { lin };
                let size = gdal_sys::OGR_G_WkbSizeEx(gg);
                wkb.resize(size, 0);
                let err = gdal_sys::OGR_G_ExportToIsoWkb(
                    gg,
                    gdal_sys::OGRwkbByteOrder::wkbNDR,
                    wkb.as_mut_ptr(),
                );
                if err != gdal_sys::OGRErr::OGRERR_NONE || decode_wkb(&wkb, &mut geoms).is_err() {
                    bad += 1;
                    geoms.push_empty();
                }
                if !lin.is_null() {
                    gdal_sys::OGR_G_DestroyGeometry(lin);
                }
            }
            for i in 0..ncols {
                let col = std::sync::Arc::make_mut(&mut attrs.columns[i]);
                if gdal_sys::OGR_F_IsFieldSetAndNotNull(f, i as i32) == 0 {
                    col.push_null();
                    continue;
                }
                match attrs.fields[i].ftype {
                    FieldType::Integer => {
                        col.push_int(gdal_sys::OGR_F_GetFieldAsInteger64(f, i as i32))
                    }
                    FieldType::Real => col.push_real(gdal_sys::OGR_F_GetFieldAsDouble(f, i as i32)),
                    FieldType::Text => {
                        let p = gdal_sys::OGR_F_GetFieldAsString(f, i as i32);
                        let bytes = if p.is_null() {
                            &b""[..]
                        } else {
                            CStr::from_ptr(p).to_bytes()
                        };
                        col.push_text(&decode_text(bytes, &mode));
                    }
                }
            }
            gdal_sys::OGR_F_Destroy(f);
            n += 1;
            if n % 8192 == 0 {
                progress.set(n)?;
            }
        }
    }
    let mut warnings = Vec::new();
    if let TextMode::Dbf(d) = &mode {
        warnings.extend(d.warning.clone());
    }
    if bad > 0 {
        warnings.push(format!("{name}：{bad} 个要素的几何无法读取（文件可能已截断或损坏），已作为空几何 / {name}: {bad} features have unreadable geometry (truncated or damaged file?) and were read as empty"));
    }
    if empty > 0 {
        warnings.push(format!(
            "{name}：{empty} 个要素没有几何 / {name}: {empty} features have no geometry"
        ));
    }
    let source = LayerSource {
        path: path.to_path_buf(),
        layer: name.clone(),
    };
    let crs = match assume {
        Some(a) if crs.is_unknown() => {
            warnings.push(format!(
                "{name}：文件没有坐标系，按 {} 读取 / {name}: the file gives no CRS; read as {}",
                a.label(),
                a.label()
            ));
            a.clone()
        }
        Some(a)
            if crs.is_geographic() && {
                let e = geoms.extent();
                !e.is_empty()
                    && (e.min_x.abs() > 180.0 || e.max_x.abs() > 180.0 || e.max_y.abs() > 90.0)
            } =>
        {
            warnings.push(format!(
                "{name}：文件称经纬度，但坐标不是度数，按 {} 读取 / {name}: the file says longitude/latitude but the coordinates are not degrees; read as {}",
                a.label(),
                a.label()
            ));
            a.clone()
        }
        _ => crs,
    };
    VectorLayer::assemble(name, source, crs, fids, geoms, attrs, warnings, progress)
}

/// A value of a field written by [`write_polygon_shapefile`].
pub enum FieldValue {
    /// Text (UTF-8).
    Text(String),
    /// A number (written with 2 decimals).
    Real(f64),
}

/// Writes polygon feature 0 of `store` (in EPSG `epsg`, when known) as a one-feature Shapefile `out` with
/// `fields` (names of up to 10 ASCII letters; text in UTF-8, said in a `.cpg`; numbers with 2 decimals). The files are written
/// in a folder beside `out` and moved into place only when complete, so a failed export leaves nothing at the
/// target. Errors: GDAL's message, an unwritable folder.
pub fn write_polygon_shapefile(
    out: &Path,
    store: &GeometryStore,
    epsg: Option<u32>,
    fields: &[(&str, FieldValue)],
) -> Result<(), String> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let stem = out
        .file_stem()
        .ok_or_else(|| format!("{}: 没有文件名 / no file name", out.display()))?
        .to_os_string();
    let tmp = parent.join(format!(
        ".yitu-shp-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::create_dir(&tmp).map_err(|e| format!("{}: {e}", parent.display()))?;
    let result = (|| -> Result<Vec<std::path::PathBuf>, String> {
        let e = |e: gdal::errors::GdalError| e.to_string();
        let driver = gdal::DriverManager::get_driver_by_name("ESRI Shapefile").map_err(e)?;
        let mut tmp_shp = tmp.join(&stem);
        tmp_shp.set_extension("shp");
        let mut ds = driver.create_vector_only(&tmp_shp).map_err(e)?;
        let srs = match epsg {
            Some(code) => Some(gdal::spatial_ref::SpatialRef::from_epsg(code).map_err(e)?),
            None => None,
        };
        {
            let layer = ds
                .create_layer(gdal::vector::LayerOptions {
                    name: &stem.to_string_lossy(),
                    srs: srs.as_ref(),
                    ty: gdal_sys::OGRwkbGeometryType::wkbMultiPolygon,
                    options: Some(&["ENCODING=UTF-8"]),
                })
                .map_err(e)?;
            for (name, v) in fields {
                let f = match v {
                    FieldValue::Text(_) => {
                        let f = gdal::vector::FieldDefn::new(name, OGRFieldType::OFTString)
                            .map_err(e)?;
                        f.set_width(254);
                        f
                    }
                    FieldValue::Real(_) => {
                        let f =
                            gdal::vector::FieldDefn::new(name, OGRFieldType::OFTReal).map_err(e)?;
                        f.set_width(18);
                        f.set_precision(2);
                        f
                    }
                };
                f.add_to_layer(&layer).map_err(e)?;
            }
            let mut wkt = String::from("MULTIPOLYGON(");
            for (i, p) in store.parts(0).enumerate() {
                if i > 0 {
                    wkt.push(',');
                }
                wkt.push('(');
                for (j, r) in p.rings().enumerate() {
                    if j > 0 {
                        wkt.push(',');
                    }
                    wkt.push('(');
                    let pts: Vec<String> = r.iter().map(|c| format!("{} {}", c[0], c[1])).collect();
                    wkt.push_str(&pts.join(","));
                    wkt.push(')');
                }
                wkt.push(')');
            }
            wkt.push(')');
            let geom = gdal::vector::Geometry::from_wkt(&wkt).map_err(e)?;
            {
                let defn = layer.defn();
                let mut feat = gdal::vector::Feature::new(defn).map_err(e)?;
                feat.set_geometry(geom).map_err(e)?;
                for (i, (_, v)) in fields.iter().enumerate() {
                    match v {
                        FieldValue::Text(t) => feat.set_field_string(i, t).map_err(e)?,
                        FieldValue::Real(r) => feat.set_field_double(i, *r).map_err(e)?,
                    }
                }
                feat.create(&layer).map_err(e)?;
            }
        }
        ds.close().map_err(e)?;
        let mut written = Vec::new();
        for entry in std::fs::read_dir(&tmp).map_err(|e| e.to_string())? {
            written.push(entry.map_err(|e| e.to_string())?.path());
        }
        Ok(written)
    })();
    let moved = result.and_then(|files| {
        for f in &files {
            let name = f.file_name().expect("a file");
            std::fs::rename(f, parent.join(name)).map_err(|e| format!("{}: {e}", out.display()))?;
        }
        Ok(())
    });
    let _ = std::fs::remove_dir_all(&tmp);
    moved
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_bytes_decode() {
        let (gbk, _, _) = encoding_rs::GBK.encode("洋顶村");
        let mode = |e| {
            TextMode::Dbf(super::super::dbf::DbfEncoding {
                encoding: e,
                source: super::super::dbf::Source::Bytes,
                warning: None,
            })
        };
        assert_eq!(decode_text(&gbk, &mode(encoding_rs::GB18030)), "洋顶村");
        assert_eq!(
            decode_text("荔城区".as_bytes(), &mode(encoding_rs::UTF_8)),
            "荔城区"
        );
    }
}

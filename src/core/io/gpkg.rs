//! YiTu's own GeoPackage reader: reads the catalogue and the geometry blobs straight from SQLite
//! (the one system libsqlite3 that GDAL also links) and decodes them in bulk. Layers it cannot
//! decode (curves, extended geometry types) are handed to GDAL by [`crate::core::io::read::load_layer`].

use super::wkb::{decode_gpkg_blob, WkbError};
use crate::core::model::attrs::{AttributeTable, Field, FieldType};
use crate::core::model::crs::Crs;
use crate::core::model::error::YituError;
use crate::core::model::geom::{BBox, GeometryStore};
use crate::core::model::layer::{DatasetInfo, LayerInfo, LayerSource, VectorLayer};
use crate::core::model::progress::Progress;
use rusqlite::{types::ValueRef, Connection, OpenFlags};
use std::path::Path;

fn corrupt(path: &Path, e: impl std::fmt::Display) -> YituError {
    YituError::Corrupt {
        path: path.to_path_buf(),
        kind: "GeoPackage".into(),
        detail: e.to_string(),
    }
}

/// Opens a GeoPackage read-only and checks it is an SQLite database with the GeoPackage catalogue.
pub fn open(path: &Path) -> Result<Connection, YituError> {
    let mut head = [0u8; 16];
    {
        use std::io::Read;
        let mut f = std::fs::File::open(path).map_err(|e| corrupt(path, e))?;
        let n = f.read(&mut head).map_err(|e| corrupt(path, e))?;
        if n < 16 || &head != b"SQLite format 3\0" {
            return Err(corrupt(path, "not an SQLite database"));
        }
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| corrupt(path, e))?;
    let ok: Result<i64, _> = conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE name = 'gpkg_contents'",
        [],
        |r| r.get(0),
    );
    match ok {
        Ok(1) => Ok(conn),
        Ok(_) => Err(corrupt(path, "gpkg_contents table is missing")),
        Err(e) => Err(corrupt(path, e)),
    }
}

struct Catalogue {
    table: String,
    data_type: String,
    geom_col: Option<String>,
    geom_type: Option<String>,
    srs_id: Option<i64>,
    extent: Option<BBox>,
}

fn catalogue(conn: &Connection, path: &Path) -> Result<Vec<Catalogue>, YituError> {
    let has_gc: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'gpkg_geometry_columns'",
            [],
            |r| r.get(0),
        )
        .map_err(|e| corrupt(path, e))?;
    let sql = if has_gc == 1 {
        "SELECT c.table_name, c.data_type, g.column_name, g.geometry_type_name, COALESCE(g.srs_id, c.srs_id), \
         c.min_x, c.min_y, c.max_x, c.max_y \
         FROM gpkg_contents c LEFT JOIN gpkg_geometry_columns g ON g.table_name = c.table_name ORDER BY c.rowid"
    } else {
        "SELECT table_name, data_type, NULL, NULL, srs_id, min_x, min_y, max_x, max_y FROM gpkg_contents ORDER BY rowid"
    };
    let mut st = conn.prepare(sql).map_err(|e| corrupt(path, e))?;
    let rows = st
        .query_map([], |r| {
            let ext = match (
                r.get::<_, Option<f64>>(5)?,
                r.get::<_, Option<f64>>(6)?,
                r.get::<_, Option<f64>>(7)?,
                r.get::<_, Option<f64>>(8)?,
            ) {
                (Some(a), Some(b), Some(c), Some(d)) => Some(BBox {
                    min_x: a,
                    min_y: b,
                    max_x: c,
                    max_y: d,
                }),
                _ => None,
            };
            // A table name that is not UTF-8 (GBK bytes written by some Chinese tools) cannot
            // be named in SQL from here: the layer is left out, and `inspect` says so.
            let Ok(table) = std::str::from_utf8(r.get_ref(0)?.as_bytes()?).map(str::to_string)
            else {
                return Ok(None);
            };
            Ok(Some(Catalogue {
                table,
                data_type: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                geom_col: r.get(2)?,
                geom_type: r.get(3)?,
                srs_id: r.get(4)?,
                extent: ext,
            }))
        })
        .map_err(|e| corrupt(path, e))?;
    let mut out = Vec::new();
    for r in rows {
        out.extend(r.map_err(|e| corrupt(path, e))?);
    }
    Ok(out)
}

/// Tables of the GeoPackage, and columns of its feature tables, whose names are not UTF-8 (as
/// GB18030 reads them): they are left out, and the user is told.
fn non_utf8_names(conn: &Connection) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(mut st) = conn.prepare("SELECT CAST(table_name AS BLOB) FROM gpkg_contents") else {
        return out;
    };
    let names: Vec<Vec<u8>> = st
        .query_map([], |r| r.get::<_, Vec<u8>>(0))
        .map(|rows| rows.flatten().collect())
        .unwrap_or_default();
    for n in names {
        match String::from_utf8(n.clone()) {
            Err(_) => out.push(format!(
                "图层名 {} 不是 UTF-8 编码（可能是 GBK），已略过；可用 ogr2ogr 转换后再打开 / the layer name {} is not UTF-8 (GBK?) and was left out; convert the file with ogr2ogr first",
                encoding_rs::GB18030.decode(&n).0,
                encoding_rs::GB18030.decode(&n).0
            )),
            Ok(table) => {
                let Ok(mut cols) = conn.prepare(&format!(
                    "SELECT CAST(name AS BLOB) FROM pragma_table_info({})",
                    super::sql::literal(&table)
                )) else {
                    continue;
                };
                let bad: Vec<String> = cols
                    .query_map([], |r| r.get::<_, Vec<u8>>(0))
                    .map(|rows| rows.flatten().collect::<Vec<_>>())
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|c| std::str::from_utf8(c).is_err())
                    .map(|c| encoding_rs::GB18030.decode(&c).0.into_owned())
                    .collect();
                if !bad.is_empty() {
                    out.push(format!(
                        "图层 {table} 的字段名 {} 不是 UTF-8 编码（可能是 GBK），这些字段已略过 / fields {} of layer {table} are not named in UTF-8 (GBK?) and were left out",
                        bad.join("、"),
                        bad.join(", ")
                    ));
                }
            }
        }
    }
    out
}

fn crs_of(conn: &Connection, srs_id: Option<i64>) -> Crs {
    let Some(id) = srs_id else {
        return Crs::default();
    };
    if id == 0 || id == -1 {
        return Crs::default(); // "undefined geographic" / "undefined Cartesian"
    }
    let row: Result<(Option<String>, Option<i64>, Option<String>), _> = conn.query_row(
        "SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys WHERE srs_id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    );
    match row {
        Ok((org, code, def)) => {
            if org
                .as_deref()
                .map(|o| o.eq_ignore_ascii_case("EPSG"))
                .unwrap_or(false)
            {
                if let Some(c) = code.filter(|c| *c > 0) {
                    let mut crs = Crs::epsg(c as u32);
                    if crs.name.is_empty() {
                        // EPSG code PROJ does not know: fall back to the definition.
                        if let Some(d) = def.as_deref().and_then(Crs::from_definition) {
                            crs = d;
                        }
                    }
                    return crs;
                }
            }
            def.as_deref()
                .and_then(Crs::from_definition)
                .unwrap_or_default()
        }
        Err(_) => Crs::default(),
    }
}

fn fields_of(
    conn: &Connection,
    table: &str,
    geom_col: Option<&str>,
) -> Result<(Vec<Field>, Option<String>), rusqlite::Error> {
    let mut st = conn.prepare(&format!("PRAGMA table_info({})", quote(table)))?;
    let mut fields = Vec::new();
    let mut pk = None;
    let rows = st.query_map([], |r| {
        Ok((
            std::str::from_utf8(r.get_ref(1)?.as_bytes()?)
                .ok()
                .map(str::to_string),
            r.get::<_, Option<String>>(2)?,
            r.get::<_, i64>(5)?,
        ))
    })?;
    for row in rows {
        let (name, ty, is_pk) = row?;
        // A column name that is not UTF-8 cannot be named in SQL from here (see
        // `non_utf8_names`).
        let Some(name) = name else {
            continue;
        };
        let ty = ty.unwrap_or_default();
        let upper = ty.to_ascii_uppercase();
        if is_pk == 1 && upper.contains("INT") && pk.is_none() {
            pk = Some(name);
            continue;
        }
        if Some(name.as_str()) == geom_col {
            continue;
        }
        let ftype = if upper.contains("INT") || upper == "BOOLEAN" {
            FieldType::Integer
        } else if upper.contains("REAL")
            || upper.contains("FLOAT")
            || upper.contains("DOUBLE")
            || upper.contains("NUMERIC")
        {
            FieldType::Real
        } else {
            FieldType::Text
        };
        fields.push(Field {
            name,
            ftype,
            source_type: ty,
        });
    }
    Ok((fields, pk))
}

use super::sql::ident as quote;

/// Lists the feature and attribute layers of a GeoPackage.
pub fn inspect(path: &Path) -> Result<DatasetInfo, YituError> {
    let conn = open(path)?;
    let mut layers = Vec::new();
    for c in catalogue(&conn, path)? {
        if c.data_type != "features" && c.data_type != "attributes" {
            continue; // tiles, gridded coverages: not vector layers
        }
        let (fields, _) = match fields_of(&conn, &c.table, c.geom_col.as_deref()) {
            Ok(f) => f,
            Err(_) => continue, // registered in gpkg_contents but the table is missing
        };
        let count: i64 = conn
            .query_row(
                &format!("SELECT count(*) FROM {}", quote(&c.table)),
                [],
                |r| r.get(0),
            )
            .map_err(|e| corrupt(path, e))?;
        let crs = if c.data_type == "features" {
            crs_of(&conn, c.srs_id)
        } else {
            Crs::default()
        };
        layers.push(LayerInfo {
            name: c.table,
            geometry_type: c
                .geom_type
                .map(|g| g.to_ascii_uppercase())
                .unwrap_or_else(|| "NONE".into()),
            geometry_column: c.geom_col,
            crs,
            feature_count: count as u64,
            fields,
            extent: c.extent,
        });
    }
    Ok(DatasetInfo {
        path: path.to_path_buf(),
        driver: "GPKG".into(),
        layers,
        warnings: non_utf8_names(&conn),
    })
}

/// Loads one layer (the first feature layer when `layer` is `None`).
pub fn load(
    path: &Path,
    layer: Option<&str>,
    progress: &Progress,
) -> Result<VectorLayer, YituError> {
    load_with(path, layer, &ReadOptions::default(), progress)
}

/// Loads one layer for the map with only some of its fields (`opts.display` is implied).
pub fn load_with(
    path: &Path,
    layer: Option<&str>,
    opts: &ReadOptions,
    progress: &Progress,
) -> Result<VectorLayer, YituError> {
    let opts = ReadOptions {
        display: true,
        ..opts.clone()
    };
    let r = read(path, layer, &opts, progress)?;
    let (display, index) = r.display.expect("display requested");
    Ok(VectorLayer {
        name: r.name.clone(),
        source: LayerSource {
            path: path.to_path_buf(),
            layer: r.name,
        },
        crs: r.crs,
        fids: r.fids,
        geoms: r.geoms,
        display,
        attrs: r.attrs,
        index,
        warnings: r.warnings,
    })
}

/// What to read of a layer: all of it for the map, less for an analysis.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Only these attribute fields (matched without regard to case; absent ones are skipped).
    pub fields: Option<Vec<String>>,
    /// Only the features matching this SQL condition (on the layer's own columns).
    pub filter: Option<String>,
    /// Project to Web Mercator and build the spatial index (needed for drawing, not analysis).
    pub display: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            fields: None,
            filter: None,
            display: true,
        }
    }
}

/// The features a [`read`] produced.
pub struct FeatureRead {
    /// Layer (table) name.
    pub name: String,
    /// CRS of `geoms` (EPSG:4326 where an unknown CRS looked geographic and display was built).
    pub crs: Crs,
    /// Feature IDs.
    pub fids: Vec<i64>,
    /// Geometry in the layer's CRS.
    pub geoms: GeometryStore,
    /// The requested attributes.
    pub attrs: AttributeTable,
    /// Web Mercator geometry and its index, when requested.
    pub display: Option<(GeometryStore, crate::core::model::layer::SpatialIndex)>,
    /// Things the user should know.
    pub warnings: Vec<String>,
}

/// Reads a layer (the first feature layer when `layer` is `None`) as `opts` says.
pub fn read(
    path: &Path,
    layer: Option<&str>,
    opts: &ReadOptions,
    progress: &Progress,
) -> Result<FeatureRead, YituError> {
    let conn = open(path)?;
    let cat = catalogue(&conn, path)?;
    let c = match layer {
        Some(name) => {
            cat.into_iter()
                .find(|c| c.table == name)
                .ok_or_else(|| YituError::NoSuchLayer {
                    path: path.to_path_buf(),
                    layer: name.to_string(),
                })?
        }
        None => cat
            .into_iter()
            .find(|c| c.data_type == "features" && c.geom_col.is_some())
            .ok_or_else(|| YituError::NoVectorLayer(path.to_path_buf()))?,
    };
    let (mut fields, pk) =
        fields_of(&conn, &c.table, c.geom_col.as_deref()).map_err(|e| corrupt(path, e))?;
    if let Some(want) = &opts.fields {
        fields.retain(|f| want.iter().any(|w| w.eq_ignore_ascii_case(&f.name)));
    }
    let crs = crs_of(&conn, c.srs_id);
    let cond = opts
        .filter
        .as_deref()
        .map(|f| format!(" WHERE ({f})"))
        .unwrap_or_default();
    let count: i64 = conn
        .query_row(
            &format!("SELECT count(*) FROM {}{cond}", quote(&c.table)),
            [],
            |r| r.get(0),
        )
        .map_err(|e| corrupt(path, e))?;
    progress.stage("reading / 读取", count as u64);

    let fid_expr = pk.as_deref().map(quote).unwrap_or_else(|| "rowid".into());
    let geom_expr = c
        .geom_col
        .as_deref()
        .map(quote)
        .unwrap_or_else(|| "NULL".into());
    let table = quote(&c.table);
    let geom_sql = format!("SELECT {fid_expr}, {geom_expr} FROM {table}{cond}");
    let geom_sql_ordered = format!("{geom_sql} ORDER BY rowid");
    let cols: Vec<String> = fields.iter().map(|f| quote(&f.name)).collect();
    let attr_sql =
        (!cols.is_empty()).then(|| format!("SELECT {} FROM {table}{cond}", cols.join(", ")));
    let timing = std::env::var_os("YITU_TIMING").is_some();
    let t_read = std::time::Instant::now();

    // Attributes are read by a second thread (its own connection, the same scan order) while this
    // one decodes, projects and indexes the geometry.
    // Two attribute readers over halves of the rowid range (one for views, which have no rowid).
    let range: Option<(i64, i64)> = conn
        .query_row(
            &format!("SELECT min(rowid), max(rowid) FROM {table}"),
            [],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
        )
        .ok()
        .filter(|(a, b)| b > a && count > 50_000);
    let parts: Vec<Option<(i64, i64)>> = match range {
        Some((a, b)) => {
            let mid = a + (b - a) / 2;
            vec![Some((a, mid)), Some((mid + 1, b))]
        }
        None => vec![None],
    };
    let read_attrs = |part: Option<(i64, i64)>| -> Result<AttributeTable, YituError> {
        let mut attrs = AttributeTable::new(fields.clone());
        let Some(sql) = &attr_sql else {
            return Ok(attrs);
        };
        let sql = match part {
            Some((a, b)) if cond.is_empty() => {
                format!("{sql} WHERE rowid BETWEEN {a} AND {b} ORDER BY rowid")
            }
            Some((a, b)) => format!("{sql} AND rowid BETWEEN {a} AND {b} ORDER BY rowid"),
            None => sql.clone(),
        };
        let conn = open(path)?;
        let mut st = conn.prepare(&sql).map_err(|e| corrupt(path, e))?;
        let mut rows = st.query([]).map_err(|e| corrupt(path, e))?;
        let mut n = 0u64;
        let mut cols: Vec<&mut crate::core::model::attrs::Column> = attrs
            .columns
            .iter_mut()
            .map(std::sync::Arc::make_mut)
            .collect();
        loop {
            let row = match rows.next() {
                Ok(Some(r)) => r,
                Ok(None) => break,
                Err(e) => return Err(corrupt(path, e)),
            };
            for (i, col) in cols.iter_mut().enumerate() {
                match row.get_ref(i) {
                    Ok(ValueRef::Null) | Err(_) => col.push_null(),
                    Ok(ValueRef::Integer(v)) => col.push_int(v),
                    Ok(ValueRef::Real(v)) => col.push_real(v),
                    Ok(ValueRef::Text(t)) => match std::str::from_utf8(t) {
                        Ok(s) => col.push_text(s),
                        Err(_) => col.push_text(&String::from_utf8_lossy(t)),
                    },
                    Ok(ValueRef::Blob(b)) => col.push_text(&format!("<blob {} bytes>", b.len())),
                }
            }
            n += 1;
            if n % 16384 == 0 {
                progress.check()?;
            }
        }
        if timing {
            eprintln!(
                "  attributes {part:?}: {:.3} s",
                t_read.elapsed().as_secs_f64()
            );
        }
        Ok(attrs)
    };
    let read_attrs = &read_attrs;
    let (geometry, attributes) = std::thread::scope(|s| {
        let attr_jobs: Vec<_> = parts
            .into_iter()
            .map(|p| s.spawn(move || read_attrs(p)))
            .collect();
        let attr_job = s.spawn(move || -> Result<AttributeTable, YituError> {
            let mut all: Option<AttributeTable> = None;
            for j in attr_jobs {
                let t = j
                    .join()
                    .unwrap_or_else(|_| Err(YituError::Other("attribute reader failed".into())))?;
                match &mut all {
                    None => all = Some(t),
                    Some(a) => a.append(t),
                }
            }
            Ok(all.unwrap_or_default())
        });
        let geometry = (|| -> Result<_, YituError> {
            // Row order must match the attribute readers' (rowid order where there is a rowid).
            let mut st = match conn.prepare(&geom_sql_ordered) {
                Ok(st) => st,
                Err(_) => conn.prepare(&geom_sql).map_err(|e| corrupt(path, e))?,
            };
            let mut rows = st.query([]).map_err(|e| corrupt(path, e))?;
            let mut geoms = GeometryStore::with_capacity(count as usize, count as usize * 6);
            let mut fids = Vec::with_capacity(count as usize);
            let mut bad_geoms = 0usize;
            let mut first_bad: Option<WkbError> = None;
            let mut n = 0u64;
            loop {
                let row = match rows.next() {
                    Ok(Some(r)) => r,
                    Ok(None) => break,
                    Err(e) => return Err(corrupt(path, e)),
                };
                fids.push(
                    row.get_ref(0)
                        .ok()
                        .and_then(|v| v.as_i64().ok())
                        .unwrap_or(n as i64),
                );
                let blob = match row.get_ref(1) {
                    Ok(ValueRef::Blob(b)) => Some(b),
                    _ => None,
                };
                match decode_gpkg_blob(blob, &mut geoms) {
                    Ok(()) => {}
                    Err(WkbError::Curve) | Err(WkbError::Extended) => {
                        progress.cancel_quietly();
                        return Err(YituError::NeedsGdal(c.table.clone()));
                    }
                    Err(e) => {
                        bad_geoms += 1;
                        first_bad.get_or_insert(e);
                        geoms.push_empty();
                    }
                }
                n += 1;
                if n % 16384 == 0 {
                    progress.set(n)?;
                }
            }
            if timing {
                eprintln!(
                    "  read+decode geometry: {:.3} s",
                    t_read.elapsed().as_secs_f64()
                );
            }
            let mut warnings = Vec::new();
            if bad_geoms > 0 {
                warnings.push(format!(
                    "{bad_geoms} 个要素的几何数据损坏，已作为空几何读入 / {bad_geoms} features have corrupt geometry and were read as empty ({})",
                    first_bad.map(|e| e.to_string()).unwrap_or_default()
                ));
            }
            if c.geom_col.is_none() {
                warnings.push("属性表（无几何）/ attribute table without geometry".into());
            }
            if !opts.display {
                return Ok((fids, geoms, warnings, crs.clone(), None));
            }
            let (crs, display, index) = crate::core::model::layer::prepare_display(
                &c.table,
                crs.clone(),
                &geoms,
                &mut warnings,
                progress,
            )?;
            Ok((fids, geoms, warnings, crs, Some((display, index))))
        })();
        if geometry.is_err() {
            progress.cancel_quietly();
        }
        (
            geometry,
            attr_job
                .join()
                .unwrap_or_else(|_| Err(YituError::Other("attribute reader failed".into()))),
        )
    });
    progress.uncancel_quiet();
    let (fids, geoms, warnings, crs, display) = geometry?;
    let attrs = attributes?;
    if attrs.len() != fids.len() && !attrs.fields.is_empty() {
        return Err(corrupt(
            path,
            format!(
                "{} geometries but {} attribute rows",
                fids.len(),
                attrs.len()
            ),
        ));
    }
    Ok(FeatureRead {
        name: c.table,
        crs,
        fids,
        geoms,
        attrs,
        display,
        warnings,
    })
}

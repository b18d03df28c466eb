//! Writing GeoPackages (OGC 1.2) with rusqlite: layers of features with typed fields, with an
//! R-tree spatial index. The file is written under a temporary name and renamed into place when
//! complete, so an interrupted write never leaves a half-written file where the user's was.

use crate::core::model::attrs::FieldType;
use crate::core::model::geom::BBox;
use rusqlite::{params_from_iter, Connection};
use std::path::{Path, PathBuf};

/// A value to write.
#[derive(Debug, Clone)]
pub enum OutValue {
    /// NULL.
    Null,
    /// Integer.
    Int(i64),
    /// Real.
    Real(f64),
    /// Text.
    Text(String),
}

/// A GeoPackage being written. Call [`GpkgWriter::finish`] to move it into place.
pub struct GpkgWriter {
    conn: Connection,
    done: bool,
    tmp: PathBuf,
    dest: PathBuf,
}

/// A layer being written (see [`GpkgWriter::layer`]).
pub struct LayerWriter<'a> {
    w: &'a GpkgWriter,
    table: String,
    extent: BBox,
    sql: String,
    nfields: usize,
    geometry: bool,
}

use super::sql::{ident as q, literal};

impl GpkgWriter {
    /// Starts a new GeoPackage that will replace `dest` when finished.
    pub fn create(dest: &Path) -> rusqlite::Result<GpkgWriter> {
        // A symbolic link is followed; a device or a pipe cannot be replaced.
        let dest = &super::files::resolve_output(dest).map_err(|e| {
            rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
                Some(e.to_string()),
            )
        })?;
        // A temporary name of its own: two exports to the same file never share it.
        let tmp = super::files::temp_beside(dest);
        let conn = Connection::open(&tmp)?;
        conn.execute_batch(
            "PRAGMA application_id = 1196444487; PRAGMA user_version = 10200; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
             CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
               organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
             CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
               description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
               min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
               CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
             CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
               srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
               CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name));
             CREATE TABLE gpkg_extensions (table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, definition TEXT NOT NULL,
               scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
             INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system');
             INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system');
             BEGIN;",
        )?;
        let w = GpkgWriter {
            conn,
            done: false,
            tmp,
            dest: dest.to_path_buf(),
        };
        w.add_srs(4326)?;
        Ok(w)
    }

    /// Registers an EPSG CRS (its WKT from PROJ).
    pub fn add_srs(&self, epsg: i32) -> rusqlite::Result<()> {
        let srs = gdal::spatial_ref::SpatialRef::from_epsg(epsg as u32).ok();
        let wkt = srs
            .as_ref()
            .and_then(|s| s.to_wkt().ok())
            .unwrap_or_else(|| "undefined".into());
        let name = srs
            .as_ref()
            .and_then(|s| s.name())
            .unwrap_or_else(|| format!("EPSG:{epsg}"));
        self.conn.execute(
            "INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES (?1, ?2, 'EPSG', ?2, ?3, '')",
            rusqlite::params![name, epsg, wkt],
        )?;
        Ok(())
    }

    /// Starts a layer. `geometry_type` is e.g. "MULTIPOLYGON" or "POINT"; `None` makes an
    /// attributes-only table.
    pub fn layer(
        &self,
        table: &str,
        identifier: &str,
        geometry_type: Option<&str>,
        srs_id: i32,
        fields: &[(&str, FieldType)],
    ) -> rusqlite::Result<LayerWriter<'_>> {
        let mut cols = vec!["fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL".to_string()];
        if geometry_type.is_some() {
            cols.push("geom BLOB".into());
        }
        // A field named like the key or geometry column (an ArcGIS export's FID), or twice
        // (names differing in case only), gets a trailing _: SQLite names are case-blind.
        let mut used: std::collections::HashSet<String> = ["fid".to_string(), "geom".to_string()]
            .into_iter()
            .collect();
        let renamed: Vec<String> = fields
            .iter()
            .map(|(n, _)| {
                let mut name = n.to_string();
                while !used.insert(name.to_lowercase()) {
                    name.push('_');
                }
                name
            })
            .collect();
        let fields: Vec<(&str, FieldType)> = renamed
            .iter()
            .zip(fields)
            .map(|(n, (_, t))| (n.as_str(), *t))
            .collect();
        let fields = fields.as_slice();
        for (name, t) in fields {
            let ty = match t {
                FieldType::Integer => "INTEGER",
                FieldType::Real => "REAL",
                FieldType::Text => "TEXT",
            };
            cols.push(format!("{} {ty}", q(name)));
        }
        self.conn
            .execute_batch(&format!("CREATE TABLE {} ({});", q(table), cols.join(", ")))?;
        let data_type = if geometry_type.is_some() {
            "features"
        } else {
            "attributes"
        };
        self.conn.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![table, data_type, identifier, if geometry_type.is_some() { Some(srs_id) } else { None }],
        )?;
        if let Some(gt) = geometry_type {
            self.conn.execute(
                "INSERT INTO gpkg_geometry_columns VALUES (?1, 'geom', ?2, ?3, 0, 0)",
                rusqlite::params![table, gt, srs_id],
            )?;
        }
        let names: Vec<String> = fields.iter().map(|(n, _)| q(n)).collect();
        let nfields = fields.len();
        let g = geometry_type.is_some();
        let placeholders: Vec<String> = (1..=nfields + g as usize)
            .map(|i| format!("?{i}"))
            .collect();
        let sql = format!(
            "INSERT INTO {} ({}{}{}) VALUES ({})",
            q(table),
            if g { "geom" } else { "" },
            if g && nfields > 0 { ", " } else { "" },
            names.join(", "),
            placeholders.join(", ")
        );
        Ok(LayerWriter {
            w: self,
            table: table.to_string(),
            extent: BBox::EMPTY,
            sql,
            nfields,
            geometry: g,
        })
    }

    /// Copies the features of `table` in the GeoPackage `src` whose primary key is in `keep`
    /// into a new table `name`, unchanged: the table's own definition (column names, types,
    /// constraints), every value as stored, its CRS definition and an R-tree index with the
    /// GeoPackage triggers that keep it current when the package is edited (in QGIS, GDAL).
    /// `keep` holds the feature ids as YiTu's reader gives them (the integer primary key, else the
    /// rowid); `None` copies every row. A view becomes a table with the view's columns.
    /// Returns the number of features copied.
    pub fn copy_features(
        &self,
        src: &Connection,
        table: &str,
        name: &str,
        keep: Option<&std::collections::HashSet<i64>>,
    ) -> rusqlite::Result<usize> {
        let c = &self.conn;
        let table: String = src.query_row(
            "SELECT table_name FROM gpkg_contents WHERE lower(table_name) = lower(?1)",
            [table],
            |r| r.get(0),
        )?;
        // The table's definition is rewritten from its parsed columns (name, type, NOT NULL,
        // default, primary key), never by editing the source's CREATE text: a name holding "(" or
        // quotes would be cut in the wrong place.
        let cols = table_columns(src, &table)?;
        // The key the reader uses: a single integer primary key, else the rowid.
        let keys: Vec<&ColumnDef> = cols.iter().filter(|c| c.pk > 0).collect();
        let pk = (keys.len() == 1 && keys[0].ty.to_ascii_uppercase().contains("INT"))
            .then(|| keys[0].name.clone());
        let autoincrement = pk.is_some()
            && src
                .query_row(
                    "SELECT sql FROM sqlite_master WHERE name = ?1 AND type = 'table'",
                    [&table],
                    |r| r.get::<_, Option<String>>(0),
                )
                .ok()
                .flatten()
                .is_some_and(|sql| sql.to_ascii_uppercase().contains("AUTOINCREMENT"));
        c.execute_batch(&create_table_sql(name, &cols, autoincrement))?;
        let ncols = cols.len();
        let pk_col = pk.unwrap_or_else(|| "rowid".into());
        let geom: Option<(String, String, i32, i64, i64)> = src
            .query_row(
                "SELECT column_name, geometry_type_name, srs_id, z, m FROM gpkg_geometry_columns WHERE table_name = ?1",
                [&table],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .ok();
        let (data_type, identifier, description): (String, Option<String>, Option<String>) = src
            .query_row(
            "SELECT data_type, identifier, description FROM gpkg_contents WHERE table_name = ?1",
            [&table],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let srs_id = geom.as_ref().map(|g| g.2);
        if let Some(id) = srs_id {
            let row: Option<(String, String, i64, String, Option<String>)> = src
                .query_row(
                    "SELECT srs_name, organization, organization_coordsys_id, definition, description FROM gpkg_spatial_ref_sys WHERE srs_id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                )
                .ok();
            if let Some((sname, org, org_id, def, desc)) = row {
                c.execute(
                    "INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    rusqlite::params![sname, id, org, org_id, def, desc.unwrap_or_default()],
                )?;
            }
        }
        // Identifiers are unique in a GeoPackage: the copy of a layer gets its new name.
        let identifier = match identifier {
            Some(i) if i != table => format!("{i} ({name})"),
            _ => name.to_string(),
        };
        c.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES (?1, ?2, ?3, ?4, ?5)",
            rusqlite::params![name, data_type, identifier, description.unwrap_or_default(), srs_id],
        )?;
        if let Some((col, gtype, id, z, m)) = &geom {
            c.execute(
                "INSERT INTO gpkg_geometry_columns VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                rusqlite::params![name, col, gtype, id, z, m],
            )?;
        }
        let placeholders: Vec<String> = (1..=ncols).map(|i| format!("?{i}")).collect();
        let mut ins = c.prepare(&format!(
            "INSERT INTO {} VALUES ({})",
            q(name),
            placeholders.join(", ")
        ))?;
        let key = if pk_col == "rowid" {
            "rowid".to_string()
        } else {
            q(&pk_col)
        };
        let total: i64 =
            src.query_row(&format!("SELECT count(*) FROM {}", q(&table)), [], |r| {
                r.get(0)
            })?;
        let mut n = 0;
        let mut vals: Vec<rusqlite::types::Value> = Vec::with_capacity(ncols);
        let mut copy_row = |r: &rusqlite::Row| -> rusqlite::Result<()> {
            vals.clear();
            for i in 0..ncols {
                vals.push(r.get::<_, rusqlite::types::Value>(i + 1)?);
            }
            ins.execute(params_from_iter(vals.iter()))?;
            n += 1;
            Ok(())
        };
        if let Some(keep) = keep.filter(|k| (k.len() as i64) * 8 < total) {
            // A small part (a village of a county): look the rows up by key.
            let mut ids: Vec<i64> = keep.iter().copied().collect();
            ids.sort_unstable();
            let mut st = src.prepare(&format!(
                "SELECT {key}, * FROM {} WHERE {key} = ?1",
                q(&table)
            ))?;
            for id in ids {
                let mut rows = st.query([id])?;
                if let Some(r) = rows.next()? {
                    copy_row(r)?;
                }
            }
        } else {
            let mut st = src.prepare(&format!("SELECT {key}, * FROM {}", q(&table)))?;
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                let id: Option<i64> = r.get(0)?;
                if keep.is_none_or(|k| id.is_some_and(|id| k.contains(&id))) {
                    copy_row(r)?;
                }
            }
        }
        if let Some((col, ..)) = &geom {
            let extent = build_rtree(c, name, col, &pk_col, true)?;
            if !extent.is_empty() {
                c.execute(
                    "UPDATE gpkg_contents SET min_x = ?1, min_y = ?2, max_x = ?3, max_y = ?4 WHERE table_name = ?5",
                    rusqlite::params![extent.min_x, extent.min_y, extent.max_x, extent.max_y, name],
                )?;
            }
        }
        Ok(n)
    }

    /// Writes a Web Mercator tile pyramid `table` (GeoPackage tiles, XYZ rows from the north) of
    /// the tiles `(z, x, y, data)` that `tiles` yields, each `tile_size` pixels square, plus an
    /// MBTiles-compatible view `tiles` (rows from the south) and `metadata` table, so the same file
    /// opens as an offline basemap wherever MBTiles do. Returns the number of tiles.
    pub fn tile_pyramid(
        &self,
        table: &str,
        identifier: &str,
        tile_size: u32,
        metadata: &[(&str, String)],
        tiles: impl Iterator<Item = rusqlite::Result<(u8, u32, u32, Vec<u8>)>>,
    ) -> rusqlite::Result<usize> {
        let c = &self.conn;
        self.add_srs(3857)?;
        let world = 2.0 * std::f64::consts::PI * crate::core::model::crs::MERCATOR_R;
        let half = world / 2.0;
        c.execute_batch(&format!(
            "CREATE TABLE IF NOT EXISTS gpkg_tile_matrix_set (table_name TEXT NOT NULL PRIMARY KEY, srs_id INTEGER NOT NULL,
               min_x DOUBLE NOT NULL, min_y DOUBLE NOT NULL, max_x DOUBLE NOT NULL, max_y DOUBLE NOT NULL);
             CREATE TABLE IF NOT EXISTS gpkg_tile_matrix (table_name TEXT NOT NULL, zoom_level INTEGER NOT NULL,
               matrix_width INTEGER NOT NULL, matrix_height INTEGER NOT NULL, tile_width INTEGER NOT NULL,
               tile_height INTEGER NOT NULL, pixel_x_size DOUBLE NOT NULL, pixel_y_size DOUBLE NOT NULL,
               CONSTRAINT pk_ttm PRIMARY KEY (table_name, zoom_level));
             CREATE TABLE {t} (id INTEGER PRIMARY KEY AUTOINCREMENT, zoom_level INTEGER NOT NULL,
               tile_column INTEGER NOT NULL, tile_row INTEGER NOT NULL, tile_data BLOB NOT NULL,
               UNIQUE (zoom_level, tile_column, tile_row));",
            t = q(table)
        ))?;
        let mut ins = c.prepare(&format!(
            "INSERT OR REPLACE INTO {} (zoom_level, tile_column, tile_row, tile_data) VALUES (?1, ?2, ?3, ?4)",
            q(table)
        ))?;
        let mut n = 0;
        let mut zooms = std::collections::BTreeSet::new();
        let mut extent = BBox::EMPTY;
        for t in tiles {
            let (z, x, y, data) = t?;
            ins.execute(rusqlite::params![z, x, y, data])?;
            zooms.insert(z);
            let b = super::tiles::tile_bounds_mercator(z, x, y);
            extent.add(b[0], b[1]);
            extent.add(b[2], b[3]);
            n += 1;
        }
        c.execute(
            "INSERT INTO gpkg_tile_matrix_set VALUES (?1, 3857, ?2, ?3, ?4, ?5)",
            rusqlite::params![table, -half, -half, half, half],
        )?;
        for z in zooms {
            let m = 1i64 << z;
            let px = world / (m as f64 * tile_size as f64);
            c.execute(
                "INSERT INTO gpkg_tile_matrix VALUES (?1, ?2, ?3, ?3, ?4, ?4, ?5, ?5)",
                rusqlite::params![table, z, m, tile_size, px],
            )?;
        }
        c.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, min_x, min_y, max_x, max_y, srs_id)
             VALUES (?1, 'tiles', ?2, ?3, ?4, ?5, ?6, 3857)",
            rusqlite::params![table, identifier, extent.min_x, extent.min_y, extent.max_x, extent.max_y],
        )?;
        c.execute_batch(&format!(
            "CREATE VIEW tiles AS SELECT zoom_level, tile_column, (1 << zoom_level) - 1 - tile_row AS tile_row, tile_data FROM {};
             CREATE TABLE metadata (name TEXT, value TEXT);",
            q(table)
        ))?;
        for (k, v) in metadata {
            c.execute(
                "INSERT INTO metadata VALUES (?1, ?2)",
                rusqlite::params![k, v],
            )?;
        }
        Ok(n)
    }

    /// Commits and moves the file into place (replacing any file at the destination).
    pub fn finish(mut self) -> rusqlite::Result<PathBuf> {
        self.conn.execute_batch("COMMIT;")?;
        let conn = std::mem::replace(&mut self.conn, Connection::open_in_memory()?);
        conn.close().map_err(|(_, e)| e)?;
        std::fs::rename(&self.tmp, &self.dest)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        self.done = true;
        Ok(self.dest.clone())
    }
}

impl Drop for GpkgWriter {
    fn drop(&mut self) {
        // Not finished: remove the temporary file; the destination is untouched.
        if !self.done {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

impl LayerWriter<'_> {
    /// Appends a feature: a GeoPackage geometry blob (see [`super::wkb`]) with its bounding box,
    /// and one value per field.
    pub fn add(
        &mut self,
        geom: Option<(&[u8], BBox)>,
        values: &[OutValue],
    ) -> rusqlite::Result<()> {
        assert_eq!(values.len(), self.nfields);
        let mut st = self.w.conn.prepare_cached(&self.sql)?;
        let mut params: Vec<rusqlite::types::Value> = Vec::with_capacity(values.len() + 1);
        if self.geometry {
            match geom {
                Some((b, bb)) => {
                    self.extent.union(&bb);
                    params.push(rusqlite::types::Value::Blob(b.to_vec()));
                }
                None => params.push(rusqlite::types::Value::Null),
            }
        }
        for v in values {
            params.push(match v {
                OutValue::Null => rusqlite::types::Value::Null,
                OutValue::Int(i) => rusqlite::types::Value::Integer(*i),
                OutValue::Real(r) => rusqlite::types::Value::Real(*r),
                OutValue::Text(t) => rusqlite::types::Value::Text(t.clone()),
            });
        }
        st.execute(params_from_iter(params))?;
        Ok(())
    }

    /// Records the extent and builds the R-tree spatial index (GeoPackage extension).
    pub fn finish(self) -> rusqlite::Result<()> {
        let c = &self.w.conn;
        if self.geometry && !self.extent.is_empty() {
            c.execute(
                "UPDATE gpkg_contents SET min_x = ?1, min_y = ?2, max_x = ?3, max_y = ?4 WHERE table_name = ?5",
                rusqlite::params![self.extent.min_x, self.extent.min_y, self.extent.max_x, self.extent.max_y, self.table],
            )?;
        }
        if self.geometry {
            build_rtree(c, &self.table, "geom", "fid", false)?;
        }
        Ok(())
    }
}

/// Whether `table` of the GeoPackage `src` is a view.
pub fn is_view(src: &Connection, table: &str) -> bool {
    src.query_row(
        "SELECT type = 'view' FROM sqlite_master WHERE lower(name) = lower(?1)",
        [table],
        |r| r.get(0),
    )
    .unwrap_or(false)
}

/// One column of a table as SQLite describes it (`PRAGMA table_info`).
#[derive(Debug, Clone)]
pub struct ColumnDef {
    /// Column name.
    pub name: String,
    /// Declared type (may be empty).
    pub ty: String,
    /// Declared NOT NULL.
    pub not_null: bool,
    /// Default value as SQL text.
    pub default: Option<String>,
    /// Position in the primary key (0: not in it).
    pub pk: i64,
}

/// The columns of `table` (or a view) in `conn`, in order (names that are not UTF-8 read as
/// GB18030).
pub fn table_columns(conn: &Connection, table: &str) -> rusqlite::Result<Vec<ColumnDef>> {
    let mut st = conn.prepare(&format!("PRAGMA table_info({})", q(table)))?;
    let rows = st.query_map([], |r| {
        // A name that is not UTF-8 (GBK written by an old tool) is read as GB18030: the copy
        // gets the proper Chinese name (rows are copied by position, never by name).
        let raw = r.get_ref(1)?.as_bytes()?;
        let name = match std::str::from_utf8(raw) {
            Ok(n) => n.to_string(),
            Err(_) => encoding_rs::GB18030.decode(raw).0.into_owned(),
        };
        Ok(ColumnDef {
            name,
            ty: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
            not_null: r.get::<_, i64>(3)? != 0,
            default: r.get(4)?,
            pk: r.get(5)?,
        })
    })?;
    rows.collect()
}

/// `CREATE TABLE name (…)` from parsed columns: every name quoted, types, NOT NULL, defaults
/// and the primary key kept (`autoincrement` for a single INTEGER key).
pub fn create_table_sql(name: &str, cols: &[ColumnDef], autoincrement: bool) -> String {
    let npk = cols.iter().filter(|c| c.pk > 0).count();
    let mut defs: Vec<String> = cols
        .iter()
        .map(|c| {
            let mut d = q(&c.name);
            if !c.ty.is_empty() {
                d.push(' ');
                d.push_str(&c.ty);
            }
            if npk == 1 && c.pk > 0 {
                d.push_str(" PRIMARY KEY");
                if autoincrement && c.ty.eq_ignore_ascii_case("INTEGER") {
                    d.push_str(" AUTOINCREMENT");
                }
            }
            if c.not_null && !(npk == 1 && c.pk > 0) {
                d.push_str(" NOT NULL");
            }
            if let Some(v) = &c.default {
                d.push_str(" DEFAULT ");
                d.push_str(v);
            }
            d
        })
        .collect();
    if npk > 1 {
        let mut keys: Vec<&ColumnDef> = cols.iter().filter(|c| c.pk > 0).collect();
        keys.sort_by_key(|c| c.pk);
        let names: Vec<String> = keys.iter().map(|c| q(&c.name)).collect();
        defs.push(format!("PRIMARY KEY ({})", names.join(", ")));
    }
    format!("CREATE TABLE {} ({});", q(name), defs.join(", "))
}

/// Builds the R-tree spatial index of `table`'s geometry column `col` (GeoPackage extension) and
/// returns the extent. With `triggers`, adds the triggers of the specification that keep the
/// index current under edits (they call ST_* functions that GDAL provides, so plain SQLite can no
/// longer edit the geometry column).
fn build_rtree(
    c: &Connection,
    table: &str,
    col: &str,
    pk: &str,
    triggers: bool,
) -> rusqlite::Result<BBox> {
    let rt_name = format!("rtree_{table}_{col}");
    let rt = q(&rt_name);
    let lit = literal;
    c.execute_batch(&format!(
        "CREATE VIRTUAL TABLE {rt} USING rtree(id, minx, maxx, miny, maxy);
         INSERT INTO gpkg_extensions VALUES ({}, {}, 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only');",
        lit(table),
        lit(col)
    ))?;
    // Envelopes come from the blob headers ([minx, maxx, miny, maxy] after the 8-byte header).
    let mut extent = BBox::EMPTY;
    let mut st = c.prepare(&format!("SELECT {}, {} FROM {}", q(pk), q(col), q(table)))?;
    let mut ins = c.prepare(&format!("INSERT INTO {rt} VALUES (?1, ?2, ?3, ?4, ?5)"))?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let fid: i64 = r.get(0)?;
        if let Ok(rusqlite::types::ValueRef::Blob(b)) = r.get_ref(1) {
            if let Some(bb) = blob_bbox(b) {
                extent.union(&bb);
                ins.execute(rusqlite::params![
                    fid, bb.min_x, bb.max_x, bb.min_y, bb.max_y
                ])?;
            }
        }
    }
    if triggers {
        let (t, c_, i) = (q(table), q(col), q(pk));
        let trig = |suffix: &str| q(&format!("{rt_name}_{suffix}"));
        let ins_new = format!(
            "INSERT OR REPLACE INTO {rt} VALUES (NEW.{i}, ST_MinX(NEW.{c_}), ST_MaxX(NEW.{c_}), ST_MinY(NEW.{c_}), ST_MaxY(NEW.{c_}));"
        );
        c.execute_batch(&format!(
            "CREATE TRIGGER {} AFTER INSERT ON {t} WHEN (NEW.{c_} NOT NULL AND NOT ST_IsEmpty(NEW.{c_})) BEGIN {ins_new} END;
             CREATE TRIGGER {} AFTER UPDATE OF {c_} ON {t} WHEN OLD.{i} = NEW.{i} AND (NEW.{c_} NOTNULL AND NOT ST_IsEmpty(NEW.{c_})) BEGIN {ins_new} END;
             CREATE TRIGGER {} AFTER UPDATE OF {c_} ON {t} WHEN OLD.{i} = NEW.{i} AND (NEW.{c_} ISNULL OR ST_IsEmpty(NEW.{c_})) BEGIN DELETE FROM {rt} WHERE id = OLD.{i}; END;
             CREATE TRIGGER {} AFTER UPDATE ON {t} WHEN OLD.{i} != NEW.{i} AND (NEW.{c_} NOTNULL AND NOT ST_IsEmpty(NEW.{c_})) BEGIN DELETE FROM {rt} WHERE id = OLD.{i}; {ins_new} END;
             CREATE TRIGGER {} AFTER UPDATE ON {t} WHEN OLD.{i} != NEW.{i} AND (NEW.{c_} ISNULL OR ST_IsEmpty(NEW.{c_})) BEGIN DELETE FROM {rt} WHERE id IN (OLD.{i}, NEW.{i}); END;
             CREATE TRIGGER {} AFTER DELETE ON {t} WHEN OLD.{c_} NOT NULL BEGIN DELETE FROM {rt} WHERE id = OLD.{i}; END;",
            trig("insert"),
            trig("update1"),
            trig("update2"),
            trig("update3"),
            trig("update4"),
            trig("delete"),
        ))?;
    }
    Ok(extent)
}

/// The bounding box of a GeoPackage blob, from its envelope or by decoding it.
pub fn blob_bbox(b: &[u8]) -> Option<BBox> {
    if b.len() >= 40 && &b[0..2] == b"GP" && (b[3] >> 1) & 0b111 != 0 && b[3] & 1 == 1 {
        let f = |i: usize| f64::from_le_bytes(b[8 + i * 8..16 + i * 8].try_into().unwrap());
        return Some(BBox {
            min_x: f(0),
            max_x: f(1),
            min_y: f(2),
            max_y: f(3),
        });
    }
    let mut s = crate::core::model::geom::GeometryStore::new();
    super::wkb::decode_gpkg_blob(Some(b), &mut s).ok()?;
    s.bboxes.first().copied().filter(|b| !b.is_empty())
}

//! Offline tile packages: MBTiles (read, validate, write) and PMTiles (validate the v3 header;
//! walkers reads the tiles). A broken package is refused with a clear message instead of
//! showing a blank map.

use crate::core::model::error::YituError;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// What a tile package holds.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TileInfo {
    /// "mbtiles" or "pmtiles".
    pub container: String,
    /// Tile format: png, jpg, webp, pbf, …
    pub format: String,
    /// Name from the metadata.
    pub name: String,
    /// Lowest zoom.
    pub min_zoom: u8,
    /// Highest zoom.
    pub max_zoom: u8,
    /// Bounds (west, south, east, north) in degrees, where declared.
    pub bounds: Option<[f64; 4]>,
    /// Attribution text, where declared (HTML stripped).
    pub attribution: String,
}

impl TileInfo {
    /// Whether YiTu can draw these tiles (raster images).
    pub fn is_raster(&self) -> bool {
        matches!(self.format.as_str(), "png" | "jpg" | "jpeg" | "webp")
    }
}

fn corrupt(path: &Path, kind: &str, e: impl std::fmt::Display) -> YituError {
    YituError::Corrupt {
        path: path.to_path_buf(),
        kind: kind.into(),
        detail: e.to_string(),
    }
}

/// An open MBTiles file.
pub struct MbTiles {
    conn: Connection,
    /// Its path.
    pub path: PathBuf,
    /// What it holds.
    pub info: TileInfo,
}

impl MbTiles {
    /// Opens and checks an MBTiles file: an SQLite database with a `tiles` table or view,
    /// readable, with a known image format.
    pub fn open(path: &Path) -> Result<MbTiles, YituError> {
        let kind = "MBTiles";
        let head = std::fs::read(path)
            .map(|b| b.get(..16).map(|h| h.to_vec()))
            .map_err(|e| corrupt(path, kind, e))?;
        if head.as_deref() != Some(b"SQLite format 3\0") {
            return Err(corrupt(path, kind, "not an SQLite database"));
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| corrupt(path, kind, e))?;
        let has_tiles: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master WHERE name = 'tiles' AND type IN ('table', 'view')", [], |r| r.get(0))
            .map_err(|e| corrupt(path, kind, e))?;
        if has_tiles == 0 {
            return Err(corrupt(path, kind, "no tiles table"));
        }
        let mut meta = std::collections::HashMap::new();
        if let Ok(mut st) = conn.prepare("SELECT name, value FROM metadata") {
            let rows = st
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                    ))
                })
                .map_err(|e| corrupt(path, kind, e))?;
            for r in rows.flatten() {
                meta.insert(r.0, r.1);
            }
        }
        let zooms: (Option<i64>, Option<i64>) = conn
            .query_row(
                "SELECT min(zoom_level), max(zoom_level) FROM tiles",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(|e| corrupt(path, kind, e))?;
        let (Some(zmin), Some(zmax)) = zooms else {
            return Err(corrupt(
                path,
                kind,
                "the package holds no tiles / 瓦片包中没有瓦片",
            ));
        };
        // Read one tile to find the format when the metadata does not say, and to prove the data pages are readable.
        let sample: Option<Vec<u8>> = conn
            .query_row(
                "SELECT tile_data FROM tiles WHERE tile_data IS NOT NULL LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| corrupt(path, kind, e))?;
        let sniffed = sample.as_deref().map(sniff_format).unwrap_or("unknown");
        let format = meta
            .get("format")
            .map(|f| f.to_ascii_lowercase())
            .filter(|f| !f.is_empty())
            .unwrap_or_else(|| sniffed.to_string());
        let bounds = meta.get("bounds").and_then(|b| {
            let v: Vec<f64> = b.split(',').filter_map(|x| x.trim().parse().ok()).collect();
            (v.len() == 4).then(|| [v[0], v[1], v[2], v[3]])
        });
        let info = TileInfo {
            container: "mbtiles".into(),
            format,
            name: meta.get("name").cloned().unwrap_or_else(|| {
                path.file_stem()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into()
            }),
            min_zoom: zmin.clamp(0, 30) as u8,
            max_zoom: zmax.clamp(0, 30) as u8,
            bounds,
            attribution: strip_html(meta.get("attribution").map(|s| s.as_str()).unwrap_or("")),
        };
        if !info.is_raster() {
            return Err(YituError::Other(format!(
                "瓦片包为 {} 格式，YiTu 目前只能显示栅格瓦片（PNG/JPEG/WebP）/ Tiles are {}: YiTu shows raster tiles (PNG/JPEG/WebP) only: {}",
                info.format,
                info.format,
                path.display()
            )));
        }
        Ok(MbTiles {
            conn,
            path: path.to_path_buf(),
            info,
        })
    }

    /// The tile at XYZ `(z, x, y)` (y counted from the north, as web maps do), if present.
    pub fn tile(&self, z: u8, x: u32, y: u32) -> Result<Option<Vec<u8>>, YituError> {
        if z > 30 || y >= (1u32 << z) {
            return Ok(None);
        }
        let tms_y = (1u32 << z) - 1 - y;
        self.conn
            .query_row(
                "SELECT tile_data FROM tiles WHERE zoom_level = ?1 AND tile_column = ?2 AND tile_row = ?3",
                rusqlite::params![z, x, tms_y],
                |r| r.get::<_, Option<Vec<u8>>>(0),
            )
            .optional()
            .map(|o| o.flatten())
            .map_err(|e| corrupt(&self.path, "MBTiles", e))
    }
}

impl MbTiles {
    /// Every tile covering the longitude/latitude box `[west, south, east, north]` (every tile
    /// when `None`), at every zoom, as XYZ `(z, x, y, data)`.
    pub fn tiles_in(
        &self,
        bbox: Option<[f64; 4]>,
    ) -> Result<Vec<(u8, u32, u32, Vec<u8>)>, YituError> {
        let err = |e: rusqlite::Error| corrupt(&self.path, "MBTiles", e);
        let mut st = self
            .conn
            .prepare(
                "SELECT tile_column, tile_row, tile_data FROM tiles WHERE zoom_level = ?1
                 AND tile_column BETWEEN ?2 AND ?3 AND tile_row BETWEEN ?4 AND ?5 AND tile_data IS NOT NULL",
            )
            .map_err(err)?;
        let mut out = Vec::new();
        for z in self.info.min_zoom..=self.info.max_zoom {
            let last = (1u32 << z) - 1;
            let (x0, y0, x1, y1) = match bbox {
                Some([w, s, e, n]) => {
                    let (x0, y0) = lonlat_to_tile(w, n, z);
                    let (x1, y1) = lonlat_to_tile(e, s, z);
                    (x0, y0, x1, y1)
                }
                None => (0, 0, last, last),
            };
            // MBTiles rows count from the south.
            let rows = st
                .query_map(rusqlite::params![z, x0, x1, last - y1, last - y0], |r| {
                    Ok((
                        r.get::<_, u32>(0)?,
                        r.get::<_, u32>(1)?,
                        r.get::<_, Vec<u8>>(2)?,
                    ))
                })
                .map_err(err)?;
            for r in rows {
                let (x, tms_y, data) = r.map_err(err)?;
                out.push((z, x, last - tms_y, data));
            }
        }
        Ok(out)
    }
}

/// Guesses an image format from its first bytes.
pub fn sniff_format(b: &[u8]) -> &'static str {
    if b.starts_with(&[0x89, b'P', b'N', b'G']) {
        "png"
    } else if b.starts_with(&[0xFF, 0xD8]) {
        "jpg"
    } else if b.len() > 12 && &b[0..4] == b"RIFF" && &b[8..12] == b"WEBP" {
        "webp"
    } else if b.starts_with(&[0x1F, 0x8B]) {
        "pbf"
    } else {
        "unknown"
    }
}

fn strip_html(s: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&copy;", "©").trim().to_string()
}

/// Checks a PMTiles v3 file from its header (GDAL 3.6 cannot read PMTiles; walkers can).
pub fn pmtiles_info(path: &Path) -> Result<TileInfo, YituError> {
    let kind = "PMTiles";
    let mut h = [0u8; 127];
    {
        use std::io::Read;
        let mut f = std::fs::File::open(path).map_err(|e| corrupt(path, kind, e))?;
        f.read_exact(&mut h)
            .map_err(|_| corrupt(path, kind, "file shorter than the 127-byte header"))?;
    }
    if &h[0..7] != b"PMTiles" {
        return Err(corrupt(path, kind, "bad magic number"));
    }
    if h[7] != 3 {
        return Err(corrupt(
            path,
            kind,
            format!("unsupported spec version {} (YiTu reads version 3)", h[7]),
        ));
    }
    let u64at = |o: usize| u64::from_le_bytes(h[o..o + 8].try_into().unwrap());
    let i32at = |o: usize| i32::from_le_bytes(h[o..o + 4].try_into().unwrap()) as f64 / 1e7;
    let len = std::fs::metadata(path)
        .map_err(|e| corrupt(path, kind, e))?
        .len();
    let (root_off, root_len) = (u64at(8), u64at(16));
    if root_off.saturating_add(root_len) > len || root_len == 0 {
        return Err(corrupt(
            path,
            kind,
            "root directory outside the file (truncated?)",
        ));
    }
    let format = match h[99] {
        1 => "pbf",
        2 => "png",
        3 => "jpg",
        4 => "webp",
        5 => "avif",
        6 => "mlt",
        _ => "unknown",
    };
    let info = TileInfo {
        container: "pmtiles".into(),
        format: format.into(),
        name: path
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into(),
        min_zoom: h[100],
        max_zoom: h[101],
        bounds: Some([i32at(102), i32at(106), i32at(110), i32at(114)]),
        attribution: String::new(),
    };
    if !info.is_raster() {
        return Err(YituError::Other(format!(
            "瓦片包为 {format} 格式，YiTu 目前只能显示栅格瓦片（PNG/JPEG/WebP）/ Tiles are {format}: YiTu shows raster tiles (PNG/JPEG/WebP) only: {}",
            path.display()
        )));
    }
    Ok(info)
}

/// Opens any tile package by extension and says what it holds.
pub fn inspect(path: &Path) -> Result<TileInfo, YituError> {
    if !path.exists() {
        return Err(YituError::NotFound(path.to_path_buf()));
    }
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .as_deref()
    {
        Some("pmtiles") => pmtiles_info(path),
        _ => MbTiles::open(path).map(|m| m.info),
    }
}

/// Writes an MBTiles file (atomically: to a temporary file renamed when finished).
pub struct MbTilesWriter {
    conn: Connection,
    tmp: PathBuf,
    dest: PathBuf,
}

impl MbTilesWriter {
    /// Starts a package with the given metadata.
    pub fn create(dest: &Path, meta: &[(&str, String)]) -> rusqlite::Result<Self> {
        let tmp = super::files::temp_beside(dest);
        let _ = std::fs::remove_file(&tmp);
        let conn = Connection::open(&tmp)?;
        conn.execute_batch(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA page_size = 4096;
             CREATE TABLE metadata (name TEXT, value TEXT);
             CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
             BEGIN;",
        )?;
        for (k, v) in meta {
            conn.execute(
                "INSERT INTO metadata VALUES (?1, ?2)",
                rusqlite::params![k, v],
            )?;
        }
        Ok(MbTilesWriter {
            conn,
            tmp,
            dest: dest.to_path_buf(),
        })
    }

    /// Adds the tile at XYZ `(z, x, y)`.
    pub fn put(&self, z: u8, x: u32, y: u32, data: &[u8]) -> rusqlite::Result<()> {
        let tms_y = (1u32 << z) - 1 - y;
        self.conn
            .prepare_cached("INSERT INTO tiles VALUES (?1, ?2, ?3, ?4)")?
            .execute(rusqlite::params![z, x, tms_y, data])?;
        Ok(())
    }

    /// Indexes, commits and moves the file into place.
    pub fn finish(self) -> rusqlite::Result<PathBuf> {
        self.conn.execute_batch("CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row); COMMIT; VACUUM;")?;
        drop(self.conn);
        std::fs::rename(&self.tmp, &self.dest)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        Ok(self.dest)
    }
}

/// The XYZ tile holding longitude/latitude at zoom `z`.
pub fn lonlat_to_tile(lon: f64, lat: f64, z: u8) -> (u32, u32) {
    let n = (1u64 << z) as f64;
    let x = ((lon + 180.0) / 360.0 * n).floor().clamp(0.0, n - 1.0);
    let lat_r = lat.clamp(-85.0511, 85.0511).to_radians();
    let y = ((1.0 - (lat_r.tan() + 1.0 / lat_r.cos()).ln() / std::f64::consts::PI) / 2.0 * n)
        .floor()
        .clamp(0.0, n - 1.0);
    (x as u32, y as u32)
}

/// Web Mercator bounds (min x, min y, max x, max y) of XYZ tile `(z, x, y)`.
pub fn tile_bounds_mercator(z: u8, x: u32, y: u32) -> [f64; 4] {
    let world = 2.0 * std::f64::consts::PI * crate::core::model::crs::MERCATOR_R;
    let size = world / (1u64 << z) as f64;
    let min_x = -world / 2.0 + x as f64 * size;
    let max_y = world / 2.0 - y as f64 * size;
    [min_x, max_y - size, min_x + size, max_y]
}

/// The offline China basemap shipped inside YiTu (`assets/basemap/china.mbtiles`: zoom 0–3 the world, 4–7 China
/// with province and city boundaries; made by `packaging/make-china-basemap.sh`, sources and licences in
/// `assets/basemap/LICENSE.md`).
pub static CHINA_PACKAGE: &[u8] = include_bytes!("../../../assets/basemap/china.mbtiles");

/// The path of the shipped China basemap, written beside the tile cache on first use (atomically; written again
/// when its size differs, after an update). SQLite reads packages from files, so the bytes in the program are
/// copied out once.
pub fn bundled_china_package() -> Result<std::path::PathBuf, String> {
    let dir = super::project::Settings::tile_cache_dir();
    let path = dir
        .parent()
        .map(|p| p.to_path_buf())
        .unwrap_or(dir)
        .join("china-basemap.mbtiles");
    let current = std::fs::metadata(&path)
        .map(|m| m.len() == CHINA_PACKAGE.len() as u64)
        .unwrap_or(false);
    if !current {
        if let Some(d) = path.parent() {
            std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
        }
        super::files::write_atomic(&path, CHINA_PACKAGE)
            .map_err(|e| super::files::write_error(&path, &e))?;
    }
    Ok(path)
}

//! Opening any file YiTu reads: GeoPackages with YiTu's own reader ([`super::gpkg`]), and the rest — and
//! GeoPackage layers that reader hands over (curves, extended geometry types) — through GDAL ([`super::ogr`]).
//! This dispatch sits above both readers, so neither depends on the other.

use crate::core::model::error::YituError;
use crate::core::model::layer::{DatasetInfo, VectorLayer};
use crate::core::model::progress::Progress;
use std::path::Path;

/// Whether YiTu reads this file with its own GeoPackage reader.
pub fn is_geopackage(path: &Path) -> bool {
    path.extension()
        .map(|e| e.eq_ignore_ascii_case("gpkg"))
        .unwrap_or(false)
}

/// Lists the layers of any file YiTu can read (GeoPackage natively, the rest through GDAL).
pub fn inspect(path: &Path) -> Result<DatasetInfo, YituError> {
    if !path.exists() {
        return Err(YituError::NotFound(path.to_path_buf()));
    }
    if is_geopackage(path) {
        super::gpkg::inspect(path)
    } else {
        super::ogr::inspect(path)
    }
}

/// [`load_layer`] taking `assume` as the CRS of a layer whose file gives none, or says longitude/latitude over
/// coordinates that are not degrees (see [`super::ogr::load_as`]).
pub fn load_layer_assuming(
    path: &Path,
    layer: Option<&str>,
    assume: Option<&crate::core::model::crs::Crs>,
    progress: &Progress,
) -> Result<VectorLayer, YituError> {
    match assume {
        None => load_layer(path, layer, progress),
        Some(_) if !is_geopackage(path) => {
            if !path.exists() {
                return Err(YituError::NotFound(path.to_path_buf()));
            }
            super::ogr::load_as(path, layer, assume, progress)
        }
        Some(_) => match load_layer(path, layer, progress) {
            Err(YituError::UnknownCrs { .. }) => super::ogr::load_as(path, layer, assume, progress),
            r => r,
        },
    }
}

/// Loads one layer of a file (by name; `None` for the first layer with geometry).
pub fn load_layer(
    path: &Path,
    layer: Option<&str>,
    progress: &Progress,
) -> Result<VectorLayer, YituError> {
    if !path.exists() {
        return Err(YituError::NotFound(path.to_path_buf()));
    }
    if is_geopackage(path) {
        match super::gpkg::load(path, layer, progress) {
            Err(YituError::NeedsGdal(_)) => super::ogr::load(path, layer, progress),
            r => r,
        }
    } else {
        super::ogr::load(path, layer, progress)
    }
}

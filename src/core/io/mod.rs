//! Input and output of files and services: YiTu's own GeoPackage reader and writer, GDAL for every other format,
//! WKB, `.dbf` encodings, SQL names, tile packages (MBTiles), department tables (CSV, XLSX), data services (HTTP),
//! project files (`.yitu`), and writing files so that nothing the user had is lost. [`read`] chooses the reader of
//! a file.
//!
//! May use: [`crate::core::model`].

pub mod boundary_points;
pub mod dbf;
pub mod files;
pub mod gpkg;
pub mod gpkg_write;
pub mod ogr;
pub mod project;
pub mod read;
pub mod service;
pub mod sql;
pub mod table_import;
pub mod tiles;
pub mod wkb;

//! The core: data model, readers, spatial index, styles and rendering for export.
//! Nothing in here depends on egui; the GUI and the CLI are thin shells over it.

pub mod attrs;
pub mod bench;
pub mod cache;
pub mod charts;
pub mod crs;
pub mod dbf;
pub mod error;
pub mod files;
pub mod geom;
pub mod gk;
pub mod gpkg;
pub mod gpkg_write;
pub mod join;
pub mod landuse;
pub mod layer;
pub mod ogr;
pub mod overlay;
pub mod package;
pub mod profile;
pub mod progress;
pub mod project;
pub mod render;
pub mod repair;
pub mod report;
pub mod roles;
pub mod sample;
pub mod scope;
pub mod service;
pub mod sql;
pub mod style;
pub mod table_import;
pub mod text;
pub mod tiles;
pub mod wkb;

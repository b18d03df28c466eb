//! What YiTu hands out: maps rendered to images (tiny-skia), text on images with the shipped CJK font, charts
//! (plotters), the village reports and atlas (PDF) and tables (XLSX), and data packages (GeoPackage) of a scope.
//! Print layouts go here too.
//!
//! May use: [`crate::core::analysis`], [`crate::core::data`], [`crate::core::io`], [`crate::core::model`].

pub mod charts;
pub mod layout;
pub mod package;
pub mod render;
pub mod report;
pub mod text;

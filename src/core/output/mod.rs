//! What YiTu hands out: maps rendered to images (tiny-skia), text on images with the shipped CJK font, charts
//! (plotters), print layouts (vector PDF, SVG, PNG through one [`canvas::Canvas`]), the village reports and atlas
//! drawn by the layout engine, the chain files (一产一档), tables (XLSX), and data packages (GeoPackage) of a scope.
//!
//! May use: [`crate::core::analysis`], [`crate::core::data`], [`crate::core::io`], [`crate::core::model`].

pub mod attributes;
pub mod canvas;
pub mod chain_report;
pub mod charts;
pub mod layout;
pub mod package;
pub mod proposal;
pub mod proposal_sheet;
pub mod render;
pub mod report;
pub mod table;
pub mod talent_map;
pub mod text;

//! The model: what YiTu's data is, in memory. Geometry (a flat store of rings and parts), attribute tables, vector
//! layers with their spatial index, coordinate reference systems and YiTu's own Gauss-Krüger series, the 三调
//! land-use classes, layer styles, the description of a join, print layouts, industry-chain templates (with the
//! GB/T 4754 code tree and credit-code checks), errors the user sees, progress and cancel.
//!
//! May use: nothing of YiTu (only crates: geo, gdal's spatial references, serde…). Every other layer builds on it.

pub mod attrs;
pub mod chain;
pub mod crs;
pub mod error;
pub mod fields;
pub mod gazetteer;
pub mod geom;
pub mod gk;
pub mod join_spec;
pub mod landuse;
pub mod layer;
pub mod layout;
pub mod progress;
pub mod proposal;
pub mod sketch;
pub mod style;
pub mod talent;

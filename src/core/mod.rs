//! The core: everything YiTu does without a window. The GUI ([`crate::gui`]) and the CLI ([`crate::cli`]) are thin
//! shells over it; nothing in here depends on egui, eframe, walkers or rfd.
//!
//! It is built in layers, and a layer uses only the layers below it (checked by `tests/architecture.rs` from the
//! `use` lines and paths of every file):
//!
//! | layer        | what lives there                                                              | may use                |
//! |--------------|-------------------------------------------------------------------------------|------------------------|
//! | [`model`]    | geometry store, attributes, layers, CRS and Gauss-Krüger, land-use classes, styles, errors, progress | nothing of YiTu |
//! | [`io`]       | GeoPackage read and write, GDAL, WKB, `.dbf` encodings, tile packages, table import, data services, project files, atomic writes | model |
//! | [`data`]     | the versioned local cache of department tables, joins to layers              | io, model              |
//! | [`analysis`] | overlay, repair, layer roles, scope, the village file (一村一档); later chains, talent, proposals | data, io, model |
//! | [`output`]   | map rendering, text on images, charts, PDF/XLSX reports and atlas, data packages; later layouts | analysis and below |
//! | [`algorithms`] | the registry: every analysis and export in one typed shape, for the app, the CLI and tests | everything above |
//! | [`sample`], [`bench`] | the synthetic sample county, the benchmarks                          | everything above       |

pub mod algorithms;
pub mod analysis;
pub mod bench;
pub mod data;
pub mod io;
pub mod model;
pub mod output;
pub mod sample;

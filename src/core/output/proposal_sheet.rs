//! The check sheet (核查单) of a land-use proposal: one A4 page from the layout engine and an appendix of 界址点.

use crate::core::analysis::proposal::{Check, Context};

/// The check sheet as a vector PDF.
pub fn sheet_pdf(_c: &Check, _ctx: &Context) -> Result<Vec<u8>, String> {
    Err("核查单尚未实现 / the check sheet is not built yet".into())
}

//! What layouts, reports and charts are drawn on: the [`Canvas`] trait (millimetres from the page's top-left
//! corner, y down) that the PDF, SVG and PNG writers implement, and the measure of the shipped font's text on it.
//! Kept apart from the layout engine so that charts (drawn onto canvases) and layouts (which hold charts) do not
//! use each other.

use crate::core::model::layout::Rect;
use crate::core::model::style::Rgba;

/// Millimetres per point.
pub const MM_PER_PT: f32 = 25.4 / 72.0;

/// Something a layout is drawn on. Coordinates in mm from the page's top-left corner, y down.
pub trait Canvas {
    /// Fills the rings of a shape (even-odd: holes stay empty).
    fn fill(&mut self, rings: &[Vec<[f32; 2]>], color: Rgba);
    /// Strokes lines (`closed`: each ring closed).
    fn stroke(&mut self, rings: &[Vec<[f32; 2]>], closed: bool, color: Rgba, width_mm: f32);
    /// Fills the rings (even-odd) and strokes their outline: one path where the canvas can (a PDF writes the
    /// shape once, not twice).
    fn fill_stroke(&mut self, rings: &[Vec<[f32; 2]>], fill: Rgba, stroke: Rgba, width_mm: f32) {
        self.fill(rings, fill);
        self.stroke(rings, true, stroke, width_mm);
    }
    /// Writes one line of text with its baseline starting at `(x, y)`.
    fn text(&mut self, x: f32, y: f32, size_pt: f32, text: &str, color: Rgba);
    /// Text over a halo of `halo` (labels on a map). By default without the halo.
    fn text_halo(&mut self, x: f32, y: f32, size_pt: f32, text: &str, color: Rgba, halo: Rgba) {
        let _ = halo;
        self.text(x, y, size_pt, text, color);
    }
    /// Draws RGBA pixels (`w × h`, straight alpha) stretched over `rect`.
    fn image(&mut self, rect: Rect, rgba: &[u8], w: u32, h: u32);
    /// The resolution images are made at for this canvas, dpi.
    fn image_dpi(&self) -> f32 {
        150.0
    }
    /// Clips what follows to `rect` until [`Canvas::pop_clip`].
    fn push_clip(&mut self, rect: Rect);
    /// Ends the last clip.
    fn pop_clip(&mut self);
    /// Starts a named group (a map layer, an item): SVG groups; nothing elsewhere.
    fn begin_group(&mut self, name: &str) {
        let _ = name;
    }
    /// Ends the last group.
    fn end_group(&mut self) {}
    /// Draws a photograph (basemap imagery, opaque): as [`Canvas::image`], or JPEG where the canvas stores images.
    fn photo(&mut self, rect: Rect, rgba: &[u8], w: u32, h: u32) {
        self.image(rect, rgba, w, h);
    }
}

/// Whether the shipped font draws `c`.
pub fn has_glyph(c: char) -> bool {
    use ab_glyph::Font;
    crate::core::output::text::font().glyph_id(c).0 != 0
}

/// The ab_glyph scale (ascent to descent) of a font size given as the em in any unit: PDF sizes are ems, ab_glyph's
/// `PxScale` is the line height.
pub fn em_to_scale(em: f32) -> f32 {
    use ab_glyph::Font;
    let f = crate::core::output::text::font();
    em * f.height_unscaled() / f.units_per_em().unwrap_or(1000.0)
}

/// Width in mm of `text` at `size_pt` (an em of `size_pt` points, as the PDF sets it).
pub fn text_width_mm(text: &str, size_pt: f32) -> f32 {
    crate::core::output::text::measure(text, em_to_scale(size_pt * MM_PER_PT)).0
}

//! A [`Canvas`] that records what is drawn, to draw it again on another canvas: pages are recorded on all
//! cores and replayed one after the other into a document that only one thread can write (the PDF).

use super::draw::Canvas;
use super::Rect;
use crate::core::model::style::Rgba;

/// One drawing call.
enum Op {
    Fill(Vec<Vec<[f32; 2]>>, Rgba),
    Stroke(Vec<Vec<[f32; 2]>>, bool, Rgba, f32),
    FillStroke(Vec<Vec<[f32; 2]>>, Rgba, Rgba, f32),
    Text(f32, f32, f32, String, Rgba, Option<Rgba>),
    Image(Rect, Vec<u8>, u32, u32, bool),
    PushClip(Rect),
    PopClip,
    BeginGroup(String),
    EndGroup,
}

/// The drawing calls of a page, in order.
pub struct Recording {
    ops: Vec<Op>,
    dpi: f32,
}

impl Recording {
    /// An empty recording whose images are made at `dpi` (that of the canvas it will be replayed on).
    pub fn new(dpi: f32) -> Recording {
        Recording { ops: vec![], dpi }
    }

    /// Draws everything recorded onto `c`.
    pub fn replay(&self, c: &mut dyn Canvas) {
        for op in &self.ops {
            match op {
                Op::Fill(r, col) => c.fill(r, *col),
                Op::Stroke(r, closed, col, w) => c.stroke(r, *closed, *col, *w),
                Op::FillStroke(r, f, s, w) => c.fill_stroke(r, *f, *s, *w),
                Op::Text(x, y, s, t, col, None) => c.text(*x, *y, *s, t, *col),
                Op::Text(x, y, s, t, col, Some(h)) => c.text_halo(*x, *y, *s, t, *col, *h),
                Op::Image(r, px, w, h, false) => c.image(*r, px, *w, *h),
                Op::Image(r, px, w, h, true) => c.photo(*r, px, *w, *h),
                Op::PushClip(r) => c.push_clip(*r),
                Op::PopClip => c.pop_clip(),
                Op::BeginGroup(n) => c.begin_group(n),
                Op::EndGroup => c.end_group(),
            }
        }
    }
}

impl Canvas for Recording {
    fn fill(&mut self, rings: &[Vec<[f32; 2]>], color: Rgba) {
        self.ops.push(Op::Fill(rings.to_vec(), color));
    }
    fn stroke(&mut self, rings: &[Vec<[f32; 2]>], closed: bool, color: Rgba, width_mm: f32) {
        self.ops
            .push(Op::Stroke(rings.to_vec(), closed, color, width_mm));
    }
    fn fill_stroke(&mut self, rings: &[Vec<[f32; 2]>], fill: Rgba, stroke: Rgba, width_mm: f32) {
        self.ops
            .push(Op::FillStroke(rings.to_vec(), fill, stroke, width_mm));
    }
    fn text(&mut self, x: f32, y: f32, size_pt: f32, text: &str, color: Rgba) {
        self.ops
            .push(Op::Text(x, y, size_pt, text.to_string(), color, None));
    }
    fn text_halo(&mut self, x: f32, y: f32, size_pt: f32, text: &str, color: Rgba, halo: Rgba) {
        self.ops
            .push(Op::Text(x, y, size_pt, text.to_string(), color, Some(halo)));
    }
    fn image(&mut self, rect: Rect, rgba: &[u8], w: u32, h: u32) {
        self.ops.push(Op::Image(rect, rgba.to_vec(), w, h, false));
    }
    fn photo(&mut self, rect: Rect, rgba: &[u8], w: u32, h: u32) {
        self.ops.push(Op::Image(rect, rgba.to_vec(), w, h, true));
    }
    fn image_dpi(&self) -> f32 {
        self.dpi
    }
    fn push_clip(&mut self, rect: Rect) {
        self.ops.push(Op::PushClip(rect));
    }
    fn pop_clip(&mut self) {
        self.ops.push(Op::PopClip);
    }
    fn begin_group(&mut self, name: &str) {
        self.ops.push(Op::BeginGroup(name.to_string()));
    }
    fn end_group(&mut self) {
        self.ops.push(Op::EndGroup);
    }
}

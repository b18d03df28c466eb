//! PNG of a layout at 150, 300 or 600 dpi (any dpi from the library), drawn by tiny-skia through the same
//! [`Canvas`] as the PDF, so both show the same page. The pixel size is known before drawing
//! ([`pixel_size`]) and a page too large to write is refused with its size.

use super::draw::{draw_layout, Canvas, Drawn, MapData, MM_PER_PT};
use super::{Layout, Rect, Variables};
use crate::core::model::style::Rgba;
use std::path::Path;
use tiny_skia::{FillRule, LineCap, LineJoin, Mask, Paint, PathBuilder, Pixmap, Stroke, Transform};

/// The largest page written: 2.7·10⁸ pixels (1 GB of RGBA) and 32 767 pixels a side.
pub const MAX_PIXELS: u64 = 270_000_000;

/// Width and height in pixels of `layout` at `dpi`.
pub fn pixel_size(layout: &Layout, dpi: f32) -> (u32, u32) {
    let (w, h) = layout.page.size_mm();
    (
        (w / 25.4 * dpi).round() as u32,
        (h / 25.4 * dpi).round() as u32,
    )
}

struct PngCanvas {
    pm: Pixmap,
    px_per_mm: f32,
    clips: Vec<Option<Mask>>,
}

impl PngCanvas {
    fn path(&self, rings: &[Vec<[f32; 2]>], closed: bool) -> Option<tiny_skia::Path> {
        let k = self.px_per_mm;
        let mut pb = PathBuilder::new();
        for r in rings {
            let mut it = r.iter();
            let Some(first) = it.next() else { continue };
            pb.move_to(first[0] * k, first[1] * k);
            for p in it {
                pb.line_to(p[0] * k, p[1] * k);
            }
            if closed {
                pb.close();
            }
        }
        pb.finish()
    }

    /// Text with its baseline at `(x, y)` mm, with an optional halo.
    fn draw_text(
        &mut self,
        x: f32,
        y: f32,
        size_pt: f32,
        text: &str,
        color: Rgba,
        halo: Option<Rgba>,
    ) {
        use ab_glyph::{Font, PxScale, ScaleFont};
        let size = super::draw::em_to_scale(size_pt * MM_PER_PT * self.px_per_mm);
        let ascent = crate::core::output::text::font()
            .as_scaled(PxScale::from(size))
            .ascent();
        let (px, py) = (x * self.px_per_mm, y * self.px_per_mm - ascent);
        crate::core::output::text::draw(
            &mut self.pm,
            text,
            px,
            py,
            size,
            color.0,
            halo.map(|h| h.0),
        );
    }

    fn paint(c: Rgba) -> Paint<'static> {
        let mut p = Paint::default();
        p.set_color_rgba8(c.0[0], c.0[1], c.0[2], c.0[3]);
        p.anti_alias = true;
        p
    }
}

impl Canvas for PngCanvas {
    fn fill(&mut self, rings: &[Vec<[f32; 2]>], color: Rgba) {
        if let Some(p) = self.path(rings, true) {
            let mask = self.clips.last().and_then(|m| m.as_ref());
            self.pm.fill_path(
                &p,
                &Self::paint(color),
                FillRule::EvenOdd,
                Transform::identity(),
                mask,
            );
        }
    }

    fn stroke(&mut self, rings: &[Vec<[f32; 2]>], closed: bool, color: Rgba, width_mm: f32) {
        if let Some(p) = self.path(rings, closed) {
            let stroke = Stroke {
                width: (width_mm * self.px_per_mm).max(0.5),
                line_join: LineJoin::Round,
                line_cap: LineCap::Round,
                ..Default::default()
            };
            let mask = self.clips.last().and_then(|m| m.as_ref());
            self.pm.stroke_path(
                &p,
                &Self::paint(color),
                &stroke,
                Transform::identity(),
                mask,
            );
        }
    }

    fn text(&mut self, x: f32, y: f32, size_pt: f32, text: &str, color: Rgba) {
        self.draw_text(x, y, size_pt, text, color, None);
    }

    fn text_halo(&mut self, x: f32, y: f32, size_pt: f32, text: &str, color: Rgba, halo: Rgba) {
        self.draw_text(x, y, size_pt, text, color, Some(halo));
    }

    fn image(&mut self, r: Rect, rgba: &[u8], w: u32, h: u32) {
        let Some(mut pm) = Pixmap::new(w, h) else {
            return;
        };
        // tiny-skia keeps premultiplied colours.
        for (d, s) in pm.data_mut().chunks_exact_mut(4).zip(rgba.chunks_exact(4)) {
            let a = s[3] as u16;
            for k in 0..3 {
                d[k] = ((s[k] as u16 * a + 127) / 255) as u8;
            }
            d[3] = s[3];
        }
        let k = self.px_per_mm;
        let t = Transform::from_row(
            r.w * k / w as f32,
            0.0,
            0.0,
            r.h * k / h as f32,
            r.x * k,
            r.y * k,
        );
        let mask = self.clips.last().and_then(|m| m.as_ref());
        let paint = tiny_skia::PixmapPaint {
            quality: tiny_skia::FilterQuality::Bilinear,
            ..Default::default()
        };
        self.pm.draw_pixmap(0, 0, pm.as_ref(), &paint, t, mask);
    }

    fn image_dpi(&self) -> f32 {
        (self.px_per_mm * 25.4).min(300.0)
    }

    fn push_clip(&mut self, r: Rect) {
        let k = self.px_per_mm;
        let mask =
            tiny_skia::Rect::from_xywh(r.x * k, r.y * k, r.w * k, r.h * k).and_then(|rect| {
                let mut m = Mask::new(self.pm.width(), self.pm.height())?;
                m.fill_path(
                    &PathBuilder::from_rect(rect),
                    FillRule::Winding,
                    true,
                    Transform::identity(),
                );
                Some(m)
            });
        self.clips.push(mask);
    }

    fn pop_clip(&mut self) {
        self.clips.pop();
    }
}

/// The page of `layout` at `dpi` as an image (white paper).
pub fn layout_pixmap(
    layout: &Layout,
    data: &MapData,
    vars: &Variables,
    dpi: f32,
) -> Result<(Pixmap, Drawn), String> {
    page_pixmap(layout.page.size_mm(), dpi, |c| {
        draw_layout(layout, data, vars, c)
    })
}

/// A `w × h` mm page drawn by `draw` (a report page) at `dpi` as an image (white paper), with what `draw`
/// returns. Errors: a page too large to hold.
pub fn page_pixmap<T>(
    (wmm, hmm): (f32, f32),
    dpi: f32,
    draw: impl FnOnce(&mut dyn Canvas) -> T,
) -> Result<(Pixmap, T), String> {
    let (w, h) = (
        (wmm / 25.4 * dpi).round() as u32,
        (hmm / 25.4 * dpi).round() as u32,
    );
    if w as u64 * h as u64 > MAX_PIXELS || w > 32_767 || h > 32_767 {
        return Err(format!(
            "图片太大：{w} × {h} 像素，最多 2.7 亿像素、每边 32767 像素；请降低 dpi / the image would be {w} × {h} pixels: at most 2.7·10⁸ pixels and 32 767 a side; lower the dpi"
        ));
    }
    let mut pm =
        Pixmap::new(w.max(1), h.max(1)).ok_or("无法分配图片 / cannot allocate the image")?;
    pm.fill(tiny_skia::Color::WHITE);
    let mut c = PngCanvas {
        pm,
        px_per_mm: dpi / 25.4,
        clips: vec![],
    };
    let drawn = draw(&mut c);
    Ok((c.pm, drawn))
}

/// Writes the PNG of `layout` at `dpi` to `out` atomically.
pub fn write_layout_png(
    layout: &Layout,
    data: &MapData,
    vars: &Variables,
    dpi: f32,
    out: &Path,
) -> Result<Drawn, String> {
    let (pm, drawn) = layout_pixmap(layout, data, vars, dpi)?;
    let bytes = pm
        .encode_png()
        .map_err(|e| format!("PNG 编码失败 / PNG encoding failed: {e}"))?;
    crate::core::io::files::write_atomic(out, bytes)
        .map_err(|e| crate::core::io::files::write_error(out, &e))?;
    Ok(drawn)
}

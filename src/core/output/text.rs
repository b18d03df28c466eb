//! Text on rendered images (map labels, titles of exported maps) with the shipped CJK font.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use tiny_skia::Pixmap;

/// The shipped Simplified Chinese font (WenQuanYi Micro Hei, Apache-2.0).
pub static FONT_BYTES: &[u8] = include_bytes!("../../../assets/fonts/wqy-microhei.ttc");

/// The font, parsed once.
pub fn font() -> &'static FontRef<'static> {
    static F: std::sync::OnceLock<FontRef<'static>> = std::sync::OnceLock::new();
    F.get_or_init(|| FontRef::try_from_slice_and_index(FONT_BYTES, 0).expect("shipped font parses"))
}

/// Width and height in pixels of `text` at `size` px.
pub fn measure(text: &str, size: f32) -> (f32, f32) {
    let f = font().as_scaled(PxScale::from(size));
    let w: f32 = text.chars().map(|c| f.h_advance(f.glyph_id(c))).sum();
    (w, f.ascent() - f.descent())
}

fn blend(pm: &mut Pixmap, x: i32, y: i32, rgba: [u8; 4], cov: f32) {
    if x < 0 || y < 0 || x >= pm.width() as i32 || y >= pm.height() as i32 {
        return;
    }
    let a = (rgba[3] as f32 / 255.0) * cov.clamp(0.0, 1.0);
    if a <= 0.0 {
        return;
    }
    let i = (y as usize * pm.width() as usize + x as usize) * 4;
    let d = pm.data_mut();
    for k in 0..3 {
        d[i + k] = (rgba[k] as f32 * a + d[i + k] as f32 * (1.0 - a)).round() as u8;
    }
    d[i + 3] = (255.0 * a + d[i + 3] as f32 * (1.0 - a)).round() as u8;
}

/// Draws `text` with its top-left corner at `(x, y)`; with `halo`, a light outline first so it
/// reads on any background.
pub fn draw(
    pm: &mut Pixmap,
    text: &str,
    x: f32,
    y: f32,
    size: f32,
    rgba: [u8; 4],
    halo: Option<[u8; 4]>,
) {
    let f = font().as_scaled(PxScale::from(size));
    let passes: Vec<((f32, f32), [u8; 4])> = match halo {
        Some(h) => {
            let mut v: Vec<((f32, f32), [u8; 4])> = [
                (-1.5, 0.0),
                (1.5, 0.0),
                (0.0, -1.5),
                (0.0, 1.5),
                (-1.0, -1.0),
                (1.0, 1.0),
                (-1.0, 1.0),
                (1.0, -1.0),
            ]
            .iter()
            .map(|d| (*d, h))
            .collect();
            v.push(((0.0, 0.0), rgba));
            v
        }
        None => vec![((0.0, 0.0), rgba)],
    };
    for ((dx, dy), color) in passes {
        let mut cx = x + dx;
        for c in text.chars() {
            let id = f.glyph_id(c);
            let g = id.with_scale_and_position(
                PxScale::from(size),
                ab_glyph::point(cx, y + dy + f.ascent()),
            );
            cx += f.h_advance(id);
            if let Some(o) = font().outline_glyph(g) {
                let b = o.px_bounds();
                o.draw(|gx, gy, cov| {
                    blend(
                        pm,
                        b.min.x as i32 + gx as i32,
                        b.min.y as i32 + gy as i32,
                        color,
                        cov,
                    )
                });
            }
        }
    }
}

/// Draws `text` centred on `(cx, cy)`; returns its pixel box (x0, y0, x1, y1).
pub fn draw_centered(
    pm: &mut Pixmap,
    text: &str,
    cx: f32,
    cy: f32,
    size: f32,
    rgba: [u8; 4],
    halo: Option<[u8; 4]>,
) -> (f32, f32, f32, f32) {
    let (w, h) = measure(text, size);
    draw(pm, text, cx - w / 2.0, cy - h / 2.0, size, rgba, halo);
    (cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0)
}

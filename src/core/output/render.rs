//! Rendering vector layers into images with tiny-skia, for the map view (in a background thread)
//! and for exports. Concave polygons, holes and multi-parts are filled exactly (even-odd rule);
//! features smaller than a pixel are drawn as one pixel, so a county of 10⁶ parcels renders in a
//! fraction of a second at county extent.

use crate::core::model::geom::{BBox, GeomKind};
use crate::core::model::layer::VectorLayer;
use crate::core::model::progress::Cancelled;
use crate::core::model::style::{LayerStyle, Rgba, StyleIndex};
use tiny_skia::{FillRule, Paint, PathBuilder, Pixmap, Stroke, Transform};

/// A view of the map: a Web Mercator rectangle drawn into `width × height` pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ViewBox {
    /// Web Mercator bounds.
    pub bbox: BBox,
    /// Pixels across.
    pub width: u32,
    /// Pixels down.
    pub height: u32,
}

impl ViewBox {
    /// Pixels per metre.
    pub fn scale(&self) -> f64 {
        self.width as f64 / self.bbox.width()
    }

    /// Pixel position of a Web Mercator point.
    #[inline]
    pub fn to_px(&self, x: f64, y: f64) -> (f32, f32) {
        let s = self.scale();
        (
            ((x - self.bbox.min_x) * s) as f32,
            ((self.bbox.max_y - y) * s) as f32,
        )
    }

    /// A view of `bbox` fitted into `width × height` (keeping the aspect ratio; the box grows).
    pub fn fit(bbox: BBox, width: u32, height: u32) -> ViewBox {
        let (cx, cy) = bbox.center();
        let s = (bbox.width() / width as f64)
            .max(bbox.height() / height as f64)
            .max(1e-9);
        let (hw, hh) = (s * width as f64 / 2.0, s * height as f64 / 2.0);
        ViewBox {
            bbox: BBox {
                min_x: cx - hw,
                min_y: cy - hh,
                max_x: cx + hw,
                max_y: cy + hh,
            },
            width,
            height,
        }
    }
}

fn color(c: Rgba, opacity: f32) -> tiny_skia::Color {
    tiny_skia::Color::from_rgba8(
        c.0[0],
        c.0[1],
        c.0[2],
        (c.0[3] as f32 * opacity.clamp(0.0, 1.0)) as u8,
    )
}

/// Blends one pixel (source-over) into the premultiplied pixmap.
#[inline]
fn plot(data: &mut [u8], width: u32, height: u32, x: f32, y: f32, c: [u8; 4]) {
    if x < 0.0 || y < 0.0 || x >= width as f32 || y >= height as f32 || c[3] == 0 {
        return;
    }
    let i = (y as usize * width as usize + x as usize) * 4;
    let a = c[3] as u32;
    let inv = 255 - a;
    for k in 0..3 {
        let src = c[k] as u32 * a / 255;
        data[i + k] = (src + data[i + k] as u32 * inv / 255) as u8;
    }
    data[i + 3] = (a + data[i + 3] as u32 * inv / 255) as u8;
}

/// Draws `layer` with `style` into `pixmap` for `view`. Returns the number of features drawn.
/// `cancelled` is polled now and then; when it says yes the drawing stops.
pub fn render_layer(
    pixmap: &mut Pixmap,
    layer: &VectorLayer,
    style: &LayerStyle,
    index: &StyleIndex,
    view: &ViewBox,
    cancelled: &dyn Fn() -> bool,
) -> Result<usize, Cancelled> {
    let mut ids: Vec<u32> = layer.query(&view.bbox).collect();
    ids.sort_unstable();
    let s = view.scale();
    let opacity = style.opacity;
    let antialias = ids.len() < 60_000;
    let stroke_paint = {
        let mut p = Paint::default();
        p.set_color(color(style.stroke, opacity));
        p.anti_alias = antialias;
        p
    };
    let stroke = Stroke {
        width: style.stroke_width.max(0.1),
        ..Default::default()
    };
    let draw_stroke = style.stroke.0[3] > 0 && style.stroke_width > 0.0;
    let premul = |c: Rgba| -> [u8; 4] {
        let a = c.0[3] as f32 * opacity;
        [c.0[0], c.0[1], c.0[2], a as u8]
    };
    let mut fill = Paint {
        anti_alias: antialias,
        ..Default::default()
    };
    let mut drawn = 0;
    let (w, h) = (pixmap.width(), pixmap.height());
    for (n, &f) in ids.iter().enumerate() {
        if n % 4096 == 0 && cancelled() {
            return Err(Cancelled);
        }
        let f = f as usize;
        let ci = index.feature_color.get(f).copied().unwrap_or(0);
        if ci == u16::MAX {
            continue;
        }
        let c = index.palette[ci as usize];
        let bb = &layer.display.bboxes[f];
        let (bw, bh) = (bb.width() * s, bb.height() * s);
        let kind = layer.display.kinds[f];
        drawn += 1;
        if kind != GeomKind::Point && bw < 1.0 && bh < 1.0 {
            // Level of detail: a sub-pixel feature is one pixel.
            let (x, y) = view.to_px((bb.min_x + bb.max_x) / 2.0, (bb.min_y + bb.max_y) / 2.0);
            let pc = if c.0[3] == 0 || kind == GeomKind::Line {
                style.stroke
            } else {
                c
            };
            plot(pixmap.data_mut(), w, h, x, y, premul(pc));
            continue;
        }
        match kind {
            GeomKind::Empty => {}
            GeomKind::Polygon | GeomKind::Line => {
                let mut pb = PathBuilder::new();
                for ring in layer.display.rings(f) {
                    let mut first = true;
                    let mut last = (f32::NAN, f32::NAN);
                    for c in ring {
                        let p = view.to_px(c[0], c[1]);
                        if !p.0.is_finite() || !p.1.is_finite() {
                            continue;
                        }
                        if first {
                            pb.move_to(p.0, p.1);
                            first = false;
                        } else if (p.0 - last.0).abs() + (p.1 - last.1).abs() > 0.3 {
                            pb.line_to(p.0, p.1);
                        } else {
                            continue;
                        }
                        last = p;
                    }
                    if kind == GeomKind::Polygon && !first {
                        pb.close();
                    }
                }
                let Some(path) = pb.finish() else { continue };
                if kind == GeomKind::Polygon {
                    if c.0[3] > 0 {
                        fill.set_color(color(c, opacity));
                        pixmap.fill_path(
                            &path,
                            &fill,
                            FillRule::EvenOdd,
                            Transform::identity(),
                            None,
                        );
                    }
                    if draw_stroke && (bw > 3.0 || bh > 3.0) {
                        pixmap.stroke_path(
                            &path,
                            &stroke_paint,
                            &stroke,
                            Transform::identity(),
                            None,
                        );
                    }
                } else {
                    let mut lp = stroke_paint.clone();
                    lp.set_color(color(c, opacity));
                    pixmap.stroke_path(&path, &lp, &stroke, Transform::identity(), None);
                }
            }
            GeomKind::Point => {
                let r = style.point_radius.max(1.0);
                for ring in layer.display.rings(f) {
                    for c0 in ring {
                        let (x, y) = view.to_px(c0[0], c0[1]);
                        if let Some(circle) = PathBuilder::from_circle(x, y, r) {
                            fill.set_color(color(c, opacity));
                            pixmap.fill_path(
                                &circle,
                                &fill,
                                FillRule::Winding,
                                Transform::identity(),
                                None,
                            );
                            if draw_stroke {
                                pixmap.stroke_path(
                                    &circle,
                                    &stroke_paint,
                                    &stroke,
                                    Transform::identity(),
                                    None,
                                );
                            }
                        }
                    }
                }
            }
        }
    }
    Ok(drawn)
}

/// Draws the outline of feature `f` (for highlighting a selection in exports and tests).
pub fn stroke_feature(
    pixmap: &mut Pixmap,
    layer: &VectorLayer,
    f: usize,
    view: &ViewBox,
    rgba: Rgba,
    width: f32,
) {
    let mut pb = PathBuilder::new();
    for ring in layer.display.rings(f) {
        for (i, c) in ring.iter().enumerate() {
            let (x, y) = view.to_px(c[0], c[1]);
            if i == 0 {
                pb.move_to(x, y);
            } else {
                pb.line_to(x, y);
            }
        }
    }
    if let Some(path) = pb.finish() {
        let mut p = Paint::default();
        p.set_color(color(rgba, 1.0));
        p.anti_alias = true;
        pixmap.stroke_path(
            &path,
            &p,
            &Stroke {
                width,
                ..Default::default()
            },
            Transform::identity(),
            None,
        );
    }
}

//! Vector PDF of a layout through krilla (Typst's PDF backend): paths as PDF paths, text as text in the shipped
//! CJK font embedded as a subset with a ToUnicode map (selectable and searchable), the title in the metadata.
//! Written atomically: a failed export leaves nothing at the target.

use super::draw::{draw_layout, Canvas, Drawn, MapData};
use super::{Layout, Rect, Variables};
use crate::core::model::style::Rgba;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point};
use krilla::num::NormalizedF32;
use krilla::paint::{Fill, FillRule, LineCap, LineJoin, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use std::path::Path;

/// Points per millimetre.
const PT_PER_MM: f32 = 72.0 / 25.4;

struct PdfCanvas<'a, 'b> {
    surface: &'a mut Surface<'b>,
    font: Font,
}

/// mm to pt, rounded to 1/100 pt (0.0035 mm, a tenth of a 600-dpi pixel): short numbers in the content stream.
fn q(mm: f32) -> f32 {
    (mm * PT_PER_MM * 100.0).round() / 100.0
}

fn path(rings: &[Vec<[f32; 2]>], closed: bool) -> Option<krilla::geom::Path> {
    let mut pb = PathBuilder::new();
    for r in rings {
        let mut it = r.iter();
        let Some(first) = it.next() else { continue };
        // Nothing krilla cannot bound: coordinates beyond a kilometre of paper are dropped.
        if r.iter().any(|p| {
            !(p[0].is_finite() && p[1].is_finite() && p[0].abs() < 1e6 && p[1].abs() < 1e6)
        }) {
            continue;
        }
        pb.move_to(q(first[0]), q(first[1]));
        for p in it {
            pb.line_to(q(p[0]), q(p[1]));
        }
        if closed {
            pb.close();
        }
    }
    pb.finish()
}

fn paint(c: Rgba) -> (krilla::paint::Paint, NormalizedF32) {
    (
        rgb::Color::new(c.0[0], c.0[1], c.0[2]).into(),
        NormalizedF32::new(c.0[3] as f32 / 255.0).unwrap_or(NormalizedF32::ONE),
    )
}

impl PdfCanvas<'_, '_> {
    /// Fills what follows with `color` by `rule`.
    fn set_fill(&mut self, color: Rgba, rule: FillRule) {
        let (paint, opacity) = paint(color);
        self.surface.set_fill(Some(Fill {
            paint,
            opacity,
            rule,
        }));
    }
    /// Text with its baseline at `(x, y)` mm in the current fill and stroke.
    fn draw_text(&mut self, x: f32, y: f32, size_pt: f32, text: &str) {
        self.surface.draw_text(
            Point::from_xy(x * PT_PER_MM, y * PT_PER_MM),
            self.font.clone(),
            size_pt,
            text,
            false,
            TextDirection::Auto,
        );
    }

    /// Draws `img` stretched over `r`.
    fn place(&mut self, r: Rect, img: krilla::image::Image) {
        let Some(size) = krilla::geom::Size::from_wh(r.w * PT_PER_MM, r.h * PT_PER_MM) else {
            return;
        };
        self.surface
            .push_transform(&krilla::geom::Transform::from_translate(
                r.x * PT_PER_MM,
                r.y * PT_PER_MM,
            ));
        self.surface.draw_image(img, size);
        self.surface.pop();
    }
}

impl Canvas for PdfCanvas<'_, '_> {
    fn fill(&mut self, rings: &[Vec<[f32; 2]>], color: Rgba) {
        let Some(p) = path(rings, true) else { return };
        self.surface.set_stroke(None);
        self.set_fill(color, FillRule::EvenOdd);
        self.surface.draw_path(&p);
    }

    fn fill_stroke(&mut self, rings: &[Vec<[f32; 2]>], fill: Rgba, stroke: Rgba, width_mm: f32) {
        let Some(p) = path(rings, true) else { return };
        self.set_fill(fill, FillRule::EvenOdd);
        let (sp, so) = paint(stroke);
        self.surface.set_stroke(Some(Stroke {
            paint: sp,
            opacity: so,
            width: width_mm * PT_PER_MM,
            line_join: LineJoin::Round,
            line_cap: LineCap::Round,
            ..Default::default()
        }));
        self.surface.draw_path(&p);
        self.surface.set_stroke(None);
    }

    fn stroke(&mut self, rings: &[Vec<[f32; 2]>], closed: bool, color: Rgba, width_mm: f32) {
        let Some(p) = path(rings, closed) else { return };
        let (paint, opacity) = paint(color);
        self.surface.set_fill(None);
        self.surface.set_stroke(Some(Stroke {
            paint,
            opacity,
            width: width_mm * PT_PER_MM,
            line_join: LineJoin::Round,
            line_cap: LineCap::Round,
            ..Default::default()
        }));
        self.surface.draw_path(&p);
        self.surface.set_stroke(None);
    }

    fn text(&mut self, x: f32, y: f32, size_pt: f32, text: &str, color: Rgba) {
        if text.is_empty() {
            return;
        }
        self.surface.set_stroke(None);
        self.set_fill(color, FillRule::NonZero);
        self.draw_text(x, y, size_pt, text);
    }

    fn text_halo(&mut self, x: f32, y: f32, size_pt: f32, text: &str, color: Rgba, halo: Rgba) {
        if text.is_empty() {
            return;
        }
        // The halo: the text stroked in the halo colour under the text itself.
        self.set_fill(halo, FillRule::NonZero);
        let (paint, opacity) = paint(halo);
        self.surface.set_stroke(Some(Stroke {
            paint,
            opacity,
            width: (size_pt * 0.25).max(0.5),
            line_join: LineJoin::Round,
            ..Default::default()
        }));
        self.draw_text(x, y, size_pt, text);
        self.surface.set_stroke(None);
        self.text(x, y, size_pt, text, color);
    }

    fn photo(&mut self, r: Rect, rgba: &[u8], w: u32, h: u32) {
        // Imagery as JPEG (a tenth of the lossless size); images with transparency stay lossless.
        if rgba.chunks_exact(4).any(|p| p[3] != 255) {
            return self.image(r, rgba, w, h);
        }
        let rgb: Vec<u8> = rgba
            .chunks_exact(4)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect();
        let mut jpeg = Vec::new();
        let encoded = image::ImageEncoder::write_image(
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85),
            &rgb,
            w,
            h,
            image::ExtendedColorType::Rgb8,
        );
        match encoded
            .ok()
            .and_then(|_| krilla::image::Image::from_jpeg(jpeg.into(), true).ok())
        {
            Some(img) => self.place(r, img),
            None => self.image(r, rgba, w, h),
        }
    }

    fn image(&mut self, r: Rect, rgba: &[u8], w: u32, h: u32) {
        let img = krilla::image::Image::from_rgba8(rgba.to_vec(), w, h);
        self.place(r, img);
    }

    fn push_clip(&mut self, r: Rect) {
        let ring = vec![
            [r.x, r.y],
            [r.x + r.w, r.y],
            [r.x + r.w, r.y + r.h],
            [r.x, r.y + r.h],
        ];
        if let Some(p) = path(&[ring], true) {
            self.surface.push_clip_path(&p, &FillRule::NonZero);
        }
    }

    fn pop_clip(&mut self) {
        self.surface.pop();
    }
}

/// A PDF of several pages drawn through [`Canvas`], built in memory: every page's text in one embedded subset
/// of the shipped font.
pub struct PdfDocument {
    doc: krilla::Document,
    font: Font,
    pages: usize,
}

impl PdfDocument {
    /// A new document with `title` in its metadata.
    pub fn new(title: &str) -> Result<PdfDocument, String> {
        let font = Font::new(crate::core::output::text::FONT_BYTES.into(), 0)
            .ok_or("内置字体无法读取 / the shipped font cannot be read")?;
        let mut doc = krilla::Document::new();
        doc.set_metadata(
            krilla::metadata::Metadata::new()
                .title(title.to_string())
                .creator("YiTu 一图".into()),
        );
        Ok(PdfDocument {
            doc,
            font,
            pages: 0,
        })
    }

    /// Adds a `w × h` mm page drawn by `draw`.
    pub fn page<T>(
        &mut self,
        (w, h): (f32, f32),
        draw: impl FnOnce(&mut dyn Canvas) -> T,
    ) -> Result<T, String> {
        let settings = krilla::page::PageSettings::from_wh(w * PT_PER_MM, h * PT_PER_MM)
            .ok_or("纸张尺寸无效 / invalid paper size")?;
        let mut page = self.doc.start_page_with(settings);
        let out = {
            let mut surface = page.surface();
            let out = {
                let mut c = PdfCanvas {
                    surface: &mut surface,
                    font: self.font.clone(),
                };
                draw(&mut c)
            };
            surface.finish();
            out
        };
        page.finish();
        self.pages += 1;
        Ok(out)
    }

    /// Pages so far.
    pub fn pages(&self) -> usize {
        self.pages
    }

    /// The finished PDF.
    pub fn finish(self) -> Result<Vec<u8>, String> {
        self.doc
            .finish()
            .map_err(|e| format!("PDF 生成失败 / the PDF could not be made: {e:?}"))
    }
}

/// The PDF of `layout` with `data`, as bytes.
pub fn layout_pdf(
    layout: &Layout,
    data: &MapData,
    vars: &Variables,
) -> Result<(Vec<u8>, Drawn), String> {
    let mut doc = PdfDocument::new(if vars.title.is_empty() {
        &layout.name
    } else {
        &vars.title
    })?;
    let drawn = doc.page(layout.page.size_mm(), |c| {
        draw_layout(layout, data, vars, c)
    })?;
    Ok((doc.finish()?, drawn))
}

/// Writes the PDF of `layout` to `out` atomically.
pub fn write_layout_pdf(
    layout: &Layout,
    data: &MapData,
    vars: &Variables,
    out: &Path,
) -> Result<Drawn, String> {
    let (bytes, drawn) = layout_pdf(layout, data, vars)?;
    crate::core::io::files::write_atomic(out, bytes)
        .map_err(|e| crate::core::io::files::write_error(out, &e))?;
    Ok(drawn)
}

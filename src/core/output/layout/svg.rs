//! SVG of a layout, through the same [`Canvas`] as the PDF and the PNG: one group per map layer and per item
//! (marked as Inkscape layers, so Inkscape and Illustrator list them by name), text as `<text>` in the shipped
//! font's family (WenQuanYi Micro Hei, then common CJK fonts), paths in millimetres to 0.01 mm, basemap tiles as
//! an embedded PNG. Written atomically: a failed export leaves nothing at the target.

use super::draw::{draw_layout, Canvas, Drawn, MapData, MM_PER_PT};
use super::{Layout, Rect, Variables};
use crate::core::model::style::Rgba;
use std::fmt::Write as _;
use std::path::Path;

/// The font families SVG text asks for, the shipped one first.
pub const FONT_FAMILY: &str =
    "'WenQuanYi Micro Hei', 'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', 'SimHei', sans-serif";

struct SvgCanvas {
    out: String,
    clip_id: usize,
    group_id: usize,
    /// The paint of each class of paths (CSS), in order of first use: a county's million parcels share a few
    /// dozen paints, written once.
    classes: Vec<String>,
    class_of: std::collections::HashMap<String, usize>,
}

/// `s` escaped for XML text and attributes.
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            // Control characters are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && c != '\t' && c != '\n' && c != '\r' => {}
            c => o.push(c),
        }
    }
    o
}

/// A number to 0.01 mm without trailing zeros.
fn num(v: f32) -> String {
    let s = format!("{:.2}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" || s.is_empty() {
        "0".into()
    } else {
        s.to_string()
    }
}

fn colour(c: Rgba) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0[0], c.0[1], c.0[2])
}

/// Hundredths of a millimetre written shortly: `150` → `1.5`, `-12` → `-.12`, `0` → `0`.
fn hundredths(v: i64) -> String {
    let (sign, a) = if v < 0 { ("-", -v) } else { ("", v) };
    let (int, frac) = (a / 100, a % 100);
    let frac = if frac == 0 {
        String::new()
    } else if frac % 10 == 0 {
        format!(".{}", frac / 10)
    } else {
        format!(".{frac:02}")
    };
    match (int, frac.is_empty()) {
        (0, true) => "0".into(),
        (0, false) => format!("{sign}{frac}"),
        _ => format!("{sign}{int}{frac}"),
    }
}

/// Path data: the first point of a ring absolute, the rest as relative steps (`l`), in hundredths of a mm
/// rounded once, so the steps add up exactly; a number starting with `-` needs no separator.
fn path_data(rings: &[Vec<[f32; 2]>], closed: bool) -> String {
    let mut d = String::new();
    let push = |d: &mut String, v: i64| {
        let t = hundredths(v);
        if !(d.is_empty() || d.ends_with(['M', 'l', 'Z']) || t.starts_with('-')) {
            d.push(' ');
        }
        d.push_str(&t);
    };
    for r in rings {
        if r.is_empty() || r.iter().any(|p| !(p[0].is_finite() && p[1].is_finite())) {
            continue;
        }
        let q = |p: &[f32; 2]| {
            (
                (p[0] as f64 * 100.0).round() as i64,
                (p[1] as f64 * 100.0).round() as i64,
            )
        };
        let (mut x, mut y) = q(&r[0]);
        d.push('M');
        push(&mut d, x);
        push(&mut d, y);
        let mut first = true;
        for p in &r[1..] {
            let (nx, ny) = q(p);
            if (nx, ny) == (x, y) {
                continue;
            }
            if first {
                d.push('l');
                first = false;
            }
            push(&mut d, nx - x);
            push(&mut d, ny - y);
            (x, y) = (nx, ny);
        }
        if closed {
            d.push('Z');
        }
    }
    d
}

impl SvgCanvas {
    fn opacity(attr: &str, c: Rgba) -> String {
        if c.0[3] == 255 {
            String::new()
        } else {
            format!(" {attr}=\"{:.3}\"", c.0[3] as f32 / 255.0)
        }
    }

    fn text_element(&mut self, x: f32, y: f32, size_pt: f32, text: &str, paint: &str) {
        let _ = writeln!(
            self.out,
            "<text x=\"{}\" y=\"{}\" font-size=\"{}\" {paint} xml:space=\"preserve\">{}</text>",
            num(x),
            num(y),
            (size_pt * MM_PER_PT * 1000.0).round() / 1000.0,
            esc(text)
        );
    }
}

impl SvgCanvas {
    /// The CSS class of a paint (declarations without braces), made on first use.
    fn class(&mut self, paint: String) -> usize {
        if let Some(c) = self.class_of.get(&paint) {
            return *c;
        }
        self.classes.push(paint.clone());
        self.class_of.insert(paint, self.classes.len() - 1);
        self.classes.len() - 1
    }
}

impl Canvas for SvgCanvas {
    fn fill(&mut self, rings: &[Vec<[f32; 2]>], color: Rgba) {
        let d = path_data(rings, true);
        if d.is_empty() {
            return;
        }
        let opacity = if color.0[3] == 255 {
            String::new()
        } else {
            format!(";fill-opacity:{:.3}", color.0[3] as f32 / 255.0)
        };
        let c = self.class(format!(
            "fill:{}{opacity};fill-rule:evenodd;stroke:none",
            colour(color)
        ));
        let _ = writeln!(self.out, "<path class=\"p{c}\" d=\"{d}\"/>");
    }

    fn stroke(&mut self, rings: &[Vec<[f32; 2]>], closed: bool, color: Rgba, width_mm: f32) {
        let d = path_data(rings, closed);
        if d.is_empty() {
            return;
        }
        let opacity = if color.0[3] == 255 {
            String::new()
        } else {
            format!(";stroke-opacity:{:.3}", color.0[3] as f32 / 255.0)
        };
        let c = self.class(format!(
            "fill:none;stroke:{}{opacity};stroke-width:{};stroke-linejoin:round;stroke-linecap:round",
            colour(color),
            (width_mm * 1000.0).round() / 1000.0
        ));
        let _ = writeln!(self.out, "<path class=\"p{c}\" d=\"{d}\"/>");
    }

    fn text(&mut self, x: f32, y: f32, size_pt: f32, text: &str, color: Rgba) {
        if text.is_empty() {
            return;
        }
        let paint = format!(
            "fill=\"{}\"{}",
            colour(color),
            Self::opacity("fill-opacity", color)
        );
        self.text_element(x, y, size_pt, text, &paint);
    }

    fn text_halo(&mut self, x: f32, y: f32, size_pt: f32, text: &str, color: Rgba, halo: Rgba) {
        if text.is_empty() {
            return;
        }
        // The halo is the text's own outline under it (paint-order is not in every renderer).
        let under = format!(
            "fill=\"{h}\" stroke=\"{h}\"{} stroke-width=\"{}\" stroke-linejoin=\"round\"",
            Self::opacity("stroke-opacity", halo),
            num((size_pt * MM_PER_PT * 0.25).max(0.2)),
            h = colour(halo)
        );
        self.text_element(x, y, size_pt, text, &under);
        self.text(x, y, size_pt, text, color);
    }

    fn image(&mut self, r: Rect, rgba: &[u8], w: u32, h: u32) {
        use base64::Engine;
        let mut png = Vec::new();
        let ok = image::ImageEncoder::write_image(
            image::codecs::png::PngEncoder::new(&mut png),
            rgba,
            w,
            h,
            image::ExtendedColorType::Rgba8,
        );
        if ok.is_err() {
            return;
        }
        let _ = writeln!(
            self.out,
            "<image x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" preserveAspectRatio=\"none\" xlink:href=\"data:image/png;base64,{}\"/>",
            num(r.x),
            num(r.y),
            num(r.w),
            num(r.h),
            base64::engine::general_purpose::STANDARD.encode(&png)
        );
    }

    fn push_clip(&mut self, r: Rect) {
        self.clip_id += 1;
        let _ = writeln!(
            self.out,
            "<clipPath id=\"clip{id}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/></clipPath>\n<g clip-path=\"url(#clip{id})\">",
            num(r.x),
            num(r.y),
            num(r.w),
            num(r.h),
            id = self.clip_id
        );
    }

    fn pop_clip(&mut self) {
        self.out.push_str("</g>\n");
    }

    fn begin_group(&mut self, name: &str) {
        self.group_id += 1;
        let _ = writeln!(
            self.out,
            "<g id=\"g{}\" inkscape:groupmode=\"layer\" inkscape:label=\"{}\">",
            self.group_id,
            esc(name)
        );
    }

    fn end_group(&mut self) {
        self.out.push_str("</g>\n");
    }
}

/// The SVG of `layout` with `data`, as text.
pub fn layout_svg(layout: &Layout, data: &MapData, vars: &Variables) -> (String, Drawn) {
    let title = if vars.title.is_empty() {
        &layout.name
    } else {
        &vars.title
    };
    page_svg(layout.page.size_mm(), title, |c| {
        draw_layout(layout, data, vars, c)
    })
}

/// The SVG of a `w × h` mm page drawn by `draw` (a report page), as text, with what `draw` returns.
pub fn page_svg<T>(
    (w, h): (f32, f32),
    title: &str,
    draw: impl FnOnce(&mut dyn Canvas) -> T,
) -> (String, T) {
    let mut c = SvgCanvas {
        out: String::new(),
        clip_id: 0,
        group_id: 0,
        classes: vec![],
        class_of: Default::default(),
    };
    let drawn = draw(&mut c);
    let mut svg = String::with_capacity(c.out.len() + 4096);
    let _ = write!(
        svg,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" \
         xmlns:inkscape=\"http://www.inkscape.org/namespaces/inkscape\" version=\"1.1\" \
         width=\"{w}mm\" height=\"{h}mm\" viewBox=\"0 0 {w} {h}\" font-family=\"{}\">\n\
         <title>{}</title>\n<rect width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>\n",
        esc(FONT_FAMILY),
        esc(title)
    );
    // The paints of the paths, as CSS classes (resvg, browsers, Inkscape and Illustrator read them).
    svg.push_str("<style>\n");
    for (i, p) in c.classes.iter().enumerate() {
        let _ = writeln!(svg, ".p{i}{{{p}}}");
    }
    svg.push_str("</style>\n");
    svg.push_str(&c.out);
    svg.push_str("</svg>\n");
    (svg, drawn)
}

/// Writes the SVG of `layout` to `out` atomically.
pub fn write_layout_svg(
    layout: &Layout,
    data: &MapData,
    vars: &Variables,
    out: &Path,
) -> Result<Drawn, String> {
    let (svg, drawn) = layout_svg(layout, data, vars);
    crate::core::io::files::write_atomic(out, svg.into_bytes())
        .map_err(|e| crate::core::io::files::write_error(out, &e))?;
    Ok(drawn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_numbers() {
        assert_eq!(esc("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;");
        assert_eq!(num(1.0), "1");
        assert_eq!(num(-0.001), "0");
        assert_eq!(num(12.345), "12.35");
        assert_eq!(hundredths(150), "1.5");
        assert_eq!(hundredths(-12), "-.12");
        assert_eq!(hundredths(-100), "-1");
        assert_eq!(hundredths(5), ".05");
        assert_eq!(
            path_data(
                &[vec![[0.0, 0.0], [1.5, 2.0], [1.5, 2.0], [1.0, 2.25]]],
                true
            ),
            "M0 0l1.5 2-.5 .25Z"
        );
    }
}

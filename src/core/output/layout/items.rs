//! The layout items beyond the map's own furniture: a picture (a unit's logo), an attribute table of the features
//! shown, and a land-use chart of the map's area.

use super::draw::{text_width_mm, Canvas, Frame, MapData, MM_PER_PT};
use super::Rect;
use crate::core::model::geom::GeomKind;
use crate::core::model::style::Rgba;

const INK: Rgba = Rgba([30, 30, 30, 255]);
const GREY: Rgba = Rgba([120, 120, 120, 255]);

fn ring(r: Rect) -> Vec<[f32; 2]> {
    vec![
        [r.x, r.y],
        [r.x + r.w, r.y],
        [r.x + r.w, r.y + r.h],
        [r.x, r.y + r.h],
    ]
}

/// Reads a picture for a layout: RGBA pixels and size, or why not.
pub fn load_picture(path: &str) -> Result<(Vec<u8>, u32, u32), String> {
    let img = image::open(path)
        .map_err(|e| format!("图片无法读取 / the picture cannot be read: {path}: {e}"))?;
    // Larger than a page at 600 dpi is never needed.
    let img = if img.width().max(img.height()) > 7000 {
        img.thumbnail(7000, 7000)
    } else {
        img
    };
    let rgba = img.to_rgba8();
    let (w, h) = rgba.dimensions();
    Ok((rgba.into_raw(), w, h))
}

/// Draws the picture at `path` kept in proportion and centred in `r`; a picture that cannot be read leaves a
/// grey box saying so.
pub fn draw_image(c: &mut dyn Canvas, r: Rect, path: &str) {
    match load_picture(path) {
        Ok((px, w, h)) if w > 0 && h > 0 => {
            let k = (r.w / w as f32).min(r.h / h as f32);
            let (iw, ih) = (w as f32 * k, h as f32 * k);
            let at = Rect {
                x: r.x + (r.w - iw) / 2.0,
                y: r.y + (r.h - ih) / 2.0,
                w: iw,
                h: ih,
            };
            c.image(at, &px, w, h);
        }
        _ => {
            c.stroke(&[ring(r)], true, GREY, 0.2);
            let t = "图片无法读取";
            let pt = 7.0f32.min(r.h / MM_PER_PT * 0.6).max(3.0);
            c.text(
                r.x + (r.w - text_width_mm(t, pt)).max(0.0) / 2.0,
                r.y + r.h / 2.0,
                pt,
                t,
                GREY,
            );
        }
    }
}

/// `text` cut with "…" to `width` mm at `pt`.
pub fn cut(text: &str, pt: f32, width: f32) -> String {
    if text_width_mm(text, pt) <= width {
        return text.to_string();
    }
    let mut s = text.to_string();
    while !s.is_empty() && text_width_mm(&format!("{s}…"), pt) > width {
        s.pop();
    }
    format!("{s}…")
}

/// Draws the attribute table of the features of `layer` whose box meets frame `f`'s ground: `fields` (or the
/// first four), sorted by the first, as many rows as fit, the rest counted.
pub fn draw_table(
    c: &mut dyn Canvas,
    r: Rect,
    f: &Frame,
    data: &MapData,
    layer: &str,
    fields: &[String],
) {
    let pt = 7.0;
    let row_h = pt * MM_PER_PT * 1.7;
    let Some(l) = data
        .layers
        .iter()
        .find(|l| l.name == layer || l.layer.source.layer.eq_ignore_ascii_case(layer))
    else {
        c.text(
            r.x + 1.0,
            r.y + row_h,
            pt,
            &format!("没有图层 {layer} / no layer {layer}"),
            GREY,
        );
        return;
    };
    let attrs = &l.layer.attrs;
    let cols: Vec<usize> = if fields.is_empty() {
        (0..attrs.fields.len().min(4)).collect()
    } else {
        fields.iter().filter_map(|n| attrs.field_index(n)).collect()
    };
    if cols.is_empty() {
        return;
    }
    let rows: Vec<u32> = (0..l.print.len())
        .filter(|&i| l.print.bboxes[i].intersects(&f.ground))
        .map(|i| i as u32)
        .collect();
    let rows = attrs.sorted_rows(cols[0], &rows, false);
    let fit = (((r.h / row_h).floor() as usize).saturating_sub(2)).max(1);
    let shown = rows.len().min(fit);
    let col_w = r.w / cols.len() as f32;
    // Header.
    c.fill(&[ring(Rect { h: row_h, ..r })], Rgba([236, 240, 246, 255]));
    for (k, &col) in cols.iter().enumerate() {
        let name = cut(&attrs.fields[col].name, pt, col_w - 2.0);
        c.text(
            r.x + k as f32 * col_w + 1.0,
            r.y + row_h * 0.72,
            pt,
            &name,
            INK,
        );
    }
    for (n, &row) in rows.iter().take(shown).enumerate() {
        let y = r.y + (n + 1) as f32 * row_h;
        if n % 2 == 1 {
            c.fill(
                &[ring(Rect { y, h: row_h, ..r })],
                Rgba([248, 248, 248, 255]),
            );
        }
        for (k, &col) in cols.iter().enumerate() {
            let v = attrs.get(row as usize, col);
            let text = cut(&v.to_string(), pt, col_w - 2.0);
            // Numbers right-aligned, text (codes too) left.
            let numeric = matches!(
                v,
                crate::core::model::attrs::Value::Int(_)
                    | crate::core::model::attrs::Value::Real(_)
            );
            let x = if numeric {
                r.x + (k + 1) as f32 * col_w - 1.0 - text_width_mm(&text, pt)
            } else {
                r.x + k as f32 * col_w + 1.0
            };
            c.text(x, y + row_h * 0.72, pt, &text, INK);
        }
        c.stroke(
            &[vec![[r.x, y + row_h], [r.x + r.w, y + row_h]]],
            false,
            Rgba([215, 215, 215, 255]),
            0.1,
        );
    }
    c.stroke(
        &[vec![[r.x, r.y + row_h], [r.x + r.w, r.y + row_h]]],
        false,
        Rgba([120, 130, 150, 255]),
        0.25,
    );
    if rows.len() > shown {
        let y = r.y + (shown + 1) as f32 * row_h + row_h * 0.72;
        c.text(
            r.x + 1.0,
            y,
            pt,
            &format!(
                "…… 另有 {} 行 / {} more rows",
                rows.len() - shown,
                rows.len() - shown
            ),
            GREY,
        );
    }
}

/// The land use of the parcels (the first area layer with a DLBM field) inside the map's area — the highlighted
/// feature, or the run's extent — by 三调 class from TBDLMJ (the feature's area where absent), in 亩, as a bar
/// chart of the largest eight classes and the rest.
pub fn landuse_bars(data: &MapData) -> Option<crate::core::output::charts::BarChart> {
    use crate::core::output::charts::{AreaUnit, BarChart, ValueFormat};
    let (_, by_class) = landuse_areas(data)?;
    let mut classes: Vec<(String, f64)> = by_class.into_iter().collect();
    classes.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mu = |m2: f64| m2 / crate::core::analysis::profile::M2_PER_MU;
    let mut bars: Vec<crate::core::output::charts::Bar> = classes
        .iter()
        .take(8)
        .map(|(code, m2)| {
            let c = crate::core::model::landuse::class(code);
            let rgb = c.map(|c| c.rgb).unwrap_or([180, 180, 180]);
            (
                c.map(|c| c.name.to_string())
                    .unwrap_or_else(|| code.clone()),
                mu(*m2),
                plotters::style::RGBColor(rgb[0], rgb[1], rgb[2]),
            )
        })
        .collect();
    let rest: f64 = classes.iter().skip(8).map(|c| c.1).sum();
    if rest > 0.0 {
        bars.push((
            "其他地类".into(),
            mu(rest),
            plotters::style::RGBColor(190, 190, 190),
        ));
    }
    Some(BarChart {
        title: "土地利用构成（亩）".into(),
        bars,
        format: ValueFormat::Area(AreaUnit::Mu),
        reference: None,
    })
}

/// The parcel layer (the first area layer with a DLBM field; its index) and the area in m² of each 三调 class
/// (DLBM) inside the map's area, from TBDLMJ (the feature's planar area where absent): inside the highlighted
/// feature (a series page), each parcel with the share of its area inside it, as the village file apportions
/// (DOMAIN.md: TBDLMJ by area share); inside a plain extent, the parcels whose inner point lies in it. `None`
/// without parcels inside.
pub fn landuse_areas(data: &MapData) -> Option<(usize, std::collections::HashMap<String, f64>)> {
    let li = data.layers.iter().position(|l| {
        l.layer.kind() == GeomKind::Polygon && l.layer.attrs.field_index("DLBM").is_some()
    })?;
    let l = &data.layers[li];
    let attrs = &l.layer.attrs;
    let dlbm = attrs.field_index("DLBM")?;
    let area = attrs.field_index("TBDLMJ");
    // Inside the highlighted feature a parcel counts with the share of its area inside it (as the village file
    // apportions parcels that cross a boundary); inside a plain extent, where its inner point lies.
    let zones = data.highlight.and_then(|(hl, hf)| {
        let h = data.layers.get(hl)?;
        (hf < h.print.len() && h.layer.kind() == GeomKind::Polygon).then(|| {
            (
                crate::core::analysis::overlay::Zones::new(&h.print),
                hf as u32,
            )
        })
    });
    let e = data.extent;
    let mut by_class: std::collections::HashMap<String, f64> = Default::default();
    for i in 0..l.print.len() {
        let bb = l.print.bboxes[i];
        if bb.is_empty() || !bb.intersects(&e) {
            continue;
        }
        let share = match &zones {
            Some((z, hf)) => z
                .shares(&l.print, i)
                .iter()
                .filter(|(zone, _)| zone == hf)
                .map(|(_, s)| *s)
                .sum::<f64>(),
            None => {
                let p = l.print.label_point(i);
                let inside =
                    p[0] >= e.min_x && p[0] <= e.max_x && p[1] >= e.min_y && p[1] <= e.max_y;
                if inside {
                    1.0
                } else {
                    0.0
                }
            }
        };
        if share <= 0.0 {
            continue;
        }
        let m2 = area
            .and_then(|a| attrs.get(i, a).as_f64())
            .unwrap_or_else(|| l.print.planar_area(i).abs());
        *by_class.entry(attrs.get(i, dlbm).to_string()).or_default() += m2 * share;
    }
    (!by_class.is_empty()).then_some((li, by_class))
}

/// Draws [`landuse_bars`] in `r` (nothing to chart: a note).
pub fn draw_landuse_chart(c: &mut dyn Canvas, r: Rect, data: &MapData) {
    match landuse_bars(data) {
        Some(chart) => {
            // Laid out as an image of the item at 150 dpi.
            let (w, h) = ((r.w / 25.4 * 150.0) as u32, (r.h / 25.4 * 150.0) as u32);
            chart.draw(c, r, w.max(1), h.max(1));
        }
        None => c.text(
            r.x + 1.0,
            r.y + 4.0,
            7.0,
            "（范围内没有地类图斑 / no parcels in the map's area）",
            GREY,
        ),
    }
}

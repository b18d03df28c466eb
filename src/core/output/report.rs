//! The village file as a report: two A4 pages per village drawn with tiny-skia (map of the
//! village in 三调 colours over the basemap with boundary, legend, scale bar and north arrow;
//! tables; charts; data sources), written as PDF; the village atlas (every village of a town or
//! the county in one job, on all cores); XLSX tables of the profiles.
//!
//! Pages are images at [`DPI`] (text is drawn with the shipped CJK font, so a report looks the
//! same on every machine and needs no font in the PDF).

use super::charts::{self, AreaUnit, Chart};
use super::render::{self, ViewBox};
use super::text;
use crate::core::analysis::profile::{Profiles, Scope, VillageProfile, M2_PER_MU, SLOPE_GRADES};
use crate::core::io::read::load_layer;
use crate::core::io::tiles::MbTiles;
use crate::core::model::geom::BBox;
use crate::core::model::layer::VectorLayer;
use crate::core::model::progress::Progress;
use crate::core::model::style::{LayerStyle, Rgba, StyleIndex, Symbology};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tiny_skia::{Color, FillRule, Paint, PathBuilder, Pixmap, PixmapPaint, Rect, Transform};

/// Resolution of report pages.
pub const DPI: f32 = 150.0;
/// A4 in pixels at [`DPI`].
pub const PAGE_W: u32 = 1240;
/// A4 height in pixels at [`DPI`].
pub const PAGE_H: u32 = 1754;
const MARGIN: f32 = 70.0;
/// Where page 1 holds the village map (x, y, width, height in pixels): stored as JPEG in the
/// PDF, the rest of the page losslessly.
pub const MAP_RECT: [u32; 4] = [70, 165, 760, 720];
const INK: [u8; 4] = [30, 30, 30, 255];
const GREY: [u8; 4] = [110, 110, 110, 255];
const ACCENT: [u8; 4] = [160, 30, 30, 255];

/// What the map of a village report is drawn from, loaded once for a whole atlas.
pub struct ReportMaps {
    parcels: Option<(Arc<VectorLayer>, LayerStyle, StyleIndex)>,
    villages: Arc<VectorLayer>,
    by_code: HashMap<String, usize>,
    basemap: Option<std::sync::Mutex<MbTiles>>,
    /// Title prefix (e.g. the county name), from the town layer or empty.
    pub title: String,
}

impl ReportMaps {
    /// Loads the village layer and the parcel layer (each `(file, layer)`) for drawing, and the
    /// basemap package.
    pub fn load(
        villages: (&Path, &str),
        parcels: (&Path, &str),
        basemap: Option<&Path>,
        progress: &Progress,
    ) -> anyhow::Result<ReportMaps> {
        // The maps need the parcels' class and the villages' codes and names, nothing else.
        let load = |(path, layer): (&Path, &str), fields: &[&str]| {
            if crate::core::io::read::is_geopackage(path) {
                let opts = crate::core::io::gpkg::ReadOptions {
                    fields: Some(fields.iter().map(|f| f.to_string()).collect()),
                    ..Default::default()
                };
                match crate::core::io::gpkg::load_with(path, Some(layer), &opts, progress) {
                    Err(crate::core::model::error::YituError::NeedsGdal(_)) => {}
                    r => return r,
                }
            }
            load_layer(path, Some(layer), progress)
        };
        let v = load(
            villages,
            &["ZLDWDM", "CJDM", "XZQDM", "DM", "ZLDWMC", "CJMC", "MC"],
        )?;
        let p = load(parcels, &["DLBM"]).ok().map(|p| {
            let style = LayerStyle::default_for(&p.name, p.kind(), &p.attrs, 0);
            (Arc::new(p), style)
        });
        Ok(ReportMaps::from_layers(Arc::new(v), p, basemap))
    }

    /// Uses layers already loaded (the app's), drawing the parcels with `style`.
    pub fn from_layers(
        villages: Arc<VectorLayer>,
        parcels: Option<(Arc<VectorLayer>, LayerStyle)>,
        basemap: Option<&Path>,
    ) -> ReportMaps {
        let v = villages;
        let code = ["ZLDWDM", "CJDM", "XZQDM", "DM"]
            .iter()
            .find_map(|f| v.attrs.field_index(f));
        let by_code = (0..v.len())
            .map(|i| {
                let c: String = code
                    .map(|c| v.attrs.get(i, c).to_string())
                    .unwrap_or_default()
                    .chars()
                    .take(12)
                    .collect();
                (c, i)
            })
            .collect();
        let parcels = parcels.map(|(p, style)| {
            let idx = StyleIndex::build(&style, &p.attrs, p.len());
            (p, style, idx)
        });
        let basemap = basemap
            .and_then(|b| MbTiles::open(b).ok())
            .map(std::sync::Mutex::new);
        ReportMaps {
            parcels,
            villages: v,
            by_code,
            basemap,
            title: String::new(),
        }
    }

    /// Draws the map of village `code` into a `w × h` image; returns it and the view.
    pub fn village_map(&self, code: &str, w: u32, h: u32) -> Option<(Pixmap, ViewBox)> {
        let f = *self.by_code.get(code)?;
        let mut bb = self.villages.display.bboxes[f];
        if bb.is_empty() {
            return None;
        }
        let pad = bb.width().max(bb.height()) * 0.06;
        bb = BBox {
            min_x: bb.min_x - pad,
            min_y: bb.min_y - pad,
            max_x: bb.max_x + pad,
            max_y: bb.max_y + pad,
        };
        let view = ViewBox::fit(bb, w, h);
        let mut pm = Pixmap::new(w, h)?;
        pm.fill(Color::from_rgba8(242, 242, 238, 255));
        if let Some(b) = &self.basemap {
            let tiles = b.lock().unwrap_or_else(|e| e.into_inner());
            draw_basemap(&mut pm, &tiles, &view);
        }
        if let Some((p, style, idx)) = &self.parcels {
            let _ = render::render_layer(&mut pm, p, style, idx, &view, &|| false);
        }
        // Outside the village: veiled, so the village stands out.
        let mut pb = PathBuilder::new();
        pb.push_rect(Rect::from_xywh(0.0, 0.0, w as f32, h as f32)?);
        for ring in self.villages.display.rings(f) {
            for (i, c) in ring.iter().enumerate() {
                let (x, y) = view.to_px(c[0], c[1]);
                if i == 0 {
                    pb.move_to(x, y)
                } else {
                    pb.line_to(x, y)
                }
            }
            pb.close();
        }
        if let Some(path) = pb.finish() {
            let mut paint = Paint::default();
            paint.set_color_rgba8(255, 255, 255, 150);
            pm.fill_path(
                &path,
                &paint,
                FillRule::EvenOdd,
                Transform::identity(),
                None,
            );
        }
        let others: Vec<u32> = self.villages.query(&view.bbox).collect();
        for o in others {
            if o as usize != f {
                render::stroke_feature(
                    &mut pm,
                    &self.villages,
                    o as usize,
                    &view,
                    Rgba([90, 90, 90, 200]),
                    1.2,
                );
            }
        }
        render::stroke_feature(
            &mut pm,
            &self.villages,
            f,
            &view,
            Rgba([255, 255, 255, 230]),
            6.0,
        );
        render::stroke_feature(
            &mut pm,
            &self.villages,
            f,
            &view,
            Rgba([200, 30, 30, 255]),
            3.0,
        );
        // Neighbour names.
        if let Some(name_col) = ["ZLDWMC", "CJMC", "MC"]
            .iter()
            .find_map(|n| self.villages.attrs.field_index(n))
        {
            for o in self.villages.query(&view.bbox).collect::<Vec<_>>() {
                let b = self.villages.display.bboxes[o as usize];
                let (x, y) = view.to_px(b.center().0, b.center().1);
                let name = self.villages.attrs.get(o as usize, name_col).to_string();
                let size = if o as usize == f { 26.0 } else { 17.0 };
                let (tw, th) = text::measure(&name, size);
                let (x, y) = (x - tw / 2.0, y - th / 2.0);
                if x > 0.0 && y > 0.0 && x + tw < w as f32 && y + th < h as f32 {
                    let ink = if o as usize == f {
                        [150, 20, 20, 255]
                    } else {
                        [70, 70, 70, 255]
                    };
                    text::draw(&mut pm, &name, x, y, size, ink, Some([255, 255, 255, 220]));
                }
            }
        }
        Some((pm, view))
    }

    /// Legend entries of the parcel classes visible around a village, with their areas.
    fn legend(&self, v: &VillageProfile) -> Vec<(String, Rgba)> {
        let Some((_, style, _)) = &self.parcels else {
            return vec![];
        };
        let Symbology::Categorized { categories, .. } = &style.symbology else {
            return vec![];
        };
        let mut classes: Vec<(&String, &f64)> = v.landuse_mu.iter().collect();
        classes.sort_by(|a, b| b.1.total_cmp(a.1));
        classes
            .into_iter()
            .filter_map(|(code, mu)| {
                let c = categories.iter().find(|c| &c.value == code)?;
                Some((format!("{}  {:.1} 亩", c.label, mu), c.color))
            })
            .take(16)
            .collect()
    }
}

fn draw_basemap(pm: &mut Pixmap, tiles: &MbTiles, view: &ViewBox) {
    let world = 2.0 * std::f64::consts::PI * crate::core::model::crs::MERCATOR_R;
    let mpp = 1.0 / view.scale();
    let z = ((world / (256.0 * mpp)).log2().round() as i32)
        .clamp(tiles.info.min_zoom as i32, tiles.info.max_zoom as i32) as u8;
    let n = 1u32 << z;
    let size = world / n as f64;
    let tx = |x: f64| (((x + world / 2.0) / size).floor().max(0.0) as u32).min(n - 1);
    let ty = |y: f64| (((world / 2.0 - y) / size).floor().max(0.0) as u32).min(n - 1);
    let (x0, x1) = (tx(view.bbox.min_x), tx(view.bbox.max_x));
    let (y0, y1) = (ty(view.bbox.max_y), ty(view.bbox.min_y));
    if (x1 - x0 + 1) * (y1 - y0 + 1) > 400 {
        return;
    }
    for y in y0..=y1 {
        for x in x0..=x1 {
            let Ok(Some(bytes)) = tiles.tile(z, x, y) else {
                continue;
            };
            let Ok(img) = image::load_from_memory(&bytes) else {
                continue;
            };
            let img = img.to_rgba8();
            let (w, h) = img.dimensions();
            let Some(mut tile) = Pixmap::new(w, h) else {
                continue;
            };
            tile.data_mut().copy_from_slice(img.as_raw());
            let b = crate::core::io::tiles::tile_bounds_mercator(z, x, y);
            let (px, py) = view.to_px(b[0], b[3]);
            let s = (size * view.scale()) as f32 / w as f32;
            pm.draw_pixmap(
                0,
                0,
                tile.as_ref(),
                &PixmapPaint {
                    quality: tiny_skia::FilterQuality::Bilinear,
                    opacity: 0.85,
                    ..Default::default()
                },
                Transform::from_row(s, 0.0, 0.0, s, px, py),
                None,
            );
        }
    }
}

fn fill_rect(pm: &mut Pixmap, x: f32, y: f32, w: f32, h: f32, c: [u8; 4]) {
    if let Some(r) = Rect::from_xywh(x, y, w, h) {
        let mut p = Paint::default();
        p.set_color_rgba8(c[0], c[1], c[2], c[3]);
        pm.fill_rect(r, &p, Transform::identity(), None);
    }
}

fn line(pm: &mut Pixmap, x0: f32, y0: f32, x1: f32, y1: f32, width: f32, c: [u8; 4]) {
    let mut pb = PathBuilder::new();
    pb.move_to(x0, y0);
    pb.line_to(x1, y1);
    if let Some(path) = pb.finish() {
        let mut p = Paint::default();
        p.set_color_rgba8(c[0], c[1], c[2], c[3]);
        p.anti_alias = true;
        pm.stroke_path(
            &path,
            &p,
            &tiny_skia::Stroke {
                width,
                ..Default::default()
            },
            Transform::identity(),
            None,
        );
    }
}

fn paste(pm: &mut Pixmap, img: &Pixmap, x: f32, y: f32) {
    pm.draw_pixmap(
        x as i32,
        y as i32,
        img.as_ref(),
        &PixmapPaint::default(),
        Transform::identity(),
        None,
    );
}

fn chart_pixmap(c: &Chart) -> Pixmap {
    let mut pm = Pixmap::new(c.width, c.height).expect("chart size");
    for (d, s) in pm.data_mut().chunks_exact_mut(4).zip(c.rgb.chunks_exact(3)) {
        d.copy_from_slice(&[s[0], s[1], s[2], 255]);
    }
    pm
}

/// A table: rows of cells, the first row a header; column widths in pixels; numbers are
/// right-aligned. Returns the y below the table.
fn table(pm: &mut Pixmap, x: f32, y: f32, widths: &[f32], rows: &[Vec<String>], size: f32) -> f32 {
    let row_h = size * 1.75;
    let total: f32 = widths.iter().sum();
    let mut yy = y;
    for (r, row) in rows.iter().enumerate() {
        if r == 0 {
            fill_rect(pm, x, yy, total, row_h, [236, 240, 246, 255]);
        } else if r % 2 == 0 {
            fill_rect(pm, x, yy, total, row_h, [250, 250, 250, 255]);
        }
        let mut xx = x;
        for (c, cell) in row.iter().enumerate() {
            let w = widths.get(c).copied().unwrap_or(80.0);
            let numeric = r > 0
                && c > 0
                && cell
                    .chars()
                    .next()
                    .is_some_and(|ch| ch.is_ascii_digit() || ch == '-' || ch == '—');
            let (tw, _) = text::measure(cell, size);
            let tx = if numeric { xx + w - tw - 8.0 } else { xx + 8.0 };
            let ink = if r == 0 { [40, 50, 70, 255] } else { INK };
            text::draw(pm, cell, tx, yy + size * 0.3, size, ink, None);
            xx += w;
        }
        yy += row_h;
        line(pm, x, yy, x + total, yy, 1.0, [210, 210, 210, 255]);
    }
    line(pm, x, y, x + total, y, 1.5, [120, 130, 150, 255]);
    yy
}

fn heading(pm: &mut Pixmap, s: &str, x: f32, y: f32) -> f32 {
    fill_rect(pm, x, y + 4.0, 6.0, 26.0, ACCENT);
    text::draw(pm, s, x + 16.0, y, 26.0, INK, None);
    y + 44.0
}

fn wrap(s: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = vec![String::new()];
    for ch in s.chars() {
        let cur = lines.last_mut().unwrap();
        cur.push(ch);
        if text::measure(cur, size).0 > width {
            cur.pop();
            lines.push(ch.to_string());
        }
    }
    lines
}

fn paragraph(pm: &mut Pixmap, s: &str, x: f32, y: f32, size: f32, width: f32, ink: [u8; 4]) -> f32 {
    let mut yy = y;
    for l in wrap(s, size, width) {
        text::draw(pm, &l, x, yy, size, ink, None);
        yy += size * 1.45;
    }
    yy
}

/// Formats an area in `unit` (from 亩) with two decimals.
pub fn area(unit: AreaUnit, mu: f64) -> String {
    format!("{:.2}", unit.from_mu(mu))
}

fn page_frame(
    pm: &mut Pixmap,
    title: &str,
    v: &VillageProfile,
    page: usize,
    pages: usize,
    generated: &str,
) {
    pm.fill(Color::WHITE);
    fill_rect(pm, 0.0, 0.0, PAGE_W as f32, 16.0, ACCENT);
    text::draw(pm, title, MARGIN, 40.0, 44.0, INK, None);
    let sub = format!(
        "{}  {}  ·  村代码 {}  ·  一村一档",
        v.town_name, v.name, v.code
    );
    text::draw(pm, &sub, MARGIN, 100.0, 22.0, GREY, None);
    line(
        pm,
        MARGIN,
        140.0,
        PAGE_W as f32 - MARGIN,
        140.0,
        2.0,
        [200, 200, 200, 255],
    );
    let foot = format!("YiTu 一图 · 生成于 {generated} · 第 {page}/{pages} 页");
    let (fw, _) = text::measure(&foot, 16.0);
    text::draw(
        pm,
        &foot,
        PAGE_W as f32 - MARGIN - fw,
        PAGE_H as f32 - 50.0,
        16.0,
        GREY,
        None,
    );
}

fn scale_bar(pm: &mut Pixmap, view: &ViewBox, ground_scale: f64, x: f32, y: f32) {
    // Ground metres per pixel: Mercator metres shrink by cos(latitude).
    let mpp = ground_scale / view.scale();
    let target = mpp * 220.0;
    let mag = 10f64.powf(target.log10().floor());
    let nice = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .filter(|m| *m <= target)
        .fold(mag, f64::max);
    let px = (nice / mpp) as f32;
    fill_rect(
        pm,
        x - 8.0,
        y - 30.0,
        px + 100.0,
        52.0,
        [255, 255, 255, 210],
    );
    fill_rect(pm, x, y, px / 2.0, 8.0, [40, 40, 40, 255]);
    fill_rect(pm, x + px / 2.0, y, px / 2.0, 8.0, [255, 255, 255, 255]);
    line(pm, x, y, x + px, y, 1.5, [40, 40, 40, 255]);
    line(pm, x, y + 8.0, x + px, y + 8.0, 1.5, [40, 40, 40, 255]);
    line(pm, x + px, y, x + px, y + 8.0, 1.5, [40, 40, 40, 255]);
    line(pm, x, y, x, y + 8.0, 1.5, [40, 40, 40, 255]);
    let label = if nice >= 1000.0 {
        format!("{} 千米", nice / 1000.0)
    } else {
        format!("{nice} 米")
    };
    text::draw(pm, "0", x - 4.0, y - 26.0, 16.0, INK, None);
    text::draw(pm, &label, x + px - 10.0, y - 26.0, 16.0, INK, None);
}

fn north_arrow(pm: &mut Pixmap, x: f32, y: f32) {
    let mut pb = PathBuilder::new();
    pb.move_to(x, y);
    pb.line_to(x + 16.0, y + 46.0);
    pb.line_to(x, y + 36.0);
    pb.close();
    let mut pb2 = PathBuilder::new();
    pb2.move_to(x, y);
    pb2.line_to(x - 16.0, y + 46.0);
    pb2.line_to(x, y + 36.0);
    pb2.close();
    let mut p = Paint::default();
    p.anti_alias = true;
    p.set_color_rgba8(30, 30, 30, 255);
    if let Some(path) = pb.finish() {
        pm.fill_path(&path, &p, FillRule::Winding, Transform::identity(), None);
    }
    p.set_color_rgba8(255, 255, 255, 255);
    if let Some(path) = pb2.finish() {
        pm.fill_path(&path, &p, FillRule::Winding, Transform::identity(), None);
        let mut s = Paint::default();
        s.set_color_rgba8(30, 30, 30, 255);
        s.anti_alias = true;
        pm.stroke_path(
            &path,
            &s,
            &tiny_skia::Stroke::default(),
            Transform::identity(),
            None,
        );
    }
    text::draw(
        pm,
        "北",
        x - 11.0,
        y + 48.0,
        22.0,
        INK,
        Some([255, 255, 255, 220]),
    );
}

/// The two pages of a village's report.
pub fn village_pages(
    maps: &ReportMaps,
    all: &Profiles,
    v: &VillageProfile,
    unit: AreaUnit,
    generated: &str,
) -> [Pixmap; 2] {
    let u = unit.label();
    let title = format!("{}{}村情档案", maps.title, v.name.trim_end_matches("村"));
    let title = if v.name.ends_with("社区") {
        format!("{}{}档案", maps.title, v.name)
    } else {
        title
    };
    let w = PAGE_W as f32 - 2.0 * MARGIN;

    // Page 1: the map, key figures, flags.
    let mut p1 = Pixmap::new(PAGE_W, PAGE_H).expect("page");
    page_frame(&mut p1, &title, v, 1, 2, generated);
    let [mx, my, map_w, map_h] = MAP_RECT;
    let (mx, my) = (mx as f32, my as f32);
    if let Some((map, view)) = maps.village_map(&v.code, map_w, map_h) {
        paste(&mut p1, &map, mx, my);
        let lat =
            crate::core::model::crs::mercator_to_lonlat(view.bbox.center().0, view.bbox.center().1)
                [1];
        scale_bar(
            &mut p1,
            &view,
            lat.to_radians().cos(),
            mx + 24.0,
            my + map_h as f32 - 30.0,
        );
        north_arrow(&mut p1, mx + map_w as f32 - 40.0, my + 18.0);
    } else {
        text::draw(
            &mut p1,
            "（无村界图形 / no boundary）",
            mx + 20.0,
            my + 20.0,
            22.0,
            GREY,
            None,
        );
    }
    let frame = [mx, my, map_w as f32, map_h as f32];
    for (a, b, c, d) in [
        (frame[0], frame[1], frame[0] + frame[2], frame[1]),
        (
            frame[0],
            frame[1] + frame[3],
            frame[0] + frame[2],
            frame[1] + frame[3],
        ),
        (frame[0], frame[1], frame[0], frame[1] + frame[3]),
        (
            frame[0] + frame[2],
            frame[1],
            frame[0] + frame[2],
            frame[1] + frame[3],
        ),
    ] {
        line(&mut p1, a, b, c, d, 1.5, [80, 80, 80, 255]);
    }
    // Legend.
    let lx = mx + map_w as f32 + 24.0;
    let mut ly = my;
    text::draw(&mut p1, "图例", lx, ly, 24.0, INK, None);
    ly += 40.0;
    fill_rect(&mut p1, lx, ly + 9.0, 34.0, 4.0, [200, 30, 30, 255]);
    text::draw(&mut p1, "本村村界", lx + 44.0, ly, 17.0, INK, None);
    ly += 28.0;
    fill_rect(&mut p1, lx, ly + 10.0, 34.0, 2.0, [90, 90, 90, 255]);
    text::draw(&mut p1, "相邻村界", lx + 44.0, ly, 17.0, INK, None);
    ly += 34.0;
    for (label, c) in maps.legend(v) {
        fill_rect(&mut p1, lx, ly + 2.0, 34.0, 20.0, c.0);
        line(
            &mut p1,
            lx,
            ly + 2.0,
            lx + 34.0,
            ly + 2.0,
            1.0,
            [120, 120, 120, 255],
        );
        line(
            &mut p1,
            lx,
            ly + 22.0,
            lx + 34.0,
            ly + 22.0,
            1.0,
            [120, 120, 120, 255],
        );
        text::draw(&mut p1, &label, lx + 44.0, ly, 17.0, INK, None);
        ly += 30.0;
    }
    text::draw(
        &mut p1,
        "地类按第三次全国国土调查图式配色",
        lx,
        my + map_h as f32 - 24.0,
        14.0,
        GREY,
        None,
    );

    let mut y = my + map_h as f32 + 30.0;
    y = heading(&mut p1, "基本情况", MARGIN, y);
    let rank = |key: &str| {
        v.ranks
            .get(key)
            .map(|r| {
                format!(
                    "镇 {}/{} · 县 {}/{}",
                    r.town, r.town_of, r.county, r.county_of
                )
            })
            .unwrap_or_else(|| "—".into())
    };
    let opt =
        |x: Option<f64>, d: usize| x.map(|x| format!("{x:.d$}")).unwrap_or_else(|| "—".into());
    let area_row = |label: &str, key: &str, mu: f64| -> Vec<String> {
        vec![
            label.into(),
            area(unit, mu),
            opt(
                all.town_average(&v.town_code, key).map(|x| unit.from_mu(x)),
                2,
            ),
            rank(key),
        ]
    };
    let rows = vec![
        vec![
            "指标".into(),
            format!("数值（{u}）"),
            "本镇村均".into(),
            "排名".into(),
        ],
        area_row("村域面积（椭球面积）", "area_mu", v.area_mu),
        area_row("耕地", "farmland_mu", v.farmland_mu),
        area_row(
            "永久基本农田",
            "permanent_farmland_mu",
            v.permanent_farmland_mu,
        ),
        area_row("建设用地", "construction_mu", v.construction_mu),
        vec![
            "户籍人口（人）".into(),
            opt(v.population, 0),
            opt(all.town_average(&v.town_code, "population"), 0),
            rank("population"),
        ],
        vec![
            format!("人均耕地（{u}/人）"),
            opt(v.farmland_per_head_mu.map(|x| unit.from_mu(x)), 3),
            opt(
                all.town_average(&v.town_code, "farmland_per_head_mu")
                    .map(|x| unit.from_mu(x)),
                3,
            ),
            rank("farmland_per_head_mu"),
        ],
        vec![
            "企业（家）/ 产值（万元）".into(),
            format!("{} / {:.1}", v.enterprises, v.enterprise_output_wan),
            opt(all.town_average(&v.town_code, "enterprise_output_wan"), 1),
            rank("enterprise_output_wan"),
        ],
    ];
    y = table(
        &mut p1,
        MARGIN,
        y,
        &[330.0, 220.0, 200.0, w - 750.0],
        &rows,
        19.0,
    ) + 26.0;
    y = heading(&mut p1, "提示", MARGIN, y);
    if v.flags.is_empty() {
        y = paragraph(
            &mut p1,
            "无需特别关注的事项。",
            MARGIN + 16.0,
            y,
            19.0,
            w - 16.0,
            INK,
        );
    }
    for f in &v.flags {
        let zh = f.split(" / ").next().unwrap_or(f);
        text::draw(&mut p1, "●", MARGIN + 4.0, y, 16.0, ACCENT, None);
        y = paragraph(&mut p1, zh, MARGIN + 28.0, y, 19.0, w - 28.0, INK);
        if y > PAGE_H as f32 - 90.0 {
            break;
        }
    }

    let y = y + 10.0;
    if y < PAGE_H as f32 - 300.0 {
        let h = (PAGE_H as f32 - 90.0 - y).min(360.0);
        let chart = charts::town_chart(all, v, (w * 0.8) as u32, h as u32);
        paste(&mut p1, &chart_pixmap(&chart), MARGIN, y);
    }

    // Page 2: the ledger, land use, industry, indicators, sources.
    let mut p2 = Pixmap::new(PAGE_W, PAGE_H).expect("page");
    page_frame(&mut p2, &title, v, 2, 2, generated);
    let col = (w - 30.0) / 2.0;
    let mut y = 165.0;
    let y0 = y;
    y = heading(&mut p2, "耕地一本账", MARGIN, y);
    let mut rows = vec![vec!["项目".into(), format!("面积（{u}）")]];
    for (label, mu) in v.ledger_rows() {
        rows.push(vec![label, area(unit, mu)]);
    }
    let ledger_end = table(&mut p2, MARGIN, y, &[col * 0.62, col * 0.38], &rows, 17.0);
    let chart = charts::ledger_chart(v, unit, col as u32, (ledger_end - y0).max(300.0) as u32);
    paste(&mut p2, &chart_pixmap(&chart), MARGIN + col + 30.0, y0);
    y = ledger_end + 24.0;

    y = heading(&mut p2, "土地利用（三调）", MARGIN, y);
    let y_lu = y;
    let mut rows = vec![vec!["地类".into(), format!("面积（{u}）"), "占比".into()]];
    let total: f64 = v.landuse_mu.values().sum();
    for (g, mu) in [
        ("农用地", v.agricultural_mu),
        ("建设用地", v.construction_mu),
        ("未利用地", v.unused_mu),
    ] {
        rows.push(vec![g.into(), area(unit, mu), pct(mu, total)]);
    }
    let mut classes: Vec<(&String, &f64)> = v.landuse_mu.iter().collect();
    classes.sort_by(|a, b| b.1.total_cmp(a.1));
    for (code, mu) in classes.iter().take(9) {
        let name = crate::core::model::landuse::class(code)
            .map(|c| c.name)
            .unwrap_or("");
        rows.push(vec![
            format!("  {code} {name}"),
            area(unit, **mu),
            pct(**mu, total),
        ]);
    }
    let lu_end = table(
        &mut p2,
        MARGIN,
        y,
        &[col * 0.5, col * 0.3, col * 0.2],
        &rows,
        17.0,
    );
    let chart = charts::landuse_chart(v, unit, col as u32, (lu_end - y_lu).max(240.0) as u32);
    paste(&mut p2, &chart_pixmap(&chart), MARGIN + col + 30.0, y_lu);
    y = lu_end.max(y_lu + chart.height as f32) + 24.0;

    y = heading(&mut p2, "产业与管控", MARGIN, y);
    let mut rows = vec![vec![
        "产业链".into(),
        "企业".into(),
        "产值（万元）".into(),
        "税收（万元）".into(),
        "从业人员".into(),
        "环节".into(),
    ]];
    for (name, c) in &v.chains {
        let links: Vec<String> = c.links.iter().map(|(l, n)| format!("{l}×{n}")).collect();
        rows.push(vec![
            name.clone(),
            c.enterprises.to_string(),
            format!("{:.1}", c.output_wan),
            format!("{:.1}", c.tax_wan),
            format!("{:.0}", c.employees),
            links.join("、"),
        ]);
    }
    if v.chains.is_empty() {
        rows.push(vec![
            "（村内无企业记录）".into(),
            "0".into(),
            "—".into(),
            "—".into(),
            "—".into(),
            String::new(),
        ]);
    }
    y = table(
        &mut p2,
        MARGIN,
        y,
        &[150.0, 80.0, 150.0, 150.0, 120.0, w - 650.0],
        &rows,
        17.0,
    ) + 10.0;
    y = paragraph(
        &mut p2,
        &format!(
            "生态保护红线内 {} {u}；城镇开发边界内 {} {u}。",
            area(unit, v.eco_redline_mu),
            area(unit, v.dev_boundary_mu)
        ),
        MARGIN,
        y,
        18.0,
        w,
        INK,
    ) + 14.0;
    if !v.indicators.is_empty() {
        y = heading(&mut p2, "部门指标", MARGIN, y);
        let mut rows = vec![vec!["指标".into(), "数值".into(), "来源".into()]];
        for i in v.indicators.iter().take(8) {
            rows.push(vec![
                i.name.clone(),
                i.value
                    .map(fmt_value)
                    .unwrap_or_else(|| "—（无记录）".into()),
                i.source.clone(),
            ]);
        }
        y = table(&mut p2, MARGIN, y, &[260.0, 180.0, w - 440.0], &rows, 16.0) + 16.0;
    }
    let mut notes = String::from("数据来源：");
    let zh: Vec<String> = all
        .sources
        .iter()
        .map(|s| {
            let (label, value) = s.split_once(": ").unwrap_or(("", s));
            format!("{}：{value}", label.split(" / ").next().unwrap_or(label))
        })
        .collect();
    notes.push_str(&zh.join("；"));
    notes.push_str(&format!(
        "。面积按 TBDLMJ 统计，跨村图斑按面积比例分摊；永久基本农田、管控区为图形面积（{}）。",
        all.crs
    ));
    // Data checks: repaired shapes per layer, roles that found no layer.
    let repaired: Vec<String> = all
        .quality
        .repaired
        .iter()
        .map(|(layer, n)| format!("{layer} {n} 个"))
        .collect();
    if !repaired.is_empty() {
        notes.push_str(&format!(
            "数据检查：无效面已按 GEOS MakeValid 修复后计算（{}）。",
            repaired.join("、")
        ));
    }
    let missing: Vec<&str> = all
        .roles
        .iter()
        .filter(|c| c.layer.is_none() && c.role != crate::core::analysis::roles::Role::Towns)
        .map(|c| c.role.label().0)
        .collect();
    if !missing.is_empty() {
        notes.push_str(&format!(
            "未找到图层：{}（相关数值不可用，不是零）。",
            missing.join("、")
        ));
    }
    paragraph(
        &mut p2,
        &notes,
        MARGIN,
        y.min(PAGE_H as f32 - 190.0),
        15.0,
        w,
        GREY,
    );
    [p1, p2]
}

fn fmt_value(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}

fn pct(part: f64, total: f64) -> String {
    if total > 0.0 {
        format!("{:.1}%", part / total * 100.0)
    } else {
        "—".into()
    }
}

/// A PDF written page by page (each page one image), atomically: pages go to a temporary file
/// that replaces `path` only when [`PdfWriter::finish`] succeeds.
pub struct PdfWriter {
    out: std::io::BufWriter<std::fs::File>,
    tmp: PathBuf,
    path: PathBuf,
    offsets: Vec<u64>,
    pos: u64,
    pages: Vec<usize>,
    title: String,
}

/// One page ready to write: Flate-compressed RGB at [`DPI`], and optionally a photographic
/// region (the map) as JPEG drawn over it.
pub struct EncodedPage {
    width: u32,
    height: u32,
    data: Vec<u8>,
    photo: Option<([u32; 4], Vec<u8>)>,
}

/// Compresses a page for the PDF (run on any thread). `photo` (x, y, width, height) is a
/// region of map or imagery: JPEG (quality 88) keeps it a fraction of its lossless size, while
/// text and tables elsewhere stay lossless and sharp.
pub fn encode_page(pm: &Pixmap, photo: Option<[u32; 4]>) -> EncodedPage {
    let (w, h) = (pm.width(), pm.height());
    let mut rgb = Vec::with_capacity((w * h * 3) as usize);
    for px in pm.data().chunks_exact(4) {
        rgb.extend_from_slice(&px[..3]);
    }
    let photo = photo
        .map(|[x, y, pw, ph]| {
            [
                x.min(w),
                y.min(h),
                pw.min(w - x.min(w)),
                ph.min(h - y.min(h)),
            ]
        })
        .filter(|r| r[2] > 0 && r[3] > 0)
        .and_then(|[x, y, pw, ph]| {
            let mut region = Vec::with_capacity((pw * ph * 3) as usize);
            for row in y..y + ph {
                let a = ((row * w + x) * 3) as usize;
                region.extend_from_slice(&rgb[a..a + (pw * 3) as usize]);
                // Under the JPEG the lossless page is plain white (compresses to nothing).
                rgb[a..a + (pw * 3) as usize].fill(255);
            }
            let mut jpeg = Vec::new();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 88)
                .encode(&region, pw, ph, image::ExtendedColorType::Rgb8)
                .ok()?;
            Some(([x, y, pw, ph], jpeg))
        });
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(3));
    let _ = z.write_all(&rgb);
    EncodedPage {
        width: w,
        height: h,
        data: z.finish().unwrap_or_default(),
        photo,
    }
}

fn pdf_text(s: &str) -> String {
    let mut h = String::from("<FEFF");
    for u in s.encode_utf16() {
        h.push_str(&format!("{u:04X}"));
    }
    h.push('>');
    h
}

impl PdfWriter {
    /// Starts a PDF at `path`.
    pub fn create(path: &Path, title: &str) -> std::io::Result<PdfWriter> {
        let tmp = crate::core::io::files::temp_beside(path);
        let f = std::fs::File::create(&tmp)?;
        let mut w = PdfWriter {
            out: std::io::BufWriter::new(f),
            tmp,
            path: path.to_path_buf(),
            offsets: vec![0, 0, 0],
            pos: 0,
            pages: vec![],
            title: title.to_string(),
        };
        w.raw(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")?;
        Ok(w)
    }

    fn raw(&mut self, b: &[u8]) -> std::io::Result<()> {
        self.out.write_all(b)?;
        self.pos += b.len() as u64;
        Ok(())
    }

    fn object(&mut self, id: usize, body: &[u8]) -> std::io::Result<()> {
        if self.offsets.len() <= id {
            self.offsets.resize(id + 1, 0);
        }
        self.offsets[id] = self.pos;
        self.raw(format!("{id} 0 obj\n").as_bytes())?;
        self.raw(body)?;
        self.raw(b"\nendobj\n")
    }

    /// Appends one page.
    pub fn page(&mut self, p: &EncodedPage) -> std::io::Result<()> {
        let id = self.offsets.len();
        let (img, content, page) = (id, id + 1, id + 2);
        let mut body = format!(
            "<< /Type /XObject /Subtype /Image /Width {} /Height {} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode /Length {} >>\nstream\n",
            p.width, p.height, p.data.len()
        )
        .into_bytes();
        body.extend_from_slice(&p.data);
        body.extend_from_slice(b"\nendstream");
        self.object(img, &body)?;
        let (pw, ph) = (595.28, 841.89);
        let mut ops = format!("q {pw} 0 0 {ph} 0 0 cm /Im0 Do Q");
        let mut xobjects = format!("/Im0 {img} 0 R");
        if let Some(([x, y, w, h], jpeg)) = &p.photo {
            let id = page + 1;
            let mut body = format!(
                "<< /Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length {} >>\nstream\n",
                jpeg.len()
            )
            .into_bytes();
            body.extend_from_slice(jpeg);
            body.extend_from_slice(b"\nendstream");
            self.object(id, &body)?;
            // Pixels to points, PDF y counted from the bottom.
            let (sx, sy) = (pw / p.width as f64, ph / p.height as f64);
            ops += &format!(
                " q {:.3} 0 0 {:.3} {:.3} {:.3} cm /Im1 Do Q",
                *w as f64 * sx,
                *h as f64 * sy,
                *x as f64 * sx,
                ph - (*y + *h) as f64 * sy
            );
            xobjects += &format!(" /Im1 {id} 0 R");
        }
        self.object(
            content,
            format!("<< /Length {} >>\nstream\n{ops}\nendstream", ops.len()).as_bytes(),
        )?;
        self.object(
            page,
            format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {pw} {ph}] /Resources << /XObject << {xobjects} >> >> /Contents {content} 0 R >>").as_bytes(),
        )?;
        self.pages.push(page);
        Ok(())
    }

    /// Pages written so far.
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// Writes the page tree and cross-reference table and moves the file into place.
    pub fn finish(mut self) -> std::io::Result<PathBuf> {
        let kids: Vec<String> = self.pages.iter().map(|p| format!("{p} 0 R")).collect();
        self.object(1, b"<< /Type /Catalog /Pages 2 0 R >>")?;
        let pages = format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            kids.len()
        );
        self.object(2, pages.as_bytes())?;
        let info = self.offsets.len();
        let title = pdf_text(&self.title);
        self.object(
            info,
            format!("<< /Title {title} /Producer (YiTu) >>").as_bytes(),
        )?;
        let xref = self.pos;
        let mut x = format!("xref\n0 {}\n0000000000 65535 f \n", self.offsets.len());
        for o in &self.offsets[1..] {
            x.push_str(&format!("{o:010} 00000 n \n"));
        }
        x.push_str(&format!(
            "trailer\n<< /Size {} /Root 1 0 R /Info {info} 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            self.offsets.len()
        ));
        self.raw(x.as_bytes())?;
        self.out.flush()?;
        self.out.get_ref().sync_all()?;
        std::fs::rename(&self.tmp, &self.path)?;
        Ok(self.path.clone())
    }
}

impl Drop for PdfWriter {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.tmp);
    }
}

/// How an atlas is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AtlasOutput {
    /// One bound PDF with every village.
    Bound(PathBuf),
    /// One PDF per village in a folder (`{code}_{name}.pdf`).
    PerVillage(PathBuf),
}

/// What an atlas job produced.
#[derive(Debug, Clone)]
pub struct AtlasResult {
    /// Villages.
    pub villages: usize,
    /// Pages.
    pub pages: usize,
    /// Files written.
    pub files: Vec<PathBuf>,
    /// Seconds spent rendering and writing (maps loaded beforehand).
    pub seconds: f64,
}

/// The date printed on reports (UTC) as YYYY-MM-DD: today, or the day of `SOURCE_DATE_EPOCH`
/// ([`crate::core::data::cache::document_time`]).
pub fn today() -> String {
    crate::core::data::cache::utc_string(crate::core::data::cache::document_time())[..10]
        .to_string()
}

/// Renders the reports of every village in `scope`, on all cores, with progress and cancel.
pub fn atlas(
    maps: &ReportMaps,
    all: &Profiles,
    scope: &Scope,
    unit: AreaUnit,
    output: &AtlasOutput,
    progress: &Progress,
) -> anyhow::Result<AtlasResult> {
    let t0 = std::time::Instant::now();
    let chosen: Vec<&VillageProfile> = all.in_scope(scope).collect();
    anyhow::ensure!(!chosen.is_empty(), "没有符合条件的村 / no village in scope");
    progress.stage("atlas / 村档案图集", chosen.len() as u64);
    let generated = today();
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .max(1);
    let mut bound = match output {
        AtlasOutput::Bound(p) => Some(PdfWriter::create(p, "一村一档 村档案图集")?),
        AtlasOutput::PerVillage(dir) => {
            std::fs::create_dir_all(dir)?;
            None
        }
    };
    let mut files = Vec::new();
    let mut pages = 0;
    for (b, batch) in chosen.chunks(threads * 2).enumerate() {
        progress
            .check()
            .map_err(|_| anyhow::anyhow!("已取消 / cancelled"))?;
        let encoded: Vec<[EncodedPage; 2]> = std::thread::scope(|s| {
            let jobs: Vec<_> = batch
                .iter()
                .map(|v| {
                    let g = &generated;
                    s.spawn(move || {
                        let [a, b] = village_pages(maps, all, v, unit, g);
                        [encode_page(&a, Some(MAP_RECT)), encode_page(&b, None)]
                    })
                })
                .collect();
            jobs.into_iter()
                .map(|j| j.join().expect("page renderer"))
                .collect()
        });
        for (v, pair) in batch.iter().zip(encoded) {
            match &mut bound {
                Some(w) => {
                    w.page(&pair[0])?;
                    w.page(&pair[1])?;
                }
                None => {
                    let AtlasOutput::PerVillage(dir) = output else {
                        unreachable!()
                    };
                    let name: String = v
                        .name
                        .chars()
                        .filter(|c| !"/\\:*?\"<>|".contains(*c))
                        .collect();
                    let path = dir.join(format!("{}_{}.pdf", v.code, name));
                    let mut w = PdfWriter::create(&path, &format!("{} 一村一档", v.name))?;
                    w.page(&pair[0])?;
                    w.page(&pair[1])?;
                    files.push(w.finish()?);
                }
            }
            pages += 2;
        }
        progress.set(((b + 1) * threads * 2).min(chosen.len()) as u64)?;
    }
    if let Some(w) = bound {
        files.push(w.finish()?);
    }
    Ok(AtlasResult {
        villages: chosen.len(),
        pages,
        files,
        seconds: t0.elapsed().as_secs_f64(),
    })
}

/// Writes the profiles of the villages in `scope` as an XLSX workbook (atomically): 汇总
/// (summary), 地类 (village × DLBM), 耕地一本账 (ledger), 产业 (chains), 指标 (indicators with
/// sources), 提示 (flags and warnings), 来源 (sources). Areas in `unit`.
pub fn write_xlsx(
    all: &Profiles,
    scope: &Scope,
    unit: AreaUnit,
    path: &Path,
) -> anyhow::Result<()> {
    use rust_xlsxwriter::{Format, Workbook};
    let u = unit.label();
    let chosen: Vec<&VillageProfile> = all.in_scope(scope).collect();
    let mut wb = Workbook::new();
    if let Ok(t) =
        rust_xlsxwriter::ExcelDateTime::from_timestamp(crate::core::data::cache::document_time())
    {
        wb.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&t));
    }
    let head = Format::new().set_bold().set_background_color(0xECF0F6);
    let num = Format::new().set_num_format("#,##0.00");
    let id = |ws: &mut rust_xlsxwriter::Worksheet,
              r: u32,
              v: &VillageProfile|
     -> Result<(), rust_xlsxwriter::XlsxError> {
        ws.write_string(r, 0, &v.code)?;
        ws.write_string(r, 1, &v.name)?;
        ws.write_string(r, 2, &v.town_code)?;
        ws.write_string(r, 3, &v.town_name)?;
        Ok(())
    };
    let id_head = ["村代码", "村名称", "乡镇代码", "乡镇"];
    // Summary.
    let ws = wb.add_worksheet().set_name("汇总")?;
    let cols: Vec<String> = id_head
        .iter()
        .map(|s| s.to_string())
        .chain([
            format!("村域面积（{u}）"),
            "村域面积（公顷）".into(),
            format!("耕地（{u}）"),
            format!("永久基本农田（{u}）"),
            format!("农用地（{u}）"),
            format!("建设用地（{u}）"),
            format!("未利用地（{u}）"),
            format!("生态红线内（{u}）"),
            format!("开发边界内（{u}）"),
            "企业（家）".into(),
            "企业产值（万元）".into(),
            "户籍人口".into(),
            format!("人均耕地（{u}）"),
            "耕地县内排名".into(),
            "提示".into(),
        ])
        .collect();
    for (c, h) in cols.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &head)?;
    }
    for (r, v) in chosen.iter().enumerate() {
        let r = r as u32 + 1;
        id(ws, r, v)?;
        let vals = [
            unit.from_mu(v.area_mu),
            v.area_ha,
            unit.from_mu(v.farmland_mu),
            unit.from_mu(v.permanent_farmland_mu),
            unit.from_mu(v.agricultural_mu),
            unit.from_mu(v.construction_mu),
            unit.from_mu(v.unused_mu),
            unit.from_mu(v.eco_redline_mu),
            unit.from_mu(v.dev_boundary_mu),
        ];
        for (i, x) in vals.iter().enumerate() {
            ws.write_number_with_format(r, 4 + i as u16, *x, &num)?;
        }
        ws.write_number(r, 13, v.enterprises as f64)?;
        ws.write_number_with_format(r, 14, v.enterprise_output_wan, &num)?;
        if let Some(p) = v.population {
            ws.write_number(r, 15, p)?;
        }
        if let Some(p) = v.farmland_per_head_mu {
            ws.write_number_with_format(
                r,
                16,
                unit.from_mu(p),
                &Format::new().set_num_format("0.000"),
            )?;
        }
        if let Some(rk) = v.ranks.get("farmland_mu") {
            ws.write_number(r, 17, rk.county as f64)?;
        }
        let flags: Vec<&str> = v
            .flags
            .iter()
            .map(|f| f.split(" / ").next().unwrap_or(f))
            .collect();
        ws.write_string(r, 18, flags.join("；"))?;
    }
    ws.set_freeze_panes(1, 2)?;
    ws.autofit();
    // Land use matrix.
    let ws = wb.add_worksheet().set_name("地类")?;
    let mut codes: Vec<&String> = chosen.iter().flat_map(|v| v.landuse_mu.keys()).collect();
    codes.sort();
    codes.dedup();
    for (c, h) in id_head.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &head)?;
    }
    for (i, code) in codes.iter().enumerate() {
        let name = crate::core::model::landuse::class(code)
            .map(|c| c.name)
            .unwrap_or("");
        ws.write_string_with_format(0, 4 + i as u16, format!("{code} {name}（{u}）"), &head)?;
    }
    for (r, v) in chosen.iter().enumerate() {
        let r = r as u32 + 1;
        id(ws, r, v)?;
        for (i, code) in codes.iter().enumerate() {
            ws.write_number_with_format(
                r,
                4 + i as u16,
                unit.from_mu(v.landuse_mu.get(*code).copied().unwrap_or(0.0)),
                &num,
            )?;
        }
    }
    ws.set_freeze_panes(1, 2)?;
    // Ledger.
    let ws = wb.add_worksheet().set_name("耕地一本账")?;
    let mut heads: Vec<String> = id_head.iter().map(|s| s.to_string()).collect();
    for h in [
        "耕地",
        "水田",
        "水浇地",
        "旱地",
        "耕地田坎",
        "田坎（全部）",
        "永久基本农田",
        "永农内耕地",
        "永农外耕地",
        "可恢复耕地",
    ] {
        heads.push(format!("{h}（{u}）"));
    }
    for (g, l) in SLOPE_GRADES {
        heads.push(format!("坡度{g}级 {l}（{u}）"));
    }
    for (c, h) in heads.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &head)?;
    }
    for (r, v) in chosen.iter().enumerate() {
        let r = r as u32 + 1;
        id(ws, r, v)?;
        let mut vals = vec![
            v.farmland_mu,
            v.paddy_mu,
            v.irrigated_mu,
            v.dry_mu,
            v.farmland_ridge_mu,
            v.ridge_mu,
            v.permanent_farmland_mu,
            v.farmland_in_permanent_mu,
            v.farmland_outside_permanent_mu,
            v.recoverable_total_mu,
        ];
        for (g, _) in SLOPE_GRADES {
            vals.push(v.slope_mu.get(g).copied().unwrap_or(0.0));
        }
        for (i, x) in vals.iter().enumerate() {
            ws.write_number_with_format(r, 4 + i as u16, unit.from_mu(*x), &num)?;
        }
    }
    ws.set_freeze_panes(1, 2)?;
    ws.autofit();
    // Industry.
    let ws = wb.add_worksheet().set_name("产业")?;
    for (c, h) in id_head
        .iter()
        .chain(&[
            "产业链",
            "企业",
            "链主企业",
            "产值（万元）",
            "税收（万元）",
            "从业人员",
            "环节",
        ])
        .enumerate()
    {
        ws.write_string_with_format(0, c as u16, *h, &head)?;
    }
    let mut r = 1;
    for v in &chosen {
        for (name, c) in &v.chains {
            id(ws, r, v)?;
            ws.write_string(r, 4, name)?;
            ws.write_number(r, 5, c.enterprises as f64)?;
            ws.write_number(r, 6, c.lead_firms as f64)?;
            ws.write_number_with_format(r, 7, c.output_wan, &num)?;
            ws.write_number_with_format(r, 8, c.tax_wan, &num)?;
            ws.write_number(r, 9, c.employees)?;
            let links: Vec<String> = c.links.iter().map(|(l, n)| format!("{l}×{n}")).collect();
            ws.write_string(r, 10, links.join("、"))?;
            r += 1;
        }
    }
    ws.autofit();
    // Indicators.
    let ws = wb.add_worksheet().set_name("指标")?;
    for (c, h) in id_head.iter().chain(&["指标", "数值", "来源"]).enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &head)?;
    }
    let mut r = 1;
    for v in &chosen {
        for i in &v.indicators {
            id(ws, r, v)?;
            ws.write_string(r, 4, &i.name)?;
            if let Some(x) = i.value {
                ws.write_number(r, 5, x)?;
            }
            ws.write_string(r, 6, &i.source)?;
            r += 1;
        }
    }
    ws.autofit();
    // Flags and warnings, sources.
    let ws = wb.add_worksheet().set_name("提示")?;
    ws.write_string_with_format(0, 0, "村代码", &head)?;
    ws.write_string_with_format(0, 1, "村名称", &head)?;
    ws.write_string_with_format(0, 2, "提示", &head)?;
    let mut r = 1;
    for v in &chosen {
        for f in &v.flags {
            ws.write_string(r, 0, &v.code)?;
            ws.write_string(r, 1, &v.name)?;
            ws.write_string(r, 2, f)?;
            r += 1;
        }
    }
    for w in &all.warnings {
        ws.write_string(r, 0, "（数据）")?;
        ws.write_string(r, 2, w)?;
        r += 1;
    }
    let ws = wb.add_worksheet().set_name("来源")?;
    for (i, s) in all.sources.iter().enumerate() {
        ws.write_string(i as u32, 0, s)?;
    }
    ws.write_string(
        all.sources.len() as u32 + 1,
        0,
        format!(
            "面积坐标系 / CRS: {}；1 亩 = 10000/15 m²（{:.4} m²）",
            all.crs, M2_PER_MU
        ),
    )?;
    let mut r = all.sources.len() as u32 + 2;
    for c in &all.roles {
        if c.layer.is_none() {
            ws.write_string(r, 0, c.describe())?;
            r += 1;
        }
    }
    for (layer, n) in &all.quality.repaired {
        ws.write_string(
            r,
            0,
            format!("数据检查 / data check: {layer} {n} 个无效面已修复 (GEOS MakeValid) / invalid polygons repaired"),
        )?;
        r += 1;
    }
    ws.autofit();
    let tmp = crate::core::io::files::temp_beside(path);
    wb.save(&tmp)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })?;
    Ok(())
}

/// The village files of `chosen` as CSV text (UTF-8 with a BOM, areas in 亩, flags by their Chinese text), as
/// `yitu profile --format csv` writes it.
pub fn village_csv(chosen: &[&crate::core::analysis::profile::VillageProfile]) -> String {
    let mut s = String::from("\u{feff}code,name,town_code,town_name,area_mu,area_ha,farmland_mu,paddy_mu,irrigated_mu,dry_mu,ridge_mu,farmland_ridge_mu,permanent_farmland_mu,farmland_outside_permanent_mu,recoverable_total_mu,agricultural_mu,construction_mu,unused_mu,eco_redline_mu,dev_boundary_mu,enterprises,enterprise_output_wan,population,farmland_per_head_mu,flags\n");
    let opt = |x: Option<f64>| x.map(|x| format!("{x:.4}")).unwrap_or_default();
    for v in chosen.iter() {
        let flags: Vec<&str> = v
            .flags
            .iter()
            .map(|f| f.split(" / ").next().unwrap_or(f))
            .collect();
        s.push_str(&format!(
            "{},{},{},{},{:.2},{:.4},{:.2},{:.2},{:.2},{:.2},{:.2},{:.2},{:.2},{:.2},{:.2},{:.2},{:.2},{:.2},{:.2},{:.2},{},{:.1},{},{},\"{}\"\n",
            v.code,
            v.name,
            v.town_code,
            v.town_name,
            v.area_mu,
            v.area_ha,
            v.farmland_mu,
            v.paddy_mu,
            v.irrigated_mu,
            v.dry_mu,
            v.ridge_mu,
            v.farmland_ridge_mu,
            v.permanent_farmland_mu,
            v.farmland_outside_permanent_mu,
            v.recoverable_total_mu,
            v.agricultural_mu,
            v.construction_mu,
            v.unused_mu,
            v.eco_redline_mu,
            v.dev_boundary_mu,
            v.enterprises,
            v.enterprise_output_wan,
            opt(v.population),
            opt(v.farmland_per_head_mu),
            flags.join("；").replace('"', "'")
        ));
    }
    s
}

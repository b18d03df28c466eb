//! The village file as a report: two A4 pages per village drawn through the layout engine's [`Canvas`] (map of
//! the village in 三调 colours over the basemap, in the print CRS, with boundary, legend, scale bar and north arrow
//! to true north; tables; charts as vector paths; data sources), written as a vector PDF with selectable Chinese
//! text; the village atlas (every village of a town or the county in one job, pages recorded on all cores); XLSX
//! tables of the profiles.
//!
//! Pages are laid out in pixels of an A4 page at 150 dpi ([`PAGE_W`] × [`PAGE_H`]) and drawn in millimetres, so
//! the same page goes to the PDF, to a PNG at any resolution and to the SVG.

use super::charts::{self, AreaUnit, BarChart};
use super::layout::draw::{self as ldraw, em_to_scale, Canvas, Frame, MapData, MM_PER_PT};
use super::layout::Rect as LRect;
use super::text;
use crate::core::analysis::profile::{Profiles, Scope, VillageProfile, M2_PER_MU, SLOPE_GRADES};
use crate::core::io::read::load_layer;
use crate::core::model::geom::BBox;
use crate::core::model::layer::VectorLayer;
use crate::core::model::progress::Progress;
use crate::core::model::style::{LayerStyle, Rgba, StyleIndex, Symbology};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Resolution the report's layout is measured in (pixels of an A4 page).
pub const DPI: f32 = 150.0;
/// A4 in pixels at [`DPI`].
pub const PAGE_W: u32 = 1240;
/// A4 height in pixels at [`DPI`].
pub const PAGE_H: u32 = 1754;
/// A4, mm.
pub const PAGE_MM: (f32, f32) = (210.0, 297.0);
/// Millimetres per layout pixel.
const K: f32 = 25.4 / DPI;
const MARGIN: f32 = 70.0;
/// Where page 1 holds the village map (x, y, width, height in pixels at [`DPI`]).
pub const MAP_RECT: [u32; 4] = [70, 165, 760, 720];
const INK: [u8; 4] = [30, 30, 30, 255];
const GREY: [u8; 4] = [110, 110, 110, 255];
const ACCENT: [u8; 4] = [160, 30, 30, 255];

/// What the map of a village report is drawn from, loaded and brought into the print CRS once for a whole
/// atlas.
pub struct ReportMaps {
    data: MapData,
    styles: Vec<StyleIndex>,
    parcels: Option<usize>,
    villages: usize,
    by_code: HashMap<String, usize>,
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
        ReportMaps::from_layers(Arc::new(v), p, basemap).map_err(|e| anyhow::anyhow!(e))
    }

    /// Uses layers already loaded (the app's), drawing the parcels with `style`; projects them into the print
    /// CRS of the village layer ([`ldraw::print_crs`]).
    pub fn from_layers(
        villages: Arc<VectorLayer>,
        parcels: Option<(Arc<VectorLayer>, LayerStyle)>,
        basemap: Option<&Path>,
    ) -> Result<ReportMaps, String> {
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
        // The village layer first: the print CRS is its.
        let outline = LayerStyle::default_for(&v.name, v.kind(), &v.attrs, 0);
        let mut layers = vec![("村界".to_string(), v.clone(), outline)];
        let has_parcels = parcels.is_some();
        if let Some((p, style)) = parcels {
            layers.push(("地类图斑".to_string(), p, style));
        }
        let mut data = MapData::new(layers)?;
        data.basemap = basemap
            .filter(|b| crate::core::io::tiles::MbTiles::open(b).is_ok())
            .map(Path::to_path_buf);
        let styles = data
            .layers
            .iter()
            .map(|l| StyleIndex::build(&l.style, &l.layer.attrs, l.layer.len()))
            .collect();
        Ok(ReportMaps {
            data,
            styles,
            parcels: has_parcels.then_some(1),
            villages: 0,
            by_code,
            title: String::new(),
        })
    }

    /// Draws the map of village `code` over `rect` (mm) of `c`: basemap, parcels, the rest veiled, neighbours'
    /// boundaries and names, the village's boundary, scale bar and north arrow. False when the village has no
    /// shape.
    pub fn village_map(&self, c: &mut dyn Canvas, code: &str, rect: LRect) -> bool {
        let Some(&f) = self.by_code.get(code) else {
            return false;
        };
        let vl = &self.data.layers[self.villages];
        let bb = vl.print.bboxes[f];
        if bb.is_empty() || !bb.min_x.is_finite() {
            return false;
        }
        let pad = bb.width().max(bb.height()) * 0.06;
        let mut data = self.data.clone();
        data.extent = BBox {
            min_x: bb.min_x - pad,
            min_y: bb.min_y - pad,
            max_x: bb.max_x + pad,
            max_y: bb.max_y + pad,
        };
        let frame = Frame::new(rect, &data, &self.styles, None);
        c.push_clip(rect);
        c.fill(&[ldraw::rect_ring(rect)], Rgba([242, 242, 238, 255]));
        if let Some(tiles) = data
            .basemap
            .as_deref()
            .and_then(|p| crate::core::io::tiles::MbTiles::open(p).ok())
        {
            super::layout::basemap::draw(c, &tiles, &data.crs, &frame, [242, 242, 238]);
        }
        if let Some(pi) = self.parcels {
            c.begin_group("地类图斑");
            ldraw::draw_map_layer(c, &frame, &data.layers[pi], &self.styles[pi]);
            c.end_group();
        }
        c.begin_group("村界");
        let rings = |o: usize| -> Vec<Vec<[f32; 2]>> {
            vl.print
                .rings(o)
                .map(|r| r.iter().map(|p| frame.to_page(*p)).collect::<Vec<_>>())
                .filter(|r| r.len() >= 2)
                .collect()
        };
        // Outside the village: veiled, so the village stands out.
        let mut veil = vec![ldraw::rect_ring(rect)];
        veil.extend(rings(f));
        c.fill(&veil, Rgba([255, 255, 255, 150]));
        let near: Vec<usize> = (0..vl.print.len())
            .filter(|&o| vl.print.bboxes[o].intersects(&frame.ground))
            .collect();
        for &o in near.iter().filter(|&&o| o != f) {
            c.stroke(&rings(o), true, Rgba([90, 90, 90, 200]), 1.2 * K);
        }
        let own = rings(f);
        c.stroke(&own, true, Rgba([255, 255, 255, 230]), 6.0 * K);
        c.stroke(&own, true, Rgba([200, 30, 30, 255]), 3.0 * K);
        // Names, the village's larger, where they fit.
        if let Some(name_col) = ["ZLDWMC", "CJMC", "MC"]
            .iter()
            .find_map(|n| vl.layer.attrs.field_index(n))
        {
            for &o in &near {
                let b = vl.print.bboxes[o];
                let [x, y] = frame.to_page([b.center().0, b.center().1]);
                let name = vl.layer.attrs.get(o, name_col).to_string();
                let size = if o == f { 26.0 } else { 17.0 };
                let (tw, th) = text::measure(&name, size);
                let (tw, th) = (tw * K, th * K);
                let (x, y) = (x - tw / 2.0, y - th / 2.0);
                if x > rect.x && y > rect.y && x + tw < rect.x + rect.w && y + th < rect.y + rect.h
                {
                    let ink = if o == f {
                        [150, 20, 20, 255]
                    } else {
                        [70, 70, 70, 255]
                    };
                    Px(c).text_halo(&name, x / K, y / K, size, ink, [255, 255, 255, 220]);
                }
            }
        }
        c.end_group();
        // Scale bar on a white card at the lower left; north arrow to true north at the upper right.
        let bar = LRect {
            x: rect.x + 3.0,
            y: rect.y + rect.h - 13.0,
            w: 48.0,
            h: 10.0,
        };
        c.fill(&[ldraw::rect_ring(bar)], Rgba([255, 255, 255, 215]));
        ldraw::draw_scale_bar(c, bar, &frame);
        let arrow = LRect {
            x: rect.x + rect.w - 15.0,
            y: rect.y + 2.0,
            w: 12.0,
            h: 16.0,
        };
        let angle = ldraw::north_angle(&data.crs, frame.centre)
            .filter(|a| a.is_finite())
            .unwrap_or(0.0);
        ldraw::draw_north_arrow(c, arrow, angle);
        c.pop_clip();
        true
    }

    /// Legend entries of the parcel classes visible around a village, with their areas.
    fn legend(&self, v: &VillageProfile, unit: AreaUnit) -> Vec<(String, Rgba)> {
        let Some(pi) = self.parcels else {
            return vec![];
        };
        let Symbology::Categorized { categories, .. } = &self.data.layers[pi].style.symbology
        else {
            return vec![];
        };
        let mut classes: Vec<(&String, &f64)> = v.landuse_mu.iter().collect();
        classes.sort_by(|a, b| b.1.total_cmp(a.1));
        classes
            .into_iter()
            .filter_map(|(code, mu)| {
                let c = categories.iter().find(|c| &c.value == code)?;
                Some((
                    format!("{}  {:.1} {}", c.label, unit.from_mu(*mu), unit.label()),
                    c.color,
                ))
            })
            .take(16)
            .collect()
    }
}

/// A canvas addressed in the report's layout pixels ([`DPI`]), with text placed by its top-left corner and sized
/// by its line height in pixels, as the report was first drawn.
struct Px<'a>(&'a mut dyn Canvas);

impl Px<'_> {
    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, c: [u8; 4]) {
        let r = LRect {
            x: x * K,
            y: y * K,
            w: w * K,
            h: h * K,
        };
        self.0.fill(&[ldraw::rect_ring(r)], Rgba(c));
    }

    fn line(&mut self, x0: f32, y0: f32, x1: f32, y1: f32, width: f32, c: [u8; 4]) {
        self.0.stroke(
            &[vec![[x0 * K, y0 * K], [x1 * K, y1 * K]]],
            false,
            Rgba(c),
            width * K,
        );
    }

    /// Where text of line height `size` px starting at top `y` has its baseline, mm; its em, pt.
    fn place(y: f32, size: f32) -> (f32, f32) {
        use ab_glyph::{Font, PxScale, ScaleFont};
        let ascent = text::font().as_scaled(PxScale::from(size)).ascent();
        ((y + ascent) * K, size * K / em_to_scale(1.0) / MM_PER_PT)
    }

    fn text(&mut self, s: &str, x: f32, y: f32, size: f32, ink: [u8; 4]) {
        let (base, pt) = Self::place(y, size);
        self.0.text(x * K, base, pt, s, Rgba(ink));
    }

    fn text_halo(&mut self, s: &str, x: f32, y: f32, size: f32, ink: [u8; 4], halo: [u8; 4]) {
        let (base, pt) = Self::place(y, size);
        self.0.text_halo(x * K, base, pt, s, Rgba(ink), Rgba(halo));
    }
}

/// Formats an area in `unit` (from 亩) with two decimals.
pub fn area(unit: AreaUnit, mu: f64) -> String {
    format!("{:.2}", unit.from_mu(mu))
}

/// Draws `c` over the `w × h` pixels at `(x, y)`.
fn chart(p: &mut Px, c: &BarChart, x: f32, y: f32, w: f32, h: f32) {
    let r = LRect {
        x: x * K,
        y: y * K,
        w: w * K,
        h: h * K,
    };
    c.draw(p.0, r, w as u32, h as u32);
}

/// A table: rows of cells, the first row a header; column widths in pixels; numbers are
/// right-aligned. Returns the y below the table.
fn table(pm: &mut Px, x: f32, y: f32, widths: &[f32], rows: &[Vec<String>], size: f32) -> f32 {
    let row_h = size * 1.75;
    let total: f32 = widths.iter().sum();
    let mut yy = y;
    for (r, row) in rows.iter().enumerate() {
        if r == 0 {
            pm.rect(x, yy, total, row_h, [236, 240, 246, 255]);
        } else if r % 2 == 0 {
            pm.rect(x, yy, total, row_h, [250, 250, 250, 255]);
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
            pm.text(cell, tx, yy + size * 0.3, size, ink);
            xx += w;
        }
        yy += row_h;
        pm.line(x, yy, x + total, yy, 1.0, [210, 210, 210, 255]);
    }
    pm.line(x, y, x + total, y, 1.5, [120, 130, 150, 255]);
    yy
}

fn heading(pm: &mut Px, s: &str, x: f32, y: f32) -> f32 {
    pm.rect(x, y + 4.0, 6.0, 26.0, ACCENT);
    pm.text(s, x + 16.0, y, 26.0, INK);
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

fn paragraph(pm: &mut Px, s: &str, x: f32, y: f32, size: f32, width: f32, ink: [u8; 4]) -> f32 {
    let mut yy = y;
    for l in wrap(s, size, width) {
        pm.text(&l, x, yy, size, ink);
        yy += size * 1.45;
    }
    yy
}

fn page_frame(
    pm: &mut Px,
    title: &str,
    v: &VillageProfile,
    page: usize,
    pages: usize,
    generated: &str,
) {
    pm.rect(0.0, 0.0, PAGE_W as f32, 16.0, ACCENT);
    // A long name shrinks the title and the line under it to the page's width.
    let width = PAGE_W as f32 - 2.0 * MARGIN;
    let fit = |s: &str, size: f32| {
        let w = text::measure(s, size).0;
        if w > width {
            (size * width / w).max(8.0)
        } else {
            size
        }
    };
    pm.text(title, MARGIN, 40.0, fit(title, 44.0), INK);
    let sub = format!(
        "{}  {}  ·  村代码 {}  ·  一村一档",
        v.town_name, v.name, v.code
    );
    pm.text(&sub, MARGIN, 100.0, fit(&sub, 22.0), GREY);
    pm.line(
        MARGIN,
        140.0,
        PAGE_W as f32 - MARGIN,
        140.0,
        2.0,
        [200, 200, 200, 255],
    );
    let foot = format!("YiTu 一图 · 生成于 {generated} · 第 {page}/{pages} 页");
    let (fw, _) = text::measure(&foot, 16.0);
    pm.text(
        &foot,
        PAGE_W as f32 - MARGIN - fw,
        PAGE_H as f32 - 50.0,
        16.0,
        GREY,
    );
}

/// The two pages of a village's report.
pub fn village_pages(
    maps: &ReportMaps,
    all: &Profiles,
    v: &VillageProfile,
    unit: AreaUnit,
    generated: &str,
    page_1: &mut dyn Canvas,
    page_2: &mut dyn Canvas,
) {
    let u = unit.label();
    let title = format!("{}{}村情档案", maps.title, v.name.trim_end_matches("村"));
    let title = if v.name.ends_with("社区") {
        format!("{}{}档案", maps.title, v.name)
    } else {
        title
    };
    let w = PAGE_W as f32 - 2.0 * MARGIN;

    // Page 1: the map, key figures, flags.
    let p1 = &mut Px(page_1);
    page_frame(p1, &title, v, 1, 2, generated);
    let [mx, my, map_w, map_h] = MAP_RECT;
    let (mx, my) = (mx as f32, my as f32);
    let map_rect = LRect {
        x: mx * K,
        y: my * K,
        w: map_w as f32 * K,
        h: map_h as f32 * K,
    };
    if !maps.village_map(p1.0, &v.code, map_rect) {
        p1.text(
            "（无村界图形 / no boundary）",
            mx + 20.0,
            my + 20.0,
            22.0,
            GREY,
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
        p1.line(a, b, c, d, 1.5, [80, 80, 80, 255]);
    }
    // Legend.
    let lx = mx + map_w as f32 + 24.0;
    let mut ly = my;
    p1.text("图例", lx, ly, 24.0, INK);
    ly += 40.0;
    p1.rect(lx, ly + 9.0, 34.0, 4.0, [200, 30, 30, 255]);
    p1.text("本村村界", lx + 44.0, ly, 17.0, INK);
    ly += 28.0;
    p1.rect(lx, ly + 10.0, 34.0, 2.0, [90, 90, 90, 255]);
    p1.text("相邻村界", lx + 44.0, ly, 17.0, INK);
    ly += 34.0;
    for (label, c) in maps.legend(v, unit) {
        p1.rect(lx, ly + 2.0, 34.0, 20.0, c.0);
        p1.line(lx, ly + 2.0, lx + 34.0, ly + 2.0, 1.0, [120, 120, 120, 255]);
        p1.line(
            lx,
            ly + 22.0,
            lx + 34.0,
            ly + 22.0,
            1.0,
            [120, 120, 120, 255],
        );
        p1.text(&label, lx + 44.0, ly, 17.0, INK);
        ly += 30.0;
    }
    p1.text(
        "地类按第三次全国国土调查图式配色",
        lx,
        my + map_h as f32 - 24.0,
        14.0,
        GREY,
    );

    let mut y = my + map_h as f32 + 30.0;
    y = heading(p1, "基本情况", MARGIN, y);
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
            v.farmland_per_head_mu
                .map(|x| unit.per_head(x))
                .unwrap_or_else(|| "—".into()),
            all.town_average(&v.town_code, "farmland_per_head_mu")
                .map(|x| unit.per_head(x))
                .unwrap_or_else(|| "—".into()),
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
        p1,
        MARGIN,
        y,
        &[330.0, 220.0, 200.0, w - 750.0],
        &rows,
        19.0,
    ) + 26.0;
    y = heading(p1, "提示", MARGIN, y);
    if v.flags.is_empty() {
        y = paragraph(
            p1,
            "无需特别关注的事项。",
            MARGIN + 16.0,
            y,
            19.0,
            w - 16.0,
            INK,
        );
    }
    for f in &v.flags {
        let f = unit.convert_text(f);
        let zh = f.split(" / ").next().unwrap_or(&f);
        p1.text("●", MARGIN + 4.0, y, 16.0, ACCENT);
        y = paragraph(p1, zh, MARGIN + 28.0, y, 19.0, w - 28.0, INK);
        if y > PAGE_H as f32 - 90.0 {
            break;
        }
    }

    let y = y + 10.0;
    if y < PAGE_H as f32 - 300.0 {
        let h = (PAGE_H as f32 - 90.0 - y).min(360.0);
        chart(p1, &charts::town_bars(all, v), MARGIN, y, w * 0.8, h);
    }

    // Page 2: the ledger, land use, industry, indicators, sources.
    let p2 = &mut Px(page_2);
    page_frame(p2, &title, v, 2, 2, generated);
    let col = (w - 30.0) / 2.0;
    let mut y = 165.0;
    let y0 = y;
    y = heading(p2, "耕地一本账", MARGIN, y);
    let mut rows = vec![vec!["项目".into(), format!("面积（{u}）")]];
    for (label, mu) in v.ledger_rows() {
        rows.push(vec![label, area(unit, mu)]);
    }
    let ledger_end = table(p2, MARGIN, y, &[col * 0.62, col * 0.38], &rows, 17.0);
    let chart_h = (ledger_end - y0).max(300.0);
    chart(
        p2,
        &charts::ledger_bars(v, unit),
        MARGIN + col + 30.0,
        y0,
        col,
        chart_h,
    );
    y = ledger_end + 24.0;

    y = heading(p2, "土地利用（三调）", MARGIN, y);
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
        p2,
        MARGIN,
        y,
        &[col * 0.5, col * 0.3, col * 0.2],
        &rows,
        17.0,
    );
    let chart_h = (lu_end - y_lu).max(240.0).floor();
    chart(
        p2,
        &charts::landuse_bars(v, unit),
        MARGIN + col + 30.0,
        y_lu,
        col,
        chart_h,
    );
    y = lu_end.max(y_lu + chart_h) + 24.0;

    y = heading(p2, "产业与管控", MARGIN, y);
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
        p2,
        MARGIN,
        y,
        &[150.0, 80.0, 150.0, 150.0, 120.0, w - 650.0],
        &rows,
        17.0,
    ) + 10.0;
    y = paragraph(
        p2,
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
    // Nothing runs over other text: the indicators take the room the sources note leaves, the rest are said
    // to be in the Excel export; the note itself is cut (with …) rather than run off the page.
    let bottom = PAGE_H as f32 - 60.0;
    let note_lines = wrap(&notes, 15.0, w);
    let note_h = note_lines.len() as f32 * 15.0 * 1.45;
    if !v.indicators.is_empty() {
        let row_h = 16.0 * 1.75;
        let room = bottom - note_h - 16.0 - y - 44.0 - row_h;
        let fit = (room / row_h).floor().max(0.0) as usize;
        let n = v.indicators.len();
        let (shown, more) = if fit >= n {
            (n, 0)
        } else if fit >= 2 {
            (fit - 1, n - (fit - 1))
        } else {
            (0, n)
        };
        if shown > 0 {
            y = heading(p2, "部门指标", MARGIN, y);
            let mut rows = vec![vec!["指标".into(), "数值".into(), "来源".into()]];
            for i in v.indicators.iter().take(shown) {
                rows.push(vec![
                    i.name.clone(),
                    i.value
                        .map(fmt_value)
                        .unwrap_or_else(|| "—（无记录）".into()),
                    i.source.clone(),
                ]);
            }
            if more > 0 {
                rows.push(vec![
                    format!("……另 {more} 项（见 Excel 导出）"),
                    String::new(),
                    String::new(),
                ]);
            }
            y = table(p2, MARGIN, y, &[260.0, 180.0, w - 440.0], &rows, 16.0) + 16.0;
        } else {
            y = paragraph(
                p2,
                &format!("部门指标 {n} 项见 Excel 导出（本页篇幅不足）。"),
                MARGIN,
                y,
                16.0,
                w,
                INK,
            ) + 10.0;
        }
    }
    let room_lines = (((bottom - y) / (15.0 * 1.45)).floor().max(0.0)) as usize;
    let mut yy = y;
    for (k, l) in note_lines.iter().enumerate() {
        if k + 1 == room_lines && k + 1 < note_lines.len() {
            p2.text(
                &format!("{l}……（完整来源见 Excel 导出）"),
                MARGIN,
                yy,
                15.0,
                GREY,
            );
            break;
        }
        if k >= room_lines {
            break;
        }
        p2.text(l, MARGIN, yy, 15.0, GREY);
        yy += 15.0 * 1.45;
    }
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

/// The two pages of village `v` recorded (on any thread) for a canvas of `dpi`.
fn record_pages(
    maps: &ReportMaps,
    all: &Profiles,
    v: &VillageProfile,
    unit: AreaUnit,
    generated: &str,
    dpi: f32,
) -> [super::layout::record::Recording; 2] {
    use super::layout::record::Recording;
    let (mut a, mut b) = (Recording::new(dpi), Recording::new(dpi));
    village_pages(maps, all, v, unit, generated, &mut a, &mut b);
    [a, b]
}

/// The report of one village as a vector PDF (two A4 pages), as bytes.
pub fn village_pdf(
    maps: &ReportMaps,
    all: &Profiles,
    v: &VillageProfile,
    unit: AreaUnit,
    generated: &str,
) -> Result<Vec<u8>, String> {
    let mut doc = super::layout::pdf::PdfDocument::new(&format!("{} 一村一档", v.name))?;
    let [a, b] = record_pages(maps, all, v, unit, generated, 150.0);
    doc.page(PAGE_MM, |c| a.replay(c))?;
    doc.page(PAGE_MM, |c| b.replay(c))?;
    doc.finish()
}

/// Renders the reports of every village in `scope` with progress and cancel: pages are recorded on all cores and
/// written as vector PDF (one bound file, or one file per village, each written atomically).
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
    // The bound atlas's file is started at once (its temporary beside the target), finished at the end.
    let target = match output {
        AtlasOutput::Bound(p) => {
            Some(crate::core::io::files::AtomicFile::create(p).map_err(|e| anyhow::anyhow!(e))?)
        }
        AtlasOutput::PerVillage(_) => None,
    };
    let mut bound = match output {
        AtlasOutput::Bound(_) => Some(
            super::layout::pdf::PdfDocument::new("一村一档 村档案图集")
                .map_err(|e| anyhow::anyhow!(e))?,
        ),
        AtlasOutput::PerVillage(dir) => {
            std::fs::create_dir_all(dir)?;
            None
        }
    };
    let mut files = Vec::new();
    let mut pages = 0;
    // One PDF per village: all renamed into place at the end (nothing left by a failure or an interruption).
    let per_village = crate::core::io::files::FileSet::new();
    for (b, batch) in chosen.chunks(threads * 2).enumerate() {
        progress
            .check()
            .map_err(|_| anyhow::anyhow!("已取消 / cancelled"))?;
        match (&mut bound, output) {
            (Some(doc), _) => {
                // Recorded in parallel, written in order.
                let recorded: Vec<_> = std::thread::scope(|s| {
                    let jobs: Vec<_> = batch
                        .iter()
                        .map(|v| {
                            let g = &generated;
                            s.spawn(move || record_pages(maps, all, v, unit, g, 150.0))
                        })
                        .collect();
                    jobs.into_iter()
                        .map(|j| j.join().expect("page recorder"))
                        .collect()
                });
                for [a, b] in recorded {
                    doc.page(PAGE_MM, |c| a.replay(c))
                        .map_err(|e| anyhow::anyhow!(e))?;
                    doc.page(PAGE_MM, |c| b.replay(c))
                        .map_err(|e| anyhow::anyhow!(e))?;
                    pages += 2;
                }
            }
            (None, AtlasOutput::PerVillage(dir)) => {
                let written: Vec<Result<(), String>> = std::thread::scope(|s| {
                    let jobs: Vec<_> = batch
                        .iter()
                        .map(|v| {
                            let (g, set) = (&generated, &per_village);
                            s.spawn(move || {
                                let stem = crate::core::io::files::safe_file_stem(
                                    &format!("{}_{}", v.code, v.name),
                                    150,
                                )
                                .unwrap_or_else(|| v.code.clone());
                                let path = dir.join(format!("{stem}.pdf"));
                                set.write(&path, village_pdf(maps, all, v, unit, g)?)
                            })
                        })
                        .collect();
                    jobs.into_iter()
                        .map(|j| j.join().expect("page writer"))
                        .collect()
                });
                for w in written {
                    w.map_err(|e| anyhow::anyhow!(e))?;
                    pages += 2;
                }
            }
            (None, AtlasOutput::Bound(_)) => unreachable!("a bound atlas has its document"),
        }
        progress.set(((b + 1) * threads * 2).min(chosen.len()) as u64)?;
    }
    if let AtlasOutput::PerVillage(_) = output {
        files = per_village.commit().map_err(|e| anyhow::anyhow!(e))?;
    }
    if let (Some(doc), Some(target)) = (bound, target) {
        let bytes = doc.finish().map_err(|e| anyhow::anyhow!(e))?;
        files.push(target.finish(bytes).map_err(|e| anyhow::anyhow!(e))?);
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
        let flags: Vec<String> = v
            .flags
            .iter()
            .map(|f| {
                let f = unit.convert_text(f);
                f.split(" / ").next().unwrap_or(&f).to_string()
            })
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
        crate::core::analysis::profile::FARMLAND_RIDGE_LABEL,
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
            ws.write_string(r, 2, unit.convert_text(f))?;
            r += 1;
        }
    }
    for w in &all.warnings {
        ws.write_string(r, 0, "（数据）")?;
        ws.write_string(r, 2, unit.convert_text(w))?;
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

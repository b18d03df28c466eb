//! Drawing a [`Layout`] onto a [`Canvas`]: map frames in the print CRS (features as vector paths simplified to the
//! output resolution: no vertex closer than a device pixel at 600 dpi to the last one kept), the legend of the
//! classes drawn in its frame, scale bar and 1:N from the same frame, north arrow to true north at the frame's
//! centre, and text with variables.

use super::{Align, Item, ItemKind, Layout, Rect, Variables};
use crate::core::model::crs::{Crs, Transformer};
use crate::core::model::geom::{BBox, GeomKind, GeometryStore};
use crate::core::model::layer::VectorLayer;
use crate::core::model::style::{LayerStyle, Rgba, StyleIndex, Symbology};
use std::collections::BTreeSet;
use std::sync::Arc;

/// The least ground a fitted map frame shows across, m (a point, a tiny feature).
pub const MIN_EXTENT_M: f64 = 500.0;

pub use crate::core::output::canvas::{em_to_scale, has_glyph, text_width_mm, Canvas, MM_PER_PT};
/// The finest detail kept: one device pixel at 600 dpi, in mm.
pub const DETAIL_MM: f32 = 25.4 / 600.0;
/// A screen pixel of a style (stroke widths, point radii) on paper, in mm (96 dpi).
pub const PX_MM: f32 = 25.4 / 96.0;

/// One layer of a map: its data, style and geometry in the print CRS.
pub struct MapLayer {
    /// Name shown in the legend.
    pub name: String,
    /// The layer.
    pub layer: Arc<VectorLayer>,
    /// Its style.
    pub style: LayerStyle,
    /// Its geometry in the print CRS.
    pub print: GeometryStore,
}

/// What the maps of a layout show: layers (bottom first) in one print CRS, and the extent. Cheap to clone (the
/// layers are shared), so an extent can change without projecting the layers again.
#[derive(Clone)]
pub struct MapData {
    /// Layers, bottom first.
    pub layers: Arc<Vec<MapLayer>>,
    /// The print CRS (projected, metres).
    pub crs: Crs,
    /// The ground extent to show, in the print CRS.
    pub extent: BBox,
    /// The whole area of the data (the villages' extent, or the area layers'), in the print CRS: what locator
    /// maps show.
    pub home: BBox,
    /// The offline basemap (MBTiles) under the maps.
    pub basemap: Option<std::path::PathBuf>,
    /// A feature outlined over the maps (layer index, feature): the page's feature of a series, the village of a
    /// village map.
    pub highlight: Option<(usize, usize)>,
    /// Layers left out because they have no CRS (names).
    pub without_crs: Vec<String>,
}

impl MapData {
    /// Brings `layers` (bottom first) into one print CRS: the first layer's own projected CRS where its scale is
    /// true, otherwise the CGCS2000 3-degree Gauss-Krüger zone of its centre. The extent is every layer's.
    pub fn new(layers: Vec<(String, Arc<VectorLayer>, LayerStyle)>) -> Result<MapData, String> {
        // The print CRS comes from the first layer that has a CRS; a layer without one cannot be placed beside
        // the others and is left out (said by the pre-flight check).
        let first = layers
            .iter()
            .find(|l| !l.1.crs.is_unknown())
            .or(layers.first())
            .ok_or("没有可画的图层 / no layer to draw")?;
        let crs = print_crs(&first.1.crs, &first.1.geoms)?;
        let mut out = Vec::new();
        let mut extent = BBox::EMPTY;
        let mut without_crs = vec![];
        for (name, layer, style) in layers {
            if layer.crs.is_unknown() && layer.crs != crs {
                without_crs.push(name);
                continue;
            }
            let mut print = layer.geoms.clone();
            if layer.crs != crs {
                let t = Transformer::between(&layer.crs, &crs)?;
                t.transform(&mut print.coords)?;
                print.recompute_bboxes();
            }
            extent.union(&print.extent());
            out.push(MapLayer {
                name,
                layer,
                style,
                print,
            });
        }
        // The map shows the villages (or the area layers) by default: a point layer of the whole country (the
        // talent sources) must not shrink a county's map to a dot.
        let villages = out
            .iter()
            .find(|l| crate::core::analysis::roles::Role::Villages.names(&l.layer.source.layer));
        let mut areas = BBox::EMPTY;
        for l in out.iter().filter(|l| l.layer.kind() == GeomKind::Polygon) {
            areas.union(&l.print.extent());
        }
        let extent = match villages {
            Some(v) if !v.print.extent().is_empty() => v.print.extent(),
            _ if !areas.is_empty() => areas,
            _ => extent,
        };
        Ok(MapData {
            layers: Arc::new(out),
            crs,
            extent,
            home: extent,
            basemap: None,
            highlight: None,
            without_crs,
        })
    }
}

/// The CRS a map of `geoms` (in `crs`) is printed in: a projected CRS of the data's own (a GK zone, UTM, a state
/// plane in feet…) as it is; geographic or Web Mercator data in the CGCS2000 3-degree Gauss-Krüger zone of its
/// centre, or, when it spans more than 6° of longitude (a province, the country), in an Albers equal-area conic
/// fitted to it (standard parallels at 1/6 and 5/6 of its latitudes), so scale bars hold over the whole map.
pub fn print_crs(crs: &Crs, geoms: &GeometryStore) -> Result<Crs, String> {
    if crs.is_unknown() {
        return Err(
            "图层坐标系未知，无法出图 / the layer has no known CRS: it cannot be printed".into(),
        );
    }
    let mercator = matches!(crs.epsg, Some(3857 | 900913 | 3785));
    // Metres per unit of a projected CRS (a state plane in US feet is 0.3048…).
    let metres = crs
        .spatial_ref()
        .map(|s| (s.linear_units() - 1.0).abs() < 1e-9)
        .unwrap_or(true);
    if !crs.is_geographic() && !mercator && metres {
        return Ok(crs.clone());
    }
    let ext = geoms.extent();
    let mut corners = [[ext.min_x, ext.min_y], [ext.max_x, ext.max_y]];
    if mercator {
        for c in corners.iter_mut() {
            *c = crate::core::model::crs::mercator_to_lonlat(c[0], c[1]);
        }
    } else if !metres
        || crs
            .epsg
            .is_some_and(|c| c != 4326 && c != 4490 && c != 4214 && c != 4610)
    {
        Transformer::to_lonlat(crs)?.transform(&mut corners)?;
    }
    let (w, s, e, n) = (corners[0][0], corners[0][1], corners[1][0], corners[1][1]);
    if !(w.is_finite() && s.is_finite() && e.is_finite() && n.is_finite()) {
        return Err("图层范围无效 / the layer's extent is not valid".into());
    }
    if e - w <= 6.0 {
        let (lon, lat) = ((w + e) / 2.0, (s + n) / 2.0);
        if (73.5..=136.5).contains(&lon) && (3.0..=54.0).contains(&lat) {
            // In China: the CGCS2000 3-degree zone of the centre.
            let zone = ((lon / 3.0).round() as i32).clamp(25, 45);
            return Ok(Crs::epsg(4513 + (zone - 25) as u32));
        }
        // Elsewhere: the WGS 84 UTM zone of the centre.
        let zone = (((lon + 180.0) / 6.0).floor() as u32).clamp(0, 59) + 1;
        return Ok(Crs::epsg(if lat >= 0.0 { 32600 } else { 32700 } + zone));
    }
    if e - w > 90.0 {
        // Half the world or more: a plate carrée, where no scale bar is true anyway.
        let def = format!(
            "+proj=eqc +lon_0={:.3} +ellps=GRS80 +units=m +no_defs",
            (w + e) / 2.0
        );
        let mut c = Crs::from_definition(&def)
            .ok_or("无法建立等距圆柱投影 / cannot make the projection")?;
        c.name = format!("等距圆柱投影 中央经线{:.1}°", (w + e) / 2.0);
        return Ok(c);
    }
    let (lat1, lat2) = (s + (n - s) / 6.0, s + (n - s) * 5.0 / 6.0);
    let def = format!(
        "+proj=aea +lat_1={lat1:.3} +lat_2={lat2:.3} +lat_0={:.3} +lon_0={:.3} +x_0=0 +y_0=0 +ellps=GRS80 +units=m +no_defs",
        (s + n) / 2.0,
        (w + e) / 2.0
    );
    let mut c = Crs::from_definition(&def)
        .ok_or("无法建立 Albers 投影 / cannot make the Albers projection")?;
    c.name = format!("Albers 等积圆锥投影 中央经线{:.1}°E", (w + e) / 2.0);
    Ok(c)
}

/// A map frame placed on the page: ground-to-paper transform and what it drew.
#[derive(Debug, Clone)]
pub struct Frame {
    /// The frame on the page.
    pub rect: Rect,
    /// Paper mm per ground metre.
    pub mm_per_m: f64,
    /// Ground centre (print CRS).
    pub centre: [f64; 2],
    /// Ground box shown.
    pub ground: BBox,
    /// Per layer, the palette indices of the features inside the frame (the legend shows these).
    pub drawn: Vec<BTreeSet<u16>>,
}

impl Frame {
    /// The frame at `rect` showing `data.extent` (with 4 % of air) and the classes of `styles` it draws.
    pub(crate) fn new(
        rect: Rect,
        data: &MapData,
        styles: &[StyleIndex],
        scale: Option<f64>,
    ) -> Frame {
        let e = data.extent;
        // A point or a tiny feature is shown with at least MIN_EXTENT_M of ground around it, not at 1:7.
        let (ew, eh) = (
            (e.max_x - e.min_x).max(MIN_EXTENT_M),
            (e.max_y - e.min_y).max(MIN_EXTENT_M),
        );
        // A fixed scale, or the extent with 4 % of air around it.
        let mm_per_m = match scale.filter(|s| s.is_finite() && *s >= 1.0) {
            Some(n) => 1000.0 / n,
            None => (rect.w as f64 / ew).min(rect.h as f64 / eh) * 0.96,
        };
        let centre = [(e.min_x + e.max_x) / 2.0, (e.min_y + e.max_y) / 2.0];
        let (hw, hh) = (
            rect.w as f64 / 2.0 / mm_per_m,
            rect.h as f64 / 2.0 / mm_per_m,
        );
        let ground = BBox {
            min_x: centre[0] - hw,
            min_y: centre[1] - hh,
            max_x: centre[0] + hw,
            max_y: centre[1] + hh,
        };
        let drawn = data
            .layers
            .iter()
            .zip(styles)
            .map(|(l, s)| {
                (0..l.print.len())
                    .filter(|&f| l.print.bboxes[f].intersects(&ground))
                    .map(|f| s.feature_color[f])
                    .filter(|c| *c != u16::MAX)
                    .collect()
            })
            .collect();
        Frame {
            rect,
            mm_per_m,
            centre,
            ground,
            drawn,
        }
    }

    /// Ground coordinates to the page, mm.
    pub fn to_page(&self, p: [f64; 2]) -> [f32; 2] {
        let cx = self.rect.x as f64 + self.rect.w as f64 / 2.0;
        let cy = self.rect.y as f64 + self.rect.h as f64 / 2.0;
        [
            (cx + (p[0] - self.centre[0]) * self.mm_per_m) as f32,
            (cy - (p[1] - self.centre[1]) * self.mm_per_m) as f32,
        ]
    }

    /// The scale denominator N of 1:N.
    pub fn scale(&self) -> f64 {
        1000.0 / self.mm_per_m
    }
}

/// What a drawn layout used: the scale of each map frame and the print CRS.
#[derive(Debug, Clone)]
pub struct Drawn {
    /// Map frames in item order.
    pub frames: Vec<Frame>,
}

/// Draws `layout` with `data` on `canvas`.
pub fn draw_layout(
    layout: &Layout,
    data: &MapData,
    vars: &Variables,
    canvas: &mut dyn Canvas,
) -> Drawn {
    let styles: Vec<StyleIndex> = data
        .layers
        .iter()
        .map(|l| StyleIndex::build(&l.style, &l.layer.attrs, l.layer.len()))
        .collect();
    let frames: Vec<Frame> = layout
        .items
        .iter()
        .filter_map(|i| match &i.kind {
            ItemKind::Map { scale, .. } => {
                let scale = scale.or_else(|| {
                    layout.standard_scale.then(|| {
                        crate::core::model::layout::standard_scale(fit_scale(i.rect, &data.extent))
                    })
                });
                Some(Frame::new(i.rect, data, &styles, scale))
            }
            _ => None,
        })
        .collect();
    let scale = frames
        .first()
        .map(|f| format!("1:{}", thousands(f.scale().round() as u64)))
        .unwrap_or_default();
    let mut map_i = 0;
    for item in &layout.items {
        canvas.begin_group(item_name(&item.kind));
        if let Some(bg) = item.background {
            canvas.fill(&[rect_ring(item.rect)], bg);
        }
        match &item.kind {
            ItemKind::Map { layers, grid, .. } => {
                let f = &frames[map_i];
                map_i += 1;
                canvas.push_clip(item.rect);
                if let Some(tiles) = data
                    .basemap
                    .as_deref()
                    .and_then(|p| crate::core::io::tiles::MbTiles::open(p).ok())
                {
                    let under = item.background.unwrap_or(Rgba([255, 255, 255, 255]));
                    super::basemap::draw(
                        canvas,
                        &tiles,
                        &data.crs,
                        f,
                        [under.0[0], under.0[1], under.0[2]],
                    );
                }
                for (li, l) in data.layers.iter().enumerate() {
                    if layers.is_empty() || layers.contains(&l.name) {
                        canvas.begin_group(&l.name);
                        draw_map_layer(canvas, f, l, &styles[li]);
                        canvas.end_group();
                    }
                }
                let shown: Vec<&MapLayer> = data
                    .layers
                    .iter()
                    .filter(|l| layers.is_empty() || layers.contains(&l.name))
                    .collect();
                draw_labels(canvas, f, &shown);
                // The highlighted feature: the rest veiled, the feature outlined.
                if let Some(l) = data.highlight.and_then(|(l, feat)| {
                    let layer = data.layers.get(l)?;
                    (feat < layer.print.len()).then_some((layer, feat))
                }) {
                    let rings: Vec<Vec<[f32; 2]>> =
                        l.0.print
                            .rings(l.1)
                            .map(|r| page_ring(f, r))
                            .filter(|r| r.len() >= 2)
                            .collect();
                    canvas.begin_group("重点范围");
                    let mut veil = vec![rect_ring(item.rect)];
                    veil.extend(rings.iter().cloned());
                    canvas.fill(&veil, Rgba([255, 255, 255, 120]));
                    canvas.stroke(&rings, true, Rgba([255, 255, 255, 230]), 1.0);
                    canvas.stroke(&rings, true, Rgba([200, 30, 30, 255]), 0.5);
                    canvas.end_group();
                }
                if *grid {
                    draw_grid(canvas, f);
                }
                canvas.pop_clip();
            }
            ItemKind::Legend {
                map,
                heading,
                areas,
            } => {
                if let Some(f) = frames.get(*map) {
                    draw_legend(canvas, item, f, data, heading.as_deref(), *areas);
                }
            }
            ItemKind::Locator { map } => {
                if let Some(f) = frames.get(*map) {
                    canvas.push_clip(item.rect);
                    draw_locator(canvas, item.rect, f, data);
                    canvas.pop_clip();
                }
            }
            ItemKind::Image { path } => super::items::draw_image(canvas, item.rect, path),
            ItemKind::Table { layer, fields, map } => {
                if let Some(f) = frames.get(*map) {
                    canvas.push_clip(item.rect);
                    super::items::draw_table(canvas, item.rect, f, data, layer, fields);
                    canvas.pop_clip();
                }
            }
            ItemKind::Chart { map } => {
                if frames.get(*map).is_some() {
                    super::items::draw_landuse_chart(canvas, item.rect, data);
                }
            }
            ItemKind::ScaleBar { map } => {
                if let Some(f) = frames.get(*map) {
                    draw_scale_bar(canvas, item.rect, f);
                }
            }
            ItemKind::NorthArrow { map } => {
                if let Some(f) = frames.get(*map) {
                    let angle = north_angle(&data.crs, f.centre)
                        .filter(|a| a.is_finite())
                        .unwrap_or(0.0);
                    draw_north_arrow(canvas, item.rect, angle);
                }
            }
            ItemKind::Text {
                text,
                size_pt,
                align,
            } => {
                let t = text
                    .replace("{title}", &vars.title)
                    .replace("{date}", &vars.date)
                    .replace("{scale}", &scale)
                    .replace("{crs}", &crs_description(&data.crs))
                    .replace("{unit}", &vars.unit)
                    .replace("{sources}", &vars.sources)
                    .replace("{number}", &vars.number);
                draw_text_box(canvas, item.rect, &t, *size_pt, *align);
            }
        }
        if item.frame {
            canvas.stroke(&[rect_ring(item.rect)], true, Rgba([40, 40, 40, 255]), 0.3);
        }
        canvas.end_group();
    }
    Drawn { frames }
}

/// Labels of the layers whose style names a label field, top layer first, each at a point inside its feature
/// ([`GeometryStore::label_point`]) over a white halo; an area's label only where it fits the area, and no label
/// over another.
fn draw_labels(canvas: &mut dyn Canvas, f: &Frame, layers: &[&MapLayer]) {
    let pt = 7.5;
    let h = pt * MM_PER_PT;
    let mut placed: Vec<Rect> = vec![];
    let overlaps = |a: &Rect, b: &Rect| {
        a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h
    };
    for l in layers.iter().rev() {
        let Some(col) = l
            .style
            .label_field
            .as_deref()
            .and_then(|n| l.layer.attrs.field_index(n))
        else {
            continue;
        };
        canvas.begin_group(&format!("{} 注记", l.name));
        let kind = l.layer.kind();
        for feat in 0..l.print.len() {
            let bb = l.print.bboxes[feat];
            if bb.is_empty() || !bb.intersects(&f.ground) {
                continue;
            }
            let text = l.layer.attrs.get(feat, col).to_string();
            let text = text.trim();
            if text.is_empty() {
                continue;
            }
            let w = text_width_mm(text, pt);
            let on_paper = bb.width() * f.mm_per_m;
            if kind == GeomKind::Polygon && on_paper < (w * 1.1) as f64 {
                continue;
            }
            let [x, y] = f.to_page(l.print.label_point(feat));
            let (x, y) = match kind {
                GeomKind::Point => (x + 1.2, y + h * 0.35),
                _ => (x - w / 2.0, y + h * 0.35),
            };
            let r = Rect {
                x: x - 0.5,
                y: y - h,
                w: w + 1.0,
                h: h * 1.3,
            };
            let inside = r.x >= f.rect.x
                && r.y >= f.rect.y
                && r.x + r.w <= f.rect.x + f.rect.w
                && r.y + r.h <= f.rect.y + f.rect.h;
            if !inside || placed.iter().any(|p| overlaps(p, &r)) {
                continue;
            }
            placed.push(r);
            canvas.text_halo(
                x,
                y,
                pt,
                text,
                Rgba([40, 30, 60, 255]),
                Rgba([255, 255, 255, 220]),
            );
        }
        canvas.end_group();
    }
}

/// The scale denominator at which `rect` shows `extent` fitted (with 4 % of air), as [`Frame`] draws it.
pub fn fit_scale(rect: Rect, extent: &BBox) -> f64 {
    let (ew, eh) = (
        extent.width().max(MIN_EXTENT_M),
        extent.height().max(MIN_EXTENT_M),
    );
    1000.0 / ((rect.w as f64 / ew).min(rect.h as f64 / eh) * 0.96)
}

/// A round grid interval for a frame showing `width_m` of ground: about five lines across, 1, 2 or 5 times a power
/// of ten, at least 100 m.
pub fn grid_step(width_m: f64) -> f64 {
    let target = (width_m / 5.0).max(100.0);
    let p = 10f64.powf(target.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|k| k * p)
        .filter(|s| *s <= target)
        .fold(p, f64::max)
}

/// The coordinate grid of frame `f` in the print CRS, labelled in km (one decimal below a 1 km step) inside the
/// frame's top and left edges.
fn draw_grid(canvas: &mut dyn Canvas, f: &Frame) {
    let g = f.ground;
    let step = grid_step(g.width().max(g.height()));
    if !(step.is_finite() && step > 0.0) || g.width() / step > 200.0 {
        return;
    }
    let ink = Rgba([60, 60, 60, 150]);
    let label = |v: f64| {
        if step >= 1000.0 {
            format!("{:.0}", v / 1000.0)
        } else {
            format!("{:.1}", v / 1000.0)
        }
    };
    let pt = 6.0;
    let halo = Rgba([255, 255, 255, 220]);
    canvas.begin_group("坐标格网");
    let r = f.rect;
    let mut x = (g.min_x / step).ceil() * step;
    while x <= g.max_x {
        let px = f.to_page([x, g.min_y])[0];
        canvas.stroke(&[vec![[px, r.y], [px, r.y + r.h]]], false, ink, 0.12);
        let t = label(x);
        let w = text_width_mm(&t, pt);
        if px - w / 2.0 > r.x + 1.0 && px + w / 2.0 < r.x + r.w - 1.0 {
            canvas.text_halo(
                px - w / 2.0,
                r.y + 2.8,
                pt,
                &t,
                Rgba([40, 40, 40, 255]),
                halo,
            );
        }
        x += step;
    }
    let mut y = (g.min_y / step).ceil() * step;
    while y <= g.max_y {
        let py = f.to_page([g.min_x, y])[1];
        canvas.stroke(&[vec![[r.x, py], [r.x + r.w, py]]], false, ink, 0.12);
        if py > r.y + 5.0 && py < r.y + r.h - 1.0 {
            canvas.text_halo(
                r.x + 1.0,
                py - 0.6,
                pt,
                &label(y),
                Rgba([40, 40, 40, 255]),
                halo,
            );
        }
        y += step;
    }
    canvas.end_group();
}

/// The locator map of frame `f` in `r`: the data's whole area with towns (else villages, else every area layer)
/// outlined, and `f`'s extent in red (a ring, or a dot when smaller than 2 mm).
fn draw_locator(canvas: &mut dyn Canvas, r: Rect, f: &Frame, data: &MapData) {
    use crate::core::analysis::roles::Role;
    let named = |role: Role| {
        data.layers
            .iter()
            .find(|l| role.names(&l.layer.source.layer))
    };
    let chosen: Vec<&MapLayer> = match named(Role::Towns).or_else(|| named(Role::Villages)) {
        Some(l) => vec![l],
        None => data
            .layers
            .iter()
            .filter(|l| l.layer.kind() == GeomKind::Polygon)
            .take(1)
            .collect(),
    };
    let mut home = data.clone();
    home.extent = data.home;
    let lf = Frame::new(r, &home, &[], None);
    let area = Rgba([232, 232, 226, 255]);
    let edge = Rgba([120, 120, 120, 255]);
    for l in chosen {
        for feat in 0..l.print.len() {
            if !l.print.bboxes[feat].intersects(&lf.ground) {
                continue;
            }
            let rings: Vec<Vec<[f32; 2]>> = l
                .print
                .rings(feat)
                .map(|ring| page_ring(&lf, ring))
                .filter(|ring| ring.len() >= 3)
                .collect();
            canvas.fill(&rings, area);
            canvas.stroke(&rings, true, edge, 0.12);
        }
    }
    let g = f.ground;
    let a = lf.to_page([g.min_x, g.max_y]);
    let b = lf.to_page([g.max_x, g.min_y]);
    let red = Rgba([210, 30, 30, 255]);
    if (b[0] - a[0]).max(b[1] - a[1]) < 2.0 {
        canvas.fill(
            &[circle([(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0], 1.0)],
            red,
        );
    } else {
        canvas.stroke(&[vec![a, [b[0], a[1]], b, [a[0], b[1]]]], true, red, 0.5);
    }
    let head = "位置示意图";
    canvas.text_halo(
        r.x + 1.5,
        r.y + 4.0,
        7.0,
        head,
        Rgba([30, 30, 30, 255]),
        Rgba([255, 255, 255, 230]),
    );
}

/// The name of an item's group (SVG layers).
fn item_name(kind: &ItemKind) -> &'static str {
    match kind {
        ItemKind::Map { .. } => "地图",
        ItemKind::Legend { .. } => "图例",
        ItemKind::Locator { .. } => "位置示意图",
        ItemKind::Image { .. } => "图片",
        ItemKind::Table { .. } => "属性表",
        ItemKind::Chart { .. } => "统计图",
        ItemKind::ScaleBar { .. } => "比例尺",
        ItemKind::NorthArrow { .. } => "指北针",
        ItemKind::Text { .. } => "文字",
    }
}

pub(crate) fn rect_ring(r: Rect) -> Vec<[f32; 2]> {
    vec![
        [r.x, r.y],
        [r.x + r.w, r.y],
        [r.x + r.w, r.y + r.h],
        [r.x, r.y + r.h],
    ]
}

/// `1234567` as `1,234,567`.
fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A ring on the page, without vertices closer than [`DETAIL_MM`] to the last one kept.
fn page_ring(f: &Frame, ring: &[[f64; 2]]) -> Vec<[f32; 2]> {
    let mut out: Vec<[f32; 2]> = Vec::with_capacity(ring.len());
    for (i, p) in ring.iter().enumerate() {
        let q = f.to_page(*p);
        if let Some(last) = out.last() {
            let d = (q[0] - last[0]).abs().max((q[1] - last[1]).abs());
            if d < DETAIL_MM && i + 1 != ring.len() {
                continue;
            }
        }
        out.push(q);
    }
    out
}

pub(crate) fn draw_map_layer(canvas: &mut dyn Canvas, f: &Frame, l: &MapLayer, s: &StyleIndex) {
    let opacity = l.style.opacity.clamp(0.0, 1.0);
    let fade = |c: Rgba| Rgba([c.0[0], c.0[1], c.0[2], (c.0[3] as f32 * opacity) as u8]);
    let stroke = fade(l.style.stroke);
    let width = (l.style.stroke_width * PX_MM).max(0.05);
    let kind = l.layer.kind();
    for feat in 0..l.print.len() {
        if !l.print.bboxes[feat].intersects(&f.ground) {
            continue;
        }
        let ci = s.feature_color[feat];
        if ci == u16::MAX {
            continue;
        }
        let color = fade(s.palette[ci as usize]);
        let rings: Vec<Vec<[f32; 2]>> = l
            .print
            .rings(feat)
            .map(|r| page_ring(f, r))
            // A point is a ring of one coordinate.
            .filter(|r| r.len() >= if kind == GeomKind::Point { 1 } else { 2 })
            .filter(|r| r.iter().all(|p| p[0].is_finite() && p[1].is_finite()))
            .collect();
        if rings.is_empty() {
            continue;
        }
        match kind {
            GeomKind::Polygon => {
                // Outlines of features smaller than 1.5 mm on paper would only darken them (a county's parcels
                // at 1:280 000): they are filled without. Each outline follows its fill at once: the same
                // coordinates twice in a row cost next to nothing in a compressed PDF (one path for all outlines
                // measured a third larger).
                let bb = &l.print.bboxes[feat];
                let on_paper = bb.width().max(bb.height()) * f.mm_per_m;
                let outlined = stroke.0[3] > 0 && l.style.stroke_width > 0.0 && on_paper >= 1.5;
                match (color.0[3] > 0, outlined) {
                    (true, true) => canvas.fill_stroke(&rings, color, stroke, width),
                    (true, false) => canvas.fill(&rings, color),
                    (false, true) => canvas.stroke(&rings, true, stroke, width),
                    (false, false) => {}
                }
            }
            GeomKind::Line => canvas.stroke(&rings, false, color, width.max(0.2)),
            _ => {
                let r = (l.style.point_radius * PX_MM).max(0.4);
                for ring in &rings {
                    for p in ring {
                        canvas.fill(&[circle(*p, r)], color);
                    }
                }
            }
        }
    }
}

fn circle(c: [f32; 2], r: f32) -> Vec<[f32; 2]> {
    (0..16)
        .map(|i| {
            let a = i as f32 / 16.0 * std::f32::consts::TAU;
            [c[0] + r * a.cos(), c[1] + r * a.sin()]
        })
        .collect()
}

/// Legend entries of layer `l` that its frame drew: (label, colour).
fn legend_entries(l: &MapLayer, drawn: &BTreeSet<u16>) -> Vec<(String, Rgba)> {
    let fill_or_stroke = |c: Rgba| if c.0[3] == 0 { l.style.stroke } else { c };
    match &l.style.symbology {
        Symbology::Single { color } if !drawn.is_empty() => {
            vec![(l.name.clone(), fill_or_stroke(*color))]
        }
        Symbology::Single { .. } => vec![],
        Symbology::Categorized { categories, .. } => categories
            .iter()
            .enumerate()
            .filter(|(i, c)| c.visible && drawn.contains(&(*i as u16)))
            .map(|(_, c)| (c.label.clone(), c.color))
            .collect(),
        Symbology::Graduated { .. } => crate::core::model::style::legend(&l.style, true)
            .into_iter()
            .enumerate()
            .filter(|(i, _)| drawn.contains(&(*i as u16)))
            .map(|(_, e)| e)
            .collect(),
    }
}

/// `label` cut with "…" to fit `width` mm at `pt`.
fn fit_text(label: &str, pt: f32, width: f32) -> String {
    if text_width_mm(label, pt) <= width {
        return label.to_string();
    }
    let mut s: String = label.to_string();
    while !s.is_empty() && text_width_mm(&format!("{s}…"), pt) > width {
        s.pop();
    }
    format!("{s}…")
}

fn draw_legend(
    canvas: &mut dyn Canvas,
    item: &Item,
    f: &Frame,
    data: &MapData,
    heading: Option<&str>,
    areas: bool,
) {
    let areas = if areas {
        super::items::landuse_areas(data)
    } else {
        None
    };
    let r = item.rect;
    let pad = 3.0;
    let head_pt = 11.0;
    let ink = Rgba([20, 20, 20, 255]);
    canvas.text(
        r.x + pad,
        r.y + pad + head_pt * MM_PER_PT,
        head_pt,
        heading.unwrap_or("图例"),
        ink,
    );
    // Top layers first, as a reader scans the map.
    let mut entries = vec![];
    for (li, (l, drawn)) in data.layers.iter().zip(&f.drawn).enumerate().rev() {
        let (kind, stroke) = (l.layer.kind(), l.style.stroke);
        let mut got = legend_entries(l, drawn);
        // The parcels' classes with their areas.
        if let (Some((pl, by_code)), Symbology::Categorized { categories, .. }) =
            (&areas, &l.style.symbology)
        {
            if *pl == li {
                for (label, _) in got.iter_mut() {
                    if let Some(m2) = categories
                        .iter()
                        .find(|c| &c.label == label)
                        .and_then(|c| by_code.get(&c.value))
                    {
                        label.push_str(&format!(
                            "  {:.1} 亩",
                            m2 / crate::core::analysis::profile::M2_PER_MU
                        ));
                    }
                }
            }
        }
        // A classified layer's classes under what they measure (`村界 · 调查面积 (m²)`), the 三调 classes aside
        // (their labels name themselves).
        let dlbm = matches!(&l.style.symbology, Symbology::Categorized { field, .. }
            if field.eq_ignore_ascii_case("DLBM"));
        if let (Some(h), false, false) = (l.style.legend_heading(true), dlbm, got.is_empty()) {
            entries.push((
                format!("{} · {h}", l.name),
                Rgba::TRANSPARENT,
                GeomKind::Empty,
                stroke,
            ));
        }
        entries.extend(got.into_iter().map(|(label, c)| (label, c, kind, stroke)));
    }
    if entries.is_empty() {
        return;
    }
    let top = r.y + pad + head_pt * MM_PER_PT * 1.7;
    let avail_w = r.w - 2.0 * pad;
    let avail_h = r.y + r.h - pad - top;
    // The largest text size (7.5 pt down to 5) at which the entries fit in balanced columns as wide as the
    // longest label; below that, labels are shortened to their column.
    let widest = |pt: f32| {
        entries
            .iter()
            .map(|(l, ..)| text_width_mm(l, pt))
            .fold(0.0f32, f32::max)
    };
    let mut pt = 7.5f32;
    let (mut cols, mut per_col);
    loop {
        let row = pt * MM_PER_PT * 1.9;
        let sw = 6.0 * pt / 7.5;
        let rows = ((avail_h / row).floor() as usize).max(1);
        cols = entries.len().div_ceil(rows).max(1);
        per_col = entries.len().div_ceil(cols).max(1);
        let need_w = cols as f32 * (sw + 1.5 + widest(pt) + 2.0);
        if need_w <= avail_w || pt <= 5.0 {
            break;
        }
        pt -= 0.5;
    }
    let row = pt * MM_PER_PT * 1.9;
    let col_w = avail_w / cols as f32;
    let (sw, sh) = (6.0 * pt / 7.5, row * 0.62);
    for (i, (label, color, kind, stroke)) in entries.iter().enumerate() {
        let (c, k) = (i / per_col, i % per_col);
        let x = r.x + pad + c as f32 * col_w;
        let y = top + k as f32 * row;
        let sq = Rect { x, y, w: sw, h: sh };
        // The glyph says what the layer is: a line, a dot, or an area (outlined in its own outline colour).
        if *kind == GeomKind::Empty {
            // A heading: no glyph, the text across the column.
            canvas.text(x, y + sh * 0.85, pt, &fit_text(label, pt, col_w - 2.0), ink);
            continue;
        }
        match kind {
            GeomKind::Line => canvas.stroke(
                &[vec![[x, y + sh / 2.0], [x + sw, y + sh / 2.0]]],
                false,
                *color,
                0.6,
            ),
            GeomKind::Point => {
                canvas.fill(&[circle([x + sw / 2.0, y + sh / 2.0], sh * 0.35)], *color)
            }
            _ => {
                if color.0[3] > 0 {
                    canvas.fill(&[rect_ring(sq)], *color);
                }
                canvas.stroke(&[rect_ring(sq)], true, *stroke, 0.25);
            }
        }
        let text = fit_text(label, pt, col_w - sw - 3.0);
        canvas.text(x + sw + 1.5, y + sh * 0.85, pt, &text, ink);
    }
}

/// The print CRS as a map's footer says it: `2000国家大地坐标系 高斯-克吕格投影 3度带 中央经线120°E（EPSG:4528）`.
pub fn crs_description(crs: &Crs) -> String {
    match crs.epsg {
        Some(code) => match crate::core::model::gk::GaussKruger::from_epsg(code) {
            Some(gk) => format!(
                "2000国家大地坐标系 高斯-克吕格投影 {}度带 中央经线{}°E（EPSG:{code}）",
                if code >= 4513 { 3 } else { 6 },
                gk.central_meridian
            ),
            None => format!("{}（EPSG:{code}）", crs.name),
        },
        None => crs.name.clone(),
    }
}

pub(crate) fn draw_scale_bar(canvas: &mut dyn Canvas, r: Rect, f: &Frame) {
    let pad = 2.0;
    // A round ground length about 70 % of the item's width.
    let target_m = (r.w - 2.0 * pad) as f64 * 0.7 / f.mm_per_m;
    let p = 10f64.powf(target_m.log10().floor());
    let len_m = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|k| k * p)
        .filter(|l| *l <= target_m)
        .fold(p, f64::max);
    let w = (len_m * f.mm_per_m) as f32;
    let (x0, y0, h) = (r.x + pad, r.y + r.h * 0.42, 1.6);
    for i in 0..4 {
        let seg = Rect {
            x: x0 + w * i as f32 / 4.0,
            y: y0,
            w: w / 4.0,
            h,
        };
        let c = if i % 2 == 0 {
            Rgba([30, 30, 30, 255])
        } else {
            Rgba([255, 255, 255, 255])
        };
        canvas.fill(&[rect_ring(seg)], c);
    }
    canvas.stroke(
        &[rect_ring(Rect { x: x0, y: y0, w, h })],
        true,
        Rgba([30, 30, 30, 255]),
        0.15,
    );
    let (label, unit) = if len_m >= 1000.0 {
        (len_m / 1000.0, "千米")
    } else {
        (len_m, "米")
    };
    let pt = 7.0;
    let ink = Rgba([20, 20, 20, 255]);
    canvas.text(x0 - 0.6, y0 - 1.0, pt, "0", ink);
    let end = format!("{} {unit}", trim_num(label));
    canvas.text(
        x0 + w - text_width_mm(&end, pt) / 2.0,
        y0 - 1.0,
        pt,
        &end,
        ink,
    );
    let n = format!("1:{}", thousands(f.scale().round() as u64));
    canvas.text(x0, y0 + h + pt * MM_PER_PT * 1.3, pt, &n, ink);
}

fn trim_num(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

/// The angle (radians, clockwise from the page's up) of true north at `centre` of the print CRS.
pub fn north_angle(crs: &Crs, centre: [f64; 2]) -> Option<f32> {
    let mut p = [centre];
    Transformer::to_lonlat(crs).ok()?.transform(&mut p).ok()?;
    let mut q = [[p[0][0], p[0][1] + 0.01]];
    let back = Transformer::between(&Crs::epsg(4490), crs).ok()?;
    back.transform(&mut q).ok()?;
    let (dx, dy) = (q[0][0] - centre[0], q[0][1] - centre[1]);
    Some(dx.atan2(dy) as f32)
}

pub(crate) fn draw_north_arrow(canvas: &mut dyn Canvas, r: Rect, angle: f32) {
    let c = [r.x + r.w / 2.0, r.y + r.h * 0.58];
    let len = r.h * 0.36;
    let (s, co) = angle.sin_cos();
    let rot = |x: f32, y: f32| [c[0] + x * co - y * s, c[1] + x * s + y * co];
    let tip = rot(0.0, -len);
    let left = rot(-len * 0.42, len * 0.55);
    let right = rot(len * 0.42, len * 0.55);
    let notch = rot(0.0, len * 0.25);
    let ink = Rgba([25, 25, 25, 255]);
    canvas.fill(&[vec![tip, notch, left]], ink);
    canvas.fill(&[vec![tip, right, notch]], Rgba([255, 255, 255, 255]));
    canvas.stroke(&[vec![tip, right, notch, left]], true, ink, 0.2);
    let pt = (r.w / MM_PER_PT * 0.32).clamp(6.0, 14.0);
    let label = rot(0.0, -len - 1.0);
    canvas.text(
        label[0] - text_width_mm("北", pt) / 2.0,
        label[1],
        pt,
        "北",
        ink,
    );
}

/// The lines of `text` as drawn in a box `width` mm wide: the size shrinks (to 60 % at most) until the widest line
/// fits, then lines still too wide are broken between characters. Returns the size and the lines.
pub fn fit_lines(text: &str, size_pt: f32, width: f32) -> (f32, Vec<String>) {
    let widest = text
        .lines()
        .map(|l| text_width_mm(l, size_pt))
        .fold(0.0f32, f32::max);
    let size = if widest > width && widest > 0.0 {
        (size_pt * width / widest).max(size_pt * 0.6)
    } else {
        size_pt
    };
    (size, break_lines(text, size, width))
}

/// The lines of `text` at `size_pt` no wider than `width` mm (the text's own line breaks kept), broken between
/// characters by the GB/T 15834 rules: closing punctuation never starts a line, an opening bracket never ends one,
/// a Latin word or number is not split. The size is not changed ([`fit_lines`] shrinks first).
pub fn break_lines(text: &str, size_pt: f32, width: f32) -> Vec<String> {
    let size = size_pt;
    let mut lines = vec![];
    for line in text.lines() {
        let mut cur = String::new();
        for c in line.chars() {
            cur.push(c);
            if text_width_mm(&cur, size) > width && cur.chars().count() > 1 {
                cur.pop();
                // Closing punctuation never starts a line, and a Latin word or number (EPSG:4528) is not split:
                // what would break so goes down with the character before it.
                let chars: Vec<char> = cur.chars().collect();
                let mut k = chars.len();
                if is_closing(c) && k > 1 {
                    k -= 1;
                }
                let first = chars.get(k).copied().unwrap_or(c);
                if is_word(first) {
                    while k > 0 && is_word(chars[k - 1]) {
                        k -= 1;
                    }
                }
                // An opening bracket goes down with what it opens.
                if k > 1 && "（(「『【〔〈《“‘".contains(chars[k - 1]) {
                    k -= 1;
                }
                if k == 0 {
                    k = chars.len();
                }
                lines.push(chars[..k].iter().collect());
                cur = chars[k..].iter().collect();
                cur.push(c);
            }
        }
        lines.push(cur);
    }
    lines
}

/// Punctuation that may not start a line (GB/T 15834 line-breaking rules).
fn is_closing(c: char) -> bool {
    "）)」』】〕〉》，。、；：！？,.;:!?%’”".contains(c)
}

/// Part of a Latin word or a number, not split across lines.
fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, ':' | '_' | '-' | '.' | '/')
}

/// The lines of `text` in box `r` from `size_pt` down: [`fit_lines`], then smaller (to 4 pt) while the lines are
/// taller than the box, and the last line that fits ended with "…" when even that is too much.
pub fn fit_box(text: &str, size_pt: f32, r: Rect) -> (f32, Vec<String>) {
    let mut size = size_pt;
    loop {
        let (s, mut lines) = fit_lines(text, size, r.w);
        let line_h = s * MM_PER_PT * 1.35;
        let room = ((r.h - s * MM_PER_PT) / line_h).floor().max(0.0) as usize + 1;
        if lines.len() <= room {
            return (s, lines);
        }
        if s <= 4.0 {
            lines.truncate(room);
            if let Some(last) = lines.last_mut() {
                while !last.is_empty() && text_width_mm(&format!("{last}…"), s) > r.w {
                    last.pop();
                }
                last.push('…');
            }
            return (s, lines);
        }
        size = (s * 0.9).max(4.0);
    }
}

fn draw_text_box(canvas: &mut dyn Canvas, r: Rect, text: &str, size_pt: f32, align: Align) {
    let (size_pt, lines) = fit_box(text, size_pt, r);
    let line_h = size_pt * MM_PER_PT * 1.35;
    for (i, line) in lines.iter().enumerate() {
        let w = text_width_mm(line, size_pt);
        let x = match align {
            Align::Left => r.x,
            Align::Center => r.x + (r.w - w) / 2.0,
            Align::Right => r.x + r.w - w,
        };
        let y = r.y + size_pt * MM_PER_PT + i as f32 * line_h;
        canvas.text(x, y, size_pt, line, Rgba([20, 20, 20, 255]));
    }
}

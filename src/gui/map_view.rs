//! The map view: basemap tiles (walkers), the layers' rendered images, labels, the selection,
//! the cursor position and a scale bar. Clicking reports where, for identify.

use super::basemap::Basemap;
use super::layers::MapLayer;
use super::Lang;
use crate::core::model::attrs::Value;
use crate::core::model::crs::{lonlat_to_mercator, mercator_to_lonlat, MERCATOR_R};
use crate::core::model::geom::{BBox, GeomKind};
use crate::core::output::render::ViewBox;
use egui::{Color32, Pos2, Rect, Stroke, Ui};
use walkers::{lon_lat, MapMemory, Tiles};

/// State of the map between frames.
pub struct MapState {
    /// walkers' memory (centre and zoom).
    pub memory: MapMemory,
    /// Where the map starts and returns to (longitude, latitude).
    pub home: [f64; 2],
    /// The view of the last frame, and when it last changed (seconds).
    last_view: Option<(ViewBox, f64)>,
    /// Cursor position (longitude, latitude).
    pub cursor: Option<[f64; 2]>,
    /// Map size in points at the last frame.
    pub size: egui::Vec2,
    /// Where the map was on screen at the last frame.
    pub rect: Rect,
    /// The mapping between Web Mercator and the screen at the last frame.
    pub screen: Option<ScreenMap>,
}

impl Default for MapState {
    fn default() -> Self {
        let mut memory = MapMemory::default();
        let _ = memory.set_zoom(10.0);
        memory.center_at(lon_lat(118.69, 25.36));
        MapState {
            memory,
            home: [118.69, 25.36],
            last_view: None,
            cursor: None,
            size: egui::vec2(1000.0, 700.0),
            rect: Rect::NOTHING,
            screen: None,
        }
    }
}

/// The zoom level at which `width_m × height_m` Web Mercator metres fit into `size` points.
pub fn zoom_to_fit(width_m: f64, height_m: f64, size: egui::Vec2) -> f64 {
    let world = 2.0 * std::f64::consts::PI * MERCATOR_R;
    let zx = (world * size.x as f64 / (256.0 * width_m.max(1.0))).log2();
    let zy = (world * size.y as f64 / (256.0 * height_m.max(1.0))).log2();
    (zx.min(zy) - 0.15).clamp(1.0, 20.0)
}

impl MapState {
    /// The Web Mercator box the map showed last frame.
    pub fn view_bbox(&self) -> Option<BBox> {
        self.last_view.map(|(v, _)| v.bbox)
    }

    /// Centres on a Web Mercator box and zooms so it fits.
    pub fn zoom_to(&mut self, bb: &BBox) {
        if bb.is_empty() || !bb.min_x.is_finite() {
            return;
        }
        let (cx, cy) = bb.center();
        let ll = mercator_to_lonlat(cx, cy);
        let _ = self
            .memory
            .set_zoom(zoom_to_fit(bb.width(), bb.height(), self.size));
        self.memory.center_at(lon_lat(ll[0], ll[1]));
    }
}

/// Linear mapping between Web Mercator metres and screen points for one frame.
#[derive(Debug, Clone, Copy)]
pub struct ScreenMap {
    /// Screen centre.
    pub center: Pos2,
    /// Web Mercator of the screen centre.
    pub m_center: [f64; 2],
    /// Points per metre.
    pub k: f64,
}

impl ScreenMap {
    /// Screen point of a Web Mercator point.
    #[inline]
    pub fn to_screen(&self, x: f64, y: f64) -> Pos2 {
        Pos2::new(
            self.center.x + ((x - self.m_center[0]) * self.k) as f32,
            self.center.y - ((y - self.m_center[1]) * self.k) as f32,
        )
    }
    /// Web Mercator point of a screen point.
    pub fn to_mercator(&self, p: Pos2) -> [f64; 2] {
        [
            self.m_center[0] + (p.x - self.center.x) as f64 / self.k,
            self.m_center[1] - (p.y - self.center.y) as f64 / self.k,
        ]
    }
}

/// What happened on the map this frame.
#[derive(Default)]
pub struct MapOutput {
    /// A click (not a drag), in Web Mercator, with a pick tolerance in metres.
    pub clicked: Option<([f64; 2], f64)>,
    /// Where the pointer is over the map (Web Mercator), with the same tolerance.
    pub hover: Option<([f64; 2], f64)>,
    /// The mapping between Web Mercator and the screen this frame, and the map's rectangle.
    pub screen: Option<(ScreenMap, Rect)>,
}

/// Shows the map filling `ui`.
pub fn show(
    ui: &mut Ui,
    state: &mut MapState,
    basemap: &mut Basemap,
    layers: &mut [MapLayer],
    selection: &[(u64, u32)],
    lang: Lang,
) -> MapOutput {
    let mut out = MapOutput::default();
    let home = lon_lat(state.home[0], state.home[1]);
    let ctx = ui.ctx().clone();
    for l in layers.iter_mut() {
        l.poll(&ctx);
    }
    let (base, annotation): (Option<&mut dyn Tiles>, Option<&mut walkers::HttpTiles>) =
        match basemap {
            Basemap::None => (None, None),
            Basemap::MbTiles(t) => (Some(t as &mut dyn Tiles), None),
            Basemap::PmTiles(t) => (Some(t.as_mut() as &mut dyn Tiles), None),
            Basemap::Http(t, a) => (Some(t.as_mut() as &mut dyn Tiles), a.as_deref_mut()),
        };
    let attribution = base
        .as_ref()
        .map(|t| t.attribution().text.to_string())
        .unwrap_or_default();
    let mut map = walkers::Map::new(base, &mut state.memory, home)
        .double_click_to_zoom(true)
        // As in every desktop GIS: the wheel zooms, dragging pans.
        .zoom_with_ctrl(false)
        .zoom_speed(0.8);
    if let Some(a) = annotation {
        map = map.with_layer(a, 1.0);
    }
    let mut view_now = None;
    let mut cursor = None;
    let mut size = state.size;
    let mut map_rect = state.rect;
    map.show(ui, |ui, response, projector, memory| {
        let rect = response.rect;
        size = rect.size();
        map_rect = rect;
        let c = projector.unproject(rect.center().to_vec2());
        let m_center = lonlat_to_mercator(c.x(), c.y());
        let k = 256.0 * 2f64.powf(memory.zoom()) / (2.0 * std::f64::consts::PI * MERCATOR_R);
        let sm = ScreenMap {
            center: rect.center(),
            m_center,
            k,
        };
        let ppp = ui.ctx().pixels_per_point();
        let tl = sm.to_mercator(rect.min);
        let br = sm.to_mercator(rect.max);
        let view = ViewBox {
            bbox: BBox {
                min_x: tl[0],
                min_y: br[1],
                max_x: br[0],
                max_y: tl[1],
            },
            width: (rect.width() * ppp).round().max(1.0) as u32,
            height: (rect.height() * ppp).round().max(1.0) as u32,
        };
        view_now = Some(view);
        let painter = ui.painter().with_clip_rect(rect);

        // Layer images (bottom first), placed where their view lies now.
        for l in layers.iter().filter(|l| l.visible) {
            if let Some((v, tex)) = l.image() {
                let r = Rect::from_min_max(
                    sm.to_screen(v.bbox.min_x, v.bbox.max_y),
                    sm.to_screen(v.bbox.max_x, v.bbox.min_y),
                );
                let tint = Color32::WHITE.gamma_multiply(l.style.opacity.clamp(0.0, 1.0));
                painter.image(
                    tex.id(),
                    r,
                    Rect::from_min_max(Pos2::ZERO, Pos2::new(1.0, 1.0)),
                    tint,
                );
            }
        }
        draw_labels(&painter, layers, &view, &sm);
        draw_selection(&painter, layers, selection, &view, &sm);
        draw_scale_bar(&painter, rect, &sm, lang);
        if !attribution.is_empty() {
            painter.text(
                rect.right_bottom() + egui::vec2(-6.0, -4.0),
                egui::Align2::RIGHT_BOTTOM,
                &attribution,
                egui::FontId::proportional(11.0),
                Color32::from_gray(60),
            );
        }
        if let Some(p) = response.hover_pos() {
            let m = sm.to_mercator(p);
            cursor = Some(mercator_to_lonlat(m[0], m[1]));
            out.hover = Some((m, 5.0 / k));
        }
        out.screen = Some((sm, rect));
        if response.clicked() {
            if let Some(p) = response.interact_pointer_pos() {
                out.clicked = Some((sm.to_mercator(p), 5.0 / k));
            }
        }
        if layers.iter().any(|l| l.visible && l.rendering()) {
            painter.text(
                rect.left_top() + egui::vec2(8.0, 8.0),
                egui::Align2::LEFT_TOP,
                lang.tr("正在绘制…", "Drawing…"),
                egui::FontId::proportional(12.0),
                Color32::from_gray(80),
            );
        }
    });
    state.size = size;
    state.rect = map_rect;
    state.screen = out.screen.map(|s| s.0);
    state.cursor = cursor;

    // Re-render once the view has been still for a moment.
    if let Some(view) = view_now {
        let now = ctx.input(|i| i.time);
        let changed = state.last_view.map(|(v, _)| v != view).unwrap_or(true);
        if changed {
            state.last_view = Some((view, now));
        }
        let still_for = now - state.last_view.map(|(_, t)| t).unwrap_or(now);
        let first = layers.iter().any(|l| l.visible && l.image().is_none());
        if still_for > 0.12 || first {
            for l in layers.iter_mut().filter(|l| l.visible) {
                l.request(view, &ctx);
            }
        } else {
            ctx.request_repaint_after(std::time::Duration::from_millis(130));
        }
    }
    out
}

fn draw_labels(painter: &egui::Painter, layers: &[MapLayer], view: &ViewBox, sm: &ScreenMap) {
    let mut placed: Vec<Rect> = Vec::new();
    for l in layers.iter().rev().filter(|l| l.visible) {
        let Some(field) = &l.style.label_field else {
            continue;
        };
        let Some(col) = l.attrs.field_index(field) else {
            continue;
        };
        let ids: Vec<u32> = l.data.query(&view.bbox).take(401).collect();
        if ids.len() > 400 {
            continue;
        }
        for f in ids {
            let f = f as usize;
            if !l.in_scope(f) {
                continue;
            }
            let v = l.attrs.get(f, col);
            if v == Value::Null {
                continue;
            }
            let text = v.to_string();
            let bb = &l.data.display.bboxes[f];
            if l.data.display.kinds[f] == GeomKind::Polygon && (bb.width() * sm.k < 30.0) {
                continue;
            }
            let (x, y) = label_point(&l.data, f);
            let p = sm.to_screen(x, y);
            let font = egui::FontId::proportional(13.0);
            let galley = painter.layout_no_wrap(text.clone(), font.clone(), Color32::BLACK);
            let r = Rect::from_center_size(p, galley.size() + egui::vec2(4.0, 2.0));
            if placed.iter().any(|q| q.intersects(r)) || !painter.clip_rect().contains_rect(r) {
                continue;
            }
            placed.push(r);
            for d in [
                egui::vec2(-1.0, 0.0),
                egui::vec2(1.0, 0.0),
                egui::vec2(0.0, -1.0),
                egui::vec2(0.0, 1.0),
            ] {
                painter.text(
                    p + d,
                    egui::Align2::CENTER_CENTER,
                    &text,
                    font.clone(),
                    Color32::from_white_alpha(230),
                );
            }
            painter.text(
                p,
                egui::Align2::CENTER_CENTER,
                &text,
                font,
                Color32::from_rgb(40, 30, 60),
            );
        }
    }
}

/// A point inside feature `f` to put its label at: [`crate::core::model::geom::GeometryStore::label_point`].
pub fn label_point(layer: &crate::core::model::layer::VectorLayer, f: usize) -> (f64, f64) {
    let p = layer.display.label_point(f);
    (p[0], p[1])
}

fn draw_selection(
    painter: &egui::Painter,
    layers: &[MapLayer],
    selection: &[(u64, u32)],
    view: &ViewBox,
    sm: &ScreenMap,
) {
    let stroke = Stroke::new(2.5, Color32::from_rgb(0, 200, 255));
    let mut budget = 300_000usize;
    for &(lid, f) in selection {
        let Some(l) = layers.iter().find(|l| l.id == lid && l.visible) else {
            continue;
        };
        let f = f as usize;
        if f >= l.data.len() || !l.data.display.bboxes[f].intersects(&view.bbox) {
            continue;
        }
        let n = l.data.display.coord_count(f);
        if n > budget {
            break;
        }
        budget -= n;
        match l.data.display.kinds[f] {
            GeomKind::Point => {
                for r in l.data.display.rings(f) {
                    for c in r {
                        painter.circle_stroke(sm.to_screen(c[0], c[1]), 7.0, stroke);
                    }
                }
            }
            _ => {
                for r in l.data.display.rings(f) {
                    let pts: Vec<Pos2> = r.iter().map(|c| sm.to_screen(c[0], c[1])).collect();
                    painter.add(egui::Shape::line(pts, stroke));
                }
            }
        }
    }
}

fn draw_scale_bar(painter: &egui::Painter, rect: Rect, sm: &ScreenMap, lang: Lang) {
    let ll = mercator_to_lonlat(sm.m_center[0], sm.m_center[1]);
    // Ground metres per screen point at the centre latitude.
    let m_per_pt = ll[1].to_radians().cos() / sm.k;
    let target = 120.0 * m_per_pt;
    let pow = 10f64.powf(target.log10().floor());
    let nice = [1.0, 2.0, 5.0]
        .iter()
        .map(|f| f * pow)
        .filter(|d| *d <= target)
        .fold(pow, f64::max);
    let len = (nice / m_per_pt) as f32;
    let origin = rect.left_bottom() + egui::vec2(14.0, -16.0);
    let bg = Rect::from_min_max(
        origin + egui::vec2(-6.0, -22.0),
        origin + egui::vec2(len + 8.0, 8.0),
    );
    painter.rect_filled(bg, 3.0, Color32::from_white_alpha(200));
    let stroke = Stroke::new(2.0, Color32::from_gray(30));
    painter.line_segment([origin, origin + egui::vec2(len, 0.0)], stroke);
    painter.line_segment([origin, origin + egui::vec2(0.0, -6.0)], stroke);
    painter.line_segment(
        [
            origin + egui::vec2(len, 0.0),
            origin + egui::vec2(len, -6.0),
        ],
        stroke,
    );
    let label = if nice >= 1000.0 {
        format!("{} {}", nice / 1000.0, lang.tr("公里", "km"))
    } else {
        format!("{nice} {}", lang.tr("米", "m"))
    };
    painter.text(
        origin + egui::vec2(len / 2.0, -8.0),
        egui::Align2::CENTER_BOTTOM,
        label,
        egui::FontId::proportional(12.0),
        Color32::from_gray(20),
    );
}

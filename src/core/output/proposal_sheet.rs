//! The check sheet (核查单) of a land-use proposal: one A4 portrait page drawn through the layout engine's
//! canvas (vector PDF with the CJK font subset and text selectable; PNG for looking), then appendix pages with
//! the 界址点 coordinate table.
//!
//! Page 1: header (项目名称, 项目类型, 申请方, 用途, 坐落, 图件编号, 日期, 制图单位, 坐标系); the site map over the
//! 三调 colours with permanent farmland hatched, the red line, the development boundary and the villages
//! outlined, scale bar and north arrow; a locator of the county; the legend; the area tables; the verdict with
//! the rule and source of each line, the layers not checked and the disclaimer (仅供参考，不作为审批依据).

use crate::core::analysis::proposal::{Check, Context, M2_PER_MU};
use crate::core::analysis::roles::Role;
use crate::core::model::geom::BBox;
use crate::core::model::layout::Rect;
use crate::core::model::proposal::{Level, DISCLAIMER};
use crate::core::model::style::Rgba;
use crate::core::output::canvas::{text_width_mm, Canvas, MM_PER_PT};
use crate::core::output::layout::items::cut;

/// A4 portrait (mm).
pub const PAGE: (f32, f32) = (210.0, 297.0);
const INK: Rgba = Rgba([30, 30, 30, 255]);
const GREY: Rgba = Rgba([110, 110, 110, 255]);
const SITE: Rgba = Rgba([220, 20, 30, 255]);
const PF: Rgba = Rgba([200, 120, 0, 255]);
const RED_LINE: Rgba = Rgba([0, 130, 70, 255]);
const UDB: Rgba = Rgba([150, 60, 190, 255]);
const VILLAGE: Rgba = Rgba([90, 90, 90, 255]);
const AVOID: Rgba = Rgba([20, 90, 220, 255]);
const MARGIN: f32 = 12.0;

type Poly = Vec<Vec<[f64; 2]>>;

/// What the sheet draws, gathered from the check and the county's layers (analysis CRS, metres).
pub struct Sheet {
    /// The check.
    pub check: Check,
    /// The map's extent.
    pub extent: BBox,
    /// Parcels in the extent with their DLBM.
    pub parcels: Vec<(Poly, String)>,
    /// Permanent farmland, red line and development boundary polygons in the extent.
    pub controls: [Vec<Poly>; 3],
    /// Village boundaries in the extent.
    pub villages: Vec<Poly>,
    /// Every village of the county (for the locator) and the county's extent.
    pub county: (Vec<Poly>, BBox),
    /// 图件编号.
    pub number: String,
}

fn poly_of(mp: &geo::MultiPolygon<f64>) -> Vec<Poly> {
    mp.0.iter()
        .map(|p| {
            std::iter::once(p.exterior())
                .chain(p.interiors())
                .map(|r| r.0.iter().map(|c| [c.x, c.y]).collect())
                .collect()
        })
        .collect()
}

impl Sheet {
    /// Gathers what the sheet of `check` draws from `ctx`.
    pub fn new(check: &Check, ctx: &Context) -> Sheet {
        let bb = check.geom.extent();
        let pad = (bb.width().max(bb.height()) * 0.35).max(120.0);
        let extent = BBox {
            min_x: bb.min_x - pad,
            min_y: bb.min_y - pad,
            max_x: bb.max_x + pad,
            max_y: bb.max_y + pad,
        };
        let parcels = match ctx.parcels() {
            Some(geoms) => ctx
                .parcels_in(&extent)
                .into_iter()
                .flat_map(|f| {
                    let code = ctx.parcel_code(f);
                    poly_of(&crate::core::analysis::overlay::to_multipolygon(geoms, f))
                        .into_iter()
                        .map(move |p| (p, code.clone()))
                })
                .collect(),
            None => vec![],
        };
        let ctl = |r: Role| -> Vec<Poly> {
            ctx.control_polygons(r, &extent)
                .iter()
                .flat_map(poly_of)
                .collect()
        };
        let vg = ctx.villages();
        let all: Vec<Poly> = (0..vg.len())
            .flat_map(|v| poly_of(&crate::core::analysis::overlay::to_multipolygon(vg, v)))
            .collect();
        let villages = (0..vg.len())
            .filter(|&v| vg.bboxes[v].intersects(&extent))
            .flat_map(|v| poly_of(&crate::core::analysis::overlay::to_multipolygon(vg, v)))
            .collect();
        // 图件编号: YS-date-village code-4 hex digits of the boundary.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for c in &check.geom.coords {
            for v in c {
                h ^= (v * 1000.0).round() as i64 as u64;
                h = h.wrapping_mul(0x100_0000_01b3);
            }
        }
        let number = format!(
            "YS-{}-{}-{:04X}",
            check.info.date.replace('-', ""),
            check
                .villages
                .first()
                .map(|v| v.code.as_str())
                .unwrap_or("000000000000"),
            h & 0xffff
        );
        Sheet {
            check: check.clone(),
            extent,
            parcels,
            controls: [
                ctl(Role::PermanentFarmland),
                ctl(Role::RedLine),
                ctl(Role::DevBoundary),
            ],
            villages,
            county: (all, vg.extent()),
            number,
        }
    }
}

/// A view: metres to mm in a frame.
struct View {
    frame: Rect,
    ext: BBox,
    k: f64,
}

impl View {
    fn fit(frame: Rect, ext: &BBox) -> View {
        let k = (frame.w as f64 / ext.width()).min(frame.h as f64 / ext.height());
        View::at(frame, ext, k)
    }

    /// Fits `ext` at the next round scale (1:1 000, 1:1 200, 1:1 500, 1:2 000, 1:2 500, 1:3 000, 1:4 000, 1:5 000…).
    fn fit_round(frame: Rect, ext: &BBox) -> View {
        let k = (frame.w as f64 / ext.width()).min(frame.h as f64 / ext.height());
        let scale = 1000.0 / k;
        let p = 10f64.powf(scale.log10().floor());
        let nice = [1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0]
            .into_iter()
            .map(|m| m * p)
            .find(|&n| n >= scale * (1.0 - 1e-9))
            .unwrap_or(scale);
        View::at(frame, ext, 1000.0 / nice)
    }

    fn at(frame: Rect, ext: &BBox, k: f64) -> View {
        // Centre the extent in the frame.
        let (cx, cy) = ext.center();
        let hw = frame.w as f64 / k / 2.0;
        let hh = frame.h as f64 / k / 2.0;
        View {
            frame,
            ext: BBox {
                min_x: cx - hw,
                max_x: cx + hw,
                min_y: cy - hh,
                max_y: cy + hh,
            },
            k,
        }
    }
    fn pt(&self, c: [f64; 2]) -> [f32; 2] {
        [
            self.frame.x + ((c[0] - self.ext.min_x) * self.k) as f32,
            self.frame.y + self.frame.h - ((c[1] - self.ext.min_y) * self.k) as f32,
        ]
    }
    fn rings(&self, p: &Poly) -> Vec<Vec<[f32; 2]>> {
        p.iter()
            .map(|r| r.iter().map(|c| self.pt(*c)).collect())
            .collect()
    }
}

fn circle(c: [f32; 2], r: f32) -> Vec<[f32; 2]> {
    (0..=12)
        .map(|i| {
            let a = i as f32 / 12.0 * std::f32::consts::TAU;
            [c[0] + r * a.cos(), c[1] + r * a.sin()]
        })
        .collect()
}

fn rect_ring(r: Rect) -> Vec<[f32; 2]> {
    vec![
        [r.x, r.y],
        [r.x + r.w, r.y],
        [r.x + r.w, r.y + r.h],
        [r.x, r.y + r.h],
        [r.x, r.y],
    ]
}

/// Hatch lines (45°, every `gap` mm) inside `rings` (even–odd), as segments.
fn hatch(rings: &[Vec<[f32; 2]>], gap: f32) -> Vec<Vec<[f32; 2]>> {
    // Rotate by −45° so the hatch is horizontal: u = (x + y)/√2 … use v = y − x as the line's constant.
    let mut lo = f32::INFINITY;
    let mut hi = f32::NEG_INFINITY;
    for r in rings {
        for p in r {
            let v = p[1] - p[0];
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    let mut out = Vec::new();
    if !lo.is_finite() {
        return out;
    }
    let step = gap * std::f32::consts::SQRT_2;
    let mut v = (lo / step).ceil() * step;
    while v <= hi {
        // Crossings of the line y − x = v with every edge, by x.
        let mut xs: Vec<f32> = Vec::new();
        for r in rings {
            for w in r.windows(2) {
                let (a, b) = (w[0], w[1]);
                let (va, vb) = (a[1] - a[0], b[1] - b[0]);
                if (va > v) != (vb > v) {
                    let t = (v - va) / (vb - va);
                    xs.push(a[0] + t * (b[0] - a[0]));
                }
            }
        }
        xs.sort_by(|a, b| a.total_cmp(b));
        for pair in xs.chunks(2) {
            if let [x0, x1] = pair {
                out.push(vec![[*x0, x0 + v], [*x1, x1 + v]]);
            }
        }
        v += step;
    }
    out
}

fn mu(m2: f64) -> String {
    format!("{:.2}", m2 / M2_PER_MU)
}

fn ha(m2: f64) -> String {
    format!("{:.4}", m2 / 10_000.0)
}

fn north_arrow(c: &mut dyn Canvas, x: f32, y: f32) {
    c.fill(
        &[vec![[x, y], [x + 2.2, y + 7.0], [x, y + 5.4], [x, y]]],
        INK,
    );
    c.fill_stroke(
        &[vec![[x, y], [x - 2.2, y + 7.0], [x, y + 5.4], [x, y]]],
        Rgba([255, 255, 255, 255]),
        INK,
        0.2,
    );
    c.text(x - 1.2, y - 1.0, 7.0, "N", INK);
}

fn scale_bar(c: &mut dyn Canvas, view: &View, x: f32, y: f32) {
    // A round length of at most 30 mm.
    let max_m = 30.0 / view.k;
    let mut len = 10f64.powf(max_m.log10().floor());
    for f in [5.0, 2.0] {
        if len * f <= max_m {
            len *= f;
            break;
        }
    }
    let w = (len * view.k) as f32;
    let white = Rgba([255, 255, 255, 230]);
    c.fill(
        &[rect_ring(Rect {
            x: x - 1.5,
            y: y - 5.0,
            w: w + 16.0,
            h: 7.0,
        })],
        white,
    );
    c.fill(
        &[rect_ring(Rect {
            x,
            y: y - 1.2,
            w: w / 2.0,
            h: 1.2,
        })],
        INK,
    );
    c.stroke(
        &[rect_ring(Rect {
            x,
            y: y - 1.2,
            w,
            h: 1.2,
        })],
        true,
        INK,
        0.2,
    );
    let label = if len >= 1000.0 {
        format!("{} km", len / 1000.0)
    } else {
        format!("{len} m")
    };
    c.text(x + w + 1.5, y, 6.0, &label, INK);
    let scale = 1000.0 / view.k;
    c.text(x, y - 2.2, 5.5, &format!("1:{:.0}", scale.round()), GREY);
}

/// A simple table: headers and rows at (x, y), column widths `w`; returns the y below it.
fn table(
    c: &mut dyn Canvas,
    x: f32,
    mut y: f32,
    w: &[f32],
    head: &[&str],
    rows: &[Vec<String>],
    pt: f32,
) -> f32 {
    let row_h = pt * MM_PER_PT * 1.75;
    let total: f32 = w.iter().sum();
    c.fill(
        &[rect_ring(Rect {
            x,
            y,
            w: total,
            h: row_h,
        })],
        Rgba([236, 240, 246, 255]),
    );
    let mut cx = x;
    for (k, h) in head.iter().enumerate() {
        c.text(cx + 0.8, y + row_h * 0.72, pt, &cut(h, pt, w[k] - 1.2), INK);
        cx += w[k];
    }
    y += row_h;
    for r in rows {
        let mut cx = x;
        for (k, v) in r.iter().enumerate().take(w.len()) {
            let s = cut(v, pt, w[k] - 1.2);
            // Numbers right-aligned.
            // Numbers right-aligned; codes (long digit strings without a point) stay left.
            let numeric = v
                .chars()
                .all(|ch| ch.is_ascii_digit() || ch == '.' || ch == '-')
                && !v.is_empty()
                && (v.contains('.') || v.len() <= 6);
            let tx = if numeric && k > 0 {
                cx + w[k] - 0.8 - text_width_mm(&s, pt)
            } else {
                cx + 0.8
            };
            c.text(tx, y + row_h * 0.72, pt, &s, INK);
            cx += w[k];
        }
        y += row_h;
        c.stroke(
            &[vec![[x, y], [x + total, y]]],
            false,
            Rgba([210, 210, 210, 255]),
            0.15,
        );
    }
    y
}

/// Draws page 1.
pub fn draw_sheet_page(c: &mut dyn Canvas, s: &Sheet) -> Result<(), String> {
    let ch = &s.check;
    let avail = PAGE.0 - 2.0 * MARGIN;
    // Title.
    let title = "用地预审核查单";
    c.text(
        (PAGE.0 - text_width_mm(title, 16.0)) / 2.0,
        18.0,
        16.0,
        title,
        INK,
    );
    let sub = "（预检，仅供参考，不作为审批依据）";
    c.text(
        (PAGE.0 - text_width_mm(sub, 7.5)) / 2.0,
        23.0,
        7.5,
        sub,
        GREY,
    );
    // Header: 3 rows × 2 pairs.
    let loc = crate::core::output::proposal::location(ch);
    let pairs = [
        ("项目名称", ch.info.name.clone()),
        ("图件编号", s.number.clone()),
        ("项目类型", ch.type_name.clone()),
        ("日期", ch.info.date.clone()),
        ("申请方", ch.info.applicant.clone()),
        ("制图单位", ch.info.prepared_by.clone()),
        ("用途", ch.info.purpose.clone()),
        (
            "坐标系",
            format!(
                "CGCS2000 {}",
                ch.epsg
                    .map(|e| format!("EPSG:{e}"))
                    .unwrap_or(ch.crs.clone())
            ),
        ),
    ];
    let mut y = 27.0;
    let row_h = 5.2;
    let half = avail / 2.0;
    for (i, (k, v)) in pairs.iter().enumerate() {
        let x = MARGIN + (i % 2) as f32 * half;
        let yy = y + (i / 2) as f32 * row_h;
        c.text(x, yy + 3.7, 7.5, k, GREY);
        c.text(x + 15.0, yy + 3.7, 7.5, &cut(v, 7.5, half - 17.0), INK);
    }
    y += 4.0 * row_h;
    c.text(MARGIN, y + 3.7, 7.5, "坐落", GREY);
    c.text(
        MARGIN + 15.0,
        y + 3.7,
        7.5,
        &cut(&loc, 7.5, avail - 16.0),
        INK,
    );
    y += row_h + 1.0;
    c.stroke(&[vec![[MARGIN, y], [PAGE.0 - MARGIN, y]]], false, INK, 0.3);
    y += 2.5;

    // The map (left) and locator + legend (right).
    let map = Rect {
        x: MARGIN,
        y,
        w: 122.0,
        h: 104.0,
    };
    let view = View::fit_round(map, &s.extent);
    c.begin_group("map");
    c.push_clip(map);
    c.fill(&[rect_ring(map)], Rgba([250, 250, 248, 255]));
    for (p, code) in &s.parcels {
        let rgb = crate::core::model::landuse::class(code)
            .map(|k| k.rgb)
            .unwrap_or([230, 230, 230]);
        c.fill_stroke(
            &view.rings(p),
            Rgba([rgb[0], rgb[1], rgb[2], 255]),
            Rgba([255, 255, 255, 255]),
            0.12,
        );
    }
    for p in &s.controls[0] {
        let rings = view.rings(p);
        c.stroke(&hatch(&rings, 1.6), false, PF, 0.25);
        c.stroke(&rings, true, PF, 0.35);
    }
    for p in &s.villages {
        c.stroke(&view.rings(p), true, VILLAGE, 0.35);
    }
    // The red line and the development boundary lightly shaded, so a site wholly inside shows it.
    for p in &s.controls[2] {
        let r = view.rings(p);
        c.fill(&r, Rgba([150, 60, 190, 28]));
        c.stroke(&r, true, UDB, 0.6);
    }
    for p in &s.controls[1] {
        let r = view.rings(p);
        c.fill(&r, Rgba([0, 130, 70, 45]));
        c.stroke(&r, true, RED_LINE, 0.7);
    }
    let site_rings: Vec<Vec<[f32; 2]>> = ch
        .geom
        .rings(0)
        .map(|r| r.iter().map(|p| view.pt(*p)).collect())
        .collect();
    c.fill(&site_rings, Rgba([220, 20, 30, 40]));
    c.stroke(&site_rings, true, SITE, 0.8);
    // The largest part avoiding permanent farmland and the red line, when there is one.
    if let Some(a) = ch.avoiding.as_ref().filter(|a| !a.is_empty()) {
        let rings: Vec<Vec<[f32; 2]>> = a
            .rings(0)
            .map(|r| r.iter().map(|p| view.pt(*p)).collect())
            .collect();
        c.stroke(&rings, true, AVOID, 0.6);
    }
    // The boundary points labelled as the appendix numbers them (all up to 40, else J1 only).
    let pts: Vec<_> = crate::core::io::boundary_points::numbered_points(&ch.geom, 0, 0)
        .into_iter()
        .filter(|p| !p.closing)
        .collect();
    let white = Rgba([255, 255, 255, 255]);
    for p in pts.iter().take(if pts.len() <= 40 { pts.len() } else { 1 }) {
        let q = view.pt([p.y, p.x]);
        c.fill(&[circle(q, 0.45)], SITE);
        c.text_halo(q[0] + 0.8, q[1] - 0.8, 5.5, &p.name, SITE, white);
    }
    c.pop_clip();
    c.stroke(&[rect_ring(map)], true, INK, 0.3);
    north_arrow(c, map.x + map.w - 6.0, map.y + 4.0);
    scale_bar(c, &view, map.x + 3.0, map.y + map.h - 3.0);
    c.end_group();

    // Locator.
    let rx = map.x + map.w + 4.0;
    let rw = PAGE.0 - MARGIN - rx;
    let loc_frame = Rect {
        x: rx,
        y,
        w: rw,
        h: 42.0,
    };
    c.text(rx, y - 0.6, 6.5, "位置示意", GREY);
    let lv = View::fit(
        Rect {
            x: loc_frame.x + 1.0,
            y: loc_frame.y + 1.0,
            w: loc_frame.w - 2.0,
            h: loc_frame.h - 2.0,
        },
        &s.county.1,
    );
    c.stroke(&[rect_ring(loc_frame)], true, INK, 0.25);
    for p in &s.county.0 {
        c.fill_stroke(
            &lv.rings(p),
            Rgba([238, 238, 232, 255]),
            Rgba([160, 160, 160, 255]),
            0.1,
        );
    }
    let e = &s.extent;
    let a = lv.pt([e.min_x, e.max_y]);
    let b = lv.pt([e.max_x, e.min_y]);
    let w = (b[0] - a[0]).max(1.6);
    let h = (b[1] - a[1]).max(1.6);
    c.stroke(
        &[rect_ring(Rect {
            x: (a[0] + b[0]) / 2.0 - w / 2.0,
            y: (a[1] + b[1]) / 2.0 - h / 2.0,
            w,
            h,
        })],
        true,
        SITE,
        0.5,
    );

    // Legend.
    let mut ly = loc_frame.y + loc_frame.h + 5.0;
    c.text(rx, ly, 7.5, "图例", INK);
    ly += 2.0;
    let item =
        |c: &mut dyn Canvas, ly: &mut f32, label: &str, draw: &dyn Fn(&mut dyn Canvas, Rect)| {
            let r = Rect {
                x: rx,
                y: *ly,
                w: 7.0,
                h: 3.6,
            };
            draw(c, r);
            c.text(rx + 9.0, *ly + 3.0, 6.5, label, INK);
            *ly += 4.8;
        };
    item(c, &mut ly, "选址范围", &|c, r| {
        c.fill(&[rect_ring(r)], Rgba([220, 20, 30, 40]));
        c.stroke(&[rect_ring(r)], true, SITE, 0.8);
    });
    item(c, &mut ly, "永久基本农田", &|c, r| {
        let ring = rect_ring(r);
        c.stroke(&hatch(std::slice::from_ref(&ring), 1.2), false, PF, 0.25);
        c.stroke(&[ring], true, PF, 0.35);
    });
    item(c, &mut ly, "生态保护红线", &|c, r| {
        c.fill(&[rect_ring(r)], Rgba([0, 130, 70, 45]));
        c.stroke(&[rect_ring(r)], true, RED_LINE, 0.7)
    });
    item(c, &mut ly, "城镇开发边界", &|c, r| {
        c.fill(&[rect_ring(r)], Rgba([150, 60, 190, 28]));
        c.stroke(&[rect_ring(r)], true, UDB, 0.6)
    });
    item(c, &mut ly, "村界", &|c, r| {
        c.stroke(&[rect_ring(r)], true, VILLAGE, 0.35)
    });
    if ch.avoiding.as_ref().is_some_and(|a| !a.is_empty()) {
        item(c, &mut ly, "避让后最大地块", &|c, r| {
            c.stroke(&[rect_ring(r)], true, AVOID, 0.6)
        });
    }
    // The classes drawn, by area on the map (at most what fits).
    let mut codes: Vec<String> = s.parcels.iter().map(|p| p.1.clone()).collect();
    codes.sort();
    codes.dedup();
    let taken: std::collections::HashSet<&str> = ch.land.iter().map(|l| l.code.as_str()).collect();
    codes.sort_by_key(|k| !taken.contains(k.as_str()));
    let room = ((map.y + map.h - ly) / 4.2).floor().max(0.0) as usize;
    for code in codes.iter().take(room) {
        let (name, rgb) = crate::core::model::landuse::class(code)
            .map(|k| (k.name, k.rgb))
            .unwrap_or(("未知地类", [230, 230, 230]));
        let r = Rect {
            x: rx,
            y: ly,
            w: 7.0,
            h: 3.2,
        };
        c.fill_stroke(
            &[rect_ring(r)],
            Rgba([rgb[0], rgb[1], rgb[2], 255]),
            Rgba([150, 150, 150, 255]),
            0.1,
        );
        c.text(
            rx + 9.0,
            ly + 2.8,
            6.0,
            &cut(&format!("{code} {name}"), 6.0, rw - 9.0),
            INK,
        );
        ly += 4.2;
    }

    // Areas.
    let mut y = map.y + map.h + 5.0;
    c.text(MARGIN, y, 9.0, "一、面积与坐落", INK);
    y += 2.0;
    let col = avail / 2.0 - 2.0;
    let mut rows = vec![
        vec!["选址面积（椭球）".into(), mu(ch.area_m2), ha(ch.area_m2)],
        vec![
            "选址面积（平面）".into(),
            mu(ch.planar_m2),
            ha(ch.planar_m2),
        ],
    ];
    for v in ch.villages.iter().take(4) {
        rows.push(vec![
            format!("{}{}", v.town, v.name),
            mu(v.area_m2),
            ha(v.area_m2),
        ]);
    }
    if ch.villages.len() > 4 {
        rows.push(vec![
            format!("另 {} 个村（见附表）", ch.villages.len() - 4),
            String::new(),
            String::new(),
        ]);
    }
    if ch.outside_villages_m2 > 0.0 {
        rows.push(vec![
            "村界之外".into(),
            mu(ch.outside_villages_m2),
            ha(ch.outside_villages_m2),
        ]);
    }
    for (k, v) in &ch.ownership {
        rows.push(vec![format!("权属：{k}"), mu(*v), ha(*v)]);
    }
    let y_left = table(
        c,
        MARGIN,
        y,
        &[col * 0.52, col * 0.22, col * 0.26],
        &["项目", "亩", "公顷"],
        &rows,
        6.5,
    );
    // Land by group and class (right).
    let t = &ch.totals;
    let mut lrows: Vec<Vec<String>> = if ch.parcels_checked {
        vec![
            vec!["农用地".into(), mu(t.agricultural), ha(t.agricultural)],
            vec!["  其中：耕地".into(), mu(t.farmland), ha(t.farmland)],
            vec!["    其中：水田".into(), mu(t.paddy), ha(t.paddy)],
            vec!["建设用地".into(), mu(t.construction), ha(t.construction)],
            vec!["未利用地".into(), mu(t.unused), ha(t.unused)],
        ]
    } else {
        vec![vec![
            "（无地类图斑图层，未核查）".into(),
            String::new(),
            String::new(),
        ]]
    };
    let mut land: Vec<_> = ch
        .land
        .iter()
        .filter(|l| l.class_m2 >= 0.005 * M2_PER_MU)
        .cloned()
        .collect();
    land.sort_by(|a, b| b.class_m2.total_cmp(&a.class_m2));
    for l in land.iter().take(5) {
        lrows.push(vec![
            format!("{} {}", l.code, l.name),
            mu(l.class_m2),
            ha(l.class_m2),
        ]);
    }
    if land.len() > 5 {
        lrows.push(vec![
            format!("另 {} 类（见附表）", land.len() - 5),
            String::new(),
            String::new(),
        ]);
    }
    let y_right = table(
        c,
        MARGIN + col + 4.0,
        y,
        &[col * 0.52, col * 0.22, col * 0.26],
        &["占用地类（按图斑地类面积分摊）", "亩", "公顷"],
        &lrows,
        6.5,
    );
    let mut y = y_left.max(y_right) + 5.0;

    // Controls.
    c.text(MARGIN, y, 9.0, "二、三区三线", INK);
    y += 2.0;
    let rows: Vec<Vec<String>> = ch
        .controls
        .iter()
        .map(|r| {
            let name = r.role.label().0.to_string();
            match &r.layer {
                None => vec![
                    name,
                    "未核查（无图层）".into(),
                    String::new(),
                    String::new(),
                    String::new(),
                ],
                Some(_) => {
                    let (what, a) = if r.role == Role::DevBoundary {
                        ("边界外", r.outside_m2.unwrap_or(0.0))
                    } else {
                        ("重叠", r.area_m2)
                    };
                    vec![
                        format!("{name}（{what}）"),
                        mu(a),
                        format!("{:.1}%", 100.0 * a / ch.area_m2),
                        format!("{}", r.patches),
                        if r.slivers.is_empty() {
                            String::new()
                        } else {
                            format!(
                                "{} 处 < {} m² 且 < 1% 边界误差未计",
                                r.slivers.len(),
                                ch.tolerance_m2
                            )
                        },
                    ]
                }
            }
        })
        .collect();
    y = table(
        c,
        MARGIN,
        y,
        &[
            avail * 0.30,
            avail * 0.14,
            avail * 0.12,
            avail * 0.1,
            avail * 0.34,
        ],
        &["管控线", "面积（亩）", "占选址", "图斑数", "说明"],
        &rows,
        6.5,
    ) + 5.0;

    // Verdict.
    c.text(MARGIN, y, 9.0, "三、核查结论", INK);
    let level = ch.verdict.level;
    let rgb = level.rgb();
    let colour = Rgba([rgb[0], rgb[1], rgb[2], 255]);
    let mut head = level.label().0.to_string();
    if !ch.verdict.unchecked.is_empty() {
        head += "（部分未核查）";
    }
    c.text(MARGIN + 28.0, y, 11.0, &head, colour);
    y += 3.0;
    let pt = 6.3;
    let line_h = pt * MM_PER_PT * 1.45;
    let lines = if ch.verdict.lines.is_empty() {
        vec![format!(
            "未触及永久基本农田、耕地和生态保护红线，位于城镇开发边界内：{}",
            Level::Clear.label().0
        )]
    } else {
        ch.verdict
            .lines
            .iter()
            .map(|l| {
                let area = if l.level.is_some() {
                    format!("{} 亩，", mu(l.area_m2))
                } else {
                    String::new()
                };
                let zh = l.text.split(" / ").next().unwrap_or("");
                match &l.rule {
                    Some(r) => format!(
                        "【{}】{}：{area}{}。依据：{}（{}）[{}]",
                        crate::core::output::proposal::level_zh(l.level),
                        l.hit.label().0,
                        zh,
                        r.source,
                        r.date,
                        r.id
                    ),
                    None => format!(
                        "【{}】{}：{area}{}",
                        crate::core::output::proposal::level_zh(l.level),
                        l.hit.label().0,
                        zh
                    ),
                }
            })
            .collect()
    };
    let bottom = PAGE.1 - 20.0;
    let mut cut_off = false;
    'lines: for l in &lines {
        for piece in crate::core::output::layout::draw::break_lines(l, pt, avail) {
            if y + line_h > bottom {
                cut_off = true;
                break 'lines;
            }
            y += line_h;
            c.text(MARGIN, y, pt, &piece, INK);
        }
    }
    if cut_off {
        c.text(MARGIN, bottom + 1.5, pt, "……其余见 Excel/JSON 导出", GREY);
    }
    if let Some(a) = ch.avoiding_m2 {
        if y + line_h <= bottom {
            y += line_h;
            c.text(
                MARGIN,
                y,
                pt,
                &if a > 0.0 {
                    format!(
                        "建议：避让永久基本农田和生态保护红线后，选址内最大连片地块 {} 亩。",
                        mu(a)
                    )
                } else {
                    "选址全部位于永久基本农田或生态保护红线内，没有可避让的部分，建议另行选址。"
                        .to_string()
                },
                GREY,
            );
        }
    }
    // Footer.
    let foot = PAGE.1 - 13.0;
    c.stroke(
        &[vec![[MARGIN, foot - 3.5], [PAGE.0 - MARGIN, foot - 3.5]]],
        false,
        GREY,
        0.2,
    );
    let disclaimer = format!(
        "{}。规则表 {}；界址点坐标见附页。",
        DISCLAIMER.0, ch.verdict.rules_version
    );
    c.text(MARGIN, foot, 6.5, &disclaimer, GREY);
    let made = format!("一图 YiTu · {}", ch.info.date);
    c.text(
        PAGE.0 - MARGIN - text_width_mm(&made, 6.5),
        foot,
        6.5,
        &made,
        GREY,
    );
    c.text(
        PAGE.0 - MARGIN - text_width_mm("第 1 页", 6.5),
        foot + 4.0,
        6.5,
        "第 1 页",
        GREY,
    );
    Ok(())
}

/// An appendix page's footer: `text` at the left, the page number under it at the right.
fn footer(c: &mut dyn Canvas, page: usize, text: &str) {
    let foot = PAGE.1 - 13.0;
    let p = format!("第 {page} 页");
    c.text(
        PAGE.0 - MARGIN - text_width_mm(&p, 6.5),
        foot + 4.0,
        6.5,
        &p,
        GREY,
    );
    c.text(MARGIN, foot, 6.5, text, GREY);
}

/// Whether the sheet needs the detail page: more classes or villages than page 1 lists.
fn needs_details(ch: &Check) -> bool {
    let classes = ch
        .land
        .iter()
        .filter(|l| l.class_m2 >= 0.005 * M2_PER_MU)
        .count();
    classes > 5 || ch.villages.len() > 4
}

/// Draws the detail page (附表): every village and every class taken, with their areas.
pub fn draw_detail_page(c: &mut dyn Canvas, s: &Sheet, page: usize) {
    let ch = &s.check;
    c.text(MARGIN, 18.0, 13.0, "附表：坐落与占用地类明细", INK);
    c.text(
        MARGIN,
        24.0,
        7.0,
        &format!("{}　{}", ch.info.name, s.number),
        GREY,
    );
    let avail = PAGE.0 - 2.0 * MARGIN;
    let bottom = PAGE.1 - 24.0;
    let pt = 6.8;
    let row_h = pt * MM_PER_PT * 1.75;
    let mut y = 30.0;
    let mut rows: Vec<Vec<String>> = ch
        .villages
        .iter()
        .map(|v| {
            vec![
                v.town.clone(),
                v.code.clone(),
                v.name.clone(),
                mu(v.area_m2),
                ha(v.area_m2),
            ]
        })
        .collect();
    if ch.outside_villages_m2 > 0.0 {
        rows.push(vec![
            String::new(),
            String::new(),
            "村界之外".into(),
            mu(ch.outside_villages_m2),
            ha(ch.outside_villages_m2),
        ]);
    }
    let fit = ((bottom - y) / row_h) as usize / 2;
    let cut_v = rows.len() > fit;
    rows.truncate(fit);
    y = table(
        c,
        MARGIN,
        y,
        &[
            avail * 0.2,
            avail * 0.22,
            avail * 0.28,
            avail * 0.15,
            avail * 0.15,
        ],
        &["乡镇", "村代码", "村", "亩", "公顷"],
        &rows,
        pt,
    );
    if cut_v {
        c.text(MARGIN, y + 3.0, 6.5, "……其余见 Excel 导出", GREY);
        y += 3.0;
    }
    y += 6.0;
    let mut land: Vec<_> = ch
        .land
        .iter()
        .filter(|l| l.class_m2 >= 0.005 * M2_PER_MU)
        .collect();
    land.sort_by(|a, b| a.code.cmp(&b.code));
    let mut rows: Vec<Vec<String>> = land
        .iter()
        .map(|l| {
            vec![
                l.code.clone(),
                l.name.clone(),
                l.group.map(|g| g.name_zh()).unwrap_or("未知").to_string(),
                mu(l.class_m2),
                ha(l.class_m2),
                l.parcels.to_string(),
            ]
        })
        .collect();
    let fit = ((bottom - y) / row_h) as usize - 1;
    let cut_l = rows.len() > fit;
    rows.truncate(fit);
    y = table(
        c,
        MARGIN,
        y,
        &[
            avail * 0.14,
            avail * 0.3,
            avail * 0.16,
            avail * 0.14,
            avail * 0.14,
            avail * 0.12,
        ],
        &["地类编码", "地类名称", "三大类", "亩", "公顷", "图斑数"],
        &rows,
        pt,
    );
    if cut_l {
        c.text(MARGIN, y + 3.0, 6.5, "……其余见 Excel 导出", GREY);
    }
    footer(
        c,
        page,
        &format!(
            "地类面积按图斑地类面积（TBDLMJ）以重叠比例分摊，田坎（1203）单列。{}",
            DISCLAIMER.0
        ),
    );
}

/// Draws an appendix page of the boundary points from point `start`; returns the next point to draw.
pub fn draw_points_page(c: &mut dyn Canvas, s: &Sheet, start: usize, page: usize) -> usize {
    let pts = crate::core::io::boundary_points::numbered_points(&s.check.geom, 0, 0);
    c.text(MARGIN, 18.0, 13.0, "附页：界址点坐标表", INK);
    c.text(
        MARGIN,
        24.0,
        7.0,
        &format!(
            "{}　{}　CGCS2000 {}　X 为北坐标、Y 为东坐标（米）",
            s.check.info.name,
            s.number,
            s.check
                .epsg
                .map(|e| format!("EPSG:{e}"))
                .unwrap_or(s.check.crs.clone())
        ),
        GREY,
    );
    let avail = PAGE.0 - 2.0 * MARGIN;
    let cols = 2;
    let gap = 6.0;
    let cw = (avail - gap) / cols as f32;
    let pt = 6.8;
    let row_h = pt * MM_PER_PT * 1.7;
    let top = 29.0;
    let per_col = ((PAGE.1 - 22.0 - top) / row_h).floor() as usize - 1;
    let mut i = start;
    for k in 0..cols {
        if i >= pts.len() {
            break;
        }
        let end = (i + per_col).min(pts.len());
        let rows: Vec<Vec<String>> = pts[i..end]
            .iter()
            .map(|p| {
                vec![
                    p.name.clone(),
                    p.ring.to_string(),
                    format!("{:.3}", p.x),
                    format!("{:.3}", p.y),
                ]
            })
            .collect();
        table(
            c,
            MARGIN + k as f32 * (cw + gap),
            top,
            &[cw * 0.16, cw * 0.14, cw * 0.35, cw * 0.35],
            &["点号", "圈号", "X（北）", "Y（东）"],
            &rows,
            pt,
        );
        i = end;
    }
    footer(
        c,
        page,
        &format!(
            "共 {} 个界址点（各环首尾点相同）。{}",
            pts.iter().filter(|p| !p.closing).count(),
            DISCLAIMER.0
        ),
    );
    i
}

/// The check sheet as a vector PDF: page 1 and the 界址点 appendix pages. Errors: the PDF cannot be made.
pub fn sheet_pdf(check: &Check, ctx: &Context) -> Result<Vec<u8>, String> {
    let s = Sheet::new(check, ctx);
    let title = format!("用地预审核查单 {}", check.info.name);
    let mut doc = crate::core::output::layout::pdf::PdfDocument::new(&title)?;
    doc.page(PAGE, |c| draw_sheet_page(c, &s))??;
    if needs_details(check) {
        let page = doc.pages() + 1;
        doc.page(PAGE, |c| draw_detail_page(c, &s, page))?;
    }
    let total = crate::core::io::boundary_points::numbered_points(&s.check.geom, 0, 0).len();
    let mut next = 0;
    while next < total {
        let page = doc.pages() + 1;
        let n = doc.page(PAGE, |c| draw_points_page(c, &s, next, page))?;
        if n <= next {
            break;
        }
        next = n;
    }
    doc.finish()
}

/// Page 1 as PNG bytes at `dpi` (for looking and tests).
pub fn sheet_png(check: &Check, ctx: &Context, dpi: f32) -> Result<Vec<u8>, String> {
    let s = Sheet::new(check, ctx);
    let (pm, r) =
        crate::core::output::layout::png::page_pixmap(PAGE, dpi, |c| draw_sheet_page(c, &s))?;
    r?;
    pm.encode_png().map_err(|e| e.to_string())
}

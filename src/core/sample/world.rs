//! The synthetic county: real towns and villages of 仙游县 (Putian) with synthetic seats and
//! boundaries (Voronoi cells of village seeds inside the real county outline), terrain, and the
//! land class found at any point.

use super::terrain::{fbm, hash01, value_noise, Terrain};
use crate::core::model::crs::{Crs, Transformer};
use geo::{Contains, MultiPolygon, Point};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rstar::{primitives::GeomWithData, RTree};

/// The CRS of the sample data: CGCS2000 / 3-degree Gauss-Krüger zone 40.
pub const SRS: i32 = 4528;
/// County code of 仙游县.
pub const COUNTY_CODE: &str = "350322";
/// County name.
pub const COUNTY_NAME: &str = "仙游县";

const TOWNS_CSV: &str = include_str!("../../../sample-data/sources/xianyou_towns.csv");
const VILLAGES_CSV: &str = include_str!("../../../sample-data/sources/xianyou_villages.csv");
const BOUNDARY_GEOJSON: &str =
    include_str!("../../../sample-data/sources/xianyou_boundary.geojson");

/// A town (乡镇/街道).
#[derive(Debug, Clone)]
pub struct Town {
    /// 9-digit code (XZQDM).
    pub code: String,
    /// Name (XZQMC).
    pub name: String,
    /// Seat, projected metres.
    pub seat: [f64; 2],
    /// Whether it is part of the generated sample.
    pub selected: bool,
}

/// A village (村委会/社区).
#[derive(Debug, Clone)]
pub struct Village {
    /// 12-digit code.
    pub code: String,
    /// Name as 三调 writes it (洋顶村, 木兰社区).
    pub name: String,
    /// Name in the statistical code list (洋顶村委会, 木兰社区居委会).
    pub official_name: String,
    /// Index of its town.
    pub town: usize,
    /// Seed (the settlement centre), projected metres.
    pub seed: [f64; 2],
    /// Settlement radius, metres.
    pub radius: f64,
}

/// Where on the settlement ladder a point lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settlement {
    /// Open country.
    None,
    /// County seat (城市).
    Seat,
    /// Industrial belt around the seat and big towns.
    Industrial,
    /// Town seat (建制镇).
    Town,
    /// Village settlement (村庄).
    Village,
}

/// Everything the generator and the basemap renderer need to know about the county.
pub struct World {
    /// Terrain.
    pub terrain: Terrain,
    /// Towns.
    pub towns: Vec<Town>,
    /// Villages.
    pub villages: Vec<Village>,
    /// Village seeds for nearest-neighbour lookups (data = village index).
    pub seeds: RTree<GeomWithData<[f64; 2], usize>>,
    /// The real county outline, projected.
    pub county: MultiPolygon<f64>,
    /// Seed for noise.
    pub seed: u64,
    /// Narrowest river width, metres (at least a parcel across, so the river is continuous).
    pub min_river_width: f64,
}

fn normalise_name(official: &str) -> String {
    if let Some(s) = official.strip_suffix("居民委员会") {
        s.to_string()
    } else if let Some(s) = official.strip_suffix("村民委员会") {
        format!("{s}村")
    } else if let Some(s) = official.strip_suffix("社区居委会") {
        format!("{s}社区")
    } else if let Some(s) = official.strip_suffix("村委会") {
        format!("{s}村")
    } else if let Some(s) = official.strip_suffix("居委会") {
        format!("{s}社区")
    } else {
        official.to_string()
    }
}

fn parse_csv(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            l.split(',')
                .map(|f| f.trim().trim_matches('"').to_string())
                .collect()
        })
        .collect()
}

/// The real outline of 仙游县, in EPSG:4528.
pub fn county_outline() -> MultiPolygon<f64> {
    let v: serde_json::Value = serde_json::from_str(BOUNDARY_GEOJSON).expect("embedded boundary");
    let coords = &v["features"][0]["geometry"]["coordinates"];
    let t = Transformer::between(&Crs::epsg(4490), &Crs::epsg(SRS as u32))
        .expect("PROJ knows EPSG:4528");
    let mut polys = Vec::new();
    for poly in coords.as_array().unwrap() {
        let mut rings = Vec::new();
        for ring in poly.as_array().unwrap() {
            let mut pts: Vec<[f64; 2]> = ring
                .as_array()
                .unwrap()
                .iter()
                .map(|c| [c[0].as_f64().unwrap(), c[1].as_f64().unwrap()])
                .collect();
            t.transform(&mut pts).unwrap();
            rings.push(geo::LineString::from(
                pts.iter().map(|c| (c[0], c[1])).collect::<Vec<_>>(),
            ));
        }
        let ext = rings.remove(0);
        polys.push(geo::Polygon::new(ext, rings));
    }
    MultiPolygon(polys)
}

impl World {
    /// Builds the county: places town and village seats (deterministic for `seed`) and selects
    /// the `towns` towns nearest the county seat (0 = all).
    pub fn new(seed: u64, towns_wanted: usize) -> World {
        use rand::SeedableRng;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let county = county_outline();
        let bb = geo::BoundingRect::bounding_rect(&county).unwrap();
        let inside = |p: [f64; 2]| county.contains(&Point::new(p[0], p[1]));
        let random_inside = |rng: &mut ChaCha8Rng| loop {
            let p = [
                rng.random_range(bb.min().x..bb.max().x),
                rng.random_range(bb.min().y..bb.max().y),
            ];
            if inside(p) {
                return p;
            }
        };
        // County seat of 仙游县 (鲤城街道), about 118.69°E 25.36°N.
        let mut seat = [[118.69, 25.362]];
        Transformer::between(&Crs::epsg(4490), &Crs::epsg(SRS as u32))
            .unwrap()
            .transform(&mut seat)
            .unwrap();
        let seat = seat[0];

        let town_rows = parse_csv(TOWNS_CSV);
        let mut towns: Vec<Town> = Vec::new();
        for (i, r) in town_rows.iter().enumerate() {
            let p = if i == 0 {
                seat
            } else {
                // Best candidate of 12: far from the seats placed so far.
                (0..12)
                    .map(|_| random_inside(&mut rng))
                    .max_by(|a, b| {
                        let da = towns
                            .iter()
                            .map(|t| dist2(*a, t.seat))
                            .fold(f64::INFINITY, f64::min);
                        let db = towns
                            .iter()
                            .map(|t| dist2(*b, t.seat))
                            .fold(f64::INFINITY, f64::min);
                        da.total_cmp(&db)
                    })
                    .unwrap()
            };
            towns.push(Town {
                code: r[0].clone(),
                name: r[1].clone(),
                seat: p,
                selected: true,
            });
        }
        let nearest_town = |p: [f64; 2], towns: &[Town]| {
            (0..towns.len())
                .min_by(|a, b| dist2(p, towns[*a].seat).total_cmp(&dist2(p, towns[*b].seat)))
                .unwrap()
        };
        // Villages, placed inside the region nearest their town's seat.
        let mut villages: Vec<Village> = Vec::new();
        for r in parse_csv(VILLAGES_CSV) {
            let town_code = &r[2];
            let Some(t) = towns.iter().position(|t| &t.code == town_code) else {
                continue;
            };
            let mut best = None;
            let mut best_d = -1.0;
            let mut tries = 0;
            while tries < 400 {
                let p = random_inside(&mut rng);
                tries += 1;
                if nearest_town(p, &towns) != t {
                    continue;
                }
                let d = villages
                    .iter()
                    .map(|v| dist2(p, v.seed))
                    .fold(f64::INFINITY, f64::min);
                if d > best_d {
                    best_d = d;
                    best = Some(p);
                }
                if tries > 40 && best.is_some() {
                    break;
                }
            }
            let p = best.unwrap_or(towns[t].seat);
            let official = r[1].clone();
            villages.push(Village {
                code: r[0].clone(),
                name: normalise_name(&official),
                official_name: official,
                town: t,
                seed: p,
                radius: rng.random_range(140.0..260.0),
            });
        }
        if towns_wanted > 0 && towns_wanted < towns.len() {
            let mut order: Vec<usize> = (0..towns.len()).collect();
            order.sort_by(|a, b| {
                dist2(towns[*a].seat, seat).total_cmp(&dist2(towns[*b].seat, seat))
            });
            for (rank, i) in order.iter().enumerate() {
                towns[*i].selected = rank < towns_wanted;
            }
        }
        let seeds = RTree::bulk_load(
            villages
                .iter()
                .enumerate()
                .map(|(i, v)| GeomWithData::new(v.seed, i))
                .collect(),
        );
        let terrain = Terrain {
            seed,
            origin: seat,
            valley_halfwidth: 6500.0,
        };
        World {
            terrain,
            towns,
            villages,
            seeds,
            county,
            seed,
            min_river_width: 0.0,
        }
    }

    /// Whether village `v` is part of the sample.
    pub fn selected(&self, v: usize) -> bool {
        self.towns[self.villages[v].town].selected
    }

    /// The village whose Voronoi cell holds `p`.
    pub fn village_at(&self, p: [f64; 2]) -> usize {
        self.seeds.nearest_neighbor(&p).map(|g| g.data).unwrap_or(0)
    }

    /// The `k` village seeds nearest `p`.
    pub fn nearest_villages(&self, p: [f64; 2], k: usize) -> Vec<usize> {
        self.seeds
            .nearest_neighbor_iter(&p)
            .take(k)
            .map(|g| g.data)
            .collect()
    }

    /// The settlement type at `p`.
    pub fn settlement(&self, p: [f64; 2]) -> Settlement {
        let seat = self.towns[0].seat;
        let angle_noise = |c: [f64; 2], s: u64| {
            let a = (p[1] - c[1]).atan2(p[0] - c[0]);
            0.75 + 0.5 * value_noise(s, a.cos() * 2.0 + 10.0, a.sin() * 2.0 + 10.0)
        };
        let d_seat = dist2(p, seat).sqrt();
        let r_seat = 1900.0 * angle_noise(seat, self.seed ^ 1);
        if d_seat < r_seat {
            return Settlement::Seat;
        }
        if d_seat < r_seat * 1.45 && fbm(self.seed ^ 3, p[0] / 900.0, p[1] / 900.0) > 0.5 {
            return Settlement::Industrial;
        }
        for (i, t) in self.towns.iter().enumerate().skip(1) {
            let d = dist2(p, t.seat).sqrt();
            let r = 620.0 * angle_noise(t.seat, self.seed ^ (i as u64 + 10));
            if d < r {
                return Settlement::Town;
            }
            if i <= 3 && d < r * 1.5 && fbm(self.seed ^ 5, p[0] / 700.0, p[1] / 700.0) > 0.55 {
                return Settlement::Industrial;
            }
        }
        let v = self.village_at(p);
        let vil = &self.villages[v];
        let d = dist2(p, vil.seed).sqrt();
        if d < vil.radius * angle_noise(vil.seed, self.seed ^ (v as u64 + 100)) {
            return Settlement::Village;
        }
        Settlement::None
    }

    /// The land class (DLBM) at `p`; `jitter` in [0, 1) adds speckle to the coherent patches.
    pub fn land_class(&self, p: [f64; 2], jitter: f64) -> &'static str {
        let s = self.settlement(p);
        let u = |scale: f64, salt: u64| {
            let n = fbm(self.seed ^ salt, p[0] / scale, p[1] / scale);
            (0.8 * ((n - 0.22) / 0.56).clamp(0.0, 0.999) + 0.2 * jitter).min(0.999)
        };
        let pick = |table: &[(&'static str, u32)], x: f64| {
            let total: u32 = table.iter().map(|t| t.1).sum();
            let mut acc = 0.0;
            for (c, w) in table {
                acc += *w as f64 / total as f64;
                if x < acc {
                    return *c;
                }
            }
            table[table.len() - 1].0
        };
        match s {
            Settlement::Seat => {
                return pick(
                    &[
                        ("0701", 42),
                        ("1004", 8),
                        ("05H1", 15),
                        ("08H1", 5),
                        ("08H2", 8),
                        ("0810", 4),
                        ("0810A", 1),
                        ("0809", 2),
                        ("0601", 6),
                        ("1005", 1),
                        ("09", 1),
                        ("0508", 2),
                        ("1201", 2),
                        ("0702", 3),
                    ],
                    u(500.0, 21),
                )
            }
            Settlement::Industrial => {
                return pick(
                    &[("0601", 78), ("0508", 10), ("05H1", 8), ("1004", 4)],
                    jitter,
                )
            }
            Settlement::Town => {
                return pick(
                    &[
                        ("0702", 40),
                        ("0701", 20),
                        ("05H1", 12),
                        ("0601", 12),
                        ("08H2", 6),
                        ("1004", 6),
                        ("08H1", 2),
                        ("1201", 2),
                    ],
                    u(400.0, 22),
                )
            }
            Settlement::Village => {
                return pick(
                    &[
                        ("0702", 82),
                        ("08H2", 3),
                        ("1202", 5),
                        ("0601", 5),
                        ("1006", 3),
                        ("1201", 2),
                    ],
                    jitter,
                )
            }
            Settlement::None => {}
        }
        let t = &self.terrain;
        let rd = t.river_distance(p[0], p[1]);
        let river_w = (45.0 + 45.0 * value_noise(self.seed ^ 9, p[0] / 3000.0, 0.5))
            .max(self.min_river_width / 2.0);
        if rd < river_w {
            return "1101";
        }
        let e = t.elevation(p[0], p[1]);
        if e > 0.42 && fbm(self.seed ^ 99, p[0] / 2500.0, p[1] / 2500.0) > 0.8 {
            return "1103";
        }
        let x = u(1400.0, 31);
        if e < 0.22 {
            pick(
                &[
                    ("0101", 55),
                    ("0102", 4),
                    ("1107", 3),
                    ("0103", 6),
                    ("1006", 4),
                    ("0201", 5),
                    ("0201K", 2),
                    ("0204", 2),
                    ("1104", 4),
                    ("1104A", 3),
                    ("1104K", 1),
                    ("1202", 2),
                    ("0301K", 1),
                    ("0404", 2),
                    ("0307", 3),
                ],
                x,
            )
        } else if e < 0.5 {
            pick(
                &[
                    ("0101", 14),
                    ("0103", 18),
                    ("1006", 3),
                    ("0201", 14),
                    ("0202", 10),
                    ("0202K", 2),
                    ("0204", 3),
                    ("0302", 3),
                    ("0301", 14),
                    ("0305", 6),
                    ("0307", 6),
                    ("0404", 4),
                    ("1103", 1),
                    ("1206", 2),
                ],
                x,
            )
        } else {
            pick(
                &[
                    ("0103", 4),
                    ("0202", 6),
                    ("0302", 18),
                    ("0301", 40),
                    ("0305", 12),
                    ("0307", 8),
                    ("0404", 6),
                    ("0401", 2),
                    ("0403", 2),
                    ("1207", 2),
                ],
                x,
            )
        }
    }

    /// Deterministic jitter for a position (for the basemap).
    pub fn jitter_at(&self, p: [f64; 2], cell: f64) -> f64 {
        hash01(
            self.seed ^ 77,
            (p[0] / cell).floor() as i64,
            (p[1] / cell).floor() as i64,
        )
    }
}

/// Squared distance.
#[inline]
pub fn dist2(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)
}

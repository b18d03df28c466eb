//! Property tests of the geometry every analysis rests on: random polygons with holes and
//! several parts, the same shapes with rings reversed, rotated to another start point, with
//! repeated points and with the parts reordered, and self-intersecting shapes. Whatever way a
//! shape is drawn, once read for analysis ([`repair::make_fit`]) its planar and geodesic areas
//! and its shares over zones are the same, and the shares over zones that cover it sum to 1.

use proptest::prelude::*;
use yitu::core::analysis::overlay::Zones;
use yitu::core::analysis::profile::geodesic_area_m2;
use yitu::core::analysis::repair::make_fit;
use yitu::core::model::geom::{GeomKind, GeometryStore};

type Ring = Vec<[f64; 2]>;
/// A polygon: exterior first, then holes; a shape: its parts.
type Shape = Vec<Vec<Ring>>;

/// A star-shaped ring around (cx, cy): simple by construction (angles strictly increasing),
/// counter-clockwise, closed.
fn star(cx: f64, cy: f64, radii: &[f64]) -> Ring {
    let n = radii.len();
    let mut r: Ring = (0..n)
        .map(|i| {
            let a = std::f64::consts::TAU * i as f64 / n as f64;
            [cx + radii[i] * a.cos(), cy + radii[i] * a.sin()]
        })
        .collect();
    r.push(r[0]);
    r
}

/// Valid shapes: 1–3 parts far apart, each a star polygon of 3–12 vertices with 0–2 holes
/// (smaller stars inside the smallest radius of the shell, apart from each other).
fn valid_shape() -> impl Strategy<Value = Shape> {
    let part = (
        prop::collection::vec(60.0f64..100.0, 3..12),
        prop::collection::vec(prop::collection::vec(5.0f64..12.0, 3..8), 0..3),
    );
    prop::collection::vec(part, 1..4).prop_map(|parts| {
        parts
            .into_iter()
            .enumerate()
            .map(|(k, (radii, holes))| {
                let (cx, cy) = (500.0 * k as f64, 300.0 * (k % 2) as f64);
                let mut rings = vec![star(cx, cy, &radii)];
                for (j, h) in holes.iter().enumerate() {
                    // Holes on a small circle of radius 30 around the centre, 120° apart.
                    let a = std::f64::consts::TAU * j as f64 / 3.0;
                    let mut hole = star(cx + 30.0 * a.cos(), cy + 30.0 * a.sin(), h);
                    hole.reverse();
                    rings.push(hole);
                }
                rings
            })
            .collect()
    })
}

/// Arbitrary (mostly self-intersecting) shapes: one ring of 4–9 random vertices.
fn wild_shape() -> impl Strategy<Value = Shape> {
    prop::collection::vec((0.0f64..200.0, 0.0f64..200.0), 4..10).prop_map(|pts| {
        let mut r: Ring = pts.into_iter().map(|(x, y)| [x, y]).collect();
        r.push(r[0]);
        vec![vec![r]]
    })
}

/// How a writer may have drawn the same shape.
#[derive(Debug, Clone)]
struct Drawing {
    reverse_exteriors: bool,
    reverse_holes: bool,
    rotate: usize,
    repeat_at: usize,
    reverse_parts: bool,
    offset: [f64; 2],
}

fn drawing() -> impl Strategy<Value = Drawing> {
    (
        any::<bool>(),
        any::<bool>(),
        0usize..50,
        0usize..50,
        any::<bool>(),
    )
        .prop_map(
            |(reverse_exteriors, reverse_holes, rotate, repeat_at, reverse_parts)| Drawing {
                reverse_exteriors,
                reverse_holes,
                rotate,
                repeat_at,
                reverse_parts,
                offset: [0.0, 0.0],
            },
        )
}

/// `shape` drawn as `d` says: rings reversed, started elsewhere, a point repeated, parts in
/// another order.
fn redraw(shape: &Shape, d: &Drawing) -> Shape {
    let mut parts: Shape = shape
        .iter()
        .map(|rings| {
            rings
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let mut open: Ring = r[..r.len() - 1].to_vec();
                    if (i == 0 && d.reverse_exteriors) || (i > 0 && d.reverse_holes) {
                        open.reverse();
                    }
                    let k = d.rotate % open.len();
                    open.rotate_left(k);
                    let j = d.repeat_at % open.len();
                    open.insert(j, open[j]);
                    open.push(open[0]);
                    open
                })
                .collect()
        })
        .collect();
    if d.reverse_parts {
        parts.reverse();
    }
    parts
}

fn store_of(shapes: &[Shape], offset: [f64; 2]) -> GeometryStore {
    let mut s = GeometryStore::new();
    for shape in shapes {
        for part in shape {
            for ring in part {
                for c in ring {
                    s.push_coord(c[0] + offset[0], c[1] + offset[1]);
                }
                s.end_ring();
            }
            s.end_part();
        }
        s.end_feature(GeomKind::Polygon);
    }
    s
}

/// Zones covering everything the shapes can reach: a 4 × 3 grid of squares, in the same
/// projected coordinates (Gauss-Krüger zone 40 false easting).
fn grid_zones(offset: [f64; 2]) -> GeometryStore {
    let mut s = GeometryStore::new();
    for i in 0..4 {
        for j in 0..3 {
            let (x0, y0) = (-200.0 + 370.0 * i as f64, -200.0 + 300.0 * j as f64);
            for (x, y) in [
                (x0, y0),
                (x0 + 370.0, y0),
                (x0 + 370.0, y0 + 300.0),
                (x0, y0 + 300.0),
                (x0, y0),
            ] {
                s.push_coord(x + offset[0], y + offset[1]);
            }
            s.end_ring();
            s.end_part();
            s.end_feature(GeomKind::Polygon);
        }
    }
    s
}

const GK: [f64; 2] = [40_500_000.0, 2_800_000.0];

/// Per zone share of feature 0, sorted by zone.
fn shares(zones: &Zones, s: &GeometryStore) -> Vec<(u32, f64)> {
    let mut v = zones.shares(s, 0);
    v.sort_by_key(|x| x.0);
    v
}

fn lonlat(s: &GeometryStore) -> GeometryStore {
    // Metres to degrees near 119°E 25.4°N: a plain affine map keeps the shapes' topology.
    let mut ll = s.clone();
    ll.map_coords(|cs| {
        for c in cs.iter_mut() {
            c[0] = 119.0 + (c[0] - GK[0]) / 100_600.0;
            c[1] = 25.4 + (c[1] - GK[1]) / 110_800.0;
        }
    });
    ll
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn drawing_order_changes_no_area_and_no_share(shape in valid_shape(), d in drawing()) {
        let mut a = store_of(&[shape.clone()], GK);
        let mut b = store_of(&[redraw(&shape, &d)], GK);
        let (sa, sb) = (make_fit(&mut a), make_fit(&mut b));
        prop_assert_eq!(sa.repaired, 0, "a valid shape is not repaired");
        prop_assert_eq!(sb.repaired, 0, "repeated points and reversed rings are still valid");
        let (pa, pb) = (a.planar_area(0), b.planar_area(0));
        prop_assert!((pa - pb).abs() <= 1e-9 * pa, "planar {} vs {}", pa, pb);
        let (ga, gb) = (geodesic_area_m2(&lonlat(&a), 0), geodesic_area_m2(&lonlat(&b), 0));
        prop_assert!((ga - gb).abs() <= 1e-9 * ga, "geodesic {} vs {}", ga, gb);
        // Geodesic and planar areas of the same small shape agree to the map's scale.
        prop_assert!(ga > 0.0 && ga < 1e9);
        let zones = Zones::new(&grid_zones(GK));
        let (xa, xb) = (shares(&zones, &a), shares(&zones, &b));
        let total: f64 = xa.iter().map(|s| s.1).sum();
        prop_assert!((total - 1.0).abs() <= 1e-9, "shares sum to {}", total);
        prop_assert_eq!(xa.len(), xb.len());
        for (p, q) in xa.iter().zip(&xb) {
            prop_assert_eq!(p.0, q.0);
            prop_assert!((p.1 - q.1).abs() <= 1e-9, "{:?} vs {:?}", xa, xb);
        }
    }

    #[test]
    fn self_intersecting_shapes_are_repaired_the_same_way_however_drawn(
        shape in wild_shape(),
        d in drawing(),
    ) {
        let mut a = store_of(&[shape.clone()], GK);
        let mut b = store_of(&[redraw(&shape, &d)], GK);
        make_fit(&mut a);
        make_fit(&mut b);
        let (pa, pb) = (a.planar_area(0), b.planar_area(0));
        prop_assert!(pa >= 0.0 && pb >= 0.0);
        prop_assert!((pa - pb).abs() <= 1e-6 * pa.max(1.0), "planar {} vs {}", pa, pb);
        if pa > 1e-6 {
            let zones = Zones::new(&grid_zones(GK));
            let total: f64 = shares(&zones, &a).iter().map(|s| s.1).sum();
            prop_assert!((total - 1.0).abs() <= 1e-9, "shares sum to {}", total);
            let total_b: f64 = shares(&zones, &b).iter().map(|s| s.1).sum();
            prop_assert!((total_b - 1.0).abs() <= 1e-9, "shares sum to {}", total_b);
        }
        // Once repaired, the shape is valid: repairing again changes nothing.
        let again = make_fit(&mut a);
        prop_assert_eq!(again.repaired, 0);
    }
}

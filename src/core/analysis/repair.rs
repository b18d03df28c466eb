//! Polygons made fit for analysis, once, when a layer is read for it: whatever tool drew them,
//! areas, shares, overlays and memberships come out the same.
//!
//! - **Invalid polygons** (self-intersections, bow-ties, spikes, rings with fewer than three
//!   distinct points, holes touching or outside their shell, overlapping parts) are repaired with
//!   GEOS `MakeValid` through GDAL (`OGR_G_MakeValidEx`, its default "linework" method: the same
//!   function as shapely's `make_valid`, PostGIS `ST_MakeValid` and QGIS "Fix geometries"). Only
//!   the polygonal result is kept. YiTu writes no repair of its own: a fast screen
//!   ([`is_surely_valid`]) only spares GEOS the polygons that cannot be invalid, and every polygon
//!   it doubts is checked by GEOS `IsValid` before being repaired.
//! - **Ring orientation** is normalised: exteriors counter-clockwise, holes clockwise (the
//!   GeoPackage/OGC order), so a layer written in shapefile order (exteriors clockwise) gives the
//!   same signed and geodesic areas.
//!
//! Ring start points, part order and duplicate closing points change no result of YiTu's (the
//! shoelace area, the even–odd point tests and geo's boolean operations ignore them), so they are
//! left as drawn.

use crate::core::model::geom::{ring_signed_area, BBox, GeomKind, GeometryStore};
use gdal::vector::{Geometry, ToGdal};
use geo::kernels::{Kernel, Orientation, RobustKernel};
use geo::{Coord, MultiPolygon};

/// What [`make_fit`] changed in a layer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RepairStats {
    /// Polygons GEOS found invalid and repaired.
    pub repaired: usize,
    /// Invalid polygons whose repair left no area (dropped to empty).
    pub emptied: usize,
    /// Polygons whose rings were turned to the OGC orientation.
    pub reoriented: usize,
}

impl RepairStats {
    /// A bilingual note for the user about layer `layer`, or `None` when nothing was repaired.
    /// (Re-orientation is silent: it changes no value, only how the rings are stored.)
    pub fn warning(&self, layer: &str) -> Option<String> {
        if self.repaired == 0 {
            return None;
        }
        let emptied = if self.emptied > 0 {
            format!(
                "，其中 {} 个修复后无面积 / ({} had no area left)",
                self.emptied, self.emptied
            )
        } else {
            " /".to_string()
        };
        Some(format!(
            "图层 {layer}：{n} 个无效面（自相交、蝴蝶结、尖刺、洞在外等）已按 GEOS MakeValid 修复后计算{emptied} layer {layer}: {n} invalid polygons (self-intersections, bow-ties, spikes, holes outside their shell…) repaired with GEOS MakeValid before computing",
            n = self.repaired
        ))
    }
}

/// Makes every polygon of `store` valid and OGC-oriented (see the module doc). Points and lines
/// are left alone. Returns what was changed.
pub fn make_fit(store: &mut GeometryStore) -> RepairStats {
    let mut stats = RepairStats::default();
    // The screen runs on all cores; it cannot be cancelled, so a dummy progress.
    let progress = crate::core::model::progress::Progress::new();
    let doubtful: Vec<usize> = super::overlay::par_map(store.len(), &progress, |f| {
        store.kinds[f] == GeomKind::Polygon && !is_surely_valid(store, f)
    })
    .map(|flags| {
        flags
            .into_iter()
            .enumerate()
            .filter(|(_, d)| *d)
            .map(|(f, _)| f)
            .collect()
    })
    .unwrap_or_default();
    let mut repaired: Vec<(usize, Option<MultiPolygon<f64>>)> = Vec::new();
    if !doubtful.is_empty() {
        // GEOS reports each invalidity ("Self-intersection at or near point …") through GDAL's
        // error handler: counted and reported here instead, so keep it quiet on this thread.
        // SAFETY: push and pop are paired on this thread; the quiet handler is GDAL's own.
        unsafe { gdal_sys::CPLPushErrorHandler(Some(gdal_sys::CPLQuietErrorHandler)) };
        for f in doubtful {
            match geos_make_valid(store, f) {
                Some(None) => {}
                Some(Some(mp)) => repaired.push((f, Some(mp))),
                None => repaired.push((f, None)),
            }
        }
        unsafe { gdal_sys::CPLPopErrorHandler() };
    }
    if !repaired.is_empty() {
        let mut out = GeometryStore::with_capacity(store.len(), store.coords.len());
        let mut next = repaired.into_iter().peekable();
        for f in 0..store.len() {
            match next.peek() {
                Some((g, _)) if *g == f => {
                    let (_, mp) = next.next().unwrap();
                    stats.repaired += 1;
                    let mp = mp.unwrap_or_else(|| MultiPolygon(vec![]));
                    if push_multipolygon(&mut out, &mp) == GeomKind::Empty {
                        stats.emptied += 1;
                    }
                }
                _ => out.extend_feature(store, f),
            }
        }
        *store = out;
    }
    for f in 0..store.len() {
        if store.kinds[f] == GeomKind::Polygon && orient(store, f) {
            stats.reoriented += 1;
        }
    }
    stats
}

/// GEOS's verdict on feature `f`: `Some(None)` when valid, `Some(Some(repaired))` when invalid,
/// `None` when GEOS could make nothing polygonal of it.
fn geos_make_valid(store: &GeometryStore, f: usize) -> Option<Option<MultiPolygon<f64>>> {
    let mp = super::overlay::to_multipolygon(store, f);
    // Rings with fewer than 4 points carry no area and cannot even be built as OGR rings (a
    // point or a line of a GEOMETRYCOLLECTION read into a polygon feature): dropped first, the
    // feature then counts as repaired.
    let ring_ok = |r: &geo::LineString<f64>| r.0.len() >= 4;
    let kept = MultiPolygon(
        mp.0.iter()
            .filter(|p| ring_ok(p.exterior()))
            .map(|p| {
                geo::Polygon::new(
                    p.exterior().clone(),
                    p.interiors()
                        .iter()
                        .filter(|r| ring_ok(r))
                        .cloned()
                        .collect(),
                )
            })
            .collect(),
    );
    let degenerate = kept != mp;
    if kept.0.is_empty() {
        return Some(Some(kept));
    }
    let g = kept.to_gdal().ok()?;
    if g.is_valid() {
        return Some(degenerate.then_some(kept));
    }
    let fixed = g.make_valid(&gdal::cpl::CslStringList::new()).ok()?;
    let mut polys = Vec::new();
    collect_polygons(&fixed, &mut polys);
    Some(Some(MultiPolygon(polys)))
}

/// The polygons inside an OGR geometry (a polygon, a multipolygon or a collection).
fn collect_polygons(g: &Geometry, out: &mut Vec<geo::Polygon<f64>>) {
    use gdal::vector::OGRwkbGeometryType as T;
    let ty = gdal::vector::geometry_type_flatten(g.geometry_type());
    if ty == T::wkbPolygon {
        if let Ok(geo::Geometry::Polygon(p)) = g.to_geo() {
            out.push(p);
        }
    } else if ty == T::wkbMultiPolygon || ty == T::wkbGeometryCollection {
        for i in 0..g.geometry_count() {
            collect_polygons(&g.get_geometry(i), out);
        }
    }
}

/// Appends `mp` to `out` as one feature; returns its kind (Empty when it has no area).
fn push_multipolygon(out: &mut GeometryStore, mp: &MultiPolygon<f64>) -> GeomKind {
    for p in &mp.0 {
        if p.exterior().0.len() < 4 {
            continue;
        }
        for r in std::iter::once(p.exterior()).chain(p.interiors()) {
            for c in &r.0 {
                out.push_coord(c.x, c.y);
            }
            out.end_ring();
        }
        out.end_part();
    }
    out.end_feature(GeomKind::Polygon);
    *out.kinds.last().unwrap()
}

/// Turns the rings of polygon `f` to the OGC orientation (exteriors counter-clockwise, holes
/// clockwise), in place. Returns whether any ring was turned.
pub fn orient(store: &mut GeometryStore, f: usize) -> bool {
    let mut turned = false;
    for p in store.feature_offsets[f]..store.feature_offsets[f + 1] {
        let (r0, r1) = (
            store.part_offsets[p as usize] as usize,
            store.part_offsets[p as usize + 1] as usize,
        );
        for r in r0..r1 {
            let a = ring_signed_area(store.ring(r));
            if (r == r0 && a < 0.0) || (r > r0 && a > 0.0) {
                let (c0, c1) = (
                    store.ring_offsets[r] as usize,
                    store.ring_offsets[r + 1] as usize,
                );
                store.coords[c0..c1].reverse();
                turned = true;
            }
        }
    }
    turned
}

/// Merges the polygons of an area layer (permanent farmland, red line, development boundary)
/// that overlap one another, so that no place counts twice: a polygon digitised twice, appended
/// twice or drawn over another. An overlap is found where a polygon's interior point (its
/// centroid, or geo's interior point when the centroid falls outside a concave shape) lies inside
/// another polygon, or, in layers of up to 200 000 vertices, one of its vertices lies inside
/// another polygon farther than 1 mm from its boundary; each group of overlapping polygons becomes one (geo's union, computed on
/// coordinates relative to the group) in the place of its first member, the others are emptied,
/// so feature numbers stay. Slight overlaps that hold no interior point are not merged. Returns
/// how many polygons were merged into others.
pub fn dissolve_overlaps(store: &mut GeometryStore) -> usize {
    use geo::{BooleanOps, InteriorPoint, Translate};
    let n = store.len();
    let index = crate::core::model::layer::SpatialIndex::build(&store.bboxes);
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    let mut any = false;
    // Layers of up to 200 000 vertices (red lines, development boundaries, most permanent
    // farmland of a town) are probed at every vertex; larger ones at interior points only.
    let small = store.coords.len() <= 200_000;
    for f in 0..n {
        if store.kinds[f] != GeomKind::Polygon {
            continue;
        }
        let mut probes: Vec<(f64, f64)> = interior_point(store, f)
            .or_else(|| {
                super::overlay::to_multipolygon(store, f)
                    .interior_point()
                    .map(|p| (p.x(), p.y()))
            })
            .into_iter()
            .collect();
        if small {
            // Every vertex too: a polygon drawn partly over another has a vertex inside it.
            probes.extend(store.rings(f).flatten().map(|c| (c[0], c[1])));
        }
        for (i, &(x, y)) in probes.iter().enumerate() {
            let probe = BBox {
                min_x: x,
                min_y: y,
                max_x: x,
                max_y: y,
            };
            for g in index.query(&probe) {
                let g = g as usize;
                if g == f || store.kinds[g] != GeomKind::Polygon || !store.hit(g, x, y, 0.0) {
                    continue;
                }
                // A vertex on g's boundary (neighbours sharing an edge) is no overlap.
                if i > 0 && boundary_distance(store, g, x, y) <= 1e-3 {
                    continue;
                }
                let (a, b) = (root(&mut parent, f), root(&mut parent, g));
                if a != b {
                    parent[a.max(b)] = a.min(b);
                    any = true;
                }
            }
        }
    }
    if !any {
        return 0;
    }
    let mut groups: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for f in 0..n {
        let r = root(&mut parent, f);
        groups.entry(r).or_default().push(f);
    }
    let mut merged_into: Vec<Option<MultiPolygon<f64>>> = vec![None; n];
    let mut emptied = vec![false; n];
    let mut merged = 0;
    for (first, members) in groups.into_iter().filter(|(_, m)| m.len() > 1) {
        let mut bb = BBox::EMPTY;
        for &m in &members {
            bb.union(&store.bboxes[m]);
        }
        let parts: Vec<MultiPolygon<f64>> = members
            .iter()
            .map(|&m| super::overlay::to_multipolygon(store, m).translate(-bb.min_x, -bb.min_y))
            .collect();
        let u = parts
            .iter()
            .skip(1)
            .fold(parts[0].clone(), |acc, p| acc.union(p));
        merged_into[first] = Some(u.translate(bb.min_x, bb.min_y));
        for &m in &members[1..] {
            emptied[m] = true;
        }
        merged += members.len() - 1;
    }
    let mut out = GeometryStore::with_capacity(n, store.coords.len());
    for f in 0..n {
        if let Some(mp) = &merged_into[f] {
            push_multipolygon(&mut out, mp);
        } else if emptied[f] {
            out.push_empty();
        } else {
            out.extend_feature(store, f);
        }
    }
    for f in 0..n {
        if out.kinds[f] == GeomKind::Polygon {
            orient(&mut out, f);
        }
    }
    *store = out;
    merged
}

/// Distance from (x, y) to the nearest ring of polygon `f`.
fn boundary_distance(store: &GeometryStore, f: usize, x: f64, y: f64) -> f64 {
    store
        .rings(f)
        .flat_map(|r| r.windows(2))
        .map(|w| crate::core::model::geom::dist2_point_segment(x, y, w[0], w[1]))
        .fold(f64::INFINITY, f64::min)
        .sqrt()
}

/// The centroid of polygon `f`'s first part, when it lies inside the polygon.
fn interior_point(store: &GeometryStore, f: usize) -> Option<(f64, f64)> {
    let part = store.parts(f).next()?;
    let ring = part.rings().next()?;
    if ring.len() < 3 {
        return None;
    }
    let (ox, oy) = (ring[0][0], ring[0][1]);
    let (mut a, mut cx, mut cy) = (0.0, 0.0, 0.0);
    for i in 0..ring.len() {
        let p = ring[i];
        let q = ring[(i + 1) % ring.len()];
        let (x0, y0, x1, y1) = (p[0] - ox, p[1] - oy, q[0] - ox, q[1] - oy);
        let c = x0 * y1 - x1 * y0;
        a += c;
        cx += (x0 + x1) * c;
        cy += (y0 + y1) * c;
    }
    if a.abs() < f64::EPSILON {
        return None;
    }
    let (x, y) = (ox + cx / (3.0 * a), oy + cy / (3.0 * a));
    store.hit(f, x, y, 0.0).then_some((x, y))
}

/// One segment of a ring, for the screen.
#[derive(Clone, Copy)]
struct Seg {
    a: Coord<f64>,
    b: Coord<f64>,
    ring: u32,
    /// Position in the ring's cycle of distinct points, and the cycle's length.
    pos: u32,
    len: u32,
    min_x: f64,
    max_x: f64,
    min_y: f64,
    max_y: f64,
}

/// A conservative screen: `true` only when polygon `f` is certainly valid in the OGC sense
/// (simple rings of at least three distinct points, no ring touching or crossing another, holes
/// inside their shell and outside each other, parts apart). Anything it cannot vouch for goes to
/// GEOS. Exact (robust orientation predicates); O(n log n) in the number of vertices.
pub fn is_surely_valid(store: &GeometryStore, f: usize) -> bool {
    thread_local! {
        static SCRATCH: std::cell::RefCell<(Vec<Seg>, Vec<Coord<f64>>)> =
            const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
    }
    SCRATCH.with(|s| {
        let (segs, pts) = &mut *s.borrow_mut();
        screen(store, f, segs, pts)
    })
}

fn screen(store: &GeometryStore, f: usize, segs: &mut Vec<Seg>, pts: &mut Vec<Coord<f64>>) -> bool {
    segs.clear();
    let mut ring_no = 0u32;
    for part in store.parts(f) {
        for r in part.rings() {
            if r.iter().any(|c| !c[0].is_finite() || !c[1].is_finite()) {
                return false;
            }
            // The cycle of points: consecutive duplicates and the closing point dropped.
            pts.clear();
            for c in r {
                let p = Coord { x: c[0], y: c[1] };
                if pts.last() != Some(&p) {
                    pts.push(p);
                }
            }
            while pts.len() > 1 && pts.first() == pts.last() {
                pts.pop();
            }
            let n = pts.len();
            if n < 3 {
                return false;
            }
            for i in 0..n {
                let (a, b) = (pts[i], pts[(i + 1) % n]);
                segs.push(Seg {
                    a,
                    b,
                    ring: ring_no,
                    pos: i as u32,
                    len: n as u32,
                    min_x: a.x.min(b.x),
                    max_x: a.x.max(b.x),
                    min_y: a.y.min(b.y),
                    max_y: a.y.max(b.y),
                });
            }
            ring_no += 1;
        }
    }
    segs.sort_unstable_by(|s, t| s.min_x.total_cmp(&t.min_x));
    for i in 0..segs.len() {
        let s = segs[i];
        for t in &segs[i + 1..] {
            if t.min_x > s.max_x {
                break;
            }
            if t.min_y > s.max_y || t.max_y < s.min_y {
                continue;
            }
            if s.ring == t.ring {
                let d = s.pos.abs_diff(t.pos);
                if d == 1 || d == s.len - 1 {
                    // Neighbours share one point; they must not fold back onto each other.
                    let (p, q, r) = if s.b == t.a {
                        (s.a, s.b, t.b)
                    } else {
                        (t.a, t.b, s.b)
                    };
                    if RobustKernel::orient2d(p, q, r) == Orientation::Collinear
                        && (q.x - p.x) * (r.x - q.x) + (q.y - p.y) * (r.y - q.y) < 0.0
                    {
                        return false;
                    }
                    continue;
                }
            }
            if segments_meet(&s, t) {
                return false;
            }
        }
    }
    if ring_no <= 1 {
        return true;
    }
    // No two rings meet: each ring lies wholly inside or outside each other one, so one point
    // tells. Holes must lie in their shell and outside the other holes; parts outside each other
    // (a part inside another's hole is fine).
    let parts: Vec<Vec<&[[f64; 2]]>> = store.parts(f).map(|p| p.rings().collect()).collect();
    for (pi, rings) in parts.iter().enumerate() {
        for (k, hole) in rings.iter().enumerate().skip(1) {
            let p = hole[0];
            if !crate::core::model::geom::point_in_ring(rings[0], p[0], p[1]) {
                return false;
            }
            if rings.iter().enumerate().skip(1).any(|(j, other)| {
                j != k && crate::core::model::geom::point_in_ring(other, p[0], p[1])
            }) {
                return false;
            }
        }
        if parts.len() > 1 {
            let bb = ring_box(rings[0]);
            for (pj, other) in parts.iter().enumerate() {
                if pj == pi || !bb.intersects(&ring_box(other[0])) {
                    continue;
                }
                let p = rings[0][0];
                let inside = other
                    .iter()
                    .filter(|r| crate::core::model::geom::point_in_ring(r, p[0], p[1]))
                    .count()
                    % 2
                    == 1;
                if inside {
                    return false;
                }
            }
        }
    }
    true
}

fn ring_box(r: &[[f64; 2]]) -> BBox {
    let mut b = BBox::EMPTY;
    for c in r {
        b.add(c[0], c[1]);
    }
    b
}

/// Whether two closed segments share any point (touching included), exactly.
fn segments_meet(s: &Seg, t: &Seg) -> bool {
    let o1 = RobustKernel::orient2d(s.a, s.b, t.a);
    let o2 = RobustKernel::orient2d(s.a, s.b, t.b);
    let o3 = RobustKernel::orient2d(t.a, t.b, s.a);
    let o4 = RobustKernel::orient2d(t.a, t.b, s.b);
    use Orientation::Collinear as C;
    if o1 == C && o2 == C && o3 == C && o4 == C {
        // Collinear: they meet where their boxes do (already known to overlap).
        return true;
    }
    (o1 != o2 || o1 == C) && (o3 != o4 || o3 == C)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn poly(rings: &[&[(f64, f64)]]) -> GeometryStore {
        let mut s = GeometryStore::new();
        for r in rings {
            for &(x, y) in *r {
                s.push_coord(x, y);
            }
            s.end_ring();
        }
        s.end_part();
        s.end_feature(GeomKind::Polygon);
        s
    }

    #[test]
    fn a_bow_tie_is_repaired_into_two_triangles() {
        let mut s = poly(&[&[(0., 0.), (10., 10.), (10., 0.), (0., 10.), (0., 0.)]]);
        assert!(!is_surely_valid(&s, 0));
        let st = make_fit(&mut s);
        assert_eq!(st.repaired, 1);
        assert_eq!(s.parts(0).count(), 2);
        assert!((s.planar_area(0) - 50.0).abs() < 1e-9);
    }

    #[test]
    fn a_point_beside_a_polygon_is_dropped_not_the_polygon() {
        // GEOMETRYCOLLECTION(POLYGON, POINT) read into one polygon feature.
        let mut s = GeometryStore::new();
        for (x, y) in [(0., 0.), (10., 0.), (10., 10.), (0., 10.), (0., 0.)] {
            s.push_coord(x, y);
        }
        s.end_ring();
        s.end_part();
        s.push_coord(20.0, 20.0);
        s.end_ring();
        s.end_part();
        s.end_feature(GeomKind::Polygon);
        let st = make_fit(&mut s);
        assert_eq!((st.repaired, st.emptied), (1, 0));
        assert!((s.planar_area(0) - 100.0).abs() < 1e-9);
    }

    #[test]
    fn clockwise_rings_are_turned_and_valid_ones_left_alone() {
        // Exterior clockwise, hole counter-clockwise (shapefile order).
        let mut s = poly(&[
            &[(0., 0.), (0., 10.), (10., 10.), (10., 0.), (0., 0.)],
            &[(2., 2.), (4., 2.), (4., 4.), (2., 4.), (2., 2.)],
        ]);
        assert!(is_surely_valid(&s, 0));
        let st = make_fit(&mut s);
        assert_eq!(st.repaired, 0);
        assert_eq!(st.reoriented, 1);
        assert!(ring_signed_area(s.ring(0)) > 0.0);
        assert!(ring_signed_area(s.ring(1)) < 0.0);
        assert!((s.planar_area(0) - 96.0).abs() < 1e-9);
    }

    #[test]
    fn duplicated_and_overlapping_area_polygons_count_once() {
        let mut s = GeometryStore::new();
        s.push_square(0.0, 0.0, 500.0);
        s.push_square(0.0, 0.0, 500.0); // digitised twice
        s.push_square(250.0, 0.0, 500.0); // drawn over the first
        s.push_square(2000.0, 0.0, 100.0); // apart
        s.push_square(500.0, 500.0, 100.0); // touching at a corner only
        let merged = dissolve_overlaps(&mut s);
        assert_eq!(merged, 2);
        assert_eq!(s.len(), 5);
        let total: f64 = (0..s.len()).map(|f| s.planar_area(f)).sum();
        assert!(
            (total - (750.0 * 500.0 + 2.0 * 100.0 * 100.0)).abs() < 1e-6,
            "{total}"
        );
    }

    #[test]
    fn spikes_touching_holes_and_outside_holes_are_doubted() {
        let spike = poly(&[&[
            (0., 0.),
            (10., 0.),
            (15., 0.),
            (10., 0.),
            (10., 10.),
            (0., 10.),
            (0., 0.),
        ]]);
        assert!(!is_surely_valid(&spike, 0));
        let outside = poly(&[
            &[(0., 0.), (10., 0.), (10., 10.), (0., 10.), (0., 0.)],
            &[(20., 20.), (22., 20.), (22., 22.), (20., 20.)],
        ]);
        assert!(!is_surely_valid(&outside, 0));
        let repeated = poly(&[&[
            (0., 0.),
            (10., 0.),
            (10., 0.),
            (10., 10.),
            (0., 10.),
            (0., 0.),
        ]]);
        assert!(is_surely_valid(&repeated, 0));
    }
}

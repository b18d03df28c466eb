//! Overlaying polygons on zones (parcels on villages): for every polygon, the share of its area
//! lying in each zone. This is what apportioning needs ("a parcel lying in several villages
//! contributes to each the share of its TBDLMJ equal to the share of its area inside that
//! village").
//!
//! Most parcels lie inside one village: an index of the zones' boundary segments tells, without
//! any clipping, that no boundary crosses a parcel's bounding box; the parcel then belongs wholly
//! to the zone containing one of its points. Only parcels a boundary crosses are clipped: the
//! zone is first cut to the parcel's box (Sutherland–Hodgman against a rectangle, which is
//! exact for area), then intersected with the parcel (geo's boolean operations). Work is split
//! over the cores.

use crate::core::model::geom::{BBox, GeomKind, GeometryStore};
use crate::core::model::layer::SpatialIndex;
use crate::core::model::progress::{Cancelled, Progress};
use geo::{Area, BooleanOps, Coord, LineString, MultiPolygon, Polygon, Translate};

/// Shares of one polygon's area per zone: (zone index, share in 0..=1).
pub type Shares = Vec<(u32, f64)>;

/// Feature `f` of a store as a geo multipolygon (exterior ring first in each part).
pub fn to_multipolygon(store: &GeometryStore, f: usize) -> MultiPolygon<f64> {
    if store.kinds[f] != GeomKind::Polygon {
        return MultiPolygon(vec![]);
    }
    let ring = |r: &[[f64; 2]]| LineString(r.iter().map(|c| Coord { x: c[0], y: c[1] }).collect());
    MultiPolygon(
        store
            .parts(f)
            .map(|p| {
                let mut rings = p.rings();
                let ext = rings.next().map(ring).unwrap_or(LineString(vec![]));
                Polygon::new(ext, rings.map(ring).collect())
            })
            .collect(),
    )
}

/// Clips a ring to a rectangle (Sutherland–Hodgman; the result has the same area inside the
/// rectangle, possibly with zero-width spikes along its edges).
fn clip_ring(ring: &[Coord<f64>], b: &BBox) -> Vec<Coord<f64>> {
    let mut pts: Vec<Coord<f64>> = ring.to_vec();
    if pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    type Inside = fn(&Coord<f64>, f64) -> bool;
    type Cut = fn(&Coord<f64>, &Coord<f64>, f64) -> Coord<f64>;
    let cut_x = |a: &Coord<f64>, c: &Coord<f64>, x: f64| {
        let t = (x - a.x) / (c.x - a.x);
        Coord {
            x,
            y: a.y + t * (c.y - a.y),
        }
    };
    let cut_y = |a: &Coord<f64>, c: &Coord<f64>, y: f64| {
        let t = (y - a.y) / (c.y - a.y);
        Coord {
            x: a.x + t * (c.x - a.x),
            y,
        }
    };
    let edges: [(Inside, Cut, f64); 4] = [
        (|p, v| p.x >= v, cut_x, b.min_x),
        (|p, v| p.x <= v, cut_x, b.max_x),
        (|p, v| p.y >= v, cut_y, b.min_y),
        (|p, v| p.y <= v, cut_y, b.max_y),
    ];
    for (inside, cut, v) in edges {
        if pts.is_empty() {
            break;
        }
        let mut out = Vec::with_capacity(pts.len() + 4);
        for i in 0..pts.len() {
            let cur = pts[i];
            let prev = pts[(i + pts.len() - 1) % pts.len()];
            match (inside(&prev, v), inside(&cur, v)) {
                (true, true) => out.push(cur),
                (true, false) => out.push(cut(&prev, &cur, v)),
                (false, true) => {
                    out.push(cut(&prev, &cur, v));
                    out.push(cur);
                }
                (false, false) => {}
            }
        }
        pts = out;
    }
    if pts.len() >= 3 {
        pts.push(pts[0]);
    }
    pts
}

/// A zone cut to a rectangle.
fn clip_zone(zone: &MultiPolygon<f64>, b: &BBox) -> MultiPolygon<f64> {
    MultiPolygon(
        zone.0
            .iter()
            .filter_map(|p| {
                let ext = clip_ring(&p.exterior().0, b);
                if ext.len() < 4 {
                    return None;
                }
                let holes = p
                    .interiors()
                    .iter()
                    .map(|h| clip_ring(&h.0, b))
                    .filter(|h| h.len() >= 4)
                    .map(LineString)
                    .collect();
                Some(Polygon::new(LineString(ext), holes))
            })
            .collect(),
    )
}

/// Even–odd point in multipolygon.
fn contains(zone: &MultiPolygon<f64>, x: f64, y: f64) -> bool {
    let mut inside = false;
    for p in &zone.0 {
        for r in std::iter::once(p.exterior()).chain(p.interiors()) {
            let c = &r.0;
            let n = c.len();
            if n < 3 {
                continue;
            }
            let mut j = n - 1;
            for i in 0..n {
                let (a, b) = (c[i], c[j]);
                if (a.y > y) != (b.y > y) && x < (b.x - a.x) * (y - a.y) / (b.y - a.y) + a.x {
                    inside = !inside;
                }
                j = i;
            }
        }
    }
    inside
}

/// The counter-clockwise ring of `zone` when it is one convex polygon without holes (collinear
/// points allowed, no fold-backs), else `None`.
fn convex_ring(zone: &MultiPolygon<f64>) -> Option<Vec<Coord<f64>>> {
    let [p] = zone.0.as_slice() else {
        return None;
    };
    if !p.interiors().is_empty() {
        return None;
    }
    let mut pts: Vec<Coord<f64>> = Vec::with_capacity(p.exterior().0.len());
    for c in &p.exterior().0 {
        if pts.last() != Some(c) {
            pts.push(*c);
        }
    }
    while pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    let n = pts.len();
    if n < 3 {
        return None;
    }
    let area: f64 = (0..n)
        .map(|i| {
            let (a, b) = (pts[i], pts[(i + 1) % n]);
            a.x * b.y - b.x * a.y
        })
        .sum();
    if area == 0.0 {
        return None;
    }
    if area < 0.0 {
        pts.reverse();
    }
    // Every turn is a left turn or straight on (not back); and the turns add up to one round
    // (a convex ring winds once: its edge directions' angles rise monotonically through 2π).
    let mut turning = 0.0;
    for i in 0..n {
        let (a, b, c) = (pts[i], pts[(i + 1) % n], pts[(i + 2) % n]);
        let (ux, uy, vx, vy) = (b.x - a.x, b.y - a.y, c.x - b.x, c.y - b.y);
        let cross = ux * vy - uy * vx;
        let dot = ux * vx + uy * vy;
        if cross < 0.0 || (cross == 0.0 && dot < 0.0) {
            return None;
        }
        turning += cross.atan2(dot);
    }
    ((turning - std::f64::consts::TAU).abs() < 1e-6).then_some(pts)
}

/// Area of `subject` (rings of any shape; holes subtract) inside the convex counter-clockwise
/// ring `clip`: each ring clipped to the half-planes of `clip`'s edges (Sutherland–Hodgman,
/// exact in area for a convex clipper), areas summed with the rings' roles.
fn convex_clip_area(subject: &MultiPolygon<f64>, clip: &[Coord<f64>]) -> f64 {
    let ring_area = |ring: &[Coord<f64>]| -> f64 {
        let mut pts: Vec<Coord<f64>> = ring.to_vec();
        if pts.len() > 1 && pts.first() == pts.last() {
            pts.pop();
        }
        let n = clip.len();
        for i in 0..n {
            if pts.is_empty() {
                return 0.0;
            }
            let (a, b) = (clip[i], clip[(i + 1) % n]);
            let side = |p: &Coord<f64>| (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x);
            let mut out = Vec::with_capacity(pts.len() + 2);
            for k in 0..pts.len() {
                let cur = pts[k];
                let prev = pts[(k + pts.len() - 1) % pts.len()];
                let (sc, sp) = (side(&cur), side(&prev));
                if (sp >= 0.0) != (sc >= 0.0) {
                    let t = sp / (sp - sc);
                    out.push(Coord {
                        x: prev.x + t * (cur.x - prev.x),
                        y: prev.y + t * (cur.y - prev.y),
                    });
                }
                if sc >= 0.0 {
                    out.push(cur);
                }
            }
            pts = out;
        }
        let m = pts.len();
        (0..m)
            .map(|i| {
                let (a, b) = (pts[i], pts[(i + 1) % m]);
                a.x * b.y - b.x * a.y
            })
            .sum::<f64>()
            .abs()
            / 2.0
    };
    subject
        .0
        .iter()
        .map(|p| {
            ring_area(&p.exterior().0) - p.interiors().iter().map(|h| ring_area(&h.0)).sum::<f64>()
        })
        .sum::<f64>()
        .max(0.0)
}

/// Whether (x, y) lies within `tol` of the boundary of `zone`.
fn on_boundary(zone: &MultiPolygon<f64>, x: f64, y: f64, tol: f64) -> bool {
    zone.0.iter().any(|p| {
        std::iter::once(p.exterior()).chain(p.interiors()).any(|r| {
            r.0.windows(2).any(|w| {
                crate::core::model::geom::dist2_point_segment(
                    x,
                    y,
                    [w[0].x, w[0].y],
                    [w[1].x, w[1].y],
                ) <= tol * tol
            })
        })
    })
}

/// The zones prepared for overlaying: geometry, bounding-box index and boundary-segment index.
pub struct Zones {
    polys: Vec<MultiPolygon<f64>>,
    boxes: Vec<BBox>,
    index: SpatialIndex,
    segments: SpatialIndex,
    /// The zone of each boundary segment.
    seg_zone: Vec<u32>,
}

impl Zones {
    /// Prepares the polygons of `store` (in the same CRS as what will be overlaid).
    pub fn new(store: &GeometryStore) -> Zones {
        let polys: Vec<MultiPolygon<f64>> = (0..store.len())
            .map(|f| to_multipolygon(store, f))
            .collect();
        let mut seg_boxes = Vec::new();
        let mut seg_zone = Vec::new();
        for f in 0..store.len() {
            if store.kinds[f] != GeomKind::Polygon {
                continue;
            }
            for r in store.rings(f) {
                for w in r.windows(2) {
                    let mut b = BBox::EMPTY;
                    b.add(w[0][0], w[0][1]);
                    b.add(w[1][0], w[1][1]);
                    seg_boxes.push(b);
                    seg_zone.push(f as u32);
                }
            }
        }
        Zones {
            polys,
            boxes: store.bboxes.clone(),
            index: SpatialIndex::build(&store.bboxes),
            segments: SpatialIndex::build(&seg_boxes),
            seg_zone,
        }
    }

    /// Number of zones.
    pub fn len(&self) -> usize {
        self.polys.len()
    }

    /// Whether there are no zones.
    pub fn is_empty(&self) -> bool {
        self.polys.is_empty()
    }

    /// The zones whose bounding box meets `bb`.
    pub fn candidates(&self, bb: &BBox) -> Vec<usize> {
        self.index.query(bb).map(|z| z as usize).collect()
    }

    /// Zone `z` as a geo multipolygon.
    pub fn polygon(&self, z: usize) -> &MultiPolygon<f64> {
        &self.polys[z]
    }

    /// Area of zone `z` (planar, CRS units²).
    pub fn area(&self, z: usize) -> f64 {
        self.polys[z].unsigned_area()
    }

    /// The shares of feature `f` of `store` in each zone (empty outside every zone): the
    /// share of its area inside each zone. Where zones overlap each other, a feature in the
    /// overlap has its share in each of them (as GeoPandas `overlay` gives it a piece in each).
    pub fn shares(&self, store: &GeometryStore, f: usize) -> Shares {
        self.shares_except(store, f, None)
    }

    /// [`Zones::shares`] leaving zone `except` out (a layer overlaid on itself: how much of
    /// feature `f` lies in the other features).
    pub fn shares_except(&self, store: &GeometryStore, f: usize, except: Option<u32>) -> Shares {
        if store.kinds[f] != GeomKind::Polygon {
            return vec![];
        }
        let bb = store.bboxes[f];
        let p = store.ring(store.part_offsets[store.feature_offsets[f] as usize] as usize)[0];
        // Fast path, without allocating: no zone boundary comes near, so the feature lies wholly
        // in each zone holding its first point (one, unless zones overlap).
        let mut near = false;
        self.segments.visit(&bb, |i| {
            near |= Some(self.seg_zone[i as usize]) != except;
        });
        if !near {
            let mut out = Vec::new();
            self.index.visit(&bb, |z| {
                if Some(z) != except && contains(&self.polys[z as usize], p[0], p[1]) {
                    out.push((z, 1.0));
                }
            });
            return out;
        }
        let cands: Vec<u32> = self
            .index
            .query(&bb)
            .filter(|z| Some(*z) != except)
            .collect();
        if cands.is_empty() {
            return vec![];
        }
        // Zones whose boundary comes near the feature; the others hold it wholly or not at all.
        let mut crossing: Vec<u32> = self
            .segments
            .query(&bb)
            .map(|i| self.seg_zone[i as usize])
            .filter(|z| Some(*z) != except)
            .collect();
        crossing.sort_unstable();
        crossing.dedup();
        let (whole, cands): (Vec<u32>, Vec<u32>) = cands
            .into_iter()
            .partition(|z| crossing.binary_search(z).is_err());
        let inside: Vec<u32> = whole
            .into_iter()
            .filter(|z| contains(&self.polys[*z as usize], p[0], p[1]))
            .collect();
        if cands.is_empty() {
            // No zone boundary comes near: the feature lies wholly in each zone holding its
            // first point (one, unless zones overlap).
            return inside.into_iter().map(|z| (z, 1.0)).collect();
        }
        // Boolean operations run on coordinates relative to the feature's corner: projected
        // coordinates of 10⁷ m leave too few significant digits for shares that sum to 1
        // within 1e-9.
        let (ox, oy) = (bb.min_x, bb.min_y);
        let raw = to_multipolygon(store, f);
        let poly = raw.translate(-ox, -oy);
        let total = poly.unsigned_area();
        if total <= 0.0 {
            return vec![];
        }
        // A feature drawn exactly as one zone (permanent farmland drawn from the parcels) lies
        // wholly in it: no boolean operation needed.
        if let Some(&z) = cands
            .iter()
            .find(|&&z| self.boxes[z as usize] == bb && self.polys[z as usize] == raw)
        {
            return vec![(z, 1.0)];
        }
        let mut pieces: Vec<(u32, f64)> = inside.into_iter().map(|z| (z, total)).collect();
        for z in cands {
            let zone = clip_zone(&self.polys[z as usize], &bb);
            if zone.0.is_empty() {
                continue;
            }
            let zone = zone.translate(-ox, -oy);
            // Most boundary pieces are convex (a village edge cutting a parcel's box): the area
            // of the feature inside a convex piece is exact by clipping; others go to geo.
            let a = match convex_ring(&zone) {
                Some(clip) => convex_clip_area(&poly, &clip),
                None => poly.intersection(&zone).unsigned_area(),
            };
            if a > total * 1e-12 {
                pieces.push((z, a));
            }
        }
        // geo's boolean operations snap to a grid of about 1e-8 of the operands' extent, so the
        // pieces of a feature lying wholly in the zones may add up to its area only within
        // ~1e-8. Such a feature is shared out by its pieces (its shares sum to 1); one sticking
        // out of every zone by more than that keeps its share of the outside.
        let covered: f64 = pieces.iter().map(|p| p.1).sum();
        let denominator = if (covered - total).abs() <= 1e-6 * total {
            covered
        } else {
            total
        };
        pieces
            .into_iter()
            .map(|(z, a)| (z, (a / denominator).min(1.0)))
            .collect::<Vec<_>>()
    }

    /// The zone holding point feature `f` of `store` (its first point), if any.
    pub fn zone_of_point(&self, store: &GeometryStore, f: usize) -> Option<usize> {
        if store.kinds[f] != GeomKind::Point {
            return None;
        }
        let p = store.rings(f).next()?.first().copied()?;
        self.zone_at(p[0], p[1])
    }

    /// The zone holding the point (x, y), if any.
    pub fn zone_at(&self, x: f64, y: f64) -> Option<usize> {
        let b = BBox {
            min_x: x,
            min_y: y,
            max_x: x,
            max_y: y,
        };
        let cands: Vec<u32> = self.index.query(&b).collect();
        cands
            .iter()
            .copied()
            .find(|z| contains(&self.polys[*z as usize], x, y))
            .or_else(|| {
                // A point on a boundary (an enterprise on the village's top or right edge,
                // which the even–odd rule leaves outside): the zone whose boundary carries it.
                cands
                    .iter()
                    .copied()
                    .find(|z| on_boundary(&self.polys[*z as usize], x, y, 1e-6))
            })
            .map(|z| z as usize)
    }

    /// Whether feature `f` of `store` (any kind) lies at least partly in some zone: a polygon
    /// sharing area with a zone (touching a boundary is not enough), a point inside one, a line
    /// crossing or inside one.
    pub fn meets(&self, store: &GeometryStore, f: usize) -> bool {
        match store.kinds[f] {
            GeomKind::Polygon => !self.shares(store, f).is_empty(),
            GeomKind::Point => store
                .rings(f)
                .any(|r| r.iter().any(|p| self.zone_at(p[0], p[1]).is_some())),
            GeomKind::Line => {
                let bb = store.bboxes[f];
                let cands: Vec<u32> = self.index.query(&bb).collect();
                if cands.is_empty() {
                    return false;
                }
                store.rings(f).any(|r| {
                    let line =
                        geo::LineString::from(r.iter().map(|p| (p[0], p[1])).collect::<Vec<_>>());
                    cands
                        .iter()
                        .any(|&z| geo::Intersects::intersects(&line, &self.polys[z as usize]))
                })
            }
            _ => false,
        }
    }

    /// The shares of every feature of `store`, computed on all cores.
    pub fn overlay(
        &self,
        store: &GeometryStore,
        progress: &Progress,
    ) -> Result<Vec<Shares>, Cancelled> {
        par_map(store.len(), progress, |f| self.shares(store, f))
    }
}

/// `f(0..n)` computed on all cores, in order; `progress` counts the items done and can cancel.
pub fn par_map<T: Send>(
    n: usize,
    progress: &Progress,
    f: impl Fn(usize) -> T + Sync,
) -> Result<Vec<T>, Cancelled> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .max(1);
    let chunk = n.div_ceil(threads).max(1);
    let done = std::sync::atomic::AtomicU64::new(0);
    let f = &f;
    let parts: Vec<Result<Vec<T>, Cancelled>> = std::thread::scope(|s| {
        let jobs: Vec<_> = (0..n)
            .step_by(chunk)
            .map(|start| {
                let done = &done;
                s.spawn(move || {
                    let end = (start + chunk).min(n);
                    let mut v = Vec::with_capacity(end - start);
                    for i in start..end {
                        v.push(f(i));
                        if (i - start) % 4096 == 4095 {
                            let d = done.fetch_add(4096, std::sync::atomic::Ordering::Relaxed);
                            progress.set(d + 4096)?;
                        }
                    }
                    Ok(v)
                })
            })
            .collect();
        jobs.into_iter()
            .map(|j| j.join().unwrap_or(Err(Cancelled)))
            .collect()
    });
    let mut out = Vec::with_capacity(n);
    for p in parts {
        out.extend(p?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(store: &mut GeometryStore, x0: f64, y0: f64, s: f64) {
        store.push_square(x0, y0, s);
    }

    #[test]
    fn shares_of_split_and_inner_parcels() {
        // Two zones side by side: [0,10]x[0,10] and [10,20]x[0,10].
        let mut zones = GeometryStore::new();
        square(&mut zones, 0.0, 0.0, 10.0);
        square(&mut zones, 10.0, 0.0, 10.0);
        let z = Zones::new(&zones);
        let mut parcels = GeometryStore::new();
        square(&mut parcels, 8.0, 2.0, 4.0); // half in each
        square(&mut parcels, 2.0, 2.0, 2.0); // inside zone 0
        square(&mut parcels, 30.0, 30.0, 1.0); // outside
        square(&mut parcels, 17.0, 8.0, 4.0); // 3x2 of 16 inside zone 1
        let s = z.overlay(&parcels, &Progress::new()).unwrap();
        let get = |v: &Shares, k: u32| v.iter().find(|x| x.0 == k).map(|x| x.1).unwrap_or(0.0);
        assert!((get(&s[0], 0) - 0.5).abs() < 1e-9 && (get(&s[0], 1) - 0.5).abs() < 1e-9);
        assert_eq!(s[1], vec![(0, 1.0)]);
        assert!(s[2].is_empty());
        assert!((get(&s[3], 1) - 6.0 / 16.0).abs() < 1e-9, "{:?}", s[3]);
        assert!((z.area(0) - 100.0).abs() < 1e-9);
    }
}

//! Flat, columnar geometry storage for whole layers.
//!
//! A county has 10⁵–10⁶ parcels; one heap allocation per ring would cost seconds and gigabytes.
//! [`GeometryStore`] keeps every coordinate of a layer in one `Vec`, with offset arrays that say
//! where each ring, part and feature starts (the GeoArrow layout). A point is a part with one ring of
//! one coordinate, a line string is a part with one ring, a polygon is a part whose first ring is
//! the exterior and the others holes.

use serde::{Deserialize, Serialize};

/// The kind of a feature's geometry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash)]
pub enum GeomKind {
    /// No geometry (NULL or empty).
    Empty,
    /// One or more points.
    Point,
    /// One or more line strings.
    Line,
    /// One or more polygons, each with an exterior ring and optional holes.
    Polygon,
}

/// An axis-aligned bounding box.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BBox {
    /// Minimum x.
    pub min_x: f64,
    /// Minimum y.
    pub min_y: f64,
    /// Maximum x.
    pub max_x: f64,
    /// Maximum y.
    pub max_y: f64,
}

impl BBox {
    /// The empty box: extending it with any point gives that point.
    pub const EMPTY: BBox = BBox {
        min_x: f64::INFINITY,
        min_y: f64::INFINITY,
        max_x: f64::NEG_INFINITY,
        max_y: f64::NEG_INFINITY,
    };

    /// The square of half-side `r` centred on (`x`, `y`): what a click with a tolerance of `r` may hit.
    pub fn around(x: f64, y: f64, r: f64) -> BBox {
        BBox {
            min_x: x - r,
            min_y: y - r,
            max_x: x + r,
            max_y: y + r,
        }
    }

    /// Whether no point was added.
    pub fn is_empty(&self) -> bool {
        !(self.min_x <= self.max_x && self.min_y <= self.max_y)
    }

    /// Grows the box to contain `(x, y)`.
    #[inline]
    pub fn add(&mut self, x: f64, y: f64) {
        self.min_x = self.min_x.min(x);
        self.min_y = self.min_y.min(y);
        self.max_x = self.max_x.max(x);
        self.max_y = self.max_y.max(y);
    }

    /// Grows the box to contain `other`.
    pub fn union(&mut self, other: &BBox) {
        if !other.is_empty() {
            self.add(other.min_x, other.min_y);
            self.add(other.max_x, other.max_y);
        }
    }

    /// Whether the two boxes overlap (touching counts).
    pub fn intersects(&self, o: &BBox) -> bool {
        self.min_x <= o.max_x
            && o.min_x <= self.max_x
            && self.min_y <= o.max_y
            && o.min_y <= self.max_y
    }

    /// Width.
    pub fn width(&self) -> f64 {
        self.max_x - self.min_x
    }

    /// Height.
    pub fn height(&self) -> f64 {
        self.max_y - self.min_y
    }

    /// Centre point.
    pub fn center(&self) -> (f64, f64) {
        (
            (self.min_x + self.max_x) / 2.0,
            (self.min_y + self.max_y) / 2.0,
        )
    }
}

/// All geometries of one layer, in one coordinate system.
#[derive(Debug, Clone, Default)]
pub struct GeometryStore {
    /// Every coordinate, ring after ring.
    pub coords: Vec<[f64; 2]>,
    /// `ring_offsets[r]..ring_offsets[r+1]` are the coordinates of ring `r`.
    pub ring_offsets: Vec<u32>,
    /// `part_offsets[p]..part_offsets[p+1]` are the rings of part `p`.
    pub part_offsets: Vec<u32>,
    /// `feature_offsets[f]..feature_offsets[f+1]` are the parts of feature `f`.
    pub feature_offsets: Vec<u32>,
    /// The kind of each feature.
    pub kinds: Vec<GeomKind>,
    /// The bounding box of each feature (empty box for empty geometries).
    pub bboxes: Vec<BBox>,
}

/// Builds a [`GeometryStore`] one feature at a time.
impl GeometryStore {
    /// A point inside feature `f` to put its label at: the bbox centre where it lies inside (points, lines, convex
    /// shapes), else the middle of the widest inside run of the horizontal line through the centre.
    pub fn label_point(&self, f: usize) -> [f64; 2] {
        let bb = &self.bboxes[f];
        let (cx, cy) = bb.center();
        if self.kinds[f] != GeomKind::Polygon || self.hit(f, cx, cy, 0.0) {
            return [cx, cy];
        }
        let mut xs: Vec<f64> = Vec::new();
        for r in self.rings(f) {
            for w in r.windows(2) {
                let (a, b) = (w[0], w[1]);
                if (a[1] > cy) != (b[1] > cy) {
                    xs.push(a[0] + (cy - a[1]) / (b[1] - a[1]) * (b[0] - a[0]));
                }
            }
        }
        xs.sort_by(f64::total_cmp);
        let best = xs
            .chunks(2)
            .filter(|c| c.len() == 2)
            .max_by(|a, b| (a[1] - a[0]).total_cmp(&(b[1] - b[0])));
        match best {
            Some(c) => [(c[0] + c[1]) / 2.0, cy],
            None => [cx, cy],
        }
    }

    /// An empty store.
    pub fn new() -> Self {
        GeometryStore {
            coords: Vec::new(),
            ring_offsets: vec![0],
            part_offsets: vec![0],
            feature_offsets: vec![0],
            kinds: Vec::new(),
            bboxes: Vec::new(),
        }
    }

    /// An empty store with room for `features` features and `coords` coordinates.
    pub fn with_capacity(features: usize, coords: usize) -> Self {
        let mut s = Self::new();
        s.coords.reserve(coords);
        s.ring_offsets.reserve(features + 1);
        s.part_offsets.reserve(features + 1);
        s.feature_offsets.reserve(features + 1);
        s.kinds.reserve(features);
        s.bboxes.reserve(features);
        s
    }

    /// Appends an axis-aligned square polygon (lower-left corner, side): a test fixture.
    #[cfg(test)]
    pub fn push_square(&mut self, x0: f64, y0: f64, s: f64) {
        for (x, y) in [
            (x0, y0),
            (x0 + s, y0),
            (x0 + s, y0 + s),
            (x0, y0 + s),
            (x0, y0),
        ] {
            self.push_coord(x, y);
        }
        self.end_ring();
        self.end_part();
        self.end_feature(GeomKind::Polygon);
    }

    /// Number of features.
    pub fn len(&self) -> usize {
        self.kinds.len()
    }

    /// Whether there are no features.
    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }

    /// Appends a coordinate to the ring being built.
    #[inline]
    pub fn push_coord(&mut self, x: f64, y: f64) {
        self.coords.push([x, y]);
    }

    /// Closes the ring being built (its coordinates are those pushed since the last ring ended).
    #[inline]
    pub fn end_ring(&mut self) {
        self.ring_offsets.push(self.coords.len() as u32);
    }

    /// Closes the part being built.
    #[inline]
    pub fn end_part(&mut self) {
        self.part_offsets.push((self.ring_offsets.len() - 1) as u32);
    }

    /// Closes the feature being built, with its kind; computes its bounding box.
    pub fn end_feature(&mut self, kind: GeomKind) {
        let p0 = *self.feature_offsets.last().unwrap() as usize;
        let p1 = self.part_offsets.len() - 1;
        self.feature_offsets.push(p1 as u32);
        let mut bb = BBox::EMPTY;
        if p1 > p0 {
            let r0 = self.part_offsets[p0] as usize;
            let r1 = self.part_offsets[p1] as usize;
            let c0 = self.ring_offsets[r0] as usize;
            let c1 = self.ring_offsets[r1] as usize;
            for c in &self.coords[c0..c1] {
                bb.add(c[0], c[1]);
            }
        }
        let kind = if bb.is_empty() { GeomKind::Empty } else { kind };
        self.kinds.push(kind);
        self.bboxes.push(bb);
    }

    /// Discards whatever was pushed since the last finished feature (used when a blob is corrupt).
    pub fn rollback_feature(&mut self) {
        let p0 = *self.feature_offsets.last().unwrap() as usize;
        self.part_offsets.truncate(p0 + 1);
        let r0 = self.part_offsets[p0] as usize;
        self.ring_offsets.truncate(r0 + 1);
        let c0 = self.ring_offsets[r0] as usize;
        self.coords.truncate(c0);
    }

    /// Adds an empty feature.
    pub fn push_empty(&mut self) {
        self.rollback_feature();
        self.end_feature(GeomKind::Empty);
    }

    /// The parts of feature `f`, each as a list of rings, each ring a slice of coordinates.
    pub fn parts(&self, f: usize) -> impl Iterator<Item = Part<'_>> + '_ {
        let p0 = self.feature_offsets[f] as usize;
        let p1 = self.feature_offsets[f + 1] as usize;
        (p0..p1).map(move |p| Part {
            store: self,
            part: p,
        })
    }

    /// All rings of feature `f`, regardless of part.
    pub fn rings(&self, f: usize) -> impl Iterator<Item = &[[f64; 2]]> + '_ {
        let p0 = self.feature_offsets[f] as usize;
        let p1 = self.feature_offsets[f + 1] as usize;
        let r0 = self.part_offsets[p0] as usize;
        let r1 = self.part_offsets[p1] as usize;
        (r0..r1).map(move |r| self.ring(r))
    }

    /// Coordinates of ring `r`.
    #[inline]
    pub fn ring(&self, r: usize) -> &[[f64; 2]] {
        &self.coords[self.ring_offsets[r] as usize..self.ring_offsets[r + 1] as usize]
    }

    /// Number of coordinates of feature `f`.
    pub fn coord_count(&self, f: usize) -> usize {
        self.rings(f).map(|r| r.len()).sum()
    }

    /// Appends every feature of `other` (same coordinate system) after this store's features.
    pub fn extend_from(&mut self, other: &GeometryStore) {
        let c_base = self.coords.len() as u32;
        let r_base = (self.ring_offsets.len() - 1) as u32;
        let p_base = (self.part_offsets.len() - 1) as u32;
        self.coords.extend_from_slice(&other.coords);
        self.ring_offsets
            .extend(other.ring_offsets[1..].iter().map(|o| o + c_base));
        self.part_offsets
            .extend(other.part_offsets[1..].iter().map(|o| o + r_base));
        self.feature_offsets
            .extend(other.feature_offsets[1..].iter().map(|o| o + p_base));
        self.kinds.extend_from_slice(&other.kinds);
        self.bboxes.extend_from_slice(&other.bboxes);
    }

    /// Appends a copy of feature `f` of `other`.
    pub fn extend_feature(&mut self, other: &GeometryStore, f: usize) {
        for part in other.feature_offsets[f]..other.feature_offsets[f + 1] {
            for r in other.part_offsets[part as usize]..other.part_offsets[part as usize + 1] {
                self.coords.extend_from_slice(other.ring(r as usize));
                self.ring_offsets.push(self.coords.len() as u32);
            }
            self.part_offsets.push((self.ring_offsets.len() - 1) as u32);
        }
        self.feature_offsets
            .push((self.part_offsets.len() - 1) as u32);
        self.kinds.push(other.kinds[f]);
        self.bboxes.push(other.bboxes[f]);
    }

    /// The bounding box of every feature.
    pub fn extent(&self) -> BBox {
        let mut bb = BBox::EMPTY;
        for b in &self.bboxes {
            bb.union(b);
        }
        bb
    }

    /// Planar area of feature `f` (exterior rings minus holes, in squared CRS units).
    pub fn planar_area(&self, f: usize) -> f64 {
        if self.kinds[f] != GeomKind::Polygon {
            return 0.0;
        }
        self.parts(f)
            .map(|p| {
                p.rings()
                    .enumerate()
                    .map(|(i, r)| {
                        let a = ring_signed_area(r).abs();
                        if i == 0 {
                            a
                        } else {
                            -a
                        }
                    })
                    .sum::<f64>()
            })
            .sum()
    }

    /// Whether the point lies within `tol` of an edge of feature `f` (any kind: a polygon's rings, a line).
    pub fn near_boundary(&self, f: usize, x: f64, y: f64, tol: f64) -> bool {
        self.rings(f).any(|r| {
            r.windows(2)
                .any(|w| dist2_point_segment(x, y, w[0], w[1]) <= tol * tol)
        })
    }

    /// Whether feature `f` contains the point (polygons), or lies within `tol` of it (lines and points).
    pub fn hit(&self, f: usize, x: f64, y: f64, tol: f64) -> bool {
        let bb = &self.bboxes[f];
        if x < bb.min_x - tol || x > bb.max_x + tol || y < bb.min_y - tol || y > bb.max_y + tol {
            return false;
        }
        match self.kinds[f] {
            GeomKind::Empty => false,
            GeomKind::Polygon => self.parts(f).any(|p| {
                let mut inside = false;
                for r in p.rings() {
                    if point_in_ring(r, x, y) {
                        inside = !inside;
                    }
                }
                inside
            }),
            GeomKind::Line => self.rings(f).any(|r| {
                r.windows(2)
                    .any(|w| dist2_point_segment(x, y, w[0], w[1]) <= tol * tol)
            }),
            GeomKind::Point => self
                .rings(f)
                .flatten()
                .any(|c| (c[0] - x).powi(2) + (c[1] - y).powi(2) <= tol * tol),
        }
    }

    /// Transforms every coordinate in place with `f` and recomputes bounding boxes.
    pub fn map_coords(&mut self, f: impl Fn(&mut [[f64; 2]]) + Sync) {
        f(&mut self.coords);
        self.recompute_bboxes();
    }

    /// Recomputes every feature's bounding box from its coordinates.
    pub fn recompute_bboxes(&mut self) {
        for fi in 0..self.kinds.len() {
            let mut bb = BBox::EMPTY;
            for r in self.rings(fi) {
                for c in r {
                    bb.add(c[0], c[1]);
                }
            }
            self.bboxes[fi] = bb;
        }
    }
}

/// One part (a point, a line string or a polygon with holes) of a feature.
#[derive(Clone, Copy)]
pub struct Part<'a> {
    store: &'a GeometryStore,
    part: usize,
}

impl<'a> Part<'a> {
    /// The rings of this part (for a polygon: exterior first).
    pub fn rings(&self) -> impl Iterator<Item = &'a [[f64; 2]]> + 'a {
        let s = self.store;
        let r0 = s.part_offsets[self.part] as usize;
        let r1 = s.part_offsets[self.part + 1] as usize;
        (r0..r1).map(move |r| s.ring(r))
    }
}

/// Signed area of a ring by the shoelace formula (positive when counter-clockwise).
pub fn ring_signed_area(r: &[[f64; 2]]) -> f64 {
    if r.len() < 3 {
        return 0.0;
    }
    // Shift to the first vertex so large projected coordinates keep their precision.
    let (ox, oy) = (r[0][0], r[0][1]);
    let mut s = 0.0;
    for w in r.windows(2) {
        s += (w[0][0] - ox) * (w[1][1] - oy) - (w[1][0] - ox) * (w[0][1] - oy);
    }
    let (a, b) = (r[r.len() - 1], r[0]);
    s += (a[0] - ox) * (b[1] - oy) - (b[0] - ox) * (a[1] - oy);
    s / 2.0
}

/// Even-odd point in ring test.
pub fn point_in_ring(r: &[[f64; 2]], x: f64, y: f64) -> bool {
    let mut inside = false;
    let n = r.len();
    if n < 3 {
        return false;
    }
    let mut j = n - 1;
    for i in 0..n {
        let (xi, yi) = (r[i][0], r[i][1]);
        let (xj, yj) = (r[j][0], r[j][1]);
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        j = i;
    }
    inside
}

/// Squared distance from (x, y) to the segment a–b.
pub fn dist2_point_segment(x: f64, y: f64, a: [f64; 2], b: [f64; 2]) -> f64 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((x - a[0]) * dx + (y - a[1]) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (px, py) = (a[0] + t * dx, a[1] + t * dy);
    (x - px).powi(2) + (y - py).powi(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square_with_hole() -> GeometryStore {
        let mut s = GeometryStore::new();
        for (x, y) in [(0., 0.), (10., 0.), (10., 10.), (0., 10.), (0., 0.)] {
            s.push_coord(x, y);
        }
        s.end_ring();
        for (x, y) in [(4., 4.), (6., 4.), (6., 6.), (4., 6.), (4., 4.)] {
            s.push_coord(x, y);
        }
        s.end_ring();
        s.end_part();
        s.end_feature(GeomKind::Polygon);
        s
    }

    #[test]
    fn area_subtracts_holes() {
        let s = square_with_hole();
        assert_eq!(s.planar_area(0), 96.0);
    }

    #[test]
    fn hit_respects_holes() {
        let s = square_with_hole();
        assert!(s.hit(0, 1.0, 1.0, 0.0));
        assert!(!s.hit(0, 5.0, 5.0, 0.0));
        assert!(!s.hit(0, 11.0, 5.0, 0.0));
    }

    #[test]
    fn rollback_discards_partial_feature() {
        let mut s = square_with_hole();
        s.push_coord(1.0, 1.0);
        s.end_ring();
        s.rollback_feature();
        s.push_empty();
        assert_eq!(s.len(), 2);
        assert_eq!(s.kinds[1], GeomKind::Empty);
        assert_eq!(s.coords.len(), 10);
        let mut t = GeometryStore::new();
        t.extend_from(&s);
        t.extend_from(&s);
        assert_eq!(t.len(), 4);
        assert_eq!(t.planar_area(2), 96.0);
    }
}

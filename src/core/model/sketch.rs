//! Drawing a polygon by hand (a proposal's site, a grid cell): the ring being drawn with vertex add, move, insert
//! and delete, undo and redo of every edit, and snapping to the vertices and edges of what is on the map.
//!
//! Coordinates are whatever the caller draws in (the app: Web Mercator metres); tolerances are in the same
//! units. Pure geometry, no UI: the app's map tool ([`crate`]'s `gui::proposal`) and the tests drive it alike.

/// What a point snapped to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Snapped {
    /// A vertex of a feature on the map.
    Vertex([f64; 2]),
    /// The nearest point of a feature's edge.
    Edge([f64; 2]),
}

impl Snapped {
    /// The snapped point.
    pub fn point(self) -> [f64; 2] {
        match self {
            Snapped::Vertex(p) | Snapped::Edge(p) => p,
        }
    }
}

/// The point of segment a–b nearest to p.
pub fn nearest_on_segment(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> [f64; 2] {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let l2 = dx * dx + dy * dy;
    if l2 == 0.0 {
        return a;
    }
    let t = (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / l2).clamp(0.0, 1.0);
    [a[0] + t * dx, a[1] + t * dy]
}

fn dist2(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)
}

/// Snaps `p` to the rings given (each a list of points; polygon rings closed or not, lines as they are): the
/// nearest vertex within `tol` first, else the nearest point of an edge within `tol`, else `None`.
pub fn snap<'a>(
    p: [f64; 2],
    tol: f64,
    rings: impl IntoIterator<Item = &'a [[f64; 2]]>,
) -> Option<Snapped> {
    let t2 = tol * tol;
    let mut best_v: Option<(f64, [f64; 2])> = None;
    let mut best_e: Option<(f64, [f64; 2])> = None;
    for r in rings {
        for (i, &v) in r.iter().enumerate() {
            let d = dist2(p, v);
            if d <= t2 && best_v.is_none_or(|b| d < b.0) {
                best_v = Some((d, v));
            }
            if i + 1 < r.len() {
                let q = nearest_on_segment(p, v, r[i + 1]);
                let d = dist2(p, q);
                if d <= t2 && best_e.is_none_or(|b| d < b.0) {
                    best_e = Some((d, q));
                }
            }
        }
    }
    best_v
        .map(|v| Snapped::Vertex(v.1))
        .or(best_e.map(|e| Snapped::Edge(e.1)))
}

/// A polygon being drawn: its ring (open: the last vertex joins the first when drawn), the selected vertex, and
/// the edits to undo and redo.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sketch {
    ring: Vec<[f64; 2]>,
    undo: Vec<Vec<[f64; 2]>>,
    redo: Vec<Vec<[f64; 2]>>,
    /// The selected vertex (to move or delete), if any.
    pub selected: Option<usize>,
}

impl Sketch {
    /// A sketch of `ring` (its closing point dropped), with no history.
    pub fn from_ring(ring: &[[f64; 2]]) -> Sketch {
        let mut r = ring.to_vec();
        while r.len() > 1 && r.first() == r.last() {
            r.pop();
        }
        Sketch {
            ring: r,
            ..Default::default()
        }
    }

    /// The vertices, in order (not closed).
    pub fn points(&self) -> &[[f64; 2]] {
        &self.ring
    }

    /// The ring closed (first point repeated), when it has at least 3 vertices.
    pub fn closed(&self) -> Option<Vec<[f64; 2]>> {
        (self.ring.len() >= 3).then(|| {
            let mut r = self.ring.clone();
            r.push(r[0]);
            r
        })
    }

    fn edit(&mut self, f: impl FnOnce(&mut Vec<[f64; 2]>)) {
        self.undo.push(self.ring.clone());
        self.redo.clear();
        f(&mut self.ring);
    }

    /// Adds a vertex at the end.
    pub fn add(&mut self, p: [f64; 2]) {
        self.edit(|r| r.push(p));
        self.selected = None;
    }

    /// Moves vertex `i` to `p`.
    pub fn move_vertex(&mut self, i: usize, p: [f64; 2]) {
        if i < self.ring.len() {
            self.edit(|r| r[i] = p);
        }
    }

    /// Inserts `p` after vertex `i` (on the edge from `i` to the next vertex).
    pub fn insert_after(&mut self, i: usize, p: [f64; 2]) {
        if i < self.ring.len() {
            self.edit(|r| r.insert(i + 1, p));
            self.selected = Some(i + 1);
        }
    }

    /// Deletes vertex `i`.
    pub fn remove(&mut self, i: usize) {
        if i < self.ring.len() {
            self.edit(|r| {
                r.remove(i);
            });
            self.selected = None;
        }
    }

    /// Removes every vertex (undoable).
    pub fn clear(&mut self) {
        if !self.ring.is_empty() {
            self.edit(|r| r.clear());
        }
        self.selected = None;
    }

    /// Undoes the last edit; `false` when there is none.
    pub fn undo(&mut self) -> bool {
        match self.undo.pop() {
            Some(prev) => {
                self.redo.push(std::mem::replace(&mut self.ring, prev));
                self.selected = None;
                true
            }
            None => false,
        }
    }

    /// Redoes the last undone edit; `false` when there is none.
    pub fn redo(&mut self) -> bool {
        match self.redo.pop() {
            Some(next) => {
                self.undo.push(std::mem::replace(&mut self.ring, next));
                self.selected = None;
                true
            }
            None => false,
        }
    }

    /// Whether there is an edit to undo / redo.
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    /// Whether there is an undone edit to redo.
    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// The vertex within `tol` of `p`, the nearest.
    pub fn vertex_near(&self, p: [f64; 2], tol: f64) -> Option<usize> {
        self.ring
            .iter()
            .enumerate()
            .map(|(i, v)| (i, dist2(p, *v)))
            .filter(|(_, d)| *d <= tol * tol)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(i, _)| i)
    }

    /// The edge within `tol` of `p` (the closing edge included once there are 3 vertices): the index of its
    /// first vertex and the nearest point on it.
    pub fn edge_near(&self, p: [f64; 2], tol: f64) -> Option<(usize, [f64; 2])> {
        let n = self.ring.len();
        if n < 2 {
            return None;
        }
        let edges = if n >= 3 { n } else { n - 1 };
        (0..edges)
            .map(|i| {
                let q = nearest_on_segment(p, self.ring[i], self.ring[(i + 1) % n]);
                (i, q, dist2(p, q))
            })
            .filter(|e| e.2 <= tol * tol)
            .min_by(|a, b| a.2.total_cmp(&b.2))
            .map(|(i, q, _)| (i, q))
    }

    /// Planar area of the ring (units²; 0 under 3 vertices).
    pub fn area(&self) -> f64 {
        self.closed()
            .map(|r| crate::core::model::geom::ring_signed_area(&r).abs())
            .unwrap_or(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_undo_and_redo() {
        let mut s = Sketch::default();
        s.add([0.0, 0.0]);
        s.add([10.0, 0.0]);
        s.add([10.0, 10.0]);
        assert_eq!(s.area(), 50.0);
        s.add([0.0, 10.0]);
        assert_eq!(s.area(), 100.0);
        assert!(s.undo());
        assert_eq!(s.points().len(), 3);
        assert!(s.redo());
        assert_eq!(s.area(), 100.0);
        s.move_vertex(2, [20.0, 10.0]);
        assert_eq!(s.area(), 150.0);
        let (i, q) = s.edge_near([5.0, 0.5], 1.0).unwrap();
        assert_eq!((i, q), (0, [5.0, 0.0]));
        s.insert_after(i, [5.0, -5.0]);
        assert_eq!(s.points().len(), 5);
        s.remove(1);
        assert_eq!(s.points().len(), 4);
        assert!(s.undo() && s.undo() && s.undo());
        assert_eq!(s.area(), 100.0);
        assert!(s.can_redo());
        s.add([1.0, 1.0]);
        assert!(!s.can_redo(), "a new edit drops the redo history");
    }

    #[test]
    fn snapping_prefers_vertices_then_edges() {
        let ring = [[0.0, 0.0], [100.0, 0.0], [100.0, 100.0], [0.0, 0.0]];
        let rings = [&ring[..]];
        assert_eq!(
            snap([99.0, 1.5], 3.0, rings),
            Some(Snapped::Vertex([100.0, 0.0]))
        );
        assert_eq!(
            snap([50.0, 2.0], 3.0, rings),
            Some(Snapped::Edge([50.0, 0.0]))
        );
        assert_eq!(snap([50.0, 20.0], 3.0, rings), None);
    }
}

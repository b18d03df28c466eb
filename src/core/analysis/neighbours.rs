//! Fixed-radius and nearest-neighbour search over points in a projected CRS (metres): a uniform grid of buckets,
//! the structure DBSCAN, Getis-Ord Gi* distance bands and the co-location quotient share. Building is O(n); a
//! radius query visits the buckets the radius touches.

use std::collections::HashMap;

/// Points bucketed in square cells of `cell` metres.
#[derive(Debug, Clone)]
pub struct PointGrid {
    cell: f64,
    buckets: HashMap<(i64, i64), Vec<u32>>,
    points: Vec<[f64; 2]>,
}

impl PointGrid {
    /// The grid of `points` with cells of `cell` metres (a cell near the usual query radius is fastest). Points
    /// with a coordinate that is not finite are left out of every answer. `cell` must be positive and finite.
    pub fn new(points: &[[f64; 2]], cell: f64) -> PointGrid {
        let cell = if cell.is_finite() && cell > 0.0 {
            cell
        } else {
            1.0
        };
        let mut buckets: HashMap<(i64, i64), Vec<u32>> = HashMap::new();
        for (i, p) in points.iter().enumerate() {
            if p[0].is_finite() && p[1].is_finite() {
                buckets
                    .entry(Self::key(cell, p))
                    .or_default()
                    .push(i as u32);
            }
        }
        PointGrid {
            cell,
            buckets,
            points: points.to_vec(),
        }
    }

    fn key(cell: f64, p: &[f64; 2]) -> (i64, i64) {
        ((p[0] / cell).floor() as i64, (p[1] / cell).floor() as i64)
    }

    /// The points.
    pub fn points(&self) -> &[[f64; 2]] {
        &self.points
    }

    /// Calls `f(j, d²)` for every point `j` within `radius` of `p` (distance ≤ radius, `p` itself included when
    /// it is one of the points), in no particular order.
    pub fn within(&self, p: [f64; 2], radius: f64, mut f: impl FnMut(usize, f64)) {
        if !(p[0].is_finite() && p[1].is_finite() && radius >= 0.0) {
            return;
        }
        let r2 = radius * radius;
        let (x0, y0) = Self::key(self.cell, &[p[0] - radius, p[1] - radius]);
        let (x1, y1) = Self::key(self.cell, &[p[0] + radius, p[1] + radius]);
        for gx in x0..=x1 {
            for gy in y0..=y1 {
                if let Some(b) = self.buckets.get(&(gx, gy)) {
                    for &j in b {
                        let q = self.points[j as usize];
                        let d2 = (q[0] - p[0]).powi(2) + (q[1] - p[1]).powi(2);
                        if d2 <= r2 {
                            f(j as usize, d2);
                        }
                    }
                }
            }
        }
    }

    /// The `k` nearest points to point `i` other than `i` itself, nearest first, as `(j, distance)`; points at the
    /// same distance as the k-th are all included (ties are not broken by index). Fewer when there are fewer.
    pub fn nearest(&self, i: usize, k: usize) -> Vec<(usize, f64)> {
        let p = self.points[i];
        let finite = self.buckets.values().map(Vec::len).sum::<usize>();
        if k == 0 || finite <= 1 || !(p[0].is_finite() && p[1].is_finite()) {
            return Vec::new();
        }
        let mut radius = self.cell;
        loop {
            let mut found: Vec<(usize, f64)> = Vec::new();
            self.within(p, radius, |j, d2| {
                if j != i {
                    found.push((j, d2.sqrt()));
                }
            });
            // Enough points within the radius: the k-th of them is certainly the k-th nearest overall.
            if found.len() >= k || found.len() + 1 >= finite {
                found.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
                if found.len() > k {
                    let kth = found[k - 1].1;
                    found.retain(|x| x.1 <= kth);
                }
                return found;
            }
            radius *= 2.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_and_within_agree_with_brute_force() {
        let mut s = 7u64;
        let mut rnd = || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64 * 1000.0
        };
        let pts: Vec<[f64; 2]> = (0..300).map(|_| [rnd(), rnd()]).collect();
        let g = PointGrid::new(&pts, 37.0);
        for i in (0..300).step_by(17) {
            let mut brute: Vec<(usize, f64)> = (0..300)
                .filter(|&j| j != i)
                .map(|j| {
                    (
                        j,
                        ((pts[j][0] - pts[i][0]).powi(2) + (pts[j][1] - pts[i][1]).powi(2)).sqrt(),
                    )
                })
                .collect();
            brute.sort_by(|a, b| a.1.total_cmp(&b.1));
            let near = g.nearest(i, 5);
            assert_eq!(near.len(), 5);
            for (a, b) in near.iter().zip(&brute) {
                assert!((a.1 - b.1).abs() < 1e-9);
            }
            let mut n = 0;
            g.within(pts[i], 80.0, |_, _| n += 1);
            assert_eq!(n, brute.iter().filter(|x| x.1 <= 80.0).count() + 1);
        }
    }
}

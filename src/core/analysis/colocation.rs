//! Co-location of two kinds of firms — does a downstream link's firms sit near its upstream suppliers? — by the
//! co-location quotient of Leslie & Kronenfeld (2011, Geographical Analysis 43:306–326):
//!
//! ```text
//!              C(A→B) / N_A                         N'_B = N_B − 1 when A is B, else N_B,
//! CLQ(A→B) = ─────────────────,                      C(A→B) = Σ over A-points of the share of their nearest
//!             N'_B / (N − 1)                                  neighbours that are B (ties share one count)
//! ```
//!
//! over a population of `N` points. 1 means A's nearest neighbours are B as often as chance gives; above 1, A
//! sits near B. The local quotient of each A-point (Cromley, Hanink & Bentley 2014; Wang et al. 2017, the form
//! ArcGIS Colocation Analysis uses) weighs its `k` nearest neighbours with a Gaussian kernel whose bandwidth is
//! the distance to the k-th:
//!
//! ```text
//!                   Σⱼ wᵢⱼ [j is B] / Σⱼ wᵢⱼ
//! LCLQ(Aᵢ→B) = ──────────────────────────,   wᵢⱼ = exp(−½ dᵢⱼ² / dᵢₖ²),   j over the k nearest (ties included)
//!                    N'_B / (N − 1)
//! ```
//!
//! Significance of the global quotient by permutation: the B labels are shuffled over the population (the A
//! points fixed), `permutations` times, with a fixed seed; p = (1 + #{CLQ_perm ≥ CLQ}) / (1 + permutations).

use super::neighbours::PointGrid;
use rand::seq::SliceRandom;
use rand::SeedableRng;

/// The global quotient of A → B.
#[derive(Debug, Clone, PartialEq)]
pub struct Colocation {
    /// CLQ(A→B); `None` when there are no A points or no other B points.
    pub clq: Option<f64>,
    /// One-sided permutation p of CLQ being this high by chance (`None` without permutations).
    pub p: Option<f64>,
    /// A points.
    pub n_a: usize,
    /// B points.
    pub n_b: usize,
    /// The population.
    pub n: usize,
}

/// The nearest neighbours of every point (ties included), from a [`PointGrid`].
pub fn nearest_neighbours(grid: &PointGrid) -> Vec<Vec<usize>> {
    (0..grid.points().len())
        .map(|i| grid.nearest(i, 1).into_iter().map(|x| x.0).collect())
        .collect()
}

fn clq_with(nn: &[Vec<usize>], is_a: &[bool], is_b: &[bool]) -> Option<f64> {
    let n = is_a.len();
    let n_a = is_a.iter().filter(|x| **x).count();
    let n_b = is_b.iter().filter(|x| **x).count();
    let same = is_a == is_b;
    let n_b_other = if same { n_b.saturating_sub(1) } else { n_b };
    if n_a == 0 || n_b_other == 0 || n < 2 {
        return None;
    }
    let c: f64 = (0..n)
        .filter(|&i| is_a[i] && !nn[i].is_empty())
        .map(|i| nn[i].iter().filter(|&&j| is_b[j]).count() as f64 / nn[i].len() as f64)
        .sum();
    Some((c / n_a as f64) / (n_b_other as f64 / (n - 1) as f64))
}

/// The global co-location quotient of A → B over the population `grid` holds (`is_a`, `is_b` per point), with
/// `permutations` shuffles of the B labels for its p (0: none).
pub fn global_clq(
    grid: &PointGrid,
    nn: &[Vec<usize>],
    is_a: &[bool],
    is_b: &[bool],
    permutations: usize,
) -> Colocation {
    let clq = clq_with(nn, is_a, is_b);
    let p = match clq {
        Some(c) if permutations > 0 => {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(20_111_306);
            let mut b = is_b.to_vec();
            let mut higher = 0usize;
            for _ in 0..permutations {
                b.shuffle(&mut rng);
                if clq_with(nn, is_a, &b).is_some_and(|x| x >= c - 1e-12) {
                    higher += 1;
                }
            }
            Some((1 + higher) as f64 / (1 + permutations) as f64)
        }
        _ => None,
    };
    Colocation {
        clq,
        p,
        n_a: is_a.iter().filter(|x| **x).count(),
        n_b: is_b.iter().filter(|x| **x).count(),
        n: grid.points().len(),
    }
}

/// The local quotient LCLQ(Aᵢ→B) of every A point (`None` for the others) with the Gaussian kernel over its `k`
/// nearest neighbours.
pub fn local_clq(grid: &PointGrid, is_a: &[bool], is_b: &[bool], k: usize) -> Vec<Option<f64>> {
    let n = is_a.len();
    let n_b = is_b.iter().filter(|x| **x).count();
    let n_b_other = if is_a == is_b {
        n_b.saturating_sub(1)
    } else {
        n_b
    };
    (0..n)
        .map(|i| {
            if !is_a[i] || n_b_other == 0 || n < 2 {
                return None;
            }
            let near = grid.nearest(i, k);
            let bw = near.last()?.1;
            let (mut num, mut den) = (0.0, 0.0);
            for (j, d) in near {
                let w = if bw > 0.0 {
                    (-0.5 * d * d / (bw * bw)).exp()
                } else {
                    1.0
                };
                den += w;
                if is_b[j] {
                    num += w;
                }
            }
            Some((num / den) / (n_b_other as f64 / (n - 1) as f64))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_sitting_together_score_high_and_apart_low() {
        // A next to B in pairs, far apart from each other pair.
        let mut pts = Vec::new();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for k in 0..20 {
            pts.push([k as f64 * 1000.0, 0.0]);
            pts.push([k as f64 * 1000.0 + 5.0, 0.0]);
            a.extend([true, false]);
            b.extend([false, true]);
        }
        let g = PointGrid::new(&pts, 1000.0);
        let nn = nearest_neighbours(&g);
        let c = global_clq(&g, &nn, &a, &b, 99);
        // Every A's nearest is a B: (20/20) / (20/39) = 1.95.
        assert!((c.clq.unwrap() - 39.0 / 20.0).abs() < 1e-12);
        assert!(c.p.unwrap() <= 0.02, "{:?}", c.p);
        let aa = global_clq(&g, &nn, &a, &a, 0);
        assert_eq!(aa.clq, Some(0.0));
        let l = local_clq(&g, &a, &b, 1);
        assert!((l[0].unwrap() - 39.0 / 20.0).abs() < 1e-12);
        assert_eq!(l[1], None);
    }
}

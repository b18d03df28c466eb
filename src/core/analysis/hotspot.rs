//! Hot spots of a chain's firms: Getis-Ord Gi* (Getis & Ord 1992; Ord & Getis 1995) in the form ArcGIS Hot Spot
//! Analysis uses, binary weights within a distance band with the feature itself included:
//!
//! ```text
//!          Σⱼ wᵢⱼ xⱼ − X̄ Σⱼ wᵢⱼ
//! Gᵢ* = ───────────────────────────────────────────,   X̄ = Σ xⱼ / n,   S = √(Σ xⱼ² / n − X̄²)
//!        S · √( (n Σⱼ wᵢⱼ² − (Σⱼ wᵢⱼ)²) / (n − 1) )
//! ```
//!
//! a z-score (PySAL `esda.G_Local(transform='B', star=True)` gives the same `Zs`); p two-sided from the normal
//! distribution. Significance bins as ArcGIS's `Gi_Bin` (±3: 99 %, ±2: 95 %, ±1: 90 %), with the false discovery
//! rate correction of Benjamini & Hochberg (1995) at each level when asked. Features are hexagons over the study
//! area or village polygons, each holding the count (or summed weight) of the firms inside.

use super::neighbours::PointGrid;

/// Gi* of one feature.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GiStar {
    /// The z-score Gᵢ*; 0 when every feature is a neighbour (no contrast).
    pub z: f64,
    /// Two-sided p under the normal distribution.
    pub p: f64,
    /// ArcGIS `Gi_Bin`: +3/+2/+1 hot spot at 99/95/90 %, −3/−2/−1 cold spot, 0 not significant.
    pub bin: i8,
    /// Neighbours within the band, itself included.
    pub neighbours: usize,
}

/// The 1 − Φ(|z|) tail of the standard normal, doubled: the two-sided p of `z`.
pub fn two_sided_p(z: f64) -> f64 {
    extern "C" {
        // The C library's complementary error function (C99), exact to the last bits.
        fn erfc(x: f64) -> f64;
    }
    // SAFETY: erfc is a pure function of its argument.
    unsafe { erfc(z.abs() / std::f64::consts::SQRT_2) }
}

/// The distance band ArcGIS suggests by default: the largest nearest-neighbour distance, so that every feature
/// has at least one neighbour (m). `None` for fewer than two features.
pub fn suggest_band(centres: &[[f64; 2]]) -> Option<f64> {
    if centres.len() < 2 {
        return None;
    }
    let e = extent_side(centres);
    let g = PointGrid::new(centres, (e / (centres.len() as f64).sqrt()).max(1e-6));
    (0..centres.len())
        .filter_map(|i| g.nearest(i, 1).first().map(|x| x.1))
        .fold(None, |m: Option<f64>, d| Some(m.map_or(d, |m| m.max(d))))
        // A hair more, so that the neighbours at exactly that distance stay in despite rounding.
        .map(|d| d * (1.0 + 1e-9))
}

fn extent_side(pts: &[[f64; 2]]) -> f64 {
    let (mut a, mut b) = ([f64::MAX; 2], [f64::MIN; 2]);
    for p in pts.iter().filter(|p| p[0].is_finite() && p[1].is_finite()) {
        a = [a[0].min(p[0]), a[1].min(p[1])];
        b = [b[0].max(p[0]), b[1].max(p[1])];
    }
    (b[0] - a[0]).max(b[1] - a[1]).max(1.0)
}

/// Gi* of every feature (`centres` in metres, `values` per feature) with binary weights within `band` metres,
/// itself included; `fdr` applies the false discovery rate correction to the bins. Errors: fewer than 3
/// features, values of another length or not finite, a band that is not positive, values all the same.
pub fn gi_star(
    centres: &[[f64; 2]],
    values: &[f64],
    band: f64,
    fdr: bool,
) -> Result<Vec<GiStar>, String> {
    let n = centres.len();
    if values.len() != n {
        return Err("数值与要素数不一致 / as many values as features are needed".into());
    }
    if n < 3 {
        return Err(format!(
            "只有 {n} 个要素，热点分析至少要 3 个 / only {n} features: hot spots need at least 3"
        ));
    }
    if !(band.is_finite() && band > 0.0) {
        return Err(format!(
            "距离带 {band} m 须为正数 / the distance band ({band} m) must be positive"
        ));
    }
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(format!(
            "第 {} 个要素的值不是数 / feature {} has no numeric value",
            i + 1,
            i + 1
        ));
    }
    let nf = n as f64;
    let mean = values.iter().sum::<f64>() / nf;
    let s = (values.iter().map(|v| v * v).sum::<f64>() / nf - mean * mean)
        .max(0.0)
        .sqrt();
    if s <= 1e-12 * mean.abs().max(1.0) {
        return Err("各要素的值都相同，没有热点可言 / every feature has the same value: there are no hot spots".into());
    }
    let grid = PointGrid::new(centres, band);
    let mut out: Vec<GiStar> = centres
        .iter()
        .map(|c| {
            let (mut w, mut lag) = (0usize, 0.0f64);
            grid.within(*c, band, |j, _| {
                w += 1;
                lag += values[j];
            });
            let wf = w as f64;
            let var = (nf * wf - wf * wf) / (nf - 1.0);
            let z = if var > 0.0 {
                (lag - mean * wf) / (s * var.sqrt())
            } else {
                0.0
            };
            GiStar {
                z,
                p: two_sided_p(z),
                bin: 0,
                neighbours: w,
            }
        })
        .collect();
    let z: Vec<f64> = out.iter().map(|g| g.z).collect();
    let p: Vec<f64> = out.iter().map(|g| g.p).collect();
    for (g, b) in out.iter_mut().zip(bins(&z, &p, fdr)) {
        g.bin = b;
    }
    Ok(out)
}

/// Pseudo p-values of Gi* by conditional randomisation, as PySAL esda's `p_sim`: for each feature its own value
/// is held and the values of its `Wᵢ − 1` neighbours are drawn at random, without replacement, from the other
/// `n − 1` features, `permutations` times; p = (1 + the smaller tail's count of draws at least as extreme) /
/// (1 + permutations). Unlike esda, which folds the upper tail's count, a draw equal to the observed sum counts in
/// both tails: a hexagon without firms among others without firms is not an extreme cold spot. Reproducible for a `seed` whatever the number of threads (each feature has its own
/// stream); memory holds one draw at a time, never n × permutations. `neighbours` are [`GiStar::neighbours`].
pub fn gi_star_pseudo_p(
    centres: &[[f64; 2]],
    values: &[f64],
    band: f64,
    permutations: usize,
    seed: u64,
    progress: &crate::core::model::progress::Progress,
) -> Result<Vec<f64>, String> {
    use rand::{Rng, SeedableRng};
    let n = centres.len();
    if values.len() != n || n < 3 {
        return Err("要素不足或数值个数不符 / too few features or values".into());
    }
    progress.stage("Gi* 置换检验 / Gi* permutations", n as u64);
    let grid = PointGrid::new(centres, band);
    let threads = std::thread::available_parallelism()
        .map_or(1, |t| t.get())
        .min(8);
    let chunk = n.div_ceil(threads);
    let done = std::sync::atomic::AtomicUsize::new(0);
    let mut out = vec![1.0f64; n];
    let cancelled = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        for (t, part) in out.chunks_mut(chunk).enumerate() {
            let (grid, done, cancelled) = (&grid, &done, &cancelled);
            s.spawn(move || {
                let mut picked: Vec<usize> = Vec::new();
                for (k, slot) in part.iter_mut().enumerate() {
                    let i = t * chunk + k;
                    if k % 256 == 0 {
                        if progress.is_cancelled() {
                            cancelled.store(true, std::sync::atomic::Ordering::Relaxed);
                            return;
                        }
                        let d = done.fetch_add(256, std::sync::atomic::Ordering::Relaxed);
                        let _ = progress.set((d as u64).min(n as u64));
                    }
                    let (mut w, mut lag) = (0usize, 0.0);
                    grid.within(centres[i], band, |j, _| {
                        w += 1;
                        lag += values[j];
                    });
                    let draws = w - 1;
                    if draws == 0 || draws >= n - 1 {
                        *slot = 1.0;
                        continue;
                    }
                    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(
                        seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
                    );
                    let (mut larger, mut smaller) = (0usize, 0usize);
                    for _ in 0..permutations {
                        let mut sum = values[i];
                        if draws <= 64 {
                            picked.clear();
                            while picked.len() < draws {
                                // Indices of the other features: 0..n-1 skipping i.
                                let mut j = rng.random_range(0..n - 1);
                                if j >= i {
                                    j += 1;
                                }
                                if !picked.contains(&j) {
                                    picked.push(j);
                                    sum += values[j];
                                }
                            }
                        } else {
                            for j in rand::seq::index::sample(&mut rng, n - 1, draws).into_iter() {
                                sum += values[if j >= i { j + 1 } else { j }];
                            }
                        }
                        let tol = 1e-12 * lag.abs().max(1.0);
                        if sum >= lag - tol {
                            larger += 1;
                        }
                        if sum <= lag + tol {
                            smaller += 1;
                        }
                    }
                    *slot = (larger.min(smaller) + 1) as f64 / (permutations + 1) as f64;
                }
            });
        }
    });
    if cancelled.load(std::sync::atomic::Ordering::Relaxed) {
        return Err("已取消 / cancelled".into());
    }
    Ok(out)
}

/// Significance bins (ArcGIS `Gi_Bin`) of z-scores from p-values: ±3/±2/±1 at 99/95/90 %, each level's critical
/// p lowered by the Benjamini–Hochberg false discovery rate correction when `fdr`.
pub fn bins(z: &[f64], p: &[f64], fdr: bool) -> Vec<i8> {
    let n = p.len() as f64;
    let mut sorted: Vec<f64> = p.to_vec();
    sorted.sort_by(f64::total_cmp);
    let critical = |alpha: f64| -> f64 {
        if !fdr {
            return alpha;
        }
        sorted
            .iter()
            .enumerate()
            .filter(|(k, q)| **q <= (*k as f64 + 1.0) / n * alpha)
            .map(|(_, q)| *q)
            .next_back()
            .unwrap_or(-1.0)
    };
    let levels = [
        (3i8, critical(0.01)),
        (2, critical(0.05)),
        (1, critical(0.10)),
    ];
    z.iter()
        .zip(p)
        .map(|(z, p)| match levels.iter().find(|(_, c)| *p <= *c) {
            Some((b, _)) if *z > 0.0 => *b,
            Some((b, _)) => -*b,
            None => 0,
        })
        .collect()
}

/// The most hexagons a grid may have: 10⁶ (a county of 2 000 km² in 50 m hexagons).
pub const MAX_HEXAGONS: usize = 1_000_000;

/// A grid of pointy-top hexagons `width` metres across the flats (so neighbouring centres are `width` apart),
/// covering a box; see [`HexGrid::cells`].
#[derive(Debug, Clone, PartialEq)]
pub struct HexGrid {
    /// Across the flats, m.
    pub width: f64,
    x0: f64,
    y0: f64,
    rows: i64,
    cols: i64,
}

impl HexGrid {
    /// The hexagons of `width` metres over `[min_x, min_y, max_x, max_y]` (grown by one hexagon). Errors: a
    /// width that is not positive, or more than [`MAX_HEXAGONS`].
    pub fn new(bbox: [f64; 4], width: f64) -> Result<HexGrid, String> {
        if !(width.is_finite() && width > 0.0) {
            return Err(format!(
                "六边形宽 {width} m 须为正数 / the hexagon width ({width} m) must be positive"
            ));
        }
        let side = width / 3f64.sqrt();
        let cols = ((bbox[2] - bbox[0]) / width).ceil() as i64 + 3;
        let rows = ((bbox[3] - bbox[1]) / (1.5 * side)).ceil() as i64 + 3;
        if (cols as f64) * (rows as f64) > MAX_HEXAGONS as f64 {
            return Err(format!(
                "六边形 {cols} × {rows} 太多：请加大宽度 / {cols} × {rows} hexagons are too many: use a larger width"
            ));
        }
        Ok(HexGrid {
            width,
            x0: bbox[0] - width,
            y0: bbox[1] - 1.5 * side,
            rows,
            cols,
        })
    }

    fn side(&self) -> f64 {
        self.width / 3f64.sqrt()
    }

    /// The centre of hexagon (`row`, `col`), m.
    pub fn centre(&self, row: i64, col: i64) -> [f64; 2] {
        let off = if row.rem_euclid(2) == 1 {
            self.width / 2.0
        } else {
            0.0
        };
        [
            self.x0 + col as f64 * self.width + off,
            self.y0 + row as f64 * 1.5 * self.side(),
        ]
    }

    /// Every hexagon `(row, col)` of the grid.
    pub fn cells(&self) -> impl Iterator<Item = (i64, i64)> + '_ {
        (0..self.rows).flat_map(move |r| (0..self.cols).map(move |c| (r, c)))
    }

    /// The hexagon holding point `p`: the one with the nearest centre.
    pub fn locate(&self, p: [f64; 2]) -> (i64, i64) {
        let r0 = ((p[1] - self.y0) / (1.5 * self.side())).floor() as i64;
        let mut best = ((r0, 0), f64::MAX);
        for r in [r0, r0 + 1] {
            let off = if r.rem_euclid(2) == 1 {
                self.width / 2.0
            } else {
                0.0
            };
            let c = ((p[0] - self.x0 - off) / self.width).round() as i64;
            for c in [c - 1, c, c + 1] {
                let q = self.centre(r, c);
                let d = (q[0] - p[0]).powi(2) + (q[1] - p[1]).powi(2);
                if d < best.1 {
                    best = ((r, c), d);
                }
            }
        }
        best.0
    }

    /// The six corners of hexagon (`row`, `col`), counter-clockwise from the top, m.
    pub fn ring(&self, row: i64, col: i64) -> Vec<[f64; 2]> {
        let c = self.centre(row, col);
        let s = self.side();
        (0..6)
            .map(|k| {
                let a = std::f64::consts::FRAC_PI_2 + k as f64 * std::f64::consts::FRAC_PI_3;
                [c[0] + s * a.cos(), c[1] + s * a.sin()]
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lone_peak_is_a_hot_spot_and_flat_data_is_refused() {
        // A 9 × 9 lattice, 100 m apart, with a peak in the middle.
        let mut c = Vec::new();
        let mut v = Vec::new();
        for i in 0..9 {
            for j in 0..9 {
                c.push([i as f64 * 100.0, j as f64 * 100.0]);
                v.push(if (3..6).contains(&i) && (3..6).contains(&j) {
                    10.0
                } else {
                    1.0
                });
            }
        }
        let band = suggest_band(&c).unwrap();
        assert!((band - 100.0).abs() < 1e-6);
        let g = gi_star(&c, &v, band, true).unwrap();
        assert_eq!(g[4 * 9 + 4].bin, 3);
        assert_eq!(g[4 * 9 + 4].neighbours, 5);
        assert_eq!(g[0].bin, 0);
        assert!(gi_star(&c, &vec![2.0; 81], band, true).is_err());
        assert!((two_sided_p(1.959963984540054) - 0.05).abs() < 1e-12);
    }

    #[test]
    fn pseudo_p_follows_the_normal_p_and_repeats_for_a_seed() {
        // A 30 × 30 lattice with a hot block and noise.
        let mut c = Vec::new();
        let mut v = Vec::new();
        let mut s = 3u64;
        for i in 0..30 {
            for j in 0..30 {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let noise = (s >> 40) as f64 / (1u64 << 24) as f64;
                c.push([i as f64 * 100.0, j as f64 * 100.0]);
                v.push(if (10..14).contains(&i) && (10..14).contains(&j) {
                    8.0 + noise
                } else {
                    noise
                });
            }
        }
        let g = gi_star(&c, &v, 150.0, false).unwrap();
        let pr = crate::core::model::progress::Progress::new();
        let p = gi_star_pseudo_p(&c, &v, 150.0, 999, 7, &pr).unwrap();
        assert_eq!(p, gi_star_pseudo_p(&c, &v, 150.0, 999, 7, &pr).unwrap());
        for (g, p) in g.iter().zip(&p) {
            if g.p < 1e-6 {
                assert!(*p <= 0.005, "z {} p_sim {p}", g.z);
            }
            if g.z.abs() < 0.3 {
                assert!(*p > 0.05, "z {} p_sim {p}", g.z);
            }
        }
    }

    #[test]
    fn every_point_falls_in_the_hexagon_whose_ring_holds_it() {
        let h = HexGrid::new([0.0, 0.0, 1000.0, 800.0], 130.0).unwrap();
        for k in 0..2000 {
            let p = [(k * 37 % 1000) as f64 + 0.3, (k * 91 % 800) as f64 + 0.7];
            let (r, c) = h.locate(p);
            let ring = h.ring(r, c);
            assert!(
                crate::core::model::geom::point_in_ring(&ring, p[0], p[1]),
                "{p:?}"
            );
        }
    }
}

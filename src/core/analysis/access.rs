//! Accessibility of talent sources (人才地图 §3): geodesic distances on the CGCS2000 ellipsoid and the floating
//! catchment family with the definitions of PySAL `access` (Saxon et al. 2021):
//!
//! ```text
//! weighted catchment (gravity potential):  A_i = Σ_j S_j W(d_ij)                       over d_ij ≤ d₀
//! two-step floating catchment (2SFCA):     R_j = S_j / Σ_k D_k W(d_kj),  A_i = Σ_j R_j W(d_ij)   over d ≤ d₀
//! ```
//!
//! with `W ≡ 1` for the classic 2SFCA of Luo & Wang (2003), a step function for the enhanced E2SFCA of Luo & Qi
//! (2009), or a gravity function `W(d) = (max(d, d_min) / s)^α` (α < 0) for the gravity-type 2SFCA; `d₀` is the
//! catchment (`None`: no cut). Supply `S_j` is e.g. graduates per year of matching majors at institution `j`, demand
//! `D_i` the posts wanted (or the population) at region `i`.

/// CGCS2000 (= GRS80) semi-major axis, m.
pub const A: f64 = 6_378_137.0;
/// CGCS2000 flattening.
pub const F: f64 = 1.0 / 298.257_222_101;

/// The geodesic distance in metres between two points (longitude, latitude in degrees) on the CGCS2000 ellipsoid,
/// by Vincenty's inverse formula (1975), accurate to well under a millimetre; for nearly antipodal points where it
/// does not converge, the great-circle distance on the sphere of the same area is given instead (never inside
/// China).
pub fn geodesic_m(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let b = A * (1.0 - F);
    let l = (lon2 - lon1).to_radians();
    let u1 = ((1.0 - F) * lat1.to_radians().tan()).atan();
    let u2 = ((1.0 - F) * lat2.to_radians().tan()).atan();
    let (su1, cu1, su2, cu2) = (u1.sin(), u1.cos(), u2.sin(), u2.cos());
    let mut lambda = l;
    for _ in 0..200 {
        let (sl, cl) = (lambda.sin(), lambda.cos());
        let sin_sigma = ((cu2 * sl).powi(2) + (cu1 * su2 - su1 * cu2 * cl).powi(2)).sqrt();
        if sin_sigma == 0.0 {
            return 0.0;
        }
        let cos_sigma = su1 * su2 + cu1 * cu2 * cl;
        let sigma = sin_sigma.atan2(cos_sigma);
        let sin_alpha = cu1 * cu2 * sl / sin_sigma;
        let cos2_alpha = 1.0 - sin_alpha * sin_alpha;
        let cos_2sm = if cos2_alpha != 0.0 {
            cos_sigma - 2.0 * su1 * su2 / cos2_alpha
        } else {
            0.0
        };
        let c = F / 16.0 * cos2_alpha * (4.0 + F * (4.0 - 3.0 * cos2_alpha));
        let prev = lambda;
        lambda = l
            + (1.0 - c)
                * F
                * sin_alpha
                * (sigma
                    + c * sin_sigma * (cos_2sm + c * cos_sigma * (-1.0 + 2.0 * cos_2sm * cos_2sm)));
        if (lambda - prev).abs() < 1e-13 {
            let u2sq = cos2_alpha * (A * A - b * b) / (b * b);
            let aa =
                1.0 + u2sq / 16384.0 * (4096.0 + u2sq * (-768.0 + u2sq * (320.0 - 175.0 * u2sq)));
            let bb = u2sq / 1024.0 * (256.0 + u2sq * (-128.0 + u2sq * (74.0 - 47.0 * u2sq)));
            let ds = bb
                * sin_sigma
                * (cos_2sm
                    + bb / 4.0
                        * (cos_sigma * (-1.0 + 2.0 * cos_2sm * cos_2sm)
                            - bb / 6.0
                                * cos_2sm
                                * (-3.0 + 4.0 * sin_sigma * sin_sigma)
                                * (-3.0 + 4.0 * cos_2sm * cos_2sm)));
            return b * aa * (sigma - ds);
        }
    }
    // Not converged (nearly antipodal): the great circle on the authalic sphere.
    let r = 6_371_007.2;
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let h = ((p2 - p1) / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (l / 2.0).sin().powi(2);
    2.0 * r * h.sqrt().min(1.0).asin()
}

/// A distance-decay weight.
#[derive(Debug, Clone, PartialEq)]
pub enum Weight {
    /// 1 everywhere (the classic 2SFCA; the catchment does the cutting).
    One,
    /// `(max(d, min) / scale)^alpha` (PySAL `access.weights.gravity`).
    Gravity {
        /// Scale, in the cost's unit.
        scale: f64,
        /// Exponent (negative for decay).
        alpha: f64,
        /// Distances below this count as this.
        min: f64,
    },
    /// Steps `(up_to, weight)` sorted by `up_to`: the weight of the first step whose bound is ≥ d, 0 beyond the last
    /// (PySAL `access.weights.step_fn`).
    Steps(Vec<(f64, f64)>),
}

impl Weight {
    /// The weight at cost `d`.
    pub fn at(&self, d: f64) -> f64 {
        match self {
            Weight::One => 1.0,
            Weight::Gravity { scale, alpha, min } => (d.max(*min) / scale).powf(*alpha),
            Weight::Steps(s) => s.iter().find(|(b, _)| d <= *b).map_or(0.0, |x| x.1),
        }
    }
}

/// The weighted catchment (gravity potential) of every demand site: `A_i = Σ_j S_j W(d_ij)` over `d_ij ≤ max`.
/// `cost(i, j)` is the cost from demand `i` to supply `j`.
pub fn weighted_catchment(
    n_demand: usize,
    supply: &[f64],
    cost: &(dyn Fn(usize, usize) -> f64 + Sync),
    max: Option<f64>,
    w: &Weight,
) -> Vec<f64> {
    (0..n_demand)
        .map(|i| {
            (0..supply.len())
                .map(|j| {
                    let d = cost(i, j);
                    if max.is_none_or(|m| d <= m) {
                        supply[j] * w.at(d)
                    } else {
                        0.0
                    }
                })
                .sum()
        })
        .collect()
}

/// The two-step floating catchment ratio of every demand site (PySAL `access.fca.two_stage_fca`): supply over the
/// weighted demand in its catchment, summed back weighted over each site's catchment. A supply site with no demand
/// in reach adds nothing; a demand site with nothing in reach gets 0.
pub fn two_stage_fca(
    demand: &[f64],
    supply: &[f64],
    cost: &(dyn Fn(usize, usize) -> f64 + Sync),
    max: Option<f64>,
    w: &Weight,
) -> Vec<f64> {
    let within = |d: f64| max.is_none_or(|m| d <= m);
    // Step 1: the ratio at each supply site.
    let ratio: Vec<f64> = (0..supply.len())
        .map(|j| {
            let total: f64 = (0..demand.len())
                .map(|k| {
                    let d = cost(k, j);
                    if within(d) {
                        demand[k] * w.at(d)
                    } else {
                        0.0
                    }
                })
                .sum();
            if total > 0.0 {
                supply[j] / total
            } else {
                0.0
            }
        })
        .collect();
    // Step 2: the ratios in reach of each demand site.
    (0..demand.len())
        .map(|i| {
            (0..supply.len())
                .map(|j| {
                    let d = cost(i, j);
                    if within(d) {
                        ratio[j] * w.at(d)
                    } else {
                        0.0
                    }
                })
                .sum()
        })
        .collect()
}

/// A cost matrix `demand × supply` of geodesic distances in km, computed once on every core: row `i` holds the
/// distances from demand site `i` (longitude, latitude) to every supply site.
pub fn distance_matrix_km(demand: &[[f64; 2]], supply: &[[f64; 2]]) -> Vec<f64> {
    distance_matrix_within_km(demand, supply, f64::INFINITY)
}

/// [`distance_matrix_km`] for a catchment of `max_km`: pairs that the great circle already puts more than 1 % (and
/// 1 km) beyond it — the ellipsoid never differs from the sphere by that much — are `f64::INFINITY` without the
/// exact geodesic; the rest are exact.
pub fn distance_matrix_within_km(
    demand: &[[f64; 2]],
    supply: &[[f64; 2]],
    max_km: f64,
) -> Vec<f64> {
    let n = supply.len();
    let mut out = vec![0.0f64; demand.len() * n];
    if n == 0 {
        return out;
    }
    let threads = std::thread::available_parallelism()
        .map_or(1, |t| t.get())
        .min(8);
    let rows_per = demand.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        for (t, chunk) in out.chunks_mut(rows_per * n).enumerate() {
            s.spawn(move || {
                for (k, row) in chunk.chunks_mut(n).enumerate() {
                    let p = demand[t * rows_per + k];
                    let (lat1, c1) = (p[1].to_radians(), p[1].to_radians().cos());
                    for (j, q) in supply.iter().enumerate() {
                        if max_km.is_finite() {
                            let lat2 = q[1].to_radians();
                            let h = ((lat2 - lat1) / 2.0).sin().powi(2)
                                + c1 * lat2.cos()
                                    * ((q[0] - p[0]).to_radians() / 2.0).sin().powi(2);
                            let sphere_km = 2.0 * 6371.0088 * h.sqrt().min(1.0).asin();
                            if sphere_km > max_km * 1.01 + 1.0 {
                                row[j] = f64::INFINITY;
                                continue;
                            }
                        }
                        row[j] = geodesic_m(p[0], p[1], q[0], q[1]) / 1000.0;
                    }
                }
            });
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catchment_shortcut_never_drops_a_pair_in_reach() {
        let mut s = 5u64;
        let mut rnd = move || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        let pts: Vec<[f64; 2]> = (0..300)
            .map(|_| [75.0 + 59.0 * rnd(), 18.0 + 35.0 * rnd()])
            .collect();
        let full = distance_matrix_km(&pts[..100], &pts[100..]);
        let cut = distance_matrix_within_km(&pts[..100], &pts[100..], 500.0);
        let mut inside = 0;
        for (a, b) in full.iter().zip(&cut) {
            if *a <= 500.0 {
                assert_eq!(a, b);
                inside += 1;
            } else {
                assert!(b.is_infinite() || a == b);
            }
        }
        assert!(inside > 100);
    }

    #[test]
    fn known_distances_and_a_hand_2sfca() {
        // Vincenty's own test line (Flinders Peak → Buninyong) on GRS80-like constants: 54 972.27 m.
        let d = geodesic_m(
            144.424_867_888_9,
            -37.951_033_416_7,
            143.926_495_527_8,
            -37.652_821_138_9,
        );
        assert!((d - 54_972.271).abs() < 0.01, "{d}");
        assert_eq!(geodesic_m(118.0, 25.0, 118.0, 25.0), 0.0);
        // Two regions, two sources; everything within reach, W ≡ 1: R = S / ΣD, A_i = Σ R.
        let cost = |_: usize, _: usize| 10.0;
        let a = two_stage_fca(
            &[100.0, 300.0],
            &[40.0, 20.0],
            &cost,
            Some(50.0),
            &Weight::One,
        );
        assert!((a[0] - 60.0 / 400.0).abs() < 1e-15 && (a[1] - a[0]).abs() < 1e-15);
        let g = Weight::Gravity {
            scale: 20.0,
            alpha: -2.0,
            min: 1.0,
        };
        assert!((g.at(0.0) - 400.0).abs() < 1e-9 && (g.at(40.0) - 0.25).abs() < 1e-12);
        let s = Weight::Steps(vec![(20.0, 1.0), (40.0, 0.68), (60.0, 0.22)]);
        assert_eq!((s.at(20.0), s.at(30.0), s.at(70.0)), (1.0, 0.68, 0.0));
    }
}

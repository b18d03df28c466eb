//! Deterministic synthetic terrain for the sample county: elevation with a river valley, value
//! noise for coherent land-cover patches, and settlements.

/// Hash of integer lattice coordinates and a seed, to [0, 1).
#[inline]
pub fn hash01(seed: u64, i: i64, j: i64) -> f64 {
    let mut h = seed
        ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (j as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    h ^= h >> 33;
    h = h.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    h ^= h >> 33;
    h = h.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
    h ^= h >> 33;
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// Smoothly interpolated value noise in [0, 1) with lattice spacing 1.
pub fn value_noise(seed: u64, x: f64, y: f64) -> f64 {
    let (xi, yi) = (x.floor(), y.floor());
    let (fx, fy) = (x - xi, y - yi);
    let (i, j) = (xi as i64, yi as i64);
    let s = |t: f64| t * t * (3.0 - 2.0 * t);
    let (sx, sy) = (s(fx), s(fy));
    let a = hash01(seed, i, j);
    let b = hash01(seed, i + 1, j);
    let c = hash01(seed, i, j + 1);
    let d = hash01(seed, i + 1, j + 1);
    let ab = a + (b - a) * sx;
    let cd = c + (d - c) * sx;
    ab + (cd - ab) * sy
}

/// Fractal noise: three octaves of value noise, in [0, 1).
pub fn fbm(seed: u64, x: f64, y: f64) -> f64 {
    let mut sum = 0.0;
    let mut amp = 0.5;
    let mut f = 1.0;
    let mut norm = 0.0;
    for o in 0..3 {
        sum += amp * value_noise(seed.wrapping_add(o * 7919), x * f, y * f);
        norm += amp;
        amp *= 0.5;
        f *= 2.03;
    }
    sum / norm
}

/// The terrain of the sample county, in projected metres.
#[derive(Clone)]
pub struct Terrain {
    /// Noise seed.
    pub seed: u64,
    /// A point on the valley axis (the county seat).
    pub origin: [f64; 2],
    /// Half-width of the valley floor, metres.
    pub valley_halfwidth: f64,
}

impl Terrain {
    /// Northing of the valley axis (the river) at easting `x`.
    pub fn axis_y(&self, x: f64) -> f64 {
        let dx = x - self.origin[0];
        self.origin[1] + 1800.0 * (dx / 5200.0).sin() + 700.0 * (dx / 1900.0 + 1.3).sin()
    }

    /// Elevation in [0, 1]: 0 on the valley floor, 1 on the highest ridges.
    pub fn elevation(&self, x: f64, y: f64) -> f64 {
        let d = (y - self.axis_y(x)).abs() / self.valley_halfwidth;
        let valley = (d - 0.35).clamp(0.0, 1.4) / 1.4;
        let n = fbm(self.seed, x / 7000.0, y / 7000.0);
        (0.75 * valley.powf(0.8) + 0.45 * n - 0.18).clamp(0.0, 1.0)
    }

    /// Slope in degrees, from the elevation gradient (relief 1 000 m over the county).
    pub fn slope_deg(&self, x: f64, y: f64) -> f64 {
        let h = 60.0;
        let dx = (self.elevation(x + h, y) - self.elevation(x - h, y)) / (2.0 * h);
        let dy = (self.elevation(x, y + h) - self.elevation(x, y - h)) / (2.0 * h);
        let g = (dx * dx + dy * dy).sqrt() * 1000.0;
        g.atan().to_degrees()
    }

    /// Distance in metres from the river (the valley axis, measured north-south).
    pub fn river_distance(&self, x: f64, y: f64) -> f64 {
        (y - self.axis_y(x)).abs()
    }
}

/// The 三调 slope grade (坡度级, GDPDJB) of a slope in degrees: 1 ≤2°, 2 2–6°, 3 6–15°, 4 15–25°, 5 >25°.
pub fn slope_grade(deg: f64) -> u8 {
    match deg {
        d if d <= 2.0 => 1,
        d if d <= 6.0 => 2,
        d if d <= 15.0 => 3,
        d if d <= 25.0 => 4,
        _ => 5,
    }
}

/// The ridge (田坎) deduction coefficient KCXS for farmland of a slope grade (typical Fujian values).
pub fn ridge_coefficient(grade: u8) -> f64 {
    match grade {
        1 => 0.0,
        2 => 0.034,
        3 => 0.081,
        4 => 0.135,
        _ => 0.192,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_is_deterministic_and_bounded() {
        for i in 0..1000 {
            let (x, y) = (i as f64 * 0.37, i as f64 * 0.11);
            let a = fbm(7, x, y);
            assert_eq!(a, fbm(7, x, y));
            assert!((0.0..1.0).contains(&a));
        }
        assert_eq!(slope_grade(1.0), 1);
        assert_eq!(slope_grade(30.0), 5);
    }
}

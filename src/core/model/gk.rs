//! Fast inverse Gauss-Krüger (transverse Mercator) for the CGCS2000 zones Chinese survey data
//! comes in (EPSG:4491–4554), straight to Web Mercator for display. Krüger's series to fourth
//! order in n (Karney 2011), accurate to well under a millimetre within a zone; PROJ gives the same
//! numbers (see `crs`'s test `gauss_kruger_matches_proj_in_zone_40_and_cm_120`) but per point through GDAL it costs 4–5× more, and this runs on every core.

/// Parameters of one transverse Mercator zone on the CGCS2000 ellipsoid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GaussKruger {
    /// Central meridian, degrees.
    pub central_meridian: f64,
    /// False easting, metres (includes the zone number for the "zone" variants).
    pub false_easting: f64,
}

const A: f64 = 6_378_137.0;
const F: f64 = 1.0 / 298.257_222_101;

impl GaussKruger {
    /// The zone of a CGCS2000 Gauss-Krüger EPSG code (4491–4554), if it is one.
    pub fn from_epsg(code: u32) -> Option<GaussKruger> {
        let (cm, fe) = match code {
            // 6-degree zones 13–23, false easting with zone prefix.
            4491..=4501 => {
                let z = (code - 4491 + 13) as f64;
                (6.0 * z - 3.0, z * 1e6 + 500_000.0)
            }
            // 6-degree, CM 75°E–135°E.
            4502..=4512 => (75.0 + 6.0 * (code - 4502) as f64, 500_000.0),
            // 3-degree zones 25–45, false easting with zone prefix.
            4513..=4533 => {
                let z = (code - 4513 + 25) as f64;
                (3.0 * z, z * 1e6 + 500_000.0)
            }
            // 3-degree, CM 75°E–135°E.
            4534..=4554 => (75.0 + 3.0 * (code - 4534) as f64, 500_000.0),
            _ => return None,
        };
        Some(GaussKruger {
            central_meridian: cm,
            false_easting: fe,
        })
    }

    /// Projected (easting, northing) to longitude/latitude in degrees.
    #[inline]
    pub fn inverse(&self, e: f64, n: f64) -> (f64, f64) {
        let c = coeffs();
        let xi = n / c.a_hat;
        let eta = (e - self.false_easting) / c.a_hat;
        // ξ', η' by the β series, with multiple angles from one sin/cos and one sinh/cosh.
        let (s2, c2) = (2.0 * xi).sin_cos();
        let (sh2, ch2) = ((2.0 * eta).sinh(), (2.0 * eta).cosh());
        let (mut sk, mut ck, mut shk, mut chk) = (s2, c2, sh2, ch2);
        let (mut xi_p, mut eta_p) = (xi, eta);
        for (j, b) in c.beta.iter().enumerate() {
            if j > 0 {
                let (s_new, c_new) = (sk * c2 + ck * s2, ck * c2 - sk * s2);
                let (sh_new, ch_new) = (shk * ch2 + chk * sh2, chk * ch2 + shk * sh2);
                sk = s_new;
                ck = c_new;
                shk = sh_new;
                chk = ch_new;
            }
            xi_p -= b * sk * chk;
            eta_p -= b * ck * shk;
        }
        let chi = (xi_p.sin() / eta_p.cosh()).asin();
        let (sc2, cc2) = (2.0 * chi).sin_cos();
        let (mut sk, mut ck) = (sc2, cc2);
        let mut phi = chi;
        for (j, d) in c.delta.iter().enumerate() {
            if j > 0 {
                let s_new = sk * cc2 + ck * sc2;
                ck = ck * cc2 - sk * sc2;
                sk = s_new;
            }
            phi += d * sk;
        }
        let lam = eta_p.sinh().atan2(xi_p.cos());
        (self.central_meridian + lam.to_degrees(), phi.to_degrees())
    }
}

struct Coeffs {
    a_hat: f64,
    beta: [f64; 4],
    delta: [f64; 4],
}

fn coeffs() -> &'static Coeffs {
    static C: std::sync::OnceLock<Coeffs> = std::sync::OnceLock::new();
    C.get_or_init(|| {
        let n = F / (2.0 - F);
        let (n2, n3, n4) = (n * n, n * n * n, n * n * n * n);
        let a_hat = A / (1.0 + n) * (1.0 + n2 / 4.0 + n4 / 64.0);
        let beta = [
            n / 2.0 - 2.0 * n2 / 3.0 + 37.0 * n3 / 96.0 - n4 / 360.0,
            n2 / 48.0 + n3 / 15.0 - 437.0 * n4 / 1440.0,
            17.0 * n3 / 480.0 - 37.0 * n4 / 840.0,
            4397.0 * n4 / 161_280.0,
        ];
        let delta = [
            2.0 * n - 2.0 * n2 / 3.0 - 2.0 * n3 + 116.0 * n4 / 45.0,
            7.0 * n2 / 3.0 - 8.0 * n3 / 5.0 - 227.0 * n4 / 45.0,
            56.0 * n3 / 15.0 - 136.0 * n4 / 35.0,
            4279.0 * n4 / 630.0,
        ];
        Coeffs { a_hat, beta, delta }
    })
}

/// Runs `f` over `coords` split across the machine's cores.
pub fn par_chunks(coords: &mut [[f64; 2]], f: impl Fn(&mut [[f64; 2]]) + Sync) {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(8);
    if threads <= 1 || coords.len() < 100_000 {
        f(coords);
        return;
    }
    let chunk = coords.len().div_ceil(threads);
    std::thread::scope(|s| {
        for part in coords.chunks_mut(chunk) {
            let f = &f;
            s.spawn(move || f(part));
        }
    });
}

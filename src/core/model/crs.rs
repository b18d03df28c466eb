//! Coordinate reference systems: recognising them (EPSG codes, WKT, ESRI .prj files that say
//! "Gauss_Kruger" without a code) and transforming coordinates to longitude/latitude and Web
//! Mercator for display. GDAL/PROJ does the work.

use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, SpatialRef};
use serde::{Deserialize, Serialize};

/// What we know of a layer's coordinate reference system.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Crs {
    /// EPSG code where known (given by the file, or identified from its WKT).
    pub epsg: Option<u32>,
    /// The definition (WKT) where the file gave one.
    pub wkt: Option<String>,
    /// A readable name, e.g. "CGCS2000 / 3-degree Gauss-Kruger zone 40".
    pub name: String,
}

impl Crs {
    /// A CRS from an EPSG code.
    pub fn epsg(code: u32) -> Crs {
        let name = SpatialRef::from_epsg(code)
            .ok()
            .and_then(|s| s.name())
            .unwrap_or_default();
        Crs {
            epsg: Some(code),
            wkt: None,
            name,
        }
    }

    /// A CRS from a definition: WKT (OGC or ESRI), PROJ string or "EPSG:n". The EPSG code is
    /// identified where PROJ finds a confident match.
    pub fn from_definition(def: &str) -> Option<Crs> {
        let def = def.trim();
        if def.is_empty() || def.eq_ignore_ascii_case("undefined") {
            return None;
        }
        let srs = SpatialRef::from_definition(def).ok()?;
        Some(Crs::from_srs(&srs, Some(def.to_string())))
    }

    /// Describes a GDAL spatial reference.
    pub fn from_srs(srs: &SpatialRef, wkt: Option<String>) -> Crs {
        let epsg = identify_epsg(srs);
        let name = srs.name().unwrap_or_default();
        let wkt = wkt.or_else(|| srs.to_wkt().ok());
        Crs { epsg, wkt, name }
    }

    /// Whether nothing at all is known.
    pub fn is_unknown(&self) -> bool {
        self.epsg.is_none() && self.wkt.is_none()
    }

    /// "EPSG:4528" or the name.
    pub fn label(&self) -> String {
        match self.epsg {
            Some(c) => format!("EPSG:{c}"),
            None if self.is_unknown() => "unknown".into(),
            None => self.name.clone(),
        }
    }

    /// The GDAL spatial reference, with x = easting / longitude axis order.
    pub fn spatial_ref(&self) -> Option<SpatialRef> {
        let mut srs = match (self.epsg, &self.wkt) {
            (Some(c), _) => SpatialRef::from_epsg(c).ok(),
            (None, Some(w)) => SpatialRef::from_definition(w).ok(),
            _ => None,
        }?;
        srs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
        Some(srs)
    }

    /// Whether coordinates are longitude/latitude degrees.
    pub fn is_geographic(&self) -> bool {
        self.spatial_ref()
            .map(|s| s.is_geographic())
            .unwrap_or(false)
    }
}

/// Finds the EPSG code of a spatial reference: its own authority code, or PROJ's best match
/// with confidence ≥ 70 % (this is what recognises ESRI "Gauss_Kruger" .prj files).
pub fn identify_epsg(srs: &SpatialRef) -> Option<u32> {
    if srs.auth_name().as_deref() == Some("EPSG") {
        if let Ok(c) = srs.auth_code() {
            return Some(c as u32);
        }
    }
    unsafe {
        let mut n: std::ffi::c_int = 0;
        let mut conf: *mut std::ffi::c_int = std::ptr::null_mut();
        let matches =
            gdal_sys::OSRFindMatches(srs.to_c_hsrs(), std::ptr::null_mut(), &mut n, &mut conf);
        let mut best = None;
        if !matches.is_null() && n > 0 {
            let c = *conf;
            if c >= 70 {
                let m = *matches;
                let auth = gdal_sys::OSRGetAuthorityName(m, std::ptr::null());
                let code = gdal_sys::OSRGetAuthorityCode(m, std::ptr::null());
                if !auth.is_null() && !code.is_null() {
                    let auth = std::ffi::CStr::from_ptr(auth).to_string_lossy();
                    let code = std::ffi::CStr::from_ptr(code).to_string_lossy();
                    if auth == "EPSG" {
                        best = code.parse().ok();
                    }
                }
            }
        }
        if !matches.is_null() {
            gdal_sys::OSRFreeSRSArray(matches);
        }
        if !conf.is_null() {
            gdal_sys::VSIFree(conf as *mut std::ffi::c_void);
        }
        best
    }
}

/// Radius of the Web Mercator sphere (EPSG:3857), metres.
pub const MERCATOR_R: f64 = 6_378_137.0;
/// Largest latitude Web Mercator shows.
pub const MERCATOR_MAX_LAT: f64 = 85.051_128_78;

/// Longitude/latitude (degrees) to Web Mercator metres.
#[inline]
pub fn lonlat_to_mercator(lon: f64, lat: f64) -> [f64; 2] {
    let lat = lat.clamp(-MERCATOR_MAX_LAT, MERCATOR_MAX_LAT);
    let x = MERCATOR_R * lon.to_radians();
    let y = MERCATOR_R * ((std::f64::consts::FRAC_PI_4 + lat.to_radians() / 2.0).tan()).ln();
    [x, y]
}

/// Web Mercator metres to longitude/latitude (degrees).
#[inline]
pub fn mercator_to_lonlat(x: f64, y: f64) -> [f64; 2] {
    let lon = (x / MERCATOR_R).to_degrees();
    let lat = (2.0 * (y / MERCATOR_R).exp().atan() - std::f64::consts::FRAC_PI_2).to_degrees();
    [lon, lat]
}

/// GCJ-02 ("火星坐标", used by Gaode/AutoNavi and Tencent) to WGS84/CGCS2000 longitude/latitude.
/// Iterates the published forward offset; accurate to well under a metre inside China. Points
/// outside China are returned unchanged (GCJ-02 does not offset them).
pub fn gcj02_to_wgs84(lon: f64, lat: f64) -> (f64, f64) {
    if !in_china(lon, lat) {
        return (lon, lat);
    }
    let (mut x, mut y) = (lon, lat);
    for _ in 0..8 {
        let (fx, fy) = wgs84_to_gcj02(x, y);
        x -= fx - lon;
        y -= fy - lat;
    }
    (x, y)
}

/// WGS84 to GCJ-02 (the published forward transform).
pub fn wgs84_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    if !in_china(lon, lat) {
        return (lon, lat);
    }
    const A: f64 = 6_378_245.0;
    const EE: f64 = 0.006_693_421_622_965_943;
    let pi = std::f64::consts::PI;
    let (x, y) = (lon - 105.0, lat - 35.0);
    let mut dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    dlat += (20.0 * (6.0 * x * pi).sin() + 20.0 * (2.0 * x * pi).sin()) * 2.0 / 3.0;
    dlat += (20.0 * (y * pi).sin() + 40.0 * (y / 3.0 * pi).sin()) * 2.0 / 3.0;
    dlat += (160.0 * (y / 12.0 * pi).sin() + 320.0 * (y * pi / 30.0).sin()) * 2.0 / 3.0;
    let mut dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    dlon += (20.0 * (6.0 * x * pi).sin() + 20.0 * (2.0 * x * pi).sin()) * 2.0 / 3.0;
    dlon += (20.0 * (x * pi).sin() + 40.0 * (x / 3.0 * pi).sin()) * 2.0 / 3.0;
    dlon += (150.0 * (x / 12.0 * pi).sin() + 300.0 * (x / 30.0 * pi).sin()) * 2.0 / 3.0;
    let rad = lat.to_radians();
    let magic = 1.0 - EE * rad.sin() * rad.sin();
    let sq = magic.sqrt();
    let dlat = (dlat * 180.0) / ((A * (1.0 - EE)) / (magic * sq) * pi);
    let dlon = (dlon * 180.0) / (A / sq * rad.cos() * pi);
    (lon + dlon, lat + dlat)
}

/// BD-09 (Baidu) to GCJ-02 longitude/latitude: the published inverse of Baidu's offset (x_pi = π · 3000 / 180).
pub fn bd09_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    let x_pi = std::f64::consts::PI * 3000.0 / 180.0;
    let (x, y) = (lon - 0.0065, lat - 0.006);
    let z = (x * x + y * y).sqrt() - 0.000_02 * (y * x_pi).sin();
    let theta = y.atan2(x) - 0.000_003 * (x * x_pi).cos();
    (z * theta.cos(), z * theta.sin())
}

/// BD-09 (Baidu) to WGS84/CGCS2000 longitude/latitude: through GCJ-02.
pub fn bd09_to_wgs84(lon: f64, lat: f64) -> (f64, f64) {
    let (x, y) = bd09_to_gcj02(lon, lat);
    gcj02_to_wgs84(x, y)
}

fn in_china(lon: f64, lat: f64) -> bool {
    (72.004..=137.8347).contains(&lon) && (0.8293..=55.8271).contains(&lat)
}

/// Converts coordinates of one CRS into another, in bulk.
pub struct Transformer {
    ct: Option<CoordTransform>,
}

impl Transformer {
    /// A transformer from `from` to longitude/latitude on CGCS2000/WGS84 (EPSG:4326 axis order
    /// lon, lat). `None` when the CRS is unknown or PROJ has no path.
    pub fn to_lonlat(from: &Crs) -> Result<Transformer, String> {
        if from.epsg == Some(4326) || from.epsg == Some(4490) {
            return Ok(Transformer { ct: None });
        }
        let src = from
            .spatial_ref()
            .ok_or_else(|| format!("unknown CRS {}", from.label()))?;
        let mut dst = SpatialRef::from_epsg(4326).map_err(|e| e.to_string())?;
        dst.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
        let ct = CoordTransform::new(&src, &dst).map_err(|e| e.to_string())?;
        Ok(Transformer { ct: Some(ct) })
    }

    /// A transformer between two CRSs.
    pub fn between(from: &Crs, to: &Crs) -> Result<Transformer, String> {
        if from.epsg.is_some() && from.epsg == to.epsg {
            return Ok(Transformer { ct: None });
        }
        let src = from
            .spatial_ref()
            .ok_or_else(|| format!("unknown CRS {}", from.label()))?;
        let dst = to
            .spatial_ref()
            .ok_or_else(|| format!("unknown CRS {}", to.label()))?;
        let ct = CoordTransform::new(&src, &dst).map_err(|e| e.to_string())?;
        Ok(Transformer { ct: Some(ct) })
    }

    /// Transforms `coords` in place. Points PROJ cannot transform become NaN.
    pub fn transform(&self, coords: &mut [[f64; 2]]) -> Result<(), String> {
        let Some(ct) = &self.ct else { return Ok(()) };
        const CHUNK: usize = 1 << 16;
        let mut xs = Vec::with_capacity(CHUNK.min(coords.len()));
        let mut ys = Vec::with_capacity(CHUNK.min(coords.len()));
        for chunk in coords.chunks_mut(CHUNK) {
            xs.clear();
            ys.clear();
            xs.extend(chunk.iter().map(|c| c[0]));
            ys.extend(chunk.iter().map(|c| c[1]));
            if ct.transform_coords(&mut xs, &mut ys, &mut []).is_err() {
                // Some points failed: GDAL marks them with HUGE_VAL.
                for v in xs.iter_mut().chain(ys.iter_mut()) {
                    if !v.is_finite() || v.abs() > 1e300 {
                        *v = f64::NAN;
                    }
                }
            }
            for (c, (x, y)) in chunk.iter_mut().zip(xs.iter().zip(ys.iter())) {
                *c = [*x, *y];
            }
        }
        Ok(())
    }
}

/// Transforms `coords` in `crs` to Web Mercator metres in place, for display: exact transforms
/// on a grid of nodes `spacing` CRS units apart over the coordinates' extent, bilinear
/// interpolation in between (the mapping is smooth: at 250 m spacing the error is about a
/// millimetre). Falls back to [`to_mercator`] for geographic CRSs, small inputs, or where a grid
/// node cannot be transformed.
pub fn to_mercator_grid(crs: &Crs, coords: &mut [[f64; 2]], spacing: f64) -> Result<(), String> {
    let mut ext = super::geom::BBox::EMPTY;
    for c in coords.iter() {
        if c[0].is_finite() && c[1].is_finite() {
            ext.add(c[0], c[1]);
        }
    }
    let projected = !crs.is_geographic();
    // Node counts saturate: a stray vertex at 1e300 makes the grid absurd, not an overflow.
    let nx = ((ext.width() / spacing).ceil() as usize).saturating_add(1);
    let ny = ((ext.height() / spacing).ceil() as usize).saturating_add(1);
    let nodes_n = nx.saturating_mul(ny);
    if !projected
        || coords.len() < 50_000
        || ext.is_empty()
        || nodes_n > 4_000_000
        || nodes_n.saturating_mul(4) > coords.len().saturating_mul(3)
    {
        return to_mercator(crs, coords);
    }
    let mut nodes: Vec<[f64; 2]> = Vec::with_capacity(nx * ny);
    for j in 0..ny {
        for i in 0..nx {
            nodes.push([
                ext.min_x + i as f64 * spacing,
                ext.min_y + j as f64 * spacing,
            ]);
        }
    }
    to_mercator(crs, &mut nodes)?;
    if nodes.iter().any(|n| !n[0].is_finite() || !n[1].is_finite()) {
        return to_mercator(crs, coords);
    }
    let (x0, y0) = (ext.min_x, ext.min_y);
    super::gk::par_chunks(coords, |part| {
        for c in part.iter_mut() {
            if !c[0].is_finite() || !c[1].is_finite() {
                continue;
            }
            let fx = ((c[0] - x0) / spacing).clamp(0.0, (nx - 1) as f64 - 1e-9);
            let fy = ((c[1] - y0) / spacing).clamp(0.0, (ny - 1) as f64 - 1e-9);
            let (i, j) = (fx as usize, fy as usize);
            let (i1, j1) = ((i + 1).min(nx - 1), (j + 1).min(ny - 1));
            let (tx, ty) = (fx - i as f64, fy - j as f64);
            let a = nodes[j * nx + i];
            let b = nodes[j * nx + i1];
            let c2 = nodes[j1 * nx + i];
            let d = nodes[j1 * nx + i1];
            for k in 0..2 {
                let top = a[k] + (b[k] - a[k]) * tx;
                let bot = c2[k] + (d[k] - c2[k]) * tx;
                c[k] = top + (bot - top) * ty;
            }
        }
    });
    Ok(())
}

/// Transforms `coords` in `crs` to Web Mercator metres in place, on every core. CGCS2000
/// Gauss-Krüger zones use YiTu's own series ([`super::gk`]); other CRSs go through PROJ.
/// Coordinates outside the CRS's domain become NaN.
pub fn to_mercator(crs: &Crs, coords: &mut [[f64; 2]]) -> Result<(), String> {
    use super::gk::{par_chunks, GaussKruger};
    if let Some(gk) = crs.epsg.and_then(GaussKruger::from_epsg) {
        par_chunks(coords, |part| {
            for c in part {
                let (lon, lat) = gk.inverse(c[0], c[1]);
                *c = lonlat_to_mercator(lon, lat);
            }
        });
        return Ok(());
    }
    Transformer::to_lonlat(crs)?; // fail early with PROJ's message
    let err = std::sync::Mutex::new(None);
    par_chunks(coords, |part| {
        match Transformer::to_lonlat(crs).and_then(|t| t.transform(part)) {
            Ok(()) => {
                for c in part.iter_mut() {
                    *c = lonlat_to_mercator(c[0], c[1]);
                }
            }
            Err(e) => *err.lock().unwrap() = Some(e),
        }
    });
    match err.into_inner().unwrap() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gauss_kruger_zone_40_to_lonlat() {
        let t = Transformer::to_lonlat(&Crs::epsg(4528)).unwrap();
        // The central meridian of zone 40 is 120°E; false easting 40 500 000 m.
        let mut c = [[40_500_000.0, 2_800_000.0]];
        t.transform(&mut c).unwrap();
        assert!((c[0][0] - 120.0).abs() < 1e-9, "{:?}", c);
        assert!(c[0][1] > 25.0 && c[0][1] < 25.4, "{:?}", c);
    }

    #[test]
    fn esri_gauss_kruger_prj_is_recognised() {
        let prj = r#"PROJCS["CGCS2000_3_Degree_GK_Zone_40",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",40500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",120.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
        let crs = Crs::from_definition(prj).unwrap();
        assert_eq!(crs.epsg, Some(4528), "{crs:?}");
    }

    #[test]
    fn grid_projection_is_within_millimetres_of_exact() {
        let crs = Crs::epsg(4528);
        let mut pts: Vec<[f64; 2]> = (0..60_000)
            .map(|i| {
                let a = hash01(3, i);
                let b = hash01(4, i);
                [40_340_000.0 + a * 60_000.0, 2_780_000.0 + b * 50_000.0]
            })
            .collect();
        let mut exact = pts.clone();
        to_mercator(&crs, &mut exact).unwrap();
        to_mercator_grid(&crs, &mut pts, 250.0).unwrap();
        let worst = pts
            .iter()
            .zip(&exact)
            .map(|(p, e)| (p[0] - e[0]).abs().max((p[1] - e[1]).abs()))
            .fold(0.0, f64::max);
        assert!(worst < 0.005, "worst error {worst} m");
    }

    #[test]
    fn gcj02_roundtrip_and_offset() {
        // 莆田学院 main campus, as Tencent geocodes it (GCJ-02).
        let (lon, lat) = gcj02_to_wgs84(119.009575, 25.444261);
        let (back_lon, back_lat) = wgs84_to_gcj02(lon, lat);
        assert!((back_lon - 119.009575).abs() < 1e-7 && (back_lat - 25.444261).abs() < 1e-7);
        // The offset in Fujian is a few hundred metres.
        let d = ((lon - 119.009575) * 100_000.0).hypot((lat - 25.444261) * 111_000.0);
        assert!(d > 200.0 && d < 900.0, "{d} m");
        assert_eq!(gcj02_to_wgs84(10.0, 50.0), (10.0, 50.0));
    }

    #[test]
    fn mercator_roundtrip() {
        let m = lonlat_to_mercator(119.0, 25.4);
        let ll = mercator_to_lonlat(m[0], m[1]);
        assert!((ll[0] - 119.0).abs() < 1e-9 && (ll[1] - 25.4).abs() < 1e-9);
    }

    /// A number in [0, 1) from two integers (SplitMix64), for scattering test points.
    fn hash01(seed: u64, i: usize) -> f64 {
        let mut z = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ (i as u64).wrapping_add(0x632B_E59B_D9B4_E019);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    #[test]
    fn gauss_kruger_matches_proj_in_zone_40_and_cm_120() {
        for (code, e0) in [
            (4528u32, 40_000_000.0),
            (4549, 0.0),
            (4527, 39_000_000.0),
            (4497, 19_000_000.0),
        ] {
            let gk = super::super::gk::GaussKruger::from_epsg(code).unwrap();
            let t = Transformer::to_lonlat(&Crs::epsg(code)).unwrap();
            let mut pts = Vec::new();
            for i in 0..50 {
                let e = e0 + 320_000.0 + i as f64 * 7_300.0;
                let n = 2_300_000.0 + i as f64 * 41_000.0;
                pts.push([e, n]);
            }
            let mut ours: Vec<[f64; 2]> = pts
                .iter()
                .map(|p| {
                    let (lo, la) = gk.inverse(p[0], p[1]);
                    [lo, la]
                })
                .collect();
            t.transform(&mut pts).unwrap();
            for (a, b) in ours.iter_mut().zip(&pts) {
                // 1e-8° ≈ 1 mm.
                assert!(
                    (a[0] - b[0]).abs() < 1e-8 && (a[1] - b[1]).abs() < 1e-8,
                    "EPSG:{code} {a:?} vs PROJ {b:?}"
                );
            }
        }
        assert_eq!(super::super::gk::GaussKruger::from_epsg(4326), None);
    }
}

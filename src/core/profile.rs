//! 一村一档, first part: the land-use ledger of every village — land use by DLBM class with
//! parcels split between villages apportioned by area share, 田坎 (KCMJ of KCDLBM 1203) as its
//! own class, the farmland ledger (耕地一本账: 水田 / 水浇地 / 旱地 from TBDLMJ, never TBMJ),
//! permanent basic farmland inside the village (geometric area of YJJBNTTB ∩ village) and the
//! enterprises located in it. Areas are summed in m² and given in 亩 (1 亩 = 10000/15 m²).

use super::layer::{load_layer, VectorLayer};
use super::overlay::Zones;
use super::progress::Progress;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// m² per 亩.
pub const M2_PER_MU: f64 = 10_000.0 / 15.0;

/// Which layers to use (三调 names by default).
#[derive(Debug, Clone)]
pub struct ProfileOptions {
    /// Village boundaries.
    pub villages: String,
    /// Land parcels.
    pub parcels: String,
    /// Permanent basic farmland (skipped when the file has no such layer).
    pub permanent_farmland: String,
    /// Enterprises (points; skipped when absent).
    pub enterprises: String,
}

impl Default for ProfileOptions {
    fn default() -> Self {
        ProfileOptions {
            villages: "CJDCQ".into(),
            parcels: "DLTB".into(),
            permanent_farmland: "YJJBNTTB".into(),
            enterprises: "enterprises".into(),
        }
    }
}

/// The ledger of one village (areas in 亩).
#[derive(Debug, Clone, Serialize)]
pub struct VillageProfile {
    /// 12-digit village code.
    pub code: String,
    /// Village name.
    pub name: String,
    /// 9-digit town code.
    pub town_code: String,
    /// Area of the village polygon (planar, in the data's projected CRS).
    pub area_mu: f64,
    /// Farmland (耕地) = 水田 + 水浇地 + 旱地, from TBDLMJ.
    pub farmland_mu: f64,
    /// 水田 0101.
    pub paddy_mu: f64,
    /// 水浇地 0102.
    pub irrigated_mu: f64,
    /// 旱地 0103.
    pub dry_mu: f64,
    /// 田坎: KCMJ of parcels whose KCDLBM is 1203.
    pub ridge_mu: f64,
    /// Permanent basic farmland inside the village (geometric area).
    pub permanent_farmland_mu: f64,
    /// Land use by DLBM (1203 includes the ridges), 亩.
    pub landuse_mu: BTreeMap<String, f64>,
    /// Enterprises located in the village.
    pub enterprises: usize,
    /// Parcels wholly or partly in the village.
    pub parcels: usize,
}

/// The ledgers and what the user should know about the data.
#[derive(Debug, Clone, Serialize)]
pub struct Profiles {
    /// One per village.
    pub villages: Vec<VillageProfile>,
    /// Warnings (missing fields, fallbacks), in Chinese and English.
    pub warnings: Vec<String>,
}

fn text(l: &VectorLayer, col: Option<usize>, r: usize) -> String {
    col.map(|c| l.attrs.get(r, c).to_string())
        .unwrap_or_default()
}

fn num(l: &VectorLayer, col: Option<usize>, r: usize) -> f64 {
    col.and_then(|c| l.attrs.get(r, c).as_f64()).unwrap_or(0.0)
}

/// Computes the ledger of every village of `path`.
pub fn profile(
    path: &Path,
    opts: &ProfileOptions,
    progress: &Progress,
) -> anyhow::Result<Profiles> {
    let mut warnings = Vec::new();
    let timing = std::env::var_os("YITU_TIMING").is_some();
    let t0 = std::time::Instant::now();
    let stage = |what: &str| {
        if timing {
            eprintln!(
                "  profile: {what} after {:.3} s",
                t0.elapsed().as_secs_f64()
            );
        }
    };
    let layers: Vec<String> = super::layer::inspect(path)?
        .layers
        .into_iter()
        .map(|l| l.name)
        .collect();
    let has_layer = |name: &str| layers.iter().any(|l| l.eq_ignore_ascii_case(name));
    let villages = load_layer(path, Some(&opts.villages), progress)?;
    let parcels = load_layer(path, Some(&opts.parcels), progress)?;
    anyhow::ensure!(
        villages.crs.epsg == parcels.crs.epsg,
        "村界与图斑坐标系不同（{} / {}）/ villages and parcels are in different CRS",
        villages.crs.label(),
        parcels.crs.label()
    );
    stage("villages and parcels loaded");
    let zones = Zones::new(&villages.geoms);
    progress.stage("overlay", parcels.len() as u64);
    let shares = zones
        .overlay(&parcels.geoms, progress)
        .map_err(|_| anyhow::anyhow!("已取消 / cancelled"))?;
    stage("parcels overlaid on villages");
    let f = |n: &str| parcels.attrs.field_index(n);
    let (dlbm, tbmj, tbdlmj, kcmj, kcdlbm) =
        (f("DLBM"), f("TBMJ"), f("TBDLMJ"), f("KCMJ"), f("KCDLBM"));
    anyhow::ensure!(
        dlbm.is_some(),
        "图斑层没有 DLBM 字段 / the parcel layer has no DLBM field"
    );
    if tbdlmj.is_none() {
        warnings.push(
            "图斑层没有 TBDLMJ 字段，按 TBMJ 计算（未扣除田坎）/ no TBDLMJ field: TBMJ used (ridges not deducted)"
                .into(),
        );
    }
    let vf = |n: &str| villages.attrs.field_index(n);
    let (vcode, vname) = (
        vf("ZLDWDM").or(vf("XZQDM")).or(vf("DM")),
        vf("ZLDWMC").or(vf("XZQMC")).or(vf("MC")),
    );
    let mut out: Vec<VillageProfile> = (0..villages.len())
        .map(|v| {
            let code: String = text(&villages, vcode, v).chars().take(12).collect();
            VillageProfile {
                town_code: code.chars().take(9).collect(),
                code,
                name: text(&villages, vname, v),
                area_mu: zones.area(v) / M2_PER_MU,
                farmland_mu: 0.0,
                paddy_mu: 0.0,
                irrigated_mu: 0.0,
                dry_mu: 0.0,
                ridge_mu: 0.0,
                permanent_farmland_mu: 0.0,
                landuse_mu: BTreeMap::new(),
                enterprises: 0,
                parcels: 0,
            }
        })
        .collect();
    // Sum in m², convert once.
    for (p, sh) in shares.iter().enumerate() {
        if sh.is_empty() {
            continue;
        }
        let code = text(&parcels, dlbm, p);
        let land = match tbdlmj {
            Some(_) => num(&parcels, tbdlmj, p),
            None => num(&parcels, tbmj, p),
        };
        let ridge = if text(&parcels, kcdlbm, p) == "1203" {
            num(&parcels, kcmj, p)
        } else {
            0.0
        };
        for &(v, s) in sh {
            let vp = &mut out[v as usize];
            vp.parcels += 1;
            *vp.landuse_mu.entry(code.clone()).or_default() += land * s;
            if ridge > 0.0 {
                *vp.landuse_mu.entry("1203".into()).or_default() += ridge * s;
                vp.ridge_mu += ridge * s;
            }
            match code.as_str() {
                "0101" => vp.paddy_mu += land * s,
                "0102" => vp.irrigated_mu += land * s,
                "0103" => vp.dry_mu += land * s,
                _ => {}
            }
        }
    }
    stage("land use summed");
    if has_layer(&opts.permanent_farmland) {
        let pf = load_layer(path, Some(&opts.permanent_farmland), progress)?;
        let s = zones
            .overlay(&pf.geoms, progress)
            .map_err(|_| anyhow::anyhow!("已取消 / cancelled"))?;
        for (p, sh) in s.iter().enumerate() {
            let a = pf.geoms.planar_area(p);
            for &(v, share) in sh {
                out[v as usize].permanent_farmland_mu += a * share;
            }
        }
    } else {
        warnings.push(format!(
            "没有永久基本农田图层 {} / no permanent farmland layer {}",
            opts.permanent_farmland, opts.permanent_farmland
        ));
    }
    if has_layer(&opts.enterprises) {
        let e = load_layer(path, Some(&opts.enterprises), progress)?;
        if e.crs.epsg == villages.crs.epsg {
            for f in 0..e.len() {
                if let Some(v) = zones.zone_of_point(&e.geoms, f) {
                    out[v].enterprises += 1;
                }
            }
        } else {
            warnings.push(
                "企业图层坐标系与村界不同，未统计 / enterprises in another CRS: not counted".into(),
            );
        }
    }
    stage("permanent farmland and enterprises");
    for v in &mut out {
        v.farmland_mu = (v.paddy_mu + v.irrigated_mu + v.dry_mu) / M2_PER_MU;
        v.paddy_mu /= M2_PER_MU;
        v.irrigated_mu /= M2_PER_MU;
        v.dry_mu /= M2_PER_MU;
        v.ridge_mu /= M2_PER_MU;
        v.permanent_farmland_mu /= M2_PER_MU;
        for a in v.landuse_mu.values_mut() {
            *a /= M2_PER_MU;
        }
    }
    Ok(Profiles {
        villages: out,
        warnings,
    })
}

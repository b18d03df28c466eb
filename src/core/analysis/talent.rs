//! The talent map's analyses (人才地图 §3), per chain and link: which sources train for it (supply), how far they
//! are, a ranked list of whom to approach (招才引智), the totals by province, and the gap between the posts the
//! county's firms want and the supply in reach.
//!
//! Definitions (YiTu's own: the Putian method was never published; each is stated where it is used):
//!
//! ```text
//! supply of source j for link l   S_jl = Σ graduates/yr of j's majors serving l     (when every source has them)
//!                                      = number of j's majors serving l              (else; the unit is said)
//! score (招才引智 ranking)         s_jl = S_jl · W(d_j)       d_j: geodesic km from the county's point
//! shortage index of link l        K_l  = (D_l / Σ D) / (S_l / Σ S)  D: posts wanted, S: supply in reach
//! ```
//!
//! `W` is a [`Weight`] of PySAL `access` (gravity by default: `(max(d, 10 km) / 100 km)^-1`). A major serves a
//! link when the crosswalk pairs them ([`crate::core::model::talent::serves`]: the same 专业类 or a 专业 of it).

use crate::core::analysis::access::{geodesic_m, Weight};
use crate::core::model::talent::serves;
use std::collections::BTreeMap;

/// A talent source: a university, institute, laboratory, training base or cluster.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Source {
    /// Name.
    pub name: String,
    /// 高校, 科研院所, 实训基地, 产业集群…
    pub kind: String,
    /// Province name (as given, or from the gazetteer).
    pub province: String,
    /// The province's 2-digit code when known (from the gazetteer), for aggregation.
    pub province_code: String,
    /// City name.
    pub city: String,
    /// Longitude, latitude (CGCS2000 degrees).
    pub lon: f64,
    /// See `lon`.
    pub lat: f64,
    /// Major codes offered (专业类 or 专业).
    pub majors: Vec<String>,
    /// Graduates (or trainees) per year by major code, where known.
    pub graduates: BTreeMap<String, f64>,
    /// How the point was found: 坐标, 县, 市, 省.
    pub precision: String,
    /// The feature of the layer it was read from (none for a table's row).
    pub feature: Option<u32>,
}

/// What supply is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SupplyUnit {
    /// Graduates per year of the serving majors.
    Graduates,
    /// Number of serving majors offered.
    Majors,
}

impl SupplyUnit {
    /// The unit's label: Chinese, English.
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            SupplyUnit::Graduates => ("毕业生（人/年）", "graduates per year"),
            SupplyUnit::Majors => ("对口专业数", "serving majors"),
        }
    }
}

/// One source's supply for a link.
#[derive(Debug, Clone, PartialEq)]
pub struct Supply {
    /// Index into the sources.
    pub source: usize,
    /// The source's majors that serve the link.
    pub majors: Vec<String>,
    /// Supply, in the run's [`SupplyUnit`].
    pub supply: f64,
}

/// The sources serving `wanted` majors, with their supply, the unit used, and the serving sources counted 0 for
/// lack of graduates. The unit is graduates when at least half of the serving sources give graduates for all their
/// serving majors (those that do not then count 0, and are returned so the caller names them); else the number
/// of serving majors for every source (a count of majors is never added to a count of people).
pub fn link_supply(sources: &[Source], wanted: &[String]) -> (Vec<Supply>, SupplyUnit, Vec<usize>) {
    let serving: Vec<(usize, Vec<String>)> = sources
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let m: Vec<String> = s
                .majors
                .iter()
                .filter(|o| wanted.iter().any(|w| serves(o, w)))
                .cloned()
                .collect();
            (!m.is_empty()).then_some((i, m))
        })
        .collect();
    let known =
        |(i, m): &(usize, Vec<String>)| m.iter().all(|c| sources[*i].graduates.contains_key(c));
    let n_known = serving.iter().filter(|x| known(x)).count();
    let unit = if !serving.is_empty() && 2 * n_known >= serving.len() {
        SupplyUnit::Graduates
    } else {
        SupplyUnit::Majors
    };
    let mut missing = Vec::new();
    let out = serving
        .into_iter()
        .map(|(i, m)| {
            let supply = match unit {
                SupplyUnit::Graduates if known(&(i, m.clone())) => {
                    m.iter().map(|c| sources[i].graduates[c]).sum()
                }
                SupplyUnit::Graduates => {
                    missing.push(i);
                    0.0
                }
                SupplyUnit::Majors => m.len() as f64,
            };
            Supply {
                source: i,
                majors: m,
                supply,
            }
        })
        .collect();
    (out, unit, missing)
}

/// A count as departments write it: `1,200`, `约300人`, `３００`, `120名`; `None` when it is not a count ≥ 0.
pub fn parse_count(text: &str) -> Option<f64> {
    let t: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ',' | '，' | ' ' | '约' | '人' | '名' | '个'))
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '．' => '.',
            _ => c,
        })
        .collect();
    let t = t.trim_end_matches("左右");
    t.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0)
}

/// The default distance decay of the ranking: gravity `(max(d, 10) / 100)^-1`, d in km (1 at 100 km, 0.1 at
/// 1 000 km; within 10 km all count as at 10 km).
pub fn default_weight() -> Weight {
    Weight::Gravity {
        scale: 100.0,
        alpha: -1.0,
        min: 10.0,
    }
}

/// One ranked source.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    /// Index into the sources.
    pub source: usize,
    /// Its serving majors.
    pub majors: Vec<String>,
    /// Supply.
    pub supply: f64,
    /// Geodesic distance from the origin, km.
    pub distance_km: f64,
    /// The decay weight at that distance.
    pub weight: f64,
    /// `supply × weight`.
    pub score: f64,
}

/// The serving sources ranked by score (highest first; ties by distance, then name), those beyond `max_km` left
/// out. `origin` is the county's point (longitude, latitude).
pub fn rank(
    sources: &[Source],
    supplies: &[Supply],
    origin: [f64; 2],
    w: &Weight,
    max_km: Option<f64>,
) -> Vec<Ranked> {
    let mut v: Vec<Ranked> = supplies
        .iter()
        .map(|s| {
            let src = &sources[s.source];
            let d = geodesic_m(origin[0], origin[1], src.lon, src.lat) / 1000.0;
            let weight = w.at(d);
            Ranked {
                source: s.source,
                majors: s.majors.clone(),
                supply: s.supply,
                distance_km: d,
                weight,
                score: s.supply * weight,
            }
        })
        .filter(|r| max_km.is_none_or(|m| r.distance_km <= m))
        .collect();
    v.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.distance_km.total_cmp(&b.distance_km))
            .then_with(|| sources[a.source].name.cmp(&sources[b.source].name))
    });
    v
}

/// One province's totals.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProvinceRow {
    /// 2-digit code (empty when the sources' province is unknown).
    pub code: String,
    /// Name.
    pub name: String,
    /// Serving sources.
    pub sources: usize,
    /// Of which 高校.
    pub universities: usize,
    /// Total supply.
    pub supply: f64,
    /// Total score.
    pub score: f64,
    /// The nearest serving source's distance, km.
    pub nearest_km: f64,
}

/// Totals of ranked sources by province (by code when known, else by the name given), sorted by score.
pub fn by_province(sources: &[Source], ranked: &[Ranked]) -> Vec<ProvinceRow> {
    let mut m: BTreeMap<String, ProvinceRow> = BTreeMap::new();
    for r in ranked {
        let s = &sources[r.source];
        let key = if s.province_code.is_empty() {
            format!("?{}", s.province)
        } else {
            s.province_code.clone()
        };
        let row = m.entry(key).or_insert_with(|| ProvinceRow {
            code: s.province_code.clone(),
            name: s.province.clone(),
            nearest_km: f64::INFINITY,
            ..Default::default()
        });
        row.sources += 1;
        if s.kind == "高校" {
            row.universities += 1;
        }
        row.supply += r.supply;
        row.score += r.score;
        row.nearest_km = row.nearest_km.min(r.distance_km);
    }
    let mut v: Vec<ProvinceRow> = m.into_values().collect();
    v.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.code.cmp(&b.code)));
    v
}

/// The supply–demand verdict of a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Balance {
    /// K ≥ 1.5: the link wants a larger share of posts than its share of the supply in reach.
    Short,
    /// 0.67 ≤ K < 1.5.
    Balanced,
    /// K < 0.67.
    Ample,
    /// Posts wanted but no source in reach.
    NoSource,
    /// No post wanted.
    NoDemand,
}

impl Balance {
    /// 紧缺 / 平衡 / 充裕 / 紧缺（无来源） / 无需求.
    pub fn label(self) -> &'static str {
        match self {
            Balance::Short => "紧缺",
            Balance::Balanced => "平衡",
            Balance::Ample => "充裕",
            Balance::NoSource => "紧缺（无来源）",
            Balance::NoDemand => "无需求",
        }
    }
}

/// The shortage index `K = (D/ΣD) / (S/ΣS)` and its verdict, for a link with demand `d` and supply in reach `s`
/// among links totalling `sum_d` and `sum_s`. `None` index when undefined (no demand or no supply).
pub fn shortage(d: f64, s: f64, sum_d: f64, sum_s: f64) -> (Option<f64>, Balance) {
    if d <= 0.0 {
        return (None, Balance::NoDemand);
    }
    if s <= 0.0 || sum_s <= 0.0 || sum_d <= 0.0 {
        return (None, Balance::NoSource);
    }
    let k = (d / sum_d) / (s / sum_s);
    let b = if k >= 1.5 {
        Balance::Short
    } else if k >= 1.0 / 1.5 {
        Balance::Balanced
    } else {
        Balance::Ample
    };
    (Some(k), b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(name: &str, lon: f64, lat: f64, majors: &[&str], grads: &[(&str, f64)]) -> Source {
        Source {
            name: name.into(),
            kind: "高校".into(),
            province: "福建省".into(),
            province_code: "35".into(),
            lon,
            lat,
            majors: majors.iter().map(|s| s.to_string()).collect(),
            graduates: grads.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn supply_unit_falls_back_to_majors_when_graduates_are_missing() {
        let s = vec![
            src(
                "a",
                119.0,
                26.0,
                &["0816", "080901"],
                &[("0816", 100.0), ("080901", 50.0)],
            ),
            src("b", 118.0, 24.5, &["0809"], &[("0809", 200.0)]),
            src("c", 116.0, 40.0, &["0101"], &[]),
        ];
        let (sup, unit, missing) = link_supply(&s, &["0809".into()]);
        assert_eq!(unit, SupplyUnit::Graduates);
        assert!(missing.is_empty());
        assert_eq!(sup.len(), 2);
        assert_eq!(sup[0].supply, 50.0);
        // One of two without graduates: still graduates, that one counted 0 and named.
        let mut s2 = s.clone();
        s2[1].graduates.clear();
        let (sup, unit, missing) = link_supply(&s2, &["0809".into(), "0816".into()]);
        assert_eq!(unit, SupplyUnit::Graduates);
        assert_eq!(missing, vec![1]);
        assert_eq!(sup[1].supply, 0.0);
        // Most without: majors for all.
        let mut s3 = s2.clone();
        s3[0].graduates.clear();
        let (sup, unit, _) = link_supply(&s3, &["0809".into(), "0816".into()]);
        assert_eq!(unit, SupplyUnit::Majors);
        assert_eq!(sup[0].supply, 2.0);
        assert_eq!(parse_count("1,200"), Some(1200.0));
        assert_eq!(parse_count("约300人"), Some(300.0));
        assert_eq!(parse_count("３００"), Some(300.0));
        assert_eq!(parse_count("-5"), None);
        assert_eq!(parse_count("很多"), None);
    }

    #[test]
    fn ranking_uses_distance_decay() {
        let s = vec![
            src("near", 118.7, 25.5, &["0809"], &[("0809", 100.0)]),
            src("far", 116.3, 40.0, &["0809"], &[("0809", 300.0)]),
        ];
        let (sup, _, _) = link_supply(&s, &["0809".into()]);
        let r = rank(&s, &sup, [118.64, 25.44], &default_weight(), None);
        assert_eq!(s[r[0].source].name, "near");
        // Within 10 km: weight (10/100)^-1 = 10.
        assert!((r[0].weight - 10.0).abs() < 1e-12);
        let far = r.iter().find(|x| s[x.source].name == "far").unwrap();
        assert!((far.weight - 100.0 / far.distance_km).abs() < 1e-12);
        let cut = rank(&s, &sup, [118.64, 25.44], &default_weight(), Some(500.0));
        assert_eq!(cut.len(), 1);
        let p = by_province(&s, &r);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].sources, 2);
        assert!((p[0].score - r.iter().map(|x| x.score).sum::<f64>()).abs() < 1e-9);
    }

    #[test]
    fn shortage_index_and_verdicts() {
        assert_eq!(shortage(0.0, 5.0, 10.0, 10.0).1, Balance::NoDemand);
        assert_eq!(shortage(5.0, 0.0, 10.0, 10.0).1, Balance::NoSource);
        let (k, b) = shortage(6.0, 2.0, 10.0, 10.0);
        assert!((k.unwrap() - 3.0).abs() < 1e-12);
        assert_eq!(b, Balance::Short);
        assert_eq!(shortage(5.0, 5.0, 10.0, 10.0).1, Balance::Balanced);
        assert_eq!(shortage(1.0, 5.0, 10.0, 10.0).1, Balance::Ample);
    }
}

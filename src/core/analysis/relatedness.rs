//! Which chain links a county could add next (延链): relatedness in the product-space sense of Hidalgo, Klinger,
//! Barabási & Hausmann (2007, Science 317:482) on a region × link matrix of employees:
//!
//! ```text
//! RCA(r,l) = (x_rl / Σ_l x_rl) / (Σ_r x_rl / Σ_rl x_rl),        M(r,l) = 1 when RCA ≥ 1
//! φ(l,m)   = Σ_r M(r,l) M(r,m) / max(Σ_r M(r,l), Σ_r M(r,m))        (proximity: min of the two conditionals)
//! ω(c,l)   = Σ_m M(c,m) φ(l,m) / Σ_m φ(l,m)                         (density around l of what region c has)
//! ```
//!
//! A link the county lacks (M = 0) with a high density is close to what it already does well.

use std::collections::BTreeMap;

/// The relatedness of one link to what the home region has.
#[derive(Debug, Clone, PartialEq)]
pub struct Related {
    /// The link (as given in the matrix).
    pub link: String,
    /// Density ω of the home region around the link, 0–1.
    pub density: f64,
    /// Whether the home region already has it (M = 1).
    pub present: bool,
    /// The home region's links closest to it, with their proximity φ, closest first (at most 3).
    pub because: Vec<(String, f64)>,
}

/// The product space of a region × link matrix of `(region, link, value)` (values summed per pair; regions and
/// links as text), and the relatedness of every link to region `home`. Links are sorted by density, highest
/// first. Errors: fewer than two regions or two links, or `home` not among the regions.
pub fn relatedness(cells: &[(String, String, f64)], home: &str) -> Result<Vec<Related>, String> {
    let mut x: BTreeMap<(String, String), f64> = BTreeMap::new();
    for (r, l, v) in cells {
        if v.is_finite() && *v > 0.0 {
            *x.entry((r.clone(), l.clone())).or_default() += v;
        }
    }
    let regions: Vec<String> = {
        let mut v: Vec<String> = x.keys().map(|k| k.0.clone()).collect();
        v.dedup();
        v.sort();
        v.dedup();
        v
    };
    let links: Vec<String> = {
        let mut v: Vec<String> = x.keys().map(|k| k.1.clone()).collect();
        v.sort();
        v.dedup();
        v
    };
    if regions.len() < 2 || links.len() < 2 {
        return Err(
            "地区或环节太少，无法计算相关度 / too few regions or links for relatedness".into(),
        );
    }
    let ri = |r: &str| regions.binary_search_by(|x| x.as_str().cmp(r)).ok();
    let home_i = ri(home).ok_or_else(|| {
        format!("本地 {home} 不在矩阵中（本地没有企业）/ the home region {home} is not in the matrix (no local firms)")
    })?;
    let (nr, nl) = (regions.len(), links.len());
    let mut m = vec![vec![0.0f64; nl]; nr];
    for ((r, l), v) in &x {
        let (a, b) = (
            ri(r).expect("listed"),
            links.binary_search(l).expect("listed"),
        );
        m[a][b] = *v;
    }
    let row: Vec<f64> = m.iter().map(|r| r.iter().sum()).collect();
    let col: Vec<f64> = (0..nl).map(|j| m.iter().map(|r| r[j]).sum()).collect();
    let all: f64 = row.iter().sum();
    let mm: Vec<Vec<bool>> = (0..nr)
        .map(|i| {
            (0..nl)
                .map(|j| row[i] > 0.0 && col[j] > 0.0 && (m[i][j] / row[i]) / (col[j] / all) >= 1.0)
                .collect()
        })
        .collect();
    let ubiquity: Vec<f64> = (0..nl)
        .map(|j| mm.iter().filter(|r| r[j]).count() as f64)
        .collect();
    let phi = |a: usize, b: usize| -> f64 {
        let both = mm.iter().filter(|r| r[a] && r[b]).count() as f64;
        let d = ubiquity[a].max(ubiquity[b]);
        if d > 0.0 {
            both / d
        } else {
            0.0
        }
    };
    let mut out: Vec<Related> = (0..nl)
        .map(|l| {
            let (mut num, mut den) = (0.0, 0.0);
            let mut because: Vec<(String, f64)> = Vec::new();
            for k in 0..nl {
                if k == l {
                    continue;
                }
                let p = phi(l, k);
                den += p;
                if mm[home_i][k] {
                    num += p;
                    if p > 0.0 {
                        because.push((links[k].clone(), p));
                    }
                }
            }
            because.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            because.truncate(3);
            Related {
                link: links[l].clone(),
                density: if den > 0.0 { num / den } else { 0.0 },
                present: mm[home_i][l],
                because,
            }
        })
        .collect();
    out.sort_by(|a, b| b.density.total_cmp(&a.density).then(a.link.cmp(&b.link)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_done_where_the_homes_links_are_done_is_dense() {
        // Regions doing a with b, and c with d; home does a only: b is close, d is not.
        let mut cells = Vec::new();
        for r in 0..6 {
            let (p, q) = if r < 3 { ("a", "b") } else { ("c", "d") };
            cells.push((format!("r{r}"), p.to_string(), 100.0));
            cells.push((format!("r{r}"), q.to_string(), 100.0));
            cells.push((format!("r{r}"), "e".to_string(), 5.0));
        }
        cells.push(("home".into(), "a".into(), 100.0));
        cells.push(("home".into(), "e".into(), 1.0));
        let r = relatedness(&cells, "home").unwrap();
        let get = |l: &str| r.iter().find(|x| x.link == l).unwrap();
        assert!(get("a").present);
        assert!(get("b").density > get("d").density);
        assert_eq!(get("b").because[0].0, "a");
        assert!(relatedness(&cells, "nowhere").is_err());
    }
}

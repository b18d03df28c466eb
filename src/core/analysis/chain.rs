//! Firms on chain links (一产一档 §2): each firm placed on the links of the chain templates by the first rule that
//! places it — an explicit link field, else its GB/T 4754 industry code (the most specific code of any link it lies
//! under), else product keywords in its name and products — with the rule and a confidence, so every placement can
//! be explained and overridden; and the checks of a firm register (credit-code check characters, the same firm
//! twice, industry codes not in GB/T 4754, firms no rule places).

use crate::core::model::chain::{code_shape_ok, credit_code_valid, Chain, IndustryCodes};
use std::collections::BTreeMap;

/// One firm of a register, as the placement needs it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Firm {
    /// Name.
    pub name: String,
    /// 统一社会信用代码 (18 characters), where known.
    pub credit_code: String,
    /// GB/T 4754-2017 code (any level), where known.
    pub industry_code: String,
    /// Main products (free text).
    pub products: String,
    /// An explicit chain (its name), where the register says it.
    pub chain: Option<String>,
    /// An explicit link (its id or name), where the register says it.
    pub link: Option<String>,
}

/// The rule that placed a firm on a link.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// The register's own link field.
    Explicit,
    /// The firm's industry code lies under this code of the link.
    Code(String),
    /// These keywords of the link were found in the firm's name or products.
    Keywords(Vec<String>),
}

impl Rule {
    /// How the rule reads in a list: `行业代码 1951 ⊂ 195`.
    pub fn describe(&self, firm: &Firm) -> String {
        match self {
            Rule::Explicit => "登记的环节 / the register's link".into(),
            Rule::Code(c) => format!(
                "行业代码 {} 属于 {c} / industry code {} lies under {c}",
                firm.industry_code, firm.industry_code
            ),
            Rule::Keywords(k) => format!("关键词 {} / keywords {}", k.join("、"), k.join(", ")),
        }
    }
}

/// A firm placed on a link.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    /// The chain's name.
    pub chain: String,
    /// The link's id.
    pub link: String,
    /// Why.
    pub rule: Rule,
    /// How sure, 0–1: 1 for the register's own link; by an industry code 0.95 (小类), 0.85 (中类), 0.7 (大类),
    /// 0.5 (门类); by keywords 0.4 + 0.1 per keyword found, at most 0.6.
    pub confidence: f64,
}

/// How sure a code of `len` characters places a firm (see [`Placement::confidence`]).
fn code_confidence(len: usize) -> f64 {
    match len {
        4 => 0.95,
        3 => 0.85,
        2 => 0.7,
        _ => 0.5,
    }
}

/// Places `firm` on the links of `chains`: every link that the first rule placing it names (a firm may lie on
/// links of several chains: a 专项化学用品 maker serves both 电子信息 and 新型功能材料). `codes`, where given, lets a
/// 门类 letter of a link take the firm's numeric code. Empty when no rule places it.
pub fn place(chains: &[Chain], firm: &Firm, codes: Option<&IndustryCodes>) -> Vec<Placement> {
    // 1. The register's own link (by id or name), in its chain when it names one.
    if let Some(want) = firm
        .link
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        let out: Vec<Placement> = chains
            .iter()
            .filter(|c| firm.chain.as_deref().is_none_or(|n| n.trim() == c.name))
            .flat_map(|c| {
                c.links
                    .iter()
                    .filter(|l| l.id == want || l.name == want)
                    .map(|l| Placement {
                        chain: c.name.clone(),
                        link: l.id.clone(),
                        rule: Rule::Explicit,
                        confidence: 1.0,
                    })
            })
            .collect();
        if !out.is_empty() {
            return out;
        }
    }
    // 2. The industry code: the most specific link code it lies under, in every chain.
    let fc = firm.industry_code.trim();
    if !fc.is_empty() {
        let lineage: Vec<String> = codes.map(|t| t.lineage(fc)).unwrap_or_default();
        let under = |lc: &str| {
            let lc = lc.trim();
            !lc.is_empty() && (fc.starts_with(lc) || lineage.iter().any(|a| a == lc))
        };
        let mut best: Vec<(usize, Placement)> = vec![];
        for c in chains {
            for l in &c.links {
                if let Some(lc) = l
                    .codes
                    .iter()
                    .filter(|lc| under(lc))
                    .max_by_key(|lc| lc.trim().len())
                {
                    let len = lc.trim().len();
                    best.push((
                        len,
                        Placement {
                            chain: c.name.clone(),
                            link: l.id.clone(),
                            rule: Rule::Code(lc.trim().to_string()),
                            confidence: code_confidence(len),
                        },
                    ));
                }
            }
        }
        // Within a chain only the most specific match counts (1391 under 1391 beats 13); across chains all do.
        let mut per_chain: BTreeMap<String, usize> = BTreeMap::new();
        for (len, p) in &best {
            let e = per_chain.entry(p.chain.clone()).or_default();
            *e = (*e).max(*len);
        }
        let out: Vec<Placement> = best
            .into_iter()
            .filter(|(len, p)| per_chain.get(&p.chain) == Some(len))
            .map(|(_, p)| p)
            .collect();
        if !out.is_empty() {
            return out;
        }
    }
    // 3. Keywords in the name and the products: the links with the most keywords found.
    let text = format!("{} {}", firm.name, firm.products);
    let mut found: Vec<(usize, Placement)> = vec![];
    for c in chains {
        for l in &c.links {
            let hits: Vec<String> = l
                .keywords
                .iter()
                .filter(|k| !k.trim().is_empty() && text.contains(k.trim()))
                .cloned()
                .collect();
            if !hits.is_empty() {
                found.push((
                    hits.len(),
                    Placement {
                        chain: c.name.clone(),
                        link: l.id.clone(),
                        confidence: (0.4 + 0.1 * hits.len() as f64).min(0.6),
                        rule: Rule::Keywords(hits),
                    },
                ));
            }
        }
    }
    let most = found.iter().map(|f| f.0).max().unwrap_or(0);
    found
        .into_iter()
        .filter(|f| f.0 == most)
        .map(|f| f.1)
        .collect()
}

/// What is wrong in a firm register, one line per finding in Chinese and English (nothing is dropped: the caller
/// keeps every firm and shows these beside them): a credit code with a wrong check character or length, the same
/// credit code twice, an industry code that is not GB/T 4754 (by its shape, or by `codes` where given), a firm no
/// rule places. `placed[i]` are firm `i`'s placements.
pub fn check_register(
    firms: &[Firm],
    placed: &[Vec<Placement>],
    codes: Option<&IndustryCodes>,
) -> Vec<String> {
    let mut out = vec![];
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, f) in firms.iter().enumerate() {
        let n = i + 1;
        let cc = f.credit_code.trim();
        if !cc.is_empty() {
            if !credit_code_valid(cc) {
                out.push(format!(
                    "第 {n} 家 {}：统一社会信用代码 {cc} 校验位不对（GB 32100-2015）/ firm {n} {}: the credit code {cc} fails its check character (GB 32100-2015)",
                    f.name, f.name
                ));
            }
            if let Some(first) = seen.insert(cc, n) {
                out.push(format!(
                    "第 {n} 家 {} 与第 {first} 家的统一社会信用代码相同（{cc}），同一企业出现两次 / firm {n} {} has the credit code of firm {first} ({cc}): the same firm twice",
                    f.name, f.name
                ));
            }
        }
        let ic = f.industry_code.trim();
        if !ic.is_empty() {
            let known = match codes {
                Some(t) => t.contains(ic),
                None => code_shape_ok(ic),
            };
            if !known {
                out.push(format!(
                    "第 {n} 家 {}：行业代码 {ic} 不在 GB/T 4754-2017 中 / firm {n} {}: the industry code {ic} is not in GB/T 4754-2017",
                    f.name, f.name
                ));
            }
        }
        if placed.get(i).is_none_or(|p| p.is_empty()) {
            out.push(format!(
                "第 {n} 家 {}：未归入任何产业链环节（行业代码 {}）/ firm {n} {}: placed on no chain link (industry code {})",
                f.name,
                if ic.is_empty() { "无" } else { ic },
                f.name,
                if ic.is_empty() { "none" } else { ic }
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::chain::default_chains;

    fn firm(name: &str, code: &str, products: &str) -> Firm {
        Firm {
            name: name.into(),
            industry_code: code.into(),
            products: products.into(),
            ..Default::default()
        }
    }

    #[test]
    fn the_first_rule_that_places_a_firm_decides() {
        let cs = default_chains();
        // By code: 1952 皮鞋制造 lies under 195 制鞋业 (中类).
        let p = place(&cs, &firm("鸿兴鞋业", "1952", ""), None);
        assert_eq!(p.len(), 1);
        assert_eq!((p[0].chain.as_str(), p[0].link.as_str()), ("鞋服", "shoes"));
        assert_eq!(p[0].rule, Rule::Code("195".into()));
        assert_eq!(p[0].confidence, 0.85);
        // The most specific code within a chain: 1391 is raw material, not 13 processing.
        let p = place(&cs, &firm("甲", "1391", ""), None);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].link, "raw");
        // One code, two chains: 2662 serves 电子信息 and 新型功能材料.
        let p = place(&cs, &firm("乙", "2662", ""), None);
        let chains: Vec<&str> = p.iter().map(|x| x.chain.as_str()).collect();
        assert_eq!(chains, ["电子信息", "新型功能材料"]);
        // The register's own link wins over the code.
        let mut f = firm("丙", "1952", "");
        f.chain = Some("鞋服".into());
        f.link = Some("制鞋".into());
        let p = place(&cs, &f, None);
        assert_eq!(p[0].rule, Rule::Explicit);
        assert_eq!(p[0].confidence, 1.0);
        // No code: keywords in the products.
        let p = place(&cs, &firm("丁有限公司", "", "红木家具、古典家具"), None);
        assert_eq!(p[0].link, "furniture");
        assert_eq!(
            p[0].rule,
            Rule::Keywords(vec!["红木家具".into(), "古典家具".into(), "家具".into()])
        );
        assert!((p[0].confidence - 0.6).abs() < 1e-9);
        // Nothing places a bakery of no known chain code and no keyword.
        assert!(place(&cs, &firm("戊", "7212", "咨询"), None).is_empty());
    }

    #[test]
    fn a_register_is_checked_without_dropping_anyone() {
        let cs = default_chains();
        let good = {
            let base = "91350322MA2Y4K7L3";
            format!(
                "{base}{}",
                crate::core::model::chain::credit_check_char(base).unwrap()
            )
        };
        let mut bad = good.clone();
        bad.replace_range(17.., if good.ends_with('0') { "1" } else { "0" });
        let firms = vec![
            Firm {
                credit_code: good.clone(),
                ..firm("甲", "1952", "")
            },
            Firm {
                credit_code: good.clone(),
                ..firm("甲（重复）", "1952", "")
            },
            Firm {
                credit_code: bad.clone(),
                ..firm("乙", "9999", "")
            },
        ];
        let placed: Vec<Vec<Placement>> = firms.iter().map(|f| place(&cs, f, None)).collect();
        let p = check_register(&firms, &placed, None).join("\n");
        assert!(p.contains("同一企业出现两次"), "{p}");
        assert!(p.contains(&format!("{bad} 校验位不对")), "{p}");
        assert!(p.contains("9999 不在 GB/T 4754-2017"), "{p}");
        assert!(p.contains("第 3 家 乙：未归入"), "{p}");
        assert_eq!(placed.len(), 3, "every firm kept");
    }
}

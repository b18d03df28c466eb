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
    /// The user put it there (an override kept in the project).
    Override,
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
            Rule::Override => "人工调整（项目中保存）/ set by hand (kept in the project)".into(),
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

/// Applies the user's `overrides` to placements: each firm an override names loses its placements on that chain
/// and gets the override's link (rule [`Rule::Override`], confidence 1), or none. Returns how many firms changed.
pub fn apply_overrides(
    firms: &mut [FirmRecord],
    overrides: &[crate::core::model::chain::Override],
) -> usize {
    let mut changed = 0;
    for r in firms.iter_mut() {
        for o in overrides
            .iter()
            .filter(|o| o.matches(&r.firm.credit_code, &r.firm.name))
        {
            r.placed.retain(|p| p.chain != o.chain);
            if !o.link.is_empty() {
                r.placed.push(Placement {
                    chain: o.chain.clone(),
                    link: o.link.clone(),
                    rule: Rule::Override,
                    confidence: 1.0,
                });
            }
            changed += 1;
        }
    }
    changed
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

/// A firm with what the measures count: its placements, where it is (a division code: 12-digit village or 9-digit
/// town), its size and flags.
#[derive(Debug, Clone, Default)]
pub struct FirmRecord {
    /// The firm.
    pub firm: Firm,
    /// Its links.
    pub placed: Vec<Placement>,
    /// The division code of where it is (village 12 digits; a prefix gives the town, 9 digits).
    pub area: String,
    /// 产值, 万元.
    pub output: f64,
    /// 税收, 万元.
    pub tax: f64,
    /// 从业人员.
    pub employees: f64,
    /// 规模以上 (规上).
    pub above_scale: bool,
    /// 链主 flag of the register.
    pub lead: bool,
}

/// What a location quotient counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LqBasis {
    /// Employees (the usual regional-economics basis).
    #[default]
    Employees,
    /// Firms.
    Firms,
    /// Output value.
    Output,
}

impl LqBasis {
    /// The column of a [`ReferenceTable`] row: firms 0, employees 1, output 2.
    pub fn index(self) -> usize {
        match self {
            LqBasis::Firms => 0,
            LqBasis::Employees => 1,
            LqBasis::Output => 2,
        }
    }

    fn of(self, r: &FirmRecord) -> f64 {
        match self {
            LqBasis::Employees => r.employees,
            LqBasis::Firms => 1.0,
            LqBasis::Output => r.output,
        }
    }
}

/// The rule that calls a link 强 / 中 / 弱 / 缺, written as data so every verdict can show it and the user can change
/// it. Defaults: 缺 no firm in the area; 强 LQ ≥ 1.25 and a 规上 or lead firm; 弱 LQ < 1 or no 规上 firm; 中 the rest.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusRule {
    /// LQ at or above which a link can be strong.
    pub strong_lq: f64,
    /// LQ below which a link is weak.
    pub weak_lq: f64,
    /// Fewer firms than this make the LQ unreliable (flagged).
    pub min_firms: usize,
}

impl Default for StatusRule {
    fn default() -> Self {
        StatusRule {
            strong_lq: 1.25,
            weak_lq: 1.0,
            min_firms: 5,
        }
    }
}

/// The status of a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// 强.
    Strong,
    /// 中.
    Medium,
    /// 弱.
    Weak,
    /// 缺.
    Missing,
}

impl Status {
    /// The Chinese word.
    pub fn label(self) -> &'static str {
        match self {
            Status::Strong => "强",
            Status::Medium => "中",
            Status::Weak => "弱",
            Status::Missing => "缺",
        }
    }
}

/// The measures of one link in one area.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkMeasures {
    /// Chain name.
    pub chain: String,
    /// Link id.
    pub link: String,
    /// Link name.
    pub name: String,
    /// Firms on the link in the area.
    pub firms: usize,
    /// Of which 规上.
    pub above_scale: usize,
    /// 产值, 万元.
    pub output: f64,
    /// 税收, 万元.
    pub tax: f64,
    /// 从业人员.
    pub employees: f64,
    /// Location quotient (e_i/e)/(E_i/E) against the reference region, on [`LqBasis`]; `None` where the reference
    /// has none of the link or the area nothing at all.
    pub lq: Option<f64>,
    /// The LQ rests on fewer firms than [`StatusRule::min_firms`].
    pub lq_few: bool,
    /// Herfindahl-Hirschman index of the firms' output shares (0–1); `None` without output.
    pub hhi: Option<f64>,
    /// Its equivalent number of firms, 1/HHI.
    pub equivalent_firms: Option<f64>,
    /// Lead firms (链主): flagged in the register, else the largest by output.
    pub leads: Vec<String>,
    /// 强 / 中 / 弱 / 缺.
    pub status: Status,
    /// Why, with the thresholds.
    pub reason: String,
}

/// The measures of every link of `chains` for the firms in `area` (division-code prefix; empty: all) against the
/// reference region `reference` (a prefix; by default the county the firms share): counts, 规上, output, tax,
/// employees, LQ = (e_i/e)/(E_i/E) on `basis` (e: all placed firms of the area; E: of the reference; none when the
/// area is not inside the reference, e.g. the county against itself), HHI of the output shares and 1/HHI, lead
/// firms, and the status by `rule` (without an LQ: 缺, 弱 without a 规上 or lead firm, else 中). A firm on several
/// links counts on each.
pub fn measures(
    chains: &[Chain],
    firms: &[FirmRecord],
    area: &str,
    reference: &str,
    basis: LqBasis,
    rule: &StatusRule,
) -> Vec<LinkMeasures> {
    measures_against(
        chains,
        firms,
        area,
        &Reference::Region(reference),
        basis,
        rule,
    )
}

/// Totals of a region by GB/T 4754 code, from a statistics table (a province's or the nation's yearbook): the
/// reference of a location quotient when the county is measured against a larger region.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReferenceTable {
    /// What the table is (its file's name, e.g. 福建省分行业统计_2023).
    pub name: String,
    /// Firms, employees and output (万元) by industry code, as the table gives them.
    pub by_code: BTreeMap<String, [f64; 3]>,
    /// The region's totals over all industries (its 合计 row; else the sum of its rows).
    pub total: [f64; 3],
    /// Whether the total is the table's own 合计 row (else the sum of the industries listed).
    pub has_total_row: bool,
}

impl ReferenceTable {
    /// The reference of one link: for each of its codes, the table's row of that code, else the sum of the rows
    /// under it (more detailed codes), so a code is not counted twice.
    pub fn of_link(&self, codes: &[String], basis: LqBasis) -> f64 {
        let k = basis.index();
        codes
            .iter()
            .map(|c| match self.by_code.get(c) {
                Some(v) => v[k],
                None => self
                    .by_code
                    .range(c.clone()..)
                    .take_while(|(code, _)| code.starts_with(c.as_str()))
                    .map(|(_, v)| v[k])
                    .sum(),
            })
            .sum()
    }
}

impl ReferenceTable {
    /// A statistics table from its rows (header first): an industry-code column (行业代码, code…), and the
    /// firms (企业数), employees (从业人员) and output (产值, 万元) columns it has; a row whose code is 合计 / 总计 /
    /// 全部 / total is the region's total. Codes stay text (a leading 0 kept). Errors: no code column, no numeric
    /// column, no rows.
    pub fn from_rows(name: &str, rows: &[Vec<String>]) -> Result<ReferenceTable, String> {
        let head = rows
            .first()
            .ok_or("统计表是空的 / the statistics table is empty")?;
        let find = |alias: &[&str]| {
            head.iter()
                .position(|h| alias.iter().any(|a| h.trim().eq_ignore_ascii_case(a)))
        };
        let code = find(&["行业代码", "代码", "code", "industry_code", "HYDM"])
            .ok_or("统计表没有行业代码列 / the statistics table has no industry-code column")?;
        let cols = [
            find(&["企业数", "企业个数", "单位数", "firms"]),
            find(&["从业人员", "从业人数", "就业人数", "employees"]),
            find(&[
                "产值万元",
                "产值",
                "总产值",
                "营业收入",
                "output",
                "output_wan",
            ]),
        ];
        if cols.iter().all(Option::is_none) {
            return Err("统计表没有企业数、从业人员或产值列 / the statistics table has no firms, employees or output column".into());
        }
        let mut t = ReferenceTable {
            name: name.to_string(),
            ..Default::default()
        };
        let num = |r: &Vec<String>, c: Option<usize>| {
            c.and_then(|c| r.get(c))
                .and_then(|s| s.trim().replace(',', "").parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        for r in &rows[1..] {
            let c = r.get(code).map(|s| s.trim()).unwrap_or("");
            let v = [num(r, cols[0]), num(r, cols[1]), num(r, cols[2])];
            if ["合计", "总计", "全部", "全部行业", "total", "all"]
                .iter()
                .any(|x| c.eq_ignore_ascii_case(x))
            {
                t.total = v;
                t.has_total_row = true;
            } else if !c.is_empty() {
                let e = t.by_code.entry(c.to_string()).or_insert([0.0; 3]);
                for (a, b) in e.iter_mut().zip(v) {
                    *a += b;
                }
            }
        }
        if t.by_code.is_empty() {
            return Err("统计表没有行业行 / the statistics table has no industry rows".into());
        }
        if !t.has_total_row {
            // Without a 合计 row, the rows' own sum (of the least detailed codes) stands for the total.
            for (c, v) in &t.by_code {
                if !t
                    .by_code
                    .keys()
                    .any(|p| p != c && c.starts_with(p.as_str()))
                {
                    for (a, b) in t.total.iter_mut().zip(v) {
                        *a += b;
                    }
                }
            }
        }
        Ok(t)
    }
}

/// The reference region of a location quotient.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reference<'a> {
    /// The register's own firms under a division-code prefix (the county a town belongs to).
    Region(&'a str),
    /// A statistics table's totals (a province, the nation); every area, the county included, gets an LQ.
    Table(&'a ReferenceTable),
}

/// [`measures`] against any [`Reference`]: with a table, E_i is the table's total of the link's codes and E its
/// total over all industries, while e_i and e still come from the register's firms in the area.
pub fn measures_against(
    chains: &[Chain],
    firms: &[FirmRecord],
    area: &str,
    reference: &Reference,
    basis: LqBasis,
    rule: &StatusRule,
) -> Vec<LinkMeasures> {
    let region = match reference {
        Reference::Region(r) => *r,
        Reference::Table(_) => "",
    };
    let in_area = |r: &FirmRecord| r.area.starts_with(area);
    let in_ref = |r: &FirmRecord| r.area.starts_with(region);
    // Sums start at +0 (`Iterator::sum` of f64 starts at −0, printed "-0.00").
    let total = |f: &dyn Fn(&FirmRecord) -> bool| -> f64 {
        firms
            .iter()
            .filter(|r| !r.placed.is_empty() && f(r))
            .fold(0.0, |s, r| s + basis.of(r))
    };
    // A region is no reference for itself: the county measured against the county has no LQ.
    let (has_reference, table) = match reference {
        Reference::Region(r) => (
            !r.is_empty() && area.len() > r.len() && area.starts_with(r),
            None,
        ),
        Reference::Table(t) => (true, Some(*t)),
    };
    let e = total(&in_area);
    let big_e = match table {
        Some(t) => t.total[basis.index()],
        None => total(&in_ref),
    };
    let mut out = vec![];
    for c in chains {
        for l in &c.links {
            let on = |r: &&FirmRecord| r.placed.iter().any(|p| p.chain == c.name && p.link == l.id);
            let here: Vec<&FirmRecord> = firms.iter().filter(|r| in_area(r)).filter(on).collect();
            let e_i: f64 = here.iter().fold(0.0, |s, r| s + basis.of(r));
            let big_e_i: f64 = match table {
                Some(t) => t.of_link(&l.codes, basis),
                None => firms
                    .iter()
                    .filter(|r| in_ref(r))
                    .filter(on)
                    .fold(0.0, |s, r| s + basis.of(r)),
            };
            let lq = (has_reference && e > 0.0 && big_e > 0.0 && big_e_i > 0.0)
                .then(|| (e_i / e) / (big_e_i / big_e));
            let output: f64 = here.iter().fold(0.0, |s, r| s + r.output);
            let hhi = (output > 0.0).then(|| {
                here.iter()
                    .map(|r| (r.output / output).powi(2))
                    .sum::<f64>()
            });
            let mut leads: Vec<String> = here
                .iter()
                .filter(|r| r.lead)
                .map(|r| r.firm.name.clone())
                .collect();
            if leads.is_empty() {
                if let Some(top) = here
                    .iter()
                    .filter(|r| r.output > 0.0)
                    .max_by(|a, b| a.output.total_cmp(&b.output))
                {
                    leads.push(format!("{}（按产值 / by output）", top.firm.name));
                }
            }
            let above = here.iter().filter(|r| r.above_scale).count();
            let has_anchor = above > 0 || here.iter().any(|r| r.lead);
            let lq_text = lq.map(|v| format!("{v:.2}")).unwrap_or_else(|| "—".into());
            let (status, reason) = if here.is_empty() {
                (
                    Status::Missing,
                    format!("本地无企业（LQ {lq_text}）/ no local firm (LQ {lq_text})"),
                )
            } else if !has_reference {
                if has_anchor {
                    (
                        Status::Medium,
                        "有规上或链主企业；无参照区域，不算区位熵 / an above-scale or lead firm; no reference region, so no LQ".to_string(),
                    )
                } else {
                    (
                        Status::Weak,
                        "无规上企业；无参照区域，不算区位熵 / no above-scale firm; no reference region, so no LQ".to_string(),
                    )
                }
            } else if lq.is_some_and(|v| v >= rule.strong_lq) && has_anchor {
                (
                    Status::Strong,
                    format!(
                        "LQ {lq_text} ≥ {}，且有规上或链主企业 / LQ {lq_text} ≥ {} with an above-scale or lead firm",
                        rule.strong_lq, rule.strong_lq
                    ),
                )
            } else if lq.is_none_or(|v| v < rule.weak_lq) || above == 0 {
                (
                    Status::Weak,
                    if above == 0 {
                        format!("无规上企业（LQ {lq_text}）/ no above-scale firm (LQ {lq_text})")
                    } else {
                        format!(
                            "LQ {lq_text} < {} / LQ {lq_text} below {}",
                            rule.weak_lq, rule.weak_lq
                        )
                    },
                )
            } else {
                (
                    Status::Medium,
                    format!(
                        "{} ≤ LQ {lq_text} < {} / LQ {lq_text} between {} and {}",
                        rule.weak_lq, rule.strong_lq, rule.weak_lq, rule.strong_lq
                    ),
                )
            };
            let lq_few = here.len() < rule.min_firms;
            let reason = if lq_few && lq.is_some() && !here.is_empty() {
                format!(
                    "{reason}；少于 {} 家企业，区位熵仅供参考 / fewer than {} firms: the LQ is indicative only",
                    rule.min_firms, rule.min_firms
                )
            } else {
                reason
            };
            out.push(LinkMeasures {
                chain: c.name.clone(),
                link: l.id.clone(),
                name: l.name.clone(),
                firms: here.len(),
                above_scale: above,
                output,
                tax: here.iter().fold(0.0, |s, r| s + r.tax),
                employees: here.iter().fold(0.0, |s, r| s + r.employees),
                lq,
                lq_few,
                hhi,
                equivalent_firms: hhi.filter(|h| *h > 0.0).map(|h| 1.0 / h),
                leads,
                status,
                reason,
            });
        }
    }
    out
}

//! Industry-chain templates (一产一档): a chain is a directed graph of links (环节) in three tiers — 上游 (materials
//! and parts), 中游 (manufacturing), 下游 (brands, sales and services) — with supply edges from a supplying link to
//! the link it supplies. Each link names GB/T 4754-2017 industry codes (门类 letter, 大类 2 digits, 中类 3, 小类 4;
//! a code stands for everything under it) and product keywords. Templates are plain data (JSON), versioned, kept in
//! projects; [`default_chains`] are Putian's key chains (../shared/DOMAIN.md).
//!
//! Also here: the unified social credit code's check character (GB 32100-2015) and the GB/T 4754 code tree read
//! from a table (`code,name,level,parent`).

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The tier of a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Tier {
    /// 上游: materials, parts, equipment.
    #[serde(rename = "上游")]
    Up,
    /// 中游: manufacturing.
    #[serde(rename = "中游")]
    Mid,
    /// 下游: brands, sales, services.
    #[serde(rename = "下游")]
    Down,
}

impl Tier {
    /// The Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            Tier::Up => "上游",
            Tier::Mid => "中游",
            Tier::Down => "下游",
        }
    }
}

/// A link (环节) of a chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Link {
    /// Identifier, unique in its chain (used by edges and by firms' explicit link fields).
    pub id: String,
    /// Name, e.g. 鞋服制造.
    pub name: String,
    /// Tier.
    pub tier: Tier,
    /// GB/T 4754-2017 codes: a 门类 letter or a 大类/中类/小类 number; a firm's code under one belongs here.
    #[serde(default)]
    pub codes: Vec<String>,
    /// Product keywords found in firms' names and products.
    #[serde(default)]
    pub keywords: Vec<String>,
}

/// A chain template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chain {
    /// Name, e.g. 鞋服.
    pub name: String,
    /// Version, raised by every edit kept in a project.
    #[serde(default = "one")]
    pub version: u32,
    /// Where the chain's make-up comes from (a plan, a report), cited.
    #[serde(default)]
    pub source: String,
    /// Links.
    pub links: Vec<Link>,
    /// Supply edges `[from, to]` by link id: `from` supplies `to`.
    #[serde(default)]
    pub edges: Vec<[String; 2]>,
}

fn one() -> u32 {
    1
}

/// A user's correction of where one firm sits on one chain, kept in the project (一产一档 §2): the firm (by its
/// 统一社会信用代码, else its name) is on `link` of `chain` whatever the rules say, or on no link of it when `link`
/// is empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Override {
    /// The firm's credit code (empty: matched by name).
    #[serde(default)]
    pub credit_code: String,
    /// The firm's name.
    pub name: String,
    /// The chain.
    pub chain: String,
    /// The link's id; empty: the firm is on no link of the chain.
    #[serde(default)]
    pub link: String,
}

impl Override {
    /// Whether this override is about the firm with `credit_code` and `name`.
    pub fn matches(&self, credit_code: &str, name: &str) -> bool {
        if !self.credit_code.is_empty() {
            self.credit_code == credit_code.trim()
        } else {
            !self.name.is_empty() && self.name == name.trim()
        }
    }
}

/// Whether `code` has the shape of a GB/T 4754-2017 code: a 门类 letter A–T, or 2, 3 or 4 digits whose 大类 lies
/// in 01–97.
pub fn code_shape_ok(code: &str) -> bool {
    let c = code.trim();
    if c.len() == 1 {
        return c.as_bytes()[0].is_ascii_uppercase() && c.as_bytes()[0] <= b'T';
    }
    (2..=4).contains(&c.len())
        && c.bytes().all(|b| b.is_ascii_digit())
        && (1..=97).contains(&c[..2].parse::<u32>().unwrap_or(0))
}

impl Chain {
    /// The link with `id`.
    pub fn link(&self, id: &str) -> Option<&Link> {
        self.links.iter().find(|l| l.id == id)
    }

    /// What is wrong with the template, in Chinese and English: no links, links without an id or with the same id,
    /// a link with neither codes nor keywords (no firm could be placed on it), codes not shaped like GB/T 4754, edges
    /// naming unknown links or a link itself, supply edges that go round in a circle. Empty when sound.
    pub fn problems(&self) -> Vec<String> {
        let mut out = vec![];
        let n = &self.name;
        if self.links.is_empty() {
            out.push(format!("产业链 {n} 没有环节 / chain {n} has no links"));
        }
        let mut seen = BTreeSet::new();
        for l in &self.links {
            if l.id.trim().is_empty() {
                out.push(format!(
                    "产业链 {n} 的环节 {} 没有编号 / a link of chain {n} ({}) has no id",
                    l.name, l.name
                ));
            } else if !seen.insert(l.id.as_str()) {
                out.push(format!(
                    "产业链 {n} 的环节编号 {} 重复 / chain {n} has two links with id {}",
                    l.id, l.id
                ));
            }
            if l.codes.is_empty() && l.keywords.is_empty() {
                out.push(format!(
                    "产业链 {n} 的环节 {} 既无行业代码也无关键词，企业无法归入 / link {} of chain {n} has neither codes nor keywords: no firm can be placed on it",
                    l.name, l.name
                ));
            }
            for c in &l.codes {
                if !code_shape_ok(c) {
                    out.push(format!(
                        "产业链 {n} 环节 {} 的行业代码 {c} 不是 GB/T 4754 代码 / link {} of chain {n}: {c} is not a GB/T 4754 code",
                        l.name, l.name
                    ));
                }
            }
        }
        // A code in two links of one chain puts its firms on both, counting their output twice.
        let mut owner: BTreeMap<&str, &str> = BTreeMap::new();
        for l in &self.links {
            for c in &l.codes {
                match owner.get(c.as_str()) {
                    Some(other) if *other != l.name.as_str() => out.push(format!(
                        "产业链 {n} 的行业代码 {c} 同时在环节 {other} 和 {} 中，这些企业会在两个环节各计一次 / code {c} is in links {other} and {} of chain {n}: its firms count on both",
                        l.name, l.name
                    )),
                    _ => {
                        owner.insert(c.as_str(), l.name.as_str());
                    }
                }
            }
        }
        for [a, b] in &self.edges {
            for x in [a, b] {
                if self.link(x).is_none() {
                    out.push(format!(
                        "产业链 {n} 的供应关系指向不存在的环节 {x} / a supply edge of chain {n} names no link {x}"
                    ));
                }
            }
            if a == b {
                out.push(format!(
                    "产业链 {n} 的环节 {a} 供应自己 / link {a} of chain {n} supplies itself"
                ));
            }
        }
        if let Some(c) = self.cycle() {
            out.push(format!(
                "产业链 {n} 的供应关系成环：{} / the supply edges of chain {n} go round: {}",
                c.join(" → "),
                c.join(" → ")
            ));
        }
        out
    }

    /// A circle of supply edges (link ids, the first repeated at the end), if any.
    pub fn cycle(&self) -> Option<Vec<String>> {
        let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for [a, b] in &self.edges {
            if a != b {
                next.entry(a.as_str()).or_default().push(b.as_str());
            }
        }
        // Depth-first search with colours: 1 on the path, 2 done.
        fn visit<'a>(
            v: &'a str,
            next: &BTreeMap<&'a str, Vec<&'a str>>,
            colour: &mut BTreeMap<&'a str, u8>,
            path: &mut Vec<&'a str>,
        ) -> Option<Vec<String>> {
            colour.insert(v, 1);
            path.push(v);
            for &w in next.get(v).map(|x| x.as_slice()).unwrap_or(&[]) {
                match colour.get(w) {
                    Some(1) => {
                        let start = path.iter().position(|p| *p == w).unwrap_or(0);
                        let mut c: Vec<String> =
                            path[start..].iter().map(|s| s.to_string()).collect();
                        c.push(w.to_string());
                        return Some(c);
                    }
                    Some(_) => {}
                    None => {
                        if let Some(c) = visit(w, next, colour, path) {
                            return Some(c);
                        }
                    }
                }
            }
            path.pop();
            colour.insert(v, 2);
            None
        }
        let mut colour = BTreeMap::new();
        let starts: Vec<&str> = next.keys().copied().collect();
        for s in starts {
            if !colour.contains_key(s) {
                if let Some(c) = visit(s, &next, &mut colour, &mut vec![]) {
                    return Some(c);
                }
            }
        }
        None
    }
}

/// Reads chain templates from JSON: one chain or a list of them. A byte-order mark is skipped.
pub fn chains_from_json(text: &str) -> Result<Vec<Chain>, String> {
    let text = text.trim_start_matches('\u{feff}');
    if let Ok(list) = serde_json::from_str::<Vec<Chain>>(text) {
        return Ok(list);
    }
    serde_json::from_str::<Chain>(text)
        .map(|c| vec![c])
        .map_err(|e| format!("产业链模板无法读取 / the chain template cannot be read: {e}"))
}

fn link(id: &str, name: &str, tier: Tier, codes: &[&str], keywords: &[&str]) -> Link {
    Link {
        id: id.into(),
        name: name.into(),
        tier,
        codes: codes.iter().map(|s| s.to_string()).collect(),
        keywords: keywords.iter().map(|s| s.to_string()).collect(),
    }
}

fn chain(name: &str, links: Vec<Link>, edges: &[(&str, &str)]) -> Chain {
    Chain {
        name: name.into(),
        version: 1,
        source: "莆田市重点产业链（鞋服、工艺美术、食品，及新型功能材料、电子信息、新能源、高端装备、生命健康）；环节与 GB/T 4754-2017 行业代码由 YiTu 按各链的上游原料、中游制造、下游流通整理，可编辑 / Putian's key chains (../shared/DOMAIN.md); links and GB/T 4754-2017 codes compiled by YiTu from each chain's materials, manufacturing and distribution, editable".into(),
        links,
        edges: edges
            .iter()
            .map(|(a, b)| [a.to_string(), b.to_string()])
            .collect(),
    }
}

/// Putian's key chains as default templates (editable; the sample county's firms are placed on them).
pub fn default_chains() -> Vec<Chain> {
    use Tier::*;
    vec![
        chain(
            "鞋服",
            vec![
                link(
                    "fabric",
                    "面料与化纤",
                    Up,
                    &["175", "176", "282"],
                    &["面料", "化纤", "纺织", "织带"],
                ),
                link(
                    "leather",
                    "皮革与鞋材",
                    Up,
                    &["191", "192", "2929"],
                    &["皮革", "鞋材", "鞋底", "橡塑"],
                ),
                link(
                    "shoes",
                    "制鞋",
                    Mid,
                    &["195"],
                    &["鞋业", "制鞋", "运动鞋", "皮鞋"],
                ),
                link(
                    "apparel",
                    "服装服饰",
                    Mid,
                    &["181", "182"],
                    &["服装", "服饰", "制衣"],
                ),
                link(
                    "trade",
                    "批发零售与品牌",
                    Down,
                    &["5132", "5133", "5232", "5233"],
                    &["鞋服贸易", "鞋帽批发", "服装批发"],
                ),
            ],
            &[
                ("fabric", "shoes"),
                ("fabric", "apparel"),
                ("leather", "shoes"),
                ("shoes", "trade"),
                ("apparel", "trade"),
            ],
        ),
        chain(
            "工艺美术",
            vec![
                link(
                    "materials",
                    "原料与配件",
                    Up,
                    &["2439", "2011"],
                    &["红木", "木材", "黄金", "原料"],
                ),
                link(
                    "carving",
                    "雕刻工艺品",
                    Mid,
                    &["2431", "2432"],
                    &["木雕", "雕刻", "工艺品", "石雕"],
                ),
                link(
                    "jewellery",
                    "黄金珠宝",
                    Mid,
                    &["2438"],
                    &["黄金", "珠宝", "首饰", "金银"],
                ),
                link(
                    "furniture",
                    "红木家具",
                    Mid,
                    &["2110"],
                    &["红木家具", "古典家具", "家具"],
                ),
                link(
                    "retail",
                    "流通与零售",
                    Down,
                    &["5146", "5245"],
                    &["珠宝零售", "工艺品批发", "拍卖"],
                ),
            ],
            &[
                ("materials", "carving"),
                ("materials", "jewellery"),
                ("materials", "furniture"),
                ("carving", "retail"),
                ("jewellery", "retail"),
                ("furniture", "retail"),
            ],
        ),
        chain(
            "食品",
            vec![
                link(
                    "raw",
                    "原料与辅料",
                    Up,
                    &["1391", "1495", "0141"],
                    &["淀粉", "麦芽", "添加剂", "原料"],
                ),
                link(
                    "processing",
                    "农副食品加工",
                    Mid,
                    &["13", "143"],
                    &["食品加工", "米面", "水产加工"],
                ),
                link(
                    "drinks",
                    "酒水饮料",
                    Mid,
                    &["151", "152"],
                    &["啤酒", "饮料", "酒业"],
                ),
                link(
                    "distribution",
                    "批发流通",
                    Down,
                    &["512", "522"],
                    &["食品批发", "冷链", "商贸"],
                ),
            ],
            &[
                ("raw", "processing"),
                ("raw", "drinks"),
                ("processing", "distribution"),
                ("drinks", "distribution"),
            ],
        ),
        chain(
            "电子信息",
            vec![
                link(
                    "materials",
                    "电子材料",
                    Up,
                    &["3091", "2662", "3985"],
                    &["电子材料", "石墨", "靶材"],
                ),
                link(
                    "devices",
                    "元器件与显示",
                    Mid,
                    &["397", "398"],
                    &["显示", "电路板", "元器件", "触控"],
                ),
                link(
                    "terminals",
                    "智能终端",
                    Mid,
                    &["396", "391"],
                    &["智能终端", "计算机", "通信设备"],
                ),
                link(
                    "services",
                    "软件与销售服务",
                    Down,
                    &["5176", "5137", "65"],
                    &["软件", "信息技术", "电子商务"],
                ),
            ],
            &[
                ("materials", "devices"),
                ("devices", "terminals"),
                ("terminals", "services"),
            ],
        ),
        chain(
            "新型功能材料",
            vec![
                link(
                    "chemicals",
                    "基础化工原料",
                    Up,
                    &["261", "265"],
                    &["化工", "树脂", "原料"],
                ),
                link(
                    "functional",
                    "功能材料",
                    Mid,
                    &["2662", "3091", "3099"],
                    &["新材料", "功能材料", "涂层"],
                ),
                link(
                    "products",
                    "材料制品",
                    Mid,
                    &["292", "3062"],
                    &["塑料制品", "复合材料"],
                ),
                link(
                    "trade",
                    "材料贸易与服务",
                    Down,
                    &["5169"],
                    &["材料贸易", "化工贸易"],
                ),
            ],
            &[
                ("chemicals", "functional"),
                ("functional", "products"),
                ("products", "trade"),
            ],
        ),
        chain(
            "新能源",
            vec![
                link(
                    "materials",
                    "电池材料",
                    Up,
                    &["2613", "3240", "2669"],
                    &["锂", "正极", "负极", "电解液"],
                ),
                link(
                    "cells",
                    "电池与储能",
                    Mid,
                    &["384"],
                    &["电池", "储能", "锂电"],
                ),
                link(
                    "power",
                    "光伏与风电装备",
                    Mid,
                    &["3825", "3415"],
                    &["光伏", "风电", "逆变器"],
                ),
                link(
                    "operation",
                    "发电与运维",
                    Down,
                    &["441", "4420"],
                    &["发电", "运维", "充电"],
                ),
            ],
            &[
                ("materials", "cells"),
                ("cells", "operation"),
                ("power", "operation"),
            ],
        ),
        chain(
            "高端装备",
            vec![
                link(
                    "parts",
                    "基础零部件",
                    Up,
                    &["345", "348", "331"],
                    &["轴承", "齿轮", "零部件", "铸件"],
                ),
                link(
                    "machines",
                    "专用与通用设备",
                    Mid,
                    &["34", "35"],
                    &["设备", "机械", "数控"],
                ),
                link(
                    "vehicles",
                    "船舶与运输装备",
                    Mid,
                    &["37", "36"],
                    &["船舶", "汽车零部件", "游艇"],
                ),
                link(
                    "services",
                    "装备销售与维修",
                    Down,
                    &["5179", "4390"],
                    &["维修", "设备销售"],
                ),
            ],
            &[
                ("parts", "machines"),
                ("parts", "vehicles"),
                ("machines", "services"),
                ("vehicles", "services"),
            ],
        ),
        chain(
            "生命健康",
            vec![
                link(
                    "raw",
                    "原料药与中药材",
                    Up,
                    &["271", "017"],
                    &["原料药", "中药材", "种植"],
                ),
                link(
                    "drugs",
                    "药品制造",
                    Mid,
                    &["272", "273", "274", "276"],
                    &["制药", "药业", "生物"],
                ),
                link(
                    "devices",
                    "医疗器械",
                    Mid,
                    &["358"],
                    &["医疗器械", "医疗设备", "耗材"],
                ),
                link(
                    "care",
                    "医药流通与健康服务",
                    Down,
                    &["515", "525", "84"],
                    &["医药", "药房", "健康", "医院"],
                ),
            ],
            &[("raw", "drugs"), ("drugs", "care"), ("devices", "care")],
        ),
    ]
}

/// The check character of an 18-character unified social credit code (统一社会信用代码, GB 32100-2015): characters
/// from `0-9A-Z` without I, O, S, V, Z valued 0–30, weights 3ⁱ mod 31, check = 31 − (Σ mod 31), 31 written as 0.
/// `None` when the 17 characters are not all from that set.
pub fn credit_check_char(first17: &str) -> Option<char> {
    const CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    const W: [u32; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    if first17.chars().count() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (c, w) in first17.chars().zip(W) {
        sum += CHARS.find(c)? as u32 * w;
    }
    CHARS.chars().nth(((31 - sum % 31) % 31) as usize)
}

/// Whether `code` is an 18-character unified social credit code with the right check character.
pub fn credit_code_valid(code: &str) -> bool {
    let code = code.trim();
    code.chars().count() == 18
        && code.is_ascii()
        && credit_check_char(&code[..17]) == code.chars().nth(17)
}

/// The GB/T 4754-2017 code tree, read from a table of `code,name,level,parent` (level 1 门类 … 4 小类).
#[derive(Debug, Clone, Default)]
pub struct IndustryCodes {
    names: BTreeMap<String, String>,
    parents: BTreeMap<String, String>,
}

impl IndustryCodes {
    /// Reads the CSV text (a header row first; quoted names may hold commas).
    pub fn from_csv(text: &str) -> Result<IndustryCodes, String> {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let mut t = IndustryCodes::default();
        for rec in r.records() {
            let rec = rec.map_err(|e| {
                format!("行业代码表无法读取 / the industry code table cannot be read: {e}")
            })?;
            let code = rec.get(0).unwrap_or("").trim().to_string();
            if code.is_empty() {
                continue;
            }
            t.names
                .insert(code.clone(), rec.get(1).unwrap_or("").trim().to_string());
            let parent = rec.get(3).unwrap_or("").trim();
            if !parent.is_empty() {
                t.parents.insert(code, parent.to_string());
            }
        }
        if t.names.is_empty() {
            return Err("行业代码表是空的 / the industry code table is empty".into());
        }
        Ok(t)
    }

    /// Number of codes.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether there are no codes.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The name of `code`.
    pub fn name(&self, code: &str) -> Option<&str> {
        self.names.get(code.trim()).map(|s| s.as_str())
    }

    /// Whether `code` is in the tree.
    pub fn contains(&self, code: &str) -> bool {
        self.names.contains_key(code.trim())
    }

    /// `code` and its ancestors up to its 门类, most specific first.
    pub fn lineage(&self, code: &str) -> Vec<String> {
        let mut out = vec![];
        let mut c = code.trim().to_string();
        while self.names.contains_key(&c) && out.len() < 5 {
            out.push(c.clone());
            match self.parents.get(&c) {
                Some(p) => c = p.clone(),
                None => break,
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_chains_are_sound() {
        let cs = default_chains();
        assert_eq!(cs.len(), 8);
        for c in &cs {
            assert!(c.problems().is_empty(), "{}: {:?}", c.name, c.problems());
            for t in [Tier::Up, Tier::Mid, Tier::Down] {
                assert!(
                    c.links.iter().any(|l| l.tier == t),
                    "{} has a {:?} link",
                    c.name,
                    t
                );
            }
        }
        // A template survives JSON, as one chain or a list.
        let json = serde_json::to_string(&cs).unwrap();
        assert_eq!(chains_from_json(&json).unwrap(), cs);
        let one = serde_json::to_string(&cs[0]).unwrap();
        assert_eq!(
            chains_from_json(&format!("\u{feff}{one}")).unwrap(),
            vec![cs[0].clone()]
        );
        assert!(json.contains("\"上游\""));
    }

    #[test]
    fn broken_templates_are_described() {
        let mut c = default_chains().remove(0);
        c.links.push(c.links[0].clone());
        c.links.push(link("x", "空环节", Tier::Down, &[], &[]));
        c.links
            .push(link("y", "坏代码", Tier::Down, &["99", "1X5", "Z"], &["k"]));
        c.edges.push(["shoes".into(), "fabric".into()]);
        c.edges.push(["trade".into(), "nowhere".into()]);
        let p = c.problems().join("\n");
        for want in [
            "重复",
            "既无行业代码也无关键词",
            "99",
            "1X5",
            "Z",
            "nowhere",
            "成环",
        ] {
            assert!(p.contains(want), "{want} in {p}");
        }
        let empty = Chain {
            name: "空".into(),
            version: 1,
            source: String::new(),
            links: vec![],
            edges: vec![],
        };
        assert!(empty.problems()[0].contains("没有环节"));
        assert!(chains_from_json("{").is_err());
    }

    #[test]
    fn credit_codes_carry_their_check_character() {
        // Check characters computed from the standard's rule for made-up codes round-trip, and any one wrong
        // character is caught.
        let base = "91350322MA2Y4K7L3";
        let c = credit_check_char(base).unwrap();
        let code = format!("{base}{c}");
        assert!(credit_code_valid(&code));
        for i in 0..18 {
            let mut chars: Vec<char> = code.chars().collect();
            chars[i] = if chars[i] == '0' { '1' } else { '0' };
            let bad: String = chars.into_iter().collect();
            assert!(!credit_code_valid(&bad), "{bad}");
        }
        assert_eq!(
            credit_check_char("91350322MA2Y4K7LI"),
            None,
            "I is not used"
        );
        // A published example.
        assert!(credit_code_valid("91350100M000100Y43"));
        assert!(!credit_code_valid("9135"));
    }

    #[test]
    fn code_shapes() {
        for ok in ["A", "T", "01", "97", "175", "1951"] {
            assert!(code_shape_ok(ok), "{ok}");
        }
        for bad in ["U", "a", "00", "98", "1X5", "19511", ""] {
            assert!(!code_shape_ok(bad), "{bad}");
        }
    }
}

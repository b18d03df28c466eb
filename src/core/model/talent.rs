//! The talent map's reference model (人才地图 §2): the Ministry of Education's major catalogues as code tables, the
//! crosswalk from chain links to majors (editable, versioned in the project, a reason per pair) and the masking of
//! personal names.
//!
//! Codes are text. The undergraduate catalogue (普通高等学校本科专业目录, 2020, 教高〔2020〕2号) has 门类 `01`–`13` and
//! 专业类 such as `0809` 计算机类; the vocational one (职业教育专业目录, 2021, 教职成〔2021〕2号, 高职专科) has 专业大类
//! `41`–`59` and 专业类 such as `5102` 计算机类. The ranges never overlap, so a code says its catalogue. A
//! 6-digit 专业 code (`080901` 计算机科学与技术) belongs to the 专业类 of its first four digits.

use serde::{Deserialize, Serialize};

/// Which catalogue a major is from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Education {
    /// 本科 (undergraduate).
    Undergraduate,
    /// 高职专科 (higher vocational).
    Vocational,
}

impl Education {
    /// The catalogue a code is from (`None` for a code of neither shape).
    pub fn of(code: &str) -> Option<Education> {
        let two: u32 = code.get(..2)?.parse().ok()?;
        if !code.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        match two {
            1..=13 => Some(Education::Undergraduate),
            41..=59 => Some(Education::Vocational),
            _ => None,
        }
    }

    /// 本科 / 高职.
    pub fn label(self) -> &'static str {
        match self {
            Education::Undergraduate => "本科",
            Education::Vocational => "高职",
        }
    }
}

/// One entry of a catalogue: a 门类 / 专业大类 (2 digits) or a 专业类 (4 digits).
#[derive(Debug, Clone, PartialEq)]
pub struct Major {
    /// The code, as text.
    pub code: String,
    /// The name, e.g. 计算机类.
    pub name: String,
    /// 门类, 专业大类 or 专业类.
    pub level: String,
    /// The parent's code (empty for a 门类 or 专业大类).
    pub parent: String,
}

/// A major catalogue with its year and document.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalogue {
    /// 本科 or 高职.
    pub education: Education,
    /// The catalogue's name.
    pub title: &'static str,
    /// The year of the edition.
    pub year: u16,
    /// The issuing document.
    pub document: &'static str,
    /// Its entries, in the published order.
    pub majors: Vec<Major>,
}

const UNDERGRADUATE: &str = include_str!("../../../assets/china/majors_undergraduate_2020.csv");
const VOCATIONAL: &str = include_str!("../../../assets/china/majors_vocational_2021.csv");

fn parse_catalogue(text: &str) -> Vec<Major> {
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f.len() == 4).then(|| Major {
                code: f[0].to_string(),
                name: f[1].to_string(),
                level: f[2].to_string(),
                parent: f[3].to_string(),
            })
        })
        .collect()
}

/// The two built-in catalogues: 本科 2020 and 高职 2021.
pub fn catalogues() -> &'static [Catalogue] {
    static C: std::sync::OnceLock<Vec<Catalogue>> = std::sync::OnceLock::new();
    C.get_or_init(|| {
        vec![
            Catalogue {
                education: Education::Undergraduate,
                title: "普通高等学校本科专业目录",
                year: 2020,
                document: "教高〔2020〕2号",
                majors: parse_catalogue(UNDERGRADUATE),
            },
            Catalogue {
                education: Education::Vocational,
                title: "职业教育专业目录（高等职业教育专科）",
                year: 2021,
                document: "教职成〔2021〕2号",
                majors: parse_catalogue(VOCATIONAL),
            },
        ]
    })
}

/// The catalogue entry of `code` (a 2- or 4-digit code; a 6-digit 专业 code gives its 专业类). `None` for anything
/// that is not a code of digits.
pub fn major(code: &str) -> Option<&'static Major> {
    let code = code.trim();
    if code.is_empty() || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let key = if code.len() >= 4 { &code[..4] } else { code };
    catalogues()
        .iter()
        .flat_map(|c| c.majors.iter())
        .find(|m| m.code == key)
}

/// A major code as written by hand or by a spreadsheet, made canonical: full-width digits made ASCII, the name
/// after the code dropped (`0802 机械类` → `0802`), and a leading zero a number column lost put back (`802` →
/// `0802`, `80901` → `080901`, `802.0` → `0802`) when the padded code is an undergraduate class. `None` when
/// there are no digits.
pub fn normalize_major_code(text: &str) -> Option<String> {
    let ascii: String = text
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            _ => c,
        })
        .collect();
    // A spreadsheet's number (802.0) keeps its digits before the point.
    let mut digits: String = ascii.chars().take_while(|c| c.is_ascii_digit()).collect();
    if digits.is_empty() {
        return None;
    }
    if (digits.len() == 3 || digits.len() == 5) && major(&format!("0{}", &digits[..3])).is_some() {
        digits.insert(0, '0');
    }
    Some(digits)
}
/// `code name` of a major code (the code alone when unknown).
pub fn major_label(code: &str) -> String {
    match major(code) {
        Some(m) => format!("{} {}", code, m.name),
        None => code.to_string(),
    }
}

/// Whether an institution's major `offered` serves the crosswalk's `wanted`: the same 专业类, or a 专业 of it
/// (`080901` serves `0809`), or `wanted` is a 专业 of the class offered only when `offered` is that 专业 itself.
pub fn serves(offered: &str, wanted: &str) -> bool {
    let (o, w) = (offered.trim(), wanted.trim());
    if o.is_empty() || w.is_empty() || o.len() < 4 {
        return false;
    }
    if w.len() <= o.len() {
        o.starts_with(w)
    } else {
        false
    }
}

/// The majors field of a source as codes: `0809 计算机类;0807 电子信息类`, `0809、0807`, `080901` — the leading
/// digits of each item separated by `;`, `；`, `、`, `,`, `，`, `|` or `/`; items without a code are named and looked
/// up in the catalogues by name (`计算机类` alone gives both catalogues' 计算机类 only when the school's
/// education level is unknown, else the one of its level).
pub fn parse_majors(text: &str, education: Option<Education>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in text.split([';', '；', '、', ',', '，', '|', '/']) {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        if let Some(code) = normalize_major_code(item).filter(|c| c.len() >= 4) {
            out.push(code);
            continue;
        }
        let name = item.trim_start_matches(|c: char| c.is_ascii_digit() || c.is_whitespace());
        out.extend(codes_named(name, education));
    }
    out.sort();
    out.dedup();
    out
}

/// The 专业类 codes whose name is `name` (both catalogues, or the one of `education`).
pub fn codes_named(name: &str, education: Option<Education>) -> Vec<String> {
    let name = name.trim();
    catalogues()
        .iter()
        .filter(|c| education.is_none_or(|e| e == c.education))
        .flat_map(|c| c.majors.iter())
        .filter(|m| m.name == name && m.level == "专业类")
        .map(|m| m.code.clone())
        .collect()
}

/// One pair of the crosswalk: a link of a chain served by a major, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrosswalkPair {
    /// The chain's name.
    pub chain: String,
    /// The link's id in that chain.
    pub link: String,
    /// The major's code (a 专业类, or a 专业 for a narrower match).
    pub major: String,
    /// Why the major serves the link.
    #[serde(default)]
    pub reason: String,
}

/// The crosswalk from chain links to majors (人才地图 §2), kept in the project and versioned like the templates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Crosswalk {
    /// Raised by every edit kept in a project.
    pub version: u32,
    /// Where it comes from.
    #[serde(default)]
    pub source: String,
    /// The pairs.
    pub pairs: Vec<CrosswalkPair>,
}

impl Crosswalk {
    /// The pairs made canonical: codes as [`normalize_major_code`] makes them, a major given by name (纺织服装类)
    /// replaced by its code in each catalogue that has it, names and links trimmed. Majors that are neither are
    /// kept as written, so [`Crosswalk::problems`] names them.
    pub fn normalized(mut self) -> Crosswalk {
        let mut pairs = Vec::new();
        for mut p in std::mem::take(&mut self.pairs) {
            p.chain = p.chain.trim().to_string();
            p.link = p.link.trim().to_string();
            match normalize_major_code(&p.major) {
                Some(c) => {
                    p.major = c;
                    pairs.push(p);
                }
                None => {
                    let codes = codes_named(&p.major, None);
                    if codes.is_empty() {
                        pairs.push(p);
                        continue;
                    }
                    for c in codes {
                        pairs.push(CrosswalkPair {
                            major: c,
                            ..p.clone()
                        });
                    }
                }
            }
        }
        self.pairs = pairs;
        self
    }

    /// The majors that serve `link` of `chain` (every link of it when `link` is `None`), deduplicated.
    pub fn majors_of(&self, chain: &str, link: Option<&str>) -> Vec<String> {
        let mut v: Vec<String> = self
            .pairs
            .iter()
            .filter(|p| p.chain == chain && link.is_none_or(|l| p.link == l))
            .map(|p| p.major.clone())
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// The pairs of `link` of `chain`.
    pub fn pairs_of<'a>(
        &'a self,
        chain: &'a str,
        link: &'a str,
    ) -> impl Iterator<Item = &'a CrosswalkPair> {
        self.pairs
            .iter()
            .filter(move |p| p.chain == chain && p.link == link)
    }

    /// What is wrong with the crosswalk against `chains`: pairs of an unknown chain or link, codes in no
    /// catalogue, a pair given twice, and links with no major at all.
    pub fn problems(&self, chains: &[crate::core::model::chain::Chain]) -> Vec<String> {
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for p in &self.pairs {
            match chains.iter().find(|c| c.name == p.chain) {
                None => out.push(format!(
                    "对照表中有未知的产业链 {} / the crosswalk names an unknown chain {}",
                    p.chain, p.chain
                )),
                Some(c) if c.link(&p.link).is_none() => out.push(format!(
                    "产业链 {} 没有环节 {} / chain {} has no link {}",
                    p.chain, p.link, p.chain, p.link
                )),
                _ => {}
            }
            if major(&p.major).is_none() || p.major.len() < 4 {
                out.push(format!(
                    "专业代码 {} 不在本科或高职专业目录中 / major code {} is in neither catalogue",
                    p.major, p.major
                ));
            }
            if !seen.insert((&p.chain, &p.link, &p.major)) {
                out.push(format!(
                    "{} · {} · {} 重复 / given twice",
                    p.chain, p.link, p.major
                ));
            }
        }
        for c in chains {
            for l in &c.links {
                if !self
                    .pairs
                    .iter()
                    .any(|p| p.chain == c.name && p.link == l.id)
                {
                    out.push(format!(
                        "{} · {} 没有对应专业，不会有人才来源 / {} · {} has no major: it will have no talent source",
                        c.name, l.name, c.name, l.id
                    ));
                }
            }
        }
        out
    }
}

/// The built-in crosswalk for the built-in Putian chains ([`crate::core::model::chain::default_chains`]): for each
/// link the 本科 and 高职 专业类 that train its workforce, with the reason (which specialities of the class).
pub fn default_crosswalk() -> Crosswalk {
    /// (chain, link, [(major, reason)]).
    type Row = (
        &'static str,
        &'static str,
        &'static [(&'static str, &'static str)],
    );
    const T: &[Row] = &[
        (
            "鞋服",
            "fabric",
            &[
                ("0816", "纺织工程、非织造材料：面料与纤维"),
                ("0804", "高分子材料与工程：化学纤维"),
                ("4804", "现代纺织技术、纺织品设计"),
            ],
        ),
        (
            "鞋服",
            "leather",
            &[
                ("0817", "轻化工程（皮革）：制革与鞋材"),
                ("0804", "高分子材料与工程：橡塑鞋底"),
                ("4801", "皮革加工技术"),
            ],
        ),
        (
            "鞋服",
            "shoes",
            &[
                ("0817", "轻工类的皮革与鞋类方向"),
                ("1305", "产品设计、服装与服饰设计：鞋类设计"),
                ("0802", "机械设计制造及其自动化：制鞋装备"),
                ("4804", "鞋类设计与工艺"),
                ("4601", "机械制造及自动化：生产线"),
            ],
        ),
        (
            "鞋服",
            "apparel",
            &[
                ("0816", "服装设计与工程"),
                ("1305", "服装与服饰设计"),
                ("4804", "服装设计与工艺"),
            ],
        ),
        (
            "鞋服",
            "trade",
            &[
                ("1208", "电子商务：品牌电商"),
                ("1202", "市场营销"),
                ("5307", "电子商务、跨境电子商务"),
                ("5306", "市场营销"),
            ],
        ),
        (
            "工艺美术",
            "materials",
            &[
                ("0824", "木材科学与工程"),
                ("0905", "林学：木材资源"),
                ("0804", "宝石及材料工艺学"),
                ("4102", "林业技术：木材资源"),
            ],
        ),
        (
            "工艺美术",
            "carving",
            &[
                ("1304", "雕塑"),
                ("1305", "工艺美术"),
                ("5503", "民族传统技艺"),
                ("5501", "雕刻艺术设计"),
            ],
        ),
        (
            "工艺美术",
            "jewellery",
            &[
                ("0804", "宝石及材料工艺学"),
                ("1305", "工艺美术：首饰设计"),
                ("5501", "首饰设计与工艺"),
            ],
        ),
        (
            "工艺美术",
            "furniture",
            &[
                ("0824", "家具设计与工程"),
                ("1305", "产品设计"),
                ("5501", "家具艺术设计"),
            ],
        ),
        (
            "工艺美术",
            "retail",
            &[
                ("1202", "市场营销"),
                ("1208", "电子商务"),
                ("5306", "市场营销"),
                ("5307", "电子商务"),
            ],
        ),
        (
            "食品",
            "raw",
            &[
                ("0901", "农学、园艺：原料生产"),
                ("0830", "生物工程：酶与添加剂"),
                ("4101", "作物生产与经营管理"),
                ("4701", "食品生物技术"),
            ],
        ),
        (
            "食品",
            "processing",
            &[
                ("0827", "食品科学与工程、食品质量与安全"),
                ("0906", "水产养殖学：水产品"),
                ("4901", "食品智能加工技术、食品检验检测技术"),
            ],
        ),
        (
            "食品",
            "drinks",
            &[
                ("0827", "酿酒工程"),
                ("0830", "生物工程：发酵"),
                ("4901", "酿酒技术"),
                ("4701", "发酵技术"),
            ],
        ),
        (
            "食品",
            "distribution",
            &[
                ("1206", "物流管理：冷链"),
                ("1208", "电子商务"),
                ("5308", "现代物流管理、冷链物流技术与管理"),
                ("5307", "电子商务"),
            ],
        ),
        (
            "电子信息",
            "materials",
            &[
                ("0804", "材料科学与工程、新能源材料与器件"),
                ("0807", "电子封装技术、微电子科学与工程"),
                ("4306", "非金属材料：电子陶瓷与石墨"),
            ],
        ),
        (
            "电子信息",
            "devices",
            &[
                ("0807", "电子信息工程、光电信息科学与工程"),
                ("0803", "测控技术与仪器"),
                ("5101", "电子信息工程技术、光电显示技术"),
                ("5104", "集成电路技术"),
            ],
        ),
        (
            "电子信息",
            "terminals",
            &[
                ("0807", "通信工程"),
                ("0809", "计算机科学与技术、物联网工程"),
                ("5101", "智能产品开发与应用"),
                ("5102", "计算机应用技术"),
                ("5103", "现代通信技术"),
            ],
        ),
        (
            "电子信息",
            "services",
            &[
                ("0809", "软件工程"),
                ("1208", "电子商务"),
                ("5102", "软件技术"),
                ("5307", "电子商务"),
            ],
        ),
        (
            "新型功能材料",
            "chemicals",
            &[
                ("0813", "化学工程与工艺"),
                ("0703", "化学、应用化学"),
                ("4702", "应用化工技术"),
            ],
        ),
        (
            "新型功能材料",
            "functional",
            &[
                ("0804", "功能材料、复合材料与工程"),
                ("0703", "应用化学"),
                ("4306", "材料工程技术"),
                ("4702", "精细化工技术"),
            ],
        ),
        (
            "新型功能材料",
            "products",
            &[
                ("0804", "高分子材料与工程、材料成型及控制工程"),
                ("0802", "机械工程：成型装备"),
                ("4702", "高分子合成材料"),
                ("4601", "模具设计与制造"),
            ],
        ),
        (
            "新型功能材料",
            "trade",
            &[
                ("1202", "市场营销"),
                ("0204", "国际经济与贸易"),
                ("5305", "国际经济与贸易"),
            ],
        ),
        (
            "新能源",
            "materials",
            &[
                ("0804", "新能源材料与器件"),
                ("0703", "化学：电化学"),
                ("0813", "化学工程与工艺"),
                ("4702", "应用化工技术"),
            ],
        ),
        (
            "新能源",
            "cells",
            &[
                ("0805", "储能科学与工程"),
                ("0806", "电气工程及其自动化"),
                ("0804", "新能源材料与器件"),
                ("4303", "储能材料技术"),
                ("4607", "新能源汽车技术：动力电池"),
            ],
        ),
        (
            "新能源",
            "power",
            &[
                ("0805", "新能源科学与工程"),
                ("0806", "电气工程及其自动化"),
                ("4303", "光伏工程技术、风力发电工程技术"),
                ("4301", "发电厂及电力系统"),
            ],
        ),
        (
            "新能源",
            "operation",
            &[
                ("0806", "电气工程及其自动化"),
                ("4301", "电力系统自动化技术"),
                ("4303", "新能源发电工程：运维"),
            ],
        ),
        (
            "高端装备",
            "parts",
            &[
                ("0802", "机械设计制造及其自动化"),
                ("0804", "材料成型及控制工程：铸锻"),
                ("4601", "机械制造及自动化"),
            ],
        ),
        (
            "高端装备",
            "machines",
            &[
                ("0802", "机械工程、智能制造工程"),
                ("0808", "自动化"),
                ("4601", "数控技术"),
                ("4602", "机电一体化技术"),
                ("4603", "工业机器人技术"),
            ],
        ),
        (
            "高端装备",
            "vehicles",
            &[
                ("0819", "船舶与海洋工程"),
                ("0802", "车辆工程"),
                ("4605", "船舶工程技术"),
                ("4607", "汽车制造与试验技术"),
            ],
        ),
        (
            "高端装备",
            "services",
            &[
                ("0802", "机械工程：设备维护"),
                ("1202", "市场营销"),
                ("4602", "机电设备技术：维修"),
            ],
        ),
        (
            "生命健康",
            "raw",
            &[
                ("1008", "中药学、中药资源与开发"),
                ("0813", "制药工程"),
                ("0901", "中草药栽培与鉴定"),
                ("5204", "中药学"),
                ("4902", "药品生产技术"),
            ],
        ),
        (
            "生命健康",
            "drugs",
            &[
                ("1007", "药学、药物制剂"),
                ("0813", "制药工程"),
                ("0830", "生物制药"),
                ("4902", "药品生产技术"),
                ("5203", "药学"),
            ],
        ),
        (
            "生命健康",
            "devices",
            &[
                ("0826", "生物医学工程"),
                ("0803", "测控技术与仪器"),
                ("4902", "医疗器械维护与管理"),
            ],
        ),
        (
            "生命健康",
            "care",
            &[
                ("1011", "护理学"),
                ("1007", "药学：药品经营"),
                ("5202", "护理"),
                ("5203", "药品经营与管理"),
                ("5208", "健康管理"),
            ],
        ),
    ];
    let mut pairs = Vec::new();
    for (chain, link, majors) in T {
        for (m, why) in *majors {
            pairs.push(CrosswalkPair {
                chain: chain.to_string(),
                link: link.to_string(),
                major: m.to_string(),
                reason: why.to_string(),
            });
        }
    }
    Crosswalk {
        version: 1,
        source: "YiTu 内置：按本科专业目录（2020）和职业教育专业目录（2021）的专业类，对照各环节的岗位 / built in, by major class against each link's jobs".into(),
        pairs,
    }
}

/// A person's name masked for export (人才地图 §1: personal data): the family name kept, every other character
/// `*` (张三丰 → 张**); a two-character name keeps its first (李四 → 李*); Latin names keep their first letter.
pub fn mask_name(name: &str) -> String {
    let name = name.trim();
    let mut chars = name.chars();
    match chars.next() {
        None => String::new(),
        Some(first) => {
            let rest = chars.filter(|c| !c.is_whitespace()).count().max(1);
            format!("{first}{}", "*".repeat(rest))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::chain::default_chains;

    #[test]
    fn catalogues_have_their_published_sizes() {
        let c = catalogues();
        let classes = |e: Education| {
            c.iter()
                .find(|x| x.education == e)
                .unwrap()
                .majors
                .iter()
                .filter(|m| m.level == "专业类")
                .count()
        };
        // 本科 2020: 92 专业类 in 12 门类 (without 军事学); 高职 2021: 97 专业类 in 19 专业大类.
        assert_eq!(classes(Education::Undergraduate), 92);
        assert_eq!(classes(Education::Vocational), 97);
        assert_eq!(major("0809").unwrap().name, "计算机类");
        assert_eq!(major("5102").unwrap().name, "计算机类");
        assert_eq!(major("080901").unwrap().code, "0809");
        for cat in c {
            for m in &cat.majors {
                assert_eq!(Education::of(&m.code), Some(cat.education), "{}", m.code);
                if m.level == "专业类" {
                    assert!(m.code.starts_with(&m.parent));
                }
            }
        }
    }

    #[test]
    fn default_crosswalk_covers_every_default_link_with_known_codes() {
        let cw = default_crosswalk();
        assert!(
            cw.problems(&default_chains()).is_empty(),
            "{:?}",
            cw.problems(&default_chains())
        );
        assert_eq!(cw.majors_of("鞋服", Some("shoes")).len(), 5);
        // Every link has both an undergraduate and a vocational major.
        for c in default_chains() {
            for l in &c.links {
                let m = cw.majors_of(&c.name, Some(&l.id));
                assert!(
                    m.iter()
                        .any(|x| Education::of(x) == Some(Education::Undergraduate)),
                    "{} {}",
                    c.name,
                    l.id
                );
                assert!(
                    m.iter()
                        .any(|x| Education::of(x) == Some(Education::Vocational)),
                    "{} {}",
                    c.name,
                    l.id
                );
            }
        }
    }

    #[test]
    fn majors_parse_from_codes_and_names() {
        assert_eq!(
            parse_majors("0809 计算机类;0807 电子信息类", None),
            vec!["0807", "0809"]
        );
        assert_eq!(parse_majors("080901、纺织类", None), vec!["080901", "0816"]);
        assert_eq!(
            parse_majors("计算机类", Some(Education::Vocational)),
            vec!["5102"]
        );
        assert_eq!(parse_majors("计算机类", None), vec!["0809", "5102"]);
        assert_eq!(
            parse_majors("802;０８０７ 电子信息类;80901", None),
            vec!["0802", "0807", "080901"]
        );
        assert!(parse_majors("纺织;48纺", None).is_empty());
        assert!(major("纺织服装类").is_none());
        assert!(major("０８").is_none());
        assert!(serves("080901", "0809"));
        assert!(serves("0809", "0809"));
        assert!(!serves("0809", "080901"));
        assert!(!serves("0807", "0809"));
    }

    #[test]
    fn names_are_masked() {
        assert_eq!(mask_name("张三丰"), "张**");
        assert_eq!(mask_name("李四"), "李*");
        assert_eq!(mask_name(" 欧阳明日 "), "欧***");
        assert_eq!(mask_name(""), "");
    }

    #[test]
    fn crosswalk_majors_by_name_or_lost_zero_are_made_codes() {
        let cw = Crosswalk {
            version: 1,
            source: String::new(),
            pairs: vec![
                CrosswalkPair {
                    chain: " 鞋服".into(),
                    link: "fabric ".into(),
                    major: "纺织服装类".into(),
                    reason: String::new(),
                },
                CrosswalkPair {
                    chain: "鞋服".into(),
                    link: "fabric".into(),
                    major: "816".into(),
                    reason: String::new(),
                },
                CrosswalkPair {
                    chain: "鞋服".into(),
                    link: "fabric".into(),
                    major: "纺织".into(),
                    reason: String::new(),
                },
            ],
        }
        .normalized();
        let m: Vec<&str> = cw.pairs.iter().map(|p| p.major.as_str()).collect();
        assert_eq!(m, vec!["4804", "0816", "纺织"]);
        assert_eq!(cw.pairs[0].chain, "鞋服");
        assert!(cw
            .problems(&default_chains())
            .iter()
            .any(|p| p.contains("纺织 ")));
    }

    #[test]
    fn problems_are_said() {
        let mut cw = default_crosswalk();
        cw.pairs.push(CrosswalkPair {
            chain: "鞋服".into(),
            link: "nope".into(),
            major: "9999".into(),
            reason: String::new(),
        });
        let p = cw.problems(&default_chains());
        assert!(p.iter().any(|x| x.contains("nope")));
        assert!(p.iter().any(|x| x.contains("9999")));
    }
}

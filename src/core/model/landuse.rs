//! The 三调 land-use classification (GB/T 21010-2017 working classes as used in the Third National
//! Land Survey): codes, names, the 农用地 / 建设用地 / 未利用地 groups and default map colours.
//! Codes are text ("0101", "05H1", "0201K") and are never parsed as numbers.

/// Land-use group of a class (see ../shared/DOMAIN.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum LandGroup {
    /// 农用地
    Agricultural,
    /// 建设用地
    Construction,
    /// 未利用地
    Unused,
}

impl LandGroup {
    /// Chinese name.
    pub fn name_zh(&self) -> &'static str {
        match self {
            LandGroup::Agricultural => "农用地",
            LandGroup::Construction => "建设用地",
            LandGroup::Unused => "未利用地",
        }
    }
}

/// One land-use class.
#[derive(Debug, Clone, Copy)]
pub struct LandClass {
    /// DLBM code.
    pub code: &'static str,
    /// DLMC name.
    pub name: &'static str,
    /// Default fill colour (approximating the 三调 图式).
    pub rgb: [u8; 3],
}

macro_rules! classes {
    ($(($c:literal, $n:literal, $r:literal, $g:literal, $b:literal)),* $(,)?) => {
        /// Every class YiTu knows, in code order.
        pub const CLASSES: &[LandClass] = &[$(LandClass { code: $c, name: $n, rgb: [$r, $g, $b] }),*];
    };
}

classes![
    ("0303", "红树林地", 60, 160, 110),
    ("0304", "森林沼泽", 80, 170, 140),
    ("0306", "灌丛沼泽", 110, 185, 150),
    ("0402", "沼泽草地", 150, 205, 170),
    ("0603", "盐田", 210, 200, 230),
    ("1105", "沿海滩涂", 190, 225, 240),
    ("1106", "内陆滩涂", 200, 230, 235),
    ("1108", "沼泽地", 160, 205, 215),
    ("0101", "水田", 248, 208, 114),
    ("0102", "水浇地", 252, 230, 140),
    ("0103", "旱地", 255, 251, 177),
    ("0201", "果园", 245, 170, 120),
    ("0202", "茶园", 215, 190, 110),
    ("0203", "橡胶园", 200, 170, 120),
    ("0204", "其他园地", 240, 195, 150),
    ("0201K", "可调整果园", 245, 190, 150),
    ("0202K", "可调整茶园", 225, 205, 140),
    ("0203K", "可调整橡胶园", 215, 190, 150),
    ("0204K", "可调整其他园地", 245, 210, 175),
    ("0301", "乔木林地", 56, 150, 70),
    ("0302", "竹林地", 100, 175, 80),
    ("0305", "灌木林地", 140, 195, 100),
    ("0307", "其他林地", 175, 215, 135),
    ("0301K", "可调整乔木林地", 110, 180, 110),
    ("0302K", "可调整竹林地", 140, 195, 120),
    ("0307K", "可调整其他林地", 195, 225, 165),
    ("0401", "天然牧草地", 190, 225, 140),
    ("0403", "人工牧草地", 205, 230, 150),
    ("0403K", "可调整人工牧草地", 215, 235, 175),
    ("0404", "其他草地", 215, 235, 170),
    ("05H1", "商业服务业设施用地", 240, 100, 100),
    ("0508", "物流仓储用地", 200, 130, 170),
    ("0601", "工业用地", 190, 150, 200),
    ("0602", "采矿用地", 170, 140, 150),
    ("0701", "城镇住宅用地", 255, 170, 160),
    ("0702", "农村宅基地", 255, 195, 180),
    ("08H1", "机关团体新闻出版用地", 245, 120, 190),
    ("08H2", "科教文卫用地", 250, 160, 210),
    ("0809", "公用设施用地", 225, 140, 150),
    ("0810", "公园与绿地", 130, 205, 120),
    ("0810A", "广场用地", 215, 225, 200),
    ("09", "特殊用地", 170, 110, 110),
    ("1001", "铁路用地", 150, 150, 150),
    ("1002", "轨道交通用地", 160, 160, 160),
    ("1003", "公路用地", 175, 175, 175),
    ("1004", "城镇村道路用地", 195, 195, 195),
    ("1005", "交通服务场站用地", 185, 185, 200),
    ("1006", "农村道路", 215, 200, 175),
    ("1007", "机场用地", 165, 165, 185),
    ("1008", "港口码头用地", 160, 170, 190),
    ("1009", "管道运输用地", 175, 165, 165),
    ("1101", "河流水面", 120, 180, 235),
    ("1102", "湖泊水面", 110, 170, 230),
    ("1103", "水库水面", 100, 160, 225),
    ("1104", "坑塘水面", 150, 205, 245),
    ("1104A", "养殖坑塘", 140, 195, 240),
    ("1104K", "可调整养殖坑塘", 165, 210, 245),
    ("1107", "沟渠", 140, 200, 245),
    ("1107A", "干渠", 130, 190, 240),
    ("1109", "水工建筑用地", 110, 140, 190),
    ("1110", "冰川及永久积雪", 235, 245, 250),
    ("1201", "空闲地", 225, 215, 195),
    ("1202", "设施农用地", 235, 205, 150),
    ("1203", "田坎", 230, 220, 170),
    ("1204", "盐碱地", 225, 225, 215),
    ("1205", "沙地", 240, 230, 200),
    ("1206", "裸土地", 220, 205, 185),
    ("1207", "裸岩石砾地", 200, 195, 190),
];

/// The class with code `code` (exact text match after trimming).
pub fn class(code: &str) -> Option<&'static LandClass> {
    let code = code.trim();
    CLASSES.iter().find(|c| c.code == code)
}

/// Whether the code is farmland (耕地: 0101, 0102, 0103).
pub fn is_farmland(code: &str) -> bool {
    matches!(code.trim(), "0101" | "0102" | "0103")
}

/// Whether the code is a "K" code: land converted from farmland with the plough layer intact.
pub fn is_recoverable(code: &str) -> bool {
    code.trim().ends_with('K')
}

/// The group of a code (农用地 / 建设用地 / 未利用地), per ../shared/DOMAIN.md.
pub fn group(code: &str) -> Option<LandGroup> {
    let c = code.trim();
    let c = c.strip_suffix('K').unwrap_or(c);
    let top = c.get(0..2)?;
    Some(match top {
        "01" | "02" | "03" => LandGroup::Agricultural,
        "04" => match c {
            "0401" | "0402" | "0403" => LandGroup::Agricultural,
            _ => LandGroup::Unused,
        },
        "05" | "06" | "07" | "08" | "09" => LandGroup::Construction,
        "10" => match c {
            "1006" => LandGroup::Agricultural,
            _ => LandGroup::Construction,
        },
        "11" => match c {
            "1103" | "1104" | "1104A" | "1107" | "1107A" => LandGroup::Agricultural,
            "1109" => LandGroup::Construction,
            _ => LandGroup::Unused,
        },
        "12" => match c {
            "1201" => LandGroup::Construction,
            "1202" | "1203" => LandGroup::Agricultural,
            _ => LandGroup::Unused,
        },
        _ => return None,
    })
}

/// A land-use code as the standard writes it: a four-digit code stored as a number by a
/// spreadsheet or a numeric field (101, 101.0) gets back its leading zero (0101); other codes
/// (two-digit 09, 05H1, 1203…) are unchanged.
pub fn normalize_code(raw: &str) -> std::borrow::Cow<'_, str> {
    let t = raw.trim();
    let t = t.strip_suffix(".0").unwrap_or(t);
    if t.len() == 3 && t.bytes().all(|b| b.is_ascii_digit()) {
        std::borrow::Cow::Owned(format!("0{t}"))
    } else {
        std::borrow::Cow::Borrowed(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_follow_domain() {
        assert_eq!(group("0101"), Some(LandGroup::Agricultural));
        assert_eq!(group("0201K"), Some(LandGroup::Agricultural));
        assert_eq!(group("05H1"), Some(LandGroup::Construction));
        assert_eq!(group("1006"), Some(LandGroup::Agricultural));
        assert_eq!(group("1003"), Some(LandGroup::Construction));
        assert_eq!(group("1101"), Some(LandGroup::Unused));
        assert_eq!(group("1104A"), Some(LandGroup::Agricultural));
        assert_eq!(group("1201"), Some(LandGroup::Construction));
        assert_eq!(group("0404"), Some(LandGroup::Unused));
        assert!(is_farmland("0102") && !is_farmland("0201"));
        assert_eq!(class("08H2").unwrap().name, "科教文卫用地");
        // Codes are unique.
        let mut codes: Vec<_> = CLASSES.iter().map(|c| c.code).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), CLASSES.len());
    }
}

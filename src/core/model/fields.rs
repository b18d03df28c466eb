//! The field dictionary: what a cadre reads instead of a raw field code. The 三调 layers' fields (DLTB, CJDCQ,
//! XZQ, YJJBNTTB…) with their Chinese names and units, from 《第三次全国国土调查数据库标准》(试行, 2019) and the
//! 三调 technical rules (TD/T 1055-2019); YiTu's own output fields (proposals, talent map, chains). A user's own
//! aliases (kept in the project) come first.

/// One field's alias: Chinese name, English name and unit (empty when none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldAlias {
    /// The field code (as stored, upper case for the 三调 fields).
    pub code: &'static str,
    /// Chinese name.
    pub zh: &'static str,
    /// English name.
    pub en: &'static str,
    /// Unit (m², 亩, …) or empty.
    pub unit: &'static str,
}

macro_rules! aliases {
    ($(($c:literal, $zh:literal, $en:literal, $u:literal)),* $(,)?) => {
        /// Every alias YiTu knows, the 三调 fields first.
        pub const ALIASES: &[FieldAlias] = &[$(FieldAlias { code: $c, zh: $zh, en: $en, unit: $u }),*];
    };
}

aliases![
    // 三调 (DLTB 地类图斑 and the layers sharing its fields)
    ("BSM", "标识码", "identifier", ""),
    ("YSDM", "要素代码", "feature code", ""),
    ("TBYBH", "图斑预编号", "parcel pre-number", ""),
    ("TBBH", "图斑编号", "parcel number", ""),
    ("DLBM", "地类编码", "land-use code", ""),
    ("DLMC", "地类名称", "land-use name", ""),
    ("QSXZ", "权属性质", "ownership type", ""),
    ("QSDWDM", "权属单位代码", "owner code", ""),
    ("QSDWMC", "权属单位名称", "owner name", ""),
    ("ZLDWDM", "坐落单位代码", "location unit code", ""),
    ("ZLDWMC", "坐落单位名称", "location unit name", ""),
    ("TBMJ", "图斑面积", "parcel area", "m²"),
    ("KCDLBM", "扣除地类编码", "deducted class code", ""),
    ("KCXS", "扣除地类系数", "deduction coefficient", ""),
    ("KCMJ", "扣除地类面积", "deducted area", "m²"),
    ("TBDLMJ", "图斑地类面积", "parcel class area", "m²"),
    ("GDLX", "耕地类型", "farmland type", ""),
    ("GDPDJB", "耕地坡度级别", "farmland slope grade", ""),
    ("XZDWKD", "线状地物宽度", "linear feature width", "m"),
    ("TBXHDM", "图斑细化代码", "parcel refinement code", ""),
    ("TBXHMC", "图斑细化名称", "parcel refinement name", ""),
    ("ZZSXDM", "种植属性代码", "planting attribute code", ""),
    ("ZZSXMC", "种植属性名称", "planting attribute name", ""),
    ("GDDB", "耕地等别", "farmland grade", ""),
    ("FRDBS", "飞入地标识", "detached-land flag", ""),
    ("CZCSXM", "城镇村属性码", "urban/village attribute", ""),
    ("SJNF", "数据年份", "data year", ""),
    ("MSSM", "描述说明", "description", ""),
    ("HDMC", "海岛名称", "island name", ""),
    ("BZ", "备注", "remarks", ""),
    // CJDCQ 村级调查区, XZQ 行政区
    ("DCMJ", "调查面积", "surveyed area", "m²"),
    ("JSMJ", "计算面积", "computed area", "m²"),
    ("XZQDM", "行政区代码", "division code", ""),
    ("XZQMC", "行政区名称", "division name", ""),
    ("KZMJ", "控制面积", "control area", "m²"),
    // YiTu's outputs
    ("项目名称", "项目名称", "project name", ""),
    ("面积_亩", "面积", "area", "亩"),
    ("耕地_亩", "耕地面积", "farmland area", "亩"),
    (
        "永农_亩",
        "永久基本农田面积",
        "permanent farmland area",
        "亩"
    ),
    ("红线_亩", "生态保护红线面积", "red line area", "亩"),
    ("MJ_MU", "面积", "area", "亩"),
    ("GD_MU", "耕地面积", "farmland area", "亩"),
    (
        "YJJBNT_MU",
        "永久基本农田面积",
        "permanent farmland area",
        "亩"
    ),
    ("STHX_MU", "生态保护红线面积", "red line area", "亩"),
    // The firms register (一产一档) and the talent sources (人才地图) as YiTu writes them
    ("name", "名称", "name", ""),
    (
        "credit_code",
        "统一社会信用代码",
        "unified social credit code",
        ""
    ),
    ("industry_code", "行业代码", "industry code (GB/T 4754)", ""),
    ("industry_name", "行业名称", "industry name", ""),
    ("chain", "产业链", "industry chain", ""),
    ("link", "产业链环节", "chain link", ""),
    ("link_name", "环节名称", "link name", ""),
    ("output_wan", "产值", "output", "万元"),
    ("tax_wan", "税收", "tax", "万元"),
    ("employees", "从业人员", "employees", "人"),
    ("is_lead", "链主企业", "lead firm", ""),
    ("village_code", "村代码", "village code", ""),
    ("village_name", "村名称", "village name", ""),
    ("kind", "类型", "type", ""),
    ("code", "代码", "code", ""),
    ("level", "办学层次", "level", ""),
    ("category", "类别", "category", ""),
    ("province", "省份", "province", ""),
    ("city", "城市", "city", ""),
    ("is985", "985 高校", "985 university", ""),
    ("is211", "211 高校", "211 university", ""),
    ("double_first", "双一流", "double first-class", ""),
    ("majors", "专业", "majors", ""),
    (
        "graduates",
        "年毕业生（专业类代码:人数）",
        "graduates a year (major code: count)",
        ""
    ),
    ("chains", "对应产业链", "industry chains served", ""),
    ("source", "来源", "source", ""),
    ("XMMC", "项目名称", "project name", ""),
    ("XMLX", "项目类型", "project type", ""),
    ("SQF", "申请方", "applicant", ""),
    ("JL", "核查结论", "verdict", ""),
];

/// The alias of field `code` (case-insensitive for ASCII codes), if YiTu knows it.
pub fn alias(code: &str) -> Option<&'static FieldAlias> {
    let code = code.trim();
    ALIASES.iter().find(|a| a.code.eq_ignore_ascii_case(code))
}

/// What a column title shows for field `code`: its Chinese (or English) name, else the code itself.
pub fn title(code: &str, zh: bool) -> String {
    match alias(code) {
        Some(a) if zh => a.zh.to_string(),
        Some(a) => a.en.to_string(),
        None => code.to_string(),
    }
}

/// The tooltip of field `code`: code, name and unit (`TBMJ · 图斑面积 (m²)`).
pub fn tooltip(code: &str) -> String {
    match alias(code) {
        Some(a) if a.unit.is_empty() => format!("{} · {} / {}", a.code, a.zh, a.en),
        Some(a) => format!("{} · {} / {} ({})", a.code, a.zh, a.en, a.unit),
        None => code.to_string(),
    }
}

/// A layer's own field aliases, field name → alias, set by the user (attribute table › right-click a title). Like
/// QGIS, YiTu keeps them with the layer's style ([`crate::core::model::style::LayerStyle::field_aliases`]), so they
/// travel with the project and with a copied style.
pub type UserAliases = std::collections::BTreeMap<String, String>;

/// The user's alias of `code` in `user` (exact name first, then ignoring ASCII case), if set and not blank.
pub fn user_alias<'a>(user: &'a UserAliases, code: &str) -> Option<&'a str> {
    user.get(code)
        .or_else(|| {
            user.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(code))
                .map(|(_, v)| v)
        })
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
}

/// [`title`] with the user's aliases first.
pub fn title_in(user: &UserAliases, code: &str, zh: bool) -> String {
    match user_alias(user, code) {
        Some(a) => a.to_string(),
        None => title(code, zh),
    }
}

/// [`tooltip`] with the user's alias first (`RK · 户籍人口（别名）`), followed by the dictionary's entry when the
/// code has one.
pub fn tooltip_in(user: &UserAliases, code: &str) -> String {
    match (user_alias(user, code), alias(code)) {
        (Some(u), Some(_)) => format!("{} · {u}（别名 / alias）\n{}", code.trim(), tooltip(code)),
        (Some(u), None) => format!("{} · {u}（别名 / alias）", code.trim()),
        (None, _) => tooltip(code),
    }
}

/// A bilingual column header for exports: the name a cadre reads with the code (and unit) a machine reads,
/// `图斑面积 (TBMJ, m²)` (English: `parcel area (TBMJ, m²)`); the user's alias first; a field without an alias keeps
/// its code. The code is kept so the file can be matched back to the data.
pub fn header_in(user: &UserAliases, code: &str, zh: bool) -> String {
    let unit = alias(code).map(|a| a.unit).unwrap_or("");
    let name = title_in(user, code, zh);
    let code = code.trim();
    match (name == code, unit.is_empty()) {
        (true, true) => code.to_string(),
        (true, false) => format!("{code} ({unit})"),
        (false, true) => format!("{name} ({code})"),
        (false, false) => format!("{name} ({code}, {unit})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_of_the_sample_parcels_has_an_alias() {
        for f in [
            "BSM", "YSDM", "TBBH", "DLBM", "DLMC", "QSXZ", "QSDWDM", "QSDWMC", "ZLDWDM", "ZLDWMC",
            "TBMJ", "KCDLBM", "KCXS", "KCMJ", "TBDLMJ", "GDLX", "GDPDJB", "GDDB", "ZZSXDM",
            "ZZSXMC", "CZCSXM", "SJNF", "BZ", "XZQDM", "XZQMC", "DCMJ",
        ] {
            assert!(alias(f).is_some(), "{f}");
        }
        assert_eq!(tooltip("tbmj"), "TBMJ · 图斑面积 / parcel area (m²)");
        assert_eq!(title("KCXS", true), "扣除地类系数");
        assert_eq!(title("own_field", true), "own_field");
        let mut codes: Vec<&str> = ALIASES.iter().map(|a| a.code).collect();
        codes.sort();
        let n = codes.len();
        codes.dedup();
        assert_eq!(codes.len(), n, "no code twice");
    }

    #[test]
    fn user_aliases_come_first_and_headers_keep_the_code() {
        let mut user = UserAliases::new();
        user.insert("rk".into(), " 户籍人口 ".into());
        user.insert("TBMJ".into(), "图斑面积（平方米）".into());
        user.insert("BLANK".into(), "  ".into());
        assert_eq!(title_in(&user, "RK", true), "户籍人口");
        assert_eq!(title_in(&user, "RK", false), "户籍人口");
        assert_eq!(title_in(&user, "BLANK", true), "BLANK");
        assert_eq!(title_in(&user, "DLBM", true), "地类编码");
        assert_eq!(header_in(&user, "RK", true), "户籍人口 (RK)");
        assert_eq!(
            header_in(&user, "TBMJ", true),
            "图斑面积（平方米） (TBMJ, m²)"
        );
        assert_eq!(
            header_in(&UserAliases::new(), "TBMJ", false),
            "parcel area (TBMJ, m²)"
        );
        assert_eq!(header_in(&user, "DLBM", true), "地类编码 (DLBM)");
        assert_eq!(header_in(&user, "own", true), "own");
        assert!(tooltip_in(&user, "TBMJ").contains("图斑面积 / parcel area (m²)"));
        assert_eq!(tooltip_in(&user, "RK"), "RK · 户籍人口（别名 / alias）");
    }
}

//! Layer roles: which layer of a file plays the villages, the parcels, the permanent farmland,
//! the red line, the development boundary, the enterprises or the towns in an analysis.
//!
//! A role is taken, in order, from
//! 1. the layer the user named (`--enterprises QY`, or the app's choice); a named layer that does
//!    not exist is an error, never a silent fallback;
//! 2. the layer names a department uses for it: the 三调 / 国土空间规划 names first (DLTB, CJDCQ,
//!    YJJBNTTB, STBHHX, CZKFBJ), then common Chinese and English aliases; case, and a prefix or
//!    suffix such as `DLTB_350322` or `2024年企业`, do not matter;
//! 3. failing that, the layer's schema (for enterprises: a point layer with a credit-code,
//!    industry-code or enterprise-name field; for parcels: a polygon layer with DLBM and
//!    TBDLMJ/TBMJ; for villages: a polygon layer with a village-code field and no DLBM).
//!
//! Every analysis reports the choice ([`RoleChoice`]), including the roles that found no layer.

use crate::core::model::layer::{DatasetInfo, LayerInfo};
use serde::Serialize;

/// What a layer does in an analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Village boundaries (村界, 三调 CJDCQ).
    Villages,
    /// Land-use parcels (地类图斑, 三调 DLTB).
    Parcels,
    /// Permanent basic farmland (永久基本农田, YJJBNTTB).
    PermanentFarmland,
    /// Ecological protection red line (生态保护红线, STBHHX).
    RedLine,
    /// Urban development boundary (城镇开发边界, CZKFBJ).
    DevBoundary,
    /// Enterprises (企业, points).
    Enterprises,
    /// Town boundaries (乡镇).
    Towns,
    /// Talent sources (人才资源: universities, institutes, training bases; points with their majors).
    TalentSources,
}

/// How a role's layer was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum How {
    /// Named by the user.
    Named,
    /// Found by its layer name.
    ByName,
    /// Found by its fields.
    BySchema,
    /// No layer found.
    Missing,
}

/// The layer chosen for a role, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoleChoice {
    /// The role.
    pub role: Role,
    /// The layer, `None` when no layer plays it.
    pub layer: Option<String>,
    /// How it was chosen.
    pub how: How,
    /// Other layers that could have played it (found by name or fields as well): the user
    /// should check the choice.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<String>,
    /// Layers named for the role whose geometry cannot play it (parcels stored as lines), with
    /// their geometry type.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub wrong_geometry: Vec<(String, String)>,
}

impl Role {
    /// The roles of a county's land and firm data (what the village file resolves), in the order they are
    /// reported; [`Role::TalentSources`] is the talent map's own and not among them.
    pub const ALL: [Role; 7] = [
        Role::Villages,
        Role::Parcels,
        Role::PermanentFarmland,
        Role::RedLine,
        Role::DevBoundary,
        Role::Enterprises,
        Role::Towns,
    ];

    /// Chinese and English name.
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            Role::Villages => ("村界", "villages"),
            Role::Parcels => ("地类图斑", "parcels"),
            Role::PermanentFarmland => ("永久基本农田", "permanent farmland"),
            Role::RedLine => ("生态保护红线", "ecological red line"),
            Role::DevBoundary => ("城镇开发边界", "urban development boundary"),
            Role::Enterprises => ("企业", "enterprises"),
            Role::Towns => ("乡镇", "towns"),
            Role::TalentSources => ("人才资源", "talent sources"),
        }
    }

    /// The command-line flag that names it.
    pub fn flag(self) -> &'static str {
        match self {
            Role::Villages => "--villages",
            Role::Parcels => "--parcels",
            Role::PermanentFarmland => "--permanent-farmland",
            Role::RedLine => "--red-line",
            Role::DevBoundary => "--dev-boundary",
            Role::Enterprises => "--enterprises",
            Role::Towns => "--towns",
            Role::TalentSources => "--sources",
        }
    }

    /// Whether a layer called `name` plays this role by its name: one of [`Role::aliases`], without regard to
    /// case.
    pub fn names(self, name: &str) -> bool {
        self.aliases().iter().any(|a| name.eq_ignore_ascii_case(a))
    }

    /// Layer names that play this role, most specific first (compared without regard to case).
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            Role::Villages => &[
                "CJDCQ",
                "村级调查区",
                "村界",
                "村级行政区",
                "行政村",
                "村庄界线",
                "CJQY",
                "CUNJIE",
                "villages",
                "village",
            ],
            Role::Parcels => &[
                "DLTB",
                "地类图斑",
                "土地利用现状",
                "现状地类",
                "parcels",
                "parcel",
                "landuse",
                "land_use",
            ],
            Role::PermanentFarmland => &[
                "YJJBNTTB",
                "YJJBNT",
                "永久基本农田",
                "永久基本农田图斑",
                "永农",
                "JBNTBHTB",
                "基本农田",
                "permanent_farmland",
                "pbf",
            ],
            Role::RedLine => &[
                "STBHHX",
                "生态保护红线",
                "生态红线",
                "STHX",
                "eco_redline",
                "red_line",
                "redline",
            ],
            Role::DevBoundary => &[
                "CZKFBJ",
                "城镇开发边界",
                "开发边界",
                "KFBJ",
                "dev_boundary",
                "urban_boundary",
                "ugb",
            ],
            Role::Enterprises => &[
                "enterprises",
                "enterprise",
                "QY",
                "QYXX",
                "QYML",
                "企业",
                "企业名录",
                "企业信息",
                "企业点",
                "工业企业",
                "规上企业",
                "companies",
                "company",
                "firms",
            ],
            Role::Towns => &[
                "XZQ",
                "行政区",
                "XZJX",
                "乡镇",
                "乡镇界",
                "镇界",
                "XZ",
                "towns",
                "town",
                "XIANGZHEN",
            ],
            Role::TalentSources => &[
                "talent_sources",
                "人才资源",
                "人才来源",
                "高校",
                "高等学校",
                "universities",
                "institutions",
            ],
        }
    }

    /// Words in a layer name that say it is something else (a reserve, a plan, a buffer), even
    /// though it carries the role's name: 永久基本农田储备区 is not permanent farmland.
    fn excluded_words(self) -> &'static [&'static str] {
        match self {
            Role::PermanentFarmland => &["储备", "后备", "整备", "补划", "调出", "reserve"],
            Role::RedLine | Role::DevBoundary => &["缓冲", "buffer", "调整前"],
            Role::Villages | Role::Towns => &["注记", "label"],
            Role::Parcels | Role::Enterprises | Role::TalentSources => &[],
        }
    }

    /// Whether a layer of this geometry type can play the role.
    fn fits_geometry(self, geometry_type: &str) -> bool {
        let g = geometry_type.to_ascii_uppercase();
        match self {
            Role::Enterprises | Role::TalentSources => {
                g.contains("POINT") || g == "GEOMETRY" || g == "UNKNOWN"
            }
            _ => {
                g.contains("POLYGON") || g.contains("SURFACE") || g == "GEOMETRY" || g == "UNKNOWN"
            }
        }
    }

    /// Whether the layer's fields say it plays the role (the fallback after names).
    fn fits_schema(self, l: &LayerInfo) -> bool {
        let has = |names: &[&str]| {
            l.fields
                .iter()
                .any(|f| names.iter().any(|n| f.name.eq_ignore_ascii_case(n)))
        };
        let g = l.geometry_type.to_ascii_uppercase();
        match self {
            Role::Enterprises => {
                g.contains("POINT")
                    && has(&[
                        "统一社会信用代码",
                        "社会信用代码",
                        "信用代码",
                        "TYSHXYDM",
                        "SHXYDM",
                        "XYDM",
                        "USCC",
                        "credit_code",
                        "行业代码",
                        "HYDM",
                        "industry_code",
                        "企业名称",
                        "QYMC",
                        "enterprise_name",
                        "company_name",
                    ])
            }
            Role::Parcels => g.contains("POLYGON") && has(&["DLBM"]) && has(&["TBDLMJ", "TBMJ"]),
            Role::TalentSources => {
                g.contains("POINT") && has(&["majors", "专业", "开设专业", "ZY"])
            }
            Role::Villages => {
                g.contains("POLYGON")
                    && !has(&["DLBM"])
                    && has(&["ZLDWDM", "CJDM", "村代码", "CUNDM"])
            }
            _ => false,
        }
    }
}

/// Whether `name` is `alias`, or carries it as a whole token (`DLTB_350322`, `2024 企业`), or,
/// for a Chinese alias, contains it.
fn name_matches(name: &str, alias: &str) -> bool {
    if name.eq_ignore_ascii_case(alias) {
        return true;
    }
    if !alias.is_ascii() {
        return name.contains(alias);
    }
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|t| t.eq_ignore_ascii_case(alias))
        || {
            // An ASCII alias glued to a code or year: DLTB350322, 2024DLTB.
            let lower = name.to_ascii_lowercase();
            let a = alias.to_ascii_lowercase();
            a.len() >= 4
                && (lower.starts_with(&a) || lower.ends_with(&a))
                && lower
                    .replacen(&a, "", 1)
                    .chars()
                    .all(|c| !c.is_ascii_alphabetic())
        }
}

/// Chooses the layer of `info` for `role`: the `named` one, else by name, else by schema.
/// `taken` lists layers already given to other roles (never chosen twice). Errors only when a
/// named layer does not exist.
pub fn resolve(
    info: &DatasetInfo,
    role: Role,
    named: Option<&str>,
    taken: &[String],
) -> anyhow::Result<RoleChoice> {
    if let Some(n) = named.filter(|n| !n.trim().is_empty()) {
        let l = info
            .layers
            .iter()
            .find(|l| l.name == n)
            .or_else(|| info.layers.iter().find(|l| l.name.eq_ignore_ascii_case(n)))
            .ok_or_else(|| {
                let (zh, en) = role.label();
                let names: Vec<&str> = info.layers.iter().map(|l| l.name.as_str()).collect();
                anyhow::anyhow!(
                    "没有图层 {n}（{zh}）；文件中的图层：{} / no layer {n} ({en}); the file has: {}",
                    names.join("、"),
                    names.join(", ")
                )
            })?;
        return Ok(RoleChoice {
            role,
            layer: Some(l.name.clone()),
            how: How::Named,
            alternatives: vec![],
            wrong_geometry: vec![],
        });
    }
    let free = |l: &&LayerInfo| {
        !taken.iter().any(|t| t == &l.name)
            && role.fits_geometry(&l.geometry_type)
            && !role
                .excluded_words()
                .iter()
                .any(|w| l.name.to_lowercase().contains(&w.to_lowercase()))
    };
    // Exact names first, over all aliases; then names carrying an alias. Every layer that could
    // play the role is noted, so a second candidate is said.
    let mut found: Vec<&LayerInfo> = Vec::new();
    for exact in [true, false] {
        for a in role.aliases() {
            for l in info.layers.iter().filter(free).filter(|l| {
                if exact {
                    l.name.eq_ignore_ascii_case(a)
                } else {
                    name_matches(&l.name, a)
                }
            }) {
                if !found.iter().any(|f| f.name == l.name) {
                    found.push(l);
                }
            }
        }
    }
    if let Some((first, rest)) = found.split_first() {
        return Ok(RoleChoice {
            role,
            layer: Some(first.name.clone()),
            how: How::ByName,
            alternatives: rest.iter().map(|l| l.name.clone()).collect(),
            wrong_geometry: vec![],
        });
    }
    let by_schema: Vec<&LayerInfo> = info
        .layers
        .iter()
        .filter(free)
        .filter(|l| role.fits_schema(l))
        .collect();
    Ok(match by_schema.split_first() {
        Some((first, rest)) => RoleChoice {
            role,
            layer: Some(first.name.clone()),
            how: How::BySchema,
            alternatives: rest.iter().map(|l| l.name.clone()).collect(),
            wrong_geometry: vec![],
        },
        None => RoleChoice {
            role,
            layer: None,
            how: How::Missing,
            alternatives: vec![],
            // Say so when a layer has the role's name but the wrong geometry.
            wrong_geometry: info
                .layers
                .iter()
                .filter(|l| !role.fits_geometry(&l.geometry_type))
                .filter(|l| role.aliases().iter().any(|a| name_matches(&l.name, a)))
                .map(|l| (l.name.clone(), l.geometry_type.clone()))
                .collect(),
        },
    })
}

impl RoleChoice {
    /// One line for the user: "企业 / enterprises: QY (按名称 / by name)" or what is missing.
    pub fn describe(&self) -> String {
        let (zh, en) = self.role.label();
        let also = if self.alternatives.is_empty() {
            String::new()
        } else {
            format!(
                "；另有可能的图层 / other candidates: {}（可用 {} 指定 / name one with {}）",
                self.alternatives.join("、"),
                self.role.flag(),
                self.role.flag()
            )
        };
        let line = match (&self.layer, self.how) {
            (Some(l), How::Named) => format!("{zh} / {en}: {l}（指定 / named）"),
            (Some(l), How::ByName) => format!("{zh} / {en}: {l}（按图层名 / by layer name）"),
            (Some(l), How::BySchema) => format!("{zh} / {en}: {l}（按字段 / by its fields）"),
            _ => format!(
                "{zh} / {en}: 未找到图层，相关数值不可用（可用 {} 指定）/ no layer found, its figures are not available (name one with {})",
                self.role.flag(),
                self.role.flag()
            ),
        };
        let wrong: Vec<String> = self
            .wrong_geometry
            .iter()
            .map(|(l, g)| format!("{l} ({g})"))
            .collect();
        let wrong = if wrong.is_empty() {
            String::new()
        } else {
            format!(
                "；图层 {} 的几何类型不对，不能用作{zh} / layer {} has the wrong geometry type for the {en}",
                wrong.join("、"),
                wrong.join(", ")
            )
        };
        line + &also + &wrong
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::attrs::{Field, FieldType};
    use crate::core::model::crs::Crs;

    fn layer(name: &str, geom: &str, fields: &[&str]) -> LayerInfo {
        LayerInfo {
            name: name.into(),
            geometry_type: geom.into(),
            geometry_column: Some("geom".into()),
            crs: Crs::epsg(4528),
            feature_count: 1,
            fields: fields
                .iter()
                .map(|f| Field {
                    name: f.to_string(),
                    ftype: FieldType::Text,
                    source_type: "TEXT".into(),
                })
                .collect(),
            extent: None,
        }
    }

    fn info(layers: Vec<LayerInfo>) -> DatasetInfo {
        DatasetInfo {
            path: "x.gpkg".into(),
            driver: "GPKG".into(),
            layers,
            warnings: vec![],
        }
    }

    #[test]
    fn roles_by_name_by_schema_and_missing() {
        let i = info(vec![
            layer("cjdcq", "MULTIPOLYGON", &["ZLDWDM"]),
            layer("DLTB_350322", "MULTIPOLYGON", &["DLBM", "TBDLMJ"]),
            layer("QY", "POINT", &["企业名称"]),
            layer("点位", "POINT", &["统一社会信用代码"]),
        ]);
        let r = |role| resolve(&i, role, None, &[]).unwrap();
        assert_eq!(r(Role::Villages).layer.as_deref(), Some("cjdcq"));
        assert_eq!(r(Role::Parcels).layer.as_deref(), Some("DLTB_350322"));
        assert_eq!(r(Role::Enterprises).layer.as_deref(), Some("QY"));
        assert_eq!(r(Role::Enterprises).how, How::ByName);
        assert_eq!(r(Role::RedLine).how, How::Missing);
        // Without a name, the schema decides.
        let j = info(vec![layer("点位", "POINT", &["统一社会信用代码"])]);
        let e = resolve(&j, Role::Enterprises, None, &[]).unwrap();
        assert_eq!((e.layer.as_deref(), e.how), (Some("点位"), How::BySchema));
        // A named layer that does not exist is an error.
        assert!(resolve(&i, Role::Enterprises, Some("QY2"), &[]).is_err());
        // A reserve is not permanent farmland; two candidates are both said.
        let r = info(vec![
            layer("永久基本农田储备区", "MULTIPOLYGON", &[]),
            layer("永久基本农田保护图斑", "MULTIPOLYGON", &[]),
            layer("基本农田", "MULTIPOLYGON", &[]),
        ]);
        let c = resolve(&r, Role::PermanentFarmland, None, &[]).unwrap();
        // The exact alias first, the other candidate said; the reserve never.
        assert_eq!(c.layer.as_deref(), Some("基本农田"));
        assert_eq!(c.alternatives, vec!["永久基本农田保护图斑".to_string()]);
        assert!(c.describe().contains("永久基本农田保护图斑") && !c.describe().contains("储备"));
        // A polygon layer never plays the enterprises.
        let k = info(vec![layer("QY", "MULTIPOLYGON", &[])]);
        assert_eq!(
            resolve(&k, Role::Enterprises, None, &[]).unwrap().how,
            How::Missing
        );
    }
}

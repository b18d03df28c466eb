//! 一村一档: the file of every village, computed as one algorithm for the app, the CLI and the
//! tests.
//!
//! - Identity: 12-digit code, name, town, area (ellipsoidal, CGCS2000).
//! - Land use by DLBM class and by group (农用地 / 建设用地 / 未利用地). A parcel lying in several
//!   villages gives each the share of its TBDLMJ equal to the share of its area inside it. 田坎
//!   (KCMJ where KCDLBM = 1203) is its own class.
//! - The farmland ledger 耕地一本账: 水田 / 水浇地 / 旱地 from TBDLMJ (never TBMJ), ridge
//!   deductions, permanent basic farmland (geometric area of YJJBNTTB ∩ village), farmland inside
//!   and outside it, slope grades (GDPDJB), recovery potential (K codes), farmland per head.
//! - Planning controls: village area inside the ecological red line (STBHHX) and the urban
//!   development boundary (CZKFBJ).
//! - Industry: enterprises located in the village, by chain and link, output, tax, employees.
//! - Department indicators joined to the village, with their source.
//! - Ranks within the town and the county, and flags.
//!
//! Areas are summed in m² and converted to 亩 once (1 亩 = 10000/15 m²).

use super::overlay::{Shares, Zones};
use super::roles::{self, Role, RoleChoice};
use crate::core::data::cache::DataTable;
use crate::core::data::join::{join, JoinSpec};
use crate::core::io::gpkg::{FeatureRead, ReadOptions};
use crate::core::model::crs::{Crs, Transformer};
use crate::core::model::landuse::{self, LandGroup};
use crate::core::model::layer::DatasetInfo;
use crate::core::model::progress::Progress;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// The ledger row of the 田坎 deducted from the farmland parcels (Σ KCMJ of 0101–0103 parcels): what it is,
/// the same in the panel, the chart, the report and the exports (it is not the farmland after deduction).
pub const FARMLAND_RIDGE_LABEL: &str = "耕地图斑扣除的田坎";

/// m² per 亩.
pub const M2_PER_MU: f64 = 10_000.0 / 15.0;

/// 亩 per 公顷.
pub const MU_PER_HA: f64 = 15.0;

/// Slope grades of farmland (GDPDJB), in order.
pub const SLOPE_GRADES: [(&str, &str); 5] = [
    ("1", "≤2°"),
    ("2", "2°–6°"),
    ("3", "6°–15°"),
    ("4", "15°–25°"),
    ("5", ">25°"),
];

/// A department table to join to the villages as indicators.
pub struct IndicatorSource {
    /// How it is joined (layer field of the village layer ↔ table column).
    pub spec: JoinSpec,
    /// The table (a cached dataset version).
    pub table: DataTable,
}

/// Which layers play which role (each `None`: found by name or schema, see [`super::roles`])
/// and what to compute.
#[derive(Default)]
pub struct ProfileOptions {
    /// Village boundaries (default: CJDCQ or an alias).
    pub villages: Option<String>,
    /// Land parcels (default: DLTB or an alias).
    pub parcels: Option<String>,
    /// Permanent basic farmland (skipped, with a note, when no layer plays it).
    pub permanent_farmland: Option<String>,
    /// Ecological protection red line.
    pub eco_redline: Option<String>,
    /// Urban development boundary.
    pub dev_boundary: Option<String>,
    /// Enterprises (points).
    pub enterprises: Option<String>,
    /// Town boundaries: give each village its town where the village layer has no town field.
    pub towns: Option<String>,
    /// Only the farmland ledger: farmland parcels, permanent farmland; no other classes,
    /// controls or enterprises.
    pub ledger_only: bool,
    /// Department tables joined to the villages.
    pub indicators: Vec<IndicatorSource>,
    /// Other data files whose layers may play roles (a project's layers in separate files, such
    /// as one shapefile per layer).
    pub extra_files: Vec<std::path::PathBuf>,
}

impl ProfileOptions {
    /// The layer named for `role`, if any.
    pub fn named(&self, role: Role) -> Option<&str> {
        match role {
            Role::Villages => self.villages.as_deref(),
            Role::Parcels => self.parcels.as_deref(),
            Role::PermanentFarmland => self.permanent_farmland.as_deref(),
            Role::RedLine => self.eco_redline.as_deref(),
            Role::DevBoundary => self.dev_boundary.as_deref(),
            Role::Enterprises => self.enterprises.as_deref(),
            Role::Towns => self.towns.as_deref(),
            Role::TalentSources => None,
        }
    }
}

impl ProfileOptions {
    /// Names the layer of `role` (`None`: found automatically).
    pub fn set(&mut self, role: Role, layer: Option<String>) {
        let slot = match role {
            Role::Villages => &mut self.villages,
            Role::Parcels => &mut self.parcels,
            Role::PermanentFarmland => &mut self.permanent_farmland,
            Role::RedLine => &mut self.eco_redline,
            Role::DevBoundary => &mut self.dev_boundary,
            Role::Enterprises => &mut self.enterprises,
            Role::Towns => &mut self.towns,
            Role::TalentSources => return,
        };
        *slot = layer;
    }
}

/// The layer of every role in `info` for `opts` (named, by name, by schema, or missing).
/// Errors when a named layer is absent, or no layer plays the villages or the parcels.
pub fn resolve_roles(info: &DatasetInfo, opts: &ProfileOptions) -> anyhow::Result<Vec<RoleChoice>> {
    let mut out: Vec<RoleChoice> = Vec::new();
    for role in Role::ALL {
        let taken: Vec<String> = out.iter().filter_map(|c| c.layer.clone()).collect();
        let c = roles::resolve(info, role, opts.named(role), &taken)?;
        if c.layer.is_none() && matches!(role, Role::Villages | Role::Parcels) {
            let (zh, en) = role.label();
            if let Some((l, g)) = c.wrong_geometry.first() {
                anyhow::bail!(
                    "图层 {l} 是 {g}，不是面图层，不能用作{zh} / layer {l} is {g}, not polygons: it cannot be the {en}"
                );
            }
            let names: Vec<&str> = info.layers.iter().map(|l| l.name.as_str()).collect();
            anyhow::bail!(
                "没有找到{zh}图层（请用 {flag} 指定；文件中的图层：{}）/ no {en} layer found (name one with {flag}; the file has: {})",
                names.join("、"),
                names.join(", "),
                flag = role.flag()
            );
        }
        out.push(c);
    }
    Ok(out)
}

/// Fields that hold a village's code, in order of preference (the first 12 characters are the
/// code: a 19-digit ZLDWDM is cut to its village).
pub const VILLAGE_CODE_FIELDS: &[&str] = &["ZLDWDM", "CJDM", "XZQDM", "DM", "村代码"];
/// Fields of a town layer that hold the town's name, in order of preference.
pub const TOWN_NAME_FIELDS: &[&str] = &[
    "XZMC",
    "XZQMC",
    "乡镇名称",
    "乡镇",
    "镇名",
    "MC",
    "NAME",
    "name",
];

/// Fields that hold a village's name, in order of preference.
pub const VILLAGE_NAME_FIELDS: &[&str] = &["ZLDWMC", "CJMC", "XZQMC", "MC", "村名称"];

/// Which villages a profile, a map or an export covers.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
pub enum Scope {
    /// Every village.
    #[default]
    County,
    /// The villages of one town (9-digit code; a name until [`Scope::resolve`]).
    Town(String),
    /// One village (12-digit code; a name until [`Scope::resolve`]).
    Village(String),
}

/// A village or town name as people write it, reduced for comparing: no spaces, full-width digits and letters
/// made half-width, and the committee suffixes (村民委员会, 村委会, 居民委员会, 居委会) dropped.
pub fn name_key(name: &str) -> String {
    let mut s: String = name
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' => {
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
            c => c,
        })
        .collect();
    for suffix in ["村民委员会", "居民委员会", "村委会", "居委会", "委员会"] {
        if let Some(stem) = s.strip_suffix(suffix) {
            s = stem.to_string();
            if suffix.starts_with('村') {
                s.push('村');
            }
            break;
        }
    }
    s
}

/// How alike two names are: the characters they share (in order), for listing the closest names.
fn likeness(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut t = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in 0..a.len() {
        for j in 0..b.len() {
            t[i + 1][j + 1] = if a[i] == b[j] {
                t[i][j] + 1
            } else {
                t[i][j + 1].max(t[i + 1][j])
            };
        }
    }
    t[a.len()][b.len()]
}

impl Scope {
    /// The scope with a village or town given by name turned into its code, from `villages` (code, name, town
    /// name): 横塘村 → 350322…, 鲤南镇 → its 9-digit code. A code is kept as it is. Errors: an unknown name (the
    /// closest names listed with their codes), a name several villages share (each listed with its town and
    /// code).
    pub fn resolve<'a>(
        &self,
        villages: impl Iterator<Item = (&'a str, &'a str, &'a str)> + Clone,
    ) -> Result<Scope, String> {
        let is_code = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
        match self {
            Scope::County => Ok(Scope::County),
            Scope::Village(v) if is_code(v) => Ok(self.clone()),
            Scope::Town(t) if is_code(t) => Ok(self.clone()),
            Scope::Village(v) => {
                let key = name_key(v);
                let hits: Vec<(&str, &str, &str)> = villages
                    .clone()
                    .filter(|(_, n, _)| {
                        let k = name_key(n);
                        k == key
                            || k.strip_suffix(['村', '社']).unwrap_or(&k) == key
                            || format!("{key}村") == k
                            || format!("{key}社区") == k
                    })
                    .collect();
                match hits.as_slice() {
                    [(code, _, _)] => Ok(Scope::Village(code.to_string())),
                    [] => {
                        let mut all: Vec<(usize, String)> = villages
                            .map(|(c, n, t)| (likeness(&key, &name_key(n)), format!("{n}（{t}，{c}）")))
                            .filter(|x| x.0 > 0)
                            .collect();
                        all.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
                        all.dedup_by(|a, b| a.1 == b.1);
                        let near: Vec<String> = all.into_iter().take(5).map(|x| x.1).collect();
                        Err(format!(
                            "没有名为“{v}”的村 / no village named “{v}”{}",
                            if near.is_empty() {
                                String::new()
                            } else {
                                format!("；最接近的 / closest: {}", near.join("、"))
                            }
                        ))
                    }
                    many => Err(format!(
                        "“{v}”有 {} 个同名村，请用代码 / {} villages are named “{v}”; give the code: {}",
                        many.len(),
                        many.len(),
                        many.iter()
                            .map(|(c, n, t)| format!("{n}（{t}）{c}"))
                            .collect::<Vec<_>>()
                            .join("、")
                    )),
                }
            }
            Scope::Town(t) => {
                let key = name_key(t);
                let strip = |k: &str| -> String {
                    k.trim_end_matches("街道")
                        .trim_end_matches(['镇', '乡'])
                        .to_string()
                };
                let mut codes: Vec<(String, String)> = villages
                    .clone()
                    .filter(|(_, _, town)| {
                        let k = name_key(town);
                        !k.is_empty() && (k == key || strip(&k) == strip(&key))
                    })
                    .map(|(c, _, town)| (c.chars().take(9).collect(), town.to_string()))
                    .collect();
                codes.sort();
                codes.dedup();
                match codes.as_slice() {
                    [(code, _)] => Ok(Scope::Town(code.clone())),
                    [] => {
                        let mut towns: Vec<(String, String)> = villages
                            .map(|(c, _, town)| (town.to_string(), c.chars().take(9).collect()))
                            .filter(|x| !x.0.is_empty())
                            .collect();
                        towns.sort();
                        towns.dedup();
                        let mut near: Vec<(usize, String)> = towns
                            .into_iter()
                            .map(|(n, c)| (likeness(&key, &name_key(&n)), format!("{n}（{c}）")))
                            .collect();
                        near.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
                        Err(format!(
                            "没有名为“{t}”的乡镇 / no town named “{t}”；可用 / known: {}",
                            near.into_iter()
                                .take(8)
                                .map(|x| x.1)
                                .collect::<Vec<_>>()
                                .join("、")
                        ))
                    }
                    many => Err(format!(
                        "“{t}”对应多个乡镇代码，请用代码 / “{t}” matches several town codes; give one: {}",
                        many.iter()
                            .map(|(c, n)| format!("{n} {c}"))
                            .collect::<Vec<_>>()
                            .join("、")
                    )),
                }
            }
        }
    }

    /// Whether the village with this code is in scope.
    pub fn contains(&self, village_code: &str) -> bool {
        match self {
            Scope::County => true,
            Scope::Town(t) => village_code.starts_with(t.as_str()),
            Scope::Village(v) => village_code == v,
        }
    }
}

/// One enterprise chain inside a village.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ChainInVillage {
    /// Enterprises.
    pub enterprises: usize,
    /// Output value, 万元.
    pub output_wan: f64,
    /// Tax, 万元.
    pub tax_wan: f64,
    /// Employees.
    pub employees: f64,
    /// Lead firms (链主).
    pub lead_firms: usize,
    /// Enterprises per link (环节: tier and name, e.g. "中游 鞋服制造").
    pub links: BTreeMap<String, usize>,
}

/// A department indicator of a village.
#[derive(Debug, Clone, Serialize)]
pub struct Indicator {
    /// Name (the dataset column).
    pub name: String,
    /// Value; `None` when the table has no row for the village.
    pub value: Option<f64>,
    /// Where it comes from: dataset, department, version, import date.
    pub source: String,
}

/// A village's rank for one indicator (1 = largest).
#[derive(Debug, Clone, Serialize)]
pub struct Rank {
    /// Rank within its town.
    pub town: usize,
    /// Villages in the town with a value.
    pub town_of: usize,
    /// Rank within the county (all villages of the run).
    pub county: usize,
    /// Villages with a value.
    pub county_of: usize,
}

/// The file of one village. Areas in 亩.
#[derive(Debug, Clone, Serialize)]
pub struct VillageProfile {
    /// 12-digit village code.
    pub code: String,
    /// Village name.
    pub name: String,
    /// 9-digit town code.
    pub town_code: String,
    /// Town name (where the village layer has one).
    pub town_name: String,
    /// Area of the village polygon on the CGCS2000 ellipsoid.
    pub area_mu: f64,
    /// Area in 公顷.
    pub area_ha: f64,
    /// Planar area in the analysis CRS (what the land classes are apportioned against).
    pub planar_area_mu: f64,
    /// Farmland (耕地) = 水田 + 水浇地 + 旱地, from TBDLMJ.
    pub farmland_mu: f64,
    /// 水田 0101.
    pub paddy_mu: f64,
    /// 水浇地 0102.
    pub irrigated_mu: f64,
    /// 旱地 0103.
    pub dry_mu: f64,
    /// 田坎: KCMJ of parcels whose KCDLBM is 1203.
    pub ridge_mu: f64,
    /// Ridge deductions of the farmland parcels (their KCMJ).
    pub farmland_ridge_mu: f64,
    /// Permanent basic farmland inside the village (geometric area).
    pub permanent_farmland_mu: f64,
    /// Farmland (TBDLMJ) lying inside permanent basic farmland.
    pub farmland_in_permanent_mu: f64,
    /// Farmland (TBDLMJ) outside permanent basic farmland.
    pub farmland_outside_permanent_mu: f64,
    /// Farmland by slope grade (GDPDJB "1"–"5"; "" where the grade is missing).
    pub slope_mu: BTreeMap<String, f64>,
    /// Recovery potential: land with a K code, by code.
    pub recoverable_mu: BTreeMap<String, f64>,
    /// Recovery potential in all.
    pub recoverable_total_mu: f64,
    /// Land use by DLBM (1203 includes the ridges), 亩.
    pub landuse_mu: BTreeMap<String, f64>,
    /// 农用地.
    pub agricultural_mu: f64,
    /// 建设用地.
    pub construction_mu: f64,
    /// 未利用地.
    pub unused_mu: f64,
    /// Village area inside the ecological protection red line.
    pub eco_redline_mu: f64,
    /// Village area inside the urban development boundary.
    pub dev_boundary_mu: f64,
    /// Enterprises located in the village.
    pub enterprises: usize,
    /// Their output value, 万元.
    pub enterprise_output_wan: f64,
    /// Their tax, 万元.
    pub enterprise_tax_wan: f64,
    /// Their employees.
    pub enterprise_employees: f64,
    /// By industry chain.
    pub chains: BTreeMap<String, ChainInVillage>,
    /// Department indicators.
    pub indicators: Vec<Indicator>,
    /// Registered population used for the per-head figure (where a population table is joined).
    pub population: Option<f64>,
    /// Farmland per head, 亩.
    pub farmland_per_head_mu: Option<f64>,
    /// Ranks of the main indicators (key: field name of this struct or indicator name).
    pub ranks: BTreeMap<String, Rank>,
    /// Things a cadre should look at, in Chinese and English.
    pub flags: Vec<String>,
    /// Parcels wholly or partly in the village.
    pub parcels: usize,
    /// Share of the village's area covered by parcels (TBMJ), 0–1.
    pub parcel_coverage: f64,
    /// The layer that played each role (`villages`, `parcels`, `permanent_farmland`, `red_line`,
    /// `dev_boundary`, `enterprises`, `towns`; `null` where no layer did: its figures are not
    /// available, not zero).
    pub layer_roles: BTreeMap<String, Option<String>>,
}

impl VillageProfile {
    fn new(code: String, name: String, town_name: String, area_m2: f64, planar_m2: f64) -> Self {
        VillageProfile {
            town_code: code.chars().take(9).collect(),
            code,
            name,
            town_name,
            area_mu: area_m2 / M2_PER_MU,
            area_ha: area_m2 / 10_000.0,
            planar_area_mu: planar_m2 / M2_PER_MU,
            farmland_mu: 0.0,
            paddy_mu: 0.0,
            irrigated_mu: 0.0,
            dry_mu: 0.0,
            ridge_mu: 0.0,
            farmland_ridge_mu: 0.0,
            permanent_farmland_mu: 0.0,
            farmland_in_permanent_mu: 0.0,
            farmland_outside_permanent_mu: 0.0,
            slope_mu: BTreeMap::new(),
            recoverable_mu: BTreeMap::new(),
            recoverable_total_mu: 0.0,
            landuse_mu: BTreeMap::new(),
            agricultural_mu: 0.0,
            construction_mu: 0.0,
            unused_mu: 0.0,
            eco_redline_mu: 0.0,
            dev_boundary_mu: 0.0,
            enterprises: 0,
            enterprise_output_wan: 0.0,
            enterprise_tax_wan: 0.0,
            enterprise_employees: 0.0,
            chains: BTreeMap::new(),
            indicators: vec![],
            population: None,
            farmland_per_head_mu: None,
            ranks: BTreeMap::new(),
            flags: vec![],
            layer_roles: BTreeMap::new(),
            parcels: 0,
            parcel_coverage: 0.0,
        }
    }

    /// The value of a main indicator by key (see [`RANKED`]).
    pub fn metric(&self, key: &str) -> Option<f64> {
        Some(match key {
            "area_mu" => self.area_mu,
            "farmland_mu" => self.farmland_mu,
            "permanent_farmland_mu" => self.permanent_farmland_mu,
            "construction_mu" => self.construction_mu,
            "recoverable_total_mu" => self.recoverable_total_mu,
            "enterprises" => self.enterprises as f64,
            "enterprise_output_wan" => self.enterprise_output_wan,
            "population" => return self.population,
            "farmland_per_head_mu" => return self.farmland_per_head_mu,
            other => {
                return self
                    .indicators
                    .iter()
                    .find(|i| i.name == other)
                    .and_then(|i| i.value)
            }
        })
    }
}

/// The main indicators ranked for every village: key, Chinese label, English label.
pub const RANKED: [(&str, &str, &str); 9] = [
    ("area_mu", "村域面积", "area"),
    ("farmland_mu", "耕地", "farmland"),
    (
        "permanent_farmland_mu",
        "永久基本农田",
        "permanent farmland",
    ),
    ("construction_mu", "建设用地", "construction land"),
    ("recoverable_total_mu", "可恢复耕地", "recovery potential"),
    ("enterprises", "企业数", "enterprises"),
    ("enterprise_output_wan", "企业产值", "enterprise output"),
    ("population", "户籍人口", "population"),
    ("farmland_per_head_mu", "人均耕地", "farmland per head"),
];

/// What the data looked like: the checks behind the warnings.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DataQuality {
    /// Parcels read.
    pub parcels: usize,
    /// Parcels without geometry (not counted; their TBDLMJ in 亩 below).
    pub empty_parcels: usize,
    /// TBDLMJ of the parcels without geometry, 亩.
    pub empty_parcels_mu: f64,
    /// Parcels whose drawn area differs from TBMJ by more than 5 % (self-intersecting or
    /// otherwise broken polygons, or wrong TBMJ).
    pub area_mismatch_parcels: usize,
    /// Parcels outside every village.
    pub parcels_outside: usize,
    /// Their TBDLMJ, 亩.
    pub parcels_outside_mu: f64,
    /// Pairs of villages that overlap, with the overlap in 亩.
    pub overlaps: Vec<(String, String, f64)>,
    /// Villages without any parcel.
    pub villages_without_parcels: Vec<String>,
    /// Parcels whose TBDLMJ ≠ TBMJ − KCMJ (beyond 0.01 m²).
    pub tbdlmj_mismatch: usize,
    /// Invalid polygons repaired (GEOS MakeValid) before computing, per layer.
    pub repaired: Vec<(String, usize)>,
    /// Parcels whose DLBM was stored as a number (101) and was read as the code (0101).
    pub dlbm_repaired: usize,
    /// Parcels with an empty TBDLMJ, counted as TBMJ − KCMJ.
    pub tbdlmj_missing: usize,
}

/// The files of every village and what the user should know about the data.
#[derive(Debug, Clone, Serialize)]
pub struct Profiles {
    /// One per village (every village of the layer; filter with [`Scope`]).
    pub villages: Vec<VillageProfile>,
    /// Warnings (missing fields, fallbacks, data problems), in Chinese and English.
    pub warnings: Vec<String>,
    /// The checks behind the warnings.
    pub quality: DataQuality,
    /// Data sources: file, layers, department tables.
    pub sources: Vec<String>,
    /// Which layer played which role (and the roles that found none).
    pub roles: Vec<RoleChoice>,
    /// The file each role's layer was read from (a project may keep layers in several files).
    pub role_files: BTreeMap<String, std::path::PathBuf>,
    /// CRS the areas were computed in.
    pub crs: String,
    /// Whether only the farmland ledger was computed.
    pub ledger_only: bool,
}

impl Profiles {
    /// The layer that played `role` and the file it was read from.
    pub fn layer_of(&self, role: Role) -> Option<(std::path::PathBuf, String)> {
        let l = self
            .roles
            .iter()
            .find(|c| c.role == role)
            .and_then(|c| c.layer.clone())?;
        Some((self.role_files.get(&l)?.clone(), l))
    }

    /// The villages in `scope`.
    pub fn in_scope<'a>(&'a self, scope: &'a Scope) -> impl Iterator<Item = &'a VillageProfile> {
        self.villages
            .iter()
            .filter(move |v| scope.contains(&v.code))
    }

    /// The average of a main indicator over the villages of a town (those with a value).
    pub fn town_average(&self, town_code: &str, key: &str) -> Option<f64> {
        let vals: Vec<f64> = self
            .villages
            .iter()
            .filter(|v| v.town_code == town_code)
            .filter_map(|v| v.metric(key))
            .collect();
        (!vals.is_empty()).then(|| vals.iter().sum::<f64>() / vals.len() as f64)
    }
}

pub(crate) fn cancelled<T>(_: T) -> anyhow::Error {
    anyhow::anyhow!("已取消 / cancelled")
}

/// Reads a layer for analysis (no display projection), through GDAL where the file is not a
/// GeoPackage; its polygons are made valid and OGC-oriented ([`super::repair::make_fit`]). The
/// reader's warnings (encoding guessed, CRS guessed, shapes repaired…) go to `warnings`; the
/// number of repaired shapes to `repaired`.
pub(crate) fn read_layer(
    path: &Path,
    layer: &str,
    opts: ReadOptions,
    progress: &Progress,
    warnings: &mut Vec<String>,
    repaired: &mut Vec<(String, usize)>,
) -> anyhow::Result<FeatureRead> {
    let mut r = read_raw(path, layer, opts, progress)?;
    let stats = super::repair::make_fit(&mut r.geoms);
    warnings.append(&mut r.warnings);
    if let Some(w) = stats.warning(&r.name) {
        warnings.push(w);
    }
    if stats.repaired > 0 {
        repaired.push((r.name.clone(), stats.repaired));
    }
    Ok(r)
}

fn read_raw(
    path: &Path,
    layer: &str,
    opts: ReadOptions,
    progress: &Progress,
) -> anyhow::Result<FeatureRead> {
    if crate::core::io::read::is_geopackage(path) {
        match crate::core::io::gpkg::read(path, Some(layer), &opts, progress) {
            Err(crate::core::model::error::YituError::NeedsGdal(_)) => {}
            r => return Ok(r?),
        }
    }
    let l = crate::core::io::read::load_layer(path, Some(layer), progress)?;
    Ok(FeatureRead {
        name: l.name,
        crs: l.crs,
        fids: l.fids,
        geoms: l.geoms,
        attrs: l.attrs,
        display: None,
        warnings: l.warnings,
    })
}

/// Reads a layer with all its fields, in `crs` (see [`read_layer`]).
pub(crate) fn read_whole(
    path: &Path,
    layer: &str,
    crs: &Crs,
    progress: &Progress,
    warnings: &mut Vec<String>,
    repaired: &mut Vec<(String, usize)>,
) -> anyhow::Result<FeatureRead> {
    let opts = ReadOptions {
        display: false,
        ..Default::default()
    };
    let mut l = read_layer(path, layer, opts, progress, warnings, repaired)?;
    reproject(&mut l, crs, warnings)?;
    Ok(l)
}

/// Reads only the geometry of a layer, in `crs` (see [`read_layer`]).
pub(crate) fn read_shapes(
    path: &Path,
    layer: &str,
    crs: &Crs,
    warnings: &mut Vec<String>,
    repaired: &mut Vec<(String, usize)>,
    progress: &Progress,
) -> anyhow::Result<FeatureRead> {
    let opts = ReadOptions {
        fields: Some(vec![]),
        filter: None,
        display: false,
    };
    let mut l = read_layer(path, layer, opts, progress, warnings, repaired)?;
    reproject(&mut l, crs, warnings)?;
    // An area layer: a place inside two of its polygons is inside once.
    let merged = super::repair::dissolve_overlaps(&mut l.geoms);
    if merged > 0 {
        warnings.push(format!(
            "图层 {layer}：{merged} 个面与其他面重叠（重复录入或相互覆盖），已合并后计算，重叠部分只计一次 / layer {layer}: {merged} polygons overlap others (entered twice or drawn over each other); merged so the overlap counts once"
        ));
    }
    Ok(l)
}

/// The projected CRS the analysis runs in: the villages' own, or for geographic villages the
/// CGCS2000 3-degree Gauss-Krüger zone (EPSG:4534–4554) at their centre.
fn analysis_crs(villages: &FeatureRead) -> anyhow::Result<Crs> {
    analysis_crs_of(&villages.crs, &villages.geoms)
}

/// The projected CRS an analysis of villages given in `crs` runs in (see [`analysis_crs`]).
pub fn analysis_crs_of(
    crs: &Crs,
    geoms: &crate::core::model::geom::GeometryStore,
) -> anyhow::Result<Crs> {
    anyhow::ensure!(
        !crs.is_unknown(),
        "村界图层坐标系未知 / the village layer has no known CRS"
    );
    let ext = geoms.extent();
    let lon = if crs.is_geographic() {
        ext.center().0
    } else {
        // A projected CRS is kept where its scale at the villages' centre is within 0.1 % of
        // true (a Gauss-Krüger zone, a UTM zone); Web Mercator (scale 1/cos φ, +23 % at 25°N) or
        // a GK zone far from its central meridian would make every geometric area wrong.
        match projected_scale(crs, &ext) {
            Some((scale, lon)) if (scale - 1.0).abs() > 1e-3 => lon,
            Some(_) => return Ok(crs.clone()),
            None => return Ok(crs.clone()),
        }
    };
    let cm = ((lon / 3.0).round() * 3.0).clamp(75.0, 135.0);
    Ok(Crs::epsg(4534 + ((cm - 75.0) / 3.0) as u32))
}

/// The area scale of projected `crs` at the centre of `ext` (planar area / ellipsoidal area of a
/// small square there) and the centre's longitude; `None` when it cannot be computed.
fn projected_scale(crs: &Crs, ext: &crate::core::model::geom::BBox) -> Option<(f64, f64)> {
    if ext.is_empty() {
        return None;
    }
    let t = Transformer::to_lonlat(crs).ok()?;
    let (cx, cy) = ext.center();
    let d = (ext.width().max(ext.height()) / 100.0).clamp(1.0, 1000.0);
    let mut sq = crate::core::model::geom::GeometryStore::new();
    for (x, y) in [
        (cx, cy),
        (cx + d, cy),
        (cx + d, cy + d),
        (cx, cy + d),
        (cx, cy),
    ] {
        sq.push_coord(x, y);
    }
    sq.end_ring();
    sq.end_part();
    sq.end_feature(crate::core::model::geom::GeomKind::Polygon);
    let planar = sq.planar_area(0);
    t.transform(&mut sq.coords).ok()?;
    let lon = sq.coords[0][0];
    let geodesic = geodesic_area_m2(&sq, 0);
    (lon.is_finite() && geodesic.is_finite() && geodesic > 0.0).then(|| (planar / geodesic, lon))
}

/// Brings `layer` into `crs`; says so in `warnings`.
pub(crate) fn reproject(
    layer: &mut FeatureRead,
    crs: &Crs,
    warnings: &mut Vec<String>,
) -> anyhow::Result<()> {
    if layer.crs.epsg.is_some() && layer.crs.epsg == crs.epsg {
        return Ok(());
    }
    anyhow::ensure!(
        !layer.crs.is_unknown(),
        "图层 {} 坐标系未知，无法与村界叠加 / layer {} has no known CRS and cannot be overlaid",
        layer.name,
        layer.name
    );
    let t = Transformer::between(&layer.crs, crs).map_err(|e| anyhow::anyhow!("{e}"))?;
    t.transform(&mut layer.geoms.coords)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    layer.geoms.recompute_bboxes();
    if crs != &layer.crs {
        warnings.push(format!(
            "图层 {} 由 {} 投影到 {} 后计算 / layer {} reprojected from {} to {}",
            layer.name,
            layer.crs.label(),
            crs.label(),
            layer.name,
            layer.crs.label(),
            crs.label()
        ));
    }
    layer.crs = crs.clone();
    Ok(())
}

/// Ellipsoidal area (m²) of every polygon of `geoms`, given in `crs`, on the CGCS2000 ellipsoid
/// (GRS80; geo uses WGS84, whose flattening differs by 1e-11: no difference at this precision).
/// Each ring is oriented first (exterior counter-clockwise, holes clockwise, in lon/lat), so the
/// area is |exterior| − |holes| whatever order the rings were drawn in; a clockwise exterior
/// would otherwise give the Earth's surface minus the polygon.
fn ellipsoidal_areas(
    geoms: &crate::core::model::geom::GeometryStore,
    crs: &Crs,
) -> Option<Vec<f64>> {
    let t = Transformer::to_lonlat(crs).ok()?;
    let mut ll = geoms.clone();
    t.transform(&mut ll.coords).ok()?;
    let areas: Vec<f64> = (0..ll.len()).map(|f| geodesic_area_m2(&ll, f)).collect();
    // Coordinates the CRS cannot place (a .prj without the zone number over coordinates with
    // it): no ellipsoidal area, rather than NaN.
    areas.iter().all(|a| a.is_finite()).then_some(areas)
}

/// Ellipsoidal area (m²) of polygon `f` of a lon/lat store, independent of ring orientation,
/// start point and part order.
pub fn geodesic_area_m2(ll: &crate::core::model::geom::GeometryStore, f: usize) -> f64 {
    use geo::orient::{Direction, Orient};
    use geo::GeodesicArea;
    super::overlay::to_multipolygon(ll, f)
        .orient(Direction::Default)
        .geodesic_area_unsigned()
}

fn field(read: &FeatureRead, names: &[&str]) -> Option<usize> {
    names.iter().find_map(|n| read.attrs.field_index(n))
}

/// A field named like one of `names` followed by a unit in brackets: 产值（万元）, 税收(万元).
fn field_with_unit(read: &FeatureRead, names: &[&str]) -> Option<usize> {
    names.iter().find_map(|n| {
        read.attrs.fields.iter().position(|f| {
            f.name
                .strip_prefix(n)
                .is_some_and(|rest| rest.trim_start().starts_with(['(', '（', '[', '【']))
        })
    })
}

fn text_of(read: &FeatureRead, col: Option<usize>, r: usize) -> String {
    col.map(|c| read.attrs.get(r, c).to_string())
        .unwrap_or_default()
}

fn num_of(read: &FeatureRead, col: Option<usize>, r: usize) -> f64 {
    col.and_then(|c| read.attrs.get(r, c).as_f64())
        .unwrap_or(0.0)
}

/// Σ over features of (geometric area × share) per zone, in m².
fn zone_areas(zones: &Zones, layer: &FeatureRead, progress: &Progress) -> anyhow::Result<Vec<f64>> {
    let shares = zones.overlay(&layer.geoms, progress).map_err(cancelled)?;
    let mut out = vec![0.0; zones.len()];
    for (f, sh) in shares.iter().enumerate() {
        let a = layer.geoms.planar_area(f);
        for &(z, s) in sh {
            out[z as usize] += a * s;
        }
    }
    Ok(out)
}

/// The layers of `path` and of the other files a project names (a village layer and a parcel layer may be two
/// shapefiles), and the file each layer is read from (a name in two files: the first). An unreadable extra file
/// is said in `warnings` and left out; an unreadable `path` is an error.
pub fn dataset_layers(
    path: &Path,
    extra_files: &[std::path::PathBuf],
    warnings: &mut Vec<String>,
) -> anyhow::Result<(DatasetInfo, HashMap<String, std::path::PathBuf>)> {
    let mut info = crate::core::io::read::inspect(path)?;
    let mut layer_file: HashMap<String, std::path::PathBuf> = info
        .layers
        .iter()
        .map(|l| (l.name.clone(), path.to_path_buf()))
        .collect();
    for extra in extra_files.iter().filter(|e| e.as_path() != path) {
        match crate::core::io::read::inspect(extra) {
            Ok(i) => {
                for l in i.layers {
                    if !layer_file.contains_key(&l.name) {
                        layer_file.insert(l.name.clone(), extra.clone());
                        info.layers.push(l);
                    }
                }
            }
            Err(e) => warnings.push(format!("{}: {e}", extra.display())),
        }
    }
    Ok((info, layer_file))
}

/// Computes the file of every village of `path`.
pub fn profile(
    path: &Path,
    opts: &ProfileOptions,
    progress: &Progress,
) -> anyhow::Result<Profiles> {
    let mut warnings = Vec::new();
    let timing = std::env::var_os("YITU_TIMING").is_some();
    let t0 = std::time::Instant::now();
    let stage = |what: &str| {
        if timing {
            eprintln!(
                "  profile: {what} after {:.3} s",
                t0.elapsed().as_secs_f64()
            );
        }
    };
    let (info, layer_file) = dataset_layers(path, &opts.extra_files, &mut warnings)?;
    let file_of = |layer: &str| {
        layer_file
            .get(layer)
            .cloned()
            .unwrap_or_else(|| path.to_path_buf())
    };
    let roles = resolve_roles(&info, opts)?;
    for c in roles.iter().filter(|c| !c.alternatives.is_empty()) {
        warnings.push(c.describe());
    }
    let layer_of = |role: Role| {
        roles
            .iter()
            .find(|c| c.role == role)
            .and_then(|c| c.layer.clone())
    };
    let village_layer = layer_of(Role::Villages).expect("resolved");
    let parcel_layer = layer_of(Role::Parcels).expect("resolved");
    let mut sources = vec![format!("数据 / data: {}", path.display())];
    sources.extend(
        roles
            .iter()
            .filter(|c| c.layer.is_some())
            .map(|c| c.describe()),
    );
    let mut repaired: Vec<(String, usize)> = Vec::new();
    progress.stage("villages / 村界", 1);
    let mut villages = read_layer(
        &file_of(&village_layer),
        &village_layer,
        ReadOptions {
            display: false,
            ..Default::default()
        },
        progress,
        &mut warnings,
        &mut repaired,
    )?;
    let crs = analysis_crs(&villages)?;
    reproject(&mut villages, &crs, &mut warnings)?;
    const PARCEL_FIELDS: [&str; 7] = ["DLBM", "TBMJ", "TBDLMJ", "KCMJ", "KCDLBM", "GDPDJB", "DLMC"];
    let parcel_opts = ReadOptions {
        fields: Some(PARCEL_FIELDS.iter().map(|s| s.to_string()).collect()),
        filter: opts.ledger_only.then(|| {
            "trim(DLBM) IN ('0101','0102','0103','101','102','103','101.0','102.0','103.0')"
                .to_string()
        }),
        display: false,
    };
    progress.stage("parcels / 图斑", 1);
    let mut parcels = read_layer(
        &file_of(&parcel_layer),
        &parcel_layer,
        parcel_opts,
        progress,
        &mut warnings,
        &mut repaired,
    )?;
    reproject(&mut parcels, &crs, &mut warnings)?;
    stage("villages and parcels read");

    let zones = Zones::new(&villages.geoms);
    progress.stage("overlay / 叠加分析", parcels.geoms.len() as u64);
    let shares = zones.overlay(&parcels.geoms, progress).map_err(cancelled)?;
    stage("parcels overlaid on villages");

    let pfields = ParcelFields::find(&parcels, &mut warnings)?;

    let vf = |names: &[&str]| field(&villages, names);
    let (vcode, vname, vtown) = (
        vf(VILLAGE_CODE_FIELDS),
        vf(VILLAGE_NAME_FIELDS),
        vf(&["XZQMC", "XZMC", "乡镇"]),
    );
    let ellipsoidal = ellipsoidal_areas(&villages.geoms, &crs);
    if ellipsoidal.is_none() {
        warnings.push(format!(
            "村界坐标无法按其坐标系 {} 换算为经纬度（.prj 与坐标不符？例如坐标带带号而 .prj 没有），村域面积为平面面积 / the village coordinates cannot be placed by their CRS {} (a .prj that does not match the coordinates, e.g. a zone number in the X values): planar area used",
            crs.label(),
            crs.label()
        ));
    }
    let mut out: Vec<VillageProfile> = (0..villages.geoms.len())
        .map(|v| {
            let code: String = text_of(&villages, vcode, v).chars().take(12).collect();
            let town = if vtown != vname {
                text_of(&villages, vtown, v)
            } else {
                String::new()
            };
            let planar = zones.area(v);
            VillageProfile::new(
                code,
                text_of(&villages, vname, v),
                town,
                ellipsoidal.as_ref().map(|e| e[v]).unwrap_or(planar),
                planar,
            )
        })
        .collect();

    // Towns from a town layer, where the village layer names none.
    if out.iter().all(|v| v.town_name.is_empty()) {
        if let Some(name) = layer_of(Role::Towns) {
            let t = read_whole(
                &file_of(&name),
                &name,
                &crs,
                progress,
                &mut warnings,
                &mut repaired,
            )?;
            let town_zones = Zones::new(&t.geoms);
            let tname = field(&t, TOWN_NAME_FIELDS);
            for (v, vp) in out.iter_mut().enumerate() {
                use geo::InteriorPoint;
                let Some(p) = super::overlay::to_multipolygon(&villages.geoms, v).interior_point()
                else {
                    continue;
                };
                if let Some(z) = town_zones.zone_at(p.x(), p.y()) {
                    vp.town_name = text_of(&t, tname, z);
                }
            }
        }
    }

    // Land use, summed in m².
    let mut q = DataQuality {
        parcels: parcels.geoms.len(),
        ..Default::default()
    };
    let (covered, farmland_parcels) = sum_land_use(&parcels, &pfields, &shares, &mut out, &mut q);
    stage("land use summed");

    // Permanent basic farmland: inside each village, and the farmland inside it.
    let mut in_pf_share: Option<Vec<f64>> = None;
    if let Some(name) = layer_of(Role::PermanentFarmland) {
        let pfl = read_shapes(
            &file_of(&name),
            &name,
            &crs,
            &mut warnings,
            &mut repaired,
            progress,
        )?;
        progress.stage("permanent farmland / 永久基本农田", pfl.geoms.len() as u64);
        stage("permanent farmland read");
        let per_village = zone_areas(&zones, &pfl, progress)?;
        stage("permanent farmland in villages");
        for (v, a) in per_village.into_iter().enumerate() {
            out[v].permanent_farmland_mu = a;
        }
        // The share of each farmland parcel inside permanent farmland.
        let pf_zones = Zones::new(&pfl.geoms);
        stage("permanent farmland zones");
        let mut farm =
            crate::core::model::geom::GeometryStore::with_capacity(farmland_parcels.len(), 0);
        for &(p, _) in &farmland_parcels {
            farm.extend_feature(&parcels.geoms, p as usize);
        }
        progress.stage(
            "farmland in permanent farmland / 耕地与永农叠加",
            farm.len() as u64,
        );
        let fs: Vec<Shares> = pf_zones.overlay(&farm, progress).map_err(cancelled)?;
        let mut share = vec![0.0; parcels.geoms.len()];
        for (i, sh) in fs.iter().enumerate() {
            share[farmland_parcels[i].0 as usize] =
                sh.iter().map(|&(_, s)| s as f64).sum::<f64>().min(1.0);
        }
        in_pf_share = Some(share);
    }
    if let Some(share) = &in_pf_share {
        for &(p, land) in &farmland_parcels {
            for &(v, s) in &shares[p as usize] {
                out[v as usize].farmland_in_permanent_mu += land * s * share[p as usize];
            }
        }
    }
    stage("permanent farmland");

    if !opts.ledger_only {
        for (role, set) in [(Role::RedLine, 0), (Role::DevBoundary, 1)] {
            let Some(name) = layer_of(role) else {
                continue;
            };
            let l = read_shapes(
                &file_of(&name),
                &name,
                &crs,
                &mut warnings,
                &mut repaired,
                progress,
            )?;
            for (v, a) in zone_areas(&zones, &l, progress)?.into_iter().enumerate() {
                if set == 0 {
                    out[v].eco_redline_mu = a;
                } else {
                    out[v].dev_boundary_mu = a;
                }
            }
        }
        if let Some(name) = layer_of(Role::Enterprises) {
            let e = read_whole(
                &file_of(&name),
                &name,
                &crs,
                progress,
                &mut warnings,
                &mut repaired,
            )?;
            let (outside, unplaced) = add_enterprises(&e, &zones, &mut out);
            if outside > 0 {
                warnings.push(format!(
                    "图层 {name}：{outside} 家企业不在任何村内，未计入 / layer {name}: {outside} enterprises lie in no village and are not counted"
                ));
            }
            if unplaced > 0 {
                warnings.push(format!(
                    "图层 {name}：{unplaced} 家企业没有点位（空几何或不是点），未计入 / layer {name}: {unplaced} enterprises have no point location and are not counted"
                ));
            }
        }
        // Villages overlapping each other.
        let self_shares: Vec<Shares> =
            super::overlay::par_map(villages.geoms.len(), progress, |v| {
                zones.shares_except(&villages.geoms, v, Some(v as u32))
            })
            .map_err(cancelled)?;
        for (v, sh) in self_shares.iter().enumerate() {
            for &(w, s) in sh {
                let w = w as usize;
                let a = s as f64 * zones.area(v) / M2_PER_MU;
                if w > v && a > 0.01 {
                    q.overlaps
                        .push((out[v].code.clone(), out[w].code.clone(), a));
                }
            }
        }
    }
    stage("controls, enterprises, overlaps");

    // Department indicators.
    add_indicators(
        &villages,
        &opts.indicators,
        &mut out,
        &mut sources,
        &mut warnings,
    );

    // Convert, derive, check.
    let has_pf = in_pf_share.is_some();
    for (v, vp) in out.iter_mut().enumerate() {
        vp.finish(covered[v], has_pf);
    }
    rank(&mut out);
    flag(&mut out, &q, opts, in_pf_share.is_some());
    q.villages_without_parcels = out
        .iter()
        .filter(|v| v.parcels == 0)
        .map(|v| format!("{} {}", v.code, v.name))
        .collect();
    q.repaired = repaired;
    quality_warnings(&q, &mut warnings);
    for c in roles.iter().filter(|c| c.layer.is_none()) {
        // Roles this run needs and found no layer for: never a silent 0.
        let needed = match c.role {
            Role::PermanentFarmland => true,
            Role::RedLine | Role::DevBoundary | Role::Enterprises => !opts.ledger_only,
            _ => false,
        };
        if needed {
            warnings.push(c.describe());
        }
    }
    let role_map: BTreeMap<String, Option<String>> = roles
        .iter()
        .map(|c| {
            let key = serde_json::to_value(c.role)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            (key, c.layer.clone())
        })
        .collect();
    for v in &mut out {
        v.layer_roles = role_map.clone();
    }
    stage("indicators, ranks and flags");
    Ok(Profiles {
        villages: out,
        warnings,
        quality: q,
        sources,
        role_files: roles
            .iter()
            .filter_map(|c| c.layer.clone())
            .map(|l| {
                let f = file_of(&l);
                (l, f)
            })
            .collect(),
        roles,
        crs: crs.label(),
        ledger_only: opts.ledger_only,
    })
}

/// The fields of the parcel layer an analysis uses (DLBM is required).
struct ParcelFields {
    dlbm: usize,
    tbmj: Option<usize>,
    tbdlmj: Option<usize>,
    kcmj: Option<usize>,
    kcdlbm: Option<usize>,
    slope: Option<usize>,
}

impl ParcelFields {
    /// Finds the fields; says in `warnings` how missing area fields are made up for.
    fn find(parcels: &FeatureRead, warnings: &mut Vec<String>) -> anyhow::Result<ParcelFields> {
        let pf = |n: &str| parcels.attrs.field_index(n);
        let dlbm = pf("DLBM").ok_or_else(|| {
            anyhow::anyhow!("图斑层没有 DLBM 字段 / the parcel layer has no DLBM field")
        })?;
        let f = ParcelFields {
            dlbm,
            tbmj: pf("TBMJ"),
            tbdlmj: pf("TBDLMJ"),
            kcmj: pf("KCMJ"),
            kcdlbm: pf("KCDLBM"),
            slope: pf("GDPDJB"),
        };
        if f.tbdlmj.is_none() {
            warnings.push(if f.kcmj.is_some() && f.tbmj.is_some() {
                "图斑层没有 TBDLMJ 字段，按 TBMJ − KCMJ 计算 / no TBDLMJ field: TBMJ − KCMJ used".into()
            } else {
                "图斑层没有 TBDLMJ 字段，按 TBMJ 计算（未扣除田坎）/ no TBDLMJ field: TBMJ used (ridges not deducted)".into()
            });
        }
        if f.kcmj.is_none() {
            warnings.push(
                "图斑层没有 KCMJ 字段，田坎按 0 计 / no KCMJ field: ridges counted as 0".into(),
            );
        }
        if f.tbdlmj.is_none() && f.tbmj.is_none() {
            warnings.push(
                "图斑层没有 TBDLMJ 和 TBMJ 字段，按图形面积计算 / no TBDLMJ or TBMJ: drawn areas used"
                    .into(),
            );
        }
        Ok(f)
    }
}

/// Sums each parcel's land, apportioned by `shares`, into its villages (m²): classes, groups,
/// ridges, the farmland ledger, slope grades, recovery potential; counts data problems in `q`.
/// Returns the parcel area covering each village (m²) and the farmland parcels with their land.
fn sum_land_use(
    parcels: &FeatureRead,
    f: &ParcelFields,
    shares: &[Shares],
    out: &mut [VillageProfile],
    q: &mut DataQuality,
) -> (Vec<f64>, Vec<(u32, f64)>) {
    let mut covered = vec![0.0f64; out.len()];
    let mut farmland_parcels: Vec<(u32, f64)> = Vec::new();
    for (p, sh) in shares.iter().enumerate() {
        let code_v = parcels.attrs.get(p, f.dlbm);
        let raw = code_v.to_string();
        let code = landuse::normalize_code(&raw);
        if matches!(code, std::borrow::Cow::Owned(_)) {
            q.dlbm_repaired += 1;
        }
        let code: &str = &code;
        let gross = match f.tbmj {
            Some(_) => num_of(parcels, f.tbmj, p),
            None => parcels.geoms.planar_area(p),
        };
        let deduct = num_of(parcels, f.kcmj, p);
        let land = match f.tbdlmj.map(|c| parcels.attrs.get(p, c).as_f64()) {
            Some(Some(v)) => v,
            // An empty TBDLMJ cell: the parcel's own TBMJ − KCMJ.
            Some(None) if f.tbmj.is_some() => {
                q.tbdlmj_missing += 1;
                gross - deduct
            }
            Some(None) => 0.0,
            None => gross - deduct,
        };
        if f.tbdlmj.is_some()
            && f.tbmj.is_some()
            && f.kcmj.is_some()
            && (gross - deduct - land).abs() > 0.01
        {
            q.tbdlmj_mismatch += 1;
        }
        if parcels.geoms.kinds[p] != crate::core::model::geom::GeomKind::Polygon
            || parcels.geoms.bboxes[p].is_empty()
        {
            q.empty_parcels += 1;
            q.empty_parcels_mu += land / M2_PER_MU;
            continue;
        }
        if f.tbmj.is_some() && gross > 0.0 {
            let drawn = parcels.geoms.planar_area(p);
            if (drawn - gross).abs() > 0.05 * gross {
                q.area_mismatch_parcels += 1;
            }
        }
        if sh.is_empty() {
            q.parcels_outside += 1;
            q.parcels_outside_mu += land / M2_PER_MU;
            continue;
        }
        let ridge = if text_of(parcels, f.kcdlbm, p).trim() == "1203" {
            deduct
        } else {
            0.0
        };
        let farmland = landuse::is_farmland(code);
        if farmland {
            farmland_parcels.push((p as u32, land));
        }
        let group = landuse::group(code);
        let grade = if farmland {
            text_of(parcels, f.slope, p).trim().to_string()
        } else {
            String::new()
        };
        for &(v, s) in sh {
            let vp = &mut out[v as usize];
            vp.parcels += 1;
            covered[v as usize] += gross * s;
            match vp.landuse_mu.get_mut(code) {
                Some(a) => *a += land * s,
                None => {
                    vp.landuse_mu.insert(code.to_string(), land * s);
                }
            }
            match group {
                Some(LandGroup::Agricultural) => vp.agricultural_mu += land * s,
                Some(LandGroup::Construction) => vp.construction_mu += land * s,
                Some(LandGroup::Unused) => vp.unused_mu += land * s,
                None => {}
            }
            if ridge > 0.0 {
                *vp.landuse_mu.entry("1203".into()).or_default() += ridge * s;
                vp.ridge_mu += ridge * s;
                vp.agricultural_mu += ridge * s;
            }
            if farmland {
                vp.farmland_ridge_mu += deduct * s;
                *vp.slope_mu.entry(grade.clone()).or_default() += land * s;
                match code {
                    "0101" => vp.paddy_mu += land * s,
                    "0102" => vp.irrigated_mu += land * s,
                    _ => vp.dry_mu += land * s,
                }
            }
            if landuse::is_recoverable(code) {
                *vp.recoverable_mu.entry(code.to_string()).or_default() += land * s;
                vp.recoverable_total_mu += land * s;
            }
        }
    }
    (covered, farmland_parcels)
}

/// Counts the enterprises (points) of `e` in the village holding each: output, tax, employees,
/// by chain with lead firms and links.
/// Counts the enterprise points per village; returns how many lie in no village (and how many
/// have no location).
fn add_enterprises(e: &FeatureRead, zones: &Zones, out: &mut [VillageProfile]) -> (usize, usize) {
    let (mut outside, mut unplaced) = (0, 0);
    // Department tables add units to names: 产值（万元）, 从业人员(人).
    let ef = |names: &[&str]| field(e, names).or_else(|| field_with_unit(e, names));
    let (chain, tier, link, output, tax, staff, lead) = (
        ef(&["chain", "产业链"]),
        ef(&["link", "环节"]),
        ef(&["link_name", "环节名称"]),
        ef(&["output_wan", "产值"]),
        ef(&["tax_wan", "税收"]),
        ef(&["employees", "从业人员"]),
        ef(&["is_lead", "链主"]),
    );
    for f in 0..e.geoms.len() {
        let Some(v) = zones.zone_of_point(&e.geoms, f) else {
            if e.geoms.kinds[f] == crate::core::model::geom::GeomKind::Point {
                outside += 1;
            } else {
                unplaced += 1;
            }
            continue;
        };
        let vp = &mut out[v];
        vp.enterprises += 1;
        vp.enterprise_output_wan += num_of(e, output, f);
        vp.enterprise_tax_wan += num_of(e, tax, f);
        vp.enterprise_employees += num_of(e, staff, f);
        let c = text_of(e, chain, f);
        let c = if c.is_empty() {
            "其他".to_string()
        } else {
            c
        };
        let ch = vp.chains.entry(c).or_default();
        ch.enterprises += 1;
        ch.output_wan += num_of(e, output, f);
        ch.tax_wan += num_of(e, tax, f);
        ch.employees += num_of(e, staff, f);
        if num_of(e, lead, f) > 0.0 {
            ch.lead_firms += 1;
        }
        let l = format!("{} {}", text_of(e, tier, f), text_of(e, link, f));
        *ch.links.entry(l.trim().to_string()).or_default() += 1;
    }
    (outside, unplaced)
}

/// Adds the numeric columns of each department table joined to the villages as indicators,
/// with their source (dataset, department, year, version, import date).
fn add_indicators(
    villages: &FeatureRead,
    indicators: &[IndicatorSource],
    out: &mut [VillageProfile],
    sources: &mut Vec<String>,
    warnings: &mut Vec<String>,
) {
    for src in indicators {
        match join(&villages.attrs, &src.table.attrs, &src.spec) {
            Ok(j) => {
                let i = &src.table.info;
                let prefix = src.spec.prefix();
                // A year column dates the table rather than being an indicator.
                let year = j
                    .fields
                    .iter()
                    .zip(&j.columns)
                    .find(|(f, _)| is_year_column(&f.name))
                    .and_then(|(_, c)| (0..c.len()).find_map(|r| c.get(r).as_f64()))
                    .map(|y| format!("{y:.0} 年度，"))
                    .unwrap_or_default();
                let source = format!(
                    "{}（{}，{year}第 {} 版，导入于 {}）",
                    i.dataset,
                    if i.department.is_empty() {
                        "—"
                    } else {
                        &i.department
                    },
                    i.version,
                    i.imported_at.get(..10).unwrap_or(&i.imported_at)
                );
                for (f, c) in j.fields.iter().zip(&j.columns) {
                    if !f.ftype.is_numeric() {
                        continue;
                    }
                    let name = f.name.strip_prefix(&prefix).unwrap_or(&f.name).to_string();
                    if name == "count" || is_year_column(&name) || is_id_column(&name) {
                        continue;
                    }
                    for (v, vp) in out.iter_mut().enumerate() {
                        vp.indicators.push(Indicator {
                            name: name.clone(),
                            value: c.get(v).as_f64(),
                            source: source.clone(),
                        });
                    }
                }
                sources.push(format!("部门数据 / department data: {source}"));
            }
            Err(e) => warnings.push(format!("{}: {e}", src.spec.dataset)),
        }
    }
}

impl VillageProfile {
    /// The farmland ledger (耕地一本账) as the report and the app list it: (label, 亩), a label
    /// starting with two spaces being part of the row above it; slope grades last.
    pub fn ledger_rows(&self) -> Vec<(String, f64)> {
        let mut rows: Vec<(String, f64)> = [
            ("耕地合计（TBDLMJ）", self.farmland_mu),
            ("  水田 0101", self.paddy_mu),
            ("  水浇地 0102", self.irrigated_mu),
            ("  旱地 0103", self.dry_mu),
            (FARMLAND_RIDGE_LABEL, self.farmland_ridge_mu),
            ("永久基本农田", self.permanent_farmland_mu),
            ("  其中为耕地", self.farmland_in_permanent_mu),
            ("永农外耕地", self.farmland_outside_permanent_mu),
            ("可恢复耕地（K 码）", self.recoverable_total_mu),
        ]
        .into_iter()
        .map(|(l, mu)| (l.to_string(), mu))
        .collect();
        for (g, label) in SLOPE_GRADES {
            rows.push((
                format!("  坡度 {g} 级（{label}）"),
                self.slope_mu.get(g).copied().unwrap_or(0.0),
            ));
        }
        rows
    }

    /// Converts the sums from m² to 亩 and derives the totals, coverage (`covered_m2`: parcel area
    /// in the village), population and farmland per head.
    fn finish(&mut self, covered_m2: f64, has_permanent_farmland: bool) {
        let mu = |a: &mut f64| *a /= M2_PER_MU;
        mu(&mut self.paddy_mu);
        mu(&mut self.irrigated_mu);
        mu(&mut self.dry_mu);
        mu(&mut self.ridge_mu);
        mu(&mut self.farmland_ridge_mu);
        mu(&mut self.permanent_farmland_mu);
        mu(&mut self.farmland_in_permanent_mu);
        mu(&mut self.recoverable_total_mu);
        mu(&mut self.agricultural_mu);
        mu(&mut self.construction_mu);
        mu(&mut self.unused_mu);
        mu(&mut self.eco_redline_mu);
        mu(&mut self.dev_boundary_mu);
        for m in [
            &mut self.landuse_mu,
            &mut self.slope_mu,
            &mut self.recoverable_mu,
        ] {
            for a in m.values_mut() {
                *a /= M2_PER_MU;
            }
        }
        self.farmland_mu = self.paddy_mu + self.irrigated_mu + self.dry_mu;
        self.farmland_outside_permanent_mu = if has_permanent_farmland {
            (self.farmland_mu - self.farmland_in_permanent_mu).max(0.0)
        } else {
            self.farmland_mu
        };
        self.parcel_coverage = if self.planar_area_mu > 0.0 {
            covered_m2 / M2_PER_MU / self.planar_area_mu
        } else {
            0.0
        };
        self.population = ["户籍人口", "常住人口", "人口"].iter().find_map(|k| {
            self.indicators
                .iter()
                .find(|i| i.name.contains(k))
                .and_then(|i| i.value)
        });
        self.farmland_per_head_mu = self
            .population
            .filter(|p| *p > 0.0)
            .map(|p| self.farmland_mu / p);
    }
}

/// Row numbers and record ids are not indicators (序号, FID, OBJECTID, id, rowid).
fn is_id_column(name: &str) -> bool {
    ["序号", "编号", "行号"].contains(&name)
        || ["fid", "id", "rowid", "objectid", "oid", "index", "no"]
            .iter()
            .any(|k| name.eq_ignore_ascii_case(k))
}

fn is_year_column(name: &str) -> bool {
    ["统计年度", "年度", "年份"]
        .iter()
        .any(|k| name.ends_with(k))
        || name.eq_ignore_ascii_case("year")
}

fn quality_warnings(q: &DataQuality, w: &mut Vec<String>) {
    if q.dlbm_repaired > 0 {
        w.push(format!(
            "{n} 个图斑的地类编码 DLBM 存成了数字（如 101），已按编码补足前导零（0101）/ {n} parcels have DLBM stored as a number (e.g. 101), read as the code with its leading zero (0101)",
            n = q.dlbm_repaired
        ));
    }
    if q.tbdlmj_missing > 0 {
        w.push(format!(
            "{n} 个图斑的 TBDLMJ 为空，按 TBMJ − KCMJ 计算 / {n} parcels have an empty TBDLMJ: TBMJ − KCMJ used",
            n = q.tbdlmj_missing
        ));
    }
    if q.empty_parcels > 0 {
        w.push(format!(
            "{} 个图斑没有几何，未计入任何村（TBDLMJ 合计 {:.2} 亩）/ {} parcels have no geometry and are not counted ({:.2} mu)",
            q.empty_parcels, q.empty_parcels_mu, q.empty_parcels, q.empty_parcels_mu
        ));
    }
    if q.area_mismatch_parcels > 0 {
        w.push(format!(
            "{} 个图斑的图形面积与 TBMJ 相差超过 5%（可能自相交或面积字段有误）/ {} parcels' drawn area differs from TBMJ by more than 5% (self-intersecting polygon or wrong TBMJ)",
            q.area_mismatch_parcels, q.area_mismatch_parcels
        ));
    }
    if q.tbdlmj_mismatch > 0 {
        w.push(format!(
            "{} 个图斑 TBDLMJ ≠ TBMJ − KCMJ / {} parcels where TBDLMJ ≠ TBMJ − KCMJ",
            q.tbdlmj_mismatch, q.tbdlmj_mismatch
        ));
    }
    if q.parcels_outside > 0 {
        w.push(format!(
            "{} 个图斑（{:.2} 亩）不在任何村界内（村界有缺口或图层范围不同）/ {} parcels ({:.2} mu) lie outside every village (gaps between villages or different extents)",
            q.parcels_outside, q.parcels_outside_mu, q.parcels_outside, q.parcels_outside_mu
        ));
    }
    for (a, b, mu) in q.overlaps.iter().take(20) {
        w.push(format!(
            "村界重叠 {a} 与 {b}：{mu:.2} 亩（重叠部分的图斑分给两个村）/ villages {a} and {b} overlap by {mu:.2} mu"
        ));
    }
    if q.overlaps.len() > 20 {
        w.push(format!(
            "…另有 {} 处村界重叠 / … and {} more overlaps",
            q.overlaps.len() - 20,
            q.overlaps.len() - 20
        ));
    }
    if !q.villages_without_parcels.is_empty() {
        w.push(format!(
            "{} 个村没有图斑：{} / {} villages have no parcels",
            q.villages_without_parcels.len(),
            q.villages_without_parcels.join("、"),
            q.villages_without_parcels.len()
        ));
    }
}

/// Ranks every village within its town and the county for [`RANKED`] and the indicators.
fn rank(out: &mut [VillageProfile]) {
    let mut keys: Vec<String> = RANKED.iter().map(|r| r.0.to_string()).collect();
    if let Some(v) = out.first() {
        for i in &v.indicators {
            if !keys.contains(&i.name) {
                keys.push(i.name.clone());
            }
        }
    }
    for key in keys {
        let vals: Vec<Option<f64>> = out.iter().map(|v| v.metric(&key)).collect();
        if vals.iter().all(|v| v.is_none()) {
            continue;
        }
        let mut by_town: HashMap<&str, Vec<f64>> = HashMap::new();
        let mut all = Vec::new();
        for (v, x) in out.iter().zip(&vals) {
            if let Some(x) = x {
                by_town.entry(v.town_code.as_str()).or_default().push(*x);
                all.push(*x);
            }
        }
        let position = |list: &[f64], x: f64| 1 + list.iter().filter(|&&y| y > x).count();
        let ranks: Vec<Option<Rank>> = out
            .iter()
            .zip(&vals)
            .map(|(v, x)| {
                let x = (*x)?;
                let town = &by_town[v.town_code.as_str()];
                Some(Rank {
                    town: position(town, x),
                    town_of: town.len(),
                    county: position(&all, x),
                    county_of: all.len(),
                })
            })
            .collect();
        for (v, r) in out.iter_mut().zip(ranks) {
            if let Some(r) = r {
                v.ranks.insert(key.clone(), r);
            }
        }
    }
}

/// The flags a cadre would want to see.
fn flag(out: &mut [VillageProfile], q: &DataQuality, opts: &ProfileOptions, has_pf: bool) {
    for v in out.iter_mut() {
        let mut f = Vec::new();
        if v.parcels == 0 {
            f.push("村内没有图斑 / no parcels in the village".to_string());
        } else if v.parcel_coverage < 0.98 {
            f.push(format!(
                "图斑只覆盖村域的 {:.1}%（图斑层有缺口）/ parcels cover only {:.1}% of the village",
                v.parcel_coverage * 100.0,
                v.parcel_coverage * 100.0
            ));
        }
        if has_pf && v.permanent_farmland_mu > v.farmland_mu + 0.01 {
            f.push(format!(
                "耕地 {:.2} 亩少于永久基本农田 {:.2} 亩 / farmland below the permanent farmland area",
                v.farmland_mu, v.permanent_farmland_mu
            ));
        }
        let steep = v.slope_mu.get("5").copied().unwrap_or(0.0);
        if steep > 0.005 {
            f.push(format!(
                "25° 以上坡耕地 {steep:.2} 亩 / {steep:.2} mu of farmland steeper than 25°"
            ));
        }
        if !opts.ledger_only && v.construction_mu > 0.0 && v.eco_redline_mu > 0.0 {
            // Not a violation by itself; the red line must be checked for any new proposal.
            f.push(format!(
                "村域 {:.2} 亩在生态保护红线内，新项目须避让 / {:.2} mu of the village lies inside the ecological red line",
                v.eco_redline_mu, v.eco_redline_mu
            ));
        }
        let income: Vec<&Indicator> = v
            .indicators
            .iter()
            .filter(|i| i.name.contains("收入"))
            .collect();
        if !income.is_empty() && income.iter().all(|i| i.value.is_none_or(|x| x == 0.0)) {
            f.push("无集体收入记录 / no collective income recorded".into());
        }
        if !v.indicators.is_empty()
            && v.indicators.iter().any(|i| i.name.contains("人口"))
            && v.population.is_none()
        {
            f.push("无人口数据 / no population record".into());
        }
        for (a, b, mu) in &q.overlaps {
            if *a == v.code || *b == v.code {
                let other = if *a == v.code { b } else { a };
                f.push(format!(
                    "与 {other} 村界重叠 {mu:.2} 亩 / overlaps village {other} by {mu:.2} mu"
                ));
            }
        }
        v.flags = f;
    }
}

/// Where a profile's inputs come from when it is run on a project (`.yitu`): the data file of
/// its village layer, and the department tables joined to that layer (imported into `cache`
/// first when missing). Returns the data file and messages for the user.
pub fn project_inputs(
    project_path: &Path,
    cache: &mut crate::core::data::cache::Cache,
    opts: &mut ProfileOptions,
    progress: &Progress,
) -> anyhow::Result<(std::path::PathBuf, Vec<String>)> {
    let project =
        crate::core::io::project::Project::load(project_path).map_err(|e| anyhow::anyhow!(e))?;
    let layer = project
        .layers
        .iter()
        .find(|l| match &opts.villages {
            Some(n) => l.layer.eq_ignore_ascii_case(n),
            None => Role::Villages.names(&l.layer),
        })
        .ok_or_else(|| {
            let n = opts.villages.as_deref().unwrap_or("CJDCQ");
            anyhow::anyhow!(
                "项目中没有村界图层 {n}（可用 --villages 指定）/ the project has no village layer {n} (name one with --villages)"
            )
        })?;
    if opts.villages.is_none() {
        opts.villages = Some(layer.layer.clone());
    }
    for l in &project.layers {
        if l.path != layer.path && !opts.extra_files.contains(&l.path) {
            opts.extra_files.push(l.path.clone());
        }
    }
    let mut msgs = cache.ensure(&project.datasets, progress);
    for spec in &layer.joins {
        match cache.load_table(&spec.dataset, None) {
            Ok(table) => opts.indicators.push(IndicatorSource {
                spec: spec.clone(),
                table,
            }),
            Err(e) => msgs.push(format!("{}: {e}", spec.dataset)),
        }
    }
    Ok((layer.path.clone(), msgs))
}

//! The land-use proposal check (用地预审): a site against the land survey and the three control lines.
//!
//! [`Context::load`] reads a county's layers once (villages, parcels, permanent basic farmland, the ecological
//! red line, the urban development boundary, towns), repaired and brought into the analysis CRS (the villages'
//! projected CRS, see [`super::profile::analysis_crs_of`]), and indexes them. [`Context::check`] then checks one
//! site in well under a second on a county of 10⁶ parcels:
//! - **Area**: ellipsoidal (CGCS2000, geodesic) and planar (the analysis CRS), m²; shown in 亩 (2 decimals)
//!   and 公顷 (4 decimals).
//! - **Location**: the villages (and towns) the site lies in, the area in each, and what lies outside every
//!   village; ownership 国有/集体 from the parcels' QSXZ (权属性质: 1x/2x 国有, 3x/4x 集体).
//! - **Land taken by 三调 class**: for every parcel met, the geometric overlap and the class area apportioned
//!   from TBDLMJ by the overlap's share of the parcel's area (never TBMJ); 田坎 (KCMJ where KCDLBM = 1203) as its
//!   own class; rolled up into 农用地 (耕地, of which 水田) / 建设用地 / 未利用地 (GB/T 21010-2017, DOMAIN.md).
//! - **Control lines**: for each, the overlap area, its share of the site and the patches met; overlaps below
//!   the tolerance (default 1 m²) are listed as boundary noise and not counted. For the development boundary the
//!   part outside it is what counts. A missing layer is "not checked", never "no conflict".
//! - **Verdict** from the rule table ([`crate::core::model::proposal::RuleTable::verdict`]).
//! - **Avoiding**: the largest part of the site outside permanent farmland and the red line.
//!
//! Overlaps are computed on the plane of the analysis CRS (a Gauss-Krüger zone) as GIS overlays give them, and
//! reported on the ellipsoid's basis (× the site's ellipsoidal/planar area ratio), so the parts add up to the
//! site's area; class areas follow the survey's ellipsoidal TBDLMJ. An overlap counts when it reaches the
//! tolerance or 1 % of the site; smaller ones are boundary noise, listed apart.

use super::overlay::{to_multipolygon, Zones};
use super::profile::{self, ProfileOptions};
use super::roles::{Role, RoleChoice};
use crate::core::io::gpkg::FeatureRead;
use crate::core::model::crs::{Crs, Transformer};
use crate::core::model::geom::{BBox, GeomKind, GeometryStore};
use crate::core::model::landuse::{self, LandGroup};
use crate::core::model::layer::SpatialIndex;
use crate::core::model::progress::Progress;
use crate::core::model::proposal::{Hit, RuleTable, Verdict};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// m² per 亩 (1 亩 = 10000/15 m²).
pub const M2_PER_MU: f64 = 10_000.0 / 15.0;

/// Overlaps below this (m²) are floating-point noise of the boolean operations (a neighbour sharing an edge).
pub const NOISE_M2: f64 = 0.01;

/// How far (m) a site may lie from every village before it is refused as placed in the wrong CRS.
pub const MAX_DISTANCE_M: f64 = 5_000.0;

/// A control layer loaded for checking.
struct Control {
    layer: String,
    zones: Zones,
}

/// The parcels loaded for checking, with the fields the check reads.
struct Parcels {
    read: FeatureRead,
    index: SpatialIndex,
    areas: Vec<f64>,
    bsm: Option<usize>,
    dlbm: usize,
    tbdlmj: Option<usize>,
    tbmj: Option<usize>,
    kcmj: Option<usize>,
    kcdlbm: Option<usize>,
    qsxz: Option<usize>,
}

/// A county's layers, loaded and indexed for checking sites.
pub struct Context {
    /// The CRS the check runs in (projected).
    pub crs: Crs,
    villages: FeatureRead,
    village_zones: Zones,
    village_extent: BBox,
    /// Code, name and town of each village.
    village_ids: Vec<(String, String, String)>,
    parcels: Option<Parcels>,
    /// Permanent farmland, red line, development boundary.
    controls: [Option<Control>; 3],
    /// The layer of each role and how it was chosen.
    pub roles: Vec<RoleChoice>,
    /// What the user should know about the data (layers reprojected, shapes repaired, fields missing).
    pub warnings: Vec<String>,
    /// The data files read.
    pub sources: Vec<String>,
}

/// A site to check: its shape (one polygon feature, possibly of several parts, with holes) and its CRS.
#[derive(Debug, Clone)]
pub struct Site {
    /// The shape: feature 0 is the site.
    pub geom: GeometryStore,
    /// Its CRS.
    pub crs: Crs,
}

/// What the applicant says about a site (printed on the sheet).
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize, PartialEq)]
pub struct SiteInfo {
    /// 项目名称.
    pub name: String,
    /// 项目类型 (an id of the rule table).
    pub project_type: String,
    /// 申请方.
    pub applicant: String,
    /// 用途.
    pub purpose: String,
    /// 日期 (YYYY-MM-DD).
    pub date: String,
    /// 制图单位: who prepared the check (printed on the sheet).
    #[serde(default)]
    pub prepared_by: String,
}

/// The site's area in one village.
#[derive(Debug, Clone, Serialize)]
pub struct VillagePart {
    /// 12-digit village code (text).
    pub code: String,
    /// Village name.
    pub name: String,
    /// Town name (empty when unknown).
    pub town: String,
    /// Area of the site in it (m², planar × the site's ellipsoidal/planar ratio).
    pub area_m2: f64,
}

/// Land taken of one 三调 class.
#[derive(Debug, Clone, Serialize)]
pub struct LandPart {
    /// DLBM (text; `1203` for the 田坎 deducted from parcels of other classes).
    pub code: String,
    /// DLMC.
    pub name: String,
    /// 农用地 / 建设用地 / 未利用地 (`None` for an unknown code).
    pub group: Option<LandGroup>,
    /// Class area apportioned from TBDLMJ (for 田坎: KCMJ) by the overlap's share of each parcel (m²).
    pub class_m2: f64,
    /// Geometric overlap of the parcels of this DLBM with the site (m², planar × the site's ellipsoidal/planar ratio; 0 for the 田坎 row).
    pub overlap_m2: f64,
    /// Parcels met.
    pub parcels: usize,
}

/// One parcel met by the site.
#[derive(Debug, Clone, Serialize)]
pub struct ParcelPart {
    /// BSM (text) or the feature's id.
    pub bsm: String,
    /// DLBM.
    pub dlbm: String,
    /// Overlap with the site (m², planar × the site's ellipsoidal/planar ratio).
    pub overlap_m2: f64,
    /// The overlap's share of the parcel's area.
    pub share: f64,
    /// TBDLMJ × share (m²).
    pub class_m2: f64,
    /// 田坎 KCMJ × share (m²).
    pub ridge_m2: f64,
}

/// Totals of the land taken by group (m², apportioned class areas).
#[derive(Debug, Clone, Default, Serialize)]
pub struct LandTotals {
    /// 农用地 (耕地 and 田坎 included).
    pub agricultural: f64,
    /// 耕地 (0101, 0102, 0103).
    pub farmland: f64,
    /// 水田 (0101).
    pub paddy: f64,
    /// 建设用地.
    pub construction: f64,
    /// 未利用地.
    pub unused: f64,
    /// Codes not in the classification.
    pub unknown: f64,
}

/// A control line checked against the site.
#[derive(Debug, Clone, Serialize)]
pub struct ControlResult {
    /// The role (permanent farmland, red line, development boundary).
    pub role: Role,
    /// The layer, `None` when the project has none: not checked.
    pub layer: Option<String>,
    /// Overlap with the site, slivers left out (m², on the ellipsoid's basis).
    pub area_m2: f64,
    /// `area_m2` over the site's area.
    pub share: f64,
    /// For the development boundary: the part of the site outside it (m²), slivers left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outside_m2: Option<f64>,
    /// Patches met (overlap ≥ tolerance).
    pub patches: usize,
    /// Overlaps below the tolerance and below 1 % of the site (m²): boundary noise, not counted.
    pub slivers: Vec<f64>,
}

/// The check of one site.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// What the applicant says.
    pub info: SiteInfo,
    /// The project type's Chinese name.
    pub type_name: String,
    /// Ellipsoidal area (m², CGCS2000).
    pub area_m2: f64,
    /// Planar area in the analysis CRS (m²).
    pub planar_m2: f64,
    /// The analysis CRS.
    pub crs: String,
    /// EPSG code of the analysis CRS, when known.
    pub epsg: Option<u32>,
    /// Centre of the site in longitude/latitude (CGCS2000).
    pub centre_lonlat: [f64; 2],
    /// The villages it lies in, largest part first.
    pub villages: Vec<VillagePart>,
    /// Area outside every village (m²).
    pub outside_villages_m2: f64,
    /// Area by ownership: 国有 / 集体 / 未知 (m², overlap of the parcels, ellipsoid basis).
    pub ownership: Vec<(String, f64)>,
    /// Land by class, in code order (田坎 included as 1203).
    pub land: Vec<LandPart>,
    /// Land by group.
    pub totals: LandTotals,
    /// Parcels met.
    pub parcels: Vec<ParcelPart>,
    /// Whether a parcel layer was checked.
    pub parcels_checked: bool,
    /// The three control lines.
    pub controls: Vec<ControlResult>,
    /// The tolerance below which overlaps are noise (m²).
    pub tolerance_m2: f64,
    /// The verdict.
    pub verdict: Verdict,
    /// The largest part of the site outside permanent farmland and the red line (m², planar × the site's ellipsoidal/planar ratio), when the site
    /// meets either; `None` when there is nothing to avoid.
    pub avoiding_m2: Option<f64>,
    /// Things to know about this check (site repaired, parts outside villages…).
    pub notes: Vec<String>,
    /// The site in the analysis CRS (for the sheet and exports).
    #[serde(skip)]
    pub geom: GeometryStore,
    /// The largest part avoiding the controls (analysis CRS).
    #[serde(skip)]
    pub avoiding: Option<GeometryStore>,
}

impl Check {
    /// Area of the control `role` counted (m²), 0 when unchecked.
    pub fn control(&self, role: Role) -> Option<&ControlResult> {
        self.controls.iter().find(|c| c.role == role)
    }
}

fn field(read: &FeatureRead, names: &[&str]) -> Option<usize> {
    names.iter().find_map(|n| read.attrs.field_index(n))
}

fn text(read: &FeatureRead, col: Option<usize>, r: usize) -> String {
    col.map(|c| read.attrs.get(r, c).to_string().trim().to_string())
        .unwrap_or_default()
}

fn num(read: &FeatureRead, col: Option<usize>, r: usize) -> Option<f64> {
    col.and_then(|c| read.attrs.get(r, c).as_f64())
}

/// Where a check's layers come from: a data file (GeoPackage, shapefile…) or a project (`.yitu`: its layers,
/// each from its own file), and layers named for roles.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// The data file or project.
    pub path: PathBuf,
    /// Layers named per role (`None`: found by name or fields).
    pub named: Vec<(Role, String)>,
}

impl Inputs {
    /// The data file, the other files the project names, and the role options.
    fn resolve(&self) -> anyhow::Result<(PathBuf, ProfileOptions)> {
        let mut opts = ProfileOptions::default();
        for (role, name) in &self.named {
            opts.set(*role, Some(name.clone()));
        }
        let is_project = self
            .path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("yitu"));
        if !is_project {
            return Ok((self.path.clone(), opts));
        }
        let project =
            crate::core::io::project::Project::load(&self.path).map_err(|e| anyhow::anyhow!(e))?;
        let main = project
            .layers
            .iter()
            .find(|l| match &opts.villages {
                Some(n) => l.layer.eq_ignore_ascii_case(n),
                None => Role::Villages.names(&l.layer),
            })
            .or(project.layers.first())
            .ok_or_else(|| anyhow::anyhow!("项目中没有图层 / the project has no layers"))?;
        for l in &project.layers {
            if l.path != main.path && !opts.extra_files.contains(&l.path) {
                opts.extra_files.push(l.path.clone());
            }
        }
        Ok((main.path.clone(), opts))
    }
}

impl Context {
    /// Reads and indexes the county's layers. Villages are required; parcels and the three control lines
    /// are checked when present (their absence is reported by each check). Errors: unreadable data, no village
    /// layer, a layer without a CRS, cancelled.
    pub fn load(inputs: &Inputs, progress: &Progress) -> anyhow::Result<Context> {
        let mut warnings = Vec::new();
        let (path, opts) = inputs.resolve()?;
        let (info, layer_file) = profile::dataset_layers(&path, &opts.extra_files, &mut warnings)?;
        let file_of = |layer: &str| layer_file.get(layer).cloned().unwrap_or(path.clone());
        let roles = profile::resolve_roles(&info, &opts)?;
        let layer_of = |role: Role| {
            roles
                .iter()
                .find(|c| c.role == role)
                .and_then(|c| c.layer.clone())
        };
        let mut repaired = Vec::new();
        let village_layer = layer_of(Role::Villages).expect("resolved: required");
        progress.stage("villages / 村界", 1);
        // The CRS: the villages' own when projected and true to scale, else their GK zone.
        let mut villages = profile::read_layer(
            &file_of(&village_layer),
            &village_layer,
            crate::core::io::gpkg::ReadOptions {
                display: false,
                ..Default::default()
            },
            progress,
            &mut warnings,
            &mut repaired,
        )?;
        let crs = profile::analysis_crs_of(&villages.crs, &villages.geoms)?;
        profile::reproject(&mut villages, &crs, &mut warnings)?;
        let village_zones = Zones::new(&villages.geoms);
        let (vcode, vname, vtown) = (
            field(&villages, profile::VILLAGE_CODE_FIELDS),
            field(&villages, profile::VILLAGE_NAME_FIELDS),
            field(&villages, &["XZMC", "乡镇", "乡镇名称", "XZQMC"]),
        );
        let mut village_ids: Vec<(String, String, String)> = (0..villages.geoms.len())
            .map(|v| {
                let code: String = text(&villages, vcode, v).chars().take(12).collect();
                let town = if vtown != vname {
                    text(&villages, vtown, v)
                } else {
                    String::new()
                };
                (code, text(&villages, vname, v), town)
            })
            .collect();
        if village_ids.iter().all(|v| v.2.is_empty()) {
            if let Some(name) = layer_of(Role::Towns) {
                let t = profile::read_whole(
                    &file_of(&name),
                    &name,
                    &crs,
                    progress,
                    &mut warnings,
                    &mut repaired,
                )?;
                let zones = Zones::new(&t.geoms);
                let tname = field(&t, profile::TOWN_NAME_FIELDS);
                for (v, id) in village_ids.iter_mut().enumerate() {
                    use geo::InteriorPoint;
                    if let Some(p) = to_multipolygon(&villages.geoms, v).interior_point() {
                        if let Some(z) = zones.zone_at(p.x(), p.y()) {
                            id.2 = text(&t, tname, z);
                        }
                    }
                }
            }
        }
        let parcels = match layer_of(Role::Parcels) {
            Some(name) => {
                progress.stage("parcels / 图斑", 1);
                let read = profile::read_whole(
                    &file_of(&name),
                    &name,
                    &crs,
                    progress,
                    &mut warnings,
                    &mut repaired,
                )?;
                let dlbm = field(&read, &["DLBM"]).ok_or_else(|| {
                    anyhow::anyhow!(
                        "图斑层 {name} 没有 DLBM 字段 / the parcel layer {name} has no DLBM field"
                    )
                })?;
                let tbdlmj = field(&read, &["TBDLMJ"]);
                let tbmj = field(&read, &["TBMJ"]);
                if tbdlmj.is_none() {
                    warnings.push(if tbmj.is_some() {
                        "图斑层没有 TBDLMJ，地类面积按 TBMJ − KCMJ 计 / the parcel layer has no TBDLMJ: class areas are TBMJ − KCMJ".to_string()
                    } else {
                        "图斑层没有 TBDLMJ 和 TBMJ，地类面积按几何面积计 / the parcel layer has neither TBDLMJ nor TBMJ: class areas are geometric".to_string()
                    });
                }
                let areas = (0..read.geoms.len())
                    .map(|f| read.geoms.planar_area(f))
                    .collect();
                Some(Parcels {
                    index: SpatialIndex::build(&read.geoms.bboxes),
                    areas,
                    bsm: field(&read, &["BSM", "TBBH"]),
                    dlbm,
                    tbdlmj,
                    tbmj,
                    kcmj: field(&read, &["KCMJ"]),
                    kcdlbm: field(&read, &["KCDLBM"]),
                    qsxz: field(&read, &["QSXZ"]),
                    read,
                })
            }
            None => None,
        };
        let mut controls: [Option<Control>; 3] = [None, None, None];
        for (i, role) in [Role::PermanentFarmland, Role::RedLine, Role::DevBoundary]
            .into_iter()
            .enumerate()
        {
            if let Some(name) = layer_of(role) {
                progress.stage(role.label().0, 1);
                let l = profile::read_shapes(
                    &file_of(&name),
                    &name,
                    &crs,
                    &mut warnings,
                    &mut repaired,
                    progress,
                )?;
                controls[i] = Some(Control {
                    zones: Zones::new(&l.geoms),
                    layer: name,
                });
            }
        }
        let mut sources = vec![format!("数据 / data: {}", inputs.path.display())];
        sources.extend(
            roles
                .iter()
                .filter(|c| c.layer.is_some())
                .map(|c| c.describe()),
        );
        Ok(Context {
            village_extent: villages.geoms.extent(),
            crs,
            villages,
            village_zones,
            village_ids,
            parcels,
            controls,
            roles,
            warnings,
            sources,
        })
    }

    /// The parcels whose BSM is in `bsm` as one site (their union), in the analysis CRS. Errors: BSMs not
    /// found (listed), no parcel layer.
    pub fn site_from_parcels(&self, bsm: &[String]) -> Result<Site, String> {
        let p = self.parcels.as_ref().ok_or(
            "项目没有地类图斑图层，无法按图斑选址 / the project has no parcel layer to pick from",
        )?;
        let col = p
            .bsm
            .ok_or("图斑层没有 BSM 字段 / the parcel layer has no BSM field")?;
        let wanted: std::collections::HashSet<&str> = bsm.iter().map(|s| s.trim()).collect();
        let mut found = std::collections::HashSet::new();
        let mut polys = Vec::new();
        for f in 0..p.read.geoms.len() {
            let b = p.read.attrs.get(f, col).to_string();
            let b = b.trim();
            if wanted.contains(b) {
                found.insert(b.to_string());
                polys.extend(to_multipolygon(&p.read.geoms, f).0);
            }
        }
        let missing: Vec<&str> = bsm
            .iter()
            .map(|s| s.trim())
            .filter(|s| !found.contains(*s))
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "图斑层中没有这些 BSM / no parcel has these BSM: {}",
                missing.join(", ")
            ));
        }
        let union = geo::unary_union(&polys);
        Ok(Site {
            geom: store_of(&union),
            crs: self.crs.clone(),
        })
    }

    /// Checks `site` for project `info.project_type` with `rules`; overlaps below `tolerance_m2` are boundary
    /// noise. Errors: an unknown project type (the known ones listed), a site with no area, a site lying more
    /// than [`MAX_DISTANCE_M`] from every village (another CRS than declared?), a CRS that cannot be converted.
    pub fn check(
        &self,
        site: &Site,
        info: &SiteInfo,
        rules: &RuleTable,
        tolerance_m2: f64,
    ) -> Result<Check, String> {
        let ptype = rules.project_type(&info.project_type).ok_or_else(|| {
            format!(
                "未知的项目类型 {} / unknown project type {}；可用 / known: {}",
                info.project_type,
                info.project_type,
                rules
                    .types
                    .iter()
                    .map(|t| format!("{} {}", t.id, t.zh))
                    .collect::<Vec<_>>()
                    .join("、")
            )
        })?;
        let mut notes = Vec::new();
        let mut geom = site.geom.clone();
        if geom.is_empty() {
            return Err("选址没有图形 / the site has no shape".into());
        }
        if geom.len() > 1 {
            // Several features: one site of several parts.
            let mut polys = Vec::new();
            for f in 0..geom.len() {
                polys.extend(to_multipolygon(&geom, f).0);
            }
            geom = store_of(&geo::unary_union(&polys));
        }
        if geom.kinds[0] != GeomKind::Polygon {
            return Err("选址须为面 / the site must be a polygon".into());
        }
        if site.crs.is_unknown() {
            return Err("选址的坐标系未知，请指定 / the site's CRS is unknown: give it".into());
        }
        if site.crs != self.crs {
            let t = Transformer::between(&site.crs, &self.crs).map_err(|e| e.to_string())?;
            t.transform(&mut geom.coords).map_err(|e| e.to_string())?;
            geom.recompute_bboxes();
        }
        if geom
            .coords
            .iter()
            .any(|c| !c[0].is_finite() || !c[1].is_finite())
        {
            return Err(format!(
                "选址坐标无法换算到 {} / the site cannot be placed in {}",
                self.crs.label(),
                self.crs.label()
            ));
        }
        let stats = super::repair::make_fit(&mut geom);
        if stats.repaired > 0 {
            notes.push("选址图形无效（自相交、未闭合或自接触），已按 GEOS MakeValid 修复后核查 / the site's shape was invalid (self-intersecting, open or self-touching) and was repaired with GEOS MakeValid before checking".into());
        }
        let planar = geom.planar_area(0);
        if planar.is_nan() || planar <= 0.0 {
            return Err("选址面积为 0 / the site has no area".into());
        }
        // Far from the county: placed in the wrong CRS.
        let bb = geom.bboxes[0];
        let ve = self.village_extent;
        let dx = (ve.min_x - bb.max_x).max(bb.min_x - ve.max_x).max(0.0);
        let dy = (ve.min_y - bb.max_y).max(bb.min_y - ve.max_y).max(0.0);
        let d = dx.hypot(dy);
        if d > MAX_DISTANCE_M {
            return Err(format!(
                "选址距离本县村界 {:.1} km，坐标系可能不对（声明的 {}）/ the site lies {:.1} km from the county's villages: is it in another CRS than declared ({})?",
                d / 1000.0,
                site.crs.label(),
                d / 1000.0,
                site.crs.label()
            ));
        }
        let (area_m2, centre_lonlat) = {
            let t = Transformer::to_lonlat(&self.crs).map_err(|e| e.to_string())?;
            let mut ll = geom.clone();
            t.transform(&mut ll.coords).map_err(|e| e.to_string())?;
            ll.recompute_bboxes();
            let c = ll.bboxes[0].center();
            (profile::geodesic_area_m2(&ll, 0), [c.0, c.1])
        };
        // Geometric overlaps are computed on the plane and reported on the ellipsoid's basis, so that every
        // area of the check adds up to the site's ellipsoidal area (the planar ones differ by the projection's
        // scale, ~3·10⁻⁴ here).
        let scale = if planar > 0.0 && area_m2.is_finite() && area_m2 > 0.0 {
            area_m2 / planar
        } else {
            1.0
        };
        // An overlap is counted when it reaches the tolerance, or 1 % of the site (a small site wholly on
        // permanent farmland is a conflict, however small); below both it is boundary noise.
        let counts = |a: f64| a > NOISE_M2 && (a >= tolerance_m2 || a >= 0.01 * area_m2);
        // Villages.
        let mut villages: Vec<VillagePart> = self
            .village_zones
            .shares(&geom, 0)
            .into_iter()
            .map(|(v, s)| {
                let (code, name, town) = &self.village_ids[v as usize];
                VillagePart {
                    code: code.clone(),
                    name: name.clone(),
                    town: town.clone(),
                    area_m2: s * area_m2,
                }
            })
            .collect();
        villages.sort_by(|a, b| b.area_m2.total_cmp(&a.area_m2));
        let inside: f64 = villages.iter().map(|v| v.area_m2).sum();
        let outside_villages_m2 = if counts(area_m2 - inside) {
            area_m2 - inside
        } else {
            0.0
        };
        // A village the site only grazes along a shared boundary is noise, not a place it lies in.
        villages.retain(|v| counts(v.area_m2));
        if villages.is_empty() {
            notes.push("选址不在任何村内 / the site lies in no village".into());
        } else if outside_villages_m2 > 0.0 {
            notes.push(format!(
                "选址有 {:.2} 亩在所有村界之外 / {:.2} mu of the site lie outside every village",
                outside_villages_m2 / M2_PER_MU,
                outside_villages_m2 / M2_PER_MU
            ));
        }
        // Parcels: geometric overlaps on the ellipsoid's basis (planar × the site's ellipsoidal/planar ratio).
        let site_zone = Zones::new(&geom);
        let mut parts = Vec::new();
        let mut land: std::collections::BTreeMap<String, LandPart> = Default::default();
        let mut own: std::collections::BTreeMap<&str, f64> = Default::default();
        let mut totals = LandTotals::default();
        if let Some(p) = &self.parcels {
            let r = &p.read;
            for f in p.index.query(&bb) {
                let f = f as usize;
                let Some(&(_, s)) = site_zone.shares(&r.geoms, f).first() else {
                    continue;
                };
                let overlap = s * p.areas[f] * scale;
                // A neighbour sharing the site's edge meets it by floating-point noise only.
                if overlap < NOISE_M2 {
                    continue;
                }
                let code = landuse::normalize_code(&text(r, Some(p.dlbm), f)).into_owned();
                let kcmj = num(r, p.kcmj, f).unwrap_or(0.0);
                let class_area = match (num(r, p.tbdlmj, f), num(r, p.tbmj, f)) {
                    (Some(a), _) => a,
                    (None, Some(t)) => t - kcmj,
                    (None, None) => p.areas[f],
                };
                let ridge = if text(r, p.kcdlbm, f).trim_start_matches('0') == "1203"
                    || text(r, p.kcdlbm, f) == "1203"
                {
                    kcmj
                } else {
                    0.0
                };
                let e = land.entry(code.clone()).or_insert_with(|| LandPart {
                    name: landuse::class(&code)
                        .map(|c| c.name.to_string())
                        .unwrap_or_else(|| text(r, field(r, &["DLMC"]), f)),
                    group: landuse::group(&code),
                    code: code.clone(),
                    class_m2: 0.0,
                    overlap_m2: 0.0,
                    parcels: 0,
                });
                e.class_m2 += class_area * s;
                e.overlap_m2 += overlap;
                e.parcels += 1;
                if ridge > 0.0 {
                    let t = land.entry("1203".into()).or_insert_with(|| LandPart {
                        code: "1203".into(),
                        name: "田坎".into(),
                        group: Some(LandGroup::Agricultural),
                        class_m2: 0.0,
                        overlap_m2: 0.0,
                        parcels: 0,
                    });
                    t.class_m2 += ridge * s;
                    t.parcels += 1;
                }
                let q = text(r, p.qsxz, f);
                let owner = match q.chars().next() {
                    Some('1' | '2') => "国有",
                    Some('3' | '4') => "集体",
                    _ => "未知",
                };
                *own.entry(owner).or_default() += overlap;
                parts.push(ParcelPart {
                    bsm: p
                        .bsm
                        .map(|c| r.attrs.get(f, c).to_string())
                        .unwrap_or_else(|| r.fids[f].to_string()),
                    dlbm: code,
                    overlap_m2: overlap,
                    share: s,
                    class_m2: class_area * s,
                    ridge_m2: ridge * s,
                });
            }
            for l in land.values() {
                match l.group {
                    Some(LandGroup::Agricultural) => totals.agricultural += l.class_m2,
                    Some(LandGroup::Construction) => totals.construction += l.class_m2,
                    Some(LandGroup::Unused) => totals.unused += l.class_m2,
                    None => totals.unknown += l.class_m2,
                }
                if landuse::is_farmland(&l.code) {
                    totals.farmland += l.class_m2;
                }
                if l.code == "0101" {
                    totals.paddy += l.class_m2;
                }
            }
            if totals.unknown > 0.0 {
                notes.push(format!(
                    "有 {:.2} 亩的地类编码不在三调分类中，未归入三大类 / {:.2} mu have land codes outside the 三调 classes and are in no group",
                    totals.unknown / M2_PER_MU,
                    totals.unknown / M2_PER_MU
                ));
            }
        }
        parts.sort_by(|a, b| b.overlap_m2.total_cmp(&a.overlap_m2));
        // Controls.
        let mut controls = Vec::new();
        for (i, role) in [Role::PermanentFarmland, Role::RedLine, Role::DevBoundary]
            .into_iter()
            .enumerate()
        {
            let Some(c) = &self.controls[i] else {
                controls.push(ControlResult {
                    role,
                    layer: None,
                    area_m2: 0.0,
                    share: 0.0,
                    outside_m2: None,
                    patches: 0,
                    slivers: vec![],
                });
                continue;
            };
            let mut area = 0.0;
            let mut patches = 0;
            let mut slivers = Vec::new();
            for (_, s) in c.zones.shares(&geom, 0) {
                let a = s * area_m2;
                if counts(a) {
                    area += a;
                    patches += 1;
                } else if a > 0.0 {
                    slivers.push(a);
                }
            }
            controls.push(ControlResult {
                role,
                layer: Some(c.layer.clone()),
                area_m2: area,
                share: area / area_m2,
                outside_m2: (role == Role::DevBoundary).then(|| {
                    let out = area_m2 - area;
                    if counts(out) {
                        out
                    } else {
                        0.0
                    }
                }),
                patches,
                slivers,
            });
        }
        // The verdict.
        let mut areas = Vec::new();
        let mut unchecked = Vec::new();
        let ctl = |r: Role| controls.iter().find(|c| c.role == r).expect("all three");
        for (hit, c) in [
            (Hit::PermanentFarmland, ctl(Role::PermanentFarmland)),
            (Hit::RedLine, ctl(Role::RedLine)),
        ] {
            if c.layer.is_some() {
                areas.push((hit, c.area_m2));
            } else {
                unchecked.push(hit);
            }
        }
        let dev = ctl(Role::DevBoundary);
        if dev.layer.is_some() {
            areas.push((Hit::OutsideBoundary, dev.outside_m2.unwrap_or(0.0)));
        } else {
            unchecked.push(Hit::OutsideBoundary);
        }
        if self.parcels.is_some() {
            areas.push((Hit::Farmland, totals.farmland));
            areas.push((Hit::Agricultural, totals.agricultural - totals.farmland));
        } else {
            unchecked.push(Hit::Farmland);
            unchecked.push(Hit::Agricultural);
        }
        areas.sort_by_key(|a| a.0);
        unchecked.sort();
        // The areas are counted already (slivers left out): only float noise is dropped here.
        let verdict = rules.verdict(&ptype.id, &areas, &unchecked, NOISE_M2);
        // Avoiding permanent farmland and the red line.
        let avoid_roles: Vec<usize> = [0usize, 1]
            .into_iter()
            .filter(|&i| controls[i].area_m2 > 0.0)
            .collect();
        let avoiding = if avoid_roles.is_empty() {
            None
        } else {
            Some(self.avoiding(&geom, &avoid_roles))
        };
        // A leftover smaller than the tolerance is no part to build on.
        let avoiding = avoiding.map(|g| {
            if g.is_empty() || g.planar_area(0) * scale < tolerance_m2.max(1.0) {
                GeometryStore::new()
            } else {
                g
            }
        });
        let avoiding_m2 = avoiding.as_ref().map(|g| {
            if g.is_empty() {
                0.0
            } else {
                g.planar_area(0) * scale
            }
        });
        Ok(Check {
            info: SiteInfo {
                project_type: ptype.id.clone(),
                ..info.clone()
            },
            type_name: ptype.zh.clone(),
            area_m2,
            planar_m2: planar,
            crs: self.crs.label(),
            epsg: self.crs.epsg,
            centre_lonlat,
            villages,
            outside_villages_m2,
            ownership: own.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            land: land.into_values().collect(),
            totals,
            parcels: parts,
            parcels_checked: self.parcels.is_some(),
            controls,
            tolerance_m2,
            verdict,
            avoiding_m2,
            notes,
            geom,
            avoiding,
        })
    }

    /// The largest polygon of `site` minus the controls `which` (0: permanent farmland, 1: red line), in the
    /// analysis CRS (an empty store when nothing is left).
    fn avoiding(&self, site: &GeometryStore, which: &[usize]) -> GeometryStore {
        use geo::{Area, BooleanOps, Translate};
        let bb = site.bboxes[0];
        let (ox, oy) = (bb.min_x, bb.min_y);
        let mut left = to_multipolygon(site, 0).translate(-ox, -oy);
        for &i in which {
            let Some(c) = &self.controls[i] else { continue };
            for z in c.zones.candidates(&bb) {
                let zone = c.zones.polygon(z).translate(-ox, -oy);
                left = left.difference(&zone);
            }
        }
        let best = left
            .0
            .into_iter()
            .max_by(|a, b| a.unsigned_area().total_cmp(&b.unsigned_area()));
        match best {
            Some(p) if p.unsigned_area() > 0.0 => {
                store_of(&geo::MultiPolygon(vec![p]).translate(ox, oy))
            }
            _ => GeometryStore::new(),
        }
    }

    /// The villages as loaded (analysis CRS): for the sheet's map and locator.
    pub fn villages(&self) -> &GeometryStore {
        &self.villages.geoms
    }

    /// The parcels (analysis CRS), when a parcel layer was loaded; [`Context::parcel_code`] gives a DLBM.
    pub fn parcels(&self) -> Option<&GeometryStore> {
        self.parcels.as_ref().map(|p| &p.read.geoms)
    }

    /// The parcels meeting box `bb` (analysis CRS): indices into [`Context::parcels`].
    pub fn parcels_in(&self, bb: &BBox) -> Vec<usize> {
        self.parcels
            .as_ref()
            .map(|p| p.index.query(bb).map(|f| f as usize).collect())
            .unwrap_or_default()
    }

    /// The DLBM of parcel `f`.
    pub fn parcel_code(&self, f: usize) -> String {
        self.parcels
            .as_ref()
            .map(|p| text(&p.read, Some(p.dlbm), f))
            .unwrap_or_default()
    }

    /// The control polygons of `role` meeting `bb`, as one store each (analysis CRS).
    pub fn control_polygons(&self, role: Role, bb: &BBox) -> Vec<geo::MultiPolygon<f64>> {
        let i = match role {
            Role::PermanentFarmland => 0,
            Role::RedLine => 1,
            Role::DevBoundary => 2,
            _ => return vec![],
        };
        self.controls[i]
            .as_ref()
            .map(|c| {
                c.zones
                    .candidates(bb)
                    .into_iter()
                    .map(|z| c.zones.polygon(z).clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether a layer plays `role` (permanent farmland, red line, development boundary, parcels).
    pub fn has(&self, role: Role) -> bool {
        match role {
            Role::Parcels => self.parcels.is_some(),
            Role::PermanentFarmland => self.controls[0].is_some(),
            Role::RedLine => self.controls[1].is_some(),
            Role::DevBoundary => self.controls[2].is_some(),
            Role::Villages => true,
            _ => false,
        }
    }
}

/// A geo multipolygon as a one-feature store.
pub fn store_of(mp: &geo::MultiPolygon<f64>) -> GeometryStore {
    let mut s = GeometryStore::new();
    for p in &mp.0 {
        for r in std::iter::once(p.exterior()).chain(p.interiors()) {
            for c in &r.0 {
                s.push_coord(c.x, c.y);
            }
            s.end_ring();
        }
        s.end_part();
    }
    s.end_feature(GeomKind::Polygon);
    s
}

/// Reads a site from a file: a 界址点 coordinate list (TXT/CSV/DAT/XLSX, see
/// [`crate::core::io::boundary_points`]) or a vector file GDAL reads (GeoPackage, Shapefile, GeoJSON, KML,
/// DXF…; its polygons are the site's parts). `declared`: the CRS the user gives (EPSG) where the file does not
/// say it; `fallback` the project's, used for coordinate lists without a zone. Returns the site and notes.
pub fn read_site(
    path: &Path,
    declared: Option<u32>,
    fallback: Option<u32>,
) -> Result<(Site, Vec<String>), String> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default();
    if matches!(ext.as_str(), "txt" | "csv" | "dat" | "xlsx" | "xls") {
        let mut notes = Vec::new();
        let list = crate::core::io::boundary_points::read(path, declared, fallback)?;
        if list.parcels.len() > 1 {
            notes.push(format!(
                "坐标文件中的 {} 个地块作为一个选址的各部分（逐个核查请用 proposal compare）/ the file's {} 地块 are parts of one site (check them one by one with proposal compare)",
                list.parcels.len(),
                list.parcels.len()
            ));
        }
        notes.extend(list.notes.iter().cloned());
        return Ok((
            Site {
                geom: list.to_store(),
                crs: Crs::epsg(list.epsg),
            },
            notes,
        ));
    }
    let assume = declared.or(fallback).map(Crs::epsg);
    let l =
        crate::core::io::read::load_layer_assuming(path, None, assume.as_ref(), &Progress::new())
            .map_err(|e| {
            format!(
                "{}: {e}（可用 --crs 指定坐标系 / give the CRS with --crs）",
                path.display()
            )
        })?;
    let mut notes = l.warnings.clone();
    let crs = l.crs.clone();
    if let Some(d) = declared {
        if crs.epsg != Some(d) {
            notes.push(format!(
                "文件自带坐标系 {}，未用声明的 EPSG:{d} / the file says its CRS ({}); the declared EPSG:{d} is not used",
                crs.label(),
                crs.label()
            ));
        }
    }
    let mut polys = Vec::new();
    for f in 0..l.geoms.len() {
        if l.geoms.kinds[f] == GeomKind::Polygon {
            polys.extend(to_multipolygon(&l.geoms, f).0);
        }
    }
    if polys.is_empty() {
        polys = closed_lines(&l.geoms);
        if !polys.is_empty() {
            notes.push(format!(
                "文件中没有面，{} 条闭合线（如 DXF 多段线）作为面读取 / no polygons in the file: {} closed lines (e.g. DXF polylines) read as polygons",
                polys.len(),
                polys.len()
            ));
        }
    }
    if polys.is_empty() {
        return Err(format!(
            "{} 中没有面要素 / {} holds no polygon",
            path.display(),
            path.display()
        ));
    }
    if polys.len() > 1 {
        notes.push(format!(
            "文件中的 {} 个面作为一个选址的各部分 / the file's {} polygons are parts of one site",
            polys.len(),
            polys.len()
        ));
    }
    // Parts kept as read (no union: an invalid part is repaired by the check).
    let geom = store_of(&geo::MultiPolygon(polys));
    Ok((Site { geom, crs }, notes))
}

/// The closed rings of the line features of `store` (first point repeated, at least 3 others) as polygons: a
/// DXF's closed polylines, a KML's rings drawn as lines.
fn closed_lines(store: &GeometryStore) -> Vec<geo::Polygon<f64>> {
    let mut out = Vec::new();
    for f in 0..store.len() {
        if store.kinds[f] != GeomKind::Line {
            continue;
        }
        for r in store.rings(f) {
            if r.len() >= 4 && r.first() == r.last() {
                out.push(geo::Polygon::new(
                    geo::LineString(r.iter().map(|c| geo::Coord { x: c[0], y: c[1] }).collect()),
                    vec![],
                ));
            }
        }
    }
    out
}

/// Reads several candidate sites from a file: each 地块 of a coordinate list, or each polygon feature of a vector
/// file (named by a 项目名称 / 名称 / XMMC / name field), with `declared` and `fallback` as in [`read_site`].
pub fn read_sites(
    path: &Path,
    declared: Option<u32>,
    fallback: Option<u32>,
) -> Result<Vec<(String, Site)>, String> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default();
    if matches!(ext.as_str(), "txt" | "csv" | "dat" | "xlsx" | "xls") {
        let list = crate::core::io::boundary_points::read(path, declared, fallback)?;
        let all = list.to_store();
        return Ok(list
            .parcels
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let mut geom = GeometryStore::new();
                geom.extend_feature(&all, i);
                (
                    p.name.clone(),
                    Site {
                        geom,
                        crs: Crs::epsg(list.epsg),
                    },
                )
            })
            .collect());
    }
    let assume = declared.or(fallback).map(Crs::epsg);
    let l =
        crate::core::io::read::load_layer_assuming(path, None, assume.as_ref(), &Progress::new())
            .map_err(|e| {
            format!(
                "{}: {e}（可用 --crs 指定坐标系 / give the CRS with --crs）",
                path.display()
            )
        })?;
    let crs = l.crs.clone();
    let name_col = ["项目名称", "名称", "XMMC", "name", "NAME", "Name"]
        .iter()
        .find_map(|n| l.attrs.field_index(n))
        // A name cut by the shapefile's 10-byte limit (项目名…).
        .or_else(|| {
            l.attrs
                .fields
                .iter()
                .position(|f| f.name.starts_with("项目名"))
        });
    let mut out = Vec::new();
    for f in 0..l.geoms.len() {
        let mut geom = GeometryStore::new();
        match l.geoms.kinds[f] {
            GeomKind::Polygon => geom.extend_feature(&l.geoms, f),
            GeomKind::Line => {
                let mut one = GeometryStore::new();
                one.extend_feature(&l.geoms, f);
                let polys = closed_lines(&one);
                if polys.is_empty() {
                    continue;
                }
                geom = store_of(&geo::MultiPolygon(polys));
            }
            _ => continue,
        }
        let name = name_col
            .map(|c| l.attrs.get(f, c).to_string())
            .unwrap_or_default();
        out.push((
            name,
            Site {
                geom,
                crs: crs.clone(),
            },
        ));
    }
    if out.is_empty() {
        return Err(format!(
            "{} 中没有面要素 / {} holds no polygon",
            path.display(),
            path.display()
        ));
    }
    Ok(out)
}

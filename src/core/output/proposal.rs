//! What a land-use proposal check hands out: its tables (for XLSX and the sheet), its JSON, and the sites compared
//! side by side. Areas are shown in 亩 (2 decimals) and 公顷 (4 decimals) from m² summed first (1 亩 = 10000/15
//! m², 1 公顷 = 10 000 m² = 15 亩).

use crate::core::analysis::proposal::{Check, M2_PER_MU};
use crate::core::analysis::roles::Role;
use crate::core::model::proposal::{Level, DISCLAIMER};
use crate::core::output::table::{Cell, Table};

/// m² → 亩 cell (2 decimals).
pub fn mu(m2: f64) -> Cell {
    Cell::Num(m2 / M2_PER_MU, 2)
}

/// m² → 公顷 cell (4 decimals).
pub fn ha(m2: f64) -> Cell {
    Cell::Num(m2 / 10_000.0, 4)
}

/// The level's Chinese name, or 未核查.
pub fn level_zh(level: Option<Level>) -> &'static str {
    level.map(|l| l.label().0).unwrap_or("未核查")
}

/// Where the site lies: 乡镇 村 (largest part first), joined by 、.
pub fn location(c: &Check) -> String {
    if c.villages.is_empty() {
        return "不在任何村内".into();
    }
    c.villages
        .iter()
        .map(|v| {
            if v.town.is_empty() {
                v.name.clone()
            } else {
                format!("{}{}", v.town, v.name)
            }
        })
        .collect::<Vec<_>>()
        .join("、")
}

/// The summary: one row per item (项目, 值).
pub fn summary_table(c: &Check) -> Table {
    let row = |k: &str, v: String| vec![Cell::t(k), Cell::t(v)];
    let mut rows = vec![
        row("项目名称", c.info.name.clone()),
        row(
            "项目类型",
            format!("{}（{}）", c.type_name, c.info.project_type),
        ),
        row("申请方", c.info.applicant.clone()),
        row("用途", c.info.purpose.clone()),
        row("日期", c.info.date.clone()),
        row("坐落", location(c)),
        row(
            "面积（椭球）",
            format!(
                "{} 亩 / {} 公顷 / {:.2} m²",
                mu(c.area_m2).display(),
                ha(c.area_m2).display(),
                c.area_m2
            ),
        ),
        row(
            "面积（平面）",
            format!(
                "{} 亩 / {} 公顷（{}）",
                mu(c.planar_m2).display(),
                ha(c.planar_m2).display(),
                c.crs
            ),
        ),
        row(
            "中心经纬度",
            format!("{:.6}°E, {:.6}°N", c.centre_lonlat[0], c.centre_lonlat[1]),
        ),
        row(
            "结论",
            format!(
                "{}{}",
                c.verdict.level.label().0,
                if c.verdict.unchecked.is_empty() {
                    ""
                } else {
                    "（部分未核查）"
                }
            ),
        ),
        row("规则表版本", c.verdict.rules_version.clone()),
        row("说明", DISCLAIMER.0.to_string()),
    ];
    for n in &c.notes {
        rows.push(row("提示", n.clone()));
    }
    Table {
        title: "概况".into(),
        headers: vec!["项目".into(), "内容".into()],
        rows,
    }
}

/// The villages the site lies in.
pub fn villages_table(c: &Check) -> Table {
    let mut rows: Vec<Vec<Cell>> = c
        .villages
        .iter()
        .map(|v| {
            vec![
                Cell::t(&v.town),
                Cell::t(&v.code),
                Cell::t(&v.name),
                mu(v.area_m2),
                ha(v.area_m2),
            ]
        })
        .collect();
    if c.outside_villages_m2 > 0.0 {
        rows.push(vec![
            Cell::t(""),
            Cell::t(""),
            Cell::t("村界之外"),
            mu(c.outside_villages_m2),
            ha(c.outside_villages_m2),
        ]);
    }
    for (k, v) in &c.ownership {
        rows.push(vec![
            Cell::t("权属"),
            Cell::t(""),
            Cell::t(k),
            mu(*v),
            ha(*v),
        ]);
    }
    Table {
        title: "坐落".into(),
        headers: ["乡镇", "村代码", "村", "面积（亩）", "面积（公顷）"]
            .map(String::from)
            .to_vec(),
        rows,
    }
}

/// Land taken by class, then the groups.
pub fn land_table(c: &Check) -> Table {
    let mut rows: Vec<Vec<Cell>> = c
        .land
        .iter()
        .map(|l| {
            vec![
                Cell::t(&l.code),
                Cell::t(&l.name),
                Cell::t(l.group.map(|g| g.name_zh()).unwrap_or("未知")),
                mu(l.class_m2),
                ha(l.class_m2),
                mu(l.overlap_m2),
                Cell::Num(l.parcels as f64, 0),
            ]
        })
        .collect();
    let t = &c.totals;
    for (name, v) in [
        ("农用地", t.agricultural),
        ("其中：耕地", t.farmland),
        ("其中：水田", t.paddy),
        ("建设用地", t.construction),
        ("未利用地", t.unused),
    ] {
        rows.push(vec![
            Cell::t(""),
            Cell::t(name),
            Cell::t("合计"),
            mu(v),
            ha(v),
            Cell::t(""),
            Cell::t(""),
        ]);
    }
    Table {
        title: "地类".into(),
        headers: [
            "地类编码",
            "地类名称",
            "三大类",
            "地类面积（亩）",
            "地类面积（公顷）",
            "图斑几何重叠（亩）",
            "图斑数",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }
}

/// The control lines.
pub fn controls_table(c: &Check) -> Table {
    let rows = c
        .controls
        .iter()
        .map(|r| {
            let name = r.role.label().0;
            match &r.layer {
                None => vec![
                    Cell::t(name),
                    Cell::t("（无图层）"),
                    Cell::t("未核查"),
                    Cell::t(""),
                    Cell::t(""),
                    Cell::t(""),
                    Cell::t(""),
                    Cell::t(""),
                ],
                Some(layer) => {
                    let (what, area) = if r.role == Role::DevBoundary {
                        ("边界外", r.outside_m2.unwrap_or(0.0))
                    } else {
                        ("重叠", r.area_m2)
                    };
                    vec![
                        Cell::t(name),
                        Cell::t(layer),
                        Cell::t(what),
                        mu(area),
                        ha(area),
                        Cell::Num(100.0 * area / c.area_m2, 1),
                        Cell::Num(r.patches as f64, 0),
                        Cell::t(if r.slivers.is_empty() {
                            String::new()
                        } else {
                            format!(
                                "{} 处 < {} m² 且 < 1%（边界误差，未计）",
                                r.slivers.len(),
                                c.tolerance_m2
                            )
                        }),
                    ]
                }
            }
        })
        .collect();
    Table {
        title: "管控".into(),
        headers: [
            "管控线",
            "图层",
            "量",
            "面积（亩）",
            "面积（公顷）",
            "占选址（%）",
            "图斑数",
            "边界误差",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }
}

/// The verdict, one row per line, with the rule and its source.
pub fn verdict_table(c: &Check) -> Table {
    let mut rows: Vec<Vec<Cell>> = c
        .verdict
        .lines
        .iter()
        .map(|l| {
            vec![
                Cell::t(l.hit.label().0),
                if l.level.is_some() {
                    mu(l.area_m2)
                } else {
                    Cell::t("")
                },
                Cell::t(level_zh(l.level)),
                Cell::t(l.rule.as_ref().map(|r| r.id.as_str()).unwrap_or("")),
                Cell::t(l.text.split(" / ").next().unwrap_or("")),
                Cell::t(l.rule.as_ref().map(|r| r.source.as_str()).unwrap_or("")),
                Cell::t(l.rule.as_ref().map(|r| r.date.as_str()).unwrap_or("")),
            ]
        })
        .collect();
    if rows.is_empty() {
        rows.push(vec![
            Cell::t("未触及永久基本农田、耕地、生态保护红线，位于城镇开发边界内"),
            Cell::t(""),
            Cell::t(Level::Clear.label().0),
            Cell::t(""),
            Cell::t(""),
            Cell::t(""),
            Cell::t(""),
        ]);
    }
    Table {
        title: "结论".into(),
        headers: [
            "核查项",
            "面积（亩）",
            "级别",
            "规则",
            "规定",
            "依据",
            "日期",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }
}

/// The parcels met.
pub fn parcels_table(c: &Check) -> Table {
    Table {
        title: "图斑".into(),
        headers: [
            "BSM",
            "地类编码",
            "重叠面积（m²）",
            "占图斑比例",
            "分摊地类面积（m²）",
            "分摊田坎（m²）",
        ]
        .map(String::from)
        .to_vec(),
        rows: c
            .parcels
            .iter()
            .map(|p| {
                vec![
                    Cell::t(&p.bsm),
                    Cell::t(&p.dlbm),
                    Cell::Num(p.overlap_m2, 2),
                    Cell::Num(p.share, 6),
                    Cell::Num(p.class_m2, 2),
                    Cell::Num(p.ridge_m2, 2),
                ]
            })
            .collect(),
    }
}

/// The site's boundary points (界址点): J number, ring, X northing, Y easting (m, 3 decimals). Empty when the
/// analysis CRS is not a CGCS2000 Gauss-Krüger zone.
pub fn points_table(c: &Check) -> Table {
    let rows = crate::core::io::boundary_points::numbered_points(&c.geom, 0, 0)
        .into_iter()
        .map(|p| {
            vec![
                Cell::t(p.name),
                Cell::Num(p.ring as f64, 0),
                Cell::Num(p.x, 3),
                Cell::Num(p.y, 3),
            ]
        })
        .collect();
    Table {
        title: "界址点".into(),
        headers: ["点号", "圈号", "X（北）", "Y（东）"]
            .map(String::from)
            .to_vec(),
        rows,
    }
}

/// Every table of a check, in the order of the workbook.
pub fn tables(c: &Check) -> Vec<Table> {
    vec![
        summary_table(c),
        verdict_table(c),
        villages_table(c),
        land_table(c),
        controls_table(c),
        parcels_table(c),
        points_table(c),
    ]
}

/// Several sites side by side (项目比选): name, area, farmland, permanent farmland, red line, outside the
/// development boundary, the verdict and the largest part avoiding permanent farmland and the red line.
pub fn comparison_table(checks: &[Check]) -> Table {
    let ctl = |c: &Check, r: Role| -> Cell {
        match c.control(r) {
            Some(x) if x.layer.is_some() => {
                if r == Role::DevBoundary {
                    mu(x.outside_m2.unwrap_or(0.0))
                } else {
                    mu(x.area_m2)
                }
            }
            _ => Cell::t("未核查"),
        }
    };
    Table {
        title: "比选".into(),
        headers: [
            "选址",
            "坐落",
            "面积（亩）",
            "耕地（亩）",
            "永久基本农田（亩）",
            "生态保护红线（亩）",
            "开发边界外（亩）",
            "结论",
            "避让后最大地块（亩）",
        ]
        .map(String::from)
        .to_vec(),
        rows: checks
            .iter()
            .map(|c| {
                vec![
                    Cell::t(&c.info.name),
                    Cell::t(location(c)),
                    mu(c.area_m2),
                    if c.parcels_checked {
                        mu(c.totals.farmland)
                    } else {
                        Cell::t("未核查")
                    },
                    ctl(c, Role::PermanentFarmland),
                    ctl(c, Role::RedLine),
                    ctl(c, Role::DevBoundary),
                    Cell::t(c.verdict.level.label().0),
                    c.avoiding_m2.map(mu).unwrap_or(Cell::t("无需避让")),
                ]
            })
            .collect(),
    }
}

/// The check as JSON: everything, with areas in m² and the summary in 亩 and 公顷.
pub fn to_json(c: &Check, sources: &[String], warnings: &[String]) -> serde_json::Value {
    let mut v = serde_json::to_value(c).unwrap_or_default();
    if let Some(m) = v.as_object_mut() {
        m.insert(
            "area_mu".into(),
            serde_json::json!(round(c.area_m2 / M2_PER_MU, 2)),
        );
        m.insert(
            "area_ha".into(),
            serde_json::json!(round(c.area_m2 / 1e4, 4)),
        );
        m.insert("location".into(), serde_json::json!(location(c)));
        m.insert("disclaimer".into(), serde_json::json!(DISCLAIMER.0));
        m.insert("sources".into(), serde_json::json!(sources));
        m.insert("warnings".into(), serde_json::json!(warnings));
        m.insert("boundary_points".into(), points_table(c).to_json());
    }
    v
}

fn round(v: f64, d: i32) -> f64 {
    let p = 10f64.powi(d);
    (v * p).round() / p
}

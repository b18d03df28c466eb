//! Land-use proposals (用地申请、项目选址): the project types a village cadre proposes and the rule table that
//! turns what a site hits (permanent basic farmland, farmland, other agricultural land, the ecological red line,
//! land outside the urban development boundary) into a verdict of five levels, each line naming the rule, its
//! legal source (document number) and date.
//!
//! The table is data: the national rules ship in `assets/proposal/rules.json` (versioned); a project may keep
//! its own copy (`Project::proposal_rules`) with provincial rules added. [`RuleTable::problems`] says what is
//! wrong with a table (unknown types or hits, duplicate ids, a rule without a source).
//!
//! The verdict is a pre-check, never an approval: [`DISCLAIMER`] is printed on every sheet.

use serde::{Deserialize, Serialize};

/// Printed on every check: the verdict is a pre-check only.
pub const DISCLAIMER: (&str, &str) = (
    "本核查为用地预检，仅供参考，不作为审批依据",
    "a pre-check for reference only, not an approval",
);

/// The national rule table shipped with YiTu (JSON of [`RuleTable`]).
pub const DEFAULT_RULES_JSON: &str = include_str!("../../../assets/proposal/rules.json");

/// What a site can hit, in the order a verdict lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Hit {
    /// Permanent basic farmland (永久基本农田, YJJBNTTB): overlap with the site.
    PermanentFarmland,
    /// Farmland (耕地: 0101 水田, 0102 水浇地, 0103 旱地) taken by the site, permanent farmland included.
    Farmland,
    /// Agricultural land other than farmland (园地, 林地, 草地, 农村道路, 坑塘, 沟渠, 设施农用地, 田坎…).
    Agricultural,
    /// The ecological protection red line (生态保护红线, STBHHX): overlap with the site.
    RedLine,
    /// The part of the site outside the urban development boundary (城镇开发边界, CZKFBJ).
    OutsideBoundary,
}

impl Hit {
    /// Every hit, in order.
    pub const ALL: [Hit; 5] = [
        Hit::PermanentFarmland,
        Hit::Farmland,
        Hit::Agricultural,
        Hit::RedLine,
        Hit::OutsideBoundary,
    ];

    /// Chinese and English name.
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            Hit::PermanentFarmland => ("占用永久基本农田", "permanent basic farmland taken"),
            Hit::Farmland => ("占用耕地", "farmland taken"),
            Hit::Agricultural => ("占用其他农用地", "other agricultural land taken"),
            Hit::RedLine => ("涉及生态保护红线", "inside the ecological red line"),
            Hit::OutsideBoundary => (
                "位于城镇开发边界外",
                "outside the urban development boundary",
            ),
        }
    }
}

/// The five levels of a verdict, most severe first (the order of the enum).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// 禁止: forbidden.
    Prohibited,
    /// 原则禁止、仅国务院批准: forbidden in principle; only the State Council may approve.
    StateCouncil,
    /// 需审批 + 占补平衡/补划: needs approval (and farmland compensation or replacement).
    Approval,
    /// 需备案/进出平衡: needs filing (and the farmland in/out balance).
    Filing,
    /// 无冲突: no conflict.
    Clear,
}

impl Level {
    /// Chinese and English name.
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            Level::Prohibited => ("禁止", "forbidden"),
            Level::StateCouncil => (
                "原则禁止、仅国务院批准",
                "forbidden in principle; State Council approval only",
            ),
            Level::Approval => (
                "需审批（占补平衡/补划）",
                "approval needed (farmland compensation or replacement)",
            ),
            Level::Filing => (
                "需备案（进出平衡）",
                "filing needed (farmland in/out balance)",
            ),
            Level::Clear => ("无冲突", "no conflict"),
        }
    }

    /// Colour for sheets and the app (RGB): red, orange, amber, blue, green.
    pub fn rgb(self) -> [u8; 3] {
        match self {
            Level::Prohibited => [200, 30, 30],
            Level::StateCouncil => [220, 100, 20],
            Level::Approval => [200, 150, 0],
            Level::Filing => [40, 110, 190],
            Level::Clear => [40, 140, 60],
        }
    }
}

/// A kind of project (项目类型).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectType {
    /// Identifier (`rural_house`), used by `--type`.
    pub id: String,
    /// Chinese name.
    pub zh: String,
    /// English name.
    pub en: String,
    /// Whether it builds (建设用地): it then converts agricultural land.
    #[serde(default)]
    pub construction: bool,
}

/// One rule: a project type meeting a hit gives a level, for a reason with a legal source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// Identifier, unique in the table (`PBF-FACILITY`).
    pub id: String,
    /// The project types it applies to.
    pub types: Vec<String>,
    /// What the site hits.
    pub hit: Hit,
    /// The level it gives.
    pub level: Level,
    /// The rule in Chinese.
    pub zh: String,
    /// The rule in English.
    pub en: String,
    /// Legal source: the document and its number (文号), article where known.
    pub source: String,
    /// Date of the source (YYYY-MM-DD or YYYY-MM).
    pub date: String,
}

/// The rule table: project types and rules, versioned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleTable {
    /// Version (`2026.1`); a project's edited copy counts up.
    pub version: String,
    /// Date of the version.
    pub date: String,
    /// What the table covers (national only, or a province's rules added).
    #[serde(default)]
    pub scope: String,
    /// The project types.
    pub types: Vec<ProjectType>,
    /// The rules.
    pub rules: Vec<Rule>,
}

/// One line of a verdict: a hit, its measure and the level the rules give.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerdictLine {
    /// What was hit.
    pub hit: Hit,
    /// Area hit (m²; planar in the analysis CRS for overlaps, apportioned TBDLMJ for land classes).
    pub area_m2: f64,
    /// The level, `None` when the layer needed was missing (not checked).
    pub level: Option<Level>,
    /// The rule applied (most severe when several apply); `None` when no rule covers this type and
    /// hit, or the hit was not checked.
    pub rule: Option<Rule>,
    /// What the line says, Chinese / English.
    pub text: String,
}

/// The verdict of a check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// The most severe level of the lines (无冲突 when nothing was hit).
    pub level: Level,
    /// One line per hit met or not checked.
    pub lines: Vec<VerdictLine>,
    /// Hits that could not be checked (their layer is missing): the verdict is incomplete.
    pub unchecked: Vec<Hit>,
    /// The table's version.
    pub rules_version: String,
}

impl RuleTable {
    /// The national table shipped with YiTu.
    pub fn national() -> RuleTable {
        serde_json::from_str(DEFAULT_RULES_JSON).expect("the shipped rule table parses (tested)")
    }

    /// Reads a table from JSON, with its problems refused.
    pub fn from_json(text: &str) -> Result<RuleTable, String> {
        let t: RuleTable = serde_json::from_str(text)
            .map_err(|e| format!("规则表无法读取 / the rule table cannot be read: {e}"))?;
        let p = t.problems();
        if p.is_empty() {
            Ok(t)
        } else {
            Err(format!(
                "规则表有误 / the rule table is wrong: {}",
                p.join("; ")
            ))
        }
    }

    /// The project type `id`, also found by its Chinese or English name (brackets full- or half-width, case and
    /// spaces not minding), or by a part of its Chinese name that only one type has (宅基地, 畜禽).
    pub fn project_type(&self, id: &str) -> Option<&ProjectType> {
        let norm = |s: &str| -> String {
            s.trim()
                .chars()
                .filter(|c| !c.is_whitespace())
                .map(|c| match c {
                    '（' => '(',
                    '）' => ')',
                    '，' => ',',
                    '、' => ',',
                    c => c.to_ascii_lowercase(),
                })
                .collect()
        };
        let q = norm(id);
        if q.is_empty() {
            return None;
        }
        if let Some(t) = self
            .types
            .iter()
            .find(|t| norm(&t.id) == q || norm(&t.zh) == q || norm(&t.en) == q)
        {
            return Some(t);
        }
        let mut partial = self.types.iter().filter(|t| norm(&t.zh).contains(&q));
        match (partial.next(), partial.next()) {
            (Some(t), None) if q.chars().count() >= 2 => Some(t),
            _ => None,
        }
    }

    /// The project types as `id 中文名` for messages.
    pub fn type_list(&self) -> String {
        self.types
            .iter()
            .map(|t| format!("{} {}", t.id, t.zh))
            .collect::<Vec<_>>()
            .join("、")
    }

    /// What is wrong with the table: rules naming unknown types, duplicate ids, a rule without a
    /// source or date, a type without a rule for a hit it can meet.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut ids = std::collections::HashSet::new();
        let mut type_ids = std::collections::HashSet::new();
        for t in &self.types {
            if !type_ids.insert(t.id.as_str()) {
                out.push(format!("项目类型重复 / duplicate project type: {}", t.id));
            }
        }
        for r in &self.rules {
            if !ids.insert(r.id.as_str()) {
                out.push(format!("规则编号重复 / duplicate rule id: {}", r.id));
            }
            if r.source.trim().is_empty() || r.date.trim().is_empty() {
                out.push(format!(
                    "规则 {} 没有依据或日期 / rule {} has no source or date",
                    r.id, r.id
                ));
            }
            for t in &r.types {
                if !type_ids.contains(t.as_str()) {
                    out.push(format!(
                        "规则 {} 的项目类型 {t} 未定义 / rule {} names an unknown project type {t}",
                        r.id, r.id
                    ));
                }
            }
        }
        for t in &self.types {
            for h in Hit::ALL {
                if h == Hit::Agricultural && !t.construction {
                    continue;
                }
                if !self
                    .rules
                    .iter()
                    .any(|r| r.hit == h && r.types.contains(&t.id))
                {
                    out.push(format!(
                        "项目类型 {} 没有“{}”的规则 / project type {} has no rule for “{}”",
                        t.id,
                        h.label().0,
                        t.id,
                        h.label().1
                    ));
                }
            }
        }
        out
    }

    /// The verdict for project type `type_id` given the area hit of each hit checked (m², ≥ 0)
    /// and the hits that could not be checked. A hit counts when its area is at least
    /// `tolerance_m2` (smaller overlaps are boundary noise). Where several rules apply to one
    /// hit, the most severe gives the line. A hit met that no rule covers gives 需审批 and says
    /// the table has no rule (never 无冲突).
    pub fn verdict(
        &self,
        type_id: &str,
        areas: &[(Hit, f64)],
        unchecked: &[Hit],
        tolerance_m2: f64,
    ) -> Verdict {
        let mut lines = Vec::new();
        // Agricultural land other than farmland matters only to building (its conversion).
        let builds = self.project_type(type_id).is_none_or(|t| t.construction);
        for &(hit, area) in areas {
            if area < tolerance_m2
                || unchecked.contains(&hit)
                || (hit == Hit::Agricultural && !builds)
            {
                continue;
            }
            let rule = self
                .rules
                .iter()
                .filter(|r| r.hit == hit && r.types.iter().any(|t| t == type_id))
                .min_by_key(|r| r.level)
                .cloned();
            let (level, text) = match &rule {
                Some(r) => (r.level, format!("{} / {}", r.zh, r.en)),
                None => (
                    Level::Approval,
                    "规则表中没有此类项目的此项规则，请人工核查 / the rule table has no rule for this project type and hit: check by hand".to_string(),
                ),
            };
            lines.push(VerdictLine {
                hit,
                area_m2: area,
                level: Some(level),
                rule,
                text,
            });
        }
        for &hit in unchecked {
            if hit == Hit::Agricultural && !builds {
                continue;
            }
            lines.push(VerdictLine {
                hit,
                area_m2: 0.0,
                level: None,
                rule: None,
                text: "缺少图层，未核查（不等于无冲突）/ layer missing, not checked (not the same as no conflict)".into(),
            });
        }
        let level = lines
            .iter()
            .filter_map(|l| l.level)
            .min()
            .unwrap_or(Level::Clear);
        Verdict {
            level,
            lines,
            unchecked: unchecked.to_vec(),
            rules_version: self.version.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_national_table_parses_and_has_no_problems() {
        let t = RuleTable::national();
        assert_eq!(t.problems(), Vec::<String>::new());
        assert!(t.types.len() >= 10);
        assert!(t
            .rules
            .iter()
            .all(|r| r.source.contains('〔') || r.source.contains('《')));
    }

    #[test]
    fn the_most_severe_rule_gives_the_verdict_and_slivers_do_not_count() {
        let t = RuleTable::national();
        let v = t.verdict(
            "rural_house",
            &[(Hit::PermanentFarmland, 0.4), (Hit::Farmland, 120.0)],
            &[Hit::RedLine],
            1.0,
        );
        assert_eq!(v.level, Level::Approval);
        assert_eq!(v.lines.len(), 2);
        assert_eq!(v.lines[1].level, None);
        let v = t.verdict("rural_house", &[(Hit::PermanentFarmland, 5.0)], &[], 1.0);
        assert_eq!(v.level, Level::Prohibited);
        assert_eq!(v.lines[0].rule.as_ref().unwrap().id, "PBF-CONSTRUCTION");
        let v = t.verdict("rural_house", &[], &[], 1.0);
        assert_eq!(v.level, Level::Clear);
    }

    #[test]
    fn a_table_with_an_unknown_type_is_refused() {
        let mut t = RuleTable::national();
        t.rules[0].types.push("spaceport".into());
        let e = RuleTable::from_json(&serde_json::to_string(&t).unwrap()).unwrap_err();
        assert!(e.contains("spaceport"), "{e}");
    }
}

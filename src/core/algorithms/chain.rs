//! Industry chains (一产一档) as an algorithm: the firms of a register (a point layer) placed on the links of the
//! chain templates, the register checked, and the measures of every link for a town, a village or the county
//! against a reference region. The work is [`crate::core::analysis::chain`].

use super::{input_param, scope_of, scope_params};
use super::{Algorithm, AlgorithmError, Outcome, Param, ParamKind, Params};
use crate::core::analysis::chain::{
    check_register, measures, place, Firm, FirmRecord, LqBasis, StatusRule,
};
use crate::core::analysis::profile::Scope;
use crate::core::analysis::roles::Role;
use crate::core::model::chain::{chains_from_json, default_chains, Chain};
use crate::core::model::progress::Progress;

/// The chain measures (`yitu chain`).
pub struct ChainMeasures;

use super::optional_param as param;

/// Fields a register's column is looked for under, in order.
const NAME: &[&str] = &["name", "QYMC", "企业名称", "名称", "NAME"];
const CREDIT: &[&str] = &["credit_code", "TYSHXYDM", "统一社会信用代码", "信用代码"];
const CODE: &[&str] = &["industry_code", "HYDM", "行业代码", "国民经济行业代码"];
const PRODUCTS: &[&str] = &["products", "ZYCP", "主要产品", "产品"];
const OUTPUT: &[&str] = &["output_wan", "output", "产值", "总产值", "产值万元"];
const TAX: &[&str] = &["tax_wan", "tax", "税收", "纳税"];
const EMPLOYEES: &[&str] = &["employees", "CYRS", "从业人员", "职工人数"];
const ABOVE: &[&str] = &["above_scale", "is_above_scale", "规上", "规模以上"];
const LEAD: &[&str] = &["is_lead", "lead", "链主"];
const AREA: &[&str] = &["village_code", "ZLDWDM", "CJDM", "村代码", "XZQDM"];
const CHAIN: &[&str] = &["chain", "产业链"];
const LINK: &[&str] = &["link_id", "环节编号", "环节"];

impl Algorithm for ChainMeasures {
    fn id(&self) -> &'static str {
        "chain"
    }

    fn name(&self) -> (&'static str, &'static str) {
        ("产业链（一产一档）", "Industry chains")
    }

    fn description(&self) -> (&'static str, &'static str) {
        (
            "把企业归入产业链环节（登记的环节、行业代码或产品关键词，注明依据和可信度），检查企业名录，算出每个环节的企业数、规上、产值、税收、从业人员、区位熵、集中度、链主和强/中/弱/缺",
            "Place a register's firms on the chain links (by the register's link, the industry code or product keywords, with the rule and a confidence), check the register, and measure every link: firms, 规上, output, tax, employees, location quotient, concentration, lead firms and 强/中/弱/缺",
        )
    }

    fn group(&self) -> (&'static str, &'static str) {
        ("产业分析", "Industry analyses")
    }

    fn parameters(&self) -> Vec<Param> {
        let mut file = input_param((
            "有企业点图层的数据文件，或项目（.yitu）",
            "The data file with the firms' point layer, or a project (.yitu)",
        ));
        file.required = false;
        let mut ps = vec![file];
        ps.extend(scope_params());
        ps.extend([
            param(
                "enterprises",
                Role::Enterprises.label(),
                (
                    "企业图层（默认：enterprises、企业等别名）",
                    "The firms' layer (default: enterprises, 企业 or another alias)",
                ),
                ParamKind::Layer { role: Role::Enterprises },
                None,
                true,
            ),
            param(
                "templates",
                ("产业链模板", "Chain templates"),
                (
                    "产业链模板 JSON（默认：内置的莆田重点产业链）",
                    "Chain templates as JSON (default: the built-in Putian key chains)",
                ),
                ParamKind::InputFile { extensions: &["json"] },
                None,
                true,
            ),
            param(
                "reference",
                ("参照区域", "Reference region"),
                (
                    "区位熵的参照区域（行政区划代码前缀，默认：所在县）",
                    "The reference region of the location quotient (a division-code prefix; default: the county)",
                ),
                ParamKind::Text,
                None,
                true,
            ),
            param(
                "basis",
                ("区位熵依据", "LQ basis"),
                ("区位熵按什么计", "What the location quotient counts"),
                ParamKind::Choice {
                    values: &[
                        ("employees", "从业人员", "Employees"),
                        ("firms", "企业数", "Firms"),
                        ("output", "产值", "Output"),
                    ],
                },
                Some("employees"),
                true,
            ),
            param(
                "format",
                ("格式", "Format"),
                ("输出格式", "Output format"),
                ParamKind::Choice {
                    values: &[("csv", "CSV", "CSV"), ("json", "JSON", "JSON")],
                },
                Some("csv"),
                false,
            ),
            param(
                "out",
                ("输出文件", "Output file"),
                (
                    "输出文件（不给则打印）",
                    "Output file (printed when absent)",
                ),
                ParamKind::OutputFile {
                    extensions: &["csv", "json"],
                },
                None,
                false,
            ),
            param(
                "list",
                ("列出产业链", "List the chains"),
                (
                    "只列出产业链模板及其环节",
                    "Only list the chain templates and their links",
                ),
                ParamKind::Flag,
                None,
                false,
            ),
        ]);
        ps
    }

    fn run(&self, params: &Params, progress: &Progress) -> Result<Outcome, AlgorithmError> {
        let params = self.check(params)?;
        let fail = AlgorithmError::Failed;
        let chains: Vec<Chain> = match params.path("templates") {
            Some(p) => {
                let text = std::fs::read_to_string(&p)
                    .map_err(|e| AlgorithmError::Failed(format!("{}: {e}", p.display())))?;
                chains_from_json(&text).map_err(AlgorithmError::BadParameters)?
            }
            None => default_chains(),
        };
        for c in &chains {
            for p in c.problems() {
                progress.note(format!("产业链模板 / template: {p}"));
            }
        }
        if params.flag("list") {
            let mut text = String::new();
            for c in &chains {
                text += &format!(
                    "{}\tv{}\t{} 个环节 / links\n",
                    c.name,
                    c.version,
                    c.links.len()
                );
                for l in &c.links {
                    text += &format!(
                        "  {}\t{}\t{}\t{}\t{}\n",
                        l.tier.label(),
                        l.id,
                        l.name,
                        l.codes.join(" "),
                        l.keywords.join("、")
                    );
                }
            }
            return Ok(Outcome {
                text: Some(text),
                notes: progress.notes(),
                ..Default::default()
            });
        }
        let file = params.path("file").ok_or_else(|| {
            AlgorithmError::BadParameters(
                "缺少参数 数据文件或项目（<file>）/ Data file or project (<file>) is required"
                    .into(),
            )
        })?;
        let area = match scope_of(&params)? {
            Scope::County => String::new(),
            Scope::Town(c) | Scope::Village(c) => c,
        };
        let format = params.string("format").unwrap_or_else(|| "csv".into());
        if let Some(out) = params.path("out") {
            crate::core::io::files::check_output(&out, &[&file]).map_err(fail)?;
        }
        progress.stage("读取企业 / reading the firms", 0);
        let layer = read_firms(&file, params.text("enterprises"), progress).map_err(fail)?;
        let a = &layer.attrs;
        // A name as given, else as a shapefile cut it (DBF names keep 10 bytes: industry_code → industry_c).
        let col = |names: &[&str]| {
            names.iter().find_map(|n| a.field_index(n)).or_else(|| {
                names.iter().find_map(|n| {
                    a.fields.iter().position(|f| {
                        f.name.len() == 10
                            && n.len() > 10
                            && n.to_ascii_lowercase()
                                .starts_with(&f.name.to_ascii_lowercase())
                    })
                })
            })
        };
        let (c_name, c_credit, c_code, c_products) =
            (col(NAME), col(CREDIT), col(CODE), col(PRODUCTS));
        let (c_out, c_tax, c_emp, c_above, c_lead, c_area) = (
            col(OUTPUT),
            col(TAX),
            col(EMPLOYEES),
            col(ABOVE),
            col(LEAD),
            col(AREA),
        );
        let (c_chain, c_link) = (col(CHAIN), col(LINK));
        if c_code.is_none() && c_products.is_none() && c_link.is_none() {
            progress.note(format!(
                "图层 {} 没有行业代码、主要产品或环节字段，企业只能按名称关键词归入 / layer {} has no industry code, products or link field: firms are placed by keywords in their names only",
                layer.name, layer.name
            ));
        }
        if c_above.is_none() {
            progress.note(
                "没有规上标志字段：按产值 ≥ 2000 万元计为规上 / no 规上 field: firms with an output of 2 000 万元 or more count as 规上",
            );
        }
        let text = |c: Option<usize>, i: usize| {
            c.map(|c| a.get(i, c).to_string().trim().to_string())
                .unwrap_or_default()
        };
        let num = |c: Option<usize>, i: usize| c.and_then(|c| a.get(i, c).as_f64()).unwrap_or(0.0);
        let records: Vec<FirmRecord> = (0..layer.len())
            .map(|i| {
                let firm = Firm {
                    name: text(c_name, i),
                    credit_code: text(c_credit, i),
                    industry_code: text(c_code, i),
                    products: text(c_products, i),
                    chain: Some(text(c_chain, i)).filter(|s| !s.is_empty()),
                    link: Some(text(c_link, i)).filter(|s| !s.is_empty()),
                };
                let output = num(c_out, i);
                let flag = |c: Option<usize>| {
                    matches!(
                        text(c, i).as_str(),
                        "1" | "是" | "Y" | "y" | "true" | "TRUE" | "规上"
                    )
                };
                FirmRecord {
                    placed: place(&chains, &firm, None),
                    firm,
                    area: text(c_area, i),
                    output,
                    tax: num(c_tax, i),
                    employees: num(c_emp, i),
                    above_scale: if c_above.is_some() {
                        flag(c_above)
                    } else {
                        output >= 2000.0
                    },
                    lead: flag(c_lead),
                }
            })
            .collect();
        let firms: Vec<Firm> = records.iter().map(|r| r.firm.clone()).collect();
        let placed: Vec<_> = records.iter().map(|r| r.placed.clone()).collect();
        let problems = check_register(&firms, &placed, None);
        for p in problems.iter().take(50) {
            progress.note(format!("企业名录 / register: {p}"));
        }
        if problems.len() > 50 {
            progress.note(format!(
                "企业名录另有 {} 条问题 / {} more register findings",
                problems.len() - 50,
                problems.len() - 50
            ));
        }
        if c_area.is_none() && !area.is_empty() {
            return Err(AlgorithmError::Failed(format!(
                "图层 {} 没有村代码字段（{}），不能按乡镇或村统计 / layer {} has no village code field ({}): a town or village cannot be measured",
                layer.name,
                AREA.join("、"),
                layer.name,
                AREA.join(", ")
            )));
        }
        // The reference region: given, else the county (the first 6 digits of the area or of the firms' codes).
        let reference = params.string("reference").unwrap_or_else(|| {
            let from = if area.is_empty() {
                records
                    .iter()
                    .map(|r| r.area.as_str())
                    .find(|a| a.len() >= 6)
                    .unwrap_or("")
            } else {
                area.as_str()
            };
            from.chars().take(6).collect()
        });
        let basis = match params.text("basis") {
            Some("firms") => LqBasis::Firms,
            Some("output") => LqBasis::Output,
            _ => LqBasis::Employees,
        };
        let m = measures(
            &chains,
            &records,
            &area,
            &reference,
            basis,
            &StatusRule::default(),
        );
        let out_text = if format == "json" {
            let rows: Vec<serde_json::Value> = m
                .iter()
                .map(|x| {
                    serde_json::json!({
                        "chain": x.chain, "link": x.link, "name": x.name, "firms": x.firms,
                        "above_scale": x.above_scale, "output_wan": x.output, "tax_wan": x.tax,
                        "employees": x.employees, "lq": x.lq, "lq_few_firms": x.lq_few, "hhi": x.hhi,
                        "equivalent_firms": x.equivalent_firms, "leads": x.leads,
                        "status": x.status.label(), "reason": x.reason,
                    })
                })
                .collect();
            serde_json::to_string_pretty(&serde_json::json!({
                "area": if area.is_empty() { &reference } else { &area },
                "reference": reference,
                "links": rows,
            }))
            .unwrap_or_default()
                + "\n"
        } else {
            let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
            let f = |v: Option<f64>| v.map(|v| format!("{v:.4}")).unwrap_or_default();
            let mut t = String::from(
                "chain,link,name,firms,above_scale,output_wan,tax_wan,employees,lq,lq_few_firms,hhi,equivalent_firms,leads,status,reason\n",
            );
            for x in &m {
                t += &format!(
                    "{},{},{},{},{},{:.2},{:.2},{:.0},{},{},{},{},{},{},{}\n",
                    q(&x.chain),
                    q(&x.link),
                    q(&x.name),
                    x.firms,
                    x.above_scale,
                    x.output,
                    x.tax,
                    x.employees,
                    f(x.lq),
                    x.lq_few,
                    f(x.hhi),
                    f(x.equivalent_firms),
                    q(&x.leads.join("；")),
                    x.status.label(),
                    q(&x.reason)
                );
            }
            t
        };
        let count = |s: &str| m.iter().filter(|x| x.status.label() == s).count();
        let placed_n = records.iter().filter(|r| !r.placed.is_empty()).count();
        let summary = format!(
            "{} 家企业，{} 家归入环节；{} 个环节：强 {}、中 {}、弱 {}、缺 {} / {} firms, {} placed; {} links: {} strong, {} medium, {} weak, {} missing\n",
            records.len(), placed_n, m.len(), count("强"), count("中"), count("弱"), count("缺"),
            records.len(), placed_n, m.len(), count("强"), count("中"), count("弱"), count("缺"),
        );
        let mut o = Outcome {
            summary,
            notes: progress.notes(),
            ..Default::default()
        };
        match params.path("out") {
            Some(out) => {
                crate::core::io::files::write_atomic(&out, out_text.as_bytes()).map_err(|e| {
                    AlgorithmError::Failed(crate::core::io::files::write_error(&out, &e))
                })?;
                o.files.push(out);
            }
            None => {
                // The table goes to standard output alone (it may be piped into a file); the summary is a note.
                progress.note(o.summary.trim_end());
                o.notes = progress.notes();
                o.summary.clear();
                o.text = Some(out_text);
            }
        }
        o.counts.insert("firms".into(), records.len() as f64);
        o.counts.insert("placed".into(), placed_n as f64);
        Ok(o)
    }
}

/// The firms' layer of a project or a data file: named by `--enterprises`, else the layer whose name plays the
/// enterprises role, else the only point layer.
fn read_firms(
    file: &std::path::Path,
    name: Option<&str>,
    progress: &Progress,
) -> Result<crate::core::model::layer::VectorLayer, String> {
    use crate::core::io::read::{inspect, load_layer};
    let is_project = file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("yitu"));
    let candidates: Vec<(std::path::PathBuf, String)> = if is_project {
        let p = crate::core::io::project::Project::load(file)?;
        p.layers
            .iter()
            .map(|l| (l.path.clone(), l.layer.clone()))
            .collect()
    } else {
        inspect(file)
            .map_err(|e| e.to_string())?
            .layers
            .iter()
            .map(|l| (file.to_path_buf(), l.name.clone()))
            .collect()
    };
    let chosen = match name {
        Some(n) => candidates.iter().find(|(_, l)| l == n).ok_or_else(|| {
            format!("没有企业图层 {n} / no firms' layer {n}")
        })?,
        None => candidates
            .iter()
            .find(|(_, l)| Role::Enterprises.names(l))
            .ok_or_else(|| {
                let names: Vec<&str> = candidates.iter().map(|(_, l)| l.as_str()).collect();
                format!(
                    "没有企业图层（enterprises、企业等）；用 --enterprises 指定，可选：{} / no firms' layer (enterprises, 企业…): name it with --enterprises; there are: {}",
                    names.join("、"),
                    names.join(", ")
                )
            })?,
    };
    load_layer(&chosen.0, Some(&chosen.1), progress).map_err(|e| e.to_string())
}

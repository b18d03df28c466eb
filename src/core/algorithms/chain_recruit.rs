//! Gaps → recruitment (补链、延链, 一产一档 §5) as an algorithm (`yitu chain recruit`): for every missing or weak
//! link, the best candidate firms of a provincial or national list (indexed once, [`CandidateIndex`]); and the
//! links the county lacks ranked by relatedness to what it has ([`crate::core::analysis::relatedness`]), each with
//! its reason. Written as a 招商清单 workbook (two sheets), JSON or CSV.

use super::chain::{
    chain_param, find_chain, load_chains, load_reference_table, load_register, register_params,
    write_or_print,
};
use super::optional_param as param;
use super::{Algorithm, AlgorithmError, Outcome, Param, ParamKind, Params};
use crate::core::analysis::chain::{
    measures_against, place, Firm, LqBasis, Reference, Status, StatusRule,
};
use crate::core::analysis::relatedness::relatedness;
use crate::core::data::candidates::{Candidate, CandidateIndex};
use crate::core::model::progress::Progress;
use std::collections::{BTreeMap, HashMap, HashSet};

/// A link to extend to: (link label, density, reason).
pub(crate) type Extension = (String, f64, String);

/// Recruitment lists and extension candidates (`yitu chain recruit`).
pub struct ChainRecruit;

/// One line of the recruitment list.
pub(crate) struct Line {
    pub chain: String,
    pub link: String,
    pub name: String,
    pub status: &'static str,
    pub reason: String,
    pub rank: usize,
    pub firm: Candidate,
}

impl Algorithm for ChainRecruit {
    fn id(&self) -> &'static str {
        "chain recruit"
    }
    fn name(&self) -> (&'static str, &'static str) {
        ("招商清单（补链、延链）", "Recruitment lists")
    }
    fn description(&self) -> (&'static str, &'static str) {
        (
            "为缺失或薄弱的环节从省或全国候选企业名单中挑出目标企业（规上优先、按产值），并按与本县已有环节的相关度（产品空间）排出可延伸的环节，输出招商清单",
            "For every missing or weak link, the best firms of a provincial or national candidate list (规上 first, by output); and the links the county lacks ranked by relatedness to what it has (product space): a recruitment workbook",
        )
    }
    fn group(&self) -> (&'static str, &'static str) {
        ("产业分析", "Industry analyses")
    }
    fn parameters(&self) -> Vec<Param> {
        let mut ps = register_params();
        ps.push(chain_param(false));
        let mut cand = param(
            "candidates",
            ("候选企业名单", "Candidate firms"),
            (
                "省或全国候选企业名单（CSV/XLSX：企业名称、统一社会信用代码、省份、县级代码、行业代码、产值、从业人员、规上）；首次使用时建立索引",
                "A provincial or national list of candidate firms (CSV/XLSX: name, credit code, province, county code, industry code, output, employees, above-scale flag); indexed on first use",
            ),
            ParamKind::InputFile { extensions: &["csv", "xlsx", "xls"] },
            None,
            false,
        );
        cand.required = true;
        ps.extend([
            cand,
            param(
                "reference_table",
                ("参照统计表", "Reference statistics"),
                (
                    "判定强弱所用的省或全国分行业统计表（默认：无区位熵，按规上和链主判定）",
                    "The statistics table the strong/weak verdicts use (default: no LQ; verdicts by 规上 and lead firms)",
                ),
                ParamKind::InputFile { extensions: &["csv", "xlsx", "xls"] },
                None,
                true,
            ),
            param(
                "top",
                ("每个环节几家", "Firms per link"),
                ("每个环节列出的候选企业数", "Candidates listed per link"),
                ParamKind::Text,
                Some("20"),
                false,
            ),
            param(
                "format",
                ("格式", "Format"),
                ("输出格式", "Output format"),
                ParamKind::Choice {
                    values: &[("xlsx", "Excel 工作簿", "Excel workbook"), ("json", "JSON", "JSON"), ("csv", "CSV（招商清单）", "CSV (recruitment list)")],
                },
                Some("xlsx"),
                false,
            ),
            param(
                "out",
                ("输出文件", "Output file"),
                ("输出文件（CSV、JSON 不给则打印）", "Output file (CSV and JSON are printed when absent)"),
                ParamKind::OutputFile { extensions: &["xlsx", "json", "csv"] },
                None,
                false,
            ),
        ]);
        ps
    }

    fn run(&self, params: &Params, progress: &Progress) -> Result<Outcome, AlgorithmError> {
        let params = self.check(params)?;
        let top: usize = params
            .text("top")
            .and_then(|t| t.trim().parse().ok())
            .filter(|t| *t > 0)
            .ok_or_else(|| {
                AlgorithmError::BadParameters(
                    "--top 应为正整数 / --top must be a positive whole number".into(),
                )
            })?;
        let format = params.text("format").unwrap_or("xlsx").to_string();
        if format == "xlsx" && params.path("out").is_none() {
            return Err(AlgorithmError::BadParameters(
                "Excel 输出需要 --out 文件 / an Excel output needs --out".into(),
            ));
        }
        if let (Some(out), Some(file)) = (params.path("out"), params.path("file")) {
            crate::core::io::files::check_output(&out, &[&file]).map_err(AlgorithmError::Failed)?;
        }
        let chains = load_chains(&params, progress)?;
        let only = match params.text("chain") {
            Some(c) => Some(find_chain(&chains, c)?.name.clone()),
            None => None,
        };
        let reg = load_register(&params, &chains, progress)?;
        let county = reg.county();
        let table = match params.path("reference_table") {
            Some(p) => Some(load_reference_table(&p, progress)?),
            None => None,
        };
        let reference = match &table {
            Some(t) => Reference::Table(t),
            None => Reference::Region(&county),
        };
        let m = measures_against(
            &chains,
            &reg.records,
            "",
            &reference,
            LqBasis::Employees,
            &StatusRule::default(),
        );
        let candidates = params.path("candidates").expect("required");
        let (lines, extensions) = recruit_lists(
            &chains,
            &reg,
            &county,
            &m,
            &candidates,
            only.as_deref(),
            top,
            progress,
        )?;
        let mut o = Outcome::default();
        let links_n = lines
            .iter()
            .map(|l| (&l.chain, &l.link))
            .collect::<HashSet<_>>()
            .len();
        o.summary = format!(
            "{} 个缺失或薄弱环节，{} 家候选企业；{} 个可延伸环节 / {} missing or weak links, {} candidate firms; {} links to extend to\n",
            links_n, lines.len(), extensions.len(), links_n, lines.len(), extensions.len()
        );
        match format.as_str() {
            "xlsx" => {
                let out = params.path("out").expect("checked");
                write_xlsx(&out, &lines, &extensions, &county)
                    .map_err(|e| AlgorithmError::Failed(format!("{}: {e}", out.display())))?;
                o.files.push(out);
            }
            "json" => {
                let v = serde_json::json!({
                    "county": county,
                    "recruit": lines.iter().map(|l| serde_json::json!({
                        "chain": l.chain, "link": l.link, "link_name": l.name, "status": l.status, "reason": l.reason,
                        "rank": l.rank, "name": l.firm.name, "credit_code": l.firm.credit_code, "province": l.firm.province,
                        "county": l.firm.county, "industry_code": l.firm.code, "products": l.firm.products,
                        "output_wan": l.firm.output, "employees": l.firm.employees, "above_scale": l.firm.above_scale,
                    })).collect::<Vec<_>>(),
                    "extend": extensions.iter().map(|(l, d, r)| serde_json::json!({"link": l, "density": d, "reason": r})).collect::<Vec<_>>(),
                });
                write_or_print(
                    &params,
                    serde_json::to_string_pretty(&v).unwrap_or_default() + "\n",
                    &mut o,
                )?;
            }
            _ => {
                let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
                let mut t = String::from("chain,link,link_name,status,rank,name,credit_code,province,county,industry_code,output_wan,employees,above_scale\n");
                for l in &lines {
                    t += &format!(
                        "{},{},{},{},{},{},{},{},{},{},{:.0},{:.0},{}\n",
                        q(&l.chain),
                        q(&l.link),
                        q(&l.name),
                        l.status,
                        l.rank,
                        q(&l.firm.name),
                        l.firm.credit_code,
                        q(&l.firm.province),
                        l.firm.county,
                        l.firm.code,
                        l.firm.output,
                        l.firm.employees,
                        if l.firm.above_scale { "是" } else { "否" }
                    );
                }
                write_or_print(&params, t, &mut o)?;
            }
        }
        if o.text.is_some() {
            progress.note(o.summary.trim_end());
            o.summary.clear();
        }
        o.notes = progress.notes();
        o.counts.insert("candidates".into(), lines.len() as f64);
        o.counts.insert("links".into(), links_n as f64);
        o.counts
            .insert("extensions".into(), extensions.len() as f64);
        Ok(o)
    }
}

/// The recruitment list of the missing and weak links of `m` (of chain `only`, or all) from the candidate list
/// `candidates` (`top` per link, the county's own firms left out), and the links the county lacks ranked by
/// relatedness: (lines, extensions as (link label, density, reason)).
#[allow(clippy::too_many_arguments)]
pub(crate) fn recruit_lists(
    chains: &[crate::core::model::chain::Chain],
    reg: &super::chain::Register,
    county: &str,
    m: &[crate::core::analysis::chain::LinkMeasures],
    candidates: &std::path::Path,
    only: Option<&str>,
    top: usize,
    progress: &Progress,
) -> Result<(Vec<Line>, Vec<Extension>), AlgorithmError> {
    let county = county.to_string();
    let only = only.map(str::to_string);
    let dir = crate::core::io::project::Settings::dir().join("candidates");
    let index = CandidateIndex::open(candidates, &dir, progress).map_err(AlgorithmError::Failed)?;
    progress.note(format!(
        "候选企业 {} 行{} / {} candidate firms{}",
        index.rows,
        if index.built {
            "（已建立索引）"
        } else {
            "（用已有索引）"
        },
        index.rows,
        if index.built {
            " (indexed now)"
        } else {
            " (index reused)"
        }
    ));
    let mine: HashSet<String> = reg
        .records
        .iter()
        .map(|r| r.firm.credit_code.clone())
        .filter(|c| !c.is_empty())
        .collect();
    progress.stage("查询候选企业 / querying the candidates", 0);
    let mut lines: Vec<Line> = Vec::new();
    for x in m
        .iter()
        .filter(|x| matches!(x.status, Status::Missing | Status::Weak))
    {
        if only.as_ref().is_some_and(|c| c != &x.chain) {
            continue;
        }
        let chain = chains.iter().find(|c| c.name == x.chain).expect("measured");
        let link = chain
            .links
            .iter()
            .find(|l| l.id == x.link)
            .expect("measured");
        let found = index
            .query(&link.codes, &county, &mine, top)
            .map_err(AlgorithmError::Failed)?;
        for (k, f) in found.into_iter().enumerate() {
            lines.push(Line {
                chain: x.chain.clone(),
                link: x.link.clone(),
                name: x.name.clone(),
                status: x.status.label(),
                reason: x.reason.clone(),
                rank: k + 1,
                firm: f,
            });
        }
    }
    // Relatedness: the candidate list's counties and the home county, by link.
    let presence = index.presence().map_err(AlgorithmError::Failed)?;
    let mut code_links: HashMap<String, Vec<String>> = HashMap::new();
    let key = |c: &str, l: &str| format!("{c}·{l}");
    let mut cells: Vec<(String, String, f64)> = Vec::new();
    for (region, code, v) in presence {
        if region.starts_with(&county) && !county.is_empty() {
            continue;
        }
        let links = code_links.entry(code.clone()).or_insert_with(|| {
            let f = Firm {
                industry_code: code.clone(),
                ..Default::default()
            };
            place(chains, &f, None)
                .into_iter()
                .map(|p| key(&p.chain, &p.link))
                .collect()
        });
        for l in links.iter() {
            cells.push((region.clone(), l.clone(), v));
        }
    }
    for r in &reg.records {
        for p in &r.placed {
            cells.push((county.clone(), key(&p.chain, &p.link), r.employees.max(1.0)));
        }
    }
    let related = relatedness(&cells, &county).map_err(AlgorithmError::Failed)?;
    let names: BTreeMap<String, (String, String)> = chains
        .iter()
        .flat_map(|c| {
            c.links
                .iter()
                .map(move |l| (key(&c.name, &l.id), (c.name.clone(), l.name.clone())))
        })
        .collect();
    let label = |k: &str| {
        names
            .get(k)
            .map_or(k.to_string(), |(c, n)| format!("{c}·{n}"))
    };
    let extensions: Vec<(String, f64, String)> = related
        .iter()
        .filter(|r| !r.present)
        .filter(|r| {
            only.as_ref()
                .is_none_or(|c| r.link.starts_with(&format!("{c}·")))
        })
        .map(|r| {
            let because: Vec<String> = r
                .because
                .iter()
                .map(|(l, p)| format!("{}（φ {p:.2}）", label(l)))
                .collect();
            let reason = if because.is_empty() {
                "与本县已有优势环节无关联 / unrelated to the county's strengths".to_string()
            } else {
                format!(
                    "与本县已有的优势环节 {} 相关 / related to the county's strengths {}",
                    because.join("、"),
                    because.join(", ")
                )
            };
            (label(&r.link), r.density, reason)
        })
        .collect();
    Ok((lines, extensions))
}

fn write_xlsx(
    path: &std::path::Path,
    lines: &[Line],
    extensions: &[(String, f64, String)],
    county: &str,
) -> Result<(), String> {
    use rust_xlsxwriter::{Format, Workbook};
    let e = |e: rust_xlsxwriter::XlsxError| e.to_string();
    let mut wb = Workbook::new();
    if let Ok(t) =
        rust_xlsxwriter::ExcelDateTime::from_timestamp(crate::core::data::cache::document_time())
    {
        wb.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&t));
    }
    let head = Format::new().set_bold().set_background_color(0xECF0F6);
    let ws = wb.add_worksheet().set_name("补链招商清单").map_err(e)?;
    let cols = [
        "产业链",
        "环节",
        "判定",
        "依据",
        "序号",
        "企业名称",
        "统一社会信用代码",
        "省份",
        "县级代码",
        "行业代码",
        "主要产品",
        "产值（万元）",
        "从业人员",
        "规上",
    ];
    for (c, h) in cols.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &head)
            .map_err(e)?;
    }
    for (r, l) in lines.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_string(r, 0, &l.chain).map_err(e)?;
        ws.write_string(r, 1, &l.name).map_err(e)?;
        ws.write_string(r, 2, l.status).map_err(e)?;
        ws.write_string(r, 3, &l.reason).map_err(e)?;
        ws.write_number(r, 4, l.rank as f64).map_err(e)?;
        ws.write_string(r, 5, &l.firm.name).map_err(e)?;
        // Codes stay text.
        ws.write_string(r, 6, &l.firm.credit_code).map_err(e)?;
        ws.write_string(r, 7, &l.firm.province).map_err(e)?;
        ws.write_string(r, 8, &l.firm.county).map_err(e)?;
        ws.write_string(r, 9, &l.firm.code).map_err(e)?;
        ws.write_string(r, 10, &l.firm.products).map_err(e)?;
        ws.write_number(r, 11, l.firm.output).map_err(e)?;
        ws.write_number(r, 12, l.firm.employees).map_err(e)?;
        ws.write_string(r, 13, if l.firm.above_scale { "是" } else { "否" })
            .map_err(e)?;
    }
    ws.set_freeze_panes(1, 0).map_err(e)?;
    let ws = wb.add_worksheet().set_name("延链方向").map_err(e)?;
    for (c, h) in ["环节", "相关度（密度）", "理由", "本县"]
        .iter()
        .enumerate()
    {
        ws.write_string_with_format(0, c as u16, *h, &head)
            .map_err(e)?;
    }
    for (r, (l, d, why)) in extensions.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_string(r, 0, l).map_err(e)?;
        ws.write_number(r, 1, (d * 1000.0).round() / 1000.0)
            .map_err(e)?;
        ws.write_string(r, 2, why).map_err(e)?;
        ws.write_string(r, 3, county).map_err(e)?;
    }
    let ws = wb.add_worksheet().set_name("方法").map_err(e)?;
    let notes = [
        "补链：判定为“缺”或“弱”的环节，从候选名单中按行业代码（含其下更细的代码）选出本县以外的企业，规上优先，再按产值排序。",
        "延链：产品空间相关度（Hidalgo 等 2007）。RCA = (x_rl/Σ_l x_rl)/(Σ_r x_rl/Σ x)，M = RCA ≥ 1；φ(l,m) = Σ_r M_rl M_rm / max(Σ_r M_rl, Σ_r M_rm)；密度 ω = Σ_m M_cm φ_lm / Σ_m φ_lm。x 为从业人员，地区为候选名单中的各县与本县。",
        "数据均为样例时为虚构数据。",
    ];
    for (r, t) in notes.iter().enumerate() {
        ws.write_string(r as u32, 0, *t).map_err(e)?;
    }
    let buf = wb.save_to_buffer().map_err(e)?;
    crate::core::io::files::write_atomic(path, &buf).map_err(|e| e.to_string())
}

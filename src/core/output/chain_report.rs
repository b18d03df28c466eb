//! The chain file (一产一档) as a PDF through the layout engine: A4 landscape pages drawn on one [`Canvas`] —
//! (1) the chain diagram with every link coloured by its status, the status rule and the measures table; (2) the
//! firms on the map (an official layout: legend, scale bar, north arrow, locator, sources); (3) lead firms, the
//! recruitment list of the missing and weak links, the links to extend to, and the methods and data sources with
//! their versions. Vector throughout, the text selectable.

use crate::core::analysis::chain::{LinkMeasures, Status, StatusRule};
use crate::core::model::chain::{Chain, Tier};
use crate::core::model::layout::{Layout, Rect, Variables};
use crate::core::model::style::Rgba;
use crate::core::output::canvas::{text_width_mm, Canvas, MM_PER_PT};
use crate::core::output::layout::draw::{draw_layout, MapData};
use crate::core::output::layout::pdf::PdfDocument;

/// One line of a recruitment list.
#[derive(Debug, Clone, PartialEq)]
pub struct RecruitLine {
    /// Link name.
    pub link: String,
    /// 缺 or 弱.
    pub status: String,
    /// Rank within the link.
    pub rank: usize,
    /// Firm name.
    pub firm: String,
    /// Province.
    pub province: String,
    /// Industry code.
    pub code: String,
    /// Output, 万元.
    pub output: f64,
    /// 规上.
    pub above_scale: bool,
}

/// What the chain file shows.
pub struct ChainReport<'a> {
    /// The area (全县, a town or a village), as printed.
    pub area: String,
    /// The chain.
    pub chain: &'a Chain,
    /// Its measures in the area.
    pub measures: &'a [LinkMeasures],
    /// The status rule the verdicts used.
    pub rule: &'a StatusRule,
    /// What the LQ is measured against (the county, a statistics table).
    pub reference: String,
    /// The map page: its layout and data (none: no map page).
    pub map: Option<(Layout, MapData)>,
    /// The recruitment list (empty: no candidate list given).
    pub recruit: Vec<RecruitLine>,
    /// Links to extend to: (link, density, reason).
    pub extend: Vec<(String, f64, String)>,
    /// Data sources with versions, one per line.
    pub sources: Vec<String>,
    /// Date printed (YYYY-MM-DD).
    pub date: String,
}

const PAGE: (f32, f32) = (297.0, 210.0);
const INK: Rgba = Rgba([30, 30, 30, 255]);
const GREY: Rgba = Rgba([110, 110, 110, 255]);
const LINE: Rgba = Rgba([150, 150, 150, 255]);

/// The fill and text colours of a status (as the app's chain window).
pub fn status_colours(s: Status) -> (Rgba, Rgba) {
    match s {
        Status::Strong => (Rgba([46, 125, 50, 255]), Rgba([255, 255, 255, 255])),
        Status::Medium => (Rgba([129, 199, 132, 255]), INK),
        Status::Weak => (Rgba([255, 183, 77, 255]), INK),
        Status::Missing => (Rgba([224, 224, 224, 255]), Rgba([97, 97, 97, 255])),
    }
}

fn rect_ring(r: Rect) -> Vec<[f32; 2]> {
    vec![
        [r.x, r.y],
        [r.x + r.w, r.y],
        [r.x + r.w, r.y + r.h],
        [r.x, r.y + r.h],
    ]
}

fn centred(c: &mut dyn Canvas, cx: f32, y: f32, pt: f32, text: &str, color: Rgba) {
    c.text(cx - text_width_mm(text, pt) / 2.0, y, pt, text, color);
}

/// `text` cut with … to fit `w` mm at `pt`.
fn fit(text: &str, pt: f32, w: f32) -> String {
    if text_width_mm(text, pt) <= w {
        return text.to_string();
    }
    let mut s: String = text.to_string();
    while !s.is_empty() && text_width_mm(&format!("{s}…"), pt) > w {
        s.pop();
    }
    format!("{s}…")
}

/// The chain diagram in `area`: three tier columns of link boxes coloured by status, supply arrows.
pub fn draw_diagram(c: &mut dyn Canvas, area: Rect, chain: &Chain, m: &[LinkMeasures]) {
    let tiers = [Tier::Up, Tier::Mid, Tier::Down];
    let col_w = area.w / 3.0;
    let per: Vec<Vec<&crate::core::model::chain::Link>> = tiers
        .iter()
        .map(|t| chain.links.iter().filter(|l| l.tier == *t).collect())
        .collect();
    let rows = per.iter().map(Vec::len).max().unwrap_or(1).max(1) as f32;
    let head = 7.0;
    let box_h = ((area.h - head) / rows - 3.0).clamp(8.0, 14.0);
    let box_w = (col_w - 16.0).min(62.0);
    let mut boxes: Vec<(&str, Rect)> = Vec::new();
    for (k, links) in per.iter().enumerate() {
        let cx = area.x + col_w * (k as f32 + 0.5);
        centred(c, cx, area.y + 4.0, 9.0, tiers[k].label(), GREY);
        let used = links.len() as f32 * (box_h + 3.0);
        let top = area.y + head + ((area.h - head) - used).max(0.0) / 2.0;
        for (j, l) in links.iter().enumerate() {
            boxes.push((
                l.id.as_str(),
                Rect {
                    x: cx - box_w / 2.0,
                    y: top + j as f32 * (box_h + 3.0),
                    w: box_w,
                    h: box_h,
                },
            ));
        }
    }
    let find = |id: &str| boxes.iter().find(|b| b.0 == id).map(|b| b.1);
    for [a, b] in &chain.edges {
        let (Some(ra), Some(rb)) = (find(a), find(b)) else {
            continue;
        };
        let (p, q) = if ra.x + ra.w < rb.x {
            ([ra.x + ra.w, ra.y + ra.h / 2.0], [rb.x, rb.y + rb.h / 2.0])
        } else if rb.x + rb.w < ra.x {
            ([ra.x, ra.y + ra.h / 2.0], [rb.x + rb.w, rb.y + rb.h / 2.0])
        } else if ra.y < rb.y {
            ([ra.x + ra.w / 2.0, ra.y + ra.h], [rb.x + rb.w / 2.0, rb.y])
        } else {
            ([ra.x + ra.w / 2.0, ra.y], [rb.x + rb.w / 2.0, rb.y + rb.h])
        };
        c.stroke(&[vec![p, q]], false, LINE, 0.35);
        // The head: a small triangle at q pointing along p → q.
        let (dx, dy) = (q[0] - p[0], q[1] - p[1]);
        let len = (dx * dx + dy * dy).sqrt().max(1e-3);
        let (ux, uy) = (dx / len, dy / len);
        let s = 1.8;
        c.fill(
            &[vec![
                q,
                [
                    q[0] - ux * s * 1.6 + uy * s * 0.7,
                    q[1] - uy * s * 1.6 - ux * s * 0.7,
                ],
                [
                    q[0] - ux * s * 1.6 - uy * s * 0.7,
                    q[1] - uy * s * 1.6 + ux * s * 0.7,
                ],
            ]],
            LINE,
        );
    }
    for (id, r) in &boxes {
        let link = chain
            .links
            .iter()
            .find(|l| l.id == *id)
            .expect("a box per link");
        let x = m.iter().find(|x| x.link == *id && x.chain == chain.name);
        let (fill, text) = status_colours(x.map_or(Status::Missing, |x| x.status));
        c.fill_stroke(&[rect_ring(*r)], fill, Rgba([90, 90, 90, 255]), 0.25);
        let cx = r.x + r.w / 2.0;
        centred(
            c,
            cx,
            r.y + r.h * 0.45,
            8.5,
            &fit(&link.name, 8.5, r.w - 2.0),
            text,
        );
        let sub = match x {
            Some(x) => format!(
                "{} 家 · {}{}",
                x.firms,
                x.status.label(),
                x.lq.map(|v| format!(" · LQ {v:.2}")).unwrap_or_default()
            ),
            None => "无数据".into(),
        };
        centred(c, cx, r.y + r.h * 0.82, 6.5, &sub, text);
    }
}

/// A simple table: a header row and rows, columns at `xs` (mm from `x0`), `pt` text; returns the y after it.
#[allow(clippy::too_many_arguments)]
fn table(
    c: &mut dyn Canvas,
    x0: f32,
    y0: f32,
    xs: &[f32],
    widths: &[f32],
    pt: f32,
    head: &[&str],
    rows: &[Vec<String>],
) -> f32 {
    let row_h = pt * MM_PER_PT * 1.75;
    let total_w = xs.last().unwrap_or(&0.0) + widths.last().unwrap_or(&0.0);
    c.fill(
        &[rect_ring(Rect {
            x: x0,
            y: y0,
            w: total_w,
            h: row_h,
        })],
        Rgba([236, 240, 246, 255]),
    );
    for (k, h) in head.iter().enumerate() {
        c.text(
            x0 + xs[k] + 1.0,
            y0 + row_h * 0.72,
            pt,
            &fit(h, pt, widths[k] - 1.5),
            INK,
        );
    }
    let mut y = y0 + row_h;
    for r in rows {
        for (k, v) in r.iter().enumerate().take(xs.len()) {
            c.text(
                x0 + xs[k] + 1.0,
                y + row_h * 0.72,
                pt,
                &fit(v, pt, widths[k] - 1.5),
                INK,
            );
        }
        y += row_h;
        c.stroke(
            &[vec![[x0, y], [x0 + total_w, y]]],
            false,
            Rgba([215, 215, 215, 255]),
            0.15,
        );
    }
    y
}

fn header(c: &mut dyn Canvas, r: &ChainReport, title: &str, page: usize) {
    c.text(15.0, 16.0, 15.0, title, INK);
    let sub = format!(
        "{} · {} 产业链 · v{} · {}",
        r.area, r.chain.name, r.chain.version, r.date
    );
    c.text(15.0, 22.5, 8.0, &sub, GREY);
    let p = format!("第 {page} 页");
    c.text(PAGE.0 - 15.0 - text_width_mm(&p, 7.0), 203.0, 7.0, &p, GREY);
    c.stroke(
        &[vec![[15.0, 25.0], [PAGE.0 - 15.0, 25.0]]],
        false,
        LINE,
        0.3,
    );
}

/// The chain file as PDF bytes. Errors: the PDF cannot be made.
pub fn chain_report_pdf(r: &ChainReport) -> Result<Vec<u8>, String> {
    let title = format!("{}产业链一产一档", r.chain.name);
    let mut doc = PdfDocument::new(&title)?;
    let mut page = 1;
    // 1. Diagram, rule and measures.
    doc.page(PAGE, |c| {
        header(c, r, &format!("{title}（{}）", r.area), page);
        draw_diagram(c, Rect { x: 15.0, y: 28.0, w: PAGE.0 - 30.0, h: 78.0 }, r.chain, r.measures);
        // The legend of the statuses and the rule.
        let mut x = 15.0;
        for s in [Status::Strong, Status::Medium, Status::Weak, Status::Missing] {
            let (fill, _) = status_colours(s);
            c.fill_stroke(&[rect_ring(Rect { x, y: 108.5, w: 5.0, h: 3.2 })], fill, GREY, 0.2);
            c.text(x + 6.0, 111.2, 7.5, s.label(), INK);
            x += 14.0;
        }
        let rule = format!(
            "判定规则：强 = 区位熵 ≥ {} 且有规上或链主企业；弱 = 区位熵 < {} 或无规上企业；缺 = 本区域无企业；中 = 其余。少于 {} 家企业时区位熵仅供参考（*）。区位熵参照：{}。",
            r.rule.strong_lq, r.rule.weak_lq, r.rule.min_firms, r.reference
        );
        let (_, lines) = crate::core::output::layout::draw::fit_lines(&rule, 7.0, PAGE.0 - 36.0 - (x - 15.0));
        for (k, l) in lines.iter().enumerate().take(2) {
            c.text(x + 2.0, 111.2 + k as f32 * 3.4, 7.0, l, GREY);
        }
        let rows: Vec<Vec<String>> = r
            .measures
            .iter()
            .filter(|m| m.chain == r.chain.name)
            .map(|m| {
                let tier = r
                    .chain
                    .links
                    .iter()
                    .find(|l| l.id == m.link)
                    .map_or("", |l| l.tier.label());
                vec![
                    m.name.clone(),
                    tier.to_string(),
                    m.firms.to_string(),
                    m.above_scale.to_string(),
                    format!("{:.0}", m.output),
                    format!("{:.0}", m.employees),
                    match m.lq {
                        Some(v) if m.lq_few => format!("{v:.2}*"),
                        Some(v) => format!("{v:.2}"),
                        None => "—".into(),
                    },
                    m.hhi.map(|h| format!("{h:.3}")).unwrap_or("—".into()),
                    m.leads.first().map(|l| l.replace("（按产值 / by output）", "（按产值）")).unwrap_or_default(),
                    m.status.label().to_string(),
                ]
            })
            .collect();
        let widths = [42.0, 14.0, 14.0, 14.0, 26.0, 22.0, 18.0, 16.0, 88.0, 13.0];
        let mut xs = vec![0.0f32];
        for w in &widths[..widths.len() - 1] {
            xs.push(xs.last().unwrap() + w);
        }
        table(
            c,
            15.0,
            121.0,
            &xs,
            &widths,
            7.5,
            &["环节", "位置", "企业", "规上", "产值（万元）", "从业人员", "区位熵", "HHI", "链主 / 龙头企业", "判定"],
            &rows,
        );
    })?;
    page += 1;
    // 2. The map.
    if let Some((layout, data)) = &r.map {
        let vars = Variables {
            title: format!("{}产业链企业分布图（{}）", r.chain.name, r.area),
            date: r.date.clone(),
            unit: "YiTu 一图".into(),
            sources: r.sources.first().cloned().unwrap_or_default(),
            number: String::new(),
        };
        doc.page(layout.page.size_mm(), |c| {
            draw_layout(layout, data, &vars, c);
        })?;
        page += 1;
    }
    // 3. Lists, methods and sources, on as many pages as they need.
    // (heading, column names, widths in mm, rows).
    type Block<'a> = (String, Vec<&'a str>, Vec<f32>, Vec<Vec<String>>);
    let mut blocks: Vec<Block> = Vec::new();
    if !r.recruit.is_empty() {
        blocks.push((
            "补链招商清单（缺失与薄弱环节的目标企业，规上优先、按产值）".into(),
            vec![
                "环节",
                "判定",
                "序号",
                "企业名称",
                "省份",
                "行业代码",
                "产值（万元）",
                "规上",
            ],
            vec![40.0, 14.0, 12.0, 95.0, 30.0, 20.0, 32.0, 14.0],
            r.recruit
                .iter()
                .map(|l| {
                    vec![
                        l.link.clone(),
                        l.status.clone(),
                        l.rank.to_string(),
                        l.firm.clone(),
                        l.province.clone(),
                        l.code.clone(),
                        format!("{:.0}", l.output),
                        if l.above_scale { "是" } else { "否" }.into(),
                    ]
                })
                .collect(),
        ));
    }
    if !r.extend.is_empty() {
        blocks.push((
            "延链方向（本县尚无优势的环节，按与已有优势环节的相关度排序）".into(),
            vec!["环节", "相关度", "理由"],
            vec![60.0, 20.0, 187.0],
            r.extend
                .iter()
                .map(|(l, d, why)| {
                    vec![
                        l.clone(),
                        format!("{d:.3}"),
                        why.split(" / ").next().unwrap_or(why).to_string(),
                    ]
                })
                .collect(),
        ));
    }
    let mut methods: Vec<Vec<String>> = vec![
        vec!["企业归入环节：先看名录中的环节字段，再按行业代码（GB/T 4754-2017，取最细的匹配），再按名称与产品关键词；每家企业注明依据与可信度。".into()],
        vec!["区位熵 LQ = (e_i/e)/(E_i/E)：e 为本区域企业合计，E 为参照区域合计（同一名录中的县，或省、全国统计表）；HHI 为本区域该环节各企业产值份额的平方和。".into()],
        vec!["补链：缺、弱环节按其行业代码（含更细代码）在候选名单中选本县以外的企业。延链：产品空间相关度（Hidalgo 等 2007）。".into()],
    ];
    methods.extend(r.sources.iter().map(|s| vec![format!("数据：{s}")]));
    blocks.push(("方法与数据来源".into(), vec!["说明"], vec![267.0], methods));
    let pt = 7.0;
    let row_h = pt * MM_PER_PT * 1.75;
    let mut k = 0usize;
    let mut first_row = 0usize;
    while k < blocks.len() {
        doc.page(PAGE, |c| {
            header(c, r, &format!("{title}：清单与方法"), page);
            let mut y = 30.0;
            while k < blocks.len() {
                let (name, head, widths, rows) = &blocks[k];
                if y + 4.0 + 3.0 * row_h > 198.0 {
                    break;
                }
                c.text(
                    15.0,
                    y + 3.5,
                    9.5,
                    &if first_row > 0 {
                        format!("{name}（续）")
                    } else {
                        name.clone()
                    },
                    INK,
                );
                y += 6.0;
                let fits = (((198.0 - y) / row_h) as usize).saturating_sub(1);
                let end = (first_row + fits).min(rows.len());
                let mut xs = vec![0.0f32];
                for w in &widths[..widths.len() - 1] {
                    xs.push(xs.last().unwrap() + w);
                }
                y = table(c, 15.0, y, &xs, widths, pt, head, &rows[first_row..end]) + 5.0;
                if end < rows.len() {
                    first_row = end;
                    break;
                }
                first_row = 0;
                k += 1;
            }
        })?;
        page += 1;
    }
    doc.finish()
}

/// The chain templates as a workbook a planner edits in Excel and reads back (`--templates X.xlsx`): sheet 环节
/// (产业链, 版本, 来源, 环节编号, 环节名称, 位置, 行业代码 space-separated, 关键词 、-separated) and sheet 供应关系
/// (产业链, 供应方环节编号, 需求方环节编号). Codes are written as text.
pub fn templates_xlsx(chains: &[Chain]) -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::{Format, Workbook};
    let e = |e: rust_xlsxwriter::XlsxError| e.to_string();
    let mut wb = Workbook::new();
    if let Ok(t) =
        rust_xlsxwriter::ExcelDateTime::from_timestamp(crate::core::data::cache::document_time())
    {
        wb.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&t));
    }
    let head = Format::new().set_bold().set_background_color(0xECF0F6);
    let ws = wb.add_worksheet().set_name("环节").map_err(e)?;
    for (c, h) in [
        "产业链",
        "版本",
        "来源",
        "环节编号",
        "环节名称",
        "位置",
        "行业代码",
        "关键词",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(0, c as u16, *h, &head)
            .map_err(e)?;
    }
    let mut r = 1u32;
    for ch in chains {
        for l in &ch.links {
            ws.write_string(r, 0, &ch.name).map_err(e)?;
            ws.write_number(r, 1, ch.version as f64).map_err(e)?;
            ws.write_string(r, 2, &ch.source).map_err(e)?;
            ws.write_string(r, 3, &l.id).map_err(e)?;
            ws.write_string(r, 4, &l.name).map_err(e)?;
            ws.write_string(r, 5, l.tier.label()).map_err(e)?;
            ws.write_string(r, 6, l.codes.join(" ")).map_err(e)?;
            ws.write_string(r, 7, l.keywords.join("、")).map_err(e)?;
            r += 1;
        }
    }
    ws.set_freeze_panes(1, 0).map_err(e)?;
    let ws = wb.add_worksheet().set_name("供应关系").map_err(e)?;
    for (c, h) in ["产业链", "供应方环节编号", "需求方环节编号"]
        .iter()
        .enumerate()
    {
        ws.write_string_with_format(0, c as u16, *h, &head)
            .map_err(e)?;
    }
    let mut r = 1u32;
    for ch in chains {
        for [a, b] in &ch.edges {
            ws.write_string(r, 0, &ch.name).map_err(e)?;
            ws.write_string(r, 1, a).map_err(e)?;
            ws.write_string(r, 2, b).map_err(e)?;
            r += 1;
        }
    }
    wb.save_to_buffer().map_err(e)
}

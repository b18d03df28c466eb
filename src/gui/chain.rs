//! The chain window (分析 › 产业链（一产一档）): the chain diagram — links as boxes in 上游 / 中游 / 下游 coloured by
//! status, with their firm counts and supply arrows —, the measures table for the scope shown (county, town or
//! village), a link's firms with the rule that placed each (shown on the map in one click), the status rule, and
//! the template editor (links, codes, keywords, edges; JSON in and out; kept in the project with a version). A
//! thin shell: the register and the measures are [`crate::core::algorithms::chain`] and
//! [`crate::core::analysis::chain`].

use super::layers::MapLayer;
use super::Lang;
use crate::core::algorithms::chain::{register_from_layer, Register};
use crate::core::analysis::chain::{measures, LinkMeasures, LqBasis, Status, StatusRule};
use crate::core::analysis::profile::Scope;
use crate::core::analysis::roles::Role;
use crate::core::model::chain::{default_chains, Chain, Link, Tier};
use crate::core::model::progress::Progress;
use egui::{Color32, Pos2, Rect, Sense, Stroke, Vec2};

/// What the chain window asks of the app.
#[derive(Debug, Clone, PartialEq)]
pub enum ChainRequest {
    /// Select and show these features of the layer with this id.
    ShowFirms(u64, Vec<u32>),
    /// The templates changed: keep them in the project.
    TemplatesChanged,
    /// Open the talent map on this chain and link (by id).
    Talent(String, String),
}

/// Measures computed for (register key, chain, basis, area).
type Measured = ((u64, u64, u64), usize, LqBasis, String, Vec<LinkMeasures>);

/// The chain window's state.
pub struct ChainWindow {
    /// Whether the window is open.
    pub open: bool,
    /// The templates (the project's, else the built-in ones).
    pub chains: Vec<Chain>,
    /// Whether `chains` are the project's own (edited or imported) rather than the built-in ones.
    pub edited: bool,
    /// Firms moved by hand between links, kept in the project.
    pub overrides: Vec<crate::core::model::chain::Override>,
    chosen: usize,
    basis: LqBasis,
    selected: Option<String>,
    /// (layer id, attrs version, template stamp) the register was read for, and the register.
    register: Option<((u64, u64, u64), Register)>,
    /// (register key, chain, basis, area) the measures were computed for, and the measures.
    measured: Option<Measured>,
    notes: Vec<String>,
    stamp: u64,
    editing: bool,
    new_edge_to: String,
    /// A statistics table (a province's, the nation's) as the LQ's reference, with its file.
    reference: Option<(
        std::path::PathBuf,
        crate::core::analysis::chain::ReferenceTable,
    )>,
    /// Chains whose version this session's edits already raised (one raise per chain until the templates are set
    /// again).
    bumped: std::collections::HashSet<usize>,
}

impl Default for ChainWindow {
    fn default() -> Self {
        ChainWindow {
            open: false,
            chains: default_chains(),
            edited: false,
            overrides: Vec::new(),
            chosen: 0,
            basis: LqBasis::Employees,
            selected: None,
            register: None,
            measured: None,
            notes: Vec::new(),
            stamp: 0,
            editing: false,
            new_edge_to: String::new(),
            reference: None,
            bumped: Default::default(),
        }
    }
}

/// The colour of a status (fill, text).
pub fn status_colour(s: Status) -> (Color32, Color32) {
    match s {
        Status::Strong => (Color32::from_rgb(46, 125, 50), Color32::WHITE),
        Status::Medium => (Color32::from_rgb(129, 199, 132), Color32::BLACK),
        Status::Weak => (Color32::from_rgb(255, 183, 77), Color32::BLACK),
        Status::Missing => (
            Color32::from_rgb(224, 224, 224),
            Color32::from_rgb(97, 97, 97),
        ),
    }
}

impl ChainWindow {
    /// Sets the templates (a project's, or the built-in ones when `chains` is empty).
    pub fn set_templates(&mut self, chains: Vec<Chain>) {
        self.edited = !chains.is_empty();
        self.chains = if chains.is_empty() {
            default_chains()
        } else {
            chains
        };
        self.chosen = 0;
        self.selected = None;
        self.bumped.clear();
        self.touch();
    }

    /// The templates to keep in the project: the edited ones, none when they are the built-in ones.
    pub fn project_templates(&self) -> Vec<Chain> {
        if self.edited {
            self.chains.clone()
        } else {
            Vec::new()
        }
    }

    fn touch(&mut self) {
        self.stamp += 1;
        self.register = None;
        self.measured = None;
    }

    /// The firms' layer among `layers`: the one whose name plays the enterprises role.
    fn firms_layer(layers: &[MapLayer]) -> Option<&MapLayer> {
        layers.iter().find(|l| {
            Role::Enterprises.names(&l.name) || Role::Enterprises.names(&l.data.source.layer)
        })
    }

    /// Draws the window; `scope` is the scope shown on the map.
    pub fn window(
        &mut self,
        ctx: &egui::Context,
        layers: &[MapLayer],
        scope: &Scope,
        scope_label: &str,
        lang: Lang,
    ) -> Option<ChainRequest> {
        if !self.open {
            return None;
        }
        let mut open = true;
        let mut request = None;
        egui::Window::new(lang.tr("产业链（一产一档）", "Industry chains"))
            .id(egui::Id::unique("chain-window"))
            .open(&mut open)
            .default_pos(egui::pos2(260.0, 80.0))
            .default_size([900.0, 600.0])
            .resizable(true)
            .show(ctx, |ui| {
                request = self.contents(ui, layers, scope, scope_label, lang);
            });
        self.open &= open;
        request
    }

    fn contents(
        &mut self,
        ui: &mut egui::Ui,
        layers: &[MapLayer],
        scope: &Scope,
        scope_label: &str,
        lang: Lang,
    ) -> Option<ChainRequest> {
        let mut request = None;
        let Some(firms) = Self::firms_layer(layers) else {
            ui.label(lang.tr(
                "项目中没有企业图层（enterprises、企业等）：请先打开含企业点的数据",
                "The project has no firms' layer (enterprises, 企业…): open data with the firms' points first",
            ));
            return None;
        };
        let key = (firms.id, firms.attrs_version, self.stamp);
        if self.register.as_ref().map(|r| r.0) != Some(key) {
            let p = Progress::new();
            match register_from_layer(&firms.data, &self.chains, &self.overrides, "standard", &p) {
                Ok(r) => self.register = Some((key, r)),
                Err(e) => {
                    ui.colored_label(Color32::RED, e.to_string());
                    return None;
                }
            }
            self.notes = p.notes();
            self.measured = None;
        }
        let area = match scope {
            Scope::County => String::new(),
            Scope::Town(c) | Scope::Village(c) => c.clone(),
        };
        // The toolbar: chain, basis, editing.
        ui.horizontal(|ui| {
            ui.label(lang.tr("产业链", "Chain"));
            let names: Vec<String> = self.chains.iter().map(|c| c.name.clone()).collect();
            let before = self.chosen;
            egui::ComboBox::from_id_salt("chain-choice")
                .selected_text(names.get(self.chosen).cloned().unwrap_or_default())
                .show_ui(ui, |ui| {
                    for (i, n) in names.iter().enumerate() {
                        ui.selectable_value(&mut self.chosen, i, n);
                    }
                });
            if before != self.chosen {
                self.selected = None;
            }
            ui.separator();
            ui.label(lang.tr("区位熵按", "LQ on"));
            for (b, zh, en) in [
                (LqBasis::Employees, "从业人员", "employees"),
                (LqBasis::Firms, "企业数", "firms"),
                (LqBasis::Output, "产值", "output"),
            ] {
                ui.radio_value(&mut self.basis, b, lang.tr(zh, en));
            }
            ui.separator();
            ui.label(match scope {
                Scope::County => lang.tr("范围：全县", "Scope: the county").to_string(),
                Scope::Town(c) | Scope::Village(c) => format!(
                    "{}{}",
                    lang.tr("范围：", "Scope: "),
                    if scope_label.is_empty() { c.as_str() } else { scope_label }
                ),
            });
            ui.separator();
            match &self.reference {
                None => {
                    if ui
                        .button(lang.tr("参照统计表…", "Reference statistics…"))
                        .on_hover_text(lang.tr(
                            "以省或全国分行业统计表为区位熵的参照（全县也有区位熵）",
                            "Use a province's or the nation's statistics by industry as the LQ's reference (the county gets one too)",
                        ))
                        .clicked()
                    {
                        if let Some(p) = rfd::FileDialog::new().add_filter("CSV/XLSX", &["csv", "xlsx", "xls"]).pick_file() {
                            let pr = Progress::new();
                            match crate::core::algorithms::chain::load_reference_table(&p, &pr) {
                                Ok(t) => {
                                    self.reference = Some((p, t));
                                    self.measured = None;
                                }
                                Err(e) => self.notes.push(e.to_string()),
                            }
                            self.notes.extend(pr.notes());
                        }
                    }
                }
                Some((_, t)) => {
                    ui.label(format!("{} {}", lang.tr("参照：", "Reference: "), t.name));
                    if ui.small_button("✕").clicked() {
                        self.reference = None;
                        self.measured = None;
                    }
                }
            }
            ui.separator();
            ui.toggle_value(&mut self.editing, lang.tr("编辑模板", "Edit template"));
        });
        if self.chosen >= self.chains.len() {
            self.chosen = 0;
        }
        let Some((_, reg)) = &self.register else {
            return None;
        };
        let reference: String = if area.is_empty() {
            reg.records
                .iter()
                .map(|r| r.area.as_str())
                .find(|a| a.len() >= 6)
                .unwrap_or("")
                .chars()
                .take(6)
                .collect()
        } else {
            area.chars().take(6).collect()
        };
        let fresh = self
            .measured
            .as_ref()
            .is_some_and(|m| m.0 == key && m.1 == self.chosen && m.2 == self.basis && m.3 == area);
        if !fresh {
            let chain = std::slice::from_ref(&self.chains[self.chosen]);
            let m = if !area.is_empty() && !reg.has_area_field {
                Vec::new()
            } else {
                match &self.reference {
                    Some((_, t)) => crate::core::analysis::chain::measures_against(
                        chain,
                        &reg.records,
                        &area,
                        &crate::core::analysis::chain::Reference::Table(t),
                        self.basis,
                        &StatusRule::default(),
                    ),
                    None => measures(
                        chain,
                        &reg.records,
                        &area,
                        &reference,
                        self.basis,
                        &StatusRule::default(),
                    ),
                }
            };
            self.measured = Some((key, self.chosen, self.basis, area.clone(), m));
        }
        let m = self
            .measured
            .as_ref()
            .map(|m| m.4.clone())
            .unwrap_or_default();
        if m.is_empty() && !area.is_empty() && !reg.has_area_field {
            ui.colored_label(
                Color32::from_rgb(180, 60, 0),
                lang.tr(
                    "企业图层没有村代码字段，不能按乡镇或村统计；请切换到全县",
                    "The firms' layer has no village code: towns and villages cannot be measured; switch to the county",
                ),
            );
        }
        let chain = self.chains[self.chosen].clone();
        let rule = StatusRule::default();
        ui.label(
            egui::RichText::new(format!(
                "{}  v{} · {}",
                chain.name,
                chain.version,
                lang.tr(
                    &format!(
                        "强：区位熵 ≥ {} 且有规上或链主企业；弱：区位熵 < {} 或无规上企业；缺：本区域无企业；少于 {} 家时区位熵仅供参考",
                        rule.strong_lq, rule.weak_lq, rule.min_firms
                    ),
                    &format!(
                        "strong: LQ ≥ {} with an above-scale or lead firm; weak: LQ < {} or no above-scale firm; missing: no firm here; an LQ on fewer than {} firms is indicative",
                        rule.strong_lq, rule.weak_lq, rule.min_firms
                    )
                )
            ))
            .small(),
        );
        if area.is_empty() && self.reference.is_none() {
            ui.label(
                egui::RichText::new(lang.tr(
                    "全县以全县为参照没有区位熵：在一村一档面板的“范围”中选本镇或本村与全县比较，或选参照统计表（省、全国）",
                    "The county against itself has no LQ: choose a town or village under Scope in the village-file panel to compare it with the county, or a reference statistics table (province, nation)",
                ))
                .small()
                .italics(),
            );
        }
        // The diagram.
        if let Some(l) = self.diagram(ui, &chain, &m, lang) {
            self.selected = Some(l);
        }
        ui.separator();
        if self.editing {
            if self.editor(ui, lang) {
                request = Some(ChainRequest::TemplatesChanged);
            }
            return request;
        }
        let mut moved: Option<(String, String, String)> = None;
        ui.columns(2, |cols| {
            egui::ScrollArea::vertical()
                .id_salt("chain-measures")
                .max_height(260.0)
                .show(&mut cols[0], |ui| {
                    egui::Grid::new("chain-measures-grid")
                        .striped(true)
                        .show(ui, |ui| {
                            for h in [
                                lang.tr("环节", "Link"),
                                lang.tr("企业", "Firms"),
                                lang.tr("规上", "Above scale"),
                                lang.tr("产值(万元)", "Output (10⁴ yuan)"),
                                lang.tr("区位熵", "LQ"),
                                "HHI",
                                lang.tr("判定", "Status"),
                            ] {
                                ui.strong(h);
                            }
                            ui.end_row();
                            for x in &m {
                                let sel = self.selected.as_deref() == Some(x.link.as_str());
                                if ui.selectable_label(sel, &x.name).clicked() {
                                    self.selected = Some(x.link.clone());
                                }
                                ui.label(x.firms.to_string());
                                ui.label(x.above_scale.to_string());
                                ui.label(format!("{:.0}", x.output));
                                ui.label(match x.lq {
                                    Some(v) if x.lq_few => format!("{v:.2}*"),
                                    Some(v) => format!("{v:.2}"),
                                    None => "—".into(),
                                });
                                ui.label(x.hhi.map(|v| format!("{v:.3}")).unwrap_or("—".into()));
                                let (fill, text) = status_colour(x.status);
                                ui.label(
                                    egui::RichText::new(format!(" {} ", x.status.label()))
                                        .background_color(fill)
                                        .color(text),
                                )
                                .on_hover_text(lang.pick(&x.reason));
                                ui.end_row();
                            }
                        });
                });
            let ui = &mut cols[1];
            match self.selected.clone() {
                None => {
                    ui.label(lang.tr(
                        "点选一个环节，看它的企业并在地图上显示",
                        "Click a link to list its firms and show them on the map",
                    ));
                }
                Some(link) => {
                    let members: Vec<usize> = (0..reg.records.len())
                        .filter(|&i| {
                            reg.records[i]
                                .placed
                                .iter()
                                .any(|p| p.chain == chain.name && p.link == link)
                                && (area.is_empty() || reg.records[i].area.starts_with(&area))
                        })
                        .collect();
                    let name = chain
                        .links
                        .iter()
                        .find(|l| l.id == link)
                        .map_or(link.clone(), |l| l.name.clone());
                    ui.horizontal(|ui| {
                        ui.strong(format!(
                            "{name}：{} {}",
                            members.len(),
                            lang.tr("家", "firms")
                        ));
                        if !members.is_empty()
                            && ui
                                .button(lang.tr("在地图上显示", "Show on the map"))
                                .clicked()
                        {
                            request = Some(ChainRequest::ShowFirms(
                                firms.id,
                                members.iter().map(|&i| i as u32).collect(),
                            ));
                        }
                        if ui
                            .button(lang.tr("人才来源…", "Talent sources…"))
                            .on_hover_text(lang.tr(
                                "在人才地图中看这个环节的高校、院所和实训基地",
                                "This link's universities, institutes and training bases in the talent map",
                            ))
                            .clicked()
                        {
                            request = Some(ChainRequest::Talent(chain.name.clone(), link.clone()));
                        }
                    });
                    if let Some(x) = m.iter().find(|x| x.link == link) {
                        ui.label(egui::RichText::new(lang.pick(&x.reason)).small());
                    }
                    egui::ScrollArea::vertical()
                        .id_salt("chain-firms")
                        .max_height(220.0)
                        .show(ui, |ui| {
                            for &i in &members {
                                let r = &reg.records[i];
                                let how = r
                                    .placed
                                    .iter()
                                    .find(|p| p.chain == chain.name && p.link == link)
                                    .map(|p| {
                                        format!(
                                            "{}（{:.0}%）",
                                            p.rule.describe(&r.firm),
                                            p.confidence * 100.0
                                        )
                                    })
                                    .unwrap_or_default();
                                let text = format!(
                                    "{}{}{} · {} · {:.0} 万元",
                                    r.firm.name,
                                    if r.lead { " [链主]" } else { "" },
                                    if r.above_scale { " [规上]" } else { "" },
                                    r.firm.industry_code,
                                    r.output
                                );
                                ui.horizontal(|ui| {
                                    if ui.link(text).on_hover_text(how).clicked() {
                                        request =
                                            Some(ChainRequest::ShowFirms(firms.id, vec![i as u32]));
                                    }
                                    // Move the firm by hand: to another link of the chain, or off it.
                                    ui.menu_button(lang.tr("调整", "Move"), |ui| {
                                        let mut to: Option<String> = None;
                                        for l in chain.links.iter().filter(|l| l.id != link) {
                                            if ui
                                                .button(format!(
                                                    "{} {}",
                                                    lang.tr("移到", "To"),
                                                    l.name
                                                ))
                                                .clicked()
                                            {
                                                to = Some(l.id.clone());
                                            }
                                        }
                                        if ui
                                            .button(lang.tr("不属于本链", "Not on this chain"))
                                            .clicked()
                                        {
                                            to = Some(String::new());
                                        }
                                        if self.overrides.iter().any(|o| {
                                            o.chain == chain.name
                                                && o.matches(&r.firm.credit_code, &r.firm.name)
                                        }) && ui
                                            .button(lang.tr(
                                                "按规则归类（取消调整）",
                                                "Back to the rules (undo the move)",
                                            ))
                                            .clicked()
                                        {
                                            to = Some("\u{0}".into());
                                        }
                                        if let Some(to) = to {
                                            moved = Some((
                                                r.firm.credit_code.clone(),
                                                r.firm.name.clone(),
                                                to,
                                            ));
                                            ui.close();
                                        }
                                    });
                                });
                            }
                        });
                }
            }
        });
        // Corrections of this chain, each undone with ✕ (a firm taken off the chain is found here).
        let mine: Vec<usize> = (0..self.overrides.len())
            .filter(|&k| self.overrides[k].chain == chain.name)
            .collect();
        if !mine.is_empty() {
            ui.collapsing(
                format!("{} ({})", lang.tr("人工调整", "Moved by hand"), mine.len()),
                |ui| {
                    for &k in &mine {
                        let o = &self.overrides[k];
                        let to = if o.link.is_empty() {
                            lang.tr("不属于本链", "not on this chain").to_string()
                        } else {
                            chain
                                .links
                                .iter()
                                .find(|l| l.id == o.link)
                                .map_or(o.link.clone(), |l| l.name.clone())
                        };
                        ui.horizontal(|ui| {
                            ui.label(format!("{} → {to}", o.name));
                            if ui
                                .small_button("✕")
                                .on_hover_text(lang.tr("取消这项调整", "Undo this move"))
                                .clicked()
                            {
                                moved =
                                    Some((o.credit_code.clone(), o.name.clone(), "\u{0}".into()));
                            }
                        });
                    }
                },
            );
        }
        if let Some((credit_code, name, link)) = moved {
            let chain_name = chain.name.clone();
            self.overrides
                .retain(|o| !(o.chain == chain_name && o.matches(&credit_code, &name)));
            // "\0": back to the rules; anything else: the link (empty: off the chain).
            if link != "\u{0}" {
                self.overrides.push(crate::core::model::chain::Override {
                    credit_code: credit_code.trim().to_string(),
                    name,
                    chain: chain_name,
                    link,
                });
            }
            self.touch();
            return Some(ChainRequest::TemplatesChanged);
        }
        let Some((_, reg)) = &self.register else {
            return request;
        };
        let unplaced = reg.records.iter().filter(|r| r.placed.is_empty()).count();
        if unplaced > 0 || !self.notes.is_empty() {
            ui.collapsing(
                format!(
                    "{} ({})",
                    lang.tr("名录检查与未归入企业", "Register checks and unplaced firms"),
                    self.notes.len() + unplaced
                ),
                |ui| {
                    for n in &self.notes {
                        ui.label(egui::RichText::new(lang.pick(n)).small());
                    }
                    for r in reg.records.iter().filter(|r| r.placed.is_empty()) {
                        ui.label(
                            egui::RichText::new(format!(
                                "{}：{} {}",
                                lang.tr("未归入", "unplaced"),
                                r.firm.name,
                                r.firm.industry_code
                            ))
                            .small(),
                        );
                    }
                },
            );
        }
        request
    }

    /// The chain diagram: three tier columns of link boxes coloured by status, with supply arrows. Returns the
    /// link clicked.
    fn diagram(
        &self,
        ui: &mut egui::Ui,
        chain: &Chain,
        m: &[LinkMeasures],
        lang: Lang,
    ) -> Option<String> {
        let tiers = [Tier::Up, Tier::Mid, Tier::Down];
        let per: Vec<Vec<&Link>> = tiers
            .iter()
            .map(|t| chain.links.iter().filter(|l| l.tier == *t).collect())
            .collect();
        let rows = per.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let box_h = 40.0;
        let gap = 12.0;
        let height = 22.0 + rows as f32 * (box_h + gap);
        let width = ui.available_width().max(300.0);
        let (rect, _) = ui.allocate_exact_size(Vec2::new(width, height), Sense::hover());
        let painter = ui.painter_at(rect);
        let col_w = width / 3.0;
        let box_w = (col_w - 60.0).clamp(100.0, 220.0);
        let mut boxes: Vec<(String, Rect)> = Vec::new();
        for (k, links) in per.iter().enumerate() {
            let cx = rect.left() + col_w * (k as f32 + 0.5);
            painter.text(
                Pos2::new(cx, rect.top() + 8.0),
                egui::Align2::CENTER_CENTER,
                match tiers[k] {
                    Tier::Up => lang.tr("上游", "Upstream"),
                    Tier::Mid => lang.tr("中游", "Midstream"),
                    Tier::Down => lang.tr("下游", "Downstream"),
                },
                egui::FontId::proportional(13.0),
                ui.visuals().weak_text_color(),
            );
            let top = rect.top() + 22.0 + (rows - links.len()) as f32 * (box_h + gap) / 2.0;
            for (j, l) in links.iter().enumerate() {
                let r = Rect::from_center_size(
                    Pos2::new(cx, top + j as f32 * (box_h + gap) + box_h / 2.0),
                    Vec2::new(box_w, box_h),
                );
                boxes.push((l.id.clone(), r));
            }
        }
        let find = |id: &str| boxes.iter().find(|b| b.0 == id).map(|b| b.1);
        for [a, b] in &chain.edges {
            if let (Some(ra), Some(rb)) = (find(a), find(b)) {
                let (from, to) = if ra.center().x < rb.center().x {
                    (ra.right_center(), rb.left_center())
                } else if ra.center().x > rb.center().x {
                    (ra.left_center(), rb.right_center())
                } else if ra.center().y < rb.center().y {
                    (ra.center_bottom(), rb.center_top())
                } else {
                    (ra.center_top(), rb.center_bottom())
                };
                painter.arrow(from, to - from, Stroke::new(1.4, Color32::from_gray(110)));
            }
        }
        let mut clicked = None;
        for (id, r) in &boxes {
            let link = chain
                .links
                .iter()
                .find(|l| &l.id == id)
                .expect("a box per link");
            let x = m.iter().find(|x| &x.link == id);
            let (fill, text) = status_colour(x.map_or(Status::Missing, |x| x.status));
            let selected = self.selected.as_deref() == Some(id.as_str());
            painter.rect_filled(*r, 6.0, fill);
            painter.rect_stroke(
                *r,
                6.0,
                if selected {
                    Stroke::new(3.0, Color32::from_rgb(21, 101, 192))
                } else {
                    Stroke::new(1.0, Color32::from_gray(90))
                },
                egui::StrokeKind::Inside,
            );
            painter.text(
                r.center() - Vec2::new(0.0, 8.0),
                egui::Align2::CENTER_CENTER,
                &link.name,
                egui::FontId::proportional(13.0),
                text,
            );
            let sub = match x {
                Some(x) => format!(
                    "{} {} · {}{}",
                    x.firms,
                    lang.tr("家", "firms"),
                    x.status.label(),
                    x.lq.map(|v| format!(" · LQ {v:.2}")).unwrap_or_default()
                ),
                None => lang.tr("无数据", "no data").to_string(),
            };
            painter.text(
                r.center() + Vec2::new(0.0, 10.0),
                egui::Align2::CENTER_CENTER,
                sub,
                egui::FontId::proportional(11.0),
                text,
            );
            let resp = ui
                .interact(
                    *r,
                    egui::Id::unique(("chain-box", id.as_str())),
                    Sense::click(),
                )
                .on_hover_text(x.map(|x| lang.pick(&x.reason)).unwrap_or_default());
            if resp.clicked() {
                clicked = Some(id.clone());
            }
        }
        clicked
    }

    /// The template editor for the chosen chain; returns whether the templates changed.
    fn editor(&mut self, ui: &mut egui::Ui, lang: Lang) -> bool {
        let mut changed = false;
        ui.horizontal(|ui| {
            if ui
                .button(lang.tr("导入模板（JSON/Excel）…", "Import templates (JSON/Excel)…"))
                .clicked()
            {
                if let Some(p) = rfd::FileDialog::new()
                    .add_filter("JSON/Excel", &["json", "xlsx"])
                    .pick_file()
                {
                    match crate::core::algorithms::chain::read_templates(&p) {
                        Ok(c) => {
                            self.chains = c;
                            self.chosen = 0;
                            self.selected = None;
                            changed = true;
                        }
                        Err(e) => self.notes.push(e.to_string()),
                    }
                }
            }
            if ui
                .button(lang.tr("导出模板（JSON/Excel）…", "Export templates (JSON/Excel)…"))
                .clicked()
            {
                if let Some(p) = rfd::FileDialog::new()
                    .add_filter("Excel", &["xlsx"])
                    .add_filter("JSON", &["json"])
                    .set_file_name("产业链模板.xlsx")
                    .save_file()
                {
                    let bytes = if p
                        .extension()
                        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
                    {
                        Ok(serde_json::to_string_pretty(&self.chains)
                            .unwrap_or_default()
                            .into_bytes())
                    } else {
                        crate::core::output::chain_report::templates_xlsx(&self.chains)
                    };
                    match bytes {
                        Ok(b) => {
                            if let Err(e) = crate::core::io::files::write_atomic(&p, &b) {
                                self.notes.push(crate::core::io::files::write_error(&p, &e));
                            }
                        }
                        Err(e) => self.notes.push(e),
                    }
                }
            }
            if ui
                .button(lang.tr("恢复内置模板", "Restore the built-in templates"))
                .clicked()
            {
                self.chains = default_chains();
                self.chosen = 0;
                self.selected = None;
                self.edited = false;
                self.touch();
            }
        });
        let chain = &mut self.chains[self.chosen];
        let mut link_changed = false;
        match self.selected.clone() {
            None => {
                ui.label(lang.tr(
                    "点选图中一个环节来编辑它，或添加环节",
                    "Click a link in the diagram to edit it, or add a link",
                ));
            }
            Some(id) => {
                let ids: Vec<String> = chain.links.iter().map(|l| l.id.clone()).collect();
                if let Some(l) = chain.links.iter_mut().find(|l| l.id == id) {
                    egui::Grid::new("chain-link-editor")
                        .num_columns(2)
                        .show(ui, |ui| {
                            ui.label(lang.tr("名称", "Name"));
                            link_changed |= ui.text_edit_singleline(&mut l.name).changed();
                            ui.end_row();
                            ui.label(lang.tr("环节位置", "Tier"));
                            ui.horizontal(|ui| {
                                for t in [Tier::Up, Tier::Mid, Tier::Down] {
                                    link_changed |=
                                        ui.radio_value(&mut l.tier, t, t.label()).changed();
                                }
                            });
                            ui.end_row();
                            ui.label(
                                lang.tr("行业代码（空格分隔）", "Industry codes (space-separated)"),
                            );
                            let mut codes = l.codes.join(" ");
                            if ui.text_edit_singleline(&mut codes).changed() {
                                l.codes = codes.split_whitespace().map(str::to_string).collect();
                                link_changed = true;
                            }
                            ui.end_row();
                            ui.label(lang.tr("关键词（、分隔）", "Keywords (、-separated)"));
                            let mut kw = l.keywords.join("、");
                            if ui.text_edit_singleline(&mut kw).changed() {
                                l.keywords = kw
                                    .split(['、', ',', '，', ' '])
                                    .filter(|s| !s.is_empty())
                                    .map(str::to_string)
                                    .collect();
                                link_changed = true;
                            }
                            ui.end_row();
                        });
                }
                ui.horizontal(|ui| {
                    ui.label(lang.tr("供应给", "Supplies"));
                    egui::ComboBox::from_id_salt("chain-edge-to")
                        .selected_text(self.new_edge_to.clone())
                        .show_ui(ui, |ui| {
                            for o in ids.iter().filter(|o| **o != id) {
                                ui.selectable_value(&mut self.new_edge_to, o.clone(), o);
                            }
                        });
                    if ui.button(lang.tr("添加供应关系", "Add edge")).clicked()
                        && !self.new_edge_to.is_empty()
                        && !chain
                            .edges
                            .contains(&[id.clone(), self.new_edge_to.clone()])
                    {
                        chain.edges.push([id.clone(), self.new_edge_to.clone()]);
                        link_changed = true;
                    }
                    if ui
                        .button(lang.tr("删除此环节", "Remove this link"))
                        .clicked()
                    {
                        chain.links.retain(|l| l.id != id);
                        chain.edges.retain(|e| e[0] != id && e[1] != id);
                        self.selected = None;
                        link_changed = true;
                    }
                });
                let mut remove = None;
                for (k, [a, b]) in chain.edges.iter().enumerate() {
                    if *a == id || *b == id {
                        ui.horizontal(|ui| {
                            let name = |id: &str| {
                                chain
                                    .links
                                    .iter()
                                    .find(|l| l.id == id)
                                    .map_or(id.to_string(), |l| l.name.clone())
                            };
                            ui.label(format!("{} → {}", name(a), name(b)));
                            if ui.small_button("✕").clicked() {
                                remove = Some(k);
                            }
                        });
                    }
                }
                if let Some(k) = remove {
                    chain.edges.remove(k);
                    link_changed = true;
                }
            }
        }
        ui.horizontal(|ui| {
            for t in [Tier::Up, Tier::Mid, Tier::Down] {
                if ui
                    .button(format!(
                        "{} {}",
                        lang.tr("添加环节：", "Add link: "),
                        t.label()
                    ))
                    .clicked()
                {
                    let mut n = chain.links.len() + 1;
                    while chain.links.iter().any(|l| l.id == format!("link{n}")) {
                        n += 1;
                    }
                    chain.links.push(Link {
                        id: format!("link{n}"),
                        name: format!("{}{n}", lang.tr("新环节", "New link ")),
                        tier: t,
                        codes: Vec::new(),
                        keywords: Vec::new(),
                    });
                    self.selected = Some(format!("link{n}"));
                    link_changed = true;
                }
            }
        });
        for p in chain.problems() {
            ui.colored_label(Color32::from_rgb(180, 60, 0), p);
        }
        if link_changed {
            if self.bumped.insert(self.chosen) {
                chain.version += 1;
            }
            changed = true;
        }
        if changed {
            self.edited = true;
            self.touch();
        }
        changed
    }
}

//! The talent window (分析 › 人才地图…): a chain's (or one link's) talent sources ranked from the project's
//! talent-sources layer, filtered by kind, province and distance; a click shows a source's majors, graduates and
//! the links it serves, and selects it on the map; buttons open the toolbox runs that put the national view on the
//! map (ranked sources with flow lines, the province choropleth, every county's accessibility) and print the talent
//! map. A thin shell over [`crate::core::algorithms::talent`] and [`crate::core::analysis::talent`]; the ranking
//! runs in the background.

use super::layers::MapLayer;
use super::{Job, Lang};
use crate::core::analysis::roles::Role;
use crate::core::analysis::talent::{
    default_weight, link_supply, rank, Ranked, Source, SupplyUnit,
};
use crate::core::model::chain::{default_chains, Chain};
use crate::core::model::gazetteer::Division;
use crate::core::model::talent::{major_label, Crosswalk};

/// What the talent window asks of the app.
#[derive(Debug, Clone, PartialEq)]
pub enum TalentRequest {
    /// Select and show this feature of the layer with this id.
    ShowSource(u64, u32),
    /// Open the toolbox dialog of this algorithm with these values.
    OpenAlgorithm(&'static str, Vec<(String, String)>),
}

/// One link's ranking.
struct LinkRows {
    chain: String,
    link_name: String,
    unit: SupplyUnit,
    ranked: Vec<Ranked>,
}

/// A finished ranking: the sources read from the layer, the county, each link's ranking.
struct Computed {
    sources: Vec<Source>,
    county: Option<Division>,
    links: Vec<LinkRows>,
    notes: Vec<String>,
}

/// (layer id, attrs version, chain, link, crosswalk version) a ranking was made for.
type Key = (u64, u64, usize, Option<String>, u32);

/// The talent window's state.
pub struct TalentWindow {
    /// Whether the window is open.
    pub open: bool,
    /// The chain templates (the chain window's).
    pub chains: Vec<Chain>,
    /// The crosswalk (the project's, else the built-in one).
    pub crosswalk: Crosswalk,
    /// The project's own crosswalk, kept and saved back unchanged.
    pub project_crosswalk: Option<Crosswalk>,
    chosen: usize,
    link: Option<String>,
    kind: String,
    province: String,
    major: String,
    /// What the last crosswalk import or export said.
    crosswalk_note: Option<String>,
    max_km: f64,
    job: Option<(Key, Job<Result<Computed, String>>)>,
    computed: Option<(Key, Computed)>,
    selected: Option<usize>,
}

impl Default for TalentWindow {
    fn default() -> Self {
        TalentWindow {
            open: false,
            chains: default_chains(),
            crosswalk: crate::core::model::talent::default_crosswalk(),
            project_crosswalk: None,
            chosen: 0,
            link: None,
            kind: String::new(),
            province: String::new(),
            major: String::new(),
            crosswalk_note: None,
            max_km: 0.0,
            job: None,
            computed: None,
            selected: None,
        }
    }
}

/// The talent-sources layer among `layers`: the one whose name plays the role, else a point layer with a majors
/// field.
pub fn sources_layer(layers: &[MapLayer]) -> Option<&MapLayer> {
    layers
        .iter()
        .find(|l| {
            Role::TalentSources.names(&l.name) || Role::TalentSources.names(&l.data.source.layer)
        })
        .or_else(|| {
            layers.iter().find(|l| {
                ["majors", "专业"]
                    .iter()
                    .any(|f| l.data.attrs.field_index(f).is_some())
            })
        })
}

impl TalentWindow {
    /// Takes a project's crosswalk (none: the built-in one).
    pub fn set_crosswalk(&mut self, cw: Option<Crosswalk>) {
        self.crosswalk = cw
            .clone()
            .unwrap_or_else(crate::core::model::talent::default_crosswalk);
        self.project_crosswalk = cw;
        self.computed = None;
    }

    /// Reads a crosswalk (JSON or Excel, as `yitu talent majors --out` writes it) and keeps it as the project's,
    /// its version one above the one in use. Errors: the file cannot be read or holds no pairs.
    pub fn import_crosswalk(&mut self, path: &std::path::Path) -> Result<(), String> {
        let mut cw = crate::core::algorithms::talent::read_crosswalk(path)
            .map_err(|e| e.to_string())?
            .normalized();
        cw.version = self.crosswalk.version.max(cw.version.saturating_sub(1)) + 1;
        let problems = cw.problems(&self.chains);
        self.crosswalk_note = Some(if problems.is_empty() {
            format!(
                "专业对照表第 {} 版：{} 对 / crosswalk version {}: {} pairs",
                cw.version,
                cw.pairs.len(),
                cw.version,
                cw.pairs.len()
            )
        } else {
            format!(
                "专业对照表第 {} 版，{} 处问题：{} / crosswalk version {}: {} problems",
                cw.version,
                problems.len(),
                problems[..problems.len().min(3)].join("；"),
                cw.version,
                problems.len()
            )
        });
        self.set_crosswalk(Some(cw));
        Ok(())
    }

    /// Writes the crosswalk in use to `path`: JSON, else an Excel workbook.
    pub fn export_crosswalk(&self, path: &std::path::Path) -> Result<(), String> {
        let bytes = if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            serde_json::to_string_pretty(&self.crosswalk)
                .map_err(|e| e.to_string())?
                .into_bytes()
        } else {
            let t = crate::core::algorithms::talent::crosswalk_table(
                &self.crosswalk,
                &self.chains,
                None,
            );
            crate::core::output::table::tables_xlsx(&[&t])?
        };
        crate::core::io::files::write_atomic(path, bytes)
            .map_err(|e| crate::core::io::files::write_error(path, &e))
    }

    /// Opens the window on `chain` (by name) and `link` (by id).
    pub fn show(&mut self, chain: &str, link: Option<&str>) {
        self.open = true;
        if let Some(i) = self.chains.iter().position(|c| c.name == chain) {
            self.chosen = i;
        }
        self.link = link.map(String::from);
        self.selected = None;
    }

    /// Draws the window. `project` is the project's (or first layer's) file, given to the toolbox runs.
    pub fn window(
        &mut self,
        ctx: &egui::Context,
        layers: &[MapLayer],
        project: Option<&std::path::Path>,
        lang: Lang,
    ) -> Option<TalentRequest> {
        if !self.open {
            return None;
        }
        let mut open = true;
        let mut request = None;
        egui::Window::new(lang.tr("人才地图", "Talent map"))
            .id(egui::Id::unique("talent-window"))
            .open(&mut open)
            .default_pos(egui::pos2(300.0, 90.0))
            .default_size([860.0, 560.0])
            .resizable(true)
            .show(ctx, |ui| {
                request = self.contents(ui, layers, project, lang);
            });
        self.open &= open;
        request
    }

    fn contents(
        &mut self,
        ui: &mut egui::Ui,
        layers: &[MapLayer],
        project: Option<&std::path::Path>,
        lang: Lang,
    ) -> Option<TalentRequest> {
        let mut request = None;
        self.chosen = self.chosen.min(self.chains.len().saturating_sub(1));
        let Some(chain) = self.chains.get(self.chosen).cloned() else {
            ui.label(lang.tr("没有产业链模板", "No chain templates"));
            return None;
        };
        // Chain and link.
        ui.horizontal_wrapped(|ui| {
            ui.label(lang.tr("产业链", "Chain"));
            egui::ComboBox::from_id_salt("talent-chain")
                .selected_text(&chain.name)
                .show_ui(ui, |ui| {
                    for (i, c) in self.chains.iter().enumerate() {
                        if ui.selectable_label(i == self.chosen, &c.name).clicked() {
                            self.chosen = i;
                            self.link = None;
                            self.selected = None;
                        }
                    }
                });
            ui.label(lang.tr("环节", "Link"));
            let shown = self
                .link
                .as_ref()
                .and_then(|l| chain.link(l))
                .map_or(lang.tr("全部环节", "All links").to_string(), |l| {
                    l.name.clone()
                });
            egui::ComboBox::from_id_salt("talent-link")
                .selected_text(shown)
                .show_ui(ui, |ui| {
                    if ui
                        .selectable_label(self.link.is_none(), lang.tr("全部环节", "All links"))
                        .clicked()
                    {
                        self.link = None;
                        self.selected = None;
                    }
                    for l in &chain.links {
                        let on = self.link.as_deref() == Some(l.id.as_str());
                        if ui
                            .selectable_label(on, format!("{}（{}）", l.name, l.tier.label()))
                            .clicked()
                        {
                            self.link = Some(l.id.clone());
                            self.selected = None;
                        }
                    }
                });
        });
        ui.horizontal_wrapped(|ui| {
            ui.label(format!(
                "{} {}",
                lang.tr("专业对照表：第", "Crosswalk: version"),
                self.crosswalk.version
            ));
            if self.project_crosswalk.is_some() {
                ui.small(lang.tr("（项目中的）", "(the project's)"));
            } else {
                ui.small(lang.tr("（内置）", "(built in)"));
            }
            if ui
                .button(lang.tr("导入对照表…", "Import crosswalk…"))
                .clicked()
            {
                if let Some(p) = rfd::FileDialog::new()
                    .add_filter("Excel/JSON", &["xlsx", "json"])
                    .pick_file()
                {
                    if let Err(e) = self.import_crosswalk(&p) {
                        self.crosswalk_note = Some(e);
                    }
                }
            }
            if ui
                .button(lang.tr("导出对照表…", "Export crosswalk…"))
                .clicked()
            {
                if let Some(p) = rfd::FileDialog::new()
                    .add_filter("Excel", &["xlsx"])
                    .add_filter("JSON", &["json"])
                    .set_file_name("环节与专业对照.xlsx")
                    .save_file()
                {
                    self.crosswalk_note = Some(match self.export_crosswalk(&p) {
                        Ok(()) => format!("→ {}", p.display()),
                        Err(e) => e,
                    });
                }
            }
            if let Some(n) = &self.crosswalk_note {
                ui.small(lang.pick(n));
            }
        });
        let Some(layer) = sources_layer(layers) else {
            ui.colored_label(
                egui::Color32::from_rgb(200, 80, 0),
                lang.tr(
                    "项目中没有人才资源图层（talent_sources、人才资源、高校等，或带“专业”字段的点图层）：请先打开含高校、院所点的数据",
                    "The project has no talent-sources layer (talent_sources, 人才资源, 高校…, or points with a majors field): open data with the institutions first",
                ),
            );
            return None;
        };
        // The ranking, in the background when the inputs changed.
        let key: Key = (
            layer.id,
            layer.attrs_version,
            self.chosen,
            self.link.clone(),
            self.crosswalk.version,
        );
        if self.computed.as_ref().map(|c| &c.0) != Some(&key)
            && self.job.as_ref().map(|j| &j.0) != Some(&key)
        {
            let data = layer.data.clone();
            let villages = super::profile::village_layer(layers).map(|v| v.data.clone());
            let cw = self.crosswalk.clone();
            let chain2 = chain.clone();
            let link = self.link.clone();
            self.job = Some((
                key.clone(),
                Job::spawn(
                    lang.tr("人才来源排名", "Ranking talent sources")
                        .to_string(),
                    ui.ctx(),
                    move |p| compute(&data, villages.as_deref(), &chain2, link.as_deref(), &cw, p),
                ),
            ));
        }
        if let Some((k, j)) = &self.job {
            match j.try_result() {
                Ok(r) => {
                    let k = k.clone();
                    self.job = None;
                    match r {
                        Ok(c) => self.computed = Some((k, c)),
                        Err(e) => {
                            ui.colored_label(egui::Color32::RED, e);
                            return None;
                        }
                    }
                }
                Err(std::sync::mpsc::TryRecvError::Empty) => {
                    super::job_rows(ui, std::slice::from_ref(j), lang);
                    if self.computed.as_ref().map(|c| &c.0) != Some(&key) {
                        return None;
                    }
                }
                Err(std::sync::mpsc::TryRecvError::Disconnected) => self.job = None,
            }
        }
        let Some((_, computed)) = &self.computed else {
            return None;
        };
        // Filters.
        let mut kinds: Vec<&str> = computed.sources.iter().map(|s| s.kind.as_str()).collect();
        kinds.sort();
        kinds.dedup();
        let mut provinces: Vec<&str> = computed
            .sources
            .iter()
            .map(|s| s.province.as_str())
            .collect();
        provinces.sort();
        provinces.dedup();
        ui.horizontal_wrapped(|ui| {
            ui.label(lang.tr("类型", "Kind"));
            egui::ComboBox::from_id_salt("talent-kind")
                .selected_text(if self.kind.is_empty() {
                    lang.tr("全部", "All")
                } else {
                    &self.kind
                })
                .show_ui(ui, |ui| {
                    if ui
                        .selectable_label(self.kind.is_empty(), lang.tr("全部", "All"))
                        .clicked()
                    {
                        self.kind.clear();
                    }
                    for k in &kinds {
                        if ui.selectable_label(self.kind == *k, *k).clicked() {
                            self.kind = k.to_string();
                        }
                    }
                });
            ui.label(lang.tr("省份", "Province"));
            egui::ComboBox::from_id_salt("talent-province")
                .selected_text(if self.province.is_empty() {
                    lang.tr("全国", "All China")
                } else {
                    &self.province
                })
                .show_ui(ui, |ui| {
                    if ui
                        .selectable_label(self.province.is_empty(), lang.tr("全国", "All China"))
                        .clicked()
                    {
                        self.province.clear();
                    }
                    for p in provinces.iter().filter(|p| !p.is_empty()) {
                        if ui.selectable_label(self.province == *p, *p).clicked() {
                            self.province = p.to_string();
                        }
                    }
                });
            ui.label(lang.tr("专业", "Major"));
            ui.add(
                egui::TextEdit::singleline(&mut self.major)
                    .desired_width(90.0)
                    .hint_text(lang.tr("代码或名称", "code or name")),
            );
            ui.label(lang.tr("最远（公里，0 为不限）", "Farthest (km, 0: any)"));
            ui.add(
                egui::DragValue::new(&mut self.max_km)
                    .range(0.0..=6000.0)
                    .speed(10.0),
            );
        });
        if let Some(c) = &computed.county {
            ui.small(match lang {
                Lang::Zh => format!(
                    "本县：{} {}；得分 = 供给 × 距离衰减（100 公里为 1，1000 公里为 0.1）",
                    c.code, c.name
                ),
                Lang::En => format!(
                    "County: {} {}; score = supply × distance decay (1 at 100 km, 0.1 at 1 000 km)",
                    c.code, c.name
                ),
            });
        }
        // Actions: the national view and the print.
        let file = project.map(|p| p.display().to_string()).unwrap_or_default();
        let base = |link: &Option<String>| {
            let mut v = vec![
                ("file".to_string(), file.clone()),
                ("chain".to_string(), chain.name.clone()),
            ];
            if let Some(l) = link {
                v.push(("link".to_string(), l.clone()));
            }
            v
        };
        // Each run writes beside the project (a name the user can change in the dialog).
        let out = |what: &str, ext: &str| {
            let dir = project
                .and_then(|p| p.parent())
                .map(|d| d.to_path_buf())
                .unwrap_or_else(std::env::temp_dir);
            let stem = match &self.link {
                Some(l) => format!("人才地图_{}_{l}_{what}", chain.name),
                None => format!("人才地图_{}_{what}", chain.name),
            };
            (
                "out".to_string(),
                dir.join(format!("{stem}.{ext}")).display().to_string(),
            )
        };
        ui.horizontal_wrapped(|ui| {
            if ui
                .button(lang.tr("来源与流向上图…", "Sources and flows on the map…"))
                .on_hover_text(lang.tr(
                    "在工具箱中运行“人才来源排名”，输出 GeoPackage 后自动加到地图",
                    "Runs the talent-source ranking in the toolbox; its GeoPackage goes onto the map",
                ))
                .clicked()
            {
                let mut v = base(&self.link);
                v.push(out("来源", "gpkg"));
                v.push(("top".into(), "10".into()));
                request = Some(TalentRequest::OpenAlgorithm("talent sources", v));
            }
            if ui
                .button(lang.tr("分省专题图…", "Province choropleth…"))
                .clicked()
            {
                let mut v = base(&self.link);
                v.push(out("分省", "gpkg"));
                request = Some(TalentRequest::OpenAlgorithm("talent provinces", v));
            }
            let mut access = base(&self.link);
            if self.link.is_none() {
                if let Some(l) = chain.links.first() {
                    access.push(("link".into(), l.id.clone()));
                }
            }
            access.push(out("可达性", "gpkg"));
            if ui
                .button(lang.tr("全国县级可达性…", "Accessibility of every county…"))
                .clicked()
            {
                request = Some(TalentRequest::OpenAlgorithm("talent access", access));
            }
            if ui
                .button(lang.tr("供需缺口…", "Supply–demand gaps…"))
                .clicked()
            {
                let mut v = base(&None);
                v.push(out("供需缺口", "xlsx"));
                request = Some(TalentRequest::OpenAlgorithm("talent gaps", v));
            }
            if ui
                .button(lang.tr("高端人才…", "High-end talents…"))
                .clicked()
            {
                let mut v = base(&self.link);
                v.push(out("高端人才", "xlsx"));
                request = Some(TalentRequest::OpenAlgorithm("talent people", v));
            }
            if ui.button(lang.tr("出图（PDF）…", "Print (PDF)…")).clicked() {
                let mut v = base(&self.link);
                v.push(out("出图", "pdf"));
                request = Some(TalentRequest::OpenAlgorithm("talent report", v));
            }
        });
        for n in &computed.notes {
            ui.small(lang.pick(n));
        }
        ui.separator();
        // The ranked sources (filtered), and the selected one's details.
        let max_km = self.max_km;
        let rows: Vec<(&LinkRows, usize, &Ranked)> = computed
            .links
            .iter()
            .flat_map(|lr| {
                lr.ranked
                    .iter()
                    .enumerate()
                    .map(move |(k, r)| (lr, k + 1, r))
            })
            .filter(|(_, _, r)| {
                let s = &computed.sources[r.source];
                let m = self.major.trim();
                (self.kind.is_empty() || s.kind == self.kind)
                    && (self.province.is_empty() || s.province == self.province)
                    && (m.is_empty()
                        || r.majors
                            .iter()
                            .any(|c| c.starts_with(m) || major_label(c).contains(m)))
                    && (max_km <= 0.0 || r.distance_km <= max_km)
            })
            .take(500)
            .collect();
        ui.horizontal_top(|ui| {
            let details_w = 300.0;
            let table_w = (ui.available_width() - details_w - 12.0).max(300.0);
            ui.allocate_ui_with_layout(
                egui::vec2(table_w, 400.0),
                egui::Layout::top_down(egui::Align::Min),
                |ui| {
            egui::ScrollArea::both()
                .id_salt("talent-rows")
                .max_height(400.0)
                .show(ui, |ui| {
                    egui::Grid::new("talent-grid").striped(true).show(ui, |ui| {
                        for h in [("环节", "Link"), ("排名", "Rank"), ("名称", "Name"), ("省份", "Province"), ("距离", "km"), ("得分", "Score")] {
                            ui.strong(lang.tr(h.0, h.1));
                        }
                        ui.end_row();
                        for (lr, k, r) in &rows {
                            let s = &computed.sources[r.source];
                            ui.label(&lr.link_name);
                            ui.label(k.to_string());
                            let on = self.selected == Some(r.source);
                            if ui.selectable_label(on, &s.name).clicked() {
                                self.selected = Some(r.source);
                                if let Some(f) = s.feature {
                                    request = Some(TalentRequest::ShowSource(layer.id, f));
                                }
                            }
                            ui.label(&s.province);
                            ui.label(format!("{:.0}", r.distance_km));
                            ui.label(format!("{:.1}", r.score));
                            ui.end_row();
                        }
                    });
                    if rows.is_empty() {
                        ui.label(lang.tr("没有符合筛选的来源", "No source matches the filters"));
                    }
                });
            });
            ui.separator();
            ui.allocate_ui_with_layout(
                egui::vec2(details_w, 400.0),
                egui::Layout::top_down(egui::Align::Min),
                |ui| {
            ui.set_width(details_w);
            match self.selected.and_then(|i| computed.sources.get(i)) {
                None => {
                    ui.label(lang.tr(
                        "点击左侧名称：看开设专业、毕业生和对口环节，并在地图上选中",
                        "Click a name on the left: its majors, graduates and links, selected on the map",
                    ));
                }
                Some(s) => {
                    ui.heading(&s.name);
                    ui.label(format!("{} · {} {}", s.kind, s.province, s.city));
                    ui.label(format!(
                        "{}：{}",
                        lang.tr("定位", "Located by"),
                        s.precision
                    ));
                    ui.separator();
                    ui.strong(lang.tr("开设专业（毕业生/年）", "Majors (graduates a year)"));
                    for m in &s.majors {
                        let g = s
                            .graduates
                            .get(m)
                            .map_or(String::from("—"), |g| format!("{g:.0}"));
                        ui.label(format!("{}　{g}", major_label(m)));
                    }
                    ui.separator();
                    ui.strong(lang.tr("对口环节", "Links served"));
                    for lr in &computed.links {
                        if let Some(r) = lr.ranked.iter().find(|r| Some(r.source) == self.selected) {
                            ui.label(format!(
                                "{} · {}：{} {:.0}（{}），{}",
                                lr.chain,
                                lr.link_name,
                                lang.tr("供给", "supply"),
                                r.supply,
                                lang.pick(&format!("{} / {}", lr.unit.label().0, lr.unit.label().1)),
                                r.majors.iter().map(|m| major_label(m)).collect::<Vec<_>>().join("、")
                            ));
                        }
                    }
                }
            }
        });
        });
        request
    }
}

/// Ranks the sources of `layer` for `chain` (one link or all), from the county of `villages`.
fn compute(
    layer: &crate::core::model::layer::VectorLayer,
    villages: Option<&crate::core::model::layer::VectorLayer>,
    chain: &Chain,
    link: Option<&str>,
    cw: &Crosswalk,
    progress: &crate::core::model::progress::Progress,
) -> Result<Computed, String> {
    use crate::core::algorithms::talent::{county_from_villages, sources_from_layer};
    progress.stage("人才来源 / talent sources", 1);
    let sources = sources_from_layer(layer, progress).map_err(|e| e.to_string())?;
    let county = villages.and_then(county_from_villages);
    let origin = county.as_ref().map_or([118.64, 25.44], |c| [c.lon, c.lat]);
    let mut notes = progress.notes();
    if county.is_none() {
        notes.push(
            "没有村界图层，距离从莆田仙游量起 / no village layer: distances are from 仙游, Putian"
                .into(),
        );
    }
    let cw = cw.clone().normalized();
    let w = default_weight();
    let links = chain
        .links
        .iter()
        .filter(|l| link.is_none_or(|x| x == l.id))
        .map(|l| {
            let wanted = cw.majors_of(&chain.name, Some(&l.id));
            let (sup, unit, _) = link_supply(&sources, &wanted);
            LinkRows {
                chain: chain.name.clone(),
                link_name: l.name.clone(),
                unit,
                ranked: rank(&sources, &sup, origin, &w, None),
            }
        })
        .collect();
    Ok(Computed {
        sources,
        county,
        links,
        notes,
    })
}

//! 一村一档 in the app: the village files computed in the background from the project's village
//! layer (with its joined department tables as indicators), a searchable town → village tree,
//! the profile panel with tables and charts (亩 / 公顷), the scope (county, town, village) that
//! the map and the exports follow, and exports: the village report (PDF), the atlas of the scope
//! (PDF, with progress and cancel), XLSX and JSON.

use super::layers::MapLayer;
use super::Lang;
use crate::core::analysis::profile::{
    self, IndicatorSource, ProfileOptions, Profiles, Scope, VillageProfile,
};
use crate::core::analysis::roles::Role;
use crate::core::data::cache::Cache;
use crate::core::model::progress::Progress;
use crate::core::output::charts::{self, AreaUnit};

/// What the panel's charts were drawn for: village code, unit, width in pixels.
type ChartKey = (String, AreaUnit, u32, Lang);
use crate::core::output::package;
use crate::core::output::report;
use egui::{Context, TextureHandle, Ui};
use std::path::PathBuf;
use std::sync::Arc;

/// What a job of the profile window produced.
pub enum JobOut {
    Profiles(Box<Profiles>),
    Done(String),
}

/// A background job of the profile window.
pub type ProfileJob = super::Job<Result<JobOut, String>>;

/// What the map should do after the profile window acted.
pub enum MapRequest {
    /// Select and zoom to this feature of this layer.
    Village(u64, u32),
    /// Zoom to these features (a town) of this layer.
    Town(u64, Vec<u32>),
}

/// State of the 一村一档 window.
#[derive(Default)]
pub struct ProfileUi {
    /// Whether the window is open.
    pub open: bool,
    /// The computed files (every village).
    pub profiles: Option<Arc<Profiles>>,
    /// The village shown (12-digit code).
    pub selected: Option<String>,
    /// Search text of the tree.
    pub search: String,
    /// Area unit.
    pub unit: AreaUnit,
    /// What exports and the map follow.
    pub scope: Scope,
    /// Running jobs.
    pub jobs: Vec<ProfileJob>,
    /// The last message (export written, error).
    pub status: String,
    /// Village layer id in the app.
    pub village_layer: Option<u64>,
    /// The department-data cache (for the tables of a data package).
    pub cache_path: Option<PathBuf>,
    /// Layers the user chose for roles (the others are found by name or fields).
    pub role_choices: Vec<(Role, String)>,
    /// The project's layers (what a role can be given).
    file_layers: Vec<String>,
    /// The charts drawn for (village, unit, width in pixels) and the size they show at (points).
    charts: Option<(ChartKey, egui::Vec2, Vec<TextureHandle>)>,
}

/// The app's village layer: a layer named CJDCQ or one of the village aliases (村界…), or else
/// any polygon layer with ZLDWDM and no DLBM.
pub fn village_layer(layers: &[MapLayer]) -> Option<&MapLayer> {
    layers
        .iter()
        .find(|l| l.data.source.layer.eq_ignore_ascii_case("CJDCQ"))
        .or_else(|| {
            layers
                .iter()
                .find(|l| Role::Villages.names(&l.data.source.layer))
        })
        .or_else(|| {
            layers.iter().find(|l| {
                l.data.attrs.field_index("ZLDWDM").is_some()
                    && l.data.attrs.field_index("DLBM").is_none()
                    && l.data.kind() == crate::core::model::geom::GeomKind::Polygon
            })
        })
}

fn parcel_layer(layers: &[MapLayer]) -> Option<&MapLayer> {
    layers
        .iter()
        .find(|l| l.data.source.layer.eq_ignore_ascii_case("DLTB"))
        .or_else(|| {
            layers
                .iter()
                .find(|l| l.data.attrs.field_index("DLBM").is_some())
        })
}

impl ProfileUi {
    /// Whether a job is running.
    pub fn busy(&self) -> bool {
        !self.jobs.is_empty()
    }

    fn spawn(
        &mut self,
        label: String,
        ctx: &Context,
        f: impl FnOnce(&Progress) -> Result<JobOut, String> + Send + 'static,
    ) {
        self.jobs.push(super::Job::spawn(label, ctx, f));
    }

    /// Opens the window and computes the files of every village of the project's village layer
    /// (in the background), with the department tables joined to it as indicators.
    pub fn start(&mut self, layers: &[MapLayer], cache_path: PathBuf, ctx: &Context, lang: Lang) {
        self.open = true;
        self.cache_path = Some(cache_path.clone());
        let Some(v) = village_layer(layers) else {
            self.status = lang
                .tr(
                    "没有村界图层（CJDCQ）：请先打开含村界的数据 / no village layer",
                    "No village layer (CJDCQ): open data with village boundaries first",
                )
                .into();
            return;
        };
        self.village_layer = Some(v.id);
        let path = v.data.source.path.clone();
        let mut opts = ProfileOptions {
            villages: Some(v.data.source.layer.clone()),
            ..Default::default()
        };
        if let Some(p) = parcel_layer(layers) {
            opts.parcels = Some(p.data.source.layer.clone());
        }
        self.file_layers = layers.iter().map(|l| l.data.source.layer.clone()).collect();
        for l in layers {
            if l.data.source.path != path && !opts.extra_files.contains(&l.data.source.path) {
                opts.extra_files.push(l.data.source.path.clone());
            }
        }
        for (role, layer) in &self.role_choices {
            if self.file_layers.contains(layer) {
                opts.set(*role, Some(layer.clone()));
            }
        }
        let joins: Vec<_> = v.joins.iter().map(|(s, _)| s.clone()).collect();
        self.spawn(
            lang.tr("计算村档案", "Computing village files").into(),
            ctx,
            move |p| {
                if !joins.is_empty() {
                    let cache = Cache::open(&cache_path).map_err(|e| e.to_string())?;
                    for spec in joins {
                        if let Ok(table) = cache.load_table(&spec.dataset, None) {
                            opts.indicators.push(IndicatorSource { spec, table });
                        }
                    }
                }
                profile::profile(&path, &opts, p)
                    .map(|r| JobOut::Profiles(Box::new(r)))
                    .map_err(|e| format!("{e:#}"))
            },
        );
    }

    /// Shows village `code` (e.g. picked on the map).
    pub fn select(&mut self, code: &str) {
        self.selected = Some(code.chars().take(12).collect());
    }

    /// Collects finished jobs.
    pub fn poll(&mut self) {
        let mut i = 0;
        while i < self.jobs.len() {
            match self.jobs[i].try_result() {
                Ok(r) => {
                    let j = self.jobs.remove(i);
                    match r {
                        Ok(JobOut::Profiles(p)) => {
                            if self.selected.is_none() {
                                self.selected = p.villages.first().map(|v| v.code.clone());
                            }
                            self.status = p.warnings.first().cloned().unwrap_or_default();
                            self.profiles = Some(Arc::new(*p));
                            self.charts = None;
                        }
                        Ok(JobOut::Done(msg)) => self.status = msg,
                        Err(e) => self.status = format!("{}: {e}", j.label),
                    }
                }
                Err(std::sync::mpsc::TryRecvError::Empty) => i += 1,
                Err(_) => {
                    let j = self.jobs.remove(i);
                    self.status = format!("{}: 失败 / failed", j.label);
                }
            }
        }
    }

    /// How the current scope reads: "鲤城街道 350322001（17 个村）", "城内社区 350322001002".
    pub fn scope_label(&self, lang: Lang) -> String {
        let Some(all) = &self.profiles else {
            return String::new();
        };
        let n = all.in_scope(&self.scope).count();
        match &self.scope {
            Scope::County => lang.tr("全县", "County").into(),
            Scope::Town(t) => {
                let name = all
                    .villages
                    .iter()
                    .find(|v| &v.town_code == t)
                    .map(|v| v.town_name.as_str())
                    .unwrap_or("");
                format!("{name} {t}（{n} {}）", lang.tr("个村", "villages"))
            }
            Scope::Village(c) => {
                let name = all
                    .villages
                    .iter()
                    .find(|v| &v.code == c)
                    .map(|v| v.name.as_str())
                    .unwrap_or("");
                format!("{name} {c}")
            }
        }
    }

    fn village(&self) -> Option<&VillageProfile> {
        let p = self.profiles.as_ref()?;
        let code = self.selected.as_ref()?;
        p.villages.iter().find(|v| &v.code == code)
    }

    /// The panel's contents at the right of the map (the app docks it, so the map beside it still shows the
    /// whole scope; it shares the dock with identify). Returns what the map should do.
    pub fn panel(
        &mut self,
        ui: &mut Ui,
        layers: &[MapLayer],
        basemap: Option<PathBuf>,
        lang: Lang,
    ) -> Option<MapRequest> {
        self.poll();
        if !self.open {
            return None;
        }
        let request;
        {
            {
                ui.horizontal(|ui| {
                    ui.heading(lang.tr("一村一档", "Village files"));
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                        if ui
                            .small_button("×")
                            .on_hover_text(lang.tr("关闭", "Close"))
                            .clicked()
                        {
                            self.open = false;
                        }
                    });
                });
                ui.separator();
                request = self.contents(ui, layers, basemap, lang);
            }
        }
        if self.busy() {
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(100));
        }
        request
    }

    fn contents(
        &mut self,
        ui: &mut Ui,
        layers: &[MapLayer],
        basemap: Option<PathBuf>,
        lang: Lang,
    ) -> Option<MapRequest> {
        super::job_rows(ui, &self.jobs, lang);
        if !self.status.is_empty() {
            // Areas in the status (a data warning) in the unit chosen.
            ui.label(
                egui::RichText::new(lang.pick(&self.unit.convert_text(&self.status)))
                    .color(egui::Color32::from_rgb(150, 90, 0)),
            );
        }
        let Some(all) = self.profiles.clone() else {
            if self.jobs.is_empty() {
                ui.label(lang.tr("尚未计算。", "Not computed yet."));
            }
            return None;
        };
        let mut request = None;
        ui.horizontal_wrapped(|ui| {
            ui.label(lang.tr("单位", "Unit"));
            ui.radio_value(&mut self.unit, AreaUnit::Mu, lang.tr("亩", "mu"));
            ui.radio_value(&mut self.unit, AreaUnit::Hectare, lang.tr("公顷", "ha"));
            ui.separator();
            ui.label(lang.tr("范围", "Scope"));
            let town = self.village().map(|v| v.town_code.clone());
            let code = self.selected.clone();
            let before = self.scope.clone();
            ui.radio_value(&mut self.scope, Scope::County, lang.tr("全县", "County"));
            if let Some(t) = town {
                ui.radio_value(&mut self.scope, Scope::Town(t), lang.tr("本镇", "Town"));
            }
            if let Some(c) = code {
                ui.radio_value(
                    &mut self.scope,
                    Scope::Village(c),
                    lang.tr("本村", "Village"),
                );
            }
            if self.scope != before {
                request = self.scope_request(layers);
            }
            let n = all.in_scope(&self.scope).count();
            ui.label(format!("{n} {}", lang.tr("个村", "villages")));
        });
        self.roles_ui(ui, &all, layers, lang);
        ui.horizontal_wrapped(|ui| {
            let busy = self.busy();
            if ui
                .add_enabled(
                    !busy && self.selected.is_some(),
                    egui::Button::new(lang.tr("导出本村报告 PDF…", "Village report PDF…")),
                )
                .clicked()
            {
                if let Some(v) = self.village() {
                    let name = format!("{}_{}.pdf", v.code, v.name);
                    if let Some(out) = rfd::FileDialog::new().set_file_name(name).save_file() {
                        let scope = Scope::Village(v.code.clone());
                        self.export_pdf(ui.ctx(), layers, basemap.clone(), scope, out, lang);
                    }
                }
            }
            if ui
                .add_enabled(
                    !busy,
                    egui::Button::new(lang.tr("村档案图集 PDF…", "Village atlas PDF…")),
                )
                .clicked()
            {
                if let Some(out) = rfd::FileDialog::new()
                    .set_file_name("村档案图集.pdf")
                    .save_file()
                {
                    let scope = self.scope.clone();
                    self.export_pdf(ui.ctx(), layers, basemap.clone(), scope, out, lang);
                }
            }
            if ui.add_enabled(!busy, egui::Button::new("XLSX…")).clicked() {
                if let Some(out) = rfd::FileDialog::new()
                    .set_file_name("一村一档.xlsx")
                    .save_file()
                {
                    let (all, scope, unit) = (all.clone(), self.scope.clone(), self.unit);
                    self.spawn("XLSX".into(), ui.ctx(), move |_| {
                        report::write_xlsx(&all, &scope, unit, &out)
                            .map(|()| JobOut::Done(format!("→ {}", out.display())))
                            .map_err(|e| format!("{e:#}"))
                    });
                }
            }
            if ui
                .add_enabled(
                    !busy,
                    egui::Button::new(lang.tr("数据包 GeoPackage…", "Data package (GeoPackage)…")),
                )
                .on_hover_text(lang.tr(
                    "范围内的全部图层（要素整体、属性不变）与各村的部门数据，交给镇村干部",
                    "Every layer cut to the scope (features whole and unchanged) and the villages' department data, for town or village cadres",
                ))
                .clicked()
            {
                let name = format!("{}_数据包.gpkg", self.scope_label(Lang::Zh).split('（').next().unwrap_or("").replace(' ', "_"));
                if let Some(out) = rfd::FileDialog::new()
                    .set_file_name(name)
                    .add_filter("GeoPackage", &["gpkg"])
                    .save_file()
                {
                    let scope = self.scope.clone();
                    self.export_package(ui.ctx(), layers, scope, basemap.clone(), out, lang);
                }
            }
            if ui.add_enabled(!busy, egui::Button::new("JSON…")).clicked() {
                if let Some(out) = rfd::FileDialog::new()
                    .set_file_name("一村一档.json")
                    .save_file()
                {
                    let list: Vec<&VillageProfile> = all.in_scope(&self.scope).collect();
                    let text = serde_json::to_string_pretty(&list).unwrap_or_default();
                    self.status = match crate::core::io::files::write_atomic(&out, text) {
                        Ok(()) => format!("→ {}", out.display()),
                        Err(e) => format!("{}: {e}", out.display()),
                    };
                }
            }
        });
        ui.separator();
        // Wide: the town → village tree at the left of the file. Narrow (the dock shares the window with the map
        // and the layers): the tree folds above the file, so nothing is cut or drawn over the map.
        let narrow = ui.available_width() < 560.0;
        if narrow {
            egui::CollapsingHeader::new(
                lang.tr("选择村（乡镇 → 村）", "Choose a village (town → village)"),
            )
            .id_salt("profile-tree-folded")
            .default_open(false)
            .show(ui, |ui| {
                if let Some(r) = self.search_and_tree(ui, &all, layers, lang, Some(240.0)) {
                    request = Some(r);
                }
            });
        } else {
            egui::Panel::left("profile-tree")
                .resizable(true)
                .default_size(190.0)
                .min_size(140.0)
                .max_size(260.0)
                .show(ui, |ui| {
                    if let Some(r) = self.search_and_tree(ui, &all, layers, lang, None) {
                        request = Some(r);
                    }
                });
        }
        // The file scrolls both ways inside the dock: never wider than it.
        egui::ScrollArea::both()
            .id_salt("profile-body")
            .show(ui, |ui| self.body(ui, &all, lang));
        request
    }

    /// The search field and the town → village tree below it, scrolling within `max_height` when given; what
    /// the tree asks of the map.
    fn search_and_tree(
        &mut self,
        ui: &mut Ui,
        all: &Profiles,
        layers: &[MapLayer],
        lang: Lang,
        max_height: Option<f32>,
    ) -> Option<MapRequest> {
        ui.horizontal(|ui| {
            ui.label(lang.tr("查找", "Find"));
            ui.add(
                egui::TextEdit::singleline(&mut self.search)
                    .hint_text(lang.tr("村名或代码", "name or code"))
                    .id_salt("profile-search"),
            );
        });
        let mut scroll = egui::ScrollArea::vertical().id_salt("profile-tree-scroll");
        if let Some(h) = max_height {
            scroll = scroll.max_height(h);
        }
        scroll.show(ui, |ui| self.tree(ui, all, layers)).inner
    }

    fn scope_request(&self, layers: &[MapLayer]) -> Option<MapRequest> {
        let id = self.village_layer?;
        let layer = layers.iter().find(|l| l.id == id)?;
        let code_col = layer.data.attrs.field_index("ZLDWDM")?;
        let feats: Vec<u32> = (0..layer.data.len())
            .filter(|&f| {
                let c: String = layer
                    .data
                    .attrs
                    .get(f, code_col)
                    .to_string()
                    .chars()
                    .take(12)
                    .collect();
                self.scope.contains(&c)
            })
            .map(|f| f as u32)
            .collect();
        match (&self.scope, feats.as_slice()) {
            (Scope::Village(_), [f]) => Some(MapRequest::Village(id, *f)),
            (_, []) => None,
            _ => Some(MapRequest::Town(id, feats)),
        }
    }

    fn tree(&mut self, ui: &mut Ui, all: &Profiles, layers: &[MapLayer]) -> Option<MapRequest> {
        let q = self.search.trim().to_string();
        let mut towns: Vec<(String, String, Vec<&VillageProfile>)> = Vec::new();
        for v in &all.villages {
            if !q.is_empty()
                && !v.name.contains(&q)
                && !v.code.starts_with(&q)
                && !v.town_name.contains(&q)
            {
                continue;
            }
            match towns.iter_mut().find(|t| t.0 == v.town_code) {
                Some(t) => t.2.push(v),
                None => towns.push((v.town_code.clone(), v.town_name.clone(), vec![v])),
            }
        }
        let mut clicked = None;
        for (code, name, vs) in &towns {
            let title = format!("{} {} ({})", name, code, vs.len());
            egui::CollapsingHeader::new(title)
                .id_salt(code)
                .default_open(towns.len() == 1)
                .open((!q.is_empty()).then_some(true))
                .show(ui, |ui| {
                    for v in vs {
                        let sel = self.selected.as_deref() == Some(v.code.as_str());
                        if ui
                            .selectable_label(
                                sel,
                                format!("{} {}", v.name, &v.code[9.min(v.code.len())..]),
                            )
                            .clicked()
                        {
                            clicked = Some(v.code.clone());
                        }
                    }
                });
        }
        let code = clicked?;
        self.selected = Some(code.clone());
        if matches!(self.scope, Scope::Village(_)) {
            self.scope = Scope::Village(code.clone());
        }
        let id = self.village_layer?;
        let layer = layers.iter().find(|l| l.id == id)?;
        let col = layer.data.attrs.field_index("ZLDWDM")?;
        (0..layer.data.len())
            .find(|&f| layer.data.attrs.get(f, col).to_string().starts_with(&code))
            .map(|f| MapRequest::Village(id, f as u32))
    }

    fn body(&mut self, ui: &mut Ui, all: &Profiles, lang: Lang) {
        let Some(v) = self.village().cloned() else {
            ui.label(lang.tr(
                "在左侧或地图上选择一个村。",
                "Pick a village on the left or on the map.",
            ));
            return;
        };
        let unit = self.unit;
        let u = unit.label_in(lang == Lang::Zh);
        let a = |mu: f64| format!("{:.2}", unit.from_mu(mu));
        ui.heading(format!("{} · {}", v.name, v.town_name));
        ui.label(format!("{} {}", lang.tr("村代码", "Code"), v.code));
        for f in &v.flags {
            let f = unit.convert_text(f);
            let f = f.as_str();
            let text = match lang {
                Lang::Zh => f.split(" / ").next().unwrap_or(f),
                Lang::En => f.split(" / ").nth(1).unwrap_or(f),
            };
            ui.label(
                egui::RichText::new(format!("！{text}"))
                    .color(egui::Color32::from_rgb(170, 40, 30)),
            );
        }
        ui.add_space(4.0);
        let rank = |k: &str| {
            v.ranks
                .get(k)
                .map(|r| format!("{}/{} · {}/{}", r.town, r.town_of, r.county, r.county_of))
                .unwrap_or_else(|| "—".into())
        };
        egui::Grid::new("profile-key")
            .striped(true)
            .num_columns(3)
            .show(ui, |ui| {
                ui.strong(lang.tr("指标", "Indicator"));
                ui.strong(u);
                ui.strong(lang.tr("排名（镇 · 县）", "Rank (town · county)"));
                ui.end_row();
                for (label, value, key) in [
                    (lang.tr("村域面积", "Area"), a(v.area_mu), "area_mu"),
                    (lang.tr("耕地", "Farmland"), a(v.farmland_mu), "farmland_mu"),
                    (
                        lang.tr("永久基本农田", "Permanent farmland"),
                        a(v.permanent_farmland_mu),
                        "permanent_farmland_mu",
                    ),
                    (
                        lang.tr("建设用地", "Construction land"),
                        a(v.construction_mu),
                        "construction_mu",
                    ),
                    (
                        lang.tr("可恢复耕地", "Recovery potential"),
                        a(v.recoverable_total_mu),
                        "recoverable_total_mu",
                    ),
                    (
                        lang.tr("户籍人口", "Population"),
                        v.population
                            .map(|p| format!("{p:.0}"))
                            .unwrap_or_else(|| "—".into()),
                        "population",
                    ),
                    (
                        lang.tr("人均耕地", "Farmland per head"),
                        v.farmland_per_head_mu
                            .map(|x| {
                                format!("{} {u}/{}", unit.per_head(x), lang.tr("人", "person"))
                            })
                            .unwrap_or_else(|| "—".into()),
                        "farmland_per_head_mu",
                    ),
                    (
                        lang.tr("企业数", "Enterprises"),
                        v.enterprises.to_string(),
                        "enterprises",
                    ),
                    (
                        lang.tr("企业产值（万元）", "Output (10k yuan)"),
                        format!("{:.1}", v.enterprise_output_wan),
                        "enterprise_output_wan",
                    ),
                ] {
                    ui.label(label);
                    ui.label(value);
                    ui.label(rank(key));
                    ui.end_row();
                }
            });
        ui.add_space(6.0);
        // Charts (plotters, the same pictures as the PDF), drawn at the screen's pixels per point for the width
        // they show at, so they are sharp and their text legible.
        let ppp = ui.ctx().pixels_per_point();
        let w_pt = (ui.available_width() - 8.0).clamp(260.0, 480.0).floor();
        let size = egui::vec2(w_pt, (w_pt * 0.6).floor());
        let (px_w, px_h) = ((size.x * ppp).round() as u32, (size.y * ppp).round() as u32);
        let key = (v.code.clone(), unit, px_w, lang);
        let stale = self.charts.as_ref().is_none_or(|(k, _, _)| *k != key);
        if stale {
            let imgs = [
                charts::ledger_chart(&v, unit, lang == Lang::Zh, px_w, px_h),
                charts::landuse_chart(&v, unit, lang == Lang::Zh, px_w, px_h),
                charts::town_chart(all, &v, lang == Lang::Zh, px_w, px_h),
            ];
            let tex = imgs
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let img =
                        egui::ColorImage::from_rgb([c.width as usize, c.height as usize], &c.rgb);
                    ui.ctx().load_texture(
                        format!("profile-chart-{i}"),
                        img,
                        egui::TextureOptions::NEAREST,
                    )
                })
                .collect();
            self.charts = Some((key, size, tex));
        }
        if let Some((_, size, tex)) = &self.charts {
            ui.horizontal_wrapped(|ui| {
                for t in tex {
                    ui.image((t.id(), *size));
                }
            });
        }
        ui.add_space(6.0);
        egui::CollapsingHeader::new(lang.tr("耕地一本账", "Farmland ledger"))
            .default_open(true)
            .show(ui, |ui| {
                egui::Grid::new("profile-ledger")
                    .striped(true)
                    .show(ui, |ui| {
                        for (label, mu) in v.ledger_rows() {
                            ui.label(label);
                            ui.label(a(mu));
                            ui.end_row();
                        }
                    });
            });
        egui::CollapsingHeader::new(lang.tr("土地利用", "Land use"))
            .default_open(false)
            .show(ui, |ui| {
                egui::Grid::new("profile-landuse")
                    .striped(true)
                    .show(ui, |ui| {
                        for (g, mu) in [
                            ("农用地", v.agricultural_mu),
                            ("建设用地", v.construction_mu),
                            ("未利用地", v.unused_mu),
                        ] {
                            ui.strong(g);
                            ui.strong(a(mu));
                            ui.end_row();
                        }
                        for (code, mu) in &v.landuse_mu {
                            let name = crate::core::model::landuse::class(code)
                                .map(|c| c.name)
                                .unwrap_or("");
                            ui.label(format!("{code} {name}"));
                            ui.label(a(*mu));
                            ui.end_row();
                        }
                    });
            });
        egui::CollapsingHeader::new(lang.tr("产业与管控", "Industry and controls"))
            .default_open(false)
            .show(ui, |ui| {
                ui.label(format!(
                    "{} {} {u} · {} {} {u}",
                    lang.tr("生态保护红线内", "In the ecological red line"),
                    a(v.eco_redline_mu),
                    lang.tr("城镇开发边界内", "In the urban development boundary"),
                    a(v.dev_boundary_mu)
                ));
                for (name, c) in &v.chains {
                    ui.label(format!(
                        "{name}: {} 家 · 产值 {:.1} 万元 · 税收 {:.1} 万元 · {} 人",
                        c.enterprises, c.output_wan, c.tax_wan, c.employees
                    ));
                }
            });
        egui::CollapsingHeader::new(lang.tr("部门指标", "Department indicators"))
            .default_open(false)
            .show(ui, |ui| {
                if v.indicators.is_empty() {
                    ui.label(lang.tr(
                        "没有连接到村界的部门数据。",
                        "No department data joined to the villages.",
                    ));
                }
                for i in &v.indicators {
                    ui.label(format!(
                        "{}: {} — {}",
                        i.name,
                        i.value
                            .map(|x| format!("{x}"))
                            .unwrap_or_else(|| "—".into()),
                        i.source
                    ));
                }
            });
        if let Some(all) = &self.profiles {
            egui::CollapsingHeader::new(lang.tr("数据与图层", "Data and layers"))
                .default_open(!all.warnings.is_empty())
                .show(ui, |ui| {
                    for c in &all.roles {
                        ui.label(c.describe());
                    }
                    for w in &all.warnings {
                        ui.colored_label(
                            egui::Color32::from_rgb(160, 90, 0),
                            format!("！{}", lang.pick(&self.unit.convert_text(w))),
                        );
                    }
                });
        }
    }

    /// Which layer plays which role, each changeable to another layer of the same file
    /// (自动 = found by name or fields); 重新计算 recomputes with the choice.
    fn roles_ui(&mut self, ui: &mut Ui, all: &Profiles, layers: &[MapLayer], lang: Lang) {
        // Open when a role the file needs found no layer (towns are optional).
        let missing = all
            .roles
            .iter()
            .any(|c| c.layer.is_none() && c.role != Role::Towns);
        egui::CollapsingHeader::new(lang.tr("图层角色", "Layer roles"))
            .id_salt("layer-roles")
            .default_open(missing)
            .show(ui, |ui| {
                let mut changed = false;
                egui::Grid::new("roles-grid").num_columns(2).show(ui, |ui| {
                    for c in &all.roles {
                        let (zh, en) = c.role.label();
                        ui.label(lang.tr(zh, en));
                        let chosen = self
                            .role_choices
                            .iter()
                            .find(|(r, _)| *r == c.role)
                            .map(|(_, l)| l.clone());
                        let auto = match &c.layer {
                            Some(l) if chosen.is_none() => {
                                format!("{}：{l}", lang.tr("自动", "automatic"))
                            }
                            None if chosen.is_none() => {
                                lang.tr("自动：未找到", "automatic: none found").to_string()
                            }
                            _ => lang.tr("自动", "automatic").to_string(),
                        };
                        let mut pick = chosen.clone();
                        egui::ComboBox::from_id_salt(("role", c.role.flag()))
                            .selected_text(pick.clone().unwrap_or_else(|| auto.clone()))
                            .show_ui(ui, |ui| {
                                ui.selectable_value(&mut pick, None, auto.clone());
                                for l in &self.file_layers {
                                    ui.selectable_value(&mut pick, Some(l.clone()), l);
                                }
                            });
                        if pick != chosen {
                            self.role_choices.retain(|(r, _)| *r != c.role);
                            if let Some(l) = pick {
                                self.role_choices.push((c.role, l));
                            }
                            changed = true;
                        }
                        ui.end_row();
                    }
                });
                if changed {
                    if let Some(cache) = self.cache_path.clone() {
                        let ctx = ui.ctx().clone();
                        self.start(layers, cache, &ctx, lang);
                    }
                }
            });
    }

    /// Writes the data package of `scope` in the background: the app's layers, the tables
    /// joined to its village layer and the offline `basemap` cut to the scope.
    pub fn export_package(
        &mut self,
        ctx: &Context,
        layers: &[MapLayer],
        scope: Scope,
        basemap: Option<PathBuf>,
        out: PathBuf,
        lang: Lang,
    ) {
        let Some(v) = village_layer(layers) else {
            return;
        };
        let villages = v.data.clone();
        let specs: Vec<_> = v.joins.iter().map(|(s, _)| s.clone()).collect();
        let all: Vec<_> = layers.iter().map(|l| l.data.clone()).collect();
        let cache_path = self.cache_path.clone();
        let label = lang.tr("导出数据包", "Exporting data package").to_string();
        self.spawn(label, ctx, move |p| {
            let (tables, mut msgs) = match cache_path.map(|c| Cache::open(&c)) {
                Some(Ok(cache)) if !specs.is_empty() => {
                    package::department_tables(&cache, &villages, &specs)
                }
                Some(Err(e)) => (Vec::new(), vec![e.to_string()]),
                _ => (Vec::new(), Vec::new()),
            };
            let refs: Vec<&crate::core::model::layer::VectorLayer> =
                all.iter().map(|l| &**l).collect();
            let mut s = package::write_package(
                &refs,
                Some(&villages),
                &scope,
                &tables,
                basemap.as_deref(),
                &out,
                p,
            )
            .map_err(|e| format!("{e:#}"))?;
            msgs.append(&mut s.warnings);
            s.warnings = msgs;
            Ok(JobOut::Done(s.text()))
        });
    }

    fn export_pdf(
        &mut self,
        ctx: &Context,
        layers: &[MapLayer],
        basemap: Option<PathBuf>,
        scope: Scope,
        out: PathBuf,
        lang: Lang,
    ) {
        let (Some(all), Some(v)) = (self.profiles.clone(), village_layer(layers)) else {
            return;
        };
        let villages = v.data.clone();
        let parcels = parcel_layer(layers).map(|p| (p.data.clone(), p.style.clone()));
        let unit = self.unit;
        let label = lang
            .tr("导出村档案 PDF", "Exporting village reports")
            .to_string();
        self.spawn(label, ctx, move |p| {
            let maps = report::ReportMaps::from_layers(villages, parcels, basemap.as_deref())?;
            let output = report::AtlasOutput::Bound(out.clone());
            let r = report::atlas(&maps, &all, &scope, unit, &output, p)
                .map_err(|e| format!("{e:#}"))?;
            Ok(JobOut::Done(format!(
                "{} 个村 {} 页，{:.1} 秒 → {}",
                r.villages,
                r.pages,
                r.seconds,
                out.display()
            )))
        });
    }
}

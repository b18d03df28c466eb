//! The application window: menus, the layer panel, the map, identify results, the attribute
//! table and the status bar with background jobs (progress and cancel).

use super::basemap::{check_tianditu_key, Basemap, KeyCheck};
use super::data::DataUi;
use super::layers::MapLayer;
use super::map_view::{self, MapState};
use super::table::{self, TableAction, TableState};
use super::Lang;
use crate::core::io::project::{BasemapChoice, Project, ProjectLayer, ProjectView, Settings};
use crate::core::io::read::{inspect, load_layer};
use crate::core::model::attrs::FieldType;
use crate::core::model::crs::{Crs, Transformer};
use crate::core::model::error::YituError;
use crate::core::model::geom::BBox;
use crate::core::model::layer::{LayerInfo, VectorLayer};
use crate::core::model::progress::Progress;
use crate::core::model::style::{self, LayerStyle, Symbology};
use egui::{Context, Ui};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver};

/// A layer loading in the background.
struct LoadJob {
    label: String,
    progress: Progress,
    rx: Receiver<Result<VectorLayer, YituError>>,
    /// Style, visibility and position from a project, when the job restores one.
    restore: Option<(ProjectLayer, usize)>,
}

/// Picking which layers of a multi-layer file to open.
struct LayerChooser {
    path: PathBuf,
    layers: Vec<(LayerInfo, bool)>,
}

/// Which view the right dock shows when the village files and identify are both open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RightTab {
    /// Not chosen yet.
    #[default]
    None,
    /// 一村一档.
    Profile,
    /// 要素属性.
    Identify,
}

/// Identify result: attributes of the clicked feature.
#[derive(Debug, Clone)]
pub struct Identified {
    /// Layer name.
    pub layer: String,
    /// Layer id.
    pub layer_id: u64,
    /// Feature index.
    pub feature: u32,
    /// (field, value) pairs.
    pub rows: Vec<(String, String)>,
    /// The other features under the click, top down: (layer id, layer name, feature).
    pub others: Vec<(u64, String, u32)>,
}

/// The whole application state.
pub struct YituApp {
    /// Layers, bottom first.
    pub layers: Vec<MapLayer>,
    /// The active layer (attribute table, styling).
    pub active: Option<u64>,
    /// Selected features (layer id, feature index).
    pub selection: Vec<(u64, u32)>,
    /// The last identify result.
    pub identified: Option<Identified>,
    /// Whether the attribute table is open.
    pub show_table: bool,
    /// Map state.
    pub map: MapState,
    /// UI language.
    pub lang: Lang,
    /// User settings.
    pub settings: Settings,
    /// Basemap choice and the live source.
    pub basemap_choice: BasemapChoice,
    basemap: Basemap,
    /// Messages for the user (newest last).
    pub messages: Vec<String>,
    /// The project file, once saved or opened.
    pub project_path: Option<PathBuf>,
    /// Department data: cache, manager, import wizard, joins.
    pub data: DataUi,
    /// 一村一档: village files, their window and exports.
    pub profile: super::profile::ProfileUi,
    /// The scope (town, village) the map and the attribute table follow.
    pub scope: super::scope::ScopeView,
    /// A scope to show once the data has loaded (`yitu PROJECT --town CODE`).
    pub start_scope: Option<crate::core::analysis::profile::Scope>,
    project_datasets: Vec<crate::core::io::project::ProjectDataset>,
    table: TableState,
    jobs: Vec<LoadJob>,
    chooser: Option<LayerChooser>,
    next_id: u64,
    ctx: Context,
    show_settings: bool,
    key_check: Option<Receiver<KeyCheck>>,
    /// Why the online basemap shows nothing (key refused, offline), cleared when the basemap changes.
    pub basemap_error: Option<String>,
    xyz_check: Option<Receiver<Option<String>>>,
    xyz_input: String,
    coord_crs: Option<(Crs, Transformer)>,
    pending_view: Option<ProjectView>,
    zoom_when_loaded: bool,
    /// A layer (by its source layer name) to zoom to when it has loaded: a national talent layer made by a run.
    zoom_to_loaded: Option<String>,
    loaded_extent: BBox,
    /// Project position of each layer in `layers` (usize::MAX for layers added by hand).
    order_tags: Vec<usize>,
    /// The layout designer (汇报用图).
    pub designer: super::layout::LayoutDesigner,
    /// The project's print layouts.
    pub layouts: Vec<crate::core::model::layout::Layout>,
    /// The chain window (一产一档) and the project's chain templates.
    pub chain: super::chain::ChainWindow,
    /// The tab of the right dock.
    pub right_tab: RightTab,
    /// The land-use proposal window (用地预审).
    pub proposal: super::proposal::ProposalWindow,
    /// The talent window (人才地图).
    pub talent: super::talent::TalentWindow,
    /// The opened project's title (empty: the file's name is used).
    project_title: String,
    /// Open algorithm dialogs (分析 › the registry's algorithms).
    pub algorithm_dialogs: Vec<super::algorithm::AlgorithmDialog>,
    /// Whether the start panel is shown (until a project or a file opens).
    pub start_panel: bool,
    /// The project as last opened or saved (view left out): what "unsaved changes" compares with.
    saved: Option<Project>,
    /// A project is loading: take `saved` once it has.
    snapshot_pending: bool,
    /// The window title last sent.
    title: String,
    /// Closing was asked with unsaved changes: the question is shown.
    pub confirm_close: bool,
    /// The user answered: close without asking again.
    allow_close: bool,
    /// The window has been sized to the screen.
    sized: bool,
    /// When the title was last brought up to date (egui time, s).
    title_checked: f64,
}

/// The layers of an algorithm's GeoPackage output that go onto the map when the run ends (bottom first), by
/// algorithm id.
fn map_layers_of(id: &str) -> &'static [&'static str] {
    match id {
        "chain density" => &["density"],
        "chain hotspots" => &["hotspots"],
        "chain clusters" => &["clusters"],
        "talent sources" => &["talent_flows", "talent_ranked", "talent_county"],
        "talent provinces" => &["talent_provinces"],
        "talent access" => &["talent_access"],
        _ => &[],
    }
}

impl YituApp {
    /// A new, empty app.
    pub fn new(ctx: Context, settings: Settings) -> YituApp {
        let lang = Lang::from_code(&settings.language);
        YituApp {
            layers: Vec::new(),
            active: None,
            selection: Vec::new(),
            identified: None,
            show_table: false,
            map: MapState::default(),
            lang,
            settings,
            basemap_choice: BasemapChoice::None,
            basemap: Basemap::None,
            messages: Vec::new(),
            project_path: None,
            data: DataUi::default(),
            profile: Default::default(),
            scope: Default::default(),
            start_scope: None,
            project_datasets: Vec::new(),
            table: TableState::default(),
            jobs: Vec::new(),
            chooser: None,
            next_id: 1,
            ctx,
            show_settings: false,
            key_check: None,
            basemap_error: None,
            xyz_check: None,
            xyz_input: "https://tile.openstreetmap.org/{z}/{x}/{y}.png".into(),
            coord_crs: None,
            pending_view: None,
            zoom_when_loaded: true,
            zoom_to_loaded: None,
            loaded_extent: BBox::EMPTY,
            order_tags: Vec::new(),
            algorithm_dialogs: Vec::new(),
            designer: Default::default(),
            layouts: Vec::new(),
            chain: Default::default(),
            talent: Default::default(),
            proposal: Default::default(),
            right_tab: RightTab::None,
            project_title: String::new(),
            start_panel: true,
            saved: None,
            snapshot_pending: false,
            title: String::new(),
            confirm_close: false,
            allow_close: false,
            sized: false,
            title_checked: f64::NEG_INFINITY,
        }
    }

    /// Uses `ctx` for textures and repaint requests (tests build the app before their context).
    pub fn set_context(&mut self, ctx: Context) {
        self.ctx = ctx;
    }

    /// Gives field `field` of layer `id` the alias `alias` (empty: removes it); kept with the layer's style, so
    /// it is saved with the project. The change is said in the messages.
    pub fn set_field_alias(&mut self, id: u64, field: &str, alias: &str) {
        let Some(l) = self.layers.iter_mut().find(|l| l.id == id) else {
            return;
        };
        let mut s = l.style.clone();
        // One line: a header, a legend heading.
        let alias = alias.replace(['\r', '\n', '\t'], " ");
        let alias = alias.trim();
        if alias.is_empty() {
            s.field_aliases.remove(field);
        } else {
            s.field_aliases.insert(field.to_string(), alias.to_string());
        }
        l.set_style(s);
        let m = if alias.is_empty() {
            format!("{field}：别名已清除 / alias removed")
        } else {
            format!("{field} → {alias}：别名已设置 / alias set")
        };
        self.msg(m);
    }

    /// Asks where to export rows `rows` of layer `id`'s attribute table and starts writing them there in the
    /// background ([`super::table::start_export`]); the outcome is said in the messages.
    fn export_table_rows(&mut self, id: u64, rows: Vec<u32>, ctx: &egui::Context) {
        let lang = self.lang;
        let Some(l) = self.layers.iter().find(|l| l.id == id) else {
            return;
        };
        let stem = crate::core::io::files::safe_file_stem(&l.name, 120)
            .unwrap_or_else(|| "attributes".to_string());
        let Some(path) = rfd::FileDialog::new()
            .add_filter("Excel", &["xlsx"])
            .add_filter("CSV (UTF-8)", &["csv"])
            .set_file_name(format!("{stem}.xlsx"))
            .save_file()
        else {
            return;
        };
        let path = if path.extension().is_none() {
            path.with_extension("xlsx")
        } else {
            path
        };
        super::table::start_export(&mut self.table, l, rows, path, lang, ctx);
    }

    fn msg(&mut self, m: impl Into<String>) {
        let m = m.into();
        eprintln!("{m}");
        self.messages.push(m);
        if self.messages.len() > 50 {
            self.messages.remove(0);
        }
    }

    /// Whether anything is loading (layers, or the attribute table sorting/filtering).
    pub fn busy(&self) -> bool {
        !self.jobs.is_empty()
            || self.table.busy()
            || self.data.busy()
            || self.profile.busy()
            || self.scope.busy()
            || self.algorithm_dialogs.iter().any(|d| d.busy())
            || self.designer.busy()
    }

    /// The attribute table's rows (feature indices) in display order.
    pub fn table_rows(&self) -> &[u32] {
        &self.table.rows
    }

    /// Opens a project (.yitu), a tile package (.mbtiles/.pmtiles, as the basemap) or a data
    /// file (its layers load in the background; a multi-layer file asks which).
    pub fn open_path(&mut self, path: &Path) {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        match ext.as_str() {
            "yitu" => self.open_project(path),
            "mbtiles" | "pmtiles" => self.set_basemap(BasemapChoice::Offline {
                path: path.to_path_buf(),
            }),
            _ => match inspect(path) {
                Ok(info) => {
                    // A data package carries its basemap: show it unless an offline one is on.
                    if ext == "gpkg"
                        && !matches!(self.basemap_choice, BasemapChoice::Offline { .. })
                        && crate::core::io::tiles::MbTiles::open(path).is_ok()
                    {
                        self.set_basemap(BasemapChoice::Offline {
                            path: path.to_path_buf(),
                        });
                    }
                    let vector: Vec<LayerInfo> = info.layers.into_iter().collect();
                    if vector.is_empty() {
                        self.msg(YituError::NoVectorLayer(path.to_path_buf()).to_string());
                    } else if vector.len() == 1 {
                        self.load(path, Some(vector[0].name.clone()), None);
                    } else {
                        let layers = vector.into_iter().map(|l| {
                            // Tables and empty layers (a package's layers with nothing in scope) start unticked.
                            let on = l.geometry_type != "NONE" && l.feature_count > 0;
                            (l, on)
                        });
                        self.chooser = Some(LayerChooser {
                            path: path.to_path_buf(),
                            layers: layers.collect(),
                        });
                    }
                }
                Err(e) => self.msg(e.to_string()),
            },
        }
    }

    /// Starts loading one layer in the background.
    pub fn load(
        &mut self,
        path: &Path,
        layer: Option<String>,
        restore: Option<(ProjectLayer, usize)>,
    ) {
        let progress = Progress::new();
        let (tx, rx) = channel();
        let (p, l, pr, ctx) = (
            path.to_path_buf(),
            layer.clone(),
            progress.clone(),
            self.ctx.clone(),
        );
        let label = format!(
            "{} {}",
            path.file_name().unwrap_or_default().to_string_lossy(),
            layer.clone().unwrap_or_default()
        );
        std::thread::spawn(move || {
            let r = load_layer(&p, l.as_deref(), &pr);
            let _ = tx.send(r);
            ctx.request_repaint();
        });
        self.jobs.push(LoadJob {
            label,
            progress,
            rx,
            restore,
        });
    }

    /// Opens a project: basemap, view, then each layer in the background.
    pub fn open_project(&mut self, path: &Path) {
        match Project::load(path) {
            Ok(p) => {
                self.saved = None;
                self.snapshot_pending = true;
                self.layers.clear();
                self.order_tags.clear();
                self.loaded_extent = BBox::EMPTY;
                self.selection.clear();
                self.identified = None;
                self.project_path = Some(path.to_path_buf());
                self.set_basemap(p.basemap.clone());
                self.pending_view = p.view;
                self.zoom_when_loaded = p.view.is_none();
                if let Some(v) = p.view {
                    self.apply_view(v);
                }
                for (i, l) in p.layers.iter().enumerate() {
                    self.load(&l.path.clone(), Some(l.layer.clone()), Some((l.clone(), i)));
                }
                self.project_datasets = p.datasets.clone();
                self.layouts = p.layouts.clone();
                self.chain.set_templates(p.chains.clone());
                self.chain.overrides = p.chain_overrides.clone();
                self.talent.set_crosswalk(p.talent_crosswalk.clone());
                self.proposal.project_rules = p.proposal_rules.clone();
                if let Some(r) = &p.proposal_rules {
                    self.proposal.rules = r.clone();
                }
                self.project_title = p.title.clone();
                if !p.datasets.is_empty() {
                    let ctx = self.ctx.clone();
                    self.data.ensure_datasets(p.datasets.clone(), &ctx);
                }
                if !self.settings.recent.contains(&path.to_path_buf()) {
                    self.settings.recent.insert(0, path.to_path_buf());
                    self.settings.recent.truncate(8);
                    let _ = self.settings.save();
                }
            }
            Err(e) => self.msg(e),
        }
    }

    fn apply_view(&mut self, v: ProjectView) {
        self.map.home = [v.lon, v.lat];
        let _ = self.map.memory.set_zoom(v.zoom);
        self.map.memory.center_at(walkers::lon_lat(v.lon, v.lat));
    }

    /// The project as it stands (layers, styles, view, basemap).
    pub fn project(&self) -> Project {
        let view = self.map.memory.detached().map(|c| ProjectView {
            lon: c.x(),
            lat: c.y(),
            zoom: self.map.memory.zoom(),
        });
        Project {
            // The opened project's own title, else the file's name.
            title: Some(self.project_title.clone())
                .filter(|t| !t.is_empty())
                .or_else(|| {
                    self.project_path
                        .as_ref()
                        .and_then(|p| p.file_stem())
                        .map(|s| s.to_string_lossy().into())
                })
                .unwrap_or_default(),
            layers: self
                .layers
                .iter()
                .map(|l| ProjectLayer {
                    path: l.data.source.path.clone(),
                    layer: l.data.source.layer.clone(),
                    name: l.name.clone(),
                    visible: l.visible,
                    style: l.style.clone(),
                    joins: l.joins.iter().map(|(s, _)| s.clone()).collect(),
                })
                .collect(),
            basemap: self.basemap_choice.clone(),
            view,
            datasets: self.datasets_for_project(),
            layouts: self.layouts.clone(),
            chains: self.chain.project_templates(),
            chain_overrides: self.chain.overrides.clone(),
            talent_crosswalk: self.talent.project_crosswalk.clone(),
            proposal_rules: self.proposal.project_rules.clone(),
            ..Default::default()
        }
    }

    /// The project without its view: panning and zooming are not changes to save.
    fn project_state(&self) -> Project {
        Project {
            view: None,
            ..self.project()
        }
    }

    /// Whether the project has changes not yet saved: layers opened, removed, restyled, hidden or joined since
    /// it was opened or saved (a new project with layers counts as unsaved; the view does not count).
    pub fn unsaved(&self) -> bool {
        if self.snapshot_pending {
            return false;
        }
        match &self.saved {
            Some(s) => *s != self.project_state(),
            None => !self.layers.is_empty(),
        }
    }

    /// The window title: the project's name (or 未命名 / Untitled once layers are open), a `*` when there are
    /// unsaved changes, then the program's name.
    pub fn window_title(&self) -> String {
        let name = match &self.project_path {
            Some(p) => p
                .file_stem()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_default(),
            None if !self.layers.is_empty() => {
                self.lang.tr("未命名项目", "Untitled project").to_string()
            }
            None => return "一图 YiTu".into(),
        };
        let mark = if self.unsaved() { " *" } else { "" };
        format!("{name}{mark} — 一图 YiTu")
    }

    /// Opens the dialog of algorithm `id` (its input prefilled with the project, or the first layer's file).
    pub fn open_algorithm(&mut self, id: &str) {
        let Some(a) = crate::core::algorithms::find(id) else {
            return;
        };
        if let Some(d) = self
            .algorithm_dialogs
            .iter_mut()
            .find(|d| d.algorithm.id() == id)
        {
            d.open = true;
            return;
        }
        let input = self
            .project_path
            .clone()
            .or_else(|| self.layers.first().map(|l| l.data.source.path.clone()));
        let mut d = super::algorithm::AlgorithmDialog::new(a, input);
        if let Some(v) = super::profile::village_layer(&self.layers) {
            d.places = super::algorithm::places_of(v);
        }
        self.algorithm_dialogs.push(d);
    }

    /// The sample county's project, where this build can find it: beside the working folder, the program
    /// (`target/release/yitu` in a checkout, or an installed `share/yitu`), or the source tree it was built from.
    pub fn sample_project() -> Option<PathBuf> {
        // Looked up once: the start panel asks every frame.
        static FOUND: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
        FOUND.get_or_init(Self::find_sample_project).clone()
    }

    fn find_sample_project() -> Option<PathBuf> {
        let rel = Path::new("sample-data").join("xianyou_sample.yitu");
        let mut candidates = vec![rel.clone()];
        if let Ok(exe) = std::env::current_exe() {
            for up in exe.ancestors().skip(1).take(4) {
                candidates.push(up.join(&rel));
                candidates.push(up.join("share").join("yitu").join(&rel));
            }
        }
        candidates.push(Path::new(env!("CARGO_MANIFEST_DIR")).join(&rel));
        candidates.into_iter().find(|p| p.is_file())
    }

    /// The datasets the joins use, with the files they came from (so the project opens with its
    /// data on another machine): those of the opened project, plus any joined dataset imported
    /// from a file that still exists.
    fn datasets_for_project(&self) -> Vec<crate::core::io::project::ProjectDataset> {
        let mut out = self.project_datasets.clone();
        for l in &self.layers {
            for (s, _) in &l.joins {
                if out.iter().any(|d| d.name == s.dataset) {
                    continue;
                }
                if let Some(v) = self.data.datasets.iter().find(|v| v.dataset == s.dataset) {
                    if Path::new(&v.source).is_file() {
                        out.push(crate::core::io::project::ProjectDataset {
                            name: v.dataset.clone(),
                            department: v.department.clone(),
                            path: PathBuf::from(&v.source),
                            header_row: None,
                        });
                    }
                }
            }
        }
        out
    }

    /// Saves the project to `path`.
    pub fn save_project(&mut self, path: &Path) {
        match self.project().save(path) {
            Ok(()) => {
                self.project_path = Some(path.to_path_buf());
                self.saved = Some(self.project_state());
                self.msg(format!(
                    "{} {}",
                    self.lang.tr("项目已保存:", "Project saved:"),
                    path.display()
                ));
            }
            Err(e) => self.msg(e),
        }
    }

    /// Asks where to save the project (native dialog), then saves it.
    fn save_project_as(&mut self) {
        if let Some(p) = rfd::FileDialog::new()
            .add_filter("YiTu", &["yitu"])
            .set_file_name("project.yitu")
            .save_file()
        {
            self.save_project(&p);
        }
    }

    /// Switches the basemap; a failure leaves no basemap and says why.
    pub fn set_basemap(&mut self, choice: BasemapChoice) {
        match Basemap::build(&choice, &self.settings, &self.ctx) {
            Ok(b) => {
                self.basemap = b;
                self.basemap_choice = choice.clone();
                // An old source's error no longer applies; a check still running for it is dropped.
                self.basemap_error = None;
                self.key_check = None;
                self.xyz_check = None;
                match &choice {
                    BasemapChoice::Tianditu { .. } => self.start_key_check(),
                    BasemapChoice::OpenStreetMap => self
                        .start_xyz_check("https://tile.openstreetmap.org/{z}/{x}/{y}.png".into()),
                    BasemapChoice::Xyz { url } => self.start_xyz_check(url.clone()),
                    _ => {}
                }
            }
            Err(e) => {
                self.msg(format!(
                    "{}: {e}",
                    self.lang.tr("底图无法使用", "Basemap unavailable")
                ));
            }
        }
    }

    fn start_xyz_check(&mut self, url: String) {
        let (tx, rx) = channel();
        let ctx = self.ctx.clone();
        std::thread::spawn(move || {
            let _ = tx.send(super::basemap::check_xyz(&url));
            ctx.request_repaint();
        });
        self.xyz_check = Some(rx);
    }

    fn start_key_check(&mut self) {
        let (tx, rx) = channel();
        let key = self.settings.tianditu_key.clone();
        let ctx = self.ctx.clone();
        std::thread::spawn(move || {
            let _ = tx.send(check_tianditu_key(&key, None));
            ctx.request_repaint();
        });
        self.key_check = Some(rx);
    }

    fn poll_jobs(&mut self) {
        let mut i = 0;
        while i < self.jobs.len() {
            match self.jobs[i].rx.try_recv() {
                Ok(result) => {
                    let job = self.jobs.remove(i);
                    match result {
                        Ok(layer) => self.add_layer(layer, job.restore),
                        Err(YituError::Cancelled) => self.msg(format!(
                            "{} {}",
                            self.lang.tr("已取消:", "Cancelled:"),
                            job.label
                        )),
                        Err(e) => self.msg(e.to_string()),
                    }
                }
                Err(std::sync::mpsc::TryRecvError::Empty) => i += 1,
                Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                    let job = self.jobs.remove(i);
                    self.msg(format!(
                        "{} {}",
                        self.lang.tr("读取失败:", "Loading failed:"),
                        job.label
                    ));
                }
            }
        }
        if let Some(rx) = &self.key_check {
            if let Ok(r) = rx.try_recv() {
                self.key_check = None;
                if r != KeyCheck::Ok {
                    self.basemap_error = Some(r.message());
                    self.msg(r.message());
                }
            }
        }
        if let Some(rx) = &self.xyz_check {
            if let Ok(r) = rx.try_recv() {
                self.xyz_check = None;
                if let Some(e) = r {
                    self.basemap_error = Some(e.clone());
                    self.msg(e);
                }
            }
        }
    }

    /// Adds a loaded layer (with a project's style when restoring).
    pub fn add_layer(&mut self, layer: VectorLayer, restore: Option<(ProjectLayer, usize)>) {
        for w in &layer.warnings {
            self.messages.push(format!("{}: {w}", layer.name));
        }
        let id = self.next_id;
        self.next_id += 1;
        let ext = layer.display_extent();
        if self.coord_crs.is_none() && !layer.crs.is_geographic() {
            if let Ok(t) = Transformer::between(&Crs::epsg(4326), &layer.crs) {
                self.coord_crs = Some((layer.crs.clone(), t));
            }
        }
        let (style, visible, name, order) = match &restore {
            Some((pl, order)) => (pl.style.clone(), pl.visible, pl.name.clone(), Some(*order)),
            None => (
                LayerStyle::default_for(&layer.name, layer.kind(), &layer.attrs, self.layers.len()),
                true,
                layer.name.clone(),
                None,
            ),
        };
        if let Some((pl, _)) = &restore {
            self.data.join_when_ready(id, pl.joins.clone());
        }
        let mut ml = MapLayer::new(id, layer, style);
        ml.visible = visible;
        ml.name = name;
        // Keep project order: a layer goes below those with a higher project position.
        let pos = match order {
            Some(o) => self.layer_order_pos(o),
            None => self.layers.len(),
        };
        if self.zoom_to_loaded.as_deref() == Some(ml.data.source.layer.as_str())
            && !ext.is_empty()
            && ext.min_x.is_finite()
        {
            self.map.zoom_to(&ext);
            self.zoom_to_loaded = None;
            // A county's package does not cover China: the shipped China package does.
            if matches!(
                self.basemap_choice,
                BasemapChoice::Offline { .. } | BasemapChoice::None
            ) {
                self.set_basemap(BasemapChoice::China);
                self.msg(
                    self.lang
                        .tr(
                            "全国图层：底图换成内置的中国底图（可在“底图”菜单换回）",
                            "A national layer: the basemap is now the shipped China package (change it back in Basemap)",
                        )
                        .to_string(),
                );
            }
        }
        self.layers.insert(pos, ml);
        self.order_tags.insert(pos, order.unwrap_or(usize::MAX));
        // The first layer of a project (the parcels in the sample) becomes the active one.
        if self.active.is_none() || order == Some(0) {
            self.active = Some(id);
        }
        if self.zoom_when_loaded && !ext.is_empty() && ext.min_x.is_finite() {
            // The first layers opened (or a project without a saved view): show them all.
            self.loaded_extent.union(&ext);
            let all = self.loaded_extent;
            self.map.zoom_to(&all);
            if let Some(c) = self.map.memory.detached() {
                self.map.home = [c.x(), c.y()];
            }
        }
        if self.jobs.is_empty() {
            self.zoom_when_loaded = false;
        }
    }

    fn layer_order_pos(&self, order: usize) -> usize {
        self.order_tags
            .iter()
            .position(|t| *t > order)
            .unwrap_or(self.layers.len())
    }

    fn layer(&self, id: u64) -> Option<&MapLayer> {
        self.layers.iter().find(|l| l.id == id)
    }

    /// Identifies the feature at a Web Mercator point, as QGIS's "top down" mode: the topmost visible feature
    /// the map shows there (a layer drawn as outlines only is hit on its outlines, so a click inside a village
    /// reaches the parcel drawn under it), whatever layer is active; the other features there are listed.
    pub fn identify(&mut self, m: [f64; 2], tol: f64, add: bool) {
        // With the village files open, a click on the map picks the village there.
        if self.profile.open {
            if let Some(v) = super::profile::village_layer(&self.layers) {
                if let (Some(f), Some(c)) = (v.pick(m[0], m[1], tol), v.attrs.field_index("ZLDWDM"))
                {
                    let code = v.attrs.get(f as usize, c).to_string();
                    self.profile.select(&code);
                }
            }
        }
        let hits: Vec<(u64, String, u32)> = self
            .layers
            .iter()
            .rev()
            .filter(|l| l.visible)
            .filter_map(|l| {
                l.pick_shown(m[0], m[1], tol)
                    .map(|f| (l.id, l.name.clone(), f))
            })
            .collect();
        let hit = hits
            .first()
            .and_then(|(id, _, f)| self.layers.iter().find(|l| l.id == *id).map(|l| (l, *f)));
        let others: Vec<(u64, String, u32)> = hits.iter().skip(1).cloned().collect();
        // With the village files open a click picks a village (above) and the dock stays on its file; the
        // feature's attributes wait under the 要素属性 tab.
        if hit.is_some() && !self.profile.open {
            self.right_tab = RightTab::Identify;
        }
        match hit {
            Some((l, f)) => {
                let rows = l.attribute_rows(f);
                let (lid, name) = (l.id, l.name.clone());

                self.identified = Some(Identified {
                    layer: name,
                    layer_id: lid,
                    feature: f,
                    rows,
                    others,
                });
                if !add {
                    self.selection.clear();
                }
                self.selection.push((lid, f));
                self.active = Some(lid);
                if let Some(r) = self.table.rows.iter().position(|r| *r == f) {
                    self.table.scroll_to = Some(r);
                }
            }
            None => {
                self.identified = None;
                if !add {
                    self.selection.clear();
                }
            }
        }
    }

    /// Zooms to feature `f` of layer `id`.
    pub fn zoom_to_feature(&mut self, id: u64, f: u32) {
        self.zoom_to_features(id, &[f], 30.0);
    }

    /// Zooms to features `feats` of layer `id`, with a margin of 30 % of their extent but at least `min_pad`
    /// metres (0: none).
    pub fn zoom_to_features(&mut self, id: u64, feats: &[u32], min_pad: f64) {
        if let Some(l) = self.layer(id) {
            let mut bb = BBox::EMPTY;
            for f in feats {
                bb.union(&l.data.display.bboxes[*f as usize]);
            }
            if bb.is_empty() {
                return;
            }
            let pad = if min_pad > 0.0 {
                (bb.width().max(bb.height()) * 0.3).max(min_pad)
            } else {
                0.0
            };
            bb = BBox {
                min_x: bb.min_x - pad,
                min_y: bb.min_y - pad,
                max_x: bb.max_x + pad,
                max_y: bb.max_y + pad,
            };
            self.map.zoom_to(&bb);
        }
    }

    /// Draws the whole window. (eframe calls this each frame; tests call it directly.)
    pub fn ui(&mut self, ui: &mut Ui) {
        self.poll_jobs();
        let ctx = ui.ctx().clone();
        for m in self.data.poll(&mut self.layers, self.lang, &ctx) {
            self.msg(m);
        }
        self.handle_dropped_files(ui.ctx());
        let lang = self.lang;
        egui::Panel::top("menu").show(ui, |ui| self.menu_bar(ui));
        egui::Panel::bottom("status").show(ui, |ui| self.status_bar(ui));
        // The panels share at most half the window with each other: the map keeps the rest. Each has a
        // minimum and a maximum width and shrinks back when its content narrows.
        let width = ui.ctx().content_rect().width();
        let left_max = (width * 0.22).clamp(160.0, 360.0);
        let left = egui::Panel::left("layers")
            .resizable(true)
            .default_size(left_max.min(270.0))
            .min_size(160.0)
            .max_size(left_max)
            .show(ui, |ui| {
                ui.set_max_width(left_max);
                self.layer_panel(ui)
            });
        let left_w = left.response.rect.width();
        // One dock at the right for the village files and identify: tabs when both are open.
        let profile_open = self.profile.open;
        let identify_open = self.identified.is_some();
        let mut profile_request = None;
        if profile_open || identify_open {
            // (less the separators and resize handles between the panels)
            let right_max = (width * 0.5 - left_w - 20.0).max(220.0);
            let default: f32 = if profile_open { 560.0 } else { 280.0 };
            if profile_open && identify_open && self.right_tab == RightTab::None {
                self.right_tab = RightTab::Profile;
            }
            egui::Panel::right("right-dock")
                .resizable(true)
                .default_size(default.min(right_max))
                .min_size(220.0_f32.min(right_max))
                .max_size(right_max)
                .show(ui, |ui| {
                    // Content wraps or scrolls within the dock, never spills over the map.
                    ui.set_max_width(ui.available_width().min(right_max));
                    let tab = match (profile_open, identify_open) {
                        (true, true) => {
                            ui.horizontal(|ui| {
                                ui.selectable_value(
                                    &mut self.right_tab,
                                    RightTab::Profile,
                                    lang.tr("一村一档", "Village files"),
                                );
                                ui.selectable_value(
                                    &mut self.right_tab,
                                    RightTab::Identify,
                                    lang.tr("要素属性", "Identify"),
                                );
                            });
                            ui.separator();
                            self.right_tab
                        }
                        (true, false) => RightTab::Profile,
                        _ => RightTab::Identify,
                    };
                    let basemap = match &self.basemap_choice {
                        BasemapChoice::Offline { path } => Some(path.clone()),
                        _ => None,
                    };
                    if tab == RightTab::Identify {
                        self.identify_panel(ui);
                    } else {
                        profile_request = self.profile.panel(ui, &self.layers, basemap, lang);
                    }
                });
        }
        if self.show_table {
            if let Some(id) = self.active {
                egui::Panel::bottom("table")
                    .resizable(true)
                    .default_size(300.0)
                    .min_size(180.0)
                    .show(ui, |ui| {
                        let actions = match self.layers.iter().find(|l| l.id == id) {
                            Some(l) => table::show(ui, &mut self.table, l, &self.selection, lang),
                            None => Vec::new(),
                        };
                        for a in actions {
                            match a {
                                TableAction::Select { feature, add } => {
                                    if !add {
                                        self.selection.clear();
                                    }
                                    self.selection.push((id, feature));
                                }
                                TableAction::SelectRange { features, add } => {
                                    if !add {
                                        self.selection.clear();
                                    }
                                    for f in features {
                                        if !self.selection.contains(&(id, f)) {
                                            self.selection.push((id, f));
                                        }
                                    }
                                }
                                TableAction::ZoomTo(f) => self.zoom_to_feature(id, f),
                                TableAction::Close => self.show_table = false,
                                TableAction::SetAlias { field, alias } => {
                                    self.set_field_alias(id, &field, &alias)
                                }
                                TableAction::Export(rows) => {
                                    self.export_table_rows(id, rows, ui.ctx())
                                }
                                TableAction::Message(m) => self.msg(m),
                            }
                        }
                    });
            }
        }

        egui::CentralPanel::default()
            .frame(egui::Frame::NONE.fill(egui::Color32::from_rgb(238, 236, 228)))
            .show(ui, |ui| {
                let out = map_view::show(
                    ui,
                    &mut self.map,
                    &mut self.basemap,
                    &mut self.layers,
                    &self.selection,
                    lang,
                );
                if let Some((m, tol)) = out.clicked {
                    if self.proposal.takes_clicks() {
                        let shift = ui.input(|i| i.modifiers.shift);
                        self.proposal.map_click(m, tol, shift, &self.layers);
                    } else {
                        let add = ui.input(|i| i.modifiers.command);
                        self.identify(m, tol, add);
                    }
                }
                self.proposal.paint(ui, out.screen, out.hover, &self.layers);
            });
        self.chooser_window(ui.ctx());
        self.settings_window(ui.ctx());
        self.algorithm_windows(ui.ctx());
        let view = self.map.view_bbox();
        if let Some(l) = self.designer.window(ui.ctx(), lang, view) {
            match self.layouts.iter_mut().find(|k| k.name == l.name) {
                Some(k) => *k = l,
                None => self.layouts.push(l),
            }
        }
        let shown = self.scope.shown.clone();
        let scope_label = self.scope.label.clone();
        match self
            .chain
            .window(ui.ctx(), &self.layers, &shown, &scope_label, lang)
        {
            Some(super::chain::ChainRequest::ShowFirms(id, feats)) => {
                self.zoom_to_features(id, &feats, 300.0);
                self.selection = feats.into_iter().map(|f| (id, f)).collect();
            }
            Some(super::chain::ChainRequest::Talent(chain, link)) => {
                self.talent.show(&chain, Some(&link));
            }
            Some(super::chain::ChainRequest::TemplatesChanged) | None => {}
        }
        // The talent window shares the chain window's templates.
        if self.talent.open && self.talent.chains != self.chain.chains {
            self.talent.chains = self.chain.chains.clone();
        }
        let project = self
            .project_path
            .clone()
            .or_else(|| self.layers.first().map(|l| l.data.source.path.clone()));
        match self
            .talent
            .window(ui.ctx(), &self.layers, project.as_deref(), lang)
        {
            Some(super::talent::TalentRequest::ShowSource(id, f)) => {
                self.zoom_to_features(id, &[f], 20_000.0);
                self.selection = vec![(id, f)];
            }
            Some(super::talent::TalentRequest::OpenAlgorithm(id, values)) => {
                self.open_algorithm(id);
                if let Some(d) = self
                    .algorithm_dialogs
                    .iter_mut()
                    .find(|d| d.algorithm.id() == id)
                {
                    for (k, v) in values {
                        d.params.set(&k, v);
                    }
                }
            }
            None => {}
        }
        if let Some(super::proposal::ProposalRequest::AddLayer(path)) =
            self.proposal
                .window(ui.ctx(), &self.layers, self.project_path.as_deref(), lang)
        {
            // The proposals layer, reloaded with the sites kept so far.
            self.layers.retain(|l| l.data.source.path != path);
            self.load(&path, Some("proposal_site".into()), None);
        }
        self.start_panel_ui(ui.ctx());
        self.window_chrome(ui.ctx());
        for m in self
            .data
            .windows(ui.ctx(), &mut self.layers, self.active, lang)
        {
            self.msg(m);
        }
        match profile_request {
            Some(super::profile::MapRequest::Village(id, f)) => {
                self.selection = vec![(id, f)];
                self.active = Some(id);
                self.zoom_to_feature(id, f);
            }
            Some(super::profile::MapRequest::Town(id, feats)) => {
                self.zoom_to_features(id, &feats, 0.0);
                self.selection = feats.into_iter().map(|f| (id, f)).collect();
                self.active = Some(id);
            }
            None => {}
        }
        self.apply_start_scope();
        if self.profile.scope != self.scope.wanted {
            let label = self.profile.scope_label(lang);
            self.scope.request(
                self.profile.scope.clone(),
                label,
                &mut self.layers,
                self.profile.village_layer,
                ui.ctx(),
            );
        }
        match self
            .scope
            .poll(&mut self.layers, self.profile.village_layer, ui.ctx())
        {
            Some(Ok((bb, notes))) => {
                self.map.zoom_to(&bb);
                for n in notes {
                    self.msg(n);
                }
            }
            Some(Err(e)) => {
                self.profile.scope = self.scope.shown.clone();
                self.msg(e);
            }
            None => {}
        }
        if self.busy() {
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(100));
        }
    }

    fn handle_dropped_files(&mut self, ctx: &Context) {
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .collect()
        });
        for p in dropped {
            self.open_path(&p);
        }
    }

    fn menu_bar(&mut self, ui: &mut Ui) {
        let lang = self.lang;
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button(lang.tr("文件", "File"), |ui| {
                if ui
                    .button(lang.tr("打开数据/项目…", "Open data or project…"))
                    .clicked()
                {
                    if let Some(p) = rfd::FileDialog::new()
                        .add_filter(
                            lang.tr("支持的文件", "Supported files"),
                            &[
                                "yitu", "gpkg", "shp", "geojson", "json", "gdb", "kml", "mbtiles",
                                "pmtiles", "dbf",
                            ],
                        )
                        .add_filter(lang.tr("所有文件", "All files"), &["*"])
                        .pick_file()
                    {
                        self.open_path(&p);
                    }
                    ui.close();
                }
                if ui
                    .button(lang.tr("打开 FileGDB 文件夹…", "Open FileGDB folder…"))
                    .clicked()
                {
                    if let Some(p) = rfd::FileDialog::new().pick_folder() {
                        self.open_path(&p);
                    }
                    ui.close();
                }
                ui.separator();
                if ui.button(lang.tr("保存项目", "Save project")).clicked() {
                    match self.project_path.clone() {
                        Some(p) => self.save_project(&p),
                        None => self.save_project_as(),
                    }
                    ui.close();
                }
                if ui
                    .button(lang.tr("项目另存为…", "Save project as…"))
                    .clicked()
                {
                    self.save_project_as();
                    ui.close();
                }
                let recent = self.settings.recent.clone();
                if !recent.is_empty() {
                    ui.separator();
                    for r in recent {
                        if ui.button(r.display().to_string()).clicked() {
                            self.open_project(&r);
                            ui.close();
                        }
                    }
                }
            });
            ui.menu_button(lang.tr("底图", "Basemap"), |ui| {
                let active = self.basemap_choice.clone();
                let on = |c: &BasemapChoice| {
                    std::mem::discriminant(c) == std::mem::discriminant(&active)
                };
                if ui
                    .selectable_label(
                        matches!(active, BasemapChoice::Offline { .. }),
                        match &active {
                            BasemapChoice::Offline { path } => format!(
                                "{}（{}）…",
                                lang.tr("离线瓦片包", "Offline tile package"),
                                path.file_name()
                                    .map(|n| n.to_string_lossy())
                                    .unwrap_or_default()
                            ),
                            _ => lang.tr("离线瓦片包…", "Offline tile package…").to_string(),
                        },
                    )
                    .clicked()
                {
                    if let Some(p) = rfd::FileDialog::new()
                        .add_filter("MBTiles / PMTiles", &["mbtiles", "pmtiles"])
                        .pick_file()
                    {
                        self.set_basemap(BasemapChoice::Offline { path: p });
                    }
                    ui.close();
                }
                if ui
                    .selectable_label(
                        on(&BasemapChoice::China),
                        lang.tr("中国底图（内置，离线）", "China (built in, offline)"),
                    )
                    .clicked()
                {
                    self.set_basemap(BasemapChoice::China);
                    ui.close();
                }
                if ui
                    .selectable_label(on(&BasemapChoice::OpenStreetMap), "OpenStreetMap")
                    .clicked()
                {
                    self.set_basemap(BasemapChoice::OpenStreetMap);
                    ui.close();
                }
                if ui
                    .selectable_label(
                        matches!(&active, BasemapChoice::Tianditu { layer } if layer == "vec"),
                        lang.tr("天地图 矢量", "Tianditu vector"),
                    )
                    .clicked()
                {
                    self.set_basemap(BasemapChoice::Tianditu {
                        layer: "vec".into(),
                    });
                    ui.close();
                }
                if ui
                    .selectable_label(
                        matches!(&active, BasemapChoice::Tianditu { layer } if layer == "img"),
                        lang.tr("天地图 影像", "Tianditu imagery"),
                    )
                    .clicked()
                {
                    self.set_basemap(BasemapChoice::Tianditu {
                        layer: "img".into(),
                    });
                    ui.close();
                }
                ui.horizontal(|ui| {
                    ui.add(egui::TextEdit::singleline(&mut self.xyz_input).desired_width(260.0));
                    if ui
                        .selectable_label(
                            on(&BasemapChoice::Xyz { url: String::new() }),
                            lang.tr("XYZ 地址", "XYZ URL"),
                        )
                        .clicked()
                    {
                        let url = self.xyz_input.clone();
                        self.set_basemap(BasemapChoice::Xyz { url });
                        ui.close();
                    }
                });
                if ui
                    .selectable_label(on(&BasemapChoice::None), lang.tr("无底图", "No basemap"))
                    .clicked()
                {
                    self.set_basemap(BasemapChoice::None);
                    ui.close();
                }
            });
            ui.menu_button(lang.tr("视图", "View"), |ui| {
                if ui
                    .checkbox(&mut self.show_table, lang.tr("属性表", "Attribute table"))
                    .clicked()
                {
                    ui.close();
                }
                if ui
                    .button(lang.tr("缩放到全部图层", "Zoom to all layers"))
                    .clicked()
                {
                    self.zoom_to_all();
                    ui.close();
                }
                ui.separator();
                if ui.radio(self.lang == Lang::Zh, "中文").clicked() {
                    self.set_lang(Lang::Zh);
                    ui.close();
                }
                if ui.radio(self.lang == Lang::En, "English").clicked() {
                    self.set_lang(Lang::En);
                    ui.close();
                }
            });
            ui.menu_button(lang.tr("数据", "Data"), |ui| {
                if ui
                    .button(lang.tr("部门数据管理…", "Department data…"))
                    .clicked()
                {
                    self.data.open = true;
                    ui.close();
                }
                if ui.button(lang.tr("导入表格…", "Import table…")).clicked() {
                    self.data.wizard = Some(super::data::ImportWizard::new(""));
                    ui.close();
                }
                if ui
                    .button(lang.tr("连接到图层…", "Join to layer…"))
                    .clicked()
                {
                    self.open_join_dialog();
                    ui.close();
                }
            });
            ui.menu_button(lang.tr("分析", "Analysis"), |ui| {
                if ui
                    .button(lang.tr("一村一档（村档案）…", "Village files (panel)…"))
                    .clicked()
                {
                    self.open_profiles();
                    ui.close();
                }
                if ui
                    .button(lang.tr("产业链（一产一档）…", "Industry chains…"))
                    .clicked()
                {
                    self.chain.open = true;
                    ui.close();
                }
                if ui.button(lang.tr("人才地图…", "Talent map…")).clicked() {
                    self.talent.open = true;
                    ui.close();
                }
                if ui
                    .button(lang.tr("用地预审…", "Land-use proposal check…"))
                    .clicked()
                {
                    self.proposal.open = true;
                    self.proposal.tool = super::proposal::Tool::Draw;
                    ui.close();
                }
                if ui
                    .button(lang.tr("汇报用图（版式设计）…", "Meeting map (layout designer)…"))
                    .clicked()
                {
                    self.open_layout_designer();
                    ui.close();
                }
                ui.menu_button(lang.tr("工具箱", "Toolbox"), |ui| {
                    let mut group = ("", "");
                    for a in crate::core::algorithms::registry() {
                        if a.group() != group {
                            group = a.group();
                            ui.label(
                                egui::RichText::new(lang.tr(group.0, group.1))
                                    .small()
                                    .weak(),
                            );
                        }
                        let (zh, en) = a.name();
                        if ui
                            .button(format!("{}…", lang.tr(zh, en)))
                            .on_hover_text(lang.tr(a.description().0, a.description().1))
                            .clicked()
                        {
                            self.open_algorithm(a.id());
                            ui.close();
                        }
                    }
                });
            });
            if ui.button(lang.tr("设置", "Settings")).clicked() {
                self.show_settings = true;
            }
        });
    }

    /// Opens the layout designer on the project's first layout (or a template) with the visible layers.
    pub fn open_layout_designer(&mut self) {
        let layers: Vec<_> = self
            .layers
            .iter()
            .filter(|l| l.visible)
            .map(|l| (l.name.clone(), l.data.clone(), l.style.clone()))
            .collect();
        if layers.is_empty() {
            self.msg(
                self.lang
                    .tr("先打开要出图的图层", "Open the layers to map first"),
            );
            return;
        }
        let basemap = match &self.basemap_choice {
            BasemapChoice::Offline { path } => Some(path.clone()),
            BasemapChoice::China => crate::core::io::tiles::bundled_china_package().ok(),
            _ => None,
        };
        if self.designer.vars.title.is_empty() {
            self.designer.vars.title = self.project().title;
        }
        if self.designer.vars.sources.is_empty() {
            let mut files: Vec<String> = self
                .layers
                .iter()
                .filter(|l| l.visible)
                .filter_map(|l| l.data.source.path.file_name())
                .map(|n| n.to_string_lossy().to_string())
                .collect();
            files.sort();
            files.dedup();
            self.designer.vars.sources = files.join("、");
        }
        let first = (!self.designer.open)
            .then(|| self.layouts.first().cloned())
            .flatten();
        let ctx = self.ctx.clone();
        self.designer.start(layers, basemap, first, &ctx, self.lang);
    }

    /// Shows the shipped China basemap over the whole country: how `yitu` without a file opens.
    pub fn start_on_china_basemap(&mut self) {
        self.set_basemap(BasemapChoice::China);
        self.apply_view(ProjectView {
            lon: 104.0,
            lat: 35.5,
            zoom: 4.0,
        });
    }

    /// The algorithm dialogs; a finished run's summary goes to the messages.
    fn algorithm_windows(&mut self, ctx: &Context) {
        let lang = self.lang;
        let mut done = Vec::new();
        let mut layers: Vec<(std::path::PathBuf, String)> = Vec::new();
        let mut zoom_to: Option<String> = None;
        for d in &mut self.algorithm_dialogs {
            let was_busy = d.busy();
            d.window(ctx, lang);
            if was_busy && !d.busy() {
                // The map layers an analysis made (density, hot spots, clusters) go onto the map.
                if let Some(Ok(o)) = &d.result {
                    // A national layer is far from the county: show it whole.
                    if d.algorithm.id().starts_with("talent ") {
                        zoom_to = map_layers_of(d.algorithm.id())
                            .first()
                            .map(|t| t.to_string());
                    }
                    for table in map_layers_of(d.algorithm.id()) {
                        for f in o.files.iter().filter(|f| {
                            f.extension()
                                .is_some_and(|e| e.eq_ignore_ascii_case("gpkg"))
                        }) {
                            layers.push((f.clone(), table.to_string()));
                        }
                    }
                }
                match &d.result {
                    // The first line in the status bar; the dialog shows all of it.
                    Some(Ok(o)) => done.push(o.summary.lines().next().unwrap_or("").to_string()),
                    Some(Err(e)) => done.push(e.to_string()),
                    None => {}
                }
            }
        }
        self.algorithm_dialogs.retain(|d| d.open || d.busy());
        for m in done.into_iter().filter(|m| !m.is_empty()) {
            self.msg(m);
        }
        if zoom_to.is_some() {
            self.zoom_to_loaded = zoom_to;
        }
        for (path, table) in layers {
            self.load(&path, Some(table), None);
        }
    }

    /// The start panel of a new window: the sample county, recent projects, open a file or a folder, and a
    /// line on dragging files in. It goes once a project or file opens.
    fn start_panel_ui(&mut self, ctx: &Context) {
        // Hidden while anything is open or opening; back when what was opened failed or was not chosen.
        if !self.start_panel
            || !self.layers.is_empty()
            || !self.jobs.is_empty()
            || self.project_path.is_some()
            || self.chooser.is_some()
        {
            return;
        }
        let lang = self.lang;
        let mut open: Option<PathBuf> = None;
        let mut close = false;
        egui::Window::new("start")
            .id(egui::Id::unique("start-panel"))
            .title_bar(false)
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .default_width(440.0)
            .show(ctx, |ui| {
                ui.add_space(4.0);
                ui.heading(egui::RichText::new("一图 YiTu").strong());
                ui.label(lang.tr(
                    "县域“一张图”离线工作站：打开数据即可开始。",
                    "The county's one map, offline: open your data to begin.",
                ));
                ui.add_space(8.0);
                let wide = egui::vec2(ui.available_width(), 30.0);
                let sample = Self::sample_project();
                let b = ui.add_enabled(
                    sample.is_some(),
                    egui::Button::new(lang.tr(
                        "打开样例县（仙游县，三调图层与部门数据）",
                        "Open the sample county (Xianyou: 三调 layers and department data)",
                    ))
                    .min_size(wide),
                );
                if b.on_disabled_hover_text(lang.tr(
                    "这个版本没有附带样例数据（sample-data）",
                    "This build has no sample data (sample-data) beside it",
                ))
                .clicked()
                {
                    open = sample;
                }
                if ui
                    .add(
                        egui::Button::new(lang.tr(
                            "打开文件…（项目、GeoPackage、Shapefile、GeoJSON、瓦片包）",
                            "Open a file… (project, GeoPackage, Shapefile, GeoJSON, tile package)",
                        ))
                        .min_size(wide),
                    )
                    .clicked()
                {
                    open = rfd::FileDialog::new()
                        .add_filter(
                            lang.tr("支持的文件", "Supported files"),
                            &[
                                "yitu", "gpkg", "shp", "geojson", "json", "gdb", "kml", "mbtiles",
                                "pmtiles", "dbf",
                            ],
                        )
                        .add_filter(lang.tr("所有文件", "All files"), &["*"])
                        .pick_file();
                }
                if ui
                    .add(
                        egui::Button::new(lang.tr(
                            "打开文件夹…（Shapefile 文件夹、FileGDB）",
                            "Open a folder… (a folder of shapefiles, a FileGDB)",
                        ))
                        .min_size(wide),
                    )
                    .clicked()
                {
                    open = rfd::FileDialog::new().pick_folder();
                }
                let recent: Vec<PathBuf> = self
                    .settings
                    .recent
                    .iter()
                    .filter(|p| p.is_file())
                    .cloned()
                    .collect();
                if !recent.is_empty() {
                    ui.add_space(6.0);
                    ui.label(
                        egui::RichText::new(lang.tr("最近的项目", "Recent projects")).strong(),
                    );
                    for r in recent.into_iter().take(6) {
                        let name = r
                            .file_stem()
                            .map(|s| s.to_string_lossy().to_string())
                            .unwrap_or_default();
                        if ui
                            .link(name)
                            .on_hover_text(r.display().to_string())
                            .clicked()
                        {
                            open = Some(r);
                        }
                    }
                }
                ui.add_space(8.0);
                ui.label(
                    egui::RichText::new(lang.tr(
                        "也可以把文件或文件夹直接拖进窗口。",
                        "Or drag files and folders into the window.",
                    ))
                    .weak(),
                );
                ui.horizontal(|ui| {
                    if ui.small_button(lang.tr("关闭", "Close")).clicked() {
                        close = true;
                    }
                    let other = match lang {
                        Lang::Zh => "English",
                        Lang::En => "中文",
                    };
                    if ui.small_button(other).clicked() {
                        self.set_lang(match lang {
                            Lang::Zh => Lang::En,
                            Lang::En => Lang::Zh,
                        });
                    }
                });
            });
        if close {
            self.start_panel = false;
        }
        if let Some(p) = open {
            self.open_path(&p);
        }
    }

    /// The window around the app: its title (project name, `*` for unsaved changes), its size on the first
    /// frame (most of the screen), and the question when it is closed with unsaved changes.
    fn window_chrome(&mut self, ctx: &Context) {
        if self.snapshot_pending && !self.busy() {
            self.saved = Some(self.project_state());
            self.snapshot_pending = false;
        }
        // The title compares the whole project with the saved one (and checks dataset files on disk): at most
        // twice a second, not every frame on the UI thread.
        let now = ctx.input(|i| i.time);
        if now - self.title_checked < 0.5 && !self.title.is_empty() {
            return self.close_guard(ctx);
        }
        self.title_checked = now;
        let title = self.window_title();
        if title != self.title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.title = title;
        }
        if !self.sized {
            if let Some(m) = ctx.input(|i| i.viewport().monitor_size) {
                if m.x > 200.0 && m.y > 200.0 {
                    let size = egui::vec2(m.x * 0.92, m.y * 0.88);
                    ctx.send_viewport_cmd(egui::ViewportCommand::InnerSize(size));
                    ctx.send_viewport_cmd(egui::ViewportCommand::OuterPosition(egui::pos2(
                        (m.x - size.x) / 2.0,
                        (m.y - size.y) / 3.0,
                    )));
                }
                self.sized = true;
            }
        }
        self.close_guard(ctx);
    }

    /// Closing with unsaved changes: cancels the close and asks (save, don't save, cancel).
    fn close_guard(&mut self, ctx: &Context) {
        if ctx.input(|i| i.viewport().close_requested()) && !self.allow_close && self.unsaved() {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.confirm_close = true;
        }
        if !self.confirm_close {
            return;
        }
        let lang = self.lang;
        let mut answer = None;
        egui::Modal::new(egui::Id::unique("confirm-close")).show(ctx, |ui| {
            ui.set_width(380.0);
            ui.heading(lang.tr("保存对项目的修改吗？", "Save the changes to the project?"));
            ui.label(lang.tr(
                "不保存的话，打开的图层、样式和连接的修改会丢失。",
                "If you don't, the layers opened and the styles and joins changed are lost.",
            ));
            ui.add_space(6.0);
            ui.horizontal(|ui| {
                if ui.button(lang.tr("保存", "Save")).clicked() {
                    answer = Some(0);
                }
                if ui.button(lang.tr("不保存", "Don't save")).clicked() {
                    answer = Some(1);
                }
                if ui.button(lang.tr("取消", "Cancel")).clicked() {
                    answer = Some(2);
                }
            });
        });
        match answer {
            Some(0) => {
                match self.project_path.clone() {
                    Some(p) => self.save_project(&p),
                    None => self.save_project_as(),
                }
                if !self.unsaved() {
                    self.confirm_close = false;
                    self.allow_close = true;
                    ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                }
            }
            Some(1) => {
                self.confirm_close = false;
                self.allow_close = true;
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
            Some(_) => self.confirm_close = false,
            None => {}
        }
    }

    /// Opens the 一村一档 window and computes the village files in the background.
    pub fn open_profiles(&mut self) {
        let ctx = self.ctx.clone();
        let cache = self.data.cache_path.clone();
        self.profile.start(&self.layers, cache, &ctx, self.lang);
        self.right_tab = RightTab::Profile;
    }

    /// Once the layers have loaded, computes the village files and shows `start_scope`.
    fn apply_start_scope(&mut self) {
        use crate::core::analysis::profile::Scope;
        let Some(scope) = &self.start_scope else {
            return;
        };
        if !self.jobs.is_empty() || self.layers.is_empty() || self.data.busy() {
            return;
        }
        if self.profile.profiles.is_none() {
            if !self.profile.busy() {
                if super::profile::village_layer(&self.layers).is_none() {
                    self.start_scope = None;
                    self.msg(
                        "没有村界图层，无法按范围显示 / no village layer: the scope cannot be shown",
                    );
                    return;
                }
                self.open_profiles();
            }
            return;
        }
        // Show a village of the scope, so the window's scope choice reads right.
        let first_of_town = |t: &str| {
            self.profile.profiles.as_ref().and_then(|p| {
                p.villages
                    .iter()
                    .find(|v| v.town_code == t)
                    .map(|v| v.code.clone())
            })
        };
        match scope {
            Scope::Village(c) => self.profile.select(c),
            Scope::Town(t) => {
                if let Some(c) = first_of_town(t) {
                    self.profile.select(&c);
                }
            }
            Scope::County => {}
        }
        self.profile.scope = scope.clone();
        self.start_scope = None;
    }

    /// Opens the join dialog for the active layer.
    pub fn open_join_dialog(&mut self) {
        let layer = self.active.or(self.layers.last().map(|l| l.id));
        self.data.open_join(layer);
    }

    fn set_lang(&mut self, l: Lang) {
        self.lang = l;
        self.settings.language = l.code().into();
        let _ = self.settings.save();
    }

    /// Zooms to the extent of every visible layer.
    pub fn zoom_to_all(&mut self) {
        let mut bb = BBox::EMPTY;
        for l in self.layers.iter().filter(|l| l.visible) {
            bb.union(&l.data.display_extent());
        }
        self.map.zoom_to(&bb);
    }

    fn status_bar(&mut self, ui: &mut Ui) {
        let lang = self.lang;
        ui.horizontal(|ui| {
            // Fixed slots: the items after them keep their places whether or not the pointer is over the map.
            let h = ui.spacing().interact_size.y;
            let slot = |ui: &mut Ui, w: f32, text: String| {
                ui.allocate_ui_with_layout(
                    egui::vec2(w, h),
                    egui::Layout::left_to_right(egui::Align::Center),
                    |ui| {
                        ui.set_min_width(w);
                        ui.add(egui::Label::new(egui::RichText::new(text).monospace()).truncate());
                    },
                );
            };
            let lonlat = match self.map.cursor {
                Some(c) => format!(
                    "{} {:.6}°E {:.6}°N",
                    lang.tr("经纬度", "Lon/Lat"),
                    c[0],
                    c[1]
                ),
                None => format!("{} —", lang.tr("经纬度", "Lon/Lat")),
            };
            slot(ui, 250.0, lonlat);
            if let Some((crs, t)) = &self.coord_crs {
                let xy = self
                    .map
                    .cursor
                    .and_then(|c| {
                        let mut p = [c];
                        (t.transform(&mut p).is_ok() && p[0][0].is_finite()).then_some(p[0])
                    })
                    .map(|p| format!("{} X {:.2} Y {:.2}", crs.label(), p[0], p[1]))
                    .unwrap_or_else(|| format!("{} X — Y —", crs.label()));
                slot(ui, 330.0, xy);
            }
            slot(
                ui,
                80.0,
                format!("{} {:.1}", lang.tr("级别", "Zoom"), self.map.memory.zoom()),
            );
            let mut cancel = None;
            for (i, j) in self.jobs.iter().enumerate() {
                ui.separator();
                ui.label(format!("{} {}", lang.tr("读取", "Loading"), j.label));
                ui.add(
                    egui::ProgressBar::new(j.progress.fraction())
                        .desired_width(120.0)
                        .show_percentage(),
                );
                if ui.button(lang.tr("取消", "Cancel")).clicked() {
                    cancel = Some(i);
                }
            }
            if let Some(i) = cancel {
                self.jobs[i].progress.cancel();
            }
            if let Some(e) = &self.basemap_error {
                ui.separator();
                let first: String = e
                    .split(" / ")
                    .next()
                    .unwrap_or(e)
                    .chars()
                    .take(40)
                    .collect();
                ui.label(
                    egui::RichText::new(format!("{}：{first}", lang.tr("底图", "Basemap")))
                        .color(egui::Color32::from_rgb(190, 40, 30)),
                )
                .on_hover_text(e);
            }
            if self.scope.status_ui(ui, lang) {
                self.profile.scope = crate::core::analysis::profile::Scope::County;
            }
            if let Some(m) = self.messages.last() {
                ui.separator();
                // In the interface's language (the half of a bilingual message).
                let m = lang.pick(m);
                // One line: a long or multi-line message must not push the map up; all of it on hover.
                let first: String = m.lines().next().unwrap_or("").chars().take(160).collect();
                let more = first.chars().count() < m.chars().count();
                let shown = if more { format!("{first} …") } else { first };
                ui.label(egui::RichText::new(shown).color(egui::Color32::from_rgb(170, 60, 0)))
                    .on_hover_ui(|ui| {
                        for m in self.messages.iter().rev().take(12) {
                            ui.label(lang.pick(m));
                        }
                    });
            }
        });
    }

    fn layer_panel(&mut self, ui: &mut Ui) {
        let lang = self.lang;
        ui.horizontal(|ui| {
            ui.heading(lang.tr("图层", "Layers"));
            if ui.button(lang.tr("添加数据", "Add data")).clicked() {
                if let Some(p) = rfd::FileDialog::new().pick_file() {
                    self.open_path(&p);
                }
            }
        });
        ui.separator();
        let mut action: Option<(usize, &str)> = None;
        let n = self.layers.len();
        egui::ScrollArea::vertical().show(ui, |ui| {
            for idx in (0..n).rev() {
                let l = &mut self.layers[idx];
                let active = self.active == Some(l.id);
                ui.horizontal(|ui| {
                    ui.checkbox(&mut l.visible, "")
                        .on_hover_text(lang.tr("显示/隐藏", "Show/hide"));
                    let label = format!("{} ({})", l.name, l.data.len());
                    if ui.selectable_label(active, label).clicked() {
                        action = Some((idx, "activate"));
                    }
                });
                if active {
                    ui.indent(l.id, |ui| {
                        ui.horizontal_wrapped(|ui| {
                            if ui.small_button(lang.tr("上移", "Up")).clicked() {
                                action = Some((idx, "up"));
                            }
                            if ui.small_button(lang.tr("下移", "Down")).clicked() {
                                action = Some((idx, "down"));
                            }
                            if ui
                                .small_button(lang.tr("缩放至图层", "Zoom to layer"))
                                .clicked()
                            {
                                action = Some((idx, "zoom"));
                            }
                            if ui.small_button(lang.tr("属性表", "Table")).clicked() {
                                action = Some((idx, "table"));
                            }
                            if ui.small_button(lang.tr("移除", "Remove")).clicked() {
                                action = Some((idx, "remove"));
                            }
                        });
                        ui.add(
                            egui::Slider::new(&mut l.style.opacity, 0.0..=1.0)
                                .text(lang.tr("不透明度", "Opacity")),
                        );
                        style_editor(ui, l, lang);
                        ui.small(format!(
                            "{} · {}",
                            l.data.crs.label(),
                            l.data
                                .source
                                .path
                                .file_name()
                                .unwrap_or_default()
                                .to_string_lossy()
                        ));
                        for w in &l.data.warnings {
                            ui.small(
                                egui::RichText::new(w).color(egui::Color32::from_rgb(170, 80, 0)),
                            );
                        }
                    });
                }
            }
        });
        if let Some((idx, what)) = action {
            match what {
                "activate" => self.active = Some(self.layers[idx].id),
                "up" if idx + 1 < self.layers.len() => {
                    self.layers.swap(idx, idx + 1);
                    self.order_tags.swap(idx, idx + 1);
                }
                "down" if idx > 0 => {
                    self.layers.swap(idx, idx - 1);
                    self.order_tags.swap(idx, idx - 1);
                }
                "zoom" => {
                    let e = self.layers[idx].data.display_extent();
                    self.map.zoom_to(&e);
                }
                "table" => {
                    self.active = Some(self.layers[idx].id);
                    self.show_table = true;
                }
                "remove" => {
                    let id = self.layers[idx].id;
                    self.layers.remove(idx);
                    self.order_tags.remove(idx);
                    self.selection.retain(|s| s.0 != id);
                    if self.active == Some(id) {
                        self.active = self.layers.last().map(|l| l.id);
                    }
                    if self.identified.as_ref().map(|i| i.layer_id) == Some(id) {
                        self.identified = None;
                    }
                }
                _ => {}
            }
        }
        if self.layers.is_empty() && self.jobs.is_empty() {
            ui.label(lang.tr(
                "把 GeoPackage、Shapefile、GeoJSON 等文件拖到窗口里，或用“文件 › 打开”。",
                "Drop GeoPackage, Shapefile, GeoJSON… files onto the window, or use File › Open.",
            ));
        }
    }

    /// Shows feature `f` of layer `lid` in the identify panel (chosen from the features under a click), keeping
    /// the list of the others, and selects it.
    pub fn show_feature(&mut self, lid: u64, f: u32) {
        let Some(l) = self.layers.iter().find(|l| l.id == lid) else {
            return;
        };
        let rows = l.attribute_rows(f);
        let name = l.name.clone();
        let mut others: Vec<(u64, String, u32)> = Vec::new();
        if let Some(old) = self.identified.take() {
            others.push((old.layer_id, old.layer, old.feature));
            others.extend(old.others.into_iter().filter(|o| o.0 != lid));
        }
        self.identified = Some(Identified {
            layer: name,
            layer_id: lid,
            feature: f,
            rows,
            others,
        });
        self.selection = vec![(lid, f)];
        self.active = Some(lid);
    }

    fn identify_panel(&mut self, ui: &mut Ui) {
        let lang = self.lang;
        let mut close = false;
        let mut zoom = None;
        let mut open_profile = None;
        let mut switch = None;
        if let Some(id) = &self.identified {
            ui.horizontal(|ui| {
                ui.heading(lang.tr("要素属性", "Identify"));
                if ui.small_button(lang.tr("关闭", "Close")).clicked() {
                    close = true;
                }
            });
            ui.label(
                egui::RichText::new(format!("{}: {}", lang.tr("图层", "Layer"), id.layer)).strong(),
            );
            if !id.others.is_empty() {
                ui.horizontal_wrapped(|ui| {
                    ui.label(lang.tr("此处还有：", "Also here:"));
                    for (lid, name, f) in &id.others {
                        if ui.small_button(name).clicked() {
                            switch = Some((*lid, *f));
                        }
                    }
                });
            }
            if ui
                .button(lang.tr("缩放到要素", "Zoom to feature"))
                .clicked()
            {
                zoom = Some((id.layer_id, id.feature));
            }
            let village = super::profile::village_layer(&self.layers)
                .filter(|l| l.id == id.layer_id)
                .and_then(|l| {
                    l.attrs
                        .field_index("ZLDWDM")
                        .map(|c| l.attrs.get(id.feature as usize, c).to_string())
                });
            if let Some(code) = village {
                if ui
                    .button(lang.tr("打开村档案（一村一档）", "Open village file"))
                    .clicked()
                {
                    open_profile = Some(code);
                }
            }
            ui.separator();
            egui::ScrollArea::vertical().show(ui, |ui| {
                egui::Grid::new("identify-grid")
                    .striped(true)
                    .num_columns(2)
                    .show(ui, |ui| {
                        let no_aliases = Default::default();
                        let aliases = self
                            .layers
                            .iter()
                            .find(|l| l.id == id.layer_id)
                            .map(|l| &l.style.field_aliases)
                            .unwrap_or(&no_aliases);
                        for (k, v) in &id.rows {
                            ui.strong(crate::core::model::fields::title_in(
                                aliases,
                                k,
                                lang == Lang::Zh,
                            ))
                            .on_hover_text(crate::core::model::fields::tooltip_in(aliases, k));
                            ui.label(v);
                            ui.end_row();
                        }
                    });
            });
        }
        if close {
            self.identified = None;
        }
        if let Some((lid, f)) = switch {
            self.show_feature(lid, f);
        }
        if let Some((l, f)) = zoom {
            self.zoom_to_feature(l, f);
        }
        if let Some(code) = open_profile {
            self.profile.select(&code);
            if self.profile.profiles.is_none() && !self.profile.busy() {
                self.open_profiles();
            }
            self.profile.open = true;
            self.right_tab = RightTab::Profile;
        }
    }

    fn chooser_window(&mut self, ctx: &Context) {
        let lang = self.lang;
        let mut open_now = None;
        let mut keep = true;
        if let Some(ch) = &mut self.chooser {
            egui::Window::new(lang.tr("选择要打开的图层", "Choose layers to open"))
                .collapsible(false)
                .default_pos(egui::pos2(340.0, 90.0))
                .show(ctx, |ui| {
                    ui.label(ch.path.display().to_string());
                    egui::ScrollArea::vertical()
                        .max_height(360.0)
                        .show(ui, |ui| {
                            for (info, on) in &mut ch.layers {
                                ui.checkbox(
                                    on,
                                    format!(
                                        "{} — {} ({} {})",
                                        info.name,
                                        info.geometry_type,
                                        info.feature_count,
                                        lang.tr("个要素", "features")
                                    ),
                                );
                            }
                        });
                    ui.horizontal(|ui| {
                        if ui.button(lang.tr("打开", "Open")).clicked() {
                            open_now = Some((
                                ch.path.clone(),
                                ch.layers
                                    .iter()
                                    .filter(|l| l.1)
                                    .map(|l| l.0.name.clone())
                                    .collect::<Vec<_>>(),
                            ));
                            keep = false;
                        }
                        if ui.button(lang.tr("取消", "Cancel")).clicked() {
                            keep = false;
                        }
                    });
                });
        }
        if !keep {
            self.chooser = None;
        }
        if let Some((p, names)) = open_now {
            for n in names {
                self.load(&p, Some(n), None);
            }
        }
    }

    /// Opens the layers chosen in the chooser (used by tests and drag and drop of one file).
    pub fn choose_all_layers(&mut self) {
        if let Some(ch) = self.chooser.take() {
            for (info, on) in ch.layers {
                if on {
                    self.load(&ch.path, Some(info.name), None);
                }
            }
        }
    }

    fn settings_window(&mut self, ctx: &Context) {
        let lang = self.lang;
        let mut open = self.show_settings;
        let mut save = false;
        egui::Window::new(lang.tr("设置", "Settings"))
            .open(&mut open)
            .collapsible(false)
            .show(ctx, |ui| {
                ui.label(lang.tr(
                    "天地图密钥 (tk)，只保存在本机用户设置中，不写入项目文件：",
                    "Tianditu key (tk), kept in your user settings, never in project files:",
                ));
                ui.add(
                    egui::TextEdit::singleline(&mut self.settings.tianditu_key)
                        .password(true)
                        .desired_width(320.0),
                );
                if ui.button(lang.tr("保存", "Save")).clicked() {
                    save = true;
                }
            });
        self.show_settings = open;
        if save {
            match self.settings.save() {
                Ok(()) => self.msg(lang.tr("设置已保存", "Settings saved")),
                Err(e) => self.msg(e),
            }
        }
    }
}

fn style_editor(ui: &mut Ui, l: &mut MapLayer, lang: Lang) {
    let fields: Vec<(String, FieldType)> = l
        .attrs
        .fields
        .iter()
        .map(|f| (f.name.clone(), f.ftype))
        .collect();
    let mut new_style: Option<LayerStyle> = None;
    let kind_now = match &l.style.symbology {
        Symbology::Single { .. } => 0,
        Symbology::Categorized { .. } => 1,
        Symbology::Graduated { .. } => 2,
    };
    let field_now = match &l.style.symbology {
        Symbology::Categorized { field, .. } | Symbology::Graduated { field, .. } => field.clone(),
        _ => String::new(),
    };
    ui.horizontal(|ui| {
        ui.label(lang.tr("样式", "Style"));
        let names = [
            lang.tr("单一符号", "Single"),
            lang.tr("分类", "Categorized"),
            lang.tr("分级", "Graduated"),
        ];
        egui::ComboBox::from_id_salt(("kind", l.id))
            .selected_text(names[kind_now])
            .show_ui(ui, |ui| {
                for (i, n) in names.iter().enumerate() {
                    if ui.selectable_label(i == kind_now, *n).clicked() && i != kind_now {
                        // The style left is kept: switching back restores it.
                        l.saved_styles[kind_now] = Some(l.style.clone());
                        if let Some(mut saved) = l.saved_styles[i].clone() {
                            // The aliases are the layer's, whatever the symbology.
                            saved.field_aliases = l.style.field_aliases.clone();
                            new_style = Some(saved);
                            continue;
                        }
                        let mut s = l.style.clone();
                        s.symbology = match i {
                            0 => Symbology::Single {
                                color: style::Rgba([100, 150, 220, 180]),
                            },
                            1 => {
                                let f = fields
                                    .iter()
                                    .find(|f| f.0.eq_ignore_ascii_case("DLBM"))
                                    .or(fields.first())
                                    .map(|f| f.0.clone())
                                    .unwrap_or_default();
                                style::categories_for(&l.attrs, &f)
                            }
                            _ => {
                                let f = style::measured_field(&l.attrs).unwrap_or_default();
                                style::graduated_for(&l.attrs, &f, 5)
                            }
                        };
                        new_style = Some(s);
                    }
                }
            });
        if kind_now > 0 {
            // Fields by the names a cadre reads (图斑面积), the code beside them.
            let named = |f: &str| field_choice(&l.style, f, lang);
            // Never wider than the panel: a long name is cut with "…" (the list shows it whole).
            egui::ComboBox::from_id_salt(("field", l.id))
                .width((ui.available_width() - 24.0).clamp(60.0, 220.0))
                .truncate()
                .selected_text(named(&field_now))
                .show_ui(ui, |ui| {
                    for (f, t) in &fields {
                        if kind_now == 2 && *t == FieldType::Text {
                            continue;
                        }
                        if ui.selectable_label(*f == field_now, named(f)).clicked() {
                            let mut s = l.style.clone();
                            s.symbology = if kind_now == 1 {
                                style::categories_for(&l.attrs, f)
                            } else {
                                style::graduated_for(&l.attrs, f, 5)
                            };
                            new_style = Some(s);
                        }
                    }
                });
        }
    });
    ui.horizontal(|ui| {
        let to32 = |c: style::Rgba| c.0;
        if let Symbology::Single { color } = &l.style.symbology {
            let mut c = to32(*color);
            ui.label(lang.tr("填充", "Fill"));
            if ui.color_edit_button_srgba_unmultiplied(&mut c).changed() {
                let mut s = l.style.clone();
                s.symbology = Symbology::Single {
                    color: style::Rgba(c),
                };
                new_style = Some(s);
            }
        }
        let mut sc = to32(l.style.stroke);
        ui.label(lang.tr("边线", "Outline"));
        if ui.color_edit_button_srgba_unmultiplied(&mut sc).changed() {
            let mut s = l.style.clone();
            s.stroke = style::Rgba(sc);
            new_style = Some(s);
        }
        let mut w = l.style.stroke_width;
        if ui
            .add(
                egui::DragValue::new(&mut w)
                    .range(0.0..=8.0)
                    .speed(0.05)
                    .suffix(" px"),
            )
            .changed()
        {
            let mut s = l.style.clone();
            s.stroke_width = w;
            new_style = Some(s);
        }
    });
    ui.horizontal(|ui| {
        ui.label(lang.tr("标注", "Labels"));
        // Fields by the names a cadre reads, as the style's field picker.
        let named = |f: &str| field_choice(&l.style, f, lang);
        let current = l
            .style
            .label_field
            .as_deref()
            .map(named)
            .unwrap_or_else(|| lang.tr("（无）", "(none)").to_string());
        egui::ComboBox::from_id_salt(("label", l.id))
            .selected_text(current)
            .show_ui(ui, |ui| {
                if ui
                    .selectable_label(l.style.label_field.is_none(), lang.tr("（无）", "(none)"))
                    .clicked()
                {
                    let mut s = l.style.clone();
                    s.label_field = None;
                    new_style = Some(s);
                }
                for (f, _) in &fields {
                    if ui
                        .selectable_label(l.style.label_field.as_deref() == Some(f), named(f))
                        .clicked()
                    {
                        let mut s = l.style.clone();
                        s.label_field = Some(f.clone());
                        new_style = Some(s);
                    }
                }
            });
    });
    // Legend (first entries), with toggles for categories, under the field's name a cadre reads.
    if let (
        Some(heading),
        Symbology::Categorized { field, .. } | Symbology::Graduated { field, .. },
    ) = (l.style.legend_heading(lang == Lang::Zh), &l.style.symbology)
    {
        ui.label(
            egui::RichText::new(format!("{}{heading}", lang.tr("按字段：", "By field: "))).weak(),
        )
        .on_hover_text(l.style.field_tooltip(field));
    }
    let mut toggled = None;
    if let Symbology::Categorized { categories, .. } = &l.style.symbology {
        egui::CollapsingHeader::new(lang.tr("图例", "Legend"))
            .id_salt(("legend", l.id))
            .default_open(categories.len() <= 12)
            .show(ui, |ui| {
                for (i, c) in categories.iter().enumerate().take(80) {
                    ui.horizontal(|ui| {
                        let (r, _) =
                            ui.allocate_exact_size(egui::vec2(18.0, 12.0), egui::Sense::hover());
                        ui.painter().rect_filled(
                            r,
                            2.0,
                            egui::Color32::from_rgba_unmultiplied(
                                c.color.0[0],
                                c.color.0[1],
                                c.color.0[2],
                                c.color.0[3],
                            ),
                        );
                        let mut vis = c.visible;
                        if ui.checkbox(&mut vis, &c.label).changed() {
                            toggled = Some(i);
                        }
                    });
                }
            });
    } else {
        for (label, c) in style::legend(&l.style, lang == Lang::Zh)
            .into_iter()
            .take(12)
        {
            ui.horizontal(|ui| {
                let (r, _) = ui.allocate_exact_size(egui::vec2(18.0, 12.0), egui::Sense::hover());
                ui.painter().rect_filled(
                    r,
                    2.0,
                    egui::Color32::from_rgba_unmultiplied(c.0[0], c.0[1], c.0[2], c.0[3].max(60)),
                );
                ui.label(label);
            });
        }
    }
    if let Some(i) = toggled {
        let mut s = l.style.clone();
        if let Symbology::Categorized { categories, .. } = &mut s.symbology {
            categories[i].visible = !categories[i].visible;
        }
        new_style = Some(s);
    }
    if let Some(s) = new_style {
        l.set_style(s);
    }
}

impl eframe::App for YituApp {
    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        YituApp::ui(self, ui);
    }
}

/// A field as a picker lists it: the name a cadre reads with the code (`图斑面积（TBMJ）`, `parcel area (TBMJ)`),
/// or the code alone when it has no name.
fn field_choice(style: &style::LayerStyle, f: &str, lang: Lang) -> String {
    let t = style.field_title(f, lang == Lang::Zh);
    if t == f {
        f.to_string()
    } else {
        format!("{t}{}{f}{}", lang.tr("（", " ("), lang.tr("）", ")"))
    }
}

//! Department data in the app: the data manager (datasets with provenance and age, versions,
//! refresh from a data service, roll back, remove), the import wizard (a preview showing the
//! detected encoding, sheet and header row; column types the user can change) and the join
//! dialog (layer field ↔ dataset column, key matching, aggregation, the match report).
//!
//! Imports, refreshes and joins run in background threads with their own cache connection;
//! the window stays responsive and each job has a progress bar and a cancel button.

use super::layers::MapLayer;
use super::Lang;
use crate::core::data::cache::{age_text, Cache, FetchOutcome, ServiceState, VersionInfo};
use crate::core::data::join::{join, Aggregate, JoinReport, JoinResult, JoinSpec, KeyMatch};
use crate::core::io::project::ProjectDataset;
use crate::core::io::service::{ServiceFormat, ServiceSpec};
use crate::core::io::table_import::{preview, ImportOptions, TablePreview};
use crate::core::model::attrs::{AttributeTable, FieldType};
use crate::core::model::progress::Progress;
use egui::{Context, Ui};
use std::path::{Path, PathBuf};

/// The import wizard's state.
pub struct ImportWizard {
    /// File to import.
    pub path: String,
    /// Dataset name.
    pub name: String,
    /// Department.
    pub department: String,
    /// Encoding label ("" = detect).
    pub encoding: String,
    /// Worksheet ("" = first).
    pub sheet: String,
    /// Header row: `None` detect, `Some(0)` none, `Some(k)` row k (1-based).
    pub header_row: Option<usize>,
    /// Column types changed by the user.
    pub types: Vec<(String, FieldType)>,
    /// Keep summary rows (合计 / 总计 / 小计 / Total) as data.
    pub keep_summary_rows: bool,
    /// The preview for the current options.
    pub preview: Option<Result<TablePreview, String>>,
    previewed_for: Option<(String, String, String, Option<usize>, usize, bool)>,
    /// Whether the name still follows the file (the user has not typed one).
    pub name_from_file: bool,
    /// The name last set from the file.
    auto_name: String,
}

impl ImportWizard {
    /// A wizard for `path` (may be empty), named after the file.
    pub fn new(path: &str) -> ImportWizard {
        let name = Path::new(path)
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        let name_for_auto = name.clone();
        ImportWizard {
            path: path.into(),
            name,
            department: String::new(),
            encoding: String::new(),
            sheet: String::new(),
            header_row: None,
            types: Vec::new(),
            keep_summary_rows: false,
            preview: None,
            previewed_for: None,
            name_from_file: true,
            auto_name: name_for_auto,
        }
    }

    fn options(&self) -> ImportOptions {
        ImportOptions {
            encoding: (!self.encoding.is_empty()).then(|| self.encoding.clone()),
            delimiter: None,
            sheet: (!self.sheet.is_empty()).then(|| self.sheet.clone()),
            header_row: self
                .header_row
                .map(|h| if h == 0 { usize::MAX } else { h - 1 }),
            column_types: self.types.clone(),
            keep_summary_rows: self.keep_summary_rows,
        }
    }

    /// Re-reads the preview when the file or an option changed.
    pub fn refresh_preview(&mut self) {
        let key = (
            self.path.clone(),
            self.encoding.clone(),
            self.sheet.clone(),
            self.header_row,
            self.types.len(),
            self.keep_summary_rows,
        );
        if self.previewed_for.as_ref() == Some(&key) {
            return;
        }
        self.previewed_for = Some(key);
        // Named after the file chosen until the user names it: the name follows the path as it is typed
        // or browsed to, and is empty while the path names no file.
        // A name that is not the one set from the file was typed (or set) by the user: it stays.
        if self.name != self.auto_name && !self.name.trim().is_empty() {
            self.name_from_file = false;
        }
        if self.name_from_file || self.name.trim().is_empty() {
            let p = Path::new(self.path.trim());
            self.name = if p.is_file() {
                p.file_stem()
                    .map(|s| s.to_string_lossy().to_string())
                    .unwrap_or_default()
            } else {
                String::new()
            };
            self.auto_name = self.name.clone();
            self.name_from_file = true;
        }
        self.preview = if self.path.trim().is_empty() {
            None
        } else {
            Some(
                preview(Path::new(self.path.trim()), &self.options(), 12)
                    .map_err(|e| e.to_string()),
            )
        };
    }
}

/// The join dialog's state.
pub struct JoinDialog {
    /// Layer to join to.
    pub layer_id: Option<u64>,
    /// The join being set up.
    pub spec: JoinSpec,
    /// The report of the last preview.
    pub report: Option<Result<JoinReport, String>>,
}

/// The form for a dataset's data service.
pub struct ServiceForm {
    /// Dataset name.
    pub name: String,
    /// Department.
    pub department: String,
    /// The service.
    pub spec: ServiceSpec,
}

enum JobResult {
    Imported(Result<VersionInfo, String>),
    Fetched(String, Result<FetchOutcome, String>),
    Joined {
        layer_id: u64,
        apply: bool,
        result: Result<Vec<JoinResult>, String>,
    },
    Ensured(Vec<String>),
}

/// A background job of the data manager.
type DataJob = super::Job<JobResult>;

/// Department data state of the app.
pub struct DataUi {
    /// Whether the data manager is open.
    pub open: bool,
    /// The cache database.
    pub cache_path: PathBuf,
    /// Active versions.
    pub datasets: Vec<VersionInfo>,
    /// Data services.
    pub services: Vec<ServiceState>,
    /// The versions shown for one dataset.
    pub history: Option<(String, Vec<VersionInfo>)>,
    /// The import wizard, when open.
    pub wizard: Option<ImportWizard>,
    /// The join dialog, when open.
    pub join: Option<JoinDialog>,
    /// The data service form, when open.
    pub service_form: Option<ServiceForm>,
    confirm_remove: Option<String>,
    /// Running jobs.
    jobs: Vec<DataJob>,
    /// Joins waiting for their datasets (layer id, joins).
    pending_joins: Vec<(u64, Vec<JoinSpec>)>,
    ensuring: bool,
}

impl Default for DataUi {
    fn default() -> Self {
        DataUi::new(Cache::default_path())
    }
}

impl DataUi {
    /// Data state over the cache at `cache_path`.
    pub fn new(cache_path: PathBuf) -> DataUi {
        let mut d = DataUi {
            open: false,
            cache_path,
            datasets: vec![],
            services: vec![],
            history: None,
            wizard: None,
            join: None,
            service_form: None,
            confirm_remove: None,
            jobs: vec![],
            pending_joins: vec![],
            ensuring: false,
        };
        d.reload();
        d
    }

    /// Re-reads the dataset list from the cache.
    pub fn reload(&mut self) -> Option<String> {
        match Cache::open(&self.cache_path).and_then(|c| Ok((c.list()?, c.services()?))) {
            Ok((d, s)) => {
                self.datasets = d;
                self.services = s;
                None
            }
            Err(e) => Some(e.to_string()),
        }
    }

    /// Opens the join dialog for a layer, with the first dataset chosen.
    pub fn open_join(&mut self, layer_id: Option<u64>) {
        let dataset = self
            .datasets
            .first()
            .map(|d| d.dataset.clone())
            .unwrap_or_default();
        self.join = Some(JoinDialog {
            layer_id,
            spec: JoinSpec::new(&dataset, "", ""),
            report: None,
        });
    }

    /// Queues the joins of every layer that uses `dataset` to be recomputed.
    fn rejoin(&mut self, layers: &[MapLayer], dataset: &str) {
        for l in layers {
            if l.joins.iter().any(|(s, _)| s.dataset == dataset) {
                let specs = l.joins.iter().map(|(s, _)| s.clone()).collect();
                self.pending_joins.push((l.id, specs));
            }
        }
    }

    /// Whether a job runs.
    pub fn busy(&self) -> bool {
        !self.jobs.is_empty()
    }

    fn spawn(
        &mut self,
        label: String,
        ctx: &Context,
        f: impl FnOnce(&Progress) -> JobResult + Send + 'static,
    ) {
        self.jobs.push(super::Job::spawn(label, ctx, f));
    }

    /// Imports the wizard's file in the background.
    pub fn start_import(&mut self, ctx: &Context) {
        let Some(w) = &self.wizard else { return };
        let (path, name, dept, opts, db) = (
            PathBuf::from(w.path.trim()),
            w.name.trim().to_string(),
            w.department.trim().to_string(),
            w.options(),
            self.cache_path.clone(),
        );
        self.spawn(format!("导入 {name}"), ctx, move |p| {
            JobResult::Imported(
                Cache::open(&db)
                    .and_then(|mut c| c.import_file(&name, &dept, &path, &opts, p))
                    .map_err(|e| e.to_string()),
            )
        });
    }

    /// Refreshes a dataset from its data service in the background.
    pub fn start_fetch(&mut self, name: &str, ctx: &Context) {
        let (n, db) = (name.to_string(), self.cache_path.clone());
        self.spawn(format!("刷新 {name}"), ctx, move |p| {
            JobResult::Fetched(
                n.clone(),
                Cache::open(&db)
                    .and_then(|mut c| c.fetch(&n, p))
                    .map_err(|e| e.to_string()),
            )
        });
    }

    /// Computes `specs` on `layer` in the background; `apply` sets them on the layer when done,
    /// otherwise only the report is shown in the join dialog.
    pub fn start_join(
        &mut self,
        layer: &MapLayer,
        specs: Vec<JoinSpec>,
        apply: bool,
        ctx: &Context,
    ) {
        let base: AttributeTable = layer.data.attrs.clone(); // shares the columns
        let (layer_id, db) = (layer.id, self.cache_path.clone());
        self.spawn(format!("连接 {}", layer.name), ctx, move |_| {
            let result = (|| -> Result<Vec<JoinResult>, String> {
                let c = Cache::open(&db).map_err(|e| e.to_string())?;
                let mut out = Vec::new();
                for s in &specs {
                    let t = c.load_table(&s.dataset, None).map_err(|e| e.to_string())?;
                    out.push(join(&base, &t.attrs, s).map_err(|e| e.to_string())?);
                }
                Ok(out)
            })();
            JobResult::Joined {
                layer_id,
                apply,
                result,
            }
        });
    }

    /// Imports a project's datasets the cache does not hold yet (in the background); joins
    /// registered with [`DataUi::join_when_ready`] run after.
    pub fn ensure_datasets(&mut self, datasets: Vec<ProjectDataset>, ctx: &Context) {
        let db = self.cache_path.clone();
        self.ensuring = true;
        self.spawn("准备部门数据".into(), ctx, move |p| {
            let msgs = match Cache::open(&db) {
                Ok(mut c) => c.ensure(&datasets, p),
                Err(e) => vec![e.to_string()],
            };
            JobResult::Ensured(msgs)
        });
    }

    /// Runs `specs` on a layer once the project's datasets are in the cache.
    pub fn join_when_ready(&mut self, layer_id: u64, specs: Vec<JoinSpec>) {
        if !specs.is_empty() {
            self.pending_joins.push((layer_id, specs));
        }
    }

    /// Collects finished jobs; returns messages for the user.
    pub fn poll(&mut self, layers: &mut [MapLayer], lang: Lang, ctx: &Context) -> Vec<String> {
        let mut msgs = Vec::new();
        let mut refreshed: Vec<String> = Vec::new();
        let mut i = 0;
        while i < self.jobs.len() {
            let r = match self.jobs[i].try_result() {
                Ok(r) => r,
                Err(std::sync::mpsc::TryRecvError::Empty) => {
                    i += 1;
                    continue;
                }
                Err(_) => {
                    let j = self.jobs.remove(i);
                    msgs.push(format!("{}: {}", j.label, lang.tr("失败", "failed")));
                    continue;
                }
            };
            self.jobs.remove(i);
            match r {
                JobResult::Imported(Ok(v)) => {
                    msgs.push(format!(
                        "{} {} v{}（{} {}）",
                        lang.tr("已导入", "Imported"),
                        v.dataset,
                        v.version,
                        v.row_count,
                        lang.tr("行", "rows")
                    ));
                    msgs.extend(v.notes.iter().map(|n| format!("{}: {n}", v.dataset)));
                    refreshed.push(v.dataset.clone());
                    self.wizard = None;
                }
                JobResult::Imported(Err(e)) => msgs.push(e),
                JobResult::Fetched(name, Ok(o)) => {
                    msgs.push(match &o {
                        FetchOutcome::Updated(v) => format!(
                            "{name}: {} v{}",
                            lang.tr("已更新为", "updated to"),
                            v.version
                        ),
                        FetchOutcome::NotModified | FetchOutcome::Unchanged => format!(
                            "{name}: {}",
                            lang.tr("数据未变化，缓存为最新", "no change, the cache is current")
                        ),
                    });
                    if matches!(o, FetchOutcome::Updated(_)) {
                        refreshed.push(name);
                    }
                }
                JobResult::Fetched(name, Err(e)) => msgs.push(format!("{name}: {e}")),
                JobResult::Joined {
                    layer_id,
                    apply,
                    result,
                } => match (result, apply) {
                    (Ok(r), true) => {
                        if let Some(l) = layers.iter_mut().find(|l| l.id == layer_id) {
                            for j in &r {
                                let rep = &j.report;
                                // Both languages: the status bar shows the interface's half, even after a
                                // switch.
                                msgs.push(format!(
                                    "{l} ← {d}：匹配 {m}/{n} / {l} ← {d}: matched {m}/{n}",
                                    l = l.name,
                                    d = j.spec.dataset,
                                    m = rep.matched_features,
                                    n = rep.features
                                ));
                            }
                            if let Some(d) = &mut self.join {
                                if d.layer_id == Some(layer_id) {
                                    d.report = r.last().map(|j| Ok(j.report.clone()));
                                }
                            }
                            l.set_joins(r);
                        }
                    }
                    (Ok(r), false) => {
                        if let Some(d) = &mut self.join {
                            d.report = r.into_iter().last().map(|j| Ok(j.report));
                        }
                    }
                    (Err(e), _) => {
                        if let Some(d) = &mut self.join {
                            d.report = Some(Err(e.clone()));
                        }
                        msgs.push(e);
                    }
                },
                JobResult::Ensured(m) => {
                    self.ensuring = false;
                    msgs.extend(m);
                }
            }
            if let Some(e) = self.reload() {
                msgs.push(e);
            }
        }
        // Joins recomputed when their dataset changed.
        for name in refreshed {
            self.rejoin(layers, &name);
        }
        if !self.ensuring && !self.pending_joins.is_empty() {
            for (id, specs) in std::mem::take(&mut self.pending_joins) {
                if let Some(l) = layers.iter().find(|l| l.id == id) {
                    self.start_join(l, specs, true, ctx);
                }
            }
        }
        msgs
    }

    /// Shows the data manager, the wizard, the join dialog and the service form.
    pub fn windows(
        &mut self,
        ctx: &Context,
        layers: &mut [MapLayer],
        active: Option<u64>,
        lang: Lang,
    ) -> Vec<String> {
        let mut msgs = Vec::new();
        if self.open {
            let mut open = true;
            egui::Window::new(lang.tr("部门数据", "Department data"))
                .open(&mut open)
                .default_width(760.0)
                .show(ctx, |ui| self.manager(ui, layers, active, lang, &mut msgs));
            self.open = open;
        }
        self.wizard_window(ctx, lang);
        self.join_window(ctx, layers, lang);
        self.service_window(ctx, lang, &mut msgs);
        msgs
    }

    fn manager(
        &mut self,
        ui: &mut Ui,
        layers: &[MapLayer],
        active: Option<u64>,
        lang: Lang,
        msgs: &mut Vec<String>,
    ) {
        let ctx = ui.ctx().clone();
        ui.horizontal(|ui| {
            if ui.button(lang.tr("导入表格…", "Import table…")).clicked() {
                // The wizard opens first; its 浏览… button picks the file.
                self.wizard = Some(ImportWizard::new(""));
            }
            if ui
                .button(lang.tr("添加数据服务…", "Add data service…"))
                .clicked()
            {
                self.service_form = Some(ServiceForm {
                    name: String::new(),
                    department: String::new(),
                    spec: ServiceSpec::new("https://"),
                });
            }
            if ui
                .button(lang.tr("连接到图层…", "Join to layer…"))
                .clicked()
            {
                self.open_join(active.or(layers.last().map(|l| l.id)));
            }
        });
        ui.label(
            egui::RichText::new(format!(
                "{}: {}",
                lang.tr("缓存", "Cache"),
                self.cache_path.display()
            ))
            .small()
            .weak(),
        );
        ui.separator();
        if self.datasets.is_empty() && self.services.is_empty() {
            ui.label(lang.tr(
                "缓存中还没有部门数据。导入 CSV/Excel 表格或添加数据服务。",
                "No department data in the cache yet. Import a CSV/Excel table or add a data service.",
            ));
        }
        let mut action: Option<(&str, String, i64)> = None;
        egui::ScrollArea::vertical()
            .max_height(320.0)
            .show(ui, |ui| {
                egui::Grid::new("datasets")
                    .striped(true)
                    .num_columns(7)
                    .show(ui, |ui| {
                        for h in [
                            lang.tr("数据集", "Dataset"),
                            lang.tr("部门", "Department"),
                            lang.tr("版本", "Version"),
                            lang.tr("行数", "Rows"),
                            lang.tr("更新时间", "Updated"),
                            lang.tr("来源", "Source"),
                            "",
                        ] {
                            ui.strong(h);
                        }
                        ui.end_row();
                        let mut names: Vec<String> =
                            self.datasets.iter().map(|d| d.dataset.clone()).collect();
                        for s in &self.services {
                            if !names.contains(&s.dataset) {
                                names.push(s.dataset.clone());
                            }
                        }
                        for name in names {
                            let v = self.datasets.iter().find(|d| d.dataset == name);
                            let svc = self.services.iter().find(|s| s.dataset == name);
                            ui.label(&name);
                            ui.label(v.map(|v| v.department.as_str()).unwrap_or("—"));
                            ui.label(v.map(|v| format!("v{}", v.version)).unwrap_or("—".into()));
                            ui.label(v.map(|v| v.row_count.to_string()).unwrap_or("—".into()));
                            match v {
                                Some(v) => {
                                    let (zh, en) = age_text(&v.imported_at);
                                    ui.label(lang.tr(&zh, &en)).on_hover_text(&v.imported_at);
                                }
                                None => {
                                    ui.label("—");
                                }
                            }
                            let source = v
                                .map(|v| format!("{} ({})", v.source, v.encoding))
                                .unwrap_or_else(|| {
                                    svc.map(|s| s.spec.url.clone()).unwrap_or_default()
                                });
                            let short: String = source
                                .chars()
                                .rev()
                                .take(40)
                                .collect::<Vec<_>>()
                                .into_iter()
                                .rev()
                                .collect();
                            let r = ui.label(if short.len() < source.len() {
                                format!("…{short}")
                            } else {
                                short
                            });
                            let mut hover = source.clone();
                            if let Some(s) = svc {
                                if let Some(e) = &s.last_error {
                                    hover.push_str(&format!(
                                        "\n{}: {e}",
                                        lang.tr("上次刷新失败", "Last refresh failed")
                                    ));
                                }
                                if let Some(t) = &s.checked_at {
                                    hover.push_str(&format!(
                                        "\n{}: {t}",
                                        lang.tr("上次检查", "Last checked")
                                    ));
                                }
                            }
                            r.on_hover_text(hover);
                            ui.horizontal(|ui| {
                                if svc.is_some() {
                                    let failed = svc.and_then(|s| s.last_error.as_ref()).is_some();
                                    let b = ui.small_button(lang.tr("刷新", "Refresh"));
                                    if failed {
                                        ui.colored_label(egui::Color32::from_rgb(190, 60, 0), "！")
                                            .on_hover_text(
                                                svc.and_then(|s| s.last_error.clone())
                                                    .unwrap_or_default(),
                                            );
                                    }
                                    if b.clicked() {
                                        action = Some(("fetch", name.clone(), 0));
                                    }
                                }
                                if v.is_some()
                                    && ui.small_button(lang.tr("版本", "Versions")).clicked()
                                {
                                    action = Some(("history", name.clone(), 0));
                                }
                                if ui.small_button(lang.tr("删除", "Remove")).clicked() {
                                    action = Some(("ask-remove", name.clone(), 0));
                                }
                            });
                            ui.end_row();
                        }
                    });
            });
        if let Some((name, versions)) = &self.history {
            ui.separator();
            ui.horizontal(|ui| {
                ui.strong(format!("{name} — {}", lang.tr("版本历史", "versions")));
                if ui.small_button(lang.tr("关闭", "Close")).clicked() {
                    action = Some(("close-history", String::new(), 0));
                }
            });
            egui::Grid::new("versions").striped(true).show(ui, |ui| {
                for v in versions {
                    ui.label(format!(
                        "{}v{}",
                        if v.active { "● " } else { "  " },
                        v.version
                    ));
                    ui.label(&v.imported_at);
                    ui.label(format!("{} {}", v.row_count, lang.tr("行", "rows")));
                    ui.label(&v.content_hash[..8.min(v.content_hash.len())]);
                    if !v.active
                        && ui
                            .small_button(lang.tr("设为当前", "Use this version"))
                            .clicked()
                    {
                        action = Some(("rollback", name.clone(), v.version));
                    }
                    ui.end_row();
                }
            });
        }
        if let Some(name) = self.confirm_remove.clone() {
            ui.separator();
            ui.horizontal(|ui| {
                ui.label(format!(
                    "{} {name}？",
                    lang.tr(
                        "删除数据集及其全部版本",
                        "Remove the dataset and all its versions:"
                    )
                ));
                if ui.button(lang.tr("确认删除", "Remove")).clicked() {
                    action = Some(("remove", name.clone(), 0));
                }
                if ui.button(lang.tr("取消", "Cancel")).clicked() {
                    self.confirm_remove = None;
                }
            });
        }
        super::job_rows(ui, &self.jobs, lang);
        if let Some((what, name, version)) = action {
            let db = self.cache_path.clone();
            match what {
                "fetch" => self.start_fetch(&name, &ctx),
                "history" => match Cache::open(&db).and_then(|c| c.history(&name)) {
                    Ok(h) => self.history = Some((name, h)),
                    Err(e) => msgs.push(e.to_string()),
                },
                "close-history" => self.history = None,
                "ask-remove" => self.confirm_remove = Some(name),
                "remove" => {
                    self.confirm_remove = None;
                    if let Err(e) = Cache::open(&db).and_then(|mut c| c.remove(&name)) {
                        msgs.push(e.to_string());
                    }
                    self.history = None;
                }
                "rollback" => {
                    match Cache::open(&db).and_then(|mut c| {
                        c.rollback(&name, version)?;
                        c.history(&name)
                    }) {
                        Ok(h) => {
                            self.history = Some((name.clone(), h));
                            msgs.push(format!(
                                "{name}: v{version} {}",
                                lang.tr("已设为当前版本", "is now active")
                            ));
                            // Joins follow the active version.
                            self.rejoin(layers, &name);
                        }
                        Err(e) => msgs.push(e.to_string()),
                    }
                }
                _ => {}
            }
            if let Some(e) = self.reload() {
                msgs.push(e);
            }
        }
    }

    fn wizard_window(&mut self, ctx: &Context, lang: Lang) {
        let Some(w) = &mut self.wizard else { return };
        let mut open = true;
        let mut import = false;
        egui::Window::new(lang.tr("导入表格", "Import table"))
            .open(&mut open)
            .default_width(720.0)
            .show(ctx, |ui| {
                egui::Grid::new("wizard-form")
                    .num_columns(2)
                    .show(ui, |ui| {
                        ui.label(lang.tr("文件", "File"));
                        ui.horizontal(|ui| {
                            ui.add(egui::TextEdit::singleline(&mut w.path).desired_width(420.0));
                            if ui.button(lang.tr("浏览…", "Browse…")).clicked() {
                                if let Some(p) = rfd::FileDialog::new()
                                    .add_filter(
                                        "CSV / Excel",
                                        &["csv", "tsv", "txt", "xlsx", "xls"],
                                    )
                                    .pick_file()
                                {
                                    // (the preview names the dataset after the file)
                                    w.path = p.display().to_string();
                                }
                            }
                        });
                        ui.end_row();
                        if name_and_department(ui, lang, &mut w.name, &mut w.department) {
                            w.name_from_file = false;
                        }
                        ui.label(lang.tr("编码", "Encoding"));
                        ui.horizontal(|ui| {
                            for (label, v) in [
                                (lang.tr("自动", "Auto"), ""),
                                ("UTF-8", "UTF-8"),
                                ("GBK", "GBK"),
                                ("GB18030", "GB18030"),
                            ] {
                                ui.radio_value(&mut w.encoding, v.to_string(), label);
                            }
                        });
                        ui.end_row();
                        ui.label(lang.tr("表头", "Header row"));
                        ui.horizontal(|ui| {
                            let mut mode = match w.header_row {
                                None => 0,
                                Some(0) => 1,
                                Some(_) => 2,
                            };
                            ui.radio_value(&mut mode, 0, lang.tr("自动检测", "Detect"));
                            ui.radio_value(&mut mode, 1, lang.tr("无表头", "None"));
                            ui.radio_value(&mut mode, 2, lang.tr("第几行", "Row"));
                            let mut k = w.header_row.filter(|k| *k > 0).unwrap_or_else(|| {
                                w.preview
                                    .as_ref()
                                    .and_then(|p| p.as_ref().ok())
                                    .and_then(|p| p.header_row)
                                    .map(|h| h + 1)
                                    .unwrap_or(1)
                            });
                            if mode == 2 {
                                ui.add(egui::DragValue::new(&mut k).range(1..=50));
                            }
                            w.header_row = match mode {
                                0 => None,
                                1 => Some(0),
                                _ => Some(k),
                            };
                        });
                        ui.end_row();
                    });
                w.refresh_preview();
                ui.separator();
                match &w.preview {
                    None => {
                        ui.label(lang.tr(
                            "选择一个 CSV 或 Excel 文件。",
                            "Choose a CSV or Excel file.",
                        ));
                    }
                    Some(Err(e)) => {
                        ui.colored_label(egui::Color32::from_rgb(190, 40, 0), e);
                    }
                    Some(Ok(p)) => {
                        let header = match p.header_row {
                            Some(h) => {
                                format!("{} {}", lang.tr("表头在第", "header on row"), h + 1)
                            }
                            None => lang.tr("无表头", "no header row").to_string(),
                        };
                        ui.label(format!(
                            "{}: {}{}  ·  {}  ·  {} {}",
                            lang.tr("检测到编码", "Detected encoding"),
                            p.encoding,
                            p.delimiter
                                .map(|d| format!("  ·  {} {:?}", lang.tr("分隔符", "delimiter"), d))
                                .unwrap_or_default(),
                            header,
                            p.columns.len(),
                            lang.tr("列", "columns")
                        ));
                        if !p.summary_rows.is_empty() || w.keep_summary_rows {
                            let rows: Vec<String> = p
                                .summary_rows
                                .iter()
                                .take(5)
                                .map(|(r, l)| format!("{r}「{l}」"))
                                .collect();
                            ui.horizontal(|ui| {
                                if !rows.is_empty() {
                                    ui.colored_label(
                                        egui::Color32::from_rgb(160, 90, 0),
                                        format!(
                                            "{} {}",
                                            lang.tr(
                                                "汇总行不导入：第",
                                                "Summary rows left out: row"
                                            ),
                                            rows.join("、")
                                        ),
                                    );
                                }
                                ui.checkbox(
                                    &mut w.keep_summary_rows,
                                    lang.tr("保留汇总行", "Keep summary rows"),
                                );
                            });
                        }
                        if p.sheets.len() > 1 {
                            ui.horizontal(|ui| {
                                ui.label(lang.tr("工作表", "Sheet"));
                                for s in &p.sheets {
                                    let sel = p.sheet.as_deref() == Some(s.as_str());
                                    if ui.selectable_label(sel, s).clicked() {
                                        w.sheet = s.clone();
                                    }
                                }
                            });
                        }
                        let mut new_types: Option<(String, FieldType)> = None;
                        egui::ScrollArea::both().max_height(300.0).show(ui, |ui| {
                            egui::Grid::new("wizard-preview")
                                .striped(true)
                                .show(ui, |ui| {
                                    ui.label("");
                                    for c in &p.columns {
                                        ui.vertical(|ui| {
                                            ui.strong(&c.name);
                                            let t = c.ftype;
                                            let label = |t: FieldType| match t {
                                                FieldType::Text => lang.tr("文本", "text"),
                                                FieldType::Integer => lang.tr("整数", "integer"),
                                                FieldType::Real => lang.tr("小数", "real"),
                                            };
                                            egui::ComboBox::from_id_salt(("type", &c.name))
                                                .selected_text(format!(
                                                    "{}{}",
                                                    label(t),
                                                    if c.code_like {
                                                        lang.tr("（代码）", " (code)")
                                                    } else {
                                                        ""
                                                    }
                                                ))
                                                .width(118.0)
                                                .show_ui(ui, |ui| {
                                                    for o in [
                                                        FieldType::Text,
                                                        FieldType::Integer,
                                                        FieldType::Real,
                                                    ] {
                                                        if ui
                                                            .selectable_label(o == t, label(o))
                                                            .clicked()
                                                            && o != t
                                                        {
                                                            new_types = Some((c.name.clone(), o));
                                                        }
                                                    }
                                                });
                                        });
                                    }
                                    ui.end_row();
                                    let first = p.header_row.map(|h| h + 1).unwrap_or(0);
                                    for (i, r) in p.raw_rows.iter().enumerate().take(first + 8) {
                                        let tag = if Some(i) == p.header_row {
                                            lang.tr("表头", "header").to_string()
                                        } else if i < first {
                                            lang.tr("跳过", "skipped").to_string()
                                        } else {
                                            format!("{}", i + 1)
                                        };
                                        ui.label(egui::RichText::new(tag).small().weak());
                                        for c in 0..p.columns.len() {
                                            let v = r.get(c).map(|s| s.as_str()).unwrap_or("");
                                            let t = egui::RichText::new(v);
                                            ui.label(if i < first {
                                                t.weak()
                                            } else if Some(i) == p.header_row {
                                                t.strong()
                                            } else {
                                                t
                                            });
                                        }
                                        ui.end_row();
                                    }
                                });
                        });
                        if let Some((n, t)) = new_types {
                            w.types.retain(|(m, _)| *m != n);
                            w.types.push((n, t));
                        }
                    }
                }
                ui.separator();
                let ready = matches!(w.preview, Some(Ok(_))) && !w.name.trim().is_empty();
                ui.horizontal(|ui| {
                    if ui
                        .add_enabled(ready, egui::Button::new(lang.tr("导入", "Import")))
                        .clicked()
                    {
                        import = true;
                    }
                    if !ready {
                        ui.label(
                            egui::RichText::new(lang.tr(
                                "需要文件和数据集名称",
                                "a file and a dataset name are needed",
                            ))
                            .weak(),
                        );
                    }
                });
            });
        if !open {
            self.wizard = None;
        }
        if import {
            self.start_import(ctx);
        }
    }

    fn join_window(&mut self, ctx: &Context, layers: &mut [MapLayer], lang: Lang) {
        let Some(d) = &mut self.join else { return };
        let mut open = true;
        let mut run: Option<bool> = None;
        let mut remove: Option<usize> = None;
        let code_columns: Vec<(String, String)> = self
            .datasets
            .iter()
            .filter_map(|v| {
                let c = v.columns.iter().find(|c| c.code_like)?;
                Some((v.dataset.clone(), c.name.clone()))
            })
            .collect();
        let tables: Vec<(String, Vec<String>)> = self
            .datasets
            .iter()
            .map(|v| {
                (
                    v.dataset.clone(),
                    v.columns.iter().map(|c| c.name.clone()).collect(),
                )
            })
            .collect();
        egui::Window::new(lang.tr("连接部门数据", "Join department data"))
            .open(&mut open)
            .default_width(560.0)
            .show(ctx, |ui| {
                egui::Grid::new("join-form").num_columns(2).show(ui, |ui| {
                    ui.label(lang.tr("图层", "Layer"));
                    let current = layers
                        .iter()
                        .find(|l| Some(l.id) == d.layer_id)
                        .map(|l| l.name.clone())
                        .unwrap_or_default();
                    egui::ComboBox::from_id_salt("join-layer")
                        .selected_text(current)
                        .show_ui(ui, |ui| {
                            for l in layers.iter() {
                                ui.selectable_value(&mut d.layer_id, Some(l.id), &l.name);
                            }
                        });
                    ui.end_row();
                    ui.label(lang.tr("图层字段", "Layer field"));
                    let fields: Vec<String> = layers
                        .iter()
                        .find(|l| Some(l.id) == d.layer_id)
                        .map(|l| l.data.attrs.fields.iter().map(|f| f.name.clone()).collect())
                        .unwrap_or_default();
                    if !fields.contains(&d.spec.layer_field) {
                        // The village code of 三调 layers when there is one.
                        d.spec.layer_field = ["ZLDWDM", "XZQDM", "ZLDWMC", "XZQMC"]
                            .iter()
                            .find(|f| fields.iter().any(|x| x == *f))
                            .map(|f| f.to_string())
                            .or_else(|| fields.first().cloned())
                            .unwrap_or_default();
                    }
                    choose(ui, "join-field", &mut d.spec.layer_field, &fields);
                    ui.end_row();
                    ui.label(lang.tr("数据集", "Dataset"));
                    let names: Vec<String> = tables.iter().map(|t| t.0.clone()).collect();
                    choose(ui, "join-dataset", &mut d.spec.dataset, &names);
                    ui.end_row();
                    ui.label(lang.tr("数据集列", "Dataset column"));
                    let cols = tables
                        .iter()
                        .find(|t| t.0 == d.spec.dataset)
                        .map(|t| t.1.clone())
                        .unwrap_or_default();
                    if !cols.contains(&d.spec.column) {
                        // The dataset's first code column, else its first column.
                        d.spec.column = code_columns
                            .iter()
                            .find(|(t, _)| *t == d.spec.dataset)
                            .map(|(_, c)| c.clone())
                            .or_else(|| cols.first().cloned())
                            .unwrap_or_default();
                    }
                    choose(ui, "join-column", &mut d.spec.column, &cols);
                    ui.end_row();
                    ui.label(lang.tr("匹配方式", "Key matching"));
                    ui.horizontal(|ui| {
                        ui.radio_value(&mut d.spec.key, KeyMatch::Auto, lang.tr("自动", "Auto"));
                        ui.radio_value(&mut d.spec.key, KeyMatch::Code, lang.tr("代码", "Code"));
                        ui.radio_value(&mut d.spec.key, KeyMatch::Name, lang.tr("村名", "Name"));
                        ui.radio_value(&mut d.spec.key, KeyMatch::Exact, lang.tr("原值", "Exact"));
                    });
                    ui.end_row();
                    ui.label(lang.tr("一对多汇总", "One-to-many"));
                    egui::ComboBox::from_id_salt("join-agg")
                        .selected_text(
                            lang.tr(d.spec.aggregate.label().0, d.spec.aggregate.label().1),
                        )
                        .show_ui(ui, |ui| {
                            for a in Aggregate::ALL {
                                ui.selectable_value(
                                    &mut d.spec.aggregate,
                                    a,
                                    lang.tr(a.label().0, a.label().1),
                                );
                            }
                        });
                    ui.end_row();
                });
                let ready = d.layer_id.is_some()
                    && !d.spec.layer_field.is_empty()
                    && !d.spec.dataset.is_empty()
                    && !d.spec.column.is_empty();
                ui.horizontal(|ui| {
                    if ui
                        .add_enabled(
                            ready,
                            egui::Button::new(lang.tr("预览匹配", "Preview matches")),
                        )
                        .clicked()
                    {
                        run = Some(false);
                    }
                    if ui
                        .add_enabled(ready, egui::Button::new(lang.tr("连接", "Join")))
                        .clicked()
                    {
                        run = Some(true);
                    }
                });
                match &d.report {
                    Some(Ok(r)) => {
                        ui.separator();
                        egui::ScrollArea::vertical()
                            .max_height(220.0)
                            .show(ui, |ui| {
                                ui.label(r.text(false));
                            });
                    }
                    Some(Err(e)) => {
                        ui.colored_label(egui::Color32::from_rgb(190, 40, 0), e);
                    }
                    None => {}
                }
                if let Some(l) = layers.iter().find(|l| Some(l.id) == d.layer_id) {
                    if !l.joins.is_empty() {
                        ui.separator();
                        ui.strong(lang.tr("已有连接", "Joins on this layer"));
                        for (i, (s, r)) in l.joins.iter().enumerate() {
                            ui.horizontal(|ui| {
                                ui.label(format!(
                                    "{}.{} ↔ {}.{}  {} {}/{}",
                                    l.name,
                                    s.layer_field,
                                    s.dataset,
                                    s.column,
                                    lang.tr("匹配", "matched"),
                                    r.matched_features,
                                    r.features
                                ));
                                if ui.small_button(lang.tr("移除", "Remove")).clicked() {
                                    remove = Some(i);
                                }
                            });
                        }
                    }
                }
            });
        let layer_id = d.layer_id;
        let spec = d.spec.clone();
        if !open {
            self.join = None;
        }
        let Some(id) = layer_id else { return };
        let Some(l) = layers.iter_mut().find(|l| l.id == id) else {
            return;
        };
        if let Some(i) = remove {
            let mut specs: Vec<JoinSpec> = l.joins.iter().map(|(s, _)| s.clone()).collect();
            specs.remove(i);
            if specs.is_empty() {
                l.set_joins(vec![]);
            } else {
                let l = &*l;
                self.start_join(l, specs, true, ctx);
            }
        }
        if let Some(apply) = run {
            if let Some(d) = &mut self.join {
                d.report = None;
            }
            let mut specs: Vec<JoinSpec> = if apply {
                l.joins
                    .iter()
                    .map(|(s, _)| s.clone())
                    .filter(|s| s.dataset != spec.dataset || s.layer_field != spec.layer_field)
                    .collect()
            } else {
                vec![]
            };
            specs.push(spec);
            let l = &*l;
            self.start_join(l, specs, apply, ctx);
        }
    }

    fn service_window(&mut self, ctx: &Context, lang: Lang, msgs: &mut Vec<String>) {
        let Some(f) = &mut self.service_form else {
            return;
        };
        let mut open = true;
        let mut save = false;
        egui::Window::new(lang.tr("数据服务", "Data service"))
            .open(&mut open)
            .show(ctx, |ui| {
                egui::Grid::new("service-form")
                    .num_columns(2)
                    .show(ui, |ui| {
                        name_and_department(ui, lang, &mut f.name, &mut f.department);
                        ui.label(lang.tr("地址", "URL"));
                        ui.add(egui::TextEdit::singleline(&mut f.spec.url).desired_width(380.0));
                        ui.end_row();
                        ui.label(lang.tr("格式", "Format"));
                        ui.horizontal(|ui| {
                            ui.radio_value(
                                &mut f.spec.format,
                                ServiceFormat::Auto,
                                lang.tr("自动", "Auto"),
                            );
                            ui.radio_value(&mut f.spec.format, ServiceFormat::Json, "JSON");
                            ui.radio_value(&mut f.spec.format, ServiceFormat::Csv, "CSV");
                        });
                        ui.end_row();
                        ui.label(lang.tr("令牌请求头", "Token header"));
                        let mut h = f.spec.token_header.clone().unwrap_or_default();
                        ui.add(
                            egui::TextEdit::singleline(&mut h).hint_text("X-Token / Authorization"),
                        );
                        f.spec.token_header = (!h.trim().is_empty()).then_some(h);
                        ui.end_row();
                        ui.label(lang.tr("令牌", "Token"));
                        let mut t = f.spec.token.clone().unwrap_or_default();
                        ui.add(egui::TextEdit::singleline(&mut t).password(true));
                        f.spec.token = (!t.is_empty()).then_some(t);
                        ui.end_row();
                        ui.label(lang.tr("超时（秒）", "Timeout (s)"));
                        ui.add(egui::DragValue::new(&mut f.spec.timeout_secs).range(1..=600));
                        ui.end_row();
                        ui.label(lang.tr("重试次数", "Retries"));
                        ui.add(egui::DragValue::new(&mut f.spec.retries).range(0..=10));
                        ui.end_row();
                    });
                let ready = !f.name.trim().is_empty() && f.spec.url.starts_with("http");
                if ui
                    .add_enabled(
                        ready,
                        egui::Button::new(lang.tr("保存并获取", "Save and fetch")),
                    )
                    .clicked()
                {
                    save = true;
                }
            });
        if save {
            let (name, dept, spec) = (
                f.name.trim().to_string(),
                f.department.trim().to_string(),
                f.spec.clone(),
            );
            match Cache::open(&self.cache_path).and_then(|mut c| c.set_service(&name, &dept, &spec))
            {
                Ok(()) => {
                    self.service_form = None;
                    self.start_fetch(&name, ctx);
                    let _ = self.reload();
                }
                Err(e) => msgs.push(e.to_string()),
            }
        } else if !open {
            self.service_form = None;
        }
    }
}

/// A drop-down choosing one of `options` into `value`.
fn choose(ui: &mut Ui, id: &str, value: &mut String, options: &[String]) {
    egui::ComboBox::from_id_salt(id)
        .selected_text(value.clone())
        .show_ui(ui, |ui| {
            for o in options {
                ui.selectable_value(value, o.clone(), o);
            }
        });
}

/// The dataset name and department rows of a form grid; whether the user changed the name.
fn name_and_department(
    ui: &mut Ui,
    lang: Lang,
    name: &mut String,
    department: &mut String,
) -> bool {
    ui.label(lang.tr("数据集名称", "Dataset name"));
    let changed = ui.text_edit_singleline(name).changed();
    ui.end_row();
    ui.label(lang.tr("部门", "Department"));
    ui.text_edit_singleline(department);
    ui.end_row();
    changed
}

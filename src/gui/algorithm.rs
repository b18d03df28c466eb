//! The dialog of an algorithm, built from its parameters ([`crate::core::algorithms`]): a file field with a
//! browse button for files, a list of the input's layers for a layer role, a text field for a code, a list for a
//! choice, a tick box for a flag, a save field for an output; advanced parameters folded away. Runs in the
//! background with progress and cancel and shows the outcome (summary, notes, files, or the text result).

use super::{Job, Lang};
use crate::core::algorithms::{Algorithm, AlgorithmError, Outcome, Param, ParamKind, Params};
use std::path::PathBuf;

/// The layers of the input file, listed in the background when the file changes.
struct LayerList {
    file: String,
    layers: Vec<String>,
    job: Option<Job<Vec<String>>>,
}

/// One open algorithm dialog.
pub struct AlgorithmDialog {
    /// The algorithm.
    pub algorithm: &'static dyn Algorithm,
    /// The values typed in, by parameter name.
    pub params: Params,
    /// Whether the window is open.
    pub open: bool,
    /// The last run's outcome or error.
    pub result: Option<Result<Outcome, AlgorithmError>>,
    job: Option<Job<Result<Outcome, AlgorithmError>>>,
    layers: LayerList,
    /// What the last run said (its notes), also when it failed.
    pub notes: Vec<String>,
    /// Towns and villages to pick codes from: `(code, label)`, 9-digit towns and 12-digit villages.
    pub places: Vec<(String, String)>,
}

/// The towns and villages of a village layer, to pick codes from instead of typing them: villages by their
/// 12-digit code (ZLDWDM or the first code field, its first 12 digits) and name (ZLDWMC), towns by XZQDM (or the
/// first 9 digits) and XZQMC. Sorted by code.
pub fn places_of(layer: &super::layers::MapLayer) -> Vec<(String, String)> {
    let a = &layer.attrs;
    let field = |names: &[&str]| names.iter().find_map(|n| a.field_index(n));
    let Some(code) = field(&["ZLDWDM", "CJDM", "村代码", "code"]) else {
        return vec![];
    };
    let name = field(&["ZLDWMC", "CJMC", "村名称", "村名", "name"]);
    let town_code = field(&["XZQDM", "XZDM", "乡镇代码"]);
    let town_name = field(&["XZQMC", "XZMC", "乡镇名称", "乡镇"]);
    let text = |f: usize, c: Option<usize>| c.map(|c| a.get(f, c).to_string()).unwrap_or_default();
    let mut villages = std::collections::BTreeMap::new();
    let mut towns = std::collections::BTreeMap::new();
    for f in 0..a.len() {
        let v: String = text(f, Some(code)).chars().take(12).collect();
        if v.len() != 12 || !v.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let t = Some(text(f, town_code))
            .filter(|t| t.len() == 9)
            .unwrap_or_else(|| v[..9].to_string());
        let tn = text(f, town_name);
        villages.insert(v, format!("{} · {tn}", text(f, name)));
        towns.entry(t).or_insert(tn);
    }
    towns.into_iter().chain(villages).collect()
}

impl AlgorithmDialog {
    /// A dialog for `algorithm`, its input prefilled with `input` (the project or the first layer's file).
    pub fn new(algorithm: &'static dyn Algorithm, input: Option<PathBuf>) -> AlgorithmDialog {
        let mut params = Params::new();
        for p in algorithm.parameters() {
            if let (ParamKind::InputFile { .. }, true, Some(i)) = (&p.kind, p.positional, &input) {
                params.set(p.name, i.display().to_string());
            }
        }
        AlgorithmDialog {
            algorithm,
            params,
            open: true,
            result: None,
            job: None,
            layers: LayerList {
                file: String::new(),
                layers: vec![],
                job: None,
            },
            places: vec![],
            notes: vec![],
        }
    }

    /// Whether a run is going on.
    pub fn busy(&self) -> bool {
        self.job.is_some()
    }

    /// Starts a run in the background with the values typed in (checked first: a wrong value is
    /// shown and nothing runs).
    pub fn run(&mut self, ctx: &egui::Context, lang: Lang) {
        match self.algorithm.check(&self.params) {
            Err(e) => self.result = Some(Err(e)),
            Ok(params) => {
                let a = self.algorithm;
                self.result = None;
                let label = lang.tr(a.name().0, a.name().1).to_string();
                self.job = Some(Job::spawn(label, ctx, move |p| a.run(&params, p)));
            }
        }
    }

    /// Collects a finished run and the layer list.
    pub fn poll(&mut self) {
        if let Some(j) = &self.job {
            match j.try_result() {
                Ok(r) => {
                    self.notes = j.progress.notes();
                    self.result = Some(r);
                    self.job = None;
                }
                Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                    self.result = Some(Err(AlgorithmError::Failed(
                        "计算意外中止 / the run stopped unexpectedly".into(),
                    )));
                    self.job = None;
                }
                Err(std::sync::mpsc::TryRecvError::Empty) => {}
            }
        }
        if let Some(j) = &self.layers.job {
            if let Ok(names) = j.try_result() {
                self.layers.layers = names;
                self.layers.job = None;
            }
        }
    }

    /// Lists the layers of the input file in the background when it changed.
    fn refresh_layers(&mut self, ctx: &egui::Context) {
        let file = self
            .algorithm
            .parameters()
            .iter()
            .find(|p| p.positional)
            .and_then(|p| self.params.string(p.name))
            .unwrap_or_default();
        if file == self.layers.file {
            return;
        }
        self.layers.file = file.clone();
        self.layers.layers.clear();
        if file.is_empty() {
            return;
        }
        self.layers.job = Some(Job::spawn(String::new(), ctx, move |_| {
            let path = std::path::Path::new(&file);
            let data = if path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("yitu"))
            {
                // A project: the layers of its files.
                crate::core::io::project::Project::load(path)
                    .map(|p| p.layers.into_iter().map(|l| l.layer).collect())
                    .unwrap_or_default()
            } else {
                crate::core::io::read::inspect(path)
                    .map(|i| i.layers.into_iter().map(|l| l.name).collect())
                    .unwrap_or_default()
            };
            data
        }));
    }

    /// Draws the window; returns false once it is closed.
    pub fn window(&mut self, ctx: &egui::Context, lang: Lang) -> bool {
        self.poll();
        self.refresh_layers(ctx);
        let a = self.algorithm;
        let mut open = self.open;
        let mut run = false;
        egui::Window::new(lang.tr(a.name().0, a.name().1))
            .id(egui::Id::unique(("algorithm", a.id())))
            .open(&mut open)
            .resizable(true)
            .default_pos(egui::pos2(340.0, 90.0))
            .default_width(520.0)
            .show(ctx, |ui| {
                ui.label(lang.tr(a.description().0, a.description().1));
                ui.separator();
                let params = a.parameters();
                egui::Grid::new(("algorithm-params", a.id()))
                    .num_columns(2)
                    .spacing([12.0, 6.0])
                    .show(ui, |ui| {
                        for p in params.iter().filter(|p| !p.advanced) {
                            self.param_row(ui, p, lang);
                        }
                    });
                egui::CollapsingHeader::new(lang.tr("高级", "Advanced"))
                    .id_salt(("algorithm-advanced", a.id()))
                    .show(ui, |ui| {
                        egui::Grid::new(("algorithm-advanced-params", a.id()))
                            .num_columns(2)
                            .spacing([12.0, 6.0])
                            .show(ui, |ui| {
                                for p in params.iter().filter(|p| p.advanced) {
                                    self.param_row(ui, p, lang);
                                }
                            });
                    });
                ui.separator();
                ui.horizontal(|ui| {
                    if ui
                        .add_enabled(
                            self.job.is_none(),
                            egui::Button::new(lang.tr("运行", "Run")),
                        )
                        .clicked()
                    {
                        run = true;
                    }
                    if let Some(j) = &self.job {
                        super::job_rows(ui, std::slice::from_ref(j), lang);
                    }
                });
                // While it runs: what it has said so far; afterwards: everything it said.
                let notes = match &self.job {
                    Some(j) => j.progress.notes(),
                    None => self.notes.clone(),
                };
                for n in &notes {
                    ui.label(egui::RichText::new(n).small());
                }
                match &self.result {
                    Some(Ok(o)) => {
                        if !o.summary.is_empty() {
                            ui.label(egui::RichText::new(o.summary.trim_end()).strong());
                        }
                        if let Some(t) = &o.text {
                            egui::ScrollArea::vertical()
                                .max_height(220.0)
                                .show(ui, |ui| {
                                    let shown: String = t.chars().take(20_000).collect();
                                    ui.monospace(shown);
                                });
                        }
                    }
                    Some(Err(e)) => {
                        ui.colored_label(egui::Color32::from_rgb(190, 40, 30), e.to_string());
                    }
                    None => {}
                }
            });
        self.open = open;
        if run {
            self.run(ctx, lang);
        }
        if !self.open {
            if let Some(j) = &self.job {
                j.progress.cancel();
            }
        }
        self.open
    }

    /// One row of the grid: label, then the widget of the parameter's kind.
    fn param_row(&mut self, ui: &mut egui::Ui, p: &Param, lang: Lang) {
        let label = if p.required {
            format!("{} *", lang.tr(p.label.0, p.label.1))
        } else {
            lang.tr(p.label.0, p.label.1).to_string()
        };
        ui.label(label).on_hover_text(lang.tr(p.help.0, p.help.1));
        let mut value = self.params.string(p.name).unwrap_or_default();
        let before = value.clone();
        let hint = p.default.unwrap_or("");
        match &p.kind {
            ParamKind::InputFile { extensions } | ParamKind::OutputFile { extensions } => {
                let output = matches!(p.kind, ParamKind::OutputFile { .. });
                ui.horizontal(|ui| {
                    ui.add(
                        egui::TextEdit::singleline(&mut value)
                            .desired_width(340.0)
                            .hint_text(hint),
                    )
                    .on_hover_text(lang.tr(p.help.0, p.help.1));
                    if ui.button("…").clicked() {
                        let d = rfd::FileDialog::new()
                            .add_filter(lang.tr(p.label.0, p.label.1), extensions);
                        let chosen = if output { d.save_file() } else { d.pick_file() };
                        if let Some(f) = chosen {
                            value = f.display().to_string();
                        }
                    }
                });
            }
            ParamKind::Layer { .. } => {
                let auto = lang.tr("（自动识别）", "(found automatically)").to_string();
                egui::ComboBox::from_id_salt(("algorithm-layer", p.name))
                    .selected_text(if value.is_empty() {
                        auto.clone()
                    } else {
                        value.clone()
                    })
                    .width(340.0)
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut value, String::new(), auto);
                        for l in &self.layers.layers {
                            ui.selectable_value(&mut value, l.clone(), l);
                        }
                    });
            }
            ParamKind::Code { digits } => {
                ui.horizontal(|ui| {
                    ui.add(
                        egui::TextEdit::singleline(&mut value)
                            .desired_width(160.0)
                            .hint_text(format!("{digits} {}", lang.tr("位代码", "digits"))),
                    );
                    // Villages of the chosen town only, when a town is chosen.
                    let town = self
                        .params
                        .text("town")
                        .filter(|t| t.len() == 9 && *digits == 12);
                    let choices: Vec<&(String, String)> = self
                        .places
                        .iter()
                        .filter(|(c, _)| c.len() == *digits)
                        .filter(|(c, _)| town.is_none_or(|t| c.starts_with(t)))
                        .collect();
                    if !choices.is_empty() {
                        let shown = choices
                            .iter()
                            .find(|(c, _)| *c == value)
                            .map(|(_, l)| l.clone())
                            .unwrap_or_else(|| lang.tr("选择…", "Choose…").to_string());
                        egui::ComboBox::from_id_salt(("algorithm-code", p.name))
                            .selected_text(shown)
                            .width(200.0)
                            .height(320.0)
                            .show_ui(ui, |ui| {
                                for (c, l) in choices {
                                    ui.selectable_value(&mut value, c.clone(), format!("{l}  {c}"));
                                }
                            });
                    }
                });
            }
            ParamKind::Choice { values } => {
                if value.is_empty() {
                    value = hint.to_string();
                }
                let shown = values
                    .iter()
                    .find(|(v, _, _)| *v == value)
                    .map(|(_, zh, en)| lang.tr(zh, en).to_string())
                    .unwrap_or_else(|| value.clone());
                egui::ComboBox::from_id_salt(("algorithm-choice", p.name))
                    .selected_text(shown)
                    .show_ui(ui, |ui| {
                        let mut seen = std::collections::BTreeSet::new();
                        for (v, zh, en) in values.iter() {
                            // Synonyms (亩 for mu) share a label: offer each label once.
                            if seen.insert((*zh, *en)) {
                                ui.selectable_value(&mut value, v.to_string(), lang.tr(zh, en));
                            }
                        }
                    });
            }
            ParamKind::Text => {
                ui.add(
                    egui::TextEdit::singleline(&mut value)
                        .desired_width(340.0)
                        .hint_text(hint),
                );
            }
            ParamKind::Flag => {
                let mut on = self.params.flag(p.name);
                if ui.checkbox(&mut on, "").changed() {
                    value = if on { "true".into() } else { String::new() };
                }
            }
        }
        if value != before {
            self.params.set(p.name, value);
        }
        ui.end_row();
    }
}

//! 分析 › 用地预审…: the land-use proposal window. A site is drawn on the map (snapping to the vertices and edges
//! of the visible layers; click a vertex to select it, click again to move it, Shift+click an edge to insert,
//! Delete to remove; Ctrl+Z / Ctrl+Y undo and redo; the area read out live in 亩 and m²), picked from the parcels
//! (their union), or imported (界址点 list, GeoPackage, Shapefile, GeoJSON, KML, DXF). The check runs in the
//! background on the project's layers (loaded once) and shows the verdict with its rules; the sheet, the tables,
//! the JSON, the site and its 界址点 are exported through the same function as the CLI's, and checked sites are
//! kept in the project's proposals layer (`<project>_选址.gpkg`, written atomically).

use super::layers::MapLayer;
use super::map_view::ScreenMap;
use super::{Job, Lang};
use crate::core::analysis::proposal::{Check, Context, Inputs, Site, SiteInfo, M2_PER_MU};
use crate::core::model::crs::{mercator_to_lonlat, Crs};
use crate::core::model::geom::{GeomKind, GeometryStore};
use crate::core::model::proposal::RuleTable;
use crate::core::model::sketch::{snap, Sketch, Snapped};
use egui::{Color32, Pos2, Stroke};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What a click on the map does while the window is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// Nothing: clicks identify as usual.
    Off,
    /// Draw or edit the site's polygon.
    Draw,
    /// Pick parcels (their union is the site).
    Pick,
}

/// Where the site comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Drawn on the map.
    Drawn,
    /// Picked parcels.
    Parcels,
    /// A file.
    Imported,
}

/// What the window asks the app to do.
pub enum ProposalRequest {
    /// Add this GeoPackage's layer (the proposals layer) to the map.
    AddLayer(PathBuf),
}

type Checked = Result<(Arc<Context>, Check), String>;

/// Rings of a polygon (Web Mercator).
type Rings = Vec<Vec<[f64; 2]>>;

/// The proposal window.
pub struct ProposalWindow {
    /// Whether it is open.
    pub open: bool,
    /// The map tool.
    pub tool: Tool,
    /// Where the site comes from.
    pub source: Source,
    /// The drawn polygon (Web Mercator).
    pub sketch: Sketch,
    /// Picked parcels: BSM and outline (Web Mercator).
    pub picked: Vec<(String, Rings)>,
    /// An imported site, its outline (Web Mercator) and its file.
    imported: Option<(Site, Rings, PathBuf)>,
    /// What the applicant says.
    pub info: SiteInfo,
    /// The rule table (the project's, else the national one).
    pub rules: RuleTable,
    /// The project's own rule table, kept and saved back unchanged.
    pub project_rules: Option<RuleTable>,
    /// EPSG typed for an imported coordinate list.
    pub crs_text: String,
    context: Option<(PathBuf, Arc<Context>)>,
    job: Option<Job<Checked>>,
    /// The last check (shared: the window reads it every frame without copying it).
    pub result: Option<Arc<Check>>,
    /// What the last action said.
    pub message: Option<String>,
    hover: Option<Snapped>,
    /// Sites checked and kept (the proposals layer).
    pub kept: Vec<Check>,
}

impl Default for ProposalWindow {
    fn default() -> Self {
        ProposalWindow {
            open: false,
            tool: Tool::Off,
            source: Source::Drawn,
            sketch: Sketch::default(),
            picked: vec![],
            imported: None,
            info: SiteInfo {
                project_type: "rural_house".into(),
                date: crate::core::algorithms::proposal::today(),
                ..Default::default()
            },
            rules: RuleTable::national(),
            project_rules: None,
            crs_text: String::new(),
            context: None,
            job: None,
            result: None,
            message: None,
            hover: None,
            kept: vec![],
        }
    }
}

/// Rings of feature `f` of a store.
fn rings_of(g: &GeometryStore, f: usize) -> Vec<Vec<[f64; 2]>> {
    g.rings(f).map(|r| r.to_vec()).collect()
}

/// Ellipsoidal area (m²) of a Web Mercator ring.
pub fn mercator_ring_area_m2(ring: &[[f64; 2]]) -> f64 {
    if ring.len() < 4 {
        return 0.0;
    }
    let mut s = GeometryStore::new();
    for p in ring {
        let ll = mercator_to_lonlat(p[0], p[1]);
        s.push_coord(ll[0], ll[1]);
    }
    s.end_ring();
    s.end_part();
    s.end_feature(GeomKind::Polygon);
    crate::core::analysis::profile::geodesic_area_m2(&s, 0)
}

/// The data a check reads: the project, else the file of the parcel layer, else of the first layer.
pub fn data_path(project: Option<&Path>, layers: &[MapLayer]) -> Option<PathBuf> {
    project.map(Path::to_path_buf).or_else(|| {
        layers
            .iter()
            .find(|l| crate::core::analysis::roles::Role::Parcels.names(&l.data.source.layer))
            .or(layers.first())
            .map(|l| l.data.source.path.clone())
    })
}

impl ProposalWindow {
    /// Whether map clicks belong to the window's tool.
    pub fn takes_clicks(&self) -> bool {
        self.open && self.tool != Tool::Off
    }

    /// A click on the map (Web Mercator, tolerance in metres) with the tool active.
    pub fn map_click(&mut self, m: [f64; 2], tol: f64, shift: bool, layers: &[MapLayer]) {
        match self.tool {
            Tool::Off => {}
            Tool::Draw => {
                self.source = Source::Drawn;
                let snap_tol = tol * 2.0;
                let p = snap_point(m, snap_tol, layers, &self.sketch)
                    .map(Snapped::point)
                    .unwrap_or(m);
                if let Some(i) = self.sketch.selected {
                    if self.sketch.vertex_near(m, snap_tol) == Some(i) {
                        self.sketch.selected = None;
                    } else {
                        self.sketch.move_vertex(i, p);
                        self.sketch.selected = None;
                    }
                } else if let Some(i) = self.sketch.vertex_near(m, snap_tol) {
                    self.sketch.selected = Some(i);
                } else if shift {
                    if let Some((i, q)) = self.sketch.edge_near(m, snap_tol) {
                        self.sketch.insert_after(i, q);
                    }
                } else {
                    self.sketch.add(p);
                }
                self.result = None;
            }
            Tool::Pick => {
                self.source = Source::Parcels;
                let Some(l) = layers.iter().find(|l| {
                    l.visible
                        && crate::core::analysis::roles::Role::Parcels.names(&l.data.source.layer)
                }) else {
                    self.message = Some(
                        "地图上没有可见的地类图斑图层 / no visible parcel layer on the map".into(),
                    );
                    return;
                };
                let Some(f) = l.data.pick(m[0], m[1], tol) else {
                    return;
                };
                let Some(c) = l.attrs.field_index("BSM") else {
                    self.message =
                        Some("图斑层没有 BSM 字段 / the parcel layer has no BSM field".into());
                    return;
                };
                let bsm = l.attrs.get(f as usize, c).to_string();
                match self.picked.iter().position(|p| p.0 == bsm) {
                    Some(i) => {
                        self.picked.remove(i);
                    }
                    None => self
                        .picked
                        .push((bsm, rings_of(&l.data.display, f as usize))),
                }
                self.result = None;
            }
        }
    }

    /// Reads a site from a file (界址点 list or vector file) with the CRS typed, when the file does not say it.
    pub fn import(&mut self, path: &Path) -> Result<(), String> {
        let declared = self
            .crs_text
            .trim()
            .trim_start_matches("EPSG:")
            .parse::<u32>()
            .ok();
        let fallback = self
            .context
            .as_ref()
            .and_then(|c| c.1.crs.epsg)
            .or(Some(4528));
        let (site, notes) = crate::core::analysis::proposal::read_site(path, declared, fallback)?;
        let mut merc = site.geom.clone();
        crate::core::model::crs::to_mercator(&site.crs, &mut merc.coords)?;
        let rings = rings_of(&merc, 0);
        self.imported = Some((site, rings, path.to_path_buf()));
        self.source = Source::Imported;
        self.result = None;
        self.message = Some(if notes.is_empty() {
            format!("已导入 / imported: {}", path.display())
        } else {
            notes.join("\n")
        });
        Ok(())
    }

    /// Starts the check in the background (loading the layers of `data` first, once).
    pub fn start_check(&mut self, ctx: &egui::Context, data: PathBuf) {
        let site = match self.source {
            Source::Drawn => match self.sketch.closed() {
                Some(r) => {
                    let mut g = GeometryStore::new();
                    for p in r {
                        g.push_coord(p[0], p[1]);
                    }
                    g.end_ring();
                    g.end_part();
                    g.end_feature(GeomKind::Polygon);
                    Some(Site {
                        geom: g,
                        crs: Crs::epsg(3857),
                    })
                }
                None => {
                    self.message = Some(
                        "请先在地图上画出至少 3 个点 / draw at least 3 points on the map first"
                            .into(),
                    );
                    return;
                }
            },
            Source::Parcels if self.picked.is_empty() => {
                self.message = Some("请先在地图上点选图斑 / pick parcels on the map first".into());
                return;
            }
            Source::Parcels => None,
            Source::Imported => match &self.imported {
                Some((s, _, _)) => Some(s.clone()),
                None => {
                    self.message = Some("请先导入选址文件 / import a site file first".into());
                    return;
                }
            },
        };
        let bsm: Vec<String> = self.picked.iter().map(|p| p.0.clone()).collect();
        let loaded = self
            .context
            .as_ref()
            .filter(|c| c.0 == data)
            .map(|c| c.1.clone());
        let (info, rules) = (self.info.clone(), self.rules.clone());
        self.message = None;
        self.job = Some(Job::spawn(
            "用地预审 / proposal check".into(),
            ctx,
            move |p| {
                let c = match loaded {
                    Some(c) => c,
                    None => Arc::new(
                        Context::load(
                            &Inputs {
                                path: data,
                                named: vec![],
                            },
                            p,
                        )
                        .map_err(|e| format!("{e:#}"))?,
                    ),
                };
                let site = match site {
                    Some(s) => s,
                    None => c.site_from_parcels(&bsm)?,
                };
                let check = c.check(&site, &info, &rules, 1.0)?;
                Ok((c, check))
            },
        ));
    }

    /// Whether a check is running.
    pub fn running(&self) -> bool {
        self.job.is_some()
    }

    fn poll(&mut self, data: &Path) {
        let Some(job) = &self.job else { return };
        match job.try_result() {
            Ok(Ok((ctx, check))) => {
                self.context = Some((data.to_path_buf(), ctx));
                self.result = Some(Arc::new(check));
                self.job = None;
            }
            Ok(Err(e)) => {
                self.message = Some(e);
                self.job = None;
            }
            Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                self.message = Some("核查中断 / the check stopped".into());
                self.job = None;
            }
            Err(std::sync::mpsc::TryRecvError::Empty) => {}
        }
    }

    /// Exports the last check to `path` (by extension: pdf, xlsx, json, txt, gpkg, shp).
    pub fn export(&self, path: &Path) -> Result<(), String> {
        let (Some(c), Some((_, ctx))) = (&self.result, &self.context) else {
            return Err("请先核查 / check first".into());
        };
        crate::core::algorithms::proposal::export(path, c, ctx, &[])
    }

    /// Adds the last check to the project's proposals layer (`<project>_选址.gpkg`: the sites kept before stay;
    /// written atomically); returns the file.
    pub fn keep(&mut self, project: Option<&Path>) -> Result<PathBuf, String> {
        let (Some(c), Some((data, ctx))) = (&self.result, &self.context) else {
            return Err("请先核查 / check first".into());
        };
        let base = project.unwrap_or(data);
        let stem = base
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_else(|| "项目".into());
        let out = base.with_file_name(format!("{stem}_选址.gpkg"));
        // The file keeps the sites kept before (this session or an earlier one); this one is added.
        crate::core::algorithms::proposal::write_sites_gpkg(&out, ctx, std::slice::from_ref(&**c))?;
        self.kept.push((**c).clone());
        Ok(out)
    }

    /// Draws the site being edited and the snapping hint over the map; handles the editing keys.
    pub fn paint(
        &mut self,
        ui: &egui::Ui,
        screen: Option<(ScreenMap, egui::Rect)>,
        hover: Option<([f64; 2], f64)>,
        layers: &[MapLayer],
    ) {
        if !self.open {
            return;
        }
        let Some((sm, rect)) = screen else { return };
        let painter = ui.painter().with_clip_rect(rect);
        let to = |p: &[f64; 2]| sm.to_screen(p[0], p[1]);
        let red = Color32::from_rgb(220, 20, 30);
        let outline = |rings: &[Vec<[f64; 2]>], colour: Color32| {
            for r in rings {
                let pts: Vec<Pos2> = r.iter().map(to).collect();
                painter.add(egui::Shape::line(pts, Stroke::new(2.5, colour)));
            }
        };
        match self.source {
            Source::Parcels => {
                for (_, rings) in &self.picked {
                    outline(rings, red);
                }
            }
            Source::Imported => {
                if let Some((_, rings, _)) = &self.imported {
                    outline(rings, red);
                }
            }
            Source::Drawn => {
                let pts: Vec<Pos2> = self.sketch.points().iter().map(to).collect();
                if pts.len() >= 2 {
                    painter.add(egui::Shape::line(pts.clone(), Stroke::new(2.5, red)));
                }
                if pts.len() >= 3 {
                    painter.add(egui::Shape::dashed_line(
                        &[*pts.last().expect("3"), pts[0]],
                        Stroke::new(1.5, red),
                        6.0,
                        4.0,
                    ));
                }
                for (i, p) in pts.iter().enumerate() {
                    let sel = self.sketch.selected == Some(i);
                    painter.rect_filled(
                        egui::Rect::from_center_size(*p, egui::vec2(7.0, 7.0)),
                        0.0,
                        if sel { Color32::YELLOW } else { Color32::WHITE },
                    );
                    painter.rect_stroke(
                        egui::Rect::from_center_size(*p, egui::vec2(7.0, 7.0)),
                        0.0,
                        Stroke::new(1.2, red),
                        egui::StrokeKind::Middle,
                    );
                }
            }
        }
        // Snapping hint and the rubber band.
        self.hover = None;
        if self.tool == Tool::Draw {
            if let Some((m, tol)) = hover {
                self.hover = snap_point(m, tol * 2.0, layers, &self.sketch);
                let at = self.hover.map(Snapped::point).unwrap_or(m);
                if self.sketch.selected.is_none() {
                    if let Some(last) = self.sketch.points().last() {
                        painter.line_segment(
                            [to(last), to(&at)],
                            Stroke::new(1.0, red.gamma_multiply(0.6)),
                        );
                    }
                }
                match self.hover {
                    Some(Snapped::Vertex(p)) => {
                        painter.circle_stroke(
                            to(&p),
                            6.0,
                            Stroke::new(2.0, Color32::from_rgb(255, 120, 0)),
                        );
                    }
                    Some(Snapped::Edge(p)) => {
                        let c = to(&p);
                        painter.add(egui::Shape::convex_polygon(
                            vec![
                                c + egui::vec2(0.0, -6.0),
                                c + egui::vec2(6.0, 0.0),
                                c + egui::vec2(0.0, 6.0),
                                c + egui::vec2(-6.0, 0.0),
                            ],
                            Color32::TRANSPARENT,
                            Stroke::new(2.0, Color32::from_rgb(255, 120, 0)),
                        ));
                    }
                    None => {}
                }
            }
            // Keys: undo, redo, delete the selected vertex.
            let (undo, redo, delete) = ui.input_mut(|i| {
                use egui::{Key, Modifiers};
                let redo = i.consume_key(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z)
                    || i.consume_key(Modifiers::COMMAND, Key::Y);
                let undo = i.consume_key(Modifiers::COMMAND, Key::Z);
                let delete = i.key_pressed(Key::Delete);
                (undo, redo, delete)
            });
            if undo && self.sketch.undo() || redo && self.sketch.redo() {
                self.result = None;
            }
            if delete {
                if let Some(i) = self.sketch.selected {
                    self.sketch.remove(i);
                    self.result = None;
                }
            }
        }
    }

    /// Shows the window; returns what the app should do.
    pub fn window(
        &mut self,
        ctx: &egui::Context,
        layers: &[MapLayer],
        project: Option<&Path>,
        lang: Lang,
    ) -> Option<ProposalRequest> {
        if !self.open {
            return None;
        }
        let data = data_path(project, layers);
        if let Some(d) = &data {
            self.poll(d);
        }
        let mut open = true;
        let mut request = None;
        egui::Window::new(lang.tr("用地预审", "Land-use proposal check"))
            .id(egui::Id::unique("proposal-window"))
            .open(&mut open)
            .default_pos(egui::pos2(860.0, 90.0))
            .default_size([420.0, 620.0])
            .resizable(true)
            .show(ctx, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    request = self.contents(ui, project, data.as_deref(), lang);
                });
            });
        if !open {
            self.open = false;
            self.tool = Tool::Off;
        }
        request
    }

    fn contents(
        &mut self,
        ui: &mut egui::Ui,
        project: Option<&Path>,
        data: Option<&Path>,
        lang: Lang,
    ) -> Option<ProposalRequest> {
        let mut request = None;
        ui.heading(lang.tr("一、选址", "1. Site"));
        ui.horizontal_wrapped(|ui| {
            ui.selectable_value(&mut self.tool, Tool::Draw, lang.tr("绘制", "Draw"));
            ui.selectable_value(
                &mut self.tool,
                Tool::Pick,
                lang.tr("点选图斑", "Pick parcels"),
            );
            ui.selectable_value(&mut self.tool, Tool::Off, lang.tr("停止", "Stop"));
            if ui.button(lang.tr("导入…", "Import…")).clicked() {
                if let Some(p) = rfd::FileDialog::new()
                    .add_filter(
                        lang.tr("界址点或图形", "Boundary points or shapes"),
                        &[
                            "txt", "csv", "xlsx", "dat", "gpkg", "shp", "geojson", "json", "kml",
                            "dxf",
                        ],
                    )
                    .pick_file()
                {
                    if let Err(e) = self.import(&p) {
                        self.message = Some(e);
                    }
                }
            }
        });
        ui.horizontal(|ui| {
            ui.label(lang.tr(
                "坐标系 EPSG（文件未注明时）",
                "CRS EPSG (where the file does not say)",
            ));
            ui.add(egui::TextEdit::singleline(&mut self.crs_text).desired_width(60.0));
        });
        match self.source {
            Source::Drawn => {
                ui.label(lang.tr(
                    "单击加点（自动吸附顶点和边）；单击顶点选中后再单击移动；Shift+单击边插点；Delete 删点；Ctrl+Z 撤销，Ctrl+Y 重做",
                    "Click to add (snaps to vertices and edges); click a vertex, then click to move it; Shift+click an edge to insert; Delete removes; Ctrl+Z undo, Ctrl+Y redo",
                ));
                ui.horizontal(|ui| {
                    if ui
                        .add_enabled(
                            self.sketch.can_undo(),
                            egui::Button::new(lang.tr("撤销", "Undo")),
                        )
                        .clicked()
                    {
                        self.sketch.undo();
                        self.result = None;
                    }
                    if ui
                        .add_enabled(
                            self.sketch.can_redo(),
                            egui::Button::new(lang.tr("重做", "Redo")),
                        )
                        .clicked()
                    {
                        self.sketch.redo();
                        self.result = None;
                    }
                    if ui
                        .add_enabled(
                            self.sketch.selected.is_some(),
                            egui::Button::new(lang.tr("删除顶点", "Delete vertex")),
                        )
                        .clicked()
                    {
                        if let Some(i) = self.sketch.selected {
                            self.sketch.remove(i);
                        }
                    }
                    if ui.button(lang.tr("清除", "Clear")).clicked() {
                        self.sketch.clear();
                        self.result = None;
                    }
                });
                let a = self
                    .sketch
                    .closed()
                    .map(|r| mercator_ring_area_m2(&r))
                    .unwrap_or(0.0);
                ui.label(format!(
                    "{} {} · {:.2} {} · {:.1} m²",
                    self.sketch.points().len(),
                    lang.tr("个点", "points"),
                    a / M2_PER_MU,
                    lang.tr("亩", "mu"),
                    a
                ));
            }
            Source::Parcels => {
                ui.label(format!(
                    "{} {}：{}",
                    self.picked.len(),
                    lang.tr("个图斑", "parcels"),
                    self.picked
                        .iter()
                        .map(|p| p.0.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                if ui.button(lang.tr("清除", "Clear")).clicked() {
                    self.picked.clear();
                }
            }
            Source::Imported => {
                if let Some((_, _, p)) = &self.imported {
                    ui.label(format!("{}: {}", lang.tr("文件", "File"), p.display()));
                }
            }
        }

        ui.separator();
        ui.heading(lang.tr("二、项目", "2. Project"));
        egui::Grid::new("proposal-info")
            .num_columns(2)
            .show(ui, |ui| {
                ui.label(lang.tr("项目名称", "Name"));
                ui.text_edit_singleline(&mut self.info.name);
                ui.end_row();
                ui.label(lang.tr("项目类型", "Type"));
                let shown = self
                    .rules
                    .project_type(&self.info.project_type)
                    .map(|t| {
                        if lang == Lang::Zh {
                            t.zh.clone()
                        } else {
                            t.en.clone()
                        }
                    })
                    .unwrap_or_default();
                egui::ComboBox::from_id_salt("proposal-type")
                    .selected_text(shown)
                    .width(260.0)
                    .show_ui(ui, |ui| {
                        for t in &self.rules.types {
                            let label = if lang == Lang::Zh { &t.zh } else { &t.en };
                            if ui
                                .selectable_label(self.info.project_type == t.id, label)
                                .clicked()
                            {
                                self.info.project_type = t.id.clone();
                                self.result = None;
                            }
                        }
                    });
                ui.end_row();
                ui.label(lang.tr("申请方", "Applicant"));
                ui.text_edit_singleline(&mut self.info.applicant);
                ui.end_row();
                ui.label(lang.tr("用途", "Use"));
                ui.text_edit_singleline(&mut self.info.purpose);
                ui.end_row();
                ui.label(lang.tr("日期", "Date"));
                ui.text_edit_singleline(&mut self.info.date);
                ui.end_row();
                ui.label(lang.tr("制图单位", "Prepared by"));
                ui.text_edit_singleline(&mut self.info.prepared_by);
                ui.end_row();
            });

        ui.separator();
        ui.horizontal(|ui| {
            let can = data.is_some() && self.job.is_none();
            if ui
                .add_enabled(can, egui::Button::new(lang.tr("核查", "Check")))
                .clicked()
            {
                if let Some(d) = data {
                    self.start_check(ui.ctx(), d.to_path_buf());
                }
            }
            if let Some(j) = &self.job {
                ui.spinner();
                ui.label(j.progress.stage_name());
            }
        });
        if let Some(m) = &self.message {
            ui.colored_label(Color32::from_rgb(160, 80, 0), m);
        }
        if let Some(c) = self.result.clone() {
            ui.separator();
            ui.heading(lang.tr("三、结论", "3. Verdict"));
            let rgb = c.verdict.level.rgb();
            let mut head = if lang == Lang::Zh {
                c.verdict.level.label().0.to_string()
            } else {
                c.verdict.level.label().1.to_string()
            };
            if !c.verdict.unchecked.is_empty() {
                head += lang.tr("（部分未核查）", " (partly not checked)");
            }
            ui.label(
                egui::RichText::new(head)
                    .size(18.0)
                    .color(Color32::from_rgb(rgb[0], rgb[1], rgb[2])),
            );
            ui.label(format!(
                "{} {:.2} {} / {:.4} {} · {}",
                lang.tr("面积", "Area"),
                c.area_m2 / M2_PER_MU,
                lang.tr("亩", "mu"),
                c.area_m2 / 10_000.0,
                lang.tr("公顷", "ha"),
                crate::core::output::proposal::location(&c)
            ));
            if c.parcels_checked {
                ui.label(format!(
                    "{} {:.2} {}（{} {:.2}）· {} {:.2} · {} {:.2}",
                    lang.tr("耕地", "Farmland"),
                    c.totals.farmland / M2_PER_MU,
                    lang.tr("亩", "mu"),
                    lang.tr("水田", "paddy"),
                    c.totals.paddy / M2_PER_MU,
                    lang.tr("建设用地", "construction"),
                    c.totals.construction / M2_PER_MU,
                    lang.tr("未利用地", "unused"),
                    c.totals.unused / M2_PER_MU
                ));
            }
            for l in &c.verdict.lines {
                let level = l
                    .level
                    .map(|x| {
                        if lang == Lang::Zh {
                            x.label().0
                        } else {
                            x.label().1
                        }
                    })
                    .unwrap_or(lang.tr("未核查", "not checked"));
                let hit = if lang == Lang::Zh {
                    l.hit.label().0
                } else {
                    l.hit.label().1
                };
                let text = if lang == Lang::Zh {
                    l.text.split(" / ").next().unwrap_or("")
                } else {
                    l.text.split(" / ").nth(1).unwrap_or("")
                };
                ui.label(format!(
                    "【{level}】{hit} {:.2} {}：{text}",
                    l.area_m2 / M2_PER_MU,
                    lang.tr("亩", "mu")
                ));
                if let Some(r) = &l.rule {
                    ui.label(
                        egui::RichText::new(format!("{} · {}（{}）", r.id, r.source, r.date))
                            .small()
                            .color(Color32::from_gray(100)),
                    );
                }
            }
            if let Some(a) = c.avoiding_m2 {
                ui.label(format!(
                    "{} {:.2} {}",
                    lang.tr(
                        "避让永农和红线后最大地块",
                        "Largest part avoiding farmland and red line"
                    ),
                    a / M2_PER_MU,
                    lang.tr("亩", "mu")
                ));
            }
            for n in &c.notes {
                ui.small(n);
            }
            ui.small(crate::core::model::proposal::DISCLAIMER.0);
            ui.horizontal_wrapped(|ui| {
                for (label, ext) in [
                    (lang.tr("核查单 PDF…", "Sheet PDF…"), "pdf"),
                    ("Excel…", "xlsx"),
                    ("JSON…", "json"),
                    (lang.tr("界址点…", "Boundary points…"), "txt"),
                    ("GeoPackage…", "gpkg"),
                    ("Shapefile…", "shp"),
                ] {
                    if ui.button(label).clicked() {
                        let name = if c.info.name.is_empty() {
                            "用地预审".to_string()
                        } else {
                            c.info.name.clone()
                        };
                        if let Some(p) = rfd::FileDialog::new()
                            .set_file_name(format!("{name}.{ext}"))
                            .add_filter(ext, &[ext])
                            .save_file()
                        {
                            self.message = Some(match self.export(&p) {
                                Ok(()) => {
                                    format!("{} {}", lang.tr("已导出", "Exported"), p.display())
                                }
                                Err(e) => e,
                            });
                        }
                    }
                }
                if ui
                    .button(lang.tr(
                        "保存到项目选址图层",
                        "Keep in the project's proposals layer",
                    ))
                    .clicked()
                {
                    match self.keep(project) {
                        Ok(p) => {
                            self.message = Some(format!(
                                "{} {}（{}）",
                                lang.tr("已保存", "Kept"),
                                p.display(),
                                self.kept.len()
                            ));
                            request = Some(ProposalRequest::AddLayer(p));
                        }
                        Err(e) => self.message = Some(e),
                    }
                }
            });
        }
        // The sites kept so far, side by side.
        if self.kept.len() >= 2 {
            ui.separator();
            ui.heading(lang.tr("选址比选（已保存）", "Compare the kept sites"));
            let t = crate::core::output::proposal::comparison_table(&self.kept);
            egui::ScrollArea::horizontal()
                .id_salt("proposal-compare-scroll")
                .show(ui, |ui| {
                    egui::Grid::new("proposal-compare")
                        .striped(true)
                        .show(ui, |ui| {
                            for h in &t.headers {
                                ui.strong(h);
                            }
                            ui.end_row();
                            for r in &t.rows {
                                for c in r {
                                    ui.label(c.display());
                                }
                                ui.end_row();
                            }
                        });
                });
        }
        request
    }
}

/// Snaps `m` to the visible layers' vertices and edges near it (at most 300 features looked at) and to the
/// sketch's own first vertex (closing the ring).
fn snap_point(m: [f64; 2], tol: f64, layers: &[MapLayer], sketch: &Sketch) -> Option<Snapped> {
    let bb = crate::core::model::geom::BBox {
        min_x: m[0] - tol,
        min_y: m[1] - tol,
        max_x: m[0] + tol,
        max_y: m[1] + tol,
    };
    let mut rings: Vec<&[[f64; 2]]> = Vec::new();
    for l in layers.iter().filter(|l| l.visible) {
        for f in l.data.query(&bb).take(300) {
            rings.extend(l.data.display.rings(f as usize));
        }
    }
    let own = sketch.points();
    if let Some(first) = own.first() {
        let d = (first[0] - m[0]).hypot(first[1] - m[1]);
        if d <= tol {
            return Some(Snapped::Vertex(*first));
        }
    }
    snap(m, tol, rings)
}

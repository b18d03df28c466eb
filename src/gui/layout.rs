//! The layout designer (版式设计): the page as it will print — drawn by the same engine as the export
//! ([`crate::core::output::layout`]), in the background — with its items outlined; select, move (snapping to the
//! margins and the other items' edges) and resize them with the mouse, nudge with the arrow keys, delete, undo and
//! redo; a properties panel for the selected item; add a legend, scale bar, north arrow or text; take the map's
//! extent from the main window's view; export PDF or PNG; keep the layout in the project.

use super::{Job, Lang};
use crate::core::model::geom::BBox;
use crate::core::output::layout::draw::MapData;
use crate::core::output::layout::{self, Align, Item, ItemKind, Layout, Rect, Variables};
use egui::{Color32, Pos2, Sense, Stroke};
use std::path::PathBuf;
use std::sync::Arc;

/// How close (mm) an edge snaps to a margin or another item's edge.
const SNAP_MM: f32 = 2.0;

#[derive(Clone, Copy, PartialEq)]
enum DragKind {
    Move,
    Resize,
}

struct Drag {
    item: usize,
    kind: DragKind,
    start: Rect,
    /// Where the button went down, on screen.
    origin: Pos2,
    before: Layout,
}

/// The designer window's state.
pub struct LayoutDesigner {
    /// Whether the window is open.
    pub open: bool,
    /// The layout being designed.
    pub layout: Layout,
    /// The selected item.
    pub selected: Option<usize>,
    /// Title, mapping unit, number… for the text variables.
    pub vars: Variables,
    /// What the maps show (built in the background from the app's visible layers).
    pub data: Option<Arc<MapData>>,
    /// The last message (export done, errors).
    pub status: String,
    /// The preview area on screen (for tests: where the page is).
    pub page_rect: egui::Rect,
    undo: Vec<Layout>,
    redo: Vec<Layout>,
    data_job: Option<Job<Result<MapData, String>>>,
    preview: Option<egui::TextureHandle>,
    preview_job: Option<Job<Result<egui::ColorImage, String>>>,
    /// The preview shows an older state: draw again when the current job ends.
    dirty: bool,
    drag: Option<Drag>,
    export_job: Option<Job<Result<String, String>>>,
    /// The format the export button writes.
    pub export_format: ExportFormat,
    /// Resolution of a PNG export, dpi.
    pub export_dpi: u32,
    /// Page zoom: 1 fits the page, up to 8.
    pub zoom: f32,
    /// Where the window was last drawn (keys act only with the pointer over it).
    window_rect: egui::Rect,
}

/// What the designer exports to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// Vector PDF.
    Pdf,
    /// SVG.
    Svg,
    /// PNG at a chosen dpi.
    Png,
}

impl ExportFormat {
    fn label(self) -> &'static str {
        match self {
            ExportFormat::Pdf => "PDF",
            ExportFormat::Svg => "SVG",
            ExportFormat::Png => "PNG",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            ExportFormat::Pdf => "pdf",
            ExportFormat::Svg => "svg",
            ExportFormat::Png => "png",
        }
    }
}

impl Default for LayoutDesigner {
    fn default() -> Self {
        LayoutDesigner {
            open: false,
            layout: layout::presets().remove(0),
            selected: None,
            vars: Variables::default(),
            data: None,
            status: String::new(),
            page_rect: egui::Rect::NOTHING,
            undo: vec![],
            redo: vec![],
            data_job: None,
            preview: None,
            preview_job: None,
            dirty: true,
            drag: None,
            export_job: None,
            export_format: ExportFormat::Pdf,
            export_dpi: 300,
            zoom: 1.0,
            window_rect: egui::Rect::NOTHING,
        }
    }
}

impl LayoutDesigner {
    /// Opens the designer on `layout` (or keeps the current one) with the app's visible layers (bottom first) over
    /// `basemap`; the layers are brought into the print CRS in the background.
    pub fn start(
        &mut self,
        layers: Vec<(
            String,
            Arc<crate::core::model::layer::VectorLayer>,
            crate::core::model::style::LayerStyle,
        )>,
        basemap: Option<PathBuf>,
        layout: Option<Layout>,
        ctx: &egui::Context,
        lang: Lang,
    ) {
        self.open = true;
        if let Some(l) = layout {
            self.layout = l;
            self.undo.clear();
            self.redo.clear();
        }
        if self.vars.date.is_empty() {
            self.vars.date = crate::core::output::report::today();
        }
        self.data = None;
        self.dirty = true;
        self.data_job = Some(Job::spawn(
            lang.tr("准备地图", "Preparing the map").into(),
            ctx,
            move |_| {
                let mut d = MapData::new(layers)?;
                d.basemap = basemap;
                Ok(d)
            },
        ));
    }

    /// Whether anything runs in the background.
    pub fn busy(&self) -> bool {
        self.data_job.is_some() || self.preview_job.is_some() || self.export_job.is_some()
    }

    /// Changes the layout with `f`, keeping the state before for undo.
    pub fn edit(&mut self, f: impl FnOnce(&mut Layout)) {
        let before = self.layout.clone();
        f(&mut self.layout);
        if self.layout != before {
            self.undo.push(before);
            self.redo.clear();
            self.dirty = true;
        }
    }

    /// Undoes the last change.
    pub fn undo(&mut self) {
        if let Some(l) = self.undo.pop() {
            self.redo.push(std::mem::replace(&mut self.layout, l));
            self.fix_selection();
            self.dirty = true;
        }
    }

    /// Redoes the last undone change.
    pub fn redo(&mut self) {
        if let Some(l) = self.redo.pop() {
            self.undo.push(std::mem::replace(&mut self.layout, l));
            self.fix_selection();
            self.dirty = true;
        }
    }

    fn fix_selection(&mut self) {
        if self.selected.is_some_and(|i| i >= self.layout.items.len()) {
            self.selected = None;
        }
    }

    /// Adds an item of `kind` in the middle of the page and selects it.
    pub fn add(&mut self, kind: ItemKind) {
        let (w, h) = self.layout.page.size_mm();
        let (iw, ih) = match kind {
            ItemKind::Legend { .. } => (50.0, 60.0),
            ItemKind::Locator { .. } => (50.0, 40.0),
            ItemKind::Image { .. } => (30.0, 20.0),
            ItemKind::Table { .. } => (90.0, 60.0),
            ItemKind::Chart { .. } => (90.0, 60.0),
            ItemKind::ScaleBar { .. } => (60.0, 12.0),
            ItemKind::NorthArrow { .. } => (14.0, 20.0),
            _ => (60.0, 12.0),
        };
        let item = Item {
            rect: Rect {
                x: (w - iw) / 2.0,
                y: (h - ih) / 2.0,
                w: iw,
                h: ih,
            },
            frame: matches!(kind, ItemKind::Legend { .. } | ItemKind::Locator { .. }),
            background: matches!(kind, ItemKind::Legend { .. } | ItemKind::Locator { .. })
                .then_some(crate::core::model::style::Rgba([255, 255, 255, 235])),
            kind,
        };
        self.edit(|l| l.items.push(item));
        self.selected = Some(self.layout.items.len() - 1);
    }

    /// Deletes the selected item.
    pub fn delete_selected(&mut self) {
        if let Some(i) = self.selected.take() {
            self.edit(|l| {
                l.items.remove(i);
            });
        }
    }

    /// Shows the main window's view (a Web Mercator box) in the map frames.
    pub fn extent_from_view(&mut self, mercator: BBox) {
        let Some(d) = &self.data else { return };
        let mut corners = [
            [mercator.min_x, mercator.min_y],
            [mercator.max_x, mercator.max_y],
        ];
        let merc = crate::core::model::crs::Crs::epsg(3857);
        if crate::core::model::crs::Transformer::between(&merc, &d.crs)
            .and_then(|t| t.transform(&mut corners))
            .is_ok()
        {
            let mut d = (**d).clone();
            d.extent = BBox {
                min_x: corners[0][0].min(corners[1][0]),
                min_y: corners[0][1].min(corners[1][1]),
                max_x: corners[0][0].max(corners[1][0]),
                max_y: corners[0][1].max(corners[1][1]),
            };
            self.data = Some(Arc::new(d));
            self.dirty = true;
        }
    }

    /// Collects finished background work.
    fn poll(&mut self, ctx: &egui::Context, lang: Lang) {
        if let Some(j) = &self.data_job {
            if let Ok(r) = j.try_result() {
                self.data_job = None;
                match r {
                    Ok(d) => {
                        self.data = Some(Arc::new(d));
                        self.dirty = true;
                    }
                    Err(e) => self.status = e,
                }
            }
        }
        if let Some(j) = &self.preview_job {
            if let Ok(r) = j.try_result() {
                self.preview_job = None;
                match r {
                    Ok(img) => {
                        self.preview =
                            Some(ctx.load_texture("layout-preview", img, Default::default()))
                    }
                    Err(e) => self.status = e,
                }
            }
        }
        if let Some(j) = &self.export_job {
            if let Ok(r) = j.try_result() {
                self.export_job = None;
                self.status = r.unwrap_or_else(|e| e);
            }
        }
        // Draw the page again after a change, one drawing at a time.
        if self.dirty && self.preview_job.is_none() && self.drag.is_none() {
            if let Some(d) = self.data.clone() {
                self.dirty = false;
                let (layout, vars) = (self.layout.clone(), self.vars.clone());
                let (w, _) = layout.page.size_mm();
                // Sharp at the page's zoom, never larger than 300 dpi.
                let dpi = (1100.0 * self.zoom / w * 25.4).clamp(40.0, 300.0);
                self.preview_job = Some(Job::spawn(
                    lang.tr("绘制版面", "Drawing the page").into(),
                    ctx,
                    move |_| {
                        let (pm, _) = layout::png::layout_pixmap(&layout, &d, &vars, dpi)?;
                        Ok(egui::ColorImage::from_rgba_premultiplied(
                            [pm.width() as usize, pm.height() as usize],
                            pm.data(),
                        ))
                    },
                ));
            }
        }
    }

    /// Exports the layout as it is shown to `out` in the background: by its extension a PNG (at the chosen dpi),
    /// an SVG or, for anything else, a PDF.
    pub fn export(&mut self, out: PathBuf, ctx: &egui::Context, lang: Lang) {
        let Some(d) = self.data.clone() else { return };
        // What no export can draw is refused here, with the reason.
        if let Err(e) = self.layout.validate() {
            self.status = e;
            return;
        }
        let dpi = self.export_dpi;
        let (layout, vars) = (self.layout.clone(), self.vars.clone());
        self.export_job = Some(Job::spawn(
            lang.tr("导出", "Exporting").into(),
            ctx,
            move |_| {
                let ext = out
                    .extension()
                    .map(|e| e.to_string_lossy().to_ascii_lowercase())
                    .unwrap_or_default();
                match ext.as_str() {
                    "png" => {
                        layout::png::write_layout_png(&layout, &d, &vars, dpi as f32, &out)?;
                    }
                    "svg" => {
                        layout::svg::write_layout_svg(&layout, &d, &vars, &out)?;
                    }
                    _ => {
                        layout::pdf::write_layout_pdf(&layout, &d, &vars, &out)?;
                    }
                }
                Ok(format!("→ {}", out.display()))
            },
        ));
    }

    /// Draws the window. Returns a layout to keep in the project when the user asks.
    pub fn window(
        &mut self,
        ctx: &egui::Context,
        lang: Lang,
        main_view: Option<BBox>,
    ) -> Option<Layout> {
        self.poll(ctx, lang);
        if !self.open {
            return None;
        }
        let mut keep = None;
        let mut open = self.open;
        egui::Window::new(lang.tr("版式设计", "Layout designer"))
            .id(egui::Id::unique("layout-designer"))
            .open(&mut open)
            .default_pos(egui::pos2(300.0, 70.0))
            .default_size([1040.0, 640.0])
            .resizable(true)
            .show(ctx, |ui| {
                self.window_rect = ui.max_rect();
                self.toolbar(ui, lang, main_view, &mut keep);
                ui.separator();
                ui.horizontal_top(|ui| {
                    self.page_view(ui);
                    ui.separator();
                    ui.vertical(|ui| {
                        ui.set_width(250.0);
                        self.properties(ui, lang);
                    });
                });
                if !self.status.is_empty() {
                    ui.label(egui::RichText::new(&self.status).small());
                }
                let mut checks = layout::preflight(&self.layout);
                if let Some(d) = &self.data {
                    checks.extend(layout::preflight_data(&self.layout, d));
                }
                for m in checks {
                    ui.label(
                        egui::RichText::new(format!("！{m}"))
                            .small()
                            .color(Color32::from_rgb(170, 80, 0)),
                    );
                }
            });
        self.open = open;
        self.keys(ctx);
        if self.busy() {
            ctx.request_repaint_after(std::time::Duration::from_millis(60));
        }
        keep
    }

    fn toolbar(
        &mut self,
        ui: &mut egui::Ui,
        lang: Lang,
        main_view: Option<BBox>,
        keep: &mut Option<Layout>,
    ) {
        ui.horizontal_wrapped(|ui| {
            egui::ComboBox::from_id_salt("layout-template")
                .selected_text(self.layout.name.clone())
                .show_ui(ui, |ui| {
                    for p in layout::presets() {
                        if ui
                            .selectable_label(p.name == self.layout.name, &p.name)
                            .clicked()
                        {
                            self.edit(|l| *l = p.clone());
                            self.selected = None;
                        }
                    }
                });
            ui.separator();
            if ui
                .add_enabled(
                    !self.undo.is_empty(),
                    egui::Button::new(lang.tr("撤销", "Undo")),
                )
                .clicked()
            {
                self.undo();
            }
            if ui
                .add_enabled(
                    !self.redo.is_empty(),
                    egui::Button::new(lang.tr("重做", "Redo")),
                )
                .clicked()
            {
                self.redo();
            }
            ui.separator();
            if ui
                .small_button("−")
                .on_hover_text(lang.tr("缩小", "Zoom out"))
                .clicked()
            {
                self.set_zoom(self.zoom / 1.5);
            }
            ui.label(format!("{:.0}%", self.zoom * 100.0));
            if ui
                .small_button("+")
                .on_hover_text(lang.tr("放大（Ctrl+滚轮）", "Zoom in (Ctrl + wheel)"))
                .clicked()
            {
                self.set_zoom(self.zoom * 1.5);
            }
            if ui.small_button(lang.tr("整页", "Fit")).clicked() {
                self.set_zoom(1.0);
            }
            ui.separator();
            ui.label(lang.tr("添加", "Add"));
            if ui.button(lang.tr("图例", "Legend")).clicked() {
                self.add(ItemKind::Legend {
                    map: 0,
                    heading: None,
                    areas: false,
                });
            }
            if ui.button(lang.tr("位置示意图", "Locator map")).clicked() {
                self.add(ItemKind::Locator { map: 0 });
            }
            if ui.button(lang.tr("图片…", "Picture…")).clicked() {
                if let Some(p) = rfd::FileDialog::new()
                    .add_filter(lang.tr("图片", "Pictures"), &["png", "jpg", "jpeg"])
                    .pick_file()
                {
                    self.add(ItemKind::Image {
                        path: p.display().to_string(),
                    });
                }
            }
            if ui.button(lang.tr("属性表", "Attribute table")).clicked() {
                let layer = self
                    .data
                    .as_ref()
                    .and_then(|d| {
                        d.layers
                            .iter()
                            .rev()
                            .find(|l| l.style.label_field.is_some())
                            .or(d.layers.last())
                    })
                    .map(|l| l.name.clone())
                    .unwrap_or_default();
                self.add(ItemKind::Table {
                    layer,
                    fields: vec![],
                    map: 0,
                });
            }
            if ui.button(lang.tr("统计图", "Chart")).clicked() {
                self.add(ItemKind::Chart { map: 0 });
            }
            if ui.button(lang.tr("比例尺", "Scale bar")).clicked() {
                self.add(ItemKind::ScaleBar { map: 0 });
            }
            if ui.button(lang.tr("指北针", "North arrow")).clicked() {
                self.add(ItemKind::NorthArrow { map: 0 });
            }
            if ui.button(lang.tr("文本", "Text")).clicked() {
                self.add(ItemKind::Text {
                    text: lang.tr("文本", "Text").into(),
                    size_pt: 12.0,
                    align: Align::Left,
                });
            }
            if ui
                .add_enabled(
                    self.selected.is_some(),
                    egui::Button::new(lang.tr("删除", "Delete")),
                )
                .clicked()
            {
                self.delete_selected();
            }
            ui.separator();
            if ui
                .add_enabled(
                    main_view.is_some() && self.data.is_some(),
                    egui::Button::new(lang.tr("地图取主窗口视图", "Map from the main view")),
                )
                .clicked()
            {
                if let Some(v) = main_view {
                    self.extent_from_view(v);
                }
            }
            let ready = self.data.is_some() && self.export_job.is_none();
            egui::ComboBox::from_id_salt("layout-export-format")
                .selected_text(self.export_format.label())
                .show_ui(ui, |ui| {
                    for f in [ExportFormat::Pdf, ExportFormat::Svg, ExportFormat::Png] {
                        ui.selectable_value(&mut self.export_format, f, f.label());
                    }
                });
            if self.export_format == ExportFormat::Png {
                egui::ComboBox::from_id_salt("layout-export-dpi")
                    .selected_text(format!("{} dpi", self.export_dpi))
                    .show_ui(ui, |ui| {
                        for d in [150u32, 300, 600] {
                            ui.selectable_value(&mut self.export_dpi, d, format!("{d} dpi"));
                        }
                    });
                // The pixel size before export; a page too large to write is refused there.
                let (w, h) = layout::png::pixel_size(&self.layout, self.export_dpi as f32);
                ui.label(format!("{w} × {h} {}", lang.tr("像素", "px")));
            }
            if ui
                .add_enabled(ready, egui::Button::new(lang.tr("导出…", "Export…")))
                .clicked()
            {
                let ext = self.export_format.extension();
                let name = if self.vars.title.trim().is_empty() {
                    "汇报用图"
                } else {
                    self.vars.title.trim()
                };
                if let Some(p) = rfd::FileDialog::new()
                    .add_filter(self.export_format.label(), &[ext])
                    .set_file_name(format!("{name}.{ext}"))
                    .save_file()
                {
                    let ctx = ui.ctx().clone();
                    self.export(p, &ctx, lang);
                }
            }
            if ui
                .button(lang.tr("保存到项目", "Keep in the project"))
                .clicked()
            {
                *keep = Some(self.layout.clone());
                self.status = lang
                    .tr(
                        "已放入项目（保存项目后写入文件）",
                        "Kept in the project (written when the project is saved)",
                    )
                    .into();
            }
        });
    }

    /// The page: the drawn preview, the items' outlines, selection, moving and resizing.
    /// The page at the fitted size times the zoom (Ctrl + wheel over the page, or the toolbar), in a scroll area.
    fn page_view(&mut self, ui: &mut egui::Ui) {
        let (pw, ph) = self.layout.page.size_mm();
        let avail = egui::vec2(ui.available_width() - 260.0, ui.available_height())
            .max(egui::vec2(300.0, 200.0));
        let fit = (avail.x / pw).min(avail.y.max(420.0) / ph); // screen points per mm
                                                               // The view keeps the size of the fitted page (the window never grows with the zoom); a zoomed page
                                                               // scrolls inside it.
        egui::ScrollArea::both()
            .id_salt("layout-page")
            .max_width(pw * fit)
            .max_height(ph * fit)
            .auto_shrink([true, true])
            .show(ui, |ui| self.page_canvas(ui, fit * self.zoom));
    }

    fn page_canvas(&mut self, ui: &mut egui::Ui, k: f32) {
        let (pw, ph) = self.layout.page.size_mm();
        let (rect, resp) =
            ui.allocate_exact_size(egui::vec2(pw * k, ph * k), Sense::click_and_drag());
        if resp.hovered() {
            let z = ui.input(|i| i.zoom_delta());
            if z != 1.0 {
                self.set_zoom(self.zoom * z);
            }
        }
        self.page_rect = rect;
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 0.0, Color32::WHITE);
        if let Some(t) = &self.preview {
            painter.image(
                t.id(),
                rect,
                egui::Rect::from_min_max(Pos2::ZERO, egui::pos2(1.0, 1.0)),
                Color32::WHITE,
            );
        }
        let to_screen = |r: Rect| {
            egui::Rect::from_min_size(
                rect.min + egui::vec2(r.x * k, r.y * k),
                egui::vec2(r.w * k, r.h * k),
            )
        };
        let m = self.layout.page.margin_mm;
        painter.rect_stroke(
            to_screen(Rect {
                x: m,
                y: m,
                w: pw - 2.0 * m,
                h: ph - 2.0 * m,
            }),
            0.0,
            Stroke::new(0.5, Color32::from_rgb(200, 200, 230)),
            egui::StrokeKind::Inside,
        );
        for (i, it) in self.layout.items.iter().enumerate() {
            let r = to_screen(it.rect);
            if Some(i) == self.selected {
                painter.rect_stroke(
                    r,
                    0.0,
                    Stroke::new(1.5, Color32::from_rgb(230, 120, 0)),
                    egui::StrokeKind::Outside,
                );
                painter.rect_filled(
                    egui::Rect::from_center_size(r.max, egui::vec2(8.0, 8.0)),
                    1.0,
                    Color32::from_rgb(230, 120, 0),
                );
            } else {
                painter.rect_stroke(
                    r,
                    0.0,
                    Stroke::new(0.6, Color32::from_rgba_unmultiplied(60, 120, 220, 140)),
                    egui::StrokeKind::Outside,
                );
            }
        }
        let to_mm = |p: Pos2| ((p.x - rect.min.x) / k, (p.y - rect.min.y) / k);
        let hit = |items: &[Item], p: Pos2| {
            let (x, y) = to_mm(p);
            items
                .iter()
                .enumerate()
                .rev()
                .find(|(_, it)| {
                    x >= it.rect.x
                        && x <= it.rect.x + it.rect.w
                        && y >= it.rect.y
                        && y <= it.rect.y + it.rect.h
                })
                .map(|(i, _)| i)
        };
        if resp.clicked() {
            if let Some(p) = resp.interact_pointer_pos() {
                self.selected = hit(&self.layout.items, p);
            }
        }
        if resp.drag_started() {
            let origin = ui.input(|i| i.pointer.press_origin());
            if let Some(p) = origin.or(resp.interact_pointer_pos()) {
                let on_handle = self
                    .selected
                    .filter(|&i| to_screen(self.layout.items[i].rect).max.distance(p) < 8.0);
                let target = on_handle.or_else(|| hit(&self.layout.items, p));
                self.selected = target;
                if let Some(i) = target {
                    self.drag = Some(Drag {
                        item: i,
                        kind: if on_handle.is_some() {
                            DragKind::Resize
                        } else {
                            DragKind::Move
                        },
                        start: self.layout.items[i].rect,
                        origin: p,
                        before: self.layout.clone(),
                    });
                }
            }
        }
        if let Some(d) = &self.drag {
            let now = ui.input(|i| i.pointer.latest_pos()).unwrap_or(d.origin);
            let total = (now - d.origin) / k;
            let mut r = d.start;
            match d.kind {
                DragKind::Move => {
                    r.x += total.x;
                    r.y += total.y;
                    self.snap_move(d.item, &mut r);
                }
                DragKind::Resize => {
                    r.w = (r.w + total.x).max(4.0);
                    r.h = (r.h + total.y).max(4.0);
                }
            }
            let item = d.item;
            self.layout.items[item].rect = r;
        }
        if resp.drag_stopped() {
            if let Some(d) = self.drag.take() {
                if self.layout != d.before {
                    self.undo.push(d.before);
                    self.redo.clear();
                    self.dirty = true;
                }
            }
        }
    }

    /// Sets the page's zoom (1 = the whole page fits; at most 8) and draws the preview again at its sharpness.
    pub fn set_zoom(&mut self, zoom: f32) {
        let z = zoom.clamp(1.0, 8.0);
        if (z - self.zoom).abs() > 1e-3 {
            self.zoom = z;
            self.dirty = true;
        }
    }

    /// Snaps a moved item's edges to the margins and to the other items' edges.
    fn snap_move(&self, item: usize, r: &mut Rect) {
        let (pw, ph) = self.layout.page.size_mm();
        let m = self.layout.page.margin_mm;
        let mut xs = vec![m, pw - m];
        let mut ys = vec![m, ph - m];
        for (i, it) in self.layout.items.iter().enumerate() {
            if i != item {
                xs.extend([it.rect.x, it.rect.x + it.rect.w]);
                ys.extend([it.rect.y, it.rect.y + it.rect.h]);
            }
        }
        let snap = |v: f32, size: f32, lines: &[f32]| {
            for &l in lines {
                if (v - l).abs() < SNAP_MM {
                    return l;
                }
                if (v + size - l).abs() < SNAP_MM {
                    return l - size;
                }
            }
            v
        };
        r.x = snap(r.x, r.w, &xs);
        r.y = snap(r.y, r.h, &ys);
    }

    fn properties(&mut self, ui: &mut egui::Ui, lang: Lang) {
        ui.strong(lang.tr("图面文字", "Map texts"));
        egui::Grid::new("layout-vars")
            .num_columns(2)
            .show(ui, |ui| {
                let mut changed = false;
                for (label, v) in [
                    (lang.tr("图名", "Title"), &mut self.vars.title),
                    (lang.tr("制图单位", "Mapping unit"), &mut self.vars.unit),
                    (lang.tr("数据来源", "Sources"), &mut self.vars.sources),
                    (lang.tr("图件编号", "Number"), &mut self.vars.number),
                ] {
                    ui.label(label);
                    changed |= ui.text_edit_singleline(v).changed();
                    ui.end_row();
                }
                if changed {
                    self.dirty = true;
                }
            });
        if ui
            .checkbox(
                &mut self.layout.standard_scale,
                lang.tr("取国家基本比例尺", "Round to the national scale series"),
            )
            .changed()
        {
            self.dirty = true;
        }
        ui.separator();
        let Some(i) = self.selected else {
            ui.label(
                egui::RichText::new(lang.tr(
                    "点选版面上的要素来编辑",
                    "Click an item on the page to edit it",
                ))
                .weak(),
            );
            return;
        };
        let before = self.layout.clone();
        let mut started = false;
        let kind_name = match &self.layout.items[i].kind {
            ItemKind::Map { .. } => lang.tr("地图", "Map"),
            ItemKind::Legend { .. } => lang.tr("图例", "Legend"),
            ItemKind::Locator { .. } => lang.tr("位置示意图", "Locator map"),
            ItemKind::Image { .. } => lang.tr("图片", "Picture"),
            ItemKind::Table { .. } => lang.tr("属性表", "Attribute table"),
            ItemKind::Chart { .. } => lang.tr("统计图", "Chart"),
            ItemKind::ScaleBar { .. } => lang.tr("比例尺", "Scale bar"),
            ItemKind::NorthArrow { .. } => lang.tr("指北针", "North arrow"),
            ItemKind::Text { .. } => lang.tr("文本", "Text"),
        };
        ui.strong(kind_name);
        let it = &mut self.layout.items[i];
        egui::Grid::new("layout-item")
            .num_columns(2)
            .show(ui, |ui| {
                for (label, v) in [
                    ("X (mm)", &mut it.rect.x),
                    ("Y (mm)", &mut it.rect.y),
                    (lang.tr("宽 (mm)", "W (mm)"), &mut it.rect.w),
                    (lang.tr("高 (mm)", "H (mm)"), &mut it.rect.h),
                ] {
                    ui.label(label);
                    let r = ui.add(egui::DragValue::new(v).speed(0.5).range(0.0..=2000.0));
                    started |= r.drag_started() || r.gained_focus();
                    ui.end_row();
                }
                ui.label(lang.tr("边框", "Frame"));
                started |= ui.checkbox(&mut it.frame, "").changed();
                ui.end_row();
            });
        // Alignment to the page's margins.
        let (pw, ph) = self.layout.page.size_mm();
        let m = self.layout.page.margin_mm;
        ui.horizontal_wrapped(|ui| {
            ui.label(lang.tr("对齐", "Align"));
            let r = &mut it.rect;
            for (zh, en, f) in [
                ("左", "Left", 0),
                ("水平居中", "Centre", 1),
                ("右", "Right", 2),
                ("上", "Top", 3),
                ("垂直居中", "Middle", 4),
                ("下", "Bottom", 5),
            ] {
                if ui.small_button(lang.tr(zh, en)).clicked() {
                    match f {
                        0 => r.x = m,
                        1 => r.x = (pw - r.w) / 2.0,
                        2 => r.x = pw - m - r.w,
                        3 => r.y = m,
                        4 => r.y = (ph - r.h) / 2.0,
                        _ => r.y = ph - m - r.h,
                    }
                    started = true;
                }
            }
        });
        if let ItemKind::Table { layer, fields, .. } = &mut it.kind {
            let names: Vec<String> = self
                .data
                .as_ref()
                .map(|d| d.layers.iter().map(|l| l.name.clone()).collect())
                .unwrap_or_default();
            ui.horizontal(|ui| {
                ui.label(lang.tr("图层", "Layer"));
                egui::ComboBox::from_id_salt("layout-table-layer")
                    .selected_text(layer.as_str())
                    .show_ui(ui, |ui| {
                        for n in names {
                            if ui.selectable_label(*layer == n, &n).clicked() {
                                *layer = n;
                                fields.clear();
                                started = true;
                            }
                        }
                    });
            });
            let mut joined = fields.join(",");
            ui.label(lang.tr(
                "字段（逗号分隔，空为前四个）",
                "Fields (comma-separated; empty: the first four)",
            ));
            let r = ui.text_edit_singleline(&mut joined);
            started |= r.gained_focus();
            if r.changed() {
                *fields = joined
                    .split([',', '，'])
                    .map(|f| f.trim().to_string())
                    .filter(|f| !f.is_empty())
                    .collect();
            }
        }
        if let ItemKind::Legend { areas, .. } = &mut it.kind {
            started |= ui
                .checkbox(
                    areas,
                    lang.tr("地类后注面积（亩）", "Areas after the classes (mu)"),
                )
                .changed();
        }
        if let ItemKind::Image { path } = &mut it.kind {
            let r = ui.text_edit_singleline(path);
            started |= r.gained_focus();
        }
        if let ItemKind::Map { grid, scale, .. } = &mut it.kind {
            started |= ui
                .checkbox(grid, lang.tr("坐标格网（公里网）", "Coordinate grid (km)"))
                .changed();
            // A fixed scale from the national series, or the extent fitted.
            ui.horizontal(|ui| {
                ui.label(lang.tr("比例尺", "Scale"));
                let text = match scale {
                    Some(n) => format!("1:{n:.0}"),
                    None => lang.tr("适合范围", "Fit the extent").to_string(),
                };
                egui::ComboBox::from_id_salt("layout-map-scale")
                    .selected_text(text)
                    .show_ui(ui, |ui| {
                        started |= ui
                            .selectable_value(scale, None, lang.tr("适合范围", "Fit the extent"))
                            .changed();
                        for n in crate::core::model::layout::STANDARD_SCALES {
                            started |= ui
                                .selectable_value(scale, Some(n as f64), format!("1:{n}"))
                                .changed();
                        }
                    });
            });
        }
        if let ItemKind::Text { text, size_pt, .. } = &mut it.kind {
            let r = ui.add(egui::TextEdit::multiline(text).desired_rows(2));
            started |= r.gained_focus();
            let r = ui.add(
                egui::DragValue::new(size_pt)
                    .speed(0.2)
                    .range(4.0..=96.0)
                    .suffix(" pt"),
            );
            started |= r.drag_started() || r.gained_focus();
            ui.label(
                egui::RichText::new(lang.tr(
                    "变量：{title} {date} {scale} {crs} {unit} {sources} {number}",
                    "Variables: {title} {date} {scale} {crs} {unit} {sources} {number}",
                ))
                .small()
                .weak(),
            );
        }
        if self.layout != before {
            if started || self.undo.last() != Some(&before) {
                self.undo.push(before);
                self.redo.clear();
            }
            self.dirty = true;
        }
    }

    /// Keys act on the page only while the pointer is over the designer and no text field has the keyboard: the
    /// main map's arrows and Delete stay the main map's.
    fn keys(&mut self, ctx: &egui::Context) {
        if ctx.egui_wants_keyboard_input() || !self.open {
            return;
        }
        let over = ctx
            .input(|i| i.pointer.latest_pos())
            .is_some_and(|p| self.window_rect.expand(8.0).contains(p));
        if !over {
            return;
        }
        let (undo, redo, del, nudge) = ctx.input(|i| {
            let cmd = i.modifiers.command;
            let mut n = egui::Vec2::ZERO;
            if i.key_pressed(egui::Key::ArrowLeft) {
                n.x -= 1.0;
            }
            if i.key_pressed(egui::Key::ArrowRight) {
                n.x += 1.0;
            }
            if i.key_pressed(egui::Key::ArrowUp) {
                n.y -= 1.0;
            }
            if i.key_pressed(egui::Key::ArrowDown) {
                n.y += 1.0;
            }
            (
                cmd && !i.modifiers.shift && i.key_pressed(egui::Key::Z),
                cmd && (i.key_pressed(egui::Key::Y)
                    || (i.modifiers.shift && i.key_pressed(egui::Key::Z))),
                i.key_pressed(egui::Key::Delete),
                n,
            )
        });
        if undo {
            self.undo();
        }
        if redo {
            self.redo();
        }
        if del {
            self.delete_selected();
        }
        if nudge != egui::Vec2::ZERO {
            if let Some(i) = self.selected {
                self.edit(|l| {
                    l.items[i].rect.x += nudge.x;
                    l.items[i].rect.y += nudge.y;
                });
            }
        }
    }
}

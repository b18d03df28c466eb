//! The attribute table: virtual rows (only what is on screen is laid out, so 10⁶ rows scroll
//! smoothly), sort by a column, filter by text, and selection shared with the map. Sorting and
//! filtering run in a background thread. A click anywhere on a row selects it (Ctrl adds, Shift
//! extends from the last row clicked), a double click zooms to it; the columns scroll sideways with
//! the FID column kept in view; the table has its own close button. Column titles are the fields' names a cadre
//! reads (the user's alias, else the field dictionary's), set by right-clicking a title; 导出 writes the rows shown
//! (or the rows selected) with bilingual headers ([`crate::core::output::attributes`]).

use super::layers::MapLayer;
use super::Lang;
use egui::Ui;
use egui_extras::{Column, TableBuilder};
use std::sync::mpsc::{channel, Receiver};

/// What the user did in the table.
#[derive(Debug, Clone, PartialEq)]
pub enum TableAction {
    /// Select a row (feature index); `add` keeps the existing selection (Ctrl).
    Select {
        /// Feature index.
        feature: u32,
        /// Add to the selection.
        add: bool,
    },
    /// Select these rows (feature indices), a Shift-click's range; `add` keeps the existing selection.
    SelectRange {
        /// Feature indices, in display order.
        features: Vec<u32>,
        /// Add to the selection.
        add: bool,
    },
    /// Zoom the map to a feature.
    ZoomTo(u32),
    /// Close the table.
    Close,
    /// Give field `field` the alias `alias` (empty: remove the alias).
    SetAlias {
        /// Field name.
        field: String,
        /// The alias, trimmed; empty removes it.
        alias: String,
    },
    /// Export these rows (feature indices, in display order): the app asks where.
    Export(Vec<u32>),
    /// Something to say in the messages (an export finished or failed).
    Message(String),
}

/// State of the table between frames.
#[derive(Default)]
pub struct TableState {
    /// The layer shown.
    pub layer_id: Option<u64>,
    /// Filter text.
    pub filter: String,
    /// Sort column and direction (true = descending).
    pub sort: Option<(usize, bool)>,
    /// Visible rows in display order.
    pub rows: Vec<u32>,
    /// Scroll so that this display row is visible.
    pub scroll_to: Option<usize>,
    /// The display row last clicked (the anchor of a Shift-click).
    pub anchor: Option<usize>,
    /// The alias being edited: (field, text typed).
    pub alias_edit: Option<(String, String)>,
    /// An export running in the background.
    pub export_job: Option<super::Job<Result<String, String>>>,
    job: Option<Receiver<Vec<u32>>>,
    computed_for: Option<(u64, u64, String, Option<(usize, bool)>)>,
}

impl TableState {
    /// Whether a sort or filter is running.
    pub fn busy(&self) -> bool {
        self.job.is_some()
    }

    fn refresh(&mut self, layer: &MapLayer, ctx: &egui::Context) {
        let key = (
            layer.id,
            layer.attrs_version,
            self.filter.clone(),
            self.sort,
        );
        if self.computed_for.as_ref() == Some(&key) {
            return;
        }
        self.computed_for = Some(key);
        let (tx, rx) = channel();
        let (attrs, n, filter, sort, ctx, scope) = (
            layer.attrs.clone(),
            layer.data.len(),
            self.filter.clone(),
            self.sort,
            ctx.clone(),
            layer.scope.clone(),
        );
        std::thread::spawn(move || {
            let mut rows = attrs.filter_rows(&filter, None);
            if attrs.fields.is_empty() {
                rows = (0..n as u32).collect();
            }
            if let Some(m) = scope {
                rows.retain(|&r| m.get(r as usize).copied().unwrap_or(false));
            }
            if let Some((col, desc)) = sort {
                if col < attrs.fields.len() {
                    rows = attrs.sorted_rows(col, &rows, desc);
                }
            }
            let _ = tx.send(rows);
            ctx.request_repaint();
        });
        self.job = Some(rx);
    }
}

/// Shows the table of `layer`.
pub fn show(
    ui: &mut Ui,
    state: &mut TableState,
    layer: &MapLayer,
    selection: &[(u64, u32)],
    lang: Lang,
) -> Vec<TableAction> {
    let mut actions = Vec::new();
    if state.layer_id != Some(layer.id) {
        // An export running goes on whatever table is shown.
        *state = TableState {
            layer_id: Some(layer.id),
            export_job: state.export_job.take(),
            ..Default::default()
        };
    }
    state.refresh(layer, ui.ctx());
    if let Some(rx) = &state.job {
        if let Ok(rows) = rx.try_recv() {
            state.rows = rows;
            state.job = None;
        }
    }
    if let Some(r) = state.export_job.as_ref().and_then(|j| j.try_result().ok()) {
        state.export_job = None;
        actions.push(TableAction::Message(match r {
            Ok(m) => m,
            Err(e) => format!("{}：{e}", lang.tr("导出失败", "Export failed")),
        }));
    }
    if let Some(j) = &state.export_job {
        super::job_rows(ui, std::slice::from_ref(j), lang);
    }
    let data = &layer.data;
    ui.horizontal(|ui| {
        ui.strong(format!(
            "{} — {}",
            lang.tr("属性表", "Attribute table"),
            layer.name
        ));
        ui.label(lang.tr("筛选:", "Filter:"));
        ui.add(
            egui::TextEdit::singleline(&mut state.filter)
                .desired_width(180.0)
                .hint_text(lang.tr("输入文字筛选", "type to filter")),
        );
        ui.label(format!(
            "{} / {} {}",
            state.rows.len(),
            data.len(),
            lang.tr("行", "rows")
        ));
        if layer.scope.is_some() {
            ui.label(
                egui::RichText::new(lang.tr("（仅范围内）", "(in scope only)"))
                    .color(egui::Color32::from_rgb(180, 60, 40)),
            );
        }
        let selected_here: Vec<u32> = selection
            .iter()
            .filter(|s| s.0 == layer.id)
            .map(|s| s.1)
            .collect();
        if !selected_here.is_empty() {
            ui.label(format!(
                "{} {}",
                lang.tr("已选", "selected"),
                selected_here.len()
            ));
            if ui
                .button(lang.tr("缩放到所选", "Zoom to selected"))
                .clicked()
            {
                actions.push(TableAction::ZoomTo(selected_here[0]));
            }
        }
        if state.busy() {
            ui.spinner();
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui
                .button(lang.tr("关闭", "Close"))
                .on_hover_text(lang.tr("关闭属性表", "Close the attribute table"))
                .clicked()
            {
                actions.push(TableAction::Close);
            }
            ui.menu_button(lang.tr("导出…", "Export…"), |ui| {
                if ui
                    .button(format!(
                        "{} {} {}",
                        lang.tr("导出显示的", "Export the"),
                        state.rows.len(),
                        lang.tr("行", "rows shown")
                    ))
                    .clicked()
                {
                    actions.push(TableAction::Export(state.rows.clone()));
                    ui.close();
                }
                if !selected_here.is_empty()
                    && ui
                        .button(format!(
                            "{} {} {}",
                            lang.tr("导出所选的", "Export the"),
                            selected_here.len(),
                            lang.tr("行", "rows selected")
                        ))
                        .clicked()
                {
                    // In the table's order.
                    let rows = state
                        .rows
                        .iter()
                        .copied()
                        .filter(|r| selected_here.contains(r))
                        .collect();
                    actions.push(TableAction::Export(rows));
                    ui.close();
                }
                ui.label(
                    egui::RichText::new(lang.tr(
                        "表头：中文名（代码，单位），XLSX 或 CSV",
                        "Headers: name (code, unit), XLSX or CSV",
                    ))
                    .weak(),
                );
            });
        });
    });
    let attrs = &layer.attrs;
    let fields = &attrs.fields;
    let row_h = 20.0;
    let fid_w = 70.0;
    let mut clicked_header = None;
    // Where each visible row's FID cell is, for the FID column kept in view when scrolled sideways.
    let mut fid_cells: Vec<(egui::Rect, String, bool)> = Vec::new();
    let mut header_fid: Option<egui::Rect> = None;
    let scroll = egui::ScrollArea::horizontal()
        .id_salt(("attribute-table-h", layer.id))
        .auto_shrink([false, false])
        .show(ui, |ui| {
            let mut table = TableBuilder::new(ui)
                .striped(true)
                .resizable(true)
                .sense(egui::Sense::click())
                .column(Column::exact(fid_w))
                .columns(
                    Column::initial(110.0).at_least(40.0).clip(true),
                    fields.len(),
                )
                .auto_shrink([false, false])
                .min_scrolled_height(120.0);
            if let Some(r) = state.scroll_to.take() {
                table = table.scroll_to_row(r, Some(egui::Align::Center));
            }
            // Cell text does not take the click: a click anywhere on a row selects it.
            let cell = |ui: &mut Ui, text: String| {
                ui.add(egui::Label::new(text).selectable(false).truncate());
            };
            table
                .header(row_h + 2.0, |mut header| {
                    header.col(|ui| {
                        header_fid = Some(ui.max_rect());
                        ui.strong("FID");
                    });
                    for (i, f) in fields.iter().enumerate() {
                        let mut right_clicked = false;
                        let (_, cell) = header.col(|ui| {
                            let arrow = match state.sort {
                                Some((c, true)) if c == i => " ▼",
                                Some((c, false)) if c == i => " ▲",
                                _ => "",
                            };
                            // The field's name a cadre reads (the user's alias, or 图斑面积 for TBMJ), the code
                            // and unit on hover; a right-click opens the alias window.
                            let title = layer.style.field_title(&f.name, lang == Lang::Zh);
                            let resp = ui
                                .add(
                                    egui::Button::new(
                                        egui::RichText::new(format!("{title}{arrow}")).strong(),
                                    )
                                    .frame(false),
                                )
                                .on_hover_text(format!(
                                    "{}\n{}",
                                    layer.style.field_tooltip(&f.name),
                                    lang.tr(
                                        "点击排序，右键设置别名",
                                        "click to sort, right-click to set an alias"
                                    )
                                ));
                            if resp.clicked() {
                                clicked_header = Some(i);
                            }
                            right_clicked = resp.secondary_clicked();
                        });
                        // The cell (over the title, as the table senses clicks) sorts too, and its right-click
                        // sets the alias.
                        if cell.clicked() {
                            clicked_header = Some(i);
                        }
                        if cell.secondary_clicked() || right_clicked {
                            let now = layer
                                .style
                                .field_aliases
                                .get(&f.name)
                                .cloned()
                                .unwrap_or_default();
                            state.alias_edit = Some((f.name.clone(), now));
                        }
                    }
                })
                .body(|body| {
                    body.rows(row_h, state.rows.len(), |mut row| {
                        let display = row.index();
                        let f = state.rows[display];
                        let is_sel = selection.iter().any(|s| s.0 == layer.id && s.1 == f);
                        row.set_selected(is_sel);
                        let fid = data.fids[f as usize].to_string();
                        row.col(|ui| {
                            fid_cells.push((ui.max_rect(), fid.clone(), is_sel));
                            cell(ui, fid.clone());
                        });
                        for c in 0..fields.len() {
                            row.col(|ui| cell(ui, attrs.get(f as usize, c).to_string()));
                        }
                        let resp = row.response();
                        if resp.clicked() {
                            let (add, extend) =
                                resp.ctx.input(|i| (i.modifiers.command, i.modifiers.shift));
                            match state.anchor.filter(|_| extend) {
                                Some(a) => {
                                    let (lo, hi) = (a.min(display), a.max(display));
                                    let features =
                                        state.rows[lo..=hi.min(state.rows.len() - 1)].to_vec();
                                    actions.push(TableAction::SelectRange { features, add });
                                }
                                None => {
                                    state.anchor = Some(display);
                                    actions.push(TableAction::Select { feature: f, add });
                                }
                            }
                        }
                        if resp.double_clicked() {
                            actions.push(TableAction::ZoomTo(f));
                        }
                    });
                });
        });
    // Scrolled sideways: the FID column drawn again at the left edge, over the scrolled cells.
    if scroll.state.clamped_offset().x > 0.5 {
        let left = scroll.inner_rect.left();
        let painter = ui.painter().with_clip_rect(scroll.inner_rect);
        let visuals = ui.visuals();
        let draw = |r: egui::Rect, text: &str, selected: bool, strong: bool| {
            let rect =
                egui::Rect::from_min_size(egui::pos2(left, r.top()), egui::vec2(fid_w, r.height()));
            let fill = if selected {
                visuals.selection.bg_fill
            } else {
                visuals.panel_fill
            };
            painter.rect_filled(rect, 0.0, fill);
            painter.text(
                rect.left_center() + egui::vec2(4.0, 0.0),
                egui::Align2::LEFT_CENTER,
                text,
                egui::FontId::proportional(if strong { 14.0 } else { 13.0 }),
                visuals.text_color(),
            );
        };
        if let Some(h) = header_fid {
            draw(h, "FID", false, true);
        }
        for (r, t, sel) in &fid_cells {
            draw(*r, t, *sel, false);
        }
        painter.vline(
            left + fid_w,
            scroll.inner_rect.y_range(),
            egui::Stroke::new(1.0, visuals.widgets.noninteractive.bg_stroke.color),
        );
    }
    alias_window(ui.ctx(), state, layer, lang, &mut actions);
    if let Some(i) = clicked_header {
        state.sort = match state.sort {
            Some((c, false)) if c == i => Some((i, true)),
            Some((c, true)) if c == i => None,
            _ => Some((i, false)),
        };
    }
    actions
}

/// The small window where a field's alias is typed: 确定 sets it, 清除 removes it, 取消 or Escape leaves it.
fn alias_window(
    ctx: &egui::Context,
    state: &mut TableState,
    layer: &MapLayer,
    lang: Lang,
    actions: &mut Vec<TableAction>,
) {
    let Some((field, text)) = state.alias_edit.as_mut() else {
        return;
    };
    let mut done: Option<Option<String>> = None;
    egui::Window::new(lang.tr("字段别名", "Field alias"))
        .id(egui::Id::unique(("field-alias", layer.id)))
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
        .show(ctx, |ui| {
            ui.label(format!("{} {field}", lang.tr("字段", "Field")));
            if let Some(a) = crate::core::model::fields::alias(field) {
                ui.label(
                    egui::RichText::new(format!(
                        "{}：{}",
                        lang.tr("标准名称", "Standard name"),
                        if lang == Lang::Zh { a.zh } else { a.en }
                    ))
                    .weak(),
                );
            }
            let r = ui.add(
                egui::TextEdit::singleline(text)
                    .id_salt("field-alias-text")
                    .desired_width(240.0)
                    .hint_text(lang.tr("如：户籍人口", "e.g. registered population")),
            );
            if !r.has_focus() && !r.lost_focus() {
                r.request_focus();
            }
            let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            ui.horizontal(|ui| {
                if ui.button(lang.tr("确定", "OK")).clicked() || enter {
                    done = Some(Some(text.trim().to_string()));
                }
                if ui.button(lang.tr("清除别名", "Remove alias")).clicked() {
                    done = Some(Some(String::new()));
                }
                if ui.button(lang.tr("取消", "Cancel")).clicked()
                    || ui.input(|i| i.key_pressed(egui::Key::Escape))
                {
                    done = Some(None);
                }
            });
        });
    if let Some(d) = done {
        if let (Some(alias), Some((field, _))) = (d, state.alias_edit.as_ref()) {
            actions.push(TableAction::SetAlias {
                field: field.clone(),
                alias,
            });
        }
        state.alias_edit = None;
    }
}

/// Writes rows `rows` (feature indices) of `layer`'s attribute table to `path` (.xlsx, .csv or .json, by its
/// extension), the feature id first, headed in the interface's language with the code and unit
/// (`图斑面积 (TBMJ, m²)`), with the layer's aliases ([`crate::core::output::attributes::Export`]). Returns the
/// number of rows written; errors in Chinese and English, and nothing left at `path`.
pub fn export(
    layer: &MapLayer,
    rows: &[u32],
    path: &std::path::Path,
    lang: Lang,
) -> Result<usize, String> {
    export_with(
        &layer.attrs,
        &layer.data.fids,
        &layer.style.field_aliases,
        &layer.name,
        rows,
        path,
        lang,
        &crate::core::model::progress::Progress::new(),
    )
    .map(|w| w.rows)
}

#[allow(clippy::too_many_arguments)]
fn export_with(
    attrs: &crate::core::model::attrs::AttributeTable,
    fids: &[i64],
    aliases: &crate::core::model::fields::UserAliases,
    name: &str,
    rows: &[u32],
    path: &std::path::Path,
    lang: Lang,
    progress: &crate::core::model::progress::Progress,
) -> Result<crate::core::output::attributes::Written, String> {
    use crate::core::output::attributes::{Export, Headers};
    Export {
        attrs,
        fids: Some(fids),
        rows,
        aliases,
        headers: if lang == Lang::Zh {
            Headers::Bilingual
        } else {
            Headers::English
        },
        title: name,
    }
    .write(path, progress)
}

/// Starts writing rows `rows` of `layer` to `path` in the background ([`export`]), its progress and cancel shown
/// above the table; the outcome comes back as a [`TableAction::Message`].
pub fn start_export(
    state: &mut TableState,
    layer: &MapLayer,
    rows: Vec<u32>,
    path: std::path::PathBuf,
    lang: Lang,
    ctx: &egui::Context,
) {
    let (attrs, data, aliases, name) = (
        layer.attrs.clone(),
        layer.data.clone(),
        layer.style.field_aliases.clone(),
        layer.name.clone(),
    );
    state.export_job = Some(super::Job::spawn(
        format!("{} {}", lang.tr("导出", "Exporting"), name),
        ctx,
        move |progress| {
            let w = export_with(
                &attrs, &data.fids, &aliases, &name, &rows, &path, lang, progress,
            )?;
            let mut m = format!(
                "{} {} {} → {}",
                lang.tr("已导出", "Exported"),
                w.rows,
                lang.tr("行", "rows"),
                path.display()
            );
            for n in &w.notes {
                m.push_str(&format!("；{}", lang.pick(n)));
            }
            Ok(m)
        },
    ));
}

//! The attribute table: virtual rows (only what is on screen is laid out, so 10⁶ rows scroll
//! smoothly), sort by a column, filter by text, and selection shared with the map. Sorting and
//! filtering run in a background thread.

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
    /// Zoom the map to a feature.
    ZoomTo(u32),
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
        *state = TableState {
            layer_id: Some(layer.id),
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
    });
    let attrs = &layer.attrs;
    let fields = &attrs.fields;
    let row_h = 20.0;
    let mut table = TableBuilder::new(ui)
        .striped(true)
        .resizable(true)
        .sense(egui::Sense::click())
        .column(Column::exact(70.0))
        .columns(
            Column::initial(110.0).at_least(40.0).clip(true),
            fields.len(),
        )
        .auto_shrink([false, false])
        .min_scrolled_height(120.0);
    if let Some(r) = state.scroll_to.take() {
        table = table.scroll_to_row(r, Some(egui::Align::Center));
    }
    let mut clicked_header = None;
    table
        .header(row_h + 2.0, |mut header| {
            header.col(|ui| {
                ui.strong("FID");
            });
            for (i, f) in fields.iter().enumerate() {
                header.col(|ui| {
                    let arrow = match state.sort {
                        Some((c, true)) if c == i => " ▼",
                        Some((c, false)) if c == i => " ▲",
                        _ => "",
                    };
                    if ui
                        .add(
                            egui::Button::new(
                                egui::RichText::new(format!("{}{arrow}", f.name)).strong(),
                            )
                            .frame(false),
                        )
                        .on_hover_text(lang.tr("点击排序", "click to sort"))
                        .clicked()
                    {
                        clicked_header = Some(i);
                    }
                });
            }
        })
        .body(|body| {
            body.rows(row_h, state.rows.len(), |mut row| {
                let f = state.rows[row.index()];
                let is_sel = selection.iter().any(|s| s.0 == layer.id && s.1 == f);
                row.set_selected(is_sel);
                row.col(|ui| {
                    ui.label(data.fids[f as usize].to_string());
                });
                for c in 0..fields.len() {
                    row.col(|ui| {
                        ui.label(attrs.get(f as usize, c).to_string());
                    });
                }
                let resp = row.response();
                if resp.clicked() {
                    let add = resp.ctx.input(|i| i.modifiers.command);
                    actions.push(TableAction::Select { feature: f, add });
                }
                if resp.double_clicked() {
                    actions.push(TableAction::ZoomTo(f));
                }
            });
        });
    if let Some(i) = clicked_header {
        state.sort = match state.sort {
            Some((c, false)) if c == i => Some((i, true)),
            Some((c, true)) if c == i => None,
            _ => Some((i, false)),
        };
    }
    actions
}

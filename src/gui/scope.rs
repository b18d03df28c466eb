//! The scope the map and the attribute table follow ("data cut down to each level"): when the
//! village-file window picks a town or a village, every layer is cut to it in the background
//! ([`crate::core::analysis::scope`]) and only what lies in it is drawn, picked, labelled and listed. The
//! status bar says which scope is shown and returns to the whole county.

use super::layers::MapLayer;
use super::{Job, Lang};
use crate::core::analysis::profile::Scope;
use crate::core::analysis::scope::ScopeArea;
use crate::core::model::geom::BBox;
use egui::{Context, Ui};
use std::sync::Arc;

/// Features in scope per layer (layer id, mask; `None` for a layer that could not be cut), the
/// scope's Web Mercator extent and what could not be cut.
pub struct Masks {
    scope: Scope,
    layers: Vec<(u64, Option<Arc<Vec<bool>>>)>,
    extent: BBox,
    notes: Vec<String>,
}

/// State of the scope shown.
#[derive(Default)]
pub struct ScopeView {
    /// The scope asked for (the village-file window's).
    pub wanted: Scope,
    /// The scope the layers show.
    pub shown: Scope,
    /// How the shown scope reads ("鲤城街道 350322001（17 个村）").
    pub label: String,
    /// Layer ids the shown scope was computed for.
    layer_ids: Vec<u64>,
    job: Option<Job<Result<Masks, String>>>,
}

impl ScopeView {
    /// Whether a scope is being computed.
    pub fn busy(&self) -> bool {
        self.job.is_some()
    }

    /// Cuts `layers` to `scope` (in the background), the villages taken from layer
    /// `village_layer`. The county clears the scope at once.
    pub fn request(
        &mut self,
        scope: Scope,
        label: String,
        layers: &mut [MapLayer],
        village_layer: Option<u64>,
        ctx: &Context,
    ) {
        self.wanted = scope.clone();
        if let Some(j) = self.job.take() {
            j.progress.cancel_quietly();
        }
        if scope == Scope::County {
            for l in layers.iter_mut().filter(|l| l.scope.is_some()) {
                l.set_scope(None);
            }
            self.shown = Scope::County;
            self.label.clear();
            self.layer_ids.clear();
            return;
        }
        let Some(villages) = village_layer.and_then(|id| layers.iter().find(|l| l.id == id)) else {
            return;
        };
        let villages = villages.data.clone();
        let all: Vec<(u64, Arc<crate::core::model::layer::VectorLayer>)> =
            layers.iter().map(|l| (l.id, l.data.clone())).collect();
        self.layer_ids = all.iter().map(|(id, _)| *id).collect();
        self.label = label.clone();
        self.job = Some(Job::spawn(label, ctx, move |p| {
            let area = ScopeArea::new(&villages, &scope)
                .map_err(|e| format!("{e:#}"))?
                .ok_or_else(String::new)?;
            let mut out = Vec::new();
            let mut notes = Vec::new();
            for (id, l) in all {
                p.stage(&l.name, l.len() as u64);
                match area.members_noting(&l, p) {
                    Ok((m, stats)) => {
                        notes.extend(stats.warning(&l.name));
                        out.push((id, Some(Arc::new(m))))
                    }
                    Err(_) if p.is_cancelled() => return Err(String::new()),
                    // One layer that cannot be cut (its CRS) stays whole; the others are cut.
                    Err(e) => {
                        notes.push(format!(
                            "{} 未按范围裁切，全部显示 / {} not cut to the scope, shown whole: {e:#}",
                            l.name, l.name
                        ));
                        out.push((id, None));
                    }
                }
            }
            Ok(Masks {
                scope,
                layers: out,
                extent: area.display_bbox,
                notes,
            })
        }));
    }

    /// Applies a finished computation to `layers`. Returns the scope's extent to zoom to with
    /// notes on layers left uncut, or an error message. A layer added after the scope was
    /// computed is cut too.
    pub fn poll(
        &mut self,
        layers: &mut [MapLayer],
        village_layer: Option<u64>,
        ctx: &Context,
    ) -> Option<Result<(BBox, Vec<String>), String>> {
        if self.job.is_none()
            && self.shown != Scope::County
            && layers.iter().any(|l| !self.layer_ids.contains(&l.id))
        {
            let (scope, label) = (self.shown.clone(), self.label.clone());
            self.request(scope, label, layers, village_layer, ctx);
        }
        let r = self.job.as_ref()?.try_result().ok()?;
        self.job = None;
        match r {
            Ok(m) => {
                for (id, mask) in m.layers {
                    if let Some(l) = layers.iter_mut().find(|l| l.id == id) {
                        l.set_scope(mask);
                    }
                }
                self.shown = m.scope;
                Some(Ok((m.extent, m.notes)))
            }
            Err(e) if e.is_empty() => None,
            Err(e) => {
                self.wanted = self.shown.clone();
                Some(Err(e))
            }
        }
    }

    /// The status-bar item: the scope shown (or being computed, with a progress bar) and a
    /// button back to the whole county. Returns true when that button was clicked.
    pub fn status_ui(&self, ui: &mut Ui, lang: Lang) -> bool {
        if let Some(j) = &self.job {
            ui.separator();
            ui.label(format!("{} {}", lang.tr("范围", "Scope"), j.label));
            ui.add(egui::ProgressBar::new(j.progress.fraction()).desired_width(100.0));
        } else if self.shown != Scope::County {
            ui.separator();
            ui.label(
                egui::RichText::new(format!("{}{}", lang.tr("范围：", "Scope: "), self.label))
                    .strong()
                    .color(egui::Color32::from_rgb(180, 60, 40)),
            );
        } else {
            return false;
        }
        ui.small_button(lang.tr("显示全县", "Whole county"))
            .clicked()
    }
}

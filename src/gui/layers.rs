//! Layers on the map: each holds its data, style and the last image rendered for it. Rendering
//! runs in a background thread (one per layer, cancelled when the view moves on); while it runs
//! the previous image is shown moved and scaled, so panning and zooming never wait for it.

use crate::core::data::join::{with_joins, JoinReport, JoinResult, JoinSpec};
use crate::core::model::attrs::AttributeTable;
use crate::core::model::layer::VectorLayer;
use crate::core::model::style::{LayerStyle, StyleIndex};
use crate::core::output::render::{render_layer, ViewBox};
use egui::{ColorImage, Context, TextureHandle};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver};
use std::sync::Arc;

/// A render in progress.
struct RenderJob {
    view: ViewBox,
    version: u64,
    cancel: Arc<AtomicBool>,
    rx: Receiver<Option<ColorImage>>,
}

/// A layer shown on the map.
pub struct MapLayer {
    /// Unique id within the session.
    pub id: u64,
    /// The data.
    pub data: Arc<VectorLayer>,
    /// Display name.
    pub name: String,
    /// Style.
    pub style: LayerStyle,
    /// Colour per feature for `style`.
    pub style_index: Arc<StyleIndex>,
    /// Shown or hidden.
    pub visible: bool,
    /// Bumped whenever the style changes.
    pub version: u64,
    /// The attributes shown: the layer's own fields followed by joined ones.
    pub attrs: Arc<AttributeTable>,
    /// Joins of department data, with what each matched.
    pub joins: Vec<(JoinSpec, JoinReport)>,
    /// Bumped whenever `attrs` changes.
    pub attrs_version: u64,
    /// Which features are in the scope shown (county, town, village); `None`: all of them.
    /// Features out of scope are not drawn, picked, labelled or listed in the table.
    pub scope: Option<Arc<Vec<bool>>>,
    image: Option<(ViewBox, u64, TextureHandle)>,
    job: Option<RenderJob>,
    /// The style last used of each kind (single, categorized, graduated): switching back restores it.
    pub saved_styles: [Option<LayerStyle>; 3],
}

impl MapLayer {
    /// Wraps loaded data with a style.
    pub fn new(id: u64, data: VectorLayer, style: LayerStyle) -> MapLayer {
        let index = StyleIndex::build(&style, &data.attrs, data.len());
        MapLayer {
            id,
            attrs: Arc::new(data.attrs.clone()),
            joins: Vec::new(),
            attrs_version: 1,
            scope: None,
            name: data.name.clone(),
            data: Arc::new(data),
            style,
            style_index: Arc::new(index),
            visible: true,
            version: 1,
            image: None,
            job: None,
            saved_styles: [None, None, None],
        }
    }

    /// Sets a new style (the layer re-renders).
    pub fn set_style(&mut self, style: LayerStyle) {
        let colors_changed = style.symbology != self.style.symbology;
        self.style = style;
        if colors_changed {
            self.rebuild_style_index();
        }
        self.version += 1;
    }

    /// Shows only the features in `scope` (`None`: all). The layer re-renders and its table
    /// refilters.
    pub fn set_scope(&mut self, scope: Option<Arc<Vec<bool>>>) {
        self.scope = scope;
        self.rebuild_style_index();
        self.attrs_version += 1;
        self.version += 1;
    }

    /// Whether feature `f` is in the scope shown.
    pub fn in_scope(&self, f: usize) -> bool {
        self.scope
            .as_ref()
            .is_none_or(|m| m.get(f).copied().unwrap_or(false))
    }

    /// Whether the layer's polygons are drawn as outlines only (a transparent fill: villages, towns).
    pub fn outline_only(&self) -> bool {
        matches!(
            &self.style.symbology,
            crate::core::model::style::Symbology::Single { color } if color.0[3] == 0
        ) && self.data.kind() == crate::core::model::geom::GeomKind::Polygon
    }

    /// The topmost feature under a Web Mercator point as the map shows it: for a layer drawn as outlines
    /// only, a feature whose outline is within 60 % of `tol` (a thin line is hit on the line; its inside shows
    /// what lies below); else as [`Self::pick`].
    pub fn pick_shown(&self, x: f64, y: f64, tol: f64) -> Option<u32> {
        if !self.outline_only() {
            return self.pick(x, y, tol);
        }
        let tol = tol * 0.6;
        let bb = crate::core::model::geom::BBox::around(x, y, tol);
        self.data
            .query(&bb)
            .filter(|&f| {
                self.in_scope(f as usize) && self.data.display.near_boundary(f as usize, x, y, tol)
            })
            .max()
    }

    /// The field names and values of feature `f`, in field order, values as the table shows them (identify).
    pub fn attribute_rows(&self, f: u32) -> Vec<(String, String)> {
        self.attrs
            .fields
            .iter()
            .enumerate()
            .map(|(c, fd)| (fd.name.clone(), self.attrs.get(f as usize, c).to_string()))
            .collect()
    }

    /// The topmost feature in scope within `tol` of a Web Mercator point.
    pub fn pick(&self, x: f64, y: f64, tol: f64) -> Option<u32> {
        let bb = crate::core::model::geom::BBox::around(x, y, tol);
        self.data
            .query(&bb)
            .filter(|&f| self.in_scope(f as usize) && self.data.display.hit(f as usize, x, y, tol))
            .max()
    }

    /// Colours per feature for the style, with features out of scope hidden.
    fn rebuild_style_index(&mut self) {
        let mut index = StyleIndex::build(&self.style, &self.attrs, self.data.len());
        if let Some(m) = &self.scope {
            for (c, &inside) in index.feature_color.iter_mut().zip(m.iter()) {
                if !inside {
                    *c = u16::MAX;
                }
            }
        }
        self.style_index = Arc::new(index);
    }

    /// Replaces the joined fields with `joins` (the layer's own fields stay; the style is
    /// rebuilt, so a choropleth of a joined field follows new data).
    pub fn set_joins(&mut self, joins: Vec<JoinResult>) {
        self.attrs = Arc::new(with_joins(&self.data.attrs, &joins));
        self.joins = joins.into_iter().map(|j| (j.spec, j.report)).collect();
        self.attrs_version += 1;
        self.rebuild_style_index();
        self.version += 1;
    }

    /// The last finished image and the view it was drawn for.
    pub fn image(&self) -> Option<(&ViewBox, &TextureHandle)> {
        self.image.as_ref().map(|(v, _, t)| (v, t))
    }

    /// Whether a render is running.
    pub fn rendering(&self) -> bool {
        self.job.is_some()
    }

    /// Collects a finished render, if any. Returns true when the image changed.
    pub fn poll(&mut self, ctx: &Context) -> bool {
        let Some(job) = &self.job else { return false };
        match job.rx.try_recv() {
            Ok(Some(img)) => {
                let tex = ctx.load_texture(
                    format!("layer-{}", self.id),
                    img,
                    egui::TextureOptions::LINEAR,
                );
                self.image = Some((job.view, job.version, tex));
                self.job = None;
                true
            }
            Ok(None) | Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                self.job = None;
                false
            }
            Err(std::sync::mpsc::TryRecvError::Empty) => false,
        }
    }

    /// Whether the image is for `view` and the current style.
    pub fn is_current(&self, view: &ViewBox) -> bool {
        matches!(&self.image, Some((v, ver, _)) if v == view && *ver == self.version)
    }

    /// Starts rendering `view` in the background unless that render is done or running;
    /// a running render of another view is cancelled.
    pub fn request(&mut self, view: ViewBox, ctx: &Context) {
        if self.is_current(&view) {
            return;
        }
        if let Some(job) = &self.job {
            if job.view == view && job.version == self.version {
                return;
            }
            job.cancel.store(true, Ordering::Relaxed);
        }
        let cancel = Arc::new(AtomicBool::new(false));
        let (tx, rx) = channel();
        let (data, index, mut style, c2, ctx2) = (
            self.data.clone(),
            self.style_index.clone(),
            self.style.clone(),
            cancel.clone(),
            ctx.clone(),
        );
        style.opacity = 1.0; // opacity is applied when the image is drawn
        let spawned = std::thread::Builder::new()
            .name("render".into())
            .spawn(move || {
                let out = tiny_skia::Pixmap::new(view.width.max(1), view.height.max(1)).and_then(
                    |mut pm| {
                        render_layer(&mut pm, &data, &style, &index, &view, &|| {
                            c2.load(Ordering::Relaxed)
                        })
                        .ok()?;
                        Some(ColorImage::from_rgba_premultiplied(
                            [pm.width() as usize, pm.height() as usize],
                            pm.data(),
                        ))
                    },
                );
                let _ = tx.send(out);
                ctx2.request_repaint();
            });
        if spawned.is_ok() {
            self.job = Some(RenderJob {
                view,
                version: self.version,
                cancel,
                rx,
            });
        }
    }
}

impl Drop for MapLayer {
    fn drop(&mut self) {
        if let Some(job) = &self.job {
            job.cancel.store(true, Ordering::Relaxed);
        }
    }
}

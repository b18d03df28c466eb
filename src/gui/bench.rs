//! Frame-time benchmark of the map (`yitu bench --frames`): the real app in a headless egui
//! context with a county of parcels loaded, panning and zooming frame after frame. Measures the
//! CPU time of each frame (UI pass and tessellation) and the time to the first complete picture.

use super::app::YituApp;
use crate::core::io::project::Settings;
use crate::core::io::read::load_layer;
use crate::core::model::progress::Progress;
use serde::Serialize;
use std::path::Path;
use std::time::{Duration, Instant};

/// Frame statistics.
#[derive(Debug, Clone, Serialize)]
pub struct FrameStats {
    /// Frames measured while panning and zooming.
    pub frames: usize,
    /// Mean CPU time per frame, ms.
    pub mean_ms: f64,
    /// 95th percentile, ms.
    pub p95_ms: f64,
    /// Slowest frame, ms.
    pub max_ms: f64,
    /// From the start of loading to the first frame showing every parcel, s.
    pub first_picture_s: f64,
    /// Parcels shown.
    pub features: usize,
    /// Mean vertices tessellated per frame (UI, basemap, layer images, labels).
    pub mean_vertices: usize,
}

/// One frame: the UI pass and tessellation. Returns its CPU time and the number of vertices
/// tessellated (to show the frame really drew the map).
fn frame(ctx: &egui::Context, app: &mut YituApp, size: egui::Vec2, time: f64) -> (Duration, usize) {
    let input = egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(egui::Pos2::ZERO, size)),
        time: Some(time),
        ..Default::default()
    };
    let t = Instant::now();
    let out = ctx.run_ui(input, |ui| app.ui(ui));
    let meshes = ctx.tessellate(out.shapes, out.pixels_per_point);
    let elapsed = t.elapsed();
    let vertices = meshes
        .iter()
        .map(|m| match &m.primitive {
            egui::epaint::Primitive::Mesh(m) => m.vertices.len(),
            _ => 0,
        })
        .sum();
    (elapsed, vertices)
}

/// Runs the benchmark on layer DLTB of `gpkg`.
pub fn frames(gpkg: &Path) -> anyhow::Result<FrameStats> {
    let t0 = Instant::now();
    let layer = load_layer(gpkg, Some("DLTB"), &Progress::new())?;
    frames_of(vec![layer], t0, (0.08, 0.05), 1.5)
}

/// The national view of the talent map: `layers` (sources, flow lines, the province choropleth) over all China,
/// panned by about 8° and zoomed over 2 levels, frame after frame.
pub fn national_frames(
    layers: Vec<crate::core::model::layer::VectorLayer>,
) -> anyhow::Result<FrameStats> {
    frames_of(layers, Instant::now(), (8.0, 5.0), 2.0)
}

/// Loads `layers` into a headless app, waits for their first complete picture (timed from `t0`), then pans around
/// the view's centre by `pan` degrees (longitude, latitude) and zooms by up to `zoom` levels for 300 frames.
fn frames_of(
    layers: Vec<crate::core::model::layer::VectorLayer>,
    t0: Instant,
    pan: (f64, f64),
    zoom: f64,
) -> anyhow::Result<FrameStats> {
    let ctx = egui::Context::default();
    super::install_fonts(&ctx);
    let size = egui::vec2(1600.0, 1000.0);
    let mut app = YituApp::new(ctx.clone(), Settings::default());
    let n = layers.iter().map(|l| l.len()).sum();
    for layer in layers {
        app.add_layer(layer, None);
    }
    app.zoom_to_all();
    // Frames until the parcels' image is on screen.
    let clock = Instant::now();
    loop {
        frame(&ctx, &mut app, size, clock.elapsed().as_secs_f64());
        if app.layers.iter().all(|l| l.image().is_some()) {
            break;
        }
        if t0.elapsed() > Duration::from_secs(60) {
            anyhow::bail!("the map did not draw within 60 s");
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let first_picture_s = t0.elapsed().as_secs_f64();
    // Pan and zoom around the county for 300 frames.
    let home = app
        .map
        .memory
        .detached()
        .map(|p| (p.x(), p.y()))
        .unwrap_or((118.7, 25.4));
    let z0 = app.map.memory.zoom();
    let mut times = Vec::new();
    let mut verts = 0;
    for i in 0..300 {
        let t = i as f64 / 300.0 * std::f64::consts::TAU;
        app.map.memory.center_at(walkers::lon_lat(
            home.0 + pan.0 * t.cos(),
            home.1 + pan.1 * t.sin(),
        ));
        let _ = app
            .map
            .memory
            .set_zoom(z0 + zoom * (0.5 - 0.5 * (2.0 * t).cos()));
        let (d, v) = frame(&ctx, &mut app, size, clock.elapsed().as_secs_f64());
        verts += v;
        times.push(d.as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    Ok(FrameStats {
        frames: times.len(),
        mean_ms: mean,
        p95_ms: times[times.len() * 95 / 100],
        max_ms: *times.last().unwrap(),
        first_picture_s,
        features: n,
        mean_vertices: verts / 300,
    })
}

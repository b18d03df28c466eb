//! `yitu bench`: speed and memory of loading, indexing, drawing and querying a county-sized
//! parcel layer, against reading the raw blobs with SQLite and GDAL's per-feature API on the same
//! file. Generates the 10⁶-parcel county first when it is missing (outside git).

use super::layer::load_layer;
use super::progress::Progress;
use super::render::{render_layer, ViewBox};
use super::style::{LayerStyle, StyleIndex};
use serde::Serialize;
use std::path::Path;
use std::time::Instant;

/// One measurement.
#[derive(Debug, Clone, Serialize)]
pub struct Measure {
    /// What was measured.
    pub name: String,
    /// Wall time, seconds.
    pub seconds: f64,
    /// Peak resident memory during it, MB (where measurable).
    pub peak_mb: Option<f64>,
    /// Notes (counts).
    pub note: String,
}

/// Resets the kernel's peak-RSS counter of this process (Linux).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident memory since the last reset, MB.
pub fn peak_mb() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Current resident memory, MB.
pub fn rss_mb() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn timed<T>(
    out: &mut Vec<Measure>,
    name: &str,
    f: impl FnOnce() -> anyhow::Result<(T, String)>,
) -> anyhow::Result<T> {
    reset_peak();
    let t = Instant::now();
    let (v, note) = f()?;
    let m = Measure {
        name: name.into(),
        seconds: t.elapsed().as_secs_f64(),
        peak_mb: peak_mb(),
        note,
    };
    eprintln!(
        "{:<44} {:>8.3} s  {:>8} MB  {}",
        m.name,
        m.seconds,
        m.peak_mb.map(|p| format!("{p:.0}")).unwrap_or_default(),
        m.note
    );
    out.push(m);
    Ok(v)
}

/// Runs the benchmark on `gpkg` (layer DLTB); returns the measurements.
pub fn run(gpkg: &Path) -> anyhow::Result<Vec<Measure>> {
    let mut out = Vec::new();
    let size_mb = std::fs::metadata(gpkg)?.len() as f64 / 1e6;
    eprintln!("file: {} ({size_mb:.0} MB)", gpkg.display());

    // 1. YiTu: load with spatial index (first, so its peak memory is its own).
    let layer = timed(
        &mut out,
        "YiTu load DLTB (decode, attributes, project, index)",
        || {
            let l = load_layer(gpkg, Some("DLTB"), &Progress::new())?;
            let n = format!("{} parcels, {} vertices", l.len(), l.geoms.coords.len());
            Ok((l, n))
        },
    )?;

    // 2. First frame: render the whole county at 1600 × 1000 pixels.
    let style = LayerStyle::default_for("DLTB", layer.kind(), &layer.attrs, 0);
    let index = timed(&mut out, "style index (DLBM categories)", || {
        let i = StyleIndex::build(&style, &layer.attrs, layer.len());
        Ok((i, String::new()))
    })?;
    let view = ViewBox::fit(layer.display_extent(), 1600, 1000);
    timed(
        &mut out,
        "render county extent 1600x1000 (background)",
        || {
            let mut pm = tiny_skia::Pixmap::new(1600, 1000).unwrap();
            let n = render_layer(&mut pm, &layer, &style, &index, &view, &|| false)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok(((), format!("{n} features drawn")))
        },
    )?;
    // A view of one township (about 1/16 of the county).
    let e = layer.display_extent();
    let (cx, cy) = e.center();
    let town = super::geom::BBox {
        min_x: cx - e.width() / 8.0,
        max_x: cx + e.width() / 8.0,
        min_y: cy - e.height() / 8.0,
        max_y: cy + e.height() / 8.0,
    };
    let tview = ViewBox::fit(town, 1600, 1000);
    timed(
        &mut out,
        "render township view 1600x1000 (background)",
        || {
            let mut pm = tiny_skia::Pixmap::new(1600, 1000).unwrap();
            let n = render_layer(&mut pm, &layer, &style, &index, &tview, &|| false)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok(((), format!("{n} features drawn")))
        },
    )?;

    // 3. Identify: 10 000 random clicks.
    timed(
        &mut out,
        "identify x10000 (R-tree + point in polygon)",
        || {
            let mut hits = 0;
            for i in 0..10_000u64 {
                let fx = super::sample::terrain::hash01(1, i as i64, 0);
                let fy = super::sample::terrain::hash01(2, i as i64, 0);
                if layer
                    .pick(e.min_x + fx * e.width(), e.min_y + fy * e.height(), 1.0)
                    .is_some()
                {
                    hits += 1;
                }
            }
            Ok(((), format!("{hits} hits")))
        },
    )?;

    // 4. Attribute table: sort by TBMJ.
    let col = layer.attrs.field_index("TBMJ").unwrap_or(0);
    timed(&mut out, "attribute table sort by TBMJ", || {
        let rows: Vec<u32> = (0..layer.len() as u32).collect();
        let s = layer.attrs.sorted_rows(col, &rows, true);
        Ok(((), format!("{} rows", s.len())))
    })?;
    drop(layer);

    // 5. Baselines on the same file.
    timed(&mut out, "baseline: raw geometry blobs with SQLite", || {
        let c = rusqlite::Connection::open_with_flags(
            gpkg,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )?;
        let mut st = c.prepare("SELECT geom FROM DLTB")?;
        let mut rows = st.query([])?;
        let (mut n, mut bytes) = (0u64, 0u64);
        while let Some(r) = rows.next()? {
            if let Ok(rusqlite::types::ValueRef::Blob(b)) = r.get_ref(0) {
                bytes += b.len() as u64;
            }
            n += 1;
        }
        Ok(((), format!("{n} blobs, {:.0} MB", bytes as f64 / 1e6)))
    })?;
    timed(
        &mut out,
        "baseline: GDAL per-feature read (geometry as WKB)",
        || {
            use gdal::vector::LayerAccess;
            let ds = gdal::Dataset::open(gpkg)?;
            let mut l = ds.layer_by_name("DLTB")?;
            let mut n = 0u64;
            let mut bytes = 0usize;
            for f in l.features() {
                if let Some(g) = f.geometry() {
                    bytes += g.wkb().map(|w| w.len()).unwrap_or(0);
                }
                n += 1;
            }
            Ok((
                (),
                format!("{n} features, {:.0} MB WKB", bytes as f64 / 1e6),
            ))
        },
    )?;
    Ok(out)
}

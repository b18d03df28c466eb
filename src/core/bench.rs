//! `yitu bench`: speed and memory of loading, indexing, drawing and querying a county-sized
//! parcel layer, against reading the raw blobs with SQLite and GDAL's per-feature API on the same
//! file. Generates the 10⁶-parcel county first when it is missing (outside git).
//!
//! May use: every layer of the core and the sample generator; nothing in the core uses it.

use crate::core::io::read::load_layer;
use crate::core::model::progress::Progress;
use crate::core::model::style::{LayerStyle, StyleIndex};
use crate::core::output::render::{render_layer, ViewBox};
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
    let town = crate::core::model::geom::BBox {
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

/// Writes the benchmark's department table: `rows` rows, 20 columns (credit codes, village
/// codes, Chinese names and addresses, industry codes, dates, amounts), GBK encoded, with a
/// quoted field containing the delimiter every 50th row.
pub fn write_gbk_table(path: &Path, rows: usize) -> anyhow::Result<()> {
    use rand::{Rng, SeedableRng};
    use std::io::Write;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(20);
    let tmp = path.with_extension("csv.tmp");
    let mut f = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&tmp)?);
    let header = "序号,统一社会信用代码,企业名称,村代码,村名称,乡镇,行业代码,行业名称,登记日期,注册资本（万元）,从业人数,营业收入（万元）,纳税额（万元）,是否规上,联系电话,地址,经度,纬度,备注,年度\n";
    f.write_all(&encoding_rs::GBK.encode(header).0)?;
    let towns = [
        "鲤城街道",
        "鲤南镇",
        "榜头镇",
        "郊尾镇",
        "枫亭镇",
        "盖尾镇",
        "度尾镇",
        "大济镇",
    ];
    let villages = [
        "洋顶", "东门", "下林", "象坂", "富洋", "玉塔", "双峰", "横塘", "园庄", "溪口",
    ];
    let trades = [
        ("C1311", "谷物磨制"),
        ("C2110", "木质家具制造"),
        ("C2438", "珠宝首饰及有关物品制造"),
        ("A0141", "水果种植"),
        ("F5123", "果品、蔬菜批发"),
    ];
    let mut line = String::with_capacity(512);
    for i in 0..rows {
        line.clear();
        let t = rng.random_range(0..towns.len());
        let v = rng.random_range(0..villages.len());
        let (code, trade) = trades[rng.random_range(0..trades.len())];
        use std::fmt::Write as _;
        let _ = write!(
            line,
            "{},91350322MA{:08}X,{}{}{}有限公司,35032210{:04},{}村,{},{},{},20{:02}-{:02}-{:02},{:.2},{},{:.2},{:.2},{},1{:010},福建省莆田市仙游县{}{}村{}号,{:.6},{:.6},{},{}\n",
            i + 1,
            rng.random_range(0..100_000_000u32),
            villages[v],
            ["兴业", "宏达", "鑫源", "华艺"][i % 4],
            ["工艺", "食品", "家具", "贸易"][(i / 4) % 4],
            rng.random_range(0..3000u32),
            villages[v],
            towns[t],
            code,
            trade,
            rng.random_range(5..25u32),
            rng.random_range(1..13u32),
            rng.random_range(1..29u32),
            rng.random_range(10.0..5000.0f64),
            rng.random_range(1..800u32),
            rng.random_range(50.0..90000.0f64),
            rng.random_range(0.0..900.0f64),
            if rng.random_bool(0.2) { "是" } else { "否" },
            rng.random_range(0..10_000_000_000u64),
            towns[t],
            villages[v],
            rng.random_range(1..300u32),
            118.5 + rng.random_range(0.0..0.5f64),
            25.2 + rng.random_range(0.0..0.4f64),
            if i % 50 == 0 { "\"含逗号, 的备注\"" } else { "正常经营" },
            2024
        );
        f.write_all(&encoding_rs::GBK.encode(&line).0)?;
    }
    f.flush()?;
    drop(f);
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// The department-data benchmark: import a `rows`-row GBK table into the cache against pandas
/// (`read_csv(encoding='gbk')` + `to_sql`, when Python with pandas is installed), and join the
/// parcels of `county_gpkg` to a village table.
pub fn department_data(
    dir: &Path,
    rows: usize,
    county_gpkg: &Path,
) -> anyhow::Result<Vec<Measure>> {
    use crate::core::data::cache::Cache;
    let mut out = Vec::new();
    std::fs::create_dir_all(dir)?;
    let csv = dir.join(format!("enterprises_{rows}_gbk.csv"));
    if !csv.exists() {
        timed(&mut out, "generate the GBK table", || {
            write_gbk_table(&csv, rows)?;
            Ok(((), String::new()))
        })?;
    }
    let size_mb = std::fs::metadata(&csv)?.len() as f64 / 1e6;
    eprintln!("table: {} ({size_mb:.0} MB)", csv.display());
    let db = dir.join("bench-cache.sqlite");
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
    }
    let base = rss_mb().unwrap_or(0.0);
    let v = timed(&mut out, "YiTu import GBK CSV into the cache", || {
        let mut c = Cache::open(&db)?;
        let v = c.import_file(
            "企业",
            "市场监管局",
            &csv,
            &Default::default(),
            &Progress::new(),
        )?;
        let n = format!(
            "{} rows x {} columns, {:.0} MB file; RSS before {base:.0} MB",
            v.row_count,
            v.columns.len(),
            size_mb
        );
        Ok((v, n))
    })?;
    let yitu_s = out.last().map(|m| m.seconds).unwrap_or(0.0);
    // pandas on the same file, in its own process.
    let py = r#"
import sys, time, sqlite3, resource, json, os
import pandas as pd
f, db = sys.argv[1], sys.argv[2]
if os.path.exists(db): os.remove(db)
t = time.time()
df = pd.read_csv(f, encoding='gbk')
t_read = time.time() - t
con = sqlite3.connect(db)
df.to_sql('data', con, index=False)
con.commit(); con.close()
print(json.dumps({"seconds": time.time() - t, "read": t_read, "rows": len(df),
  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "pandas": pd.__version__}))
"#;
    let pdb = dir.join("bench-pandas.sqlite");
    match std::process::Command::new("python3")
        .args(["-c", py])
        .arg(&csv)
        .arg(&pdb)
        .output()
    {
        Ok(o) if o.status.success() => {
            let j: serde_json::Value = serde_json::from_slice(&o.stdout)?;
            let s = j["seconds"].as_f64().unwrap_or(0.0);
            let m = Measure {
                name: "pandas read_csv(gbk) + to_sql (same file)".into(),
                seconds: s,
                peak_mb: j["peak_mb"].as_f64(),
                note: format!(
                    "pandas {}, read_csv {:.2} s, {} rows; YiTu is {:.1}x faster",
                    j["pandas"].as_str().unwrap_or("?"),
                    j["read"].as_f64().unwrap_or(0.0),
                    j["rows"],
                    s / yitu_s.max(1e-9)
                ),
            };
            eprintln!(
                "{:<44} {:>8.3} s  {:>8.0} MB  {}",
                m.name,
                m.seconds,
                m.peak_mb.unwrap_or(0.0),
                m.note
            );
            out.push(m);
        }
        Ok(o) => eprintln!(
            "pandas baseline skipped: {}",
            String::from_utf8_lossy(&o.stderr)
                .lines()
                .last()
                .unwrap_or("")
        ),
        Err(e) => eprintln!("pandas baseline skipped: {e}"),
    }
    let _ = std::fs::remove_file(&pdb);
    timed(
        &mut out,
        "read the imported version back (columnar)",
        || {
            let c = Cache::open(&db)?;
            let t = c.load_table("企业", Some(v.version))?;
            Ok(((), format!("{} rows", t.attrs.len())))
        },
    )?;

    // Join the county's parcels to a village table.
    let parcels = load_layer(county_gpkg, Some("DLTB"), &Progress::new())?;
    let villages = load_layer(county_gpkg, Some("CJDCQ"), &Progress::new())?;
    let code = villages
        .attrs
        .field_index("ZLDWDM")
        .ok_or_else(|| anyhow::anyhow!("CJDCQ has no ZLDWDM"))?;
    let name = villages.attrs.field_index("ZLDWMC").unwrap_or(code);
    let mut table = crate::core::model::attrs::AttributeTable::new(vec![
        crate::core::model::attrs::Field {
            name: "村代码".into(),
            ftype: crate::core::model::attrs::FieldType::Text,
            source_type: String::new(),
        },
        crate::core::model::attrs::Field {
            name: "村名称".into(),
            ftype: crate::core::model::attrs::FieldType::Text,
            source_type: String::new(),
        },
        crate::core::model::attrs::Field {
            name: "户籍人口".into(),
            ftype: crate::core::model::attrs::FieldType::Integer,
            source_type: String::new(),
        },
    ]);
    for r in 0..villages.len() {
        let c = villages.attrs.get(r, code).to_string();
        let cols = &mut table.columns;
        std::sync::Arc::make_mut(&mut cols[0]).push_text(&c[..12.min(c.len())]);
        std::sync::Arc::make_mut(&mut cols[1])
            .push_text(&format!("{}村委会", villages.attrs.get(r, name)));
        std::sync::Arc::make_mut(&mut cols[2]).push_int(1000 + r as i64);
    }
    timed(
        &mut out,
        "join parcels to villages by code (ZLDWDM)",
        || {
            let spec = crate::core::data::join::JoinSpec::new("人口", "ZLDWDM", "村代码");
            let j = crate::core::data::join::join(&parcels.attrs, &table, &spec)?;
            Ok((
                (),
                format!(
                    "{} parcels, {} village rows, {} matched",
                    parcels.len(),
                    table.len(),
                    j.report.matched_features
                ),
            ))
        },
    )?;
    timed(
        &mut out,
        "join parcels to villages by name (ZLDWMC)",
        || {
            let spec = crate::core::data::join::JoinSpec::new("人口", "ZLDWMC", "村名称");
            let j = crate::core::data::join::join(&parcels.attrs, &table, &spec)?;
            Ok((
                (),
                format!(
                    "{} matched, {} duplicate names",
                    j.report.matched_features,
                    j.report.duplicate_table_keys.len()
                ),
            ))
        },
    )?;
    Ok(out)
}

/// Seeded clumped points over a 50 km square (metres): 80 % in 40 Gaussian-like clusters, the rest scattered.
pub fn clumped_points(n: usize, seed: u64) -> Vec<[f64; 2]> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let centres: Vec<[f64; 2]> = (0..40)
        .map(|_| [rng.random_range(3e3..47e3), rng.random_range(3e3..47e3)])
        .collect();
    (0..n)
        .map(|i| {
            if i % 5 == 4 {
                [rng.random_range(0.0..50e3), rng.random_range(0.0..50e3)]
            } else {
                let c = centres[i % 40];
                let r = rng.random::<f64>().sqrt() * 1500.0 * (1.0 + (i % 3) as f64);
                let a = rng.random::<f64>() * std::f64::consts::TAU;
                [c[0] + r * a.cos(), c[1] + r * a.sin()]
            }
        })
        .collect()
}

fn write_f64(path: &Path, values: impl Iterator<Item = f64>) -> anyhow::Result<()> {
    let mut b = Vec::new();
    for v in values {
        b.extend_from_slice(&v.to_le_bytes());
    }
    std::fs::write(path, b)?;
    Ok(())
}

/// The Python side of [`spatial_statistics`]: numpy's quartic KDE (vectorised, bincount), PySAL esda Gi* (analytic
/// and 999 permutations on all cores) and scikit-learn DBSCAN on the same inputs; prints JSON.
const SPATIAL_PY: &str = r#"
import sys, json, time, warnings
import numpy as np
warnings.filterwarnings("ignore")
d = sys.argv[1]
a = json.loads(sys.argv[2])
out = {}
def kde(xy, min_x, max_y, cell, cols, rows, r):
    k = int(np.ceil(r / cell)) + 1
    offs = np.arange(-k, k + 1)
    acc = np.zeros(rows * cols)
    for ch in np.array_split(xy, max(1, len(xy) // 20000)):
        c0 = np.floor((ch[:, 0] - min_x) / cell).astype(np.int64)
        r0 = np.floor((max_y - ch[:, 1]) / cell).astype(np.int64)
        cc = c0[:, None, None] + offs[None, None, :]
        rr = r0[:, None, None] + offs[None, :, None]
        d2 = (min_x + (cc + 0.5) * cell - ch[:, 0, None, None]) ** 2 + (max_y - (rr + 0.5) * cell - ch[:, 1, None, None]) ** 2
        ok = (d2 < r * r) & (cc >= 0) & (cc < cols) & (rr >= 0) & (rr < rows)
        idx = np.broadcast_to(rr * cols + cc, d2.shape)[ok]
        val = (3.0 / (np.pi * r * r) * 1e6 * (1 - d2 / (r * r)) ** 2)[ok]
        acc += np.bincount(idx, weights=val, minlength=rows * cols)
    return acc
for n in (100000, 1000000):
    xy = np.fromfile(f"{d}/kde_{n}.f64").reshape(-1, 2)
    g = a[f"kde_{n}"]
    t = time.time()
    v = kde(xy, g["min_x"], g["max_y"], g["cell"], g["cols"], g["rows"], g["radius"])
    out[f"kde_{n}"] = time.time() - t
    ours = np.fromfile(f"{d}/kde_{n}_yitu.f64")
    out[f"kde_{n}_maxdiff"] = float(np.abs(v - ours).max() / max(v.max(), 1e-300))
import esda, libpysal, sklearn
from sklearn.cluster import DBSCAN
c = np.fromfile(f"{d}/gi_centres.f64").reshape(-1, 2)
y = np.fromfile(f"{d}/gi_values.f64")
t = time.time()
w = libpysal.weights.DistanceBand(c, threshold=a["band"], binary=True, silence_warnings=True)
g = esda.G_Local(y, w, transform="B", star=True, permutations=0)
out["gi"] = time.time() - t
out["gi_maxdiff"] = float(np.abs(g.Zs - np.fromfile(f"{d}/gi_z_yitu.f64")).max())
t = time.time()
w = libpysal.weights.DistanceBand(c, threshold=a["band"], binary=True, silence_warnings=True)
g = esda.G_Local(y, w, transform="B", star=True, permutations=999, n_jobs=-1, seed=1)
out["gi_999"] = time.time() - t
p = np.fromfile(f"{d}/db_points.f64").reshape(-1, 2)
t = time.time()
lab = DBSCAN(eps=a["eps"], min_samples=a["min_samples"], n_jobs=-1).fit(p).labels_
out["dbscan"] = time.time() - t
out["dbscan_same"] = bool((lab == np.fromfile(f"{d}/db_labels_yitu.f64").astype(np.int64)).all())
out["versions"] = f"numpy {np.__version__}, esda {esda.__version__}, libpysal {libpysal.__version__}, scikit-learn {sklearn.__version__}"
print(json.dumps(out))
"#;

/// `yitu bench-chain`: the spatial statistics of the industry chains against their Python references in one run —
/// the quartic KDE of 10⁵ and 10⁶ clumped points on a 400 × 400 grid (radius 1 km) against numpy, Gi* on 10⁵
/// hexagons (analytic, and 999 permutations) against PySAL esda, DBSCAN of 10⁵ points against scikit-learn —,
/// with the answers compared. `python` must import numpy, esda, libpysal and scikit-learn (the reference venv).
pub fn spatial_statistics(dir: &Path, python: &Path) -> anyhow::Result<Vec<Measure>> {
    use crate::core::analysis::{cluster, density, hotspot};
    use crate::core::model::geom::BBox;
    std::fs::create_dir_all(dir)?;
    let mut out = Vec::new();
    let mut args = serde_json::Map::new();
    let all = clumped_points(1_000_000, 2026);
    let mut yitu_s = std::collections::BTreeMap::new();
    for n in [100_000usize, 1_000_000] {
        let pts = &all[..n];
        let ext = BBox {
            min_x: 0.0,
            min_y: 0.0,
            max_x: 50e3 - 2000.0,
            max_y: 50e3 - 2000.0,
        };
        let g = timed(
            &mut out,
            &format!("YiTu KDE of {n} points, 400 x 400"),
            || {
                let g = density::kernel_density(pts, &[], ext, 125.0, 1000.0)
                    .map_err(anyhow::Error::msg)?;
                let note = format!("{} x {} cells, radius 1000 m", g.cols, g.rows);
                Ok((g, note))
            },
        )?;
        yitu_s.insert(format!("kde_{n}"), out.last().map_or(0.0, |m| m.seconds));
        write_f64(
            &dir.join(format!("kde_{n}.f64")),
            pts.iter().flatten().copied(),
        )?;
        write_f64(
            &dir.join(format!("kde_{n}_yitu.f64")),
            g.values.iter().copied(),
        )?;
        args.insert(
            format!("kde_{n}"),
            serde_json::json!({"min_x": g.min_x, "max_y": g.max_y, "cell": g.cell, "cols": g.cols, "rows": g.rows, "radius": 1000.0}),
        );
    }
    // Gi* on ~10⁵ hexagons holding the 10⁶ points.
    let grid = hotspot::HexGrid::new([0.0, 0.0, 50e3, 50e3], 150.0).map_err(anyhow::Error::msg)?;
    let mut count: std::collections::HashMap<(i64, i64), f64> = Default::default();
    for p in &all {
        *count.entry(grid.locate(*p)).or_default() += 1.0;
    }
    let cells: Vec<(i64, i64)> = grid.cells().collect();
    let centres: Vec<[f64; 2]> = cells.iter().map(|&(r, c)| grid.centre(r, c)).collect();
    let values: Vec<f64> = cells
        .iter()
        .map(|k| count.get(k).copied().unwrap_or(0.0))
        .collect();
    let band = hotspot::suggest_band(&centres).unwrap_or(150.0);
    let gi = timed(
        &mut out,
        &format!("YiTu Gi* on {} hexagons", centres.len()),
        || {
            let g = hotspot::gi_star(&centres, &values, band, true).map_err(anyhow::Error::msg)?;
            Ok((g, format!("band {band:.1} m, FDR")))
        },
    )?;
    yitu_s.insert("gi".into(), out.last().map_or(0.0, |m| m.seconds));
    timed(&mut out, "YiTu Gi* 999 permutations", || {
        let p = hotspot::gi_star_pseudo_p(&centres, &values, band, 999, 1, &Progress::new())
            .map_err(anyhow::Error::msg)?;
        Ok((p, "conditional randomisation, all cores".to_string()))
    })?;
    yitu_s.insert("gi_999".into(), out.last().map_or(0.0, |m| m.seconds));
    write_f64(
        &dir.join("gi_centres.f64"),
        centres.iter().flatten().copied(),
    )?;
    write_f64(&dir.join("gi_values.f64"), values.iter().copied())?;
    write_f64(&dir.join("gi_z_yitu.f64"), gi.iter().map(|g| g.z))?;
    args.insert("band".into(), band.into());
    // DBSCAN of 10⁵ points.
    let pts = &all[..100_000];
    let (eps, min_samples) = (100.0, 5usize);
    let labels = timed(&mut out, "YiTu DBSCAN of 100000 points", || {
        let l = cluster::dbscan(pts, eps, min_samples).map_err(anyhow::Error::msg)?;
        let k = l.iter().copied().max().unwrap_or(-1) + 1;
        Ok((
            l,
            format!("eps {eps} m, min_samples {min_samples}: {k} clusters"),
        ))
    })?;
    yitu_s.insert("dbscan".into(), out.last().map_or(0.0, |m| m.seconds));
    write_f64(&dir.join("db_points.f64"), pts.iter().flatten().copied())?;
    write_f64(
        &dir.join("db_labels_yitu.f64"),
        labels.iter().map(|&l| l as f64),
    )?;
    args.insert("eps".into(), eps.into());
    args.insert("min_samples".into(), min_samples.into());
    eprintln!("Python references (numpy, esda, scikit-learn) on the same inputs …");
    let o = std::process::Command::new(python)
        .args(["-c", SPATIAL_PY])
        .arg(dir)
        .arg(serde_json::Value::Object(args).to_string())
        .output()?;
    anyhow::ensure!(
        o.status.success(),
        "Python reference failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let j: serde_json::Value = serde_json::from_slice(&o.stdout)?;
    for (key, name, check) in [
        (
            "kde_100000",
            "numpy KDE of 100000 points",
            "kde_100000_maxdiff",
        ),
        (
            "kde_1000000",
            "numpy KDE of 1000000 points",
            "kde_1000000_maxdiff",
        ),
        ("gi", "esda Gi* (DistanceBand + G_Local)", "gi_maxdiff"),
        ("gi_999", "esda Gi* 999 permutations (n_jobs=-1)", ""),
        ("dbscan", "scikit-learn DBSCAN (n_jobs=-1)", "dbscan_same"),
    ] {
        let s = j[key].as_f64().unwrap_or(f64::NAN);
        let ours = yitu_s.get(key).copied().unwrap_or(f64::NAN);
        let m = Measure {
            name: name.into(),
            seconds: s,
            peak_mb: None,
            note: format!(
                "YiTu is {:.1}x faster{}",
                s / ours.max(1e-9),
                if check.is_empty() {
                    String::new()
                } else {
                    format!("; answers compared: {}", j[check])
                }
            ),
        };
        eprintln!(
            "{:<44} {:>8.3} s  {:>8} MB  {}",
            m.name, m.seconds, "", m.note
        );
        out.push(m);
    }
    eprintln!("{}", j["versions"].as_str().unwrap_or(""));
    Ok(out)
}

/// `yitu bench-chain --candidates-rows N`: a national candidate list of `rows` invented firms (CSV, generated once
/// in `dir`) streamed into the candidate index, then the recruitment queries of every link of the default chains
/// (top 20 each) timed; the index is rebuilt for the measurement.
pub fn candidate_list(dir: &Path, rows: usize) -> anyhow::Result<Vec<Measure>> {
    use crate::core::data::candidates::CandidateIndex;
    use rand::{Rng, SeedableRng};
    use std::io::Write;
    std::fs::create_dir_all(dir)?;
    let mut out = Vec::new();
    let csv = dir.join(format!("candidates_{rows}.csv"));
    let chains = crate::core::model::chain::default_chains();
    let codes: Vec<String> = chains
        .iter()
        .flat_map(|c| c.links.iter().flat_map(|l| l.codes.clone()))
        .collect();
    if !csv.exists() {
        timed(
            &mut out,
            &format!("generate a {rows}-row candidate list"),
            || {
                let tmp = crate::core::io::files::temp_beside(&csv);
                let mut w = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
                writeln!(w, "企业名称,统一社会信用代码,省份,县级代码,行业代码,主要产品,产值万元,从业人员,规上")?;
                let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
                for i in 0..rows {
                    let county = format!(
                        "{:02}{:02}{:02}",
                        rng.random_range(11..66),
                        rng.random_range(1..20),
                        rng.random_range(1..30)
                    );
                    let code = &codes[rng.random_range(0..codes.len())];
                    let emp = (rng.random::<f64>().powi(3) * 3000.0 + 10.0) as i64;
                    let output = emp * rng.random_range(20..80);
                    writeln!(
                    w,
                    "候选企业{i}有限公司,91{county}{i:010},省{},{county},{code},产品,{output},{emp},{}",
                    &county[..2],
                    if output >= 2000 { "是" } else { "否" }
                )?;
                }
                w.flush()?;
                drop(w);
                std::fs::rename(&tmp, &csv)?;
                Ok((
                    (),
                    format!("{:.0} MB", std::fs::metadata(&csv)?.len() as f64 / 1e6),
                ))
            },
        )?;
    }
    let idx_dir = dir.join("candidate-index");
    let _ = std::fs::remove_dir_all(&idx_dir);
    let index = timed(
        &mut out,
        &format!("YiTu stream {rows} candidates into the index"),
        || {
            let i = CandidateIndex::open(&csv, &idx_dir, &Progress::new())
                .map_err(anyhow::Error::msg)?;
            let n = format!(
                "{} rows, index {:.0} MB",
                i.rows,
                std::fs::metadata(&i.path)?.len() as f64 / 1e6
            );
            Ok((i, n))
        },
    )?;
    let links: Vec<&crate::core::model::chain::Link> =
        chains.iter().flat_map(|c| c.links.iter()).collect();
    let none = std::collections::HashSet::new();
    timed(
        &mut out,
        &format!("YiTu recruitment queries, {} links x top 20", links.len()),
        || {
            let mut found = 0;
            for l in &links {
                found += index
                    .query(&l.codes, "350322", &none, 20)
                    .map_err(anyhow::Error::msg)?
                    .len();
            }
            Ok(((), format!("{found} firms listed")))
        },
    )?;
    timed(&mut out, "YiTu one link's query (制鞋, top 20)", || {
        let l = links
            .iter()
            .find(|l| l.id == "shoes")
            .expect("a default link");
        let n = index
            .query(&l.codes, "350322", &none, 20)
            .map_err(anyhow::Error::msg)?
            .len();
        Ok(((), format!("{n} firms")))
    })?;
    Ok(out)
}

/// The Python side of [`talent_access`]: pyproj Geod distances and PySAL access's 2SFCA on the same points, timed
/// apart; prints JSON.
const ACCESS_PY: &str = r#"
import sys, json, time, warnings
import numpy as np, pandas as pd
from pyproj import Geod
from access import fca
import access
warnings.filterwarnings("ignore")
d = sys.argv[1]; mx = float(sys.argv[2])
dem = np.fromfile(f"{d}/dem.f64").reshape(-1, 3); sup = np.fromfile(f"{d}/sup.f64").reshape(-1, 3)
g = Geod(ellps="GRS80")
t = time.time()
lo1 = np.repeat(dem[:, 0], len(sup)); la1 = np.repeat(dem[:, 1], len(sup))
lo2 = np.tile(sup[:, 0], len(dem)); la2 = np.tile(sup[:, 1], len(dem))
_, _, dist = g.inv(lo1, la1, lo2, la2)
t_dist = time.time() - t
cost = pd.DataFrame({"origin": np.repeat(np.arange(len(dem)), len(sup)), "dest": np.tile(np.arange(len(sup)), len(dem)), "cost": dist / 1000.0})
demand_df = pd.DataFrame({"geoid": np.arange(len(dem)), "demand": dem[:, 2]})
supply_df = pd.DataFrame({"supply": sup[:, 2]}, index=pd.Index(np.arange(len(sup)), name="geoid"))
t = time.time()
s = fca.two_stage_fca(demand_df, supply_df, cost, max_cost=mx, demand_index="geoid", demand_name="demand", supply_name="supply")
t_fca = time.time() - t
ours = np.fromfile(f"{d}/yitu.f64")
theirs = s.reindex(np.arange(len(dem))).fillna(0).values
print(json.dumps({"dist": t_dist, "fca": t_fca, "maxdiff": float(np.max(np.abs(ours - theirs) / np.maximum(np.abs(theirs), 1e-12))), "version": access.__version__}))
"#;

/// `yitu bench-talent`: the 2SFCA of 3 000 talent sources to 2 800 county seats across China (catchment 500 km):
/// YiTu's geodesic distance matrix and 2SFCA against pyproj's Geod and PySAL access on the same points, in one run,
/// with the answers compared.
pub fn talent_access(dir: &Path, python: &Path) -> anyhow::Result<Vec<Measure>> {
    use crate::core::analysis::access::{distance_matrix_within_km, two_stage_fca, Weight};
    use rand::{Rng, SeedableRng};
    std::fs::create_dir_all(dir)?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(13);
    let mut place = |n: usize, w: (f64, f64)| -> Vec<[f64; 3]> {
        (0..n)
            .map(|_| {
                [
                    rng.random_range(75.0..134.0),
                    rng.random_range(18.0..53.0),
                    rng.random_range(w.0..w.1).round(),
                ]
            })
            .collect()
    };
    let dem = place(2800, (100.0, 5000.0));
    let sup = place(3000, (50.0, 3000.0));
    let mut out = Vec::new();
    let dp: Vec<[f64; 2]> = dem.iter().map(|p| [p[0], p[1]]).collect();
    let sp: Vec<[f64; 2]> = sup.iter().map(|p| [p[0], p[1]]).collect();
    let m = timed(
        &mut out,
        "YiTu geodesic distances 2800 x 3000 (500 km)",
        || {
            Ok((
                distance_matrix_within_km(&dp, &sp, 500.0),
                "Vincenty on CGCS2000 within reach, all cores".to_string(),
            ))
        },
    )?;
    let yitu_dist = out.last().map_or(0.0, |m| m.seconds);
    let n = sp.len();
    let demand: Vec<f64> = dem.iter().map(|p| p[2]).collect();
    let supply: Vec<f64> = sup.iter().map(|p| p[2]).collect();
    let a = timed(&mut out, "YiTu 2SFCA (500 km)", || {
        let cost = |i: usize, j: usize| m[i * n + j];
        Ok((
            two_stage_fca(&demand, &supply, &cost, Some(500.0), &Weight::One),
            String::new(),
        ))
    })?;
    let yitu_fca = out.last().map_or(0.0, |m| m.seconds);
    write_f64(&dir.join("dem.f64"), dem.iter().flatten().copied())?;
    write_f64(&dir.join("sup.f64"), sup.iter().flatten().copied())?;
    write_f64(&dir.join("yitu.f64"), a.iter().copied())?;
    eprintln!("Python reference (pyproj Geod, PySAL access) on the same points …");
    let o = std::process::Command::new(python)
        .args(["-c", ACCESS_PY])
        .arg(dir)
        .arg("500")
        .output()?;
    anyhow::ensure!(
        o.status.success(),
        "Python reference failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let j: serde_json::Value = serde_json::from_slice(&o.stdout)?;
    for (key, name, ours) in [
        ("dist", "pyproj Geod.inv distances (vectorised)", yitu_dist),
        ("fca", "PySAL access two_stage_fca", yitu_fca),
    ] {
        let s = j[key].as_f64().unwrap_or(f64::NAN);
        let m = Measure {
            name: name.into(),
            seconds: s,
            peak_mb: None,
            note: format!(
                "YiTu is {:.1}x faster{}",
                s / ours.max(1e-9),
                if key == "fca" {
                    format!(
                        "; largest relative difference {}; access {}",
                        j["maxdiff"], j["version"]
                    )
                } else {
                    String::new()
                }
            ),
        };
        eprintln!(
            "{:<44} {:>8.3} s  {:>8} MB  {}",
            m.name, m.seconds, "", m.note
        );
        out.push(m);
    }
    Ok(out)
}

/// The reference for [`proposals`]: GeoPandas loads the same layers (with their spatial index) and overlays each
/// site with the parcels (apportioning TBDLMJ), the villages and the three control lines; prints JSON timings.
const PROPOSAL_PY: &str = r#"
import json, sys, time
import geopandas as gpd
t0 = time.time()
data, sites_path = sys.argv[1], sys.argv[2]
layers = {n: gpd.read_file(data, layer=n) for n in ["DLTB", "CJDCQ", "YJJBNTTB", "STBHHX", "CZKFBJ"]}
for df in layers.values():
    df.sindex
t1 = time.time()
sites = gpd.read_file(sites_path).to_crs(layers["DLTB"].crs)
total = 0.0
for site in sites.geometry:
    p = layers["DLTB"]
    cand = p.iloc[p.sindex.query(site, predicate="intersects")]
    for g, m in zip(cand.geometry, cand["TBDLMJ"]):
        total += m * g.intersection(site).area / g.area
    for n in ["CJDCQ", "YJJBNTTB", "STBHHX", "CZKFBJ"]:
        d = layers[n]
        for g in d.iloc[d.sindex.query(site, predicate="intersects")].geometry:
            total += g.intersection(site).area
t2 = time.time()
print(json.dumps({"load": t1 - t0, "checks": t2 - t1, "total": total}))
"#;

/// Land-use proposal checks on a county (`gpkg`: DLTB, CJDCQ, YJJBNTTB, STBHHX, CZKFBJ): loading and indexing
/// the layers once, one site's check, 100 sites, the check sheet PDF; the same overlays by GeoPandas (with its
/// spatial index) on the same 100 sites, as ratios.
pub fn proposals(gpkg: &Path, dir: &Path, python: &Path) -> anyhow::Result<Vec<Measure>> {
    use crate::core::analysis::proposal::{Context, Inputs, Site, SiteInfo};
    use crate::core::model::geom::{GeomKind, GeometryStore};
    use crate::core::model::proposal::RuleTable;
    use rand::{Rng, SeedableRng};
    std::fs::create_dir_all(dir)?;
    let mut out = Vec::new();
    let ctx = timed(
        &mut out,
        "YiTu load county for checks (5 layers, indexed)",
        || {
            let c = Context::load(
                &Inputs {
                    path: gpkg.to_path_buf(),
                    named: vec![],
                },
                &Progress::new(),
            )?;
            Ok((c, String::new()))
        },
    )?;
    let yitu_load = out.last().map_or(0.0, |m| m.seconds);
    // 100 sites: irregular polygons of 8 vertices, 30–250 m across, inside random villages.
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(14);
    let villages = ctx.villages();
    let mut sites = Vec::new();
    let mut features = Vec::new();
    for _ in 0..100 {
        let v = rng.random_range(0..villages.len());
        let c = villages.label_point(v);
        let r = rng.random_range(15.0..125.0);
        let mut g = GeometryStore::new();
        let mut ring = Vec::new();
        for k in 0..8 {
            let a = k as f64 / 8.0 * std::f64::consts::TAU;
            let rr = r * rng.random_range(0.6..1.0);
            let p = [c[0] + rr * a.cos(), c[1] + rr * a.sin()];
            g.push_coord(p[0], p[1]);
            ring.push(p);
        }
        g.push_coord(ring[0][0], ring[0][1]);
        ring.push(ring[0]);
        g.end_ring();
        g.end_part();
        g.end_feature(GeomKind::Polygon);
        features.push(serde_json::json!({"type": "Feature", "properties": {},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}));
        sites.push(Site {
            geom: g,
            crs: ctx.crs.clone(),
        });
    }
    let epsg = ctx.crs.epsg.unwrap_or(4528);
    let sites_path = dir.join("sites.geojson");
    std::fs::write(
        &sites_path,
        serde_json::json!({"type": "FeatureCollection",
            "crs": {"type": "name", "properties": {"name": format!("urn:ogc:def:crs:EPSG::{epsg}")}},
            "features": features})
        .to_string(),
    )?;
    let rules = RuleTable::national();
    let info = SiteInfo {
        project_type: "rural_house".into(),
        ..Default::default()
    };
    let first = timed(&mut out, "YiTu check 1 site", || {
        let c = ctx
            .check(&sites[0], &info, &rules, 1.0)
            .map_err(|e| anyhow::anyhow!(e))?;
        let n = format!("{} parcels met", c.parcels.len());
        Ok((c, n))
    })?;
    timed(&mut out, "YiTu check 100 sites", || {
        let mut met = 0;
        for s in &sites {
            met += ctx
                .check(s, &info, &rules, 1.0)
                .map_err(|e| anyhow::anyhow!(e))?
                .parcels
                .len();
        }
        Ok(((), format!("{met} parcels met")))
    })?;
    let yitu_checks = out.last().map_or(0.0, |m| m.seconds);
    timed(&mut out, "YiTu check sheet PDF (1 site)", || {
        let b = crate::core::output::proposal_sheet::sheet_pdf(&first, &ctx)
            .map_err(|e| anyhow::anyhow!(e))?;
        Ok(((), format!("{} KB", b.len() / 1024)))
    })?;
    eprintln!("GeoPandas reference on the same layers and sites …");
    let o = std::process::Command::new(python)
        .args(["-c", PROPOSAL_PY])
        .arg(gpkg)
        .arg(&sites_path)
        .output()?;
    anyhow::ensure!(
        o.status.success(),
        "Python reference failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let j: serde_json::Value = serde_json::from_slice(&o.stdout)?;
    for (key, name, ours) in [
        ("load", "GeoPandas read 5 layers + sindex", yitu_load),
        ("checks", "GeoPandas overlay 100 sites", yitu_checks),
    ] {
        let s = j[key].as_f64().unwrap_or(f64::NAN);
        let m = Measure {
            name: name.into(),
            seconds: s,
            peak_mb: None,
            note: format!("YiTu is {:.1}x faster", s / ours.max(1e-9)),
        };
        eprintln!(
            "{:<44} {:>8.3} s  {:>8} MB  {}",
            m.name, m.seconds, "", m.note
        );
        out.push(m);
    }
    Ok(out)
}

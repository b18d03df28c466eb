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

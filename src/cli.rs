//! The command line: `yitu` with no arguments opens the desktop app; subcommands run headless.

use crate::core::layer::{inspect, DatasetInfo};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// YiTu (一图) — offline GIS workstation.
#[derive(Parser, Debug)]
#[command(
    name = "yitu",
    version,
    about = "YiTu (一图): offline GIS workstation for county planners / 县域规划离线工作站"
)]
pub struct Cli {
    /// A project (.yitu) or data file to open in the app.
    pub open: Option<PathBuf>,
    /// What to run headless.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Headless commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// List the layers of a file: geometry type, CRS, feature count, fields.
    Info {
        /// The file (GeoPackage, Shapefile, GeoJSON, FileGDB, KML…).
        file: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Render layers of a file to a PNG map (default styles; 三调 colours for DLTB).
    Render {
        /// The file.
        file: PathBuf,
        /// Layers to draw, bottom first (default: every vector layer).
        #[arg(long = "layer")]
        layers: Vec<String>,
        /// Output PNG.
        #[arg(long)]
        out: PathBuf,
        /// Width in pixels.
        #[arg(long, default_value_t = 1600)]
        width: u32,
        /// Height in pixels.
        #[arg(long, default_value_t = 1200)]
        height: u32,
    },
    /// Benchmark loading, drawing and querying a county of 10⁶ parcels (generated on first run).
    Bench {
        /// Folder of the benchmark county (generated there when missing; keep it outside git).
        #[arg(long, default_value = "bench-data")]
        data: PathBuf,
        /// Parcels to generate when the folder is empty.
        #[arg(long, default_value_t = 1_000_000)]
        parcels: usize,
        /// Write the measurements as JSON here.
        #[arg(long)]
        json: Option<PathBuf>,
        /// Also measure map frame times (headless egui: pan and zoom over the parcels).
        #[arg(long)]
        frames: bool,
    },
    /// Department data in the local cache: import, list, history, roll back.
    Data {
        /// The cache database (default: cache.sqlite in the user's settings folder).
        #[arg(long, global = true)]
        cache: Option<PathBuf>,
        /// What to do.
        #[command(subcommand)]
        action: DataAction,
    },
    /// Generate the synthetic sample county (modelled on 仙游县, Putian) with 三调 layer and field names.
    SampleData {
        /// Random seed.
        #[arg(long, default_value_t = 2024)]
        seed: u64,
        /// About how many land parcels (DLTB).
        #[arg(long, default_value_t = 16_000)]
        parcels: usize,
        /// Towns around the county seat to include (0 = all 18 towns, 327 villages).
        #[arg(long, default_value_t = 4)]
        towns: usize,
        /// Output folder.
        #[arg(long, default_value = "sample-data")]
        out: PathBuf,
        /// Highest zoom of the offline basemap to render (0 = no basemap).
        #[arg(long, default_value_t = 0)]
        basemap_zoom: u8,
    },
}

/// Cache actions.
#[derive(Subcommand, Debug)]
pub enum DataAction {
    /// Import a CSV/TSV/XLSX/XLS file as a new version of a dataset.
    Import {
        /// The file.
        file: PathBuf,
        /// Dataset name.
        #[arg(long)]
        name: String,
        /// Department (部门).
        #[arg(long)]
        dept: String,
        /// Text encoding (detected when absent): UTF-8, GBK, GB18030…
        #[arg(long)]
        encoding: Option<String>,
        /// Worksheet name.
        #[arg(long)]
        sheet: Option<String>,
        /// Header row, counting from 1 (0 = no header; detected when absent).
        #[arg(long)]
        header_row: Option<usize>,
    },
    /// List the datasets (active versions).
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Every version of a dataset.
    History {
        /// Dataset name.
        name: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Make a version the active one.
    Rollback {
        /// Dataset name.
        name: String,
        /// Version number.
        version: i64,
    },
}

fn run_data(cache: Option<PathBuf>, action: DataAction) -> Result<String, String> {
    use crate::core::cache::Cache;
    let path = cache.unwrap_or_else(Cache::default_path);
    let mut c = Cache::open(&path).map_err(|e| e.to_string())?;
    let show = |v: &crate::core::cache::VersionInfo| {
        format!(
            "{}{} v{}  {}  {} 行/rows  {}  {}  {}\n",
            if v.active { "* " } else { "  " },
            v.dataset,
            v.version,
            v.department,
            v.row_count,
            v.imported_at,
            v.encoding,
            v.source
        )
    };
    match action {
        DataAction::Import {
            file,
            name,
            dept,
            encoding,
            sheet,
            header_row,
        } => {
            let opts = crate::core::table_import::ImportOptions {
                encoding,
                delimiter: None,
                sheet,
                header_row: header_row.map(|h| if h == 0 { usize::MAX } else { h - 1 }),
            };
            let v = c
                .import_file(
                    &name,
                    &dept,
                    &file,
                    &opts,
                    &crate::core::progress::Progress::new(),
                )
                .map_err(|e| e.to_string())?;
            let cols: Vec<String> = v
                .columns
                .iter()
                .map(|k| format!("{}:{:?}", k.name, k.ftype))
                .collect();
            Ok(format!(
                "{}  columns: {}\n",
                show(&v).trim_end(),
                cols.join(", ")
            ))
        }
        DataAction::List { json } => {
            let l = c.list().map_err(|e| e.to_string())?;
            Ok(if json {
                serde_json::to_string_pretty(&l).unwrap() + "\n"
            } else {
                l.iter().map(show).collect()
            })
        }
        DataAction::History { name, json } => {
            let l = c.history(&name).map_err(|e| e.to_string())?;
            Ok(if json {
                serde_json::to_string_pretty(&l).unwrap() + "\n"
            } else {
                l.iter().map(show).collect()
            })
        }
        DataAction::Rollback { name, version } => {
            c.rollback(&name, version).map_err(|e| e.to_string())?;
            Ok(format!("{name}: v{version} 已启用 / is now active\n"))
        }
    }
}

/// Runs a headless command; returns the process exit code.
pub fn run(cmd: Command) -> i32 {
    match cmd {
        Command::Info { file, json } => match inspect(&file) {
            Ok(info) => {
                if json {
                    println!("{}", serde_json::to_string_pretty(&info).unwrap());
                } else {
                    print!("{}", format_info(&info));
                }
                0
            }
            Err(e) => {
                eprintln!("{e}");
                1
            }
        },
        Command::Render {
            file,
            layers,
            out,
            width,
            height,
        } => match render_png(&file, &layers, &out, width, height) {
            Ok(n) => {
                println!("{n} features drawn → {}", out.display());
                0
            }
            Err(e) => {
                eprintln!("{e}");
                1
            }
        },
        Command::Bench {
            data,
            parcels,
            json,
            frames,
        } => {
            let gpkg = crate::core::sample::gpkg_in(&data);
            if !gpkg.exists() {
                eprintln!(
                    "generating the benchmark county ({parcels} parcels, all 18 towns) in {} …",
                    data.display()
                );
                let t = std::time::Instant::now();
                let opts = crate::core::sample::SampleOptions {
                    seed: 2024,
                    parcels,
                    towns: 0,
                    out_dir: data.clone(),
                    basemap_max_zoom: None,
                };
                if let Err(e) =
                    crate::core::sample::generate(&opts, &crate::core::progress::Progress::new())
                {
                    eprintln!("{e:#}");
                    return 1;
                }
                eprintln!("generated in {:.1} s", t.elapsed().as_secs_f64());
            }
            match crate::core::bench::run(&gpkg) {
                Ok(m) => {
                    let mut report = serde_json::json!({ "measures": m });
                    if frames {
                        match crate::gui::bench::frames(&gpkg) {
                            Ok(f) => {
                                eprintln!(
                                    "map frames while panning/zooming: mean {:.2} ms, p95 {:.2} ms, max {:.2} ms ({} frames, {} vertices each); first picture after {:.2} s ({} parcels)",
                                    f.mean_ms, f.p95_ms, f.max_ms, f.frames, f.mean_vertices, f.first_picture_s, f.features
                                );
                                report["frames"] = serde_json::to_value(&f).unwrap();
                            }
                            Err(e) => {
                                eprintln!("{e:#}");
                                return 1;
                            }
                        }
                    }
                    if let Some(j) = json {
                        let _ = std::fs::write(j, serde_json::to_string_pretty(&report).unwrap());
                    }
                    0
                }
                Err(e) => {
                    eprintln!("{e:#}");
                    1
                }
            }
        }
        Command::Data { cache, action } => match run_data(cache, action) {
            Ok(out) => {
                print!("{out}");
                0
            }
            Err(e) => {
                eprintln!("{e}");
                1
            }
        },
        Command::SampleData {
            seed,
            parcels,
            towns,
            out,
            basemap_zoom,
        } => {
            let opts = crate::core::sample::SampleOptions {
                seed,
                parcels,
                towns,
                out_dir: out,
                basemap_max_zoom: (basemap_zoom > 0).then_some(basemap_zoom),
            };
            let progress = crate::core::progress::Progress::new();
            match crate::core::sample::generate(&opts, &progress) {
                Ok(summary) => {
                    println!("{}", serde_json::to_string_pretty(&summary).unwrap());
                    0
                }
                Err(e) => {
                    eprintln!("样例数据生成失败 / sample generation failed: {e:#}");
                    1
                }
            }
        }
    }
}

/// Human-readable text of `yitu info`.
pub fn format_info(info: &DatasetInfo) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(s, "{} ({})", info.path.display(), info.driver);
    for (i, l) in info.layers.iter().enumerate() {
        let _ = writeln!(s, "{}: {} ({})", i + 1, l.name, l.geometry_type);
        if l.geometry_type != "NONE" {
            let _ = writeln!(
                s,
                "  CRS: {}{}",
                l.crs.label(),
                if l.crs.name.is_empty() {
                    String::new()
                } else {
                    format!(" — {}", l.crs.name)
                }
            );
        }
        let _ = writeln!(s, "  features: {}", l.feature_count);
        if let Some(e) = &l.extent {
            let _ = writeln!(
                s,
                "  extent: ({:.6}, {:.6}) - ({:.6}, {:.6})",
                e.min_x, e.min_y, e.max_x, e.max_y
            );
        }
        for f in &l.fields {
            let _ = writeln!(s, "  {}: {:?} ({})", f.name, f.ftype, f.source_type);
        }
    }
    s
}

/// Renders layers of `file` into a PNG (the `render` command).
pub fn render_png(
    file: &std::path::Path,
    layers: &[String],
    out: &std::path::Path,
    width: u32,
    height: u32,
) -> Result<usize, crate::core::error::YituError> {
    use crate::core::{
        error::YituError, geom::BBox, layer::load_layer, progress::Progress, render, style,
    };
    let names: Vec<String> = if layers.is_empty() {
        inspect(file)?
            .layers
            .into_iter()
            .filter(|l| l.geometry_type != "NONE")
            .map(|l| l.name)
            .collect()
    } else {
        layers.to_vec()
    };
    let progress = Progress::new();
    let mut loaded = Vec::new();
    let mut extent = BBox::EMPTY;
    for (i, n) in names.iter().enumerate() {
        let l = load_layer(file, Some(n), &progress)?;
        extent.union(&l.display_extent());
        let st = style::LayerStyle::default_for(&l.name, l.kind(), &l.attrs, i);
        loaded.push((l, st));
    }
    if extent.is_empty() {
        return Err(YituError::Other(
            "nothing to draw / 没有可绘制的要素".into(),
        ));
    }
    let view = render::ViewBox::fit(extent, width, height);
    let mut pm = tiny_skia::Pixmap::new(width, height)
        .ok_or_else(|| YituError::Other("bad image size".into()))?;
    pm.fill(tiny_skia::Color::WHITE);
    let mut n = 0;
    for (l, st) in &loaded {
        let idx = style::StyleIndex::build(st, &l.attrs, l.len());
        n += render::render_layer(&mut pm, l, st, &idx, &view, &|| false).unwrap_or(0);
    }
    pm.save_png(out)
        .map_err(|e| YituError::Other(e.to_string()))?;
    Ok(n)
}

//! The command line: `yitu` with no arguments opens the desktop app; subcommands run headless.

use crate::core::io::read::inspect;
use crate::core::model::layer::DatasetInfo;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Exit statuses of every command, shown under `--help`.
pub const EXIT_STATUS: &str = "退出状态 / exit status:
  0    成功 / success
  1    出错（原因见标准错误输出）/ failed (the reason is on standard error)
  2    参数错误 / bad arguments
  130  被 Ctrl-C 中断，未完成的输出已删除 / interrupted by Ctrl-C: the unfinished output removed
  141  输出管道已关闭（如 `| head`），安静退出 / the output pipe was closed (e.g. `| head`): a quiet stop
  143  被终止（SIGTERM），未完成的输出已删除 / terminated (SIGTERM): the unfinished output removed";

/// Makes a closed output pipe end the command quietly, as `cat` and `ogrinfo` do: SIGPIPE gets its
/// default action back (Rust ignores it, so `println!` would panic on EPIPE), and the process
/// ends with status 141 without a message. Only for the headless commands: the app keeps
/// ignoring SIGPIPE.
pub fn quiet_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: called once at the start of main, before any thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// An interrupted command (Ctrl-C, SIGTERM, SIGHUP) removes the temporary files of its exports
/// before it ends (status 128 + signal), so nothing partial is left beside the target; the
/// target itself was never touched. The signals are blocked in every thread and received by
/// one thread of their own (`sigwait`), where the clean-up may do anything. Call at the start of
/// `main`, before any thread is started.
pub fn clean_up_when_interrupted() {
    #[cfg(unix)]
    // SAFETY: the signal set is initialised before use; blocking happens before any other
    // thread exists, so every thread inherits the mask and only the waiter receives them.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for s in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            libc::sigaddset(&mut set, s);
        }
        if libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) != 0 {
            return;
        }
        std::thread::spawn(move || {
            let mut sig: libc::c_int = 0;
            if libc::sigwait(&set, &mut sig) == 0 {
                let n = crate::core::io::files::remove_temporaries();
                eprintln!(
                    "已中断，未完成的输出已删除（{n} 个临时文件）/ interrupted: the unfinished output was removed ({n} temporary files)"
                );
                // Ended at once, without the exit handlers: other threads may still be inside GDAL or SQLite,
                // whose clean-up at exit would race with them (a segfault in 1 of 6 interruptions).
                libc::_exit(128 + sig);
            }
        });
    }
}

/// Prints what the user should know about a layer (encoding or CRS guessed, shapes repaired…)
/// on standard error, so it is seen whatever happens to standard output.
pub fn print_notes(warnings: &[String]) {
    for w in warnings {
        eprintln!("注意 / note: {w}");
    }
}

/// YiTu (一图) — offline GIS workstation.
#[derive(Parser, Debug)]
#[command(
    name = "yitu",
    version,
    about = "YiTu (一图): offline GIS workstation for county planners / 县域规划离线工作站",
    after_help = EXIT_STATUS
)]
pub struct Cli {
    /// A project (.yitu) or data file to open in the app.
    pub open: Option<PathBuf>,
    /// Open the app on this town's villages (9-digit code, or the town's name): the map and tables cut to it.
    #[arg(long)]
    pub town: Option<String>,
    /// Open the app on this village (12-digit code, or the village's name).
    #[arg(long)]
    pub village: Option<String>,
    /// What to run headless.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Headless commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// List the layers of a file: geometry type, CRS, feature count, fields.
    Info {
        /// The file (GeoPackage, Shapefile, GeoJSON, FileGDB, KML…) or a project (.yitu: its layers).
        file: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Render layers of a file to a PNG map (default styles; 三调 colours for DLTB), or a project's visible
    /// layers in its styles.
    Render {
        /// The file or project (.yitu).
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
    /// Benchmark 一村一档 on the benchmark county: the farmland ledger and the full file of every
    /// village (load included), and the village atlas (PDF pages per second); each run in its
    /// own process, with its peak memory.
    BenchProfile {
        /// Folder of the benchmark county (generated there when missing).
        #[arg(long, default_value = "bench-data")]
        data: PathBuf,
        /// Parcels to generate when the folder is empty.
        #[arg(long, default_value_t = 1_000_000)]
        parcels: usize,
        /// Runs of each measurement.
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// The town whose atlas is timed (9-digit code; default: the first town).
        #[arg(long)]
        town: Option<String>,
        /// Counties (parcels each) on which the whole profile is timed against the reference,
        /// GeoPandas `overlay` with the same apportioning (tests/scripts/crosscheck_profile.py),
        /// both on a copy of the county written by GeoPandas with clockwise rings.
        #[arg(long, value_delimiter = ',', default_value = "200000,1000000")]
        reference_sizes: Vec<usize>,
        /// Skip the reference comparison.
        #[arg(long)]
        no_reference: bool,
    },
    /// Benchmark department data: import a generated 10⁶-row GBK table into the cache against
    /// pandas on the same file, and join the benchmark county's parcels to a village table.
    BenchTables {
        /// Folder of the benchmark county (generated there when missing) and of the table.
        #[arg(long, default_value = "bench-data")]
        data: PathBuf,
        /// Rows of the generated table.
        #[arg(long, default_value_t = 1_000_000)]
        rows: usize,
        /// Write the measurements as JSON here.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Benchmark the industry chains' spatial statistics (kernel density of 10⁵ and 10⁶ points, Gi* on 10⁵
    /// hexagons with and without 999 permutations, DBSCAN of 10⁵ points) against numpy, PySAL esda and
    /// scikit-learn on the same inputs, with the answers compared.
    BenchChain {
        /// Folder for the generated inputs.
        #[arg(long, default_value = "bench-data/chain")]
        data: PathBuf,
        /// The Python with numpy, esda, libpysal and scikit-learn (default: .venv-ref/bin/python).
        #[arg(long, default_value = ".venv-ref/bin/python")]
        python: PathBuf,
        /// Also time a candidate list of this many rows streamed into the recruitment index and queried
        /// (0: not; 10000000 for the 10⁷, about 1 GB of CSV).
        #[arg(long, default_value_t = 0)]
        candidates_rows: usize,
        /// Write the measurements as JSON here.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Benchmark the talent map's accessibility: geodesic distances and the 2SFCA of 3 000 sources to 2 800
    /// county seats against pyproj and PySAL access on the same points, with the answers compared.
    BenchTalent {
        /// Folder for the generated inputs.
        #[arg(long, default_value = "bench-data/talent")]
        data: PathBuf,
        /// The Python with pyproj and access (default: .venv-ref/bin/python).
        #[arg(long, default_value = ".venv-ref/bin/python")]
        python: PathBuf,
        /// Also measure the national view's frame times: the sample's talent sources of every chain (each with
        /// its flow line to the county) and the province choropleth, panned and zoomed over China.
        #[arg(long)]
        frames: bool,
    },
    /// Benchmark land-use proposal checks on the benchmark county: loading the layers once, one site, 100 sites
    /// and the check sheet, against GeoPandas overlaying the same sites.
    BenchProposal {
        /// Folder of the benchmark county (generated there when missing).
        #[arg(long, default_value = "bench-data")]
        data: PathBuf,
        /// The Python with GeoPandas (default: .venv-ref/bin/python).
        #[arg(long, default_value = ".venv-ref/bin/python")]
        python: PathBuf,
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
    /// Join a cached dataset to a layer by code or village name and report what matched.
    Join {
        /// The data file (GeoPackage, Shapefile…).
        file: PathBuf,
        /// Layer in the file.
        #[arg(long)]
        layer: String,
        /// Key field of the layer (e.g. ZLDWDM, ZLDWMC).
        #[arg(long)]
        key: String,
        /// Dataset in the cache.
        #[arg(long)]
        dataset: String,
        /// Key column of the dataset.
        #[arg(long)]
        column: String,
        /// Key matching: auto, exact, code or name.
        #[arg(long, default_value = "auto", value_parser = ["auto", "exact", "code", "name"])]
        mode: String,
        /// Aggregation when a key has several rows: sum, mean, min, max, count, first.
        #[arg(long, default_value = "sum", value_parser = ["sum", "mean", "min", "max", "count", "first"])]
        agg: String,
        /// Columns to join (comma-separated; default all).
        #[arg(long, value_delimiter = ',')]
        fields: Vec<String>,
        /// List every unmatched and duplicate key.
        #[arg(long)]
        report: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Write the layer's attributes with the joined fields as CSV (UTF-8).
        #[arg(long)]
        out: Option<PathBuf>,
        /// The cache database (default: cache.sqlite in the user's settings folder).
        #[arg(long)]
        cache: Option<PathBuf>,
    },
    /// List the algorithms (analyses and exports) with their parameters: each is also a command
    /// (`yitu profile`, `yitu package`…) whose flags are its parameters.
    Algorithms,
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
        /// Column type overriding the inferred one: NAME=text|integer|real (repeatable).
        #[arg(long = "type", value_parser = parse_column_type)]
        types: Vec<(String, crate::core::model::attrs::FieldType)>,
        /// Keep summary rows (合计 / 总计 / 小计 / Total, or formulas only) as data; by default
        /// they are left out and listed in the import report.
        #[arg(long)]
        keep_summary_rows: bool,
    },
    /// Set the data service (HTTP JSON or CSV) of a dataset; `fetch` then refreshes from it.
    Service {
        /// Dataset name.
        name: String,
        /// URL (http/https) answering a JSON array of objects or CSV.
        #[arg(long)]
        url: String,
        /// Department (部门).
        #[arg(long)]
        dept: String,
        /// Body format: auto, json or csv.
        #[arg(long, default_value = "auto")]
        format: String,
        /// Name of the token header (e.g. Authorization, X-Token).
        #[arg(long)]
        token_header: Option<String>,
        /// Token value.
        #[arg(long)]
        token: Option<String>,
        /// Seconds allowed per attempt.
        #[arg(long, default_value_t = 30)]
        timeout: u64,
        /// Further attempts after a failure (with backoff).
        #[arg(long, default_value_t = 2)]
        retries: u32,
    },
    /// Refresh a dataset from its data service (a new version only when the content changed).
    Fetch {
        /// Dataset name.
        name: String,
    },
    /// Remove a dataset with all its versions.
    Remove {
        /// Dataset name.
        name: String,
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

fn parse_column_type(s: &str) -> Result<(String, crate::core::model::attrs::FieldType), String> {
    use crate::core::model::attrs::FieldType;
    let (name, t) = s
        .rsplit_once('=')
        .ok_or_else(|| format!("expected NAME=TYPE, got {s}"))?;
    let t = match t.trim().to_ascii_lowercase().as_str() {
        "text" | "文本" => FieldType::Text,
        "integer" | "int" | "整数" => FieldType::Integer,
        "real" | "float" | "number" | "小数" => FieldType::Real,
        other => return Err(format!("unknown type {other}: text, integer or real")),
    };
    Ok((name.trim().to_string(), t))
}

fn run_data(cache: Option<PathBuf>, action: DataAction) -> Result<String, String> {
    use crate::core::data::cache::Cache;
    let path = cache.unwrap_or_else(Cache::default_path);
    let mut c = Cache::open(&path).map_err(|e| e.to_string())?;
    let show = |v: &crate::core::data::cache::VersionInfo| {
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
            types,
            keep_summary_rows,
        } => {
            let opts = crate::core::io::table_import::ImportOptions {
                encoding,
                delimiter: None,
                sheet,
                header_row: header_row.map(|h| if h == 0 { usize::MAX } else { h - 1 }),
                column_types: types,
                keep_summary_rows,
            };
            let v = c
                .import_file(
                    &name,
                    &dept,
                    &file,
                    &opts,
                    &crate::core::model::progress::Progress::new(),
                )
                .map_err(|e| e.to_string())?;
            let cols: Vec<String> = v
                .columns
                .iter()
                .map(|k| format!("{}:{:?}", k.name, k.ftype))
                .collect();
            let notes: String = v
                .notes
                .iter()
                .map(|n| format!("注意 / note: {n}\n"))
                .collect();
            Ok(format!(
                "{}  columns: {}\n{notes}",
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
        DataAction::Service {
            name,
            url,
            dept,
            format,
            token_header,
            token,
            timeout,
            retries,
        } => {
            use crate::core::io::service::{ServiceFormat, ServiceSpec};
            let format = match format.to_ascii_lowercase().as_str() {
                "json" => ServiceFormat::Json,
                "csv" => ServiceFormat::Csv,
                _ => ServiceFormat::Auto,
            };
            let spec = ServiceSpec {
                url,
                format,
                token_header,
                token,
                timeout_secs: timeout,
                retries,
            };
            c.set_service(&name, &dept, &spec)
                .map_err(|e| e.to_string())?;
            Ok(format!(
                "{name}: 数据服务已设置 / data service set: {}\n",
                spec.url
            ))
        }
        DataAction::Fetch { name } => {
            use crate::core::data::cache::FetchOutcome;
            match c
                .fetch(&name, &crate::core::model::progress::Progress::new())
                .map_err(|e| e.to_string())?
            {
                FetchOutcome::Updated(v) => Ok(format!(
                    "新版本 / new version: {}",
                    show(&v).trim_start_matches("* ")
                )),
                FetchOutcome::NotModified => Ok(format!(
                    "{name}: 服务端未修改（304），缓存为最新 / not modified (304), the cache is current\n"
                )),
                FetchOutcome::Unchanged => Ok(format!(
                    "{name}: 内容未变，未建新版本 / same content, no new version\n"
                )),
            }
        }
        DataAction::Remove { name } => {
            c.remove(&name).map_err(|e| e.to_string())?;
            Ok(format!("{name}: 已删除 / removed\n"))
        }
    }
}

/// `yitu join`: the report text (or JSON).
#[allow(clippy::too_many_arguments)]
fn run_join(
    file: &std::path::Path,
    layer: &str,
    spec: crate::core::data::join::JoinSpec,
    report: bool,
    json: bool,
    out: Option<&std::path::Path>,
    cache: Option<PathBuf>,
) -> Result<String, String> {
    use crate::core::{
        data::cache::Cache, data::join, io::read::load_layer, model::progress::Progress,
    };
    if let Some(o) = out {
        crate::core::io::files::check_output(o, &[file])?;
    }
    let c = Cache::open(&cache.unwrap_or_else(Cache::default_path)).map_err(|e| e.to_string())?;
    let table = c
        .load_table(&spec.dataset, None)
        .map_err(|e| e.to_string())?;
    let l = load_layer(file, Some(layer), &Progress::new()).map_err(|e| e.to_string())?;
    print_notes(&l.warnings);
    let t = std::time::Instant::now();
    let r = join::join(&l.attrs, &table.attrs, &spec).map_err(|e| e.to_string())?;
    let secs = t.elapsed().as_secs_f64();
    if let Some(out) = out {
        crate::core::io::files::write_csv(
            &join::with_joins(&l.attrs, std::slice::from_ref(&r)),
            out,
        )
        .map_err(|e| format!("{}: {e}", out.display()))?;
    }
    if json {
        let v = serde_json::json!({
            "dataset": spec.dataset,
            "version": table.info.version,
            "imported_at": table.info.imported_at,
            "fields": r.fields.iter().map(|f| &f.name).collect::<Vec<_>>(),
            "report": r.report,
            "warnings": l.warnings,
            "seconds": secs,
        });
        return Ok(serde_json::to_string_pretty(&v).unwrap() + "\n");
    }
    Ok(format!(
        "{} v{}（{}）→ {} / {}: {} 个字段 / fields: {}\n{}用时 / time: {:.3} s\n",
        spec.dataset,
        table.info.version,
        table.info.imported_at,
        layer,
        spec.layer_field,
        r.fields.len(),
        r.fields
            .iter()
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        r.report.text(report),
        secs
    ))
}

/// `yitu bench-talent --frames`: the national view with every serving source of every chain of the sample, its
/// flow line and the province choropleth (made by `talent sources` and `talent provinces` into `data`), timed
/// frame by frame while panning and zooming over China.
fn national_view_frames(data: &std::path::Path) -> anyhow::Result<()> {
    use crate::core::algorithms::{find, Params};
    use crate::core::model::progress::Progress;
    let project = crate::gui::app::YituApp::sample_project()
        .ok_or_else(|| anyhow::anyhow!("the sample project is not found"))?;
    std::fs::create_dir_all(data)?;
    let mut layers = Vec::new();
    let p = Progress::new();
    for chain in crate::core::model::chain::default_chains() {
        let out = data.join(format!("national_{}.gpkg", chain.name));
        let params = Params::new()
            .with("file", project.as_os_str())
            .with("chain", chain.name.as_str())
            .with("top", "0")
            .with("out", out.as_os_str());
        let a = find("talent sources").expect("registered");
        a.run(&a.check(&params).map_err(|e| anyhow::anyhow!("{e}"))?, &p)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        for t in ["talent_flows", "talent_ranked"] {
            layers.push(crate::core::io::read::load_layer(&out, Some(t), &p)?);
        }
    }
    let out = data.join("national_provinces.gpkg");
    let params = Params::new()
        .with("file", project.as_os_str())
        .with("chain", "鞋服")
        .with("out", out.as_os_str());
    let a = find("talent provinces").expect("registered");
    a.run(&a.check(&params).map_err(|e| anyhow::anyhow!("{e}"))?, &p)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    layers.insert(
        0,
        crate::core::io::read::load_layer(&out, Some("talent_provinces"), &p)?,
    );
    let points: usize = layers
        .iter()
        .filter(|l| l.name == "talent_ranked")
        .map(|l| l.len())
        .sum();
    let f = crate::gui::bench::national_frames(layers)?;
    println!(
        "national view ({points} sources, as many flow lines, 34 provinces; {} features): frames mean {:.2} ms, p95 {:.2} ms, max {:.2} ms ({} frames, {} vertices each); first picture after {:.2} s",
        f.features, f.mean_ms, f.p95_ms, f.max_ms, f.frames, f.mean_vertices, f.first_picture_s
    );
    Ok(())
}

/// The benchmark county's GeoPackage in `data`, generated there first when missing.
fn ensure_bench_county(data: &std::path::Path, parcels: usize) -> anyhow::Result<PathBuf> {
    let gpkg = crate::core::sample::gpkg_in(data);
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
            out_dir: data.to_path_buf(),
            basemap_max_zoom: None,
        };
        crate::core::sample::generate(&opts, &crate::core::model::progress::Progress::new())?;
        eprintln!("generated in {:.1} s", t.elapsed().as_secs_f64());
    }
    Ok(gpkg)
}

/// `yitu bench-profile`: times `yitu profile` in child processes.
fn run_bench_profile(
    data: &std::path::Path,
    parcels: usize,
    runs: usize,
    town: Option<String>,
) -> anyhow::Result<String> {
    let gpkg = ensure_bench_county(data, parcels)?;
    let exe = std::env::current_exe()?;
    let tmp = tempfile_dir()?;
    let run = |command: &str, args: &[&str]| -> anyhow::Result<(f64, f64, String)> {
        let t = std::time::Instant::now();
        let o = std::process::Command::new(&exe)
            .arg(command)
            .arg(&gpkg)
            .args(args)
            .env("YITU_PEAK", "1")
            .output()?;
        let secs = t.elapsed().as_secs_f64();
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        anyhow::ensure!(o.status.success(), "{err}");
        let peak = err
            .lines()
            .find_map(|l| l.strip_prefix("peak MB: "))
            .and_then(|x| x.trim().parse().ok())
            .unwrap_or(f64::NAN);
        Ok((secs, peak, String::from_utf8_lossy(&o.stdout).to_string()))
    };
    let csv = tmp.join("p.csv");
    let csv = csv.to_str().unwrap_or("p.csv");
    let mut out = format!("{}\n", gpkg.display());
    let (_, _, text) = run("profile", &["--all", "--ledger", "--format", "csv"])?;
    let first = |col: usize| {
        text.lines()
            .nth(1)
            .and_then(|l| l.split(',').nth(col))
            .unwrap_or("")
            .to_string()
    };
    let town = town.unwrap_or_else(|| first(2));
    let village = first(0);
    let pdf = tmp.join("atlas.pdf");
    let pdf = pdf.to_str().unwrap_or("atlas.pdf");
    let package = tmp.join("package.gpkg");
    let package = package.to_str().unwrap_or("package.gpkg");
    let cases: [(&str, &str, Vec<&str>); 5] = [
        (
            "farmland ledger, all villages / 耕地一本账",
            "profile",
            vec!["--all", "--ledger", "--format", "csv", "--out", csv],
        ),
        (
            "full file, all villages / 一村一档全部",
            "profile",
            vec!["--all", "--format", "csv", "--out", csv],
        ),
        (
            "atlas of one town / 一镇图集",
            "profile",
            vec!["--town", &town, "--format", "pdf", "--out", pdf],
        ),
        (
            "data package of one town / 一镇数据包",
            "package",
            vec!["--town", &town, "--out", package],
        ),
        (
            "data package of one village / 一村数据包",
            "package",
            vec!["--village", &village, "--out", package],
        ),
    ];
    for (name, command, args) in cases {
        let mut times = Vec::new();
        let mut peaks = Vec::new();
        let mut last = String::new();
        for _ in 0..runs.max(1) {
            let (t, p, text) = run(command, &args)?;
            times.push(t);
            peaks.push(p);
            last = text;
        }
        times.sort_by(f64::total_cmp);
        out.push_str(&format!(
            "{name}: min {:.2} s, median {:.2} s, peak {:.0} MB\n",
            times[0],
            times[times.len() / 2],
            peaks.iter().cloned().fold(0.0, f64::max)
        ));
        if name.starts_with("atlas") {
            out.push_str(&format!("  {}", last));
        }
        if command == "package" {
            if let Some(l) = last.lines().find(|l| l.trim_start().starts_with("DLTB")) {
                out.push_str(&format!("  {}\n", l.trim()));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    Ok(out)
}

/// The whole profile (`yitu profile --all`, load included) against the reference — GeoPandas
/// `overlay` with the same apportioning, control layers and pyproj areas
/// (tests/scripts/crosscheck_profile.py) — on counties of `sizes` parcels, each rewritten by
/// GeoPandas with clockwise rings (tests/scripts/clockwise_copy.py). Both run here, one after the
/// other, as separate processes; the ratio is reference time / YiTu time (best of `runs` for
/// YiTu, one run of the reference). The reference also checks YiTu's numbers.
fn run_bench_reference(
    data: &std::path::Path,
    sizes: &[usize],
    runs: usize,
) -> anyhow::Result<String> {
    let scripts = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scripts");
    let python = [
        std::env::var_os("YITU_PYTHON").map(PathBuf::from),
        Some(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv-ref/bin/python")),
        Some(PathBuf::from("python3")),
    ]
    .into_iter()
    .flatten()
    .find(|p| {
        std::process::Command::new(p)
            .args(["-c", "import geopandas, pyproj"])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    let Some(python) = python else {
        return Ok(
            "reference: no Python with GeoPandas (packaging/python-ref.sh): skipped\n".into(),
        );
    };
    if !scripts.join("crosscheck_profile.py").exists() {
        return Ok(format!(
            "reference: {} not found: skipped\n",
            scripts.display()
        ));
    }
    let exe = std::env::current_exe()?;
    let mut out = String::from("\nwhole profile against GeoPandas (county written by GeoPandas, clockwise rings) / 与 GeoPandas 对比:\n");
    for &n in sizes {
        // The main benchmark county when it has this size, else one beside it.
        let main_size = crate::core::io::read::inspect(&crate::core::sample::gpkg_in(data))
            .ok()
            .and_then(|i| {
                i.layers
                    .iter()
                    .find(|l| l.name == "DLTB")
                    .map(|l| l.feature_count)
            });
        let dir = if main_size == Some(n as u64) {
            data.to_path_buf()
        } else {
            data.with_file_name(format!(
                "{}-{n}",
                data.file_name()
                    .and_then(|f| f.to_str())
                    .unwrap_or("bench-data")
            ))
        };
        let gpkg = ensure_bench_county(&dir, n)?;
        let copy = dir.join("geopandas_clockwise.gpkg");
        if !copy.exists() {
            let o = std::process::Command::new(&python)
                .arg(scripts.join("clockwise_copy.py"))
                .arg(&gpkg)
                .arg(&copy)
                .output()?;
            anyhow::ensure!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        }
        let json = dir.join("profile.json");
        let mut best = f64::INFINITY;
        let mut villages = 0;
        for _ in 0..runs.max(1) {
            let t = std::time::Instant::now();
            let o = std::process::Command::new(&exe)
                .arg("profile")
                .arg(&copy)
                .args(["--all", "--format", "json", "--out"])
                .arg(&json)
                .output()?;
            best = best.min(t.elapsed().as_secs_f64());
            anyhow::ensure!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            villages =
                serde_json::from_str::<Vec<serde_json::Value>>(&std::fs::read_to_string(&json)?)?
                    .len();
        }
        let t = std::time::Instant::now();
        let o = std::process::Command::new(&python)
            .arg(scripts.join("crosscheck_profile.py"))
            .arg(&copy)
            .arg(&json)
            .output()?;
        let reference = t.elapsed().as_secs_f64();
        let said = String::from_utf8_lossy(&o.stdout);
        let agreement = said.lines().last().unwrap_or("").to_string();
        out.push_str(&format!(
            "  {n} parcels, {villages} villages: YiTu {best:.2} s, GeoPandas {reference:.1} s → {:.1}× faster; {agreement}\n",
            reference / best
        ));
    }
    Ok(out)
}

/// The scope given by --village, --town or --all.
pub fn scope_of(
    village: Option<String>,
    town: Option<String>,
    all: bool,
) -> Option<crate::core::analysis::profile::Scope> {
    use crate::core::analysis::profile::Scope;
    match (village, town, all) {
        (Some(v), _, _) => Some(Scope::Village(v)),
        (None, Some(t), _) => Some(Scope::Town(t)),
        (None, None, true) => Some(Scope::County),
        _ => None,
    }
}

fn tempfile_dir() -> std::io::Result<PathBuf> {
    let d = std::env::temp_dir().join(format!("yitu-bench-profile-{}", std::process::id()));
    std::fs::create_dir_all(&d)?;
    Ok(d)
}

/// Runs a headless command; returns the process exit code.
pub fn run(cmd: Command) -> i32 {
    match cmd {
        Command::Info { file, json } if is_project(&file) => match project_info(&file) {
            Ok((text, value)) => {
                if json {
                    println!("{}", serde_json::to_string_pretty(&value).unwrap());
                } else {
                    print!("{text}");
                }
                0
            }
            Err(e) => {
                eprintln!("{e}");
                1
            }
        },
        Command::Info { file, json } => match inspect(&file) {
            Ok(info) => {
                print_notes(&info.warnings);
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
        Command::BenchProposal { data, python } => {
            let r = ensure_bench_county(&data, 1_000_000).and_then(|gpkg| {
                crate::core::bench::proposals(&gpkg, &data.join("proposal"), &python)
            });
            match r {
                Ok(_) => 0,
                Err(e) => {
                    eprintln!("{e:#}");
                    1
                }
            }
        }
        Command::BenchTalent {
            data,
            python,
            frames,
        } => {
            let r = crate::core::bench::talent_access(&data, &python).and_then(|_| {
                if frames {
                    national_view_frames(&data)
                } else {
                    Ok(())
                }
            });
            match r {
                Ok(_) => 0,
                Err(e) => {
                    eprintln!("{e:#}");
                    1
                }
            }
        }
        Command::BenchChain {
            data,
            python,
            candidates_rows,
            json,
        } => {
            let run = || -> anyhow::Result<Vec<crate::core::bench::Measure>> {
                let mut m = Vec::new();
                if candidates_rows > 0 {
                    m.extend(crate::core::bench::candidate_list(&data, candidates_rows)?);
                }
                m.extend(crate::core::bench::spatial_statistics(&data, &python)?);
                Ok(m)
            };
            match run() {
                Ok(m) => {
                    if let Some(j) = json {
                        let _ = std::fs::write(j, serde_json::to_string_pretty(&m).unwrap());
                    }
                    0
                }
                Err(e) => {
                    eprintln!("{e:#}");
                    1
                }
            }
        }
        Command::BenchTables { data, rows, json } => {
            let gpkg = match ensure_bench_county(&data, 1_000_000) {
                Ok(g) => g,
                Err(e) => {
                    eprintln!("{e:#}");
                    return 1;
                }
            };
            match crate::core::bench::department_data(&data, rows, &gpkg) {
                Ok(m) => {
                    if let Some(j) = json {
                        let _ = std::fs::write(j, serde_json::to_string_pretty(&m).unwrap());
                    }
                    0
                }
                Err(e) => {
                    eprintln!("{e:#}");
                    1
                }
            }
        }
        Command::Bench {
            data,
            parcels,
            json,
            frames,
        } => {
            let gpkg = match ensure_bench_county(&data, parcels) {
                Ok(g) => g,
                Err(e) => {
                    eprintln!("{e:#}");
                    return 1;
                }
            };
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
        Command::Join {
            file,
            layer,
            key,
            dataset,
            column,
            mode,
            agg,
            fields,
            report,
            json,
            out,
            cache,
        } => {
            use crate::core::data::join::{Aggregate, JoinSpec, KeyMatch};
            let mut spec = JoinSpec::new(&dataset, &key, &column);
            spec.key = match mode.as_str() {
                "exact" => KeyMatch::Exact,
                "code" => KeyMatch::Code,
                "name" => KeyMatch::Name,
                _ => KeyMatch::Auto,
            };
            spec.aggregate = Aggregate::ALL
                .into_iter()
                .find(|a| a.label().1 == agg)
                .unwrap_or_default();
            spec.fields = fields;
            match run_join(&file, &layer, spec, report, json, out.as_deref(), cache) {
                Ok(s) => {
                    print!("{s}");
                    0
                }
                Err(e) => {
                    eprintln!("{e}");
                    1
                }
            }
        }
        Command::Algorithms => {
            print!("{}", crate::core::algorithms::describe_all());
            0
        }
        Command::BenchProfile {
            data,
            parcels,
            runs,
            town,
            reference_sizes,
            no_reference,
        } => match run_bench_profile(&data, parcels, runs, town).and_then(|mut text| {
            if !no_reference {
                text.push_str(&run_bench_reference(&data, &reference_sizes, runs)?);
            }
            Ok(text)
        }) {
            Ok(text) => {
                print!("{text}");
                0
            }
            Err(e) => {
                eprintln!("{e:#}");
                1
            }
        },
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
            let progress = crate::core::model::progress::Progress::new();
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
) -> Result<usize, crate::core::model::error::YituError> {
    use crate::core::io::read::load_layer;
    use crate::core::model::{error::YituError, geom::BBox, progress::Progress, style};
    use crate::core::output::render;
    // 16384 px a side and 2.7·10⁸ pixels (1 GB of RGBA) at most: a typo in --width must not
    // ask for 40 GB.
    if width == 0
        || height == 0
        || width > 16_384
        || height > 16_384
        || (width as u64) * (height as u64) > 268_435_456
    {
        return Err(YituError::Other(format!(
            "图片尺寸 {width}×{height} 超出范围（每边 1–16384 像素，总计不超过 2.68 亿像素）/ image size {width}×{height} out of range (1–16384 px a side, at most 268 million pixels)"
        )));
    }
    crate::core::io::files::check_output(out, &[file]).map_err(YituError::Other)?;
    let progress = Progress::new();
    let mut loaded = Vec::new();
    let mut extent = BBox::EMPTY;
    if is_project(file) {
        // A project: its visible layers (or those named), from their files, in their styles.
        let p = crate::core::io::project::Project::load(file).map_err(YituError::Other)?;
        let chosen: Vec<&crate::core::io::project::ProjectLayer> = p
            .layers
            .iter()
            .filter(|l| {
                if layers.is_empty() {
                    l.visible
                } else {
                    layers.iter().any(|n| *n == l.name || *n == l.layer)
                }
            })
            .collect();
        if chosen.is_empty() {
            return Err(YituError::Other(format!(
                "项目中没有这些图层 / the project has no such layers: {}（可用 / available: {}）",
                layers.join(", "),
                p.layers
                    .iter()
                    .map(|l| l.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        for l in chosen {
            let v = load_layer(&l.path, Some(&l.layer), &progress)?;
            print_notes(&v.warnings);
            extent.union(&v.display_extent());
            loaded.push((v, l.style.clone()));
        }
    }
    let names: Vec<String> = if !loaded.is_empty() {
        vec![]
    } else if layers.is_empty() {
        inspect(file)?
            .layers
            .into_iter()
            .filter(|l| l.geometry_type != "NONE")
            .map(|l| l.name)
            .collect()
    } else {
        layers.to_vec()
    };
    for (i, n) in names.iter().enumerate() {
        let l = load_layer(file, Some(n), &progress)?;
        print_notes(&l.warnings);
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
    let png = pm
        .encode_png()
        .map_err(|e| YituError::Other(e.to_string()))?;
    crate::core::io::files::write_atomic(out, png)
        .map_err(|e| YituError::Other(crate::core::io::files::write_error(out, &e)))?;
    Ok(n)
}

/// Whether `path` is a YiTu project (`.yitu`).
fn is_project(path: &std::path::Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("yitu"))
}

/// `yitu info PROJECT.yitu`: the project's title and its layers, each with its file, layer, geometry and count
/// (text and JSON). Errors: the project cannot be read.
pub fn project_info(path: &std::path::Path) -> Result<(String, serde_json::Value), String> {
    use std::fmt::Write;
    let p = crate::core::io::project::Project::load(path).map_err(|e| e.to_string())?;
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{} — 项目 / project: {}（{} 个图层 / layers）",
        path.display(),
        p.title,
        p.layers.len()
    );
    let mut layers = Vec::new();
    let mut infos: std::collections::HashMap<std::path::PathBuf, Result<DatasetInfo, String>> =
        Default::default();
    for (i, l) in p.layers.iter().enumerate() {
        let info = infos
            .entry(l.path.clone())
            .or_insert_with(|| inspect(&l.path).map_err(|e| e.to_string()));
        let found = info
            .as_ref()
            .ok()
            .and_then(|d| d.layers.iter().find(|x| x.name == l.layer));
        let (geometry, count) = match (found, info.as_ref()) {
            (Some(x), _) => (x.geometry_type.clone(), Some(x.feature_count)),
            (None, Ok(_)) => ("图层不存在 / missing layer".to_string(), None),
            (None, Err(e)) => (e.clone(), None),
        };
        let _ = writeln!(
            text,
            "{}: {} — {}:{} ({geometry}{}){}",
            i + 1,
            l.name,
            l.path.display(),
            l.layer,
            count
                .map(|c| format!(", {c} 个要素 / features"))
                .unwrap_or_default(),
            if l.visible { "" } else { " [隐藏 / hidden]" }
        );
        layers.push(serde_json::json!({
            "name": l.name, "path": l.path, "layer": l.layer, "visible": l.visible,
            "geometry_type": geometry, "feature_count": count,
        }));
    }
    for d in &p.datasets {
        let _ = writeln!(
            text,
            "部门数据 / department table: {}（{}）— {}",
            d.name,
            d.department,
            d.path.display()
        );
    }
    let value = serde_json::json!({
        "project": path, "title": p.title, "layers": layers,
        "datasets": p.datasets.iter().map(|d| serde_json::json!({"name": d.name, "department": d.department, "path": d.path})).collect::<Vec<_>>(),
    });
    Ok((text, value))
}

/// The whole command line: the commands above and one command per algorithm of the registry
/// ([`crate::core::algorithms::registry`]), whose flags are made from its parameters.
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    // An algorithm `chain measures` is the subcommand `measures` of a command `chain`.
    let mut groups: Vec<(&str, clap::Command)> = Vec::new();
    for a in crate::core::algorithms::registry() {
        match a.id().split_once(' ') {
            Some((group, _)) => {
                let sub = algorithm_command(a);
                match groups.iter_mut().find(|(g, _)| *g == group) {
                    Some((_, c)) => *c = c.clone().subcommand(sub),
                    None => groups.push((
                        group,
                        clap::Command::new(group)
                            .about(format!("{}: {}", a.group().0, a.group().1))
                            .subcommand_required(true)
                            .arg_required_else_help(true)
                            .subcommand(sub),
                    )),
                }
            }
            None => cmd = cmd.subcommand(algorithm_command(a)),
        }
    }
    for (_, g) in groups {
        cmd = cmd.subcommand(g);
    }
    cmd
}

/// The algorithm a parsed command line names, with its own matches: `yitu profile …` or `yitu chain measures …`.
pub fn algorithm_of(
    m: &clap::ArgMatches,
) -> Option<(
    &'static dyn crate::core::algorithms::Algorithm,
    &clap::ArgMatches,
)> {
    let (id, sub) = m.subcommand()?;
    if let Some(a) = crate::core::algorithms::find(id) {
        return Some((a, sub));
    }
    let (id2, sub2) = sub.subcommand()?;
    crate::core::algorithms::find(&format!("{id} {id2}")).map(|a| (a, sub2))
}

/// The CLI command of an algorithm: `--name value` per parameter, a switch per flag, the
/// positional parameter first; help in English with the Chinese name.
pub fn algorithm_command(a: &dyn crate::core::algorithms::Algorithm) -> clap::Command {
    use crate::core::algorithms::ParamKind;
    use clap::{Arg, ArgAction};
    let name = a.id().rsplit(' ').next().unwrap_or(a.id());
    let mut cmd = clap::Command::new(name)
        .about(format!("{}: {}", a.name().0, a.description().1))
        .long_about(format!("{}\n{}", a.description().1, a.description().0))
        .after_help(EXIT_STATUS);
    for p in a.parameters() {
        let mut arg = Arg::new(p.name).help(format!("{} ({})", p.help.1, p.label.0));
        // Paths are taken as the system gives them (a GBK-named file works); no value may be empty.
        arg = match &p.kind {
            ParamKind::InputFile { .. } | ParamKind::OutputFile { .. } => {
                arg.value_parser(clap::value_parser!(PathBuf))
            }
            ParamKind::Flag => arg,
            _ => arg.value_parser(clap::builder::NonEmptyStringValueParser::new()),
        };
        if p.positional {
            arg = arg.required(p.required);
        } else {
            // clap keeps `&'static str` names; a command line is built once per process.
            arg = arg.long(leak(p.flag()[2..].to_string()));
            match &p.kind {
                ParamKind::Flag => arg = arg.action(ArgAction::SetTrue),
                _ => {
                    arg = arg
                        .required(p.required)
                        .value_name(leak(p.name.to_uppercase()));
                }
            }
        }
        if p.kind == ParamKind::Text {
            // A number may be negative (--alpha -2); the algorithm checks its range.
            arg = arg.allow_negative_numbers(true);
        }
        if let ParamKind::Choice { values } = &p.kind {
            let names: Vec<&'static str> = values.iter().map(|(v, _, _)| *v).collect();
            arg = arg.value_parser(clap::builder::PossibleValuesParser::new(names));
        }
        if let Some(d) = p.default {
            arg = arg.default_value(d);
        }
        cmd = cmd.arg(arg);
    }
    cmd
}

/// Runs algorithm `a` with the values of its command line; prints its notes on standard error,
/// its text and summary on standard output. Returns the exit status (2: bad parameters, 1: failed).
pub fn run_algorithm(a: &dyn crate::core::algorithms::Algorithm, m: &clap::ArgMatches) -> i32 {
    use crate::core::algorithms::{AlgorithmError, ParamKind, Params};
    let mut params = Params::new();
    for p in a.parameters() {
        match p.kind {
            ParamKind::Flag => {
                if m.get_flag(p.name) {
                    params.set(p.name, "true");
                }
            }
            ParamKind::InputFile { .. } | ParamKind::OutputFile { .. } => {
                if let Some(v) = m.get_one::<PathBuf>(p.name) {
                    params.set(p.name, v.clone());
                }
            }
            _ => {
                if let Some(v) = m.get_one::<String>(p.name) {
                    params.set(p.name, v.clone());
                }
            }
        }
    }
    let progress = crate::core::model::progress::Progress::new();
    // Notes go to standard error as they are said, so they reach the user even when the run fails later.
    progress.on_note(|m| eprintln!("{m}"));
    let result = a.check(&params).and_then(|p| a.run(&p, &progress));
    if std::env::var_os("YITU_PEAK").is_some() {
        if let Some(mb) = crate::core::bench::peak_mb() {
            eprintln!("peak MB: {mb:.0}");
        }
    }
    match result {
        Ok(o) => {
            // The result on standard output alone (so `> x.csv` holds only the table); what was done goes to
            // standard error when a result was printed.
            match &o.text {
                Some(t) => {
                    print!("{t}");
                    eprintln!("{}", o.summary);
                }
                None => println!("{}", o.summary),
            }
            0
        }
        Err(e) => {
            eprintln!("{e}");
            match e {
                AlgorithmError::BadParameters(_) => 2,
                AlgorithmError::Failed(_) => 1,
            }
        }
    }
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

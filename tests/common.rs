//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The project root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The committed sample GeoPackage.
pub fn sample_gpkg() -> PathBuf {
    root().join("sample-data").join("xianyou_sample.gpkg")
}

/// ../shared/realdata, when it is there.
pub fn realdata() -> Option<PathBuf> {
    let p = root().join("..").join("shared").join("realdata");
    p.is_dir().then_some(p)
}

/// A small generated county (seed 7, ~3 000 parcels, 2 towns), made once per test binary.
pub fn small_county() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("yitu-test-county-{}", std::process::id()));
        let opts = yitu::core::sample::SampleOptions {
            seed: 7,
            parcels: 3000,
            towns: 2,
            out_dir: dir.clone(),
            basemap_max_zoom: None,
        };
        yitu::core::sample::generate(&opts, &yitu::core::model::progress::Progress::new())
            .expect("sample generation");
        dir
    })
}

/// Runs `f` in a thread and fails if it takes longer than `secs` (bad input must never hang).
pub fn within<T: Send + 'static>(
    secs: u64,
    what: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(std::time::Duration::from_secs(secs)) {
        Ok(v) => v,
        Err(_) => panic!("{what} took longer than {secs} s (or panicked)"),
    }
}

/// The Python with the reference tools (GeoPandas, pyogrio, shapely, pyproj): `$YITU_PYTHON`,
/// else the repo's `.venv-ref` (made by `packaging/python-ref.sh`, as CI does), else `python3`;
/// `None` when none of them imports GeoPandas.
pub fn reference_python() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("YITU_PYTHON").map(PathBuf::from),
        Some(root().join(".venv-ref/bin/python")),
        Some(PathBuf::from("python3")),
    ];
    candidates.into_iter().flatten().find(|p| {
        std::process::Command::new(p)
            .args(["-c", "import geopandas, pyproj, shapely"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    })
}

/// Says that `test` skipped a check and why, where it is seen: on standard error (shown with
/// `--nocapture` and on failure) and as a line in `target/skipped-tests.txt`, which `.ci/run`
/// prints after the tests.
pub fn skip(test: &str, reason: &str) {
    eprintln!("SKIPPED {test}: {reason}");
    let path = root().join("target").join("skipped-tests.txt");
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        use std::io::Write;
        let _ = writeln!(f, "SKIPPED {test}: {reason}");
    }
}

//! GDAL and rusqlite must share one SQLite: with two copies in one process GDAL crashes opening
//! a GeoPackage. This opens GeoPackages through both, in one process, and checks the process has
//! exactly one libsqlite3 mapped and that rusqlite is not a bundled copy.

mod common;

#[test]
fn gdal_and_rusqlite_use_one_sqlite() {
    let gpkg = common::sample_gpkg();
    // Through GDAL…
    let ds = gdal::Dataset::open(&gpkg).expect("GDAL opens the GeoPackage");
    assert!(ds.layer_count() >= 7);
    // …and through rusqlite, interleaved.
    let conn =
        rusqlite::Connection::open_with_flags(&gpkg, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let n: i64 = conn
        .query_row("SELECT count(*) FROM DLTB", [], |r| r.get(0))
        .unwrap();
    assert!(n > 1000);
    let layer = yitu::core::io::read::load_layer(
        &gpkg,
        Some("CJDCQ"),
        &yitu::core::model::progress::Progress::new(),
    )
    .unwrap();
    assert!(layer.len() > 10);
    let via_gdal = yitu::core::io::ogr::load(
        &gpkg,
        Some("CJDCQ"),
        &yitu::core::model::progress::Progress::new(),
    )
    .unwrap();
    assert_eq!(via_gdal.len(), layer.len());
    drop(ds);

    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    let mut libs: Vec<&str> = maps
        .lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .filter(|p| p.contains("libsqlite3"))
        .collect();
    libs.sort();
    libs.dedup();
    assert_eq!(
        libs.len(),
        1,
        "exactly one libsqlite3 must be loaded, found {libs:?}"
    );
    // rusqlite reports the same library version as the system one it linked.
    let sys = std::process::Command::new("pkg-config")
        .args(["--modversion", "sqlite3"])
        .output();
    if let Ok(out) = sys {
        let v = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if !v.is_empty() {
            assert_eq!(
                rusqlite::version(),
                v,
                "rusqlite must use the system SQLite"
            );
        }
    }
}

//! Every file under ../shared/realdata/gpkg, tiles and shapefile either opens or is refused with
//! a clear message, within a time limit, without a panic. Skips cleanly when ../shared is absent.

mod common;

use std::path::{Path, PathBuf};
use yitu::core::io::read::{inspect, load_layer};
use yitu::core::model::progress::Progress;

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[derive(Debug, Default)]
struct Tally {
    opened_layers: usize,
    refused: Vec<String>,
}

fn try_vector(path: PathBuf) -> Tally {
    let mut t = Tally::default();
    match inspect(&path) {
        Ok(info) => {
            for l in info.layers {
                match load_layer(&path, Some(&l.name), &Progress::new()) {
                    Ok(layer) => {
                        assert_eq!(layer.len(), layer.attrs.len().max(layer.len()));
                        t.opened_layers += 1;
                    }
                    Err(e) => {
                        let m = e.to_string();
                        assert!(!m.trim().is_empty());
                        t.refused
                            .push(format!("{}:{} → {m}", path.display(), l.name));
                    }
                }
            }
        }
        Err(e) => {
            let m = e.to_string();
            assert!(m.contains('/'), "messages are bilingual: {m}");
            t.refused.push(format!("{} → {m}", path.display()));
        }
    }
    t
}

#[test]
fn every_realdata_file_opens_or_is_refused_clearly() {
    let Some(real) = common::realdata() else {
        common::skip(
            "every_realdata_file_opens_or_is_refused_clearly",
            "../shared/realdata not present",
        );
        return;
    };
    let mut files = Vec::new();
    for sub in ["gpkg", "shapefile"] {
        files_under(&real.join(sub), &mut files);
    }
    let vector: Vec<PathBuf> = files
        .into_iter()
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("gpkg" | "shp" | "dbf" | "geojson")
            )
        })
        .collect();
    assert!(
        vector.len() > 40,
        "expected the realdata suite, found {}",
        vector.len()
    );
    let mut total = Tally::default();
    for f in vector {
        let name = f.display().to_string();
        let t = common::within(60, &name, move || try_vector(f));
        total.opened_layers += t.opened_layers;
        total.refused.extend(t.refused);
    }
    eprintln!(
        "realdata vector: {} layers opened, {} refused:",
        total.opened_layers,
        total.refused.len()
    );
    for r in &total.refused {
        eprintln!("  {r}");
    }
    assert!(total.opened_layers > 100);

    let mut tiles = Vec::new();
    files_under(&real.join("tiles"), &mut tiles);
    let mut ok = 0;
    let mut refused = 0;
    for f in tiles.into_iter().filter(|p| {
        matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("mbtiles" | "pmtiles")
        )
    }) {
        let name = f.display().to_string();
        let r = common::within(30, &name, move || {
            yitu::core::io::tiles::inspect(&f).map(|info| {
                // Read every zoom's first tile of an MBTiles package to prove it is readable.
                if info.container == "mbtiles" {
                    if let Ok(mb) = yitu::core::io::tiles::MbTiles::open(&f) {
                        let _ = mb.tile(info.min_zoom, 0, 0);
                    }
                }
                info
            })
        });
        match r {
            Ok(_) => ok += 1,
            Err(e) => {
                assert!(!e.to_string().is_empty());
                eprintln!("  tiles refused: {name} → {e}");
                refused += 1;
            }
        }
    }
    eprintln!("realdata tiles: {ok} opened, {refused} refused");
    assert!(ok >= 5 && refused >= 5);
}

/// The county's data package of every real GeoPackage: each layer copied whole (as many rows as
/// the source table) into a file GDAL opens, or a clear refusal that leaves no file behind.
#[test]
fn every_realdata_geopackage_packages_whole_or_is_refused_clearly() {
    let Some(real) = common::realdata() else {
        common::skip(
            "every_realdata_geopackage_packages_whole_or_is_refused_clearly",
            "../shared/realdata not present",
        );
        return;
    };
    let mut files = Vec::new();
    files_under(&real.join("gpkg"), &mut files);
    files.retain(|p| p.extension().and_then(|e| e.to_str()) == Some("gpkg"));
    let dir = tempfile::tempdir().unwrap();
    let (mut packaged, mut refused) = (0, 0);
    for (i, f) in files.into_iter().enumerate() {
        let out = dir.path().join(format!("p{i}.gpkg"));
        let cache = dir.path().join("cache.sqlite");
        let (src, dst) = (f.clone(), out.clone());
        let r = common::within(60, &f.display().to_string(), move || {
            yitu::core::output::package::package_file(
                &src,
                "CJDCQ",
                &yitu::core::analysis::profile::Scope::County,
                &cache,
                None,
                &dst,
                &Progress::new(),
            )
            .map_err(|e| format!("{e:#}"))
        });
        match r {
            Ok(summary) => {
                gdal::Dataset::open(&out)
                    .unwrap_or_else(|e| panic!("GDAL cannot open the package of {f:?}: {e}"));
                let s = rusqlite::Connection::open(&f).unwrap();
                let p = rusqlite::Connection::open(&out).unwrap();
                let count = |c: &rusqlite::Connection, t: &str| -> i64 {
                    c.query_row(
                        &format!("SELECT count(*) FROM \"{}\"", t.replace('"', "\"\"")),
                        [],
                        |r| r.get(0),
                    )
                    .unwrap()
                };
                for (name, written, _) in &summary.layers {
                    assert_eq!(count(&s, name), count(&p, name), "{f:?} {name}");
                    assert_eq!(*written as i64, count(&p, name), "{f:?} {name}");
                }
                packaged += 1;
            }
            Err(m) => {
                assert!(m.contains('/'), "messages are bilingual: {m}");
                assert!(!out.exists(), "a refused package left {out:?}");
                eprintln!("  package refused: {} → {m}", f.display());
                refused += 1;
            }
        }
    }
    eprintln!("realdata packages: {packaged} written, {refused} refused");
    assert!(packaged > 30, "{packaged}");
}

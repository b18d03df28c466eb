//! The village land-use ledger (`yitu profile`): invariants on a generated county (another seed
//! and size than the committed sample) and, where GeoPandas is installed, an independent
//! overlay with the same apportioning (tests/scripts/crosscheck_profile.py).

mod common;

use std::process::Command;

fn profile(args: &[&str]) -> (bool, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_yitu"))
        .arg("profile")
        .args(args)
        .output()
        .unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr),
    )
}

#[test]
fn ledgers_add_up_and_agree_with_geopandas() {
    let dir = common::small_county();
    let gpkg = yitu::core::sample::gpkg_in(dir);
    let out = tempfile::tempdir().unwrap();
    let json = out.path().join("profile.json");
    let (ok, text) = profile(&[
        gpkg.to_str().unwrap(),
        "--all",
        "--format",
        "json",
        "--out",
        json.to_str().unwrap(),
    ]);
    assert!(ok, "{text}");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let villages = v.as_array().unwrap();
    assert!(villages.len() > 5);
    let f = |x: &serde_json::Value, k: &str| x[k].as_f64().unwrap();
    let mut landuse_total = 0.0;
    for x in villages {
        assert_eq!(x["code"].as_str().unwrap().len(), 12);
        let farmland = f(x, "paddy_mu") + f(x, "irrigated_mu") + f(x, "dry_mu");
        assert!((f(x, "farmland_mu") - farmland).abs() < 1e-6);
        let classes: f64 = x["landuse_mu"]
            .as_object()
            .unwrap()
            .values()
            .map(|a| a.as_f64().unwrap())
            .sum();
        // The classes of a village add up to its area (parcels cover the villages; planar vs
        // ellipsoidal areas differ by well under 1%).
        assert!(
            (classes - f(x, "area_mu")).abs() < 0.01 * f(x, "area_mu"),
            "{}: {classes} vs {}",
            x["name"],
            f(x, "area_mu")
        );
        assert!(f(x, "permanent_farmland_mu") <= f(x, "area_mu") * 1.001);
        landuse_total += classes;
    }
    // The villages add up to the county: Σ TBDLMJ + Σ 田坎 of every parcel.
    let parcels = yitu::core::io::read::load_layer(
        &gpkg,
        Some("DLTB"),
        &yitu::core::model::progress::Progress::new(),
    )
    .unwrap();
    let col = |n: &str| parcels.attrs.field_index(n).unwrap();
    let (tbmj, kcmj, tbdlmj, kcdlbm) = (col("TBMJ"), col("KCMJ"), col("TBDLMJ"), col("KCDLBM"));
    let mut county = 0.0;
    for r in 0..parcels.len() {
        let a = |c| parcels.attrs.get(r, c).as_f64().unwrap_or(0.0);
        assert!(
            (a(tbdlmj) - (a(tbmj) - a(kcmj))).abs() <= 0.011,
            "TBDLMJ = TBMJ − KCMJ"
        );
        county += a(tbdlmj);
        if parcels.attrs.get(r, kcdlbm).to_string() == "1203" {
            county += a(kcmj);
        }
    }
    let county_mu = county / yitu::core::analysis::profile::M2_PER_MU;
    assert!(
        (landuse_total - county_mu).abs() < 1e-3 * county_mu,
        "{landuse_total} vs {county_mu}"
    );

    // One village, and a clear refusal without a choice.
    let code = villages[0]["code"].as_str().unwrap();
    let (ok, text) = profile(&[gpkg.to_str().unwrap(), "--village", code, "--format", "csv"]);
    assert!(
        ok && text.contains("code,name")
            && text.lines().filter(|l| l.starts_with(code)).count() == 1,
        "{text}"
    );
    let (ok, text) = profile(&[gpkg.to_str().unwrap()]);
    assert!(!ok && text.contains("--all"), "{text}");

    // GeoPandas and pyproj (CI sets them up in .venv-ref): land classes, controls and each
    // village's ellipsoidal area, on the county as written and on a copy whose rings run
    // clockwise (shapefile order, as ogr2ogr keeps it).
    let Some(py) = common::reference_python() else {
        common::skip(
            "ledgers_add_up_and_agree_with_geopandas",
            "no Python with GeoPandas (run packaging/python-ref.sh): cross-check not run",
        );
        return;
    };
    let crosscheck = |gpkg: &std::path::Path, json: &std::path::Path| {
        let o = Command::new(&py)
            .arg(common::root().join("tests/scripts/crosscheck_profile.py"))
            .arg(gpkg)
            .arg(json)
            .output()
            .unwrap();
        let msg =
            String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{msg}");
        assert!(
            msg.contains(", 0 differ") && msg.contains("area_mu"),
            "{msg}"
        );
    };
    crosscheck(&gpkg, &json);
    let cw = out.path().join("clockwise.gpkg");
    let o = Command::new(&py)
        .arg(common::root().join("tests/scripts/clockwise_copy.py"))
        .arg(&gpkg)
        .arg(&cw)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let cw_json = out.path().join("clockwise.json");
    let (ok, text) = profile(&[
        cw.to_str().unwrap(),
        "--all",
        "--format",
        "json",
        "--out",
        cw_json.to_str().unwrap(),
    ]);
    assert!(ok, "{text}");
    crosscheck(&cw, &cw_json);
}

fn sample() -> std::path::PathBuf {
    common::root().join("sample-data/xianyou_sample.gpkg")
}

fn json_of(args: &[&str]) -> Vec<serde_json::Value> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p.json");
    let mut a: Vec<&str> = args.to_vec();
    a.extend(["--format", "json", "--out", out.to_str().unwrap()]);
    let (ok, text) = profile(&a);
    assert!(ok, "{text}");
    serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(&out).unwrap())
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn f(x: &serde_json::Value, k: &str) -> f64 {
    x[k].as_f64().unwrap_or_else(|| panic!("{k} in {x}"))
}

fn sum_of(x: &serde_json::Value, k: &str) -> f64 {
    x[k].as_object()
        .unwrap()
        .values()
        .map(|a| a.as_f64().unwrap())
        .sum()
}

/// The whole file of every sample village: groups, ledger parts, slope grades, K codes,
/// controls, enterprises, ranks and flags agree with each other and with the layers.
#[test]
fn village_file_parts_agree() {
    let gpkg = sample();
    let all = json_of(&[gpkg.to_str().unwrap(), "--all"]);
    assert_eq!(all.len(), 62);
    let mut enterprises = 0;
    let mut below_pf = 0;
    for v in &all {
        let classes = sum_of(v, "landuse_mu");
        let groups = f(v, "agricultural_mu") + f(v, "construction_mu") + f(v, "unused_mu");
        assert!(
            (classes - groups).abs() < 1e-6 * classes.max(1.0),
            "{}",
            v["name"]
        );
        let farmland = f(v, "farmland_mu");
        assert!(
            (f(v, "farmland_in_permanent_mu") + f(v, "farmland_outside_permanent_mu") - farmland)
                .abs()
                < 1e-6
        );
        assert!(
            (sum_of(v, "slope_mu") - farmland).abs() < 1e-6,
            "slope grades sum to farmland"
        );
        let k: f64 = v["landuse_mu"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(c, _)| c.ends_with('K'))
            .map(|(_, a)| a.as_f64().unwrap())
            .sum();
        assert!((f(v, "recoverable_total_mu") - k).abs() < 1e-6);
        assert!((f(v, "area_ha") * 15.0 - f(v, "area_mu")).abs() < 1e-6);
        // Ellipsoidal and Gauss-Krüger areas differ by the zone's scale error only.
        assert!((f(v, "area_mu") / f(v, "planar_area_mu") - 1.0).abs() < 2e-3);
        assert!(f(v, "eco_redline_mu") <= f(v, "area_mu") * 1.002);
        assert!(f(v, "dev_boundary_mu") <= f(v, "area_mu") * 1.002);
        let chains: f64 = v["chains"]
            .as_object()
            .unwrap()
            .values()
            .map(|c| c["enterprises"].as_f64().unwrap())
            .sum();
        assert_eq!(chains as u64, v["enterprises"].as_u64().unwrap());
        enterprises += v["enterprises"].as_u64().unwrap();
        let r = &v["ranks"]["farmland_mu"];
        assert!(r["county"].as_u64().unwrap() >= 1 && r["county_of"].as_u64().unwrap() == 62);
        if f(v, "permanent_farmland_mu") > farmland + 0.01 {
            below_pf += 1;
            assert!(
                v["flags"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|x| x.as_str().unwrap().contains("少于永久基本农田")),
                "flag for {}",
                v["name"]
            );
        }
    }
    // Every enterprise point of the sample lies in a village.
    assert_eq!(enterprises, 75);
    assert!(
        below_pf > 0,
        "the sample has villages whose farmland is below their protected area"
    );
    // The ledger alone gives the same farmland figures.
    let ledger = json_of(&[gpkg.to_str().unwrap(), "--all", "--ledger"]);
    for (a, b) in all.iter().zip(&ledger) {
        for k in [
            "farmland_mu",
            "paddy_mu",
            "dry_mu",
            "permanent_farmland_mu",
            "farmland_outside_permanent_mu",
        ] {
            assert!((f(a, k) - f(b, k)).abs() < 1e-6, "{k} of {}", a["name"]);
        }
    }
}

/// On a project, the department tables joined to the villages become indicators with their
/// source, and farmland per head follows from the population.
#[test]
fn project_profile_has_indicators() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache.sqlite");
    let project = common::root().join("sample-data/xianyou_sample.yitu");
    let v = json_of(&[
        project.to_str().unwrap(),
        "--cache",
        cache.to_str().unwrap(),
        "--village",
        "350322104215",
    ]);
    let v = &v[0];
    assert_eq!(v["name"], "横塘村");
    let pop = v["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "户籍人口")
        .expect("population indicator");
    assert!(pop["source"].as_str().unwrap().contains("人口"), "{pop}");
    assert!(
        pop["source"].as_str().unwrap().contains("2024 年度"),
        "{pop}"
    );
    // The population file, read directly.
    let csv =
        std::fs::read_to_string(common::root().join("sample-data/population_2024.csv")).unwrap();
    let row = csv.lines().find(|l| l.contains("横塘村")).unwrap();
    let registered: f64 = row.split(',').nth(3).unwrap().parse().unwrap();
    assert_eq!(f(pop, "value"), registered);
    assert_eq!(f(v, "population"), registered);
    assert!((f(v, "farmland_per_head_mu") - f(v, "farmland_mu") / registered).abs() < 1e-9);
    assert!(v["ranks"]["population"]["town_of"].as_u64().unwrap() > 1);
}

/// XLSX tables and the PDF report and atlas.
#[test]
fn xlsx_and_pdf_reports() {
    use calamine::{DataType, Reader};
    let dir = tempfile::tempdir().unwrap();
    let gpkg = sample();
    let xlsx = dir.path().join("村档案.xlsx");
    let (ok, text) = profile(&[
        gpkg.to_str().unwrap(),
        "--town",
        "350322104",
        "--format",
        "xlsx",
        "--unit",
        "ha",
        "--out",
        xlsx.to_str().unwrap(),
    ]);
    assert!(ok, "{text}");
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    let names = wb.sheet_names();
    for s in ["汇总", "地类", "耕地一本账", "产业", "指标", "提示", "来源"] {
        assert!(names.iter().any(|n| n == s), "{s} in {names:?}");
    }
    let summary = wb.worksheet_range("汇总").unwrap();
    assert_eq!(
        summary.height(),
        1 + 18,
        "header and the 18 villages of 鲤南镇"
    );
    assert_eq!(summary.get((0, 4)).unwrap().to_string(), "村域面积（公顷）");
    // Codes stay text.
    assert_eq!(summary.get((1, 0)).unwrap().get_string().unwrap().len(), 12);

    let pdf = dir.path().join("atlas.pdf");
    let (ok, text) = profile(&[
        sample().to_str().unwrap(),
        "--town",
        "350322201",
        "--format",
        "pdf",
        "--basemap",
        common::root()
            .join("sample-data/xianyou_basemap.mbtiles")
            .to_str()
            .unwrap(),
        "--out",
        pdf.to_str().unwrap(),
    ]);
    assert!(ok, "{text}");
    assert!(text.contains("10 个村，20 页"), "{text}");
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-") && bytes.trim_ascii_end().ends_with(b"%%EOF"));
    // Vector pages: with its basemap image a page stays well under 150 KB.
    assert!(
        bytes.len() < 20 * 150_000,
        "{} bytes for 20 pages",
        bytes.len()
    );
    match Command::new("pdfinfo").arg(&pdf).output() {
        Ok(o) => {
            let info = String::from_utf8_lossy(&o.stdout).to_string();
            assert!(info.contains("Pages:           20"), "{info}");
            assert!(info.contains("一村一档"), "{info}");
        }
        Err(_) => common::skip("xlsx_and_pdf_reports: page count", "pdfinfo not installed"),
    }
    // The text is text: the town, a table heading and a chart's caption are found in the PDF.
    match Command::new("pdftotext").arg(&pdf).arg("-").output() {
        Ok(o) => {
            let text = String::from_utf8_lossy(&o.stdout).to_string();
            for s in ["耕地一本账", "土地利用构成", "村代码 350322201", "基本情况"]
            {
                assert!(text.contains(s), "{s} not in the PDF's text");
            }
        }
        Err(_) => common::skip("xlsx_and_pdf_reports: PDF text", "pdftotext not installed"),
    }
    if let Ok(o) = Command::new("pdftoppm")
        .args(["-r", "30", "-f", "1", "-l", "1", "-png"])
        .arg(&pdf)
        .arg(dir.path().join("page"))
        .output()
    {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let png = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .find(|e| e.file_name().to_string_lossy().starts_with("page"))
            .expect("pdftoppm wrote a page");
        let img = image::open(png.path()).unwrap().to_rgb8();
        // The page is not blank: the map and the tables put ink on it.
        let ink = img
            .pixels()
            .filter(|p| p.0.iter().any(|c| *c < 200))
            .count();
        assert!(ink > img.pixels().len() / 20, "{ink} dark pixels");
    } else {
        common::skip(
            "xlsx_and_pdf_reports: PDF rendering",
            "pdftoppm not installed",
        );
    }
}

fn ogr2ogr(args: &[&str]) -> bool {
    match Command::new("ogr2ogr").args(args).output() {
        Ok(o) if o.status.success() => true,
        Ok(o) => panic!("ogr2ogr {args:?}: {}", String::from_utf8_lossy(&o.stderr)),
        Err(_) => false,
    }
}

/// Bad input: parcels in another CRS than the villages, no TBDLMJ field, empty and
/// self-intersecting geometries — clear notes, and the numbers stay right where they can be.
#[test]
fn bad_input_is_reported_not_miscounted() {
    let dir = tempfile::tempdir().unwrap();
    let src = sample();
    let odd = dir.path().join("odd.gpkg");
    let (s, o) = (src.to_str().unwrap(), odd.to_str().unwrap());
    if !ogr2ogr(&["-f", "GPKG", o, s, "CJDCQ"]) {
        common::skip(
            "bad_input_is_reported_not_miscounted",
            "ogr2ogr not installed",
        );
        return;
    }
    // Parcels in CGCS2000 longitude/latitude, without TBDLMJ.
    assert!(ogr2ogr(&[
        "-update",
        "-t_srs",
        "EPSG:4490",
        "-nln",
        "DLTB",
        "-select",
        "DLBM,TBMJ,KCMJ,KCDLBM,GDPDJB",
        o,
        s,
        "DLTB",
    ]));
    let base = json_of(&[s, "--all", "--ledger"]);
    let dirty = tempfile::tempdir().unwrap();
    let out = dirty.path().join("o.json");
    let (ok, text) = profile(&[
        o,
        "--all",
        "--ledger",
        "--format",
        "json",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(ok, "{text}");
    assert!(
        text.contains("投影到") && text.contains("EPSG:4490"),
        "{text}"
    );
    assert!(
        text.contains("没有 TBDLMJ") && text.contains("TBMJ − KCMJ"),
        "{text}"
    );
    assert!(
        text.contains("永久基本农田") && text.contains("未找到图层"),
        "{text}"
    );
    let got: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    for (a, b) in base.iter().zip(&got) {
        let (x, y) = (f(a, "farmland_mu"), f(b, "farmland_mu"));
        assert!(
            (x - y).abs() <= 1e-3 * x.max(1.0),
            "{}: {x} vs {y}",
            a["name"]
        );
    }

    // Empty and self-intersecting parcels.
    let conn = rusqlite::Connection::open(&odd).unwrap();
    // GDAL's R-tree triggers call SpatiaLite functions that plain SQLite lacks.
    let triggers: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'DLTB'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    for t in triggers {
        conn.execute(&format!("DROP TRIGGER \"{t}\""), []).unwrap();
    }
    conn.execute("UPDATE DLTB SET geom = NULL WHERE fid IN (1, 2, 3)", [])
        .unwrap();
    // A bow-tie over the bounding box of parcel 10.
    let (x0, y0, x1, y1): (f64, f64, f64, f64) = conn
        .query_row(
            "SELECT minx, miny, maxx, maxy FROM rtree_DLTB_geom WHERE id = 10",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    let mut blob = vec![b'G', b'P', 0, 1];
    blob.extend_from_slice(&4490i32.to_le_bytes());
    blob.push(1);
    blob.extend_from_slice(&3u32.to_le_bytes());
    blob.extend_from_slice(&1u32.to_le_bytes());
    blob.extend_from_slice(&5u32.to_le_bytes());
    for (x, y) in [(x0, y0), (x1, y1), (x1, y0), (x0, y1), (x0, y0)] {
        blob.extend_from_slice(&x.to_le_bytes());
        blob.extend_from_slice(&y.to_le_bytes());
    }
    conn.execute("UPDATE DLTB SET geom = ?1 WHERE fid = 10", [blob])
        .unwrap();
    drop(conn);
    let (ok, text) = profile(&[o, "--all", "--format", "csv"]);
    assert!(ok, "{text}");
    assert!(text.contains("3 个图斑没有几何"), "{text}");
    // The bow-tie was repaired (GEOS MakeValid) before computing, and the user is told.
    assert!(
        text.contains("1 个无效面") && text.contains("MakeValid"),
        "{text}"
    );
    assert!(!text.contains("NaN") && !text.contains("inf"), "{text}");
}

// ---------------------------------------------------------------------------------------------
// The data package of a scope (`yitu package`).

fn yitu(args: &[&str]) -> (bool, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_yitu"))
        .args(args)
        .output()
        .unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr),
    )
}

/// The fids of `layer` in `src` in the village `code`, computed by GDAL/GEOS
/// (independently of YiTu's overlay).
fn fids_in_village_by_gdal(src: &std::path::Path, layer: &str, code: &str) -> Vec<i64> {
    use gdal::vector::LayerAccess;
    let ds = gdal::Dataset::open(src).unwrap();
    let mut villages = ds.layer_by_name("CJDCQ").unwrap();
    let village = villages
        .features()
        .find(|f| {
            f.field_as_string(f.field_index("ZLDWDM").unwrap())
                .unwrap()
                .unwrap_or_default()
                .starts_with(code)
        })
        .unwrap()
        .geometry()
        .unwrap()
        .clone();
    let mut l = ds.layer_by_name(layer).unwrap();
    let mut fids = Vec::new();
    for f in l.features() {
        let Some(g) = f.geometry() else { continue };
        let hit = match g.geometry_type() {
            gdal_sys::OGRwkbGeometryType::wkbPoint
            | gdal_sys::OGRwkbGeometryType::wkbMultiPoint => g.intersects(&village),
            // In scope: at least 1 m² inside, or half of a smaller polygon (slivers of a few mm²
            // along boundaries digitised twice are not).
            _ => g
                .intersection(&village)
                .is_some_and(|i| i.area() > 0.0 && i.area() >= (0.5 * g.area()).min(1.0)),
        };
        if hit {
            fids.push(f.fid().unwrap() as i64);
        }
    }
    fids.sort();
    fids
}

#[test]
fn data_package_of_a_village_holds_what_lies_in_it_unchanged() {
    let sample = sample();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("村数据包.gpkg");
    let code = "350322001002";
    // A failed export leaves what was at --out alone.
    std::fs::write(&out, "the user's file").unwrap();
    let (ok, text) = yitu(&[
        "package",
        sample.to_str().unwrap(),
        "--village",
        "350322001999",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!ok && text.contains("没有村"), "{text}");
    assert_eq!(std::fs::read(&out).unwrap(), b"the user's file");
    // Nor may a package replace the data it is cut from.
    let copy = dir.path().join("county.gpkg");
    std::fs::copy(&sample, &copy).unwrap();
    let before = std::fs::read(&copy).unwrap();
    let (ok, text) = yitu(&[
        "package",
        copy.to_str().unwrap(),
        "--village",
        code,
        "--out",
        copy.to_str().unwrap(),
    ]);
    assert!(!ok && text.contains("不能覆盖"), "{text}");
    assert_eq!(std::fs::read(&copy).unwrap(), before);

    let basemap = common::root()
        .join("sample-data")
        .join("xianyou_basemap.mbtiles");
    let (ok, text) = yitu(&[
        "package",
        sample.to_str().unwrap(),
        "--village",
        code,
        "--basemap",
        basemap.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(ok, "{text}");
    // The basemap over the village: the package opens as an offline tile package, every zoom
    // of the source is there, each tile the source's own bytes.
    {
        use yitu::core::io::tiles::MbTiles;
        let (src, pkg) = (
            MbTiles::open(&basemap).unwrap(),
            MbTiles::open(&out).unwrap(),
        );
        assert_eq!(
            (pkg.info.min_zoom, pkg.info.max_zoom),
            (src.info.min_zoom, src.info.max_zoom)
        );
        let tiles = pkg.tiles_in(None).unwrap();
        assert!(tiles.len() > 12 && tiles.len() < 100, "{}", tiles.len());
        for (z, x, y, data) in &tiles {
            assert_eq!(src.tile(*z, *x, *y).unwrap().as_ref(), Some(data));
            assert_eq!(pkg.tile(*z, *x, *y).unwrap().as_ref(), Some(data));
        }
    }
    let pkg = rusqlite::Connection::open(&out).unwrap();
    let src = rusqlite::Connection::open(&sample).unwrap();
    for layer in ["DLTB", "YJJBNTTB", "CJDCQ", "enterprises"] {
        let expected = fids_in_village_by_gdal(&sample, layer, code);
        let mut got: Vec<i64> = pkg
            .prepare(&format!("SELECT fid FROM {layer}"))
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        got.sort();
        assert_eq!(
            got, expected,
            "{layer}: YiTu's scope differs from GDAL/GEOS"
        );
        if layer == "DLTB" {
            assert!(got.len() > 100, "{}", got.len());
        }
        // Every copied row is the source row, value for value (geometry bytes included).
        let mut st_p = pkg
            .prepare(&format!("SELECT * FROM {layer} ORDER BY fid"))
            .unwrap();
        let n = st_p.column_count();
        let mut rows = st_p.query([]).unwrap();
        while let Some(r) = rows.next().unwrap() {
            let fid: i64 = r.get("fid").unwrap();
            let mut st_s = src
                .prepare_cached(&format!("SELECT * FROM {layer} WHERE fid = ?1"))
                .unwrap();
            let same = st_s
                .query_row([fid], |s| {
                    Ok((0..n).all(|i| {
                        s.get::<_, rusqlite::types::Value>(i).unwrap()
                            == r.get::<_, rusqlite::types::Value>(i).unwrap()
                    }))
                })
                .unwrap();
            assert!(same, "{layer} fid {fid} changed");
        }
    }
    // Codes stay text.
    let not_text: i64 = pkg
        .query_row(
            "SELECT count(*) FROM DLTB WHERE typeof(DLBM) != 'text' OR typeof(ZLDWDM) != 'text'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(not_text, 0);
    let about: String = pkg
        .query_row(
            "SELECT value FROM yitu_package WHERE item LIKE '范围%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(about.contains(code), "{about}");
    drop(pkg);

    // The village's file from the package is the one from the county (to 0.01 亩: the county's
    // also counts the mm² slivers of its neighbours' parcels, which the package leaves out).
    let from_county = json_of(&[sample.to_str().unwrap(), "--village", code]);
    let from_package = json_of(&[out.to_str().unwrap(), "--village", code]);
    for k in [
        "area_mu",
        "farmland_mu",
        "paddy_mu",
        "dry_mu",
        "ridge_mu",
        "permanent_farmland_mu",
    ] {
        assert!(
            (f(&from_county[0], k) - f(&from_package[0], k)).abs() < 0.01,
            "{k}: {} vs {}",
            from_county[0][k],
            from_package[0][k]
        );
    }
    let (a, b) = (
        from_county[0]["landuse_mu"].as_object().unwrap(),
        from_package[0]["landuse_mu"].as_object().unwrap(),
    );
    for (k, v) in a {
        let w = b.get(k).and_then(|w| w.as_f64()).unwrap_or(0.0);
        assert!((v.as_f64().unwrap() - w).abs() < 0.01, "{k}: {v} vs {w}");
    }

    // GDAL opens it, and its R-tree follows an edit made through GDAL (the triggers work).
    let ds = gdal::Dataset::open_ex(
        &out,
        gdal::DatasetOptions {
            open_flags: gdal::GdalOpenFlags::GDAL_OF_UPDATE | gdal::GdalOpenFlags::GDAL_OF_VECTOR,
            ..Default::default()
        },
    )
    .unwrap();
    let before: i64 = rusqlite::Connection::open(&out)
        .unwrap()
        .query_row("SELECT count(*) FROM rtree_DLTB_geom", [], |r| r.get(0))
        .unwrap();
    let first: i64 = rusqlite::Connection::open(&out)
        .unwrap()
        .query_row("SELECT min(fid) FROM DLTB", [], |r| r.get(0))
        .unwrap();
    ds.execute_sql(
        format!("DELETE FROM DLTB WHERE fid = {first}"),
        None,
        gdal::vector::sql::Dialect::DEFAULT,
    )
    .unwrap();
    drop(ds);
    let after: i64 = rusqlite::Connection::open(&out)
        .unwrap()
        .query_row("SELECT count(*) FROM rtree_DLTB_geom", [], |r| r.get(0))
        .unwrap();
    assert_eq!(after, before - 1);
}

#[test]
fn data_package_of_a_town_has_its_department_rows() {
    let project = common::root()
        .join("sample-data")
        .join("xianyou_sample.yitu");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("town.gpkg");
    let cache = dir.path().join("cache.sqlite");
    let town = "350322001";
    let (ok, text) = yitu(&[
        "package",
        project.to_str().unwrap(),
        "--town",
        town,
        "--out",
        out.to_str().unwrap(),
        "--cache",
        cache.to_str().unwrap(),
    ]);
    assert!(ok, "{text}");
    let pkg = rusqlite::Connection::open(&out).unwrap();
    let villages: i64 = pkg
        .query_row(
            "SELECT count(*) FROM CJDCQ WHERE ZLDWDM LIKE ?1",
            [format!("{town}%")],
            |r| r.get(0),
        )
        .unwrap();
    let all: i64 = pkg
        .query_row("SELECT count(*) FROM CJDCQ", [], |r| r.get(0))
        .unwrap();
    assert!(villages > 5 && villages == all, "{villages} of {all}");
    // The project's offline basemap came along.
    let tiles: i64 = pkg
        .query_row("SELECT count(*) FROM basemap", [], |r| r.get(0))
        .unwrap();
    assert!(tiles > 20, "{tiles}");
    assert!(text.contains("底图 / basemap"), "{text}");
    // The population table joined to the villages: one row per village of the town, codes text.
    // (The table keeps its codes as the department wrote them; they match once normalised.)
    let codes: Vec<String> = pkg
        .prepare("SELECT 村代码 FROM 人口")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(codes.len() as i64, villages, "{text}");
    for c in &codes {
        assert!(
            yitu::core::data::join::normalize_code(c).starts_with(town),
            "{c} is not in {town}"
        );
    }
}

/// A village layer without town names takes them from a town layer found by its name (乡镇界)
/// or named with --towns; the output says which layer played the towns.
#[test]
fn towns_come_from_a_town_layer_when_villages_have_none() {
    let dir = tempfile::tempdir().unwrap();
    let src = sample();
    let odd = dir.path().join("towns.gpkg");
    let (s, o) = (src.to_str().unwrap(), odd.to_str().unwrap());
    if !ogr2ogr(&["-f", "GPKG", o, s, "CJDCQ", "-select", "ZLDWDM,ZLDWMC"]) {
        common::skip(
            "towns_come_from_a_town_layer_when_villages_have_none",
            "ogr2ogr not installed",
        );
        return;
    }
    assert!(ogr2ogr(&["-update", o, s, "DLTB"]));
    assert!(ogr2ogr(&["-update", "-nln", "乡镇界", o, s, "XZQ"]));
    let base = json_of(&[s, "--all", "--ledger"]);
    let got = json_of(&[o, "--all", "--ledger"]);
    assert_eq!(base.len(), got.len());
    for (a, b) in base.iter().zip(&got) {
        assert_eq!(a["town_name"], b["town_name"], "{}", a["name"]);
        assert_eq!(b["layer_roles"]["towns"], "乡镇界");
    }
    let named = json_of(&[o, "--all", "--ledger", "--towns", "乡镇界"]);
    assert_eq!(named[0]["town_name"], base[0]["town_name"]);
}

/// The same county in Web Mercator (EPSG:3857, whose areas are 1/cos²φ too large) and its
/// enterprises under a department's field names with units: the same village files, because
/// the analysis runs in a Gauss-Krüger zone whenever the data's CRS distorts areas by more
/// than 0.1 %.
#[test]
fn a_county_in_web_mercator_gives_the_same_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let src = sample();
    let merc = dir.path().join("merc.gpkg");
    let (s, o) = (src.to_str().unwrap(), merc.to_str().unwrap());
    if !ogr2ogr(&[
        "-f",
        "GPKG",
        "-t_srs",
        "EPSG:3857",
        o,
        s,
        "CJDCQ",
        "DLTB",
        "YJJBNTTB",
        "STBHHX",
        "CZKFBJ",
    ]) {
        common::skip(
            "a_county_in_web_mercator_gives_the_same_numbers",
            "ogr2ogr not installed",
        );
        return;
    }
    assert!(ogr2ogr(&[
        "-update",
        "-t_srs",
        "EPSG:3857",
        "-nln",
        "企业名录",
        "-sql",
        "SELECT geom, name AS \"企业名称\", output_wan AS \"产值（万元）\", tax_wan AS \"税收(万元)\", employees AS \"从业人员（人）\" FROM enterprises",
        o,
        s,
    ]));
    let base = json_of(&[s, "--all"]);
    let got = json_of(&[o, "--all"]);
    for (a, b) in base.iter().zip(&got) {
        for k in [
            "area_mu",
            "farmland_mu",
            "permanent_farmland_mu",
            "eco_redline_mu",
            "dev_boundary_mu",
            "enterprise_output_wan",
        ] {
            let (x, y) = (f(a, k), f(b, k));
            assert!(
                (x - y).abs() <= 2e-3 * x.abs().max(1.0),
                "{} {k}: {x} (EPSG:4528) vs {y} (EPSG:3857)",
                a["name"]
            );
        }
        assert_eq!(a["enterprises"], b["enterprises"]);
    }
}

/// A parcel layer stored as lines is named as such, not reported missing.
#[test]
fn parcels_stored_as_lines_are_said_to_be_lines() {
    let dir = tempfile::tempdir().unwrap();
    let src = sample();
    let odd = dir.path().join("lines.gpkg");
    let (s, o) = (src.to_str().unwrap(), odd.to_str().unwrap());
    if !ogr2ogr(&["-f", "GPKG", o, s, "CJDCQ"]) {
        common::skip(
            "parcels_stored_as_lines_are_said_to_be_lines",
            "ogr2ogr not installed",
        );
        return;
    }
    assert!(ogr2ogr(&[
        "-update",
        "-nlt",
        "MULTILINESTRING",
        o,
        s,
        "DLTB"
    ]));
    let (ok, text) = profile(&[o, "--all", "--format", "json"]);
    assert!(
        !ok && text.contains("DLTB") && text.contains("不是面图层"),
        "{text}"
    );
}

/// With `SOURCE_DATE_EPOCH` set, the same data gives the same XLSX and PDF bytes (the document dates come from
/// it), so outputs can be compared across versions of YiTu.
#[test]
fn documents_are_reproducible_with_source_date_epoch() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = sample();
    let run = |name: &str, format: &str| {
        let out = dir.path().join(name);
        let o = Command::new(env!("CARGO_BIN_EXE_yitu"))
            .env("SOURCE_DATE_EPOCH", "1796000000")
            .args([
                "profile",
                gpkg.to_str().unwrap(),
                "--village",
                "350322001001",
            ])
            .args(["--format", format, "--out", out.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        std::fs::read(out).unwrap()
    };
    let (a, b) = (run("a.xlsx", "xlsx"), run("b.xlsx", "xlsx"));
    assert!(a == b, "two XLSX exports of the same village differ");
    let (a, b) = (run("a.pdf", "pdf"), run("b.pdf", "pdf"));
    assert!(a == b, "two PDF reports of the same village differ");
}

/// The village report never prints text over text (issue 15 §8): a village with 40 department indicators and a
/// long sources note gets page 2 with the indicators that fit, "……另 N 项（见 Excel 导出）", and the note below
/// them, no two lines of text overlapping.
#[test]
fn the_report_page_never_prints_text_over_text() {
    use yitu::core::analysis::profile::{profile, Indicator, ProfileOptions};
    use yitu::core::model::layout::Rect;
    use yitu::core::model::progress::Progress;
    use yitu::core::model::style::Rgba;
    use yitu::core::output::canvas::{text_width_mm, Canvas, MM_PER_PT};
    struct Texts(Vec<(f32, f32, f32, f32, String)>);
    impl Canvas for Texts {
        fn fill(&mut self, _: &[Vec<[f32; 2]>], _: Rgba) {}
        fn stroke(&mut self, _: &[Vec<[f32; 2]>], _: bool, _: Rgba, _: f32) {}
        fn text(&mut self, x: f32, y: f32, size: f32, text: &str, _: Rgba) {
            let h = size * MM_PER_PT;
            self.0.push((
                x,
                y - 0.8 * h,
                x + text_width_mm(text, size),
                y + 0.2 * h,
                text.into(),
            ));
        }
        fn image(&mut self, _: Rect, _: &[u8], _: u32, _: u32) {}
        fn push_clip(&mut self, _: Rect) {}
        fn pop_clip(&mut self) {}
    }
    let gpkg = common::sample_gpkg();
    let mut all = profile(&gpkg, &ProfileOptions::default(), &Progress::new()).unwrap();
    let mut v = all.villages[0].clone();
    v.indicators = (0..40)
        .map(|i| Indicator {
            name: format!("部门指标 {i}"),
            value: Some(i as f64 * 1.5),
            source: "测试表 · 部门 · v1 · 2026-11-30".into(),
        })
        .collect();
    all.sources
        .extend((0..12).map(|i| format!("来源 / source: 一个很长的部门数据来源说明 {i}")));
    let maps = yitu::core::output::report::ReportMaps::load(
        (&gpkg, "CJDCQ"),
        (&gpkg, "DLTB"),
        None,
        &Progress::new(),
    )
    .unwrap();
    let (mut a, mut b) = (Texts(vec![]), Texts(vec![]));
    yitu::core::output::report::village_pages(
        &maps,
        &all,
        &v,
        yitu::core::output::charts::AreaUnit::Mu,
        "2026-11-30",
        &mut a,
        &mut b,
    );
    let texts = &b.0;
    assert!(
        texts.iter().any(|t| t.4.contains("见 Excel 导出")),
        "the rest is said to be in the export"
    );
    for (i, p) in texts.iter().enumerate() {
        for q in &texts[i + 1..] {
            let overlap_x = p.0 < q.2 - 0.1 && q.0 < p.2 - 0.1;
            let overlap_y = p.1 < q.3 - 0.1 && q.1 < p.3 - 0.1;
            // Chart labels and table cells of one row share a line: only text of different lines counts.
            if overlap_x && overlap_y && (p.1 - q.1).abs() > 0.05 {
                panic!("text over text: {:?} and {:?}", p, q);
            }
        }
    }
}

//! Land-use proposals (issue 14): the check's areas against GeoPandas/shapely/pyproj on sites of every shape
//! (tests/scripts/proposal_check.py), every rule of the national table triggered by a site, the coordinate list
//! round trip through the CLI's outputs, and bad input.

mod common;

use geo::InteriorPoint;
use yitu::core::algorithms::{find, Params};
use yitu::core::analysis::overlay::to_multipolygon;
use yitu::core::analysis::proposal::{Context, Inputs, Site, SiteInfo};
use yitu::core::analysis::roles::Role;
use yitu::core::model::crs::Crs;
use yitu::core::model::geom::{GeomKind, GeometryStore};
use yitu::core::model::progress::Progress;
use yitu::core::model::proposal::{Hit, RuleTable};

fn layer(name: &str) -> yitu::core::model::layer::VectorLayer {
    yitu::core::io::read::load_layer(&common::sample_gpkg(), Some(name), &Progress::new()).unwrap()
}

/// A point inside feature `f`.
fn inside(l: &yitu::core::model::layer::VectorLayer, f: usize) -> [f64; 2] {
    let p = to_multipolygon(&l.geoms, f).interior_point().unwrap();
    [p.x(), p.y()]
}

/// The vertex of feature `f`'s first ring at index `i` (mod its length).
fn vertex(l: &yitu::core::model::layer::VectorLayer, f: usize, i: usize) -> [f64; 2] {
    let r = l.geoms.rings(f).next().unwrap();
    r[i % (r.len() - 1)]
}

fn square(c: [f64; 2], half: f64) -> Vec<Vec<[f64; 2]>> {
    let (x, y) = (c[0], c[1]);
    vec![vec![
        [x - half, y - half],
        [x + half, y - half],
        [x + half, y + half],
        [x - half, y + half],
        [x - half, y - half],
    ]]
}

/// A GeoJSON FeatureCollection in EPSG:4528 of one polygon per entry (rings as given, not repaired).
fn geojson(polys: &[Vec<Vec<[f64; 2]>>]) -> String {
    let feats: Vec<serde_json::Value> = polys
        .iter()
        .map(|p| {
            serde_json::json!({"type": "Feature", "properties": {},
                "geometry": {"type": "Polygon", "coordinates": p}})
        })
        .collect();
    serde_json::json!({"type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4528"}},
        "features": feats})
    .to_string()
}

fn site_of(polys: &[Vec<Vec<[f64; 2]>>]) -> Site {
    let mut s = GeometryStore::new();
    for p in polys {
        for r in p {
            for c in r {
                s.push_coord(c[0], c[1]);
            }
            s.end_ring();
        }
        s.end_part();
    }
    s.end_feature(GeomKind::Polygon);
    Site {
        geom: s,
        crs: Crs::epsg(4528),
    }
}

/// The sites of every shape the issue names, on the sample county.
/// Polygons, each a list of rings.
type Polys = Vec<Vec<Vec<[f64; 2]>>>;

fn sites() -> Vec<(&'static str, Polys)> {
    let parcels = layer("DLTB");
    let villages = layer("CJDCQ");
    let red = layer("STBHHX");
    let pf = layer("YJJBNTTB");
    let udb = layer("CZKFBJ");
    // The largest parcel, for a site wholly inside one.
    let big = (0..parcels.len())
        .max_by(|&a, &b| {
            parcels
                .geoms
                .planar_area(a)
                .total_cmp(&parcels.geoms.planar_area(b))
        })
        .unwrap();
    let c = inside(&villages, 3);
    let self_touching = {
        let (x, y) = (c[0], c[1]);
        vec![vec![
            [x, y],
            [x + 300.0, y],
            [x + 300.0, y + 300.0],
            [x + 150.0, y + 300.0],
            [x + 200.0, y + 150.0],
            [x + 100.0, y + 150.0],
            [x + 150.0, y + 300.0],
            [x, y + 300.0],
            [x, y],
        ]]
    };
    let bow_tie = {
        let v = vertex(&pf, 10, 0);
        let (x, y) = (v[0] - 100.0, v[1] - 100.0);
        vec![vec![
            [x, y],
            [x + 200.0, y + 200.0],
            [x + 200.0, y],
            [x, y + 200.0],
            [x, y],
        ]]
    };
    let holed = {
        let v = vertex(&pf, 40, 3);
        let mut p = square(v, 250.0);
        let mut hole = square([v[0] + 60.0, v[1] + 40.0], 50.0).remove(0);
        hole.reverse();
        p.push(hole);
        p
    };
    vec![
        (
            "inside one parcel",
            vec![square(inside(&parcels, big), 4.0)],
        ),
        (
            "across villages",
            vec![square(vertex(&villages, 0, 7), 300.0)],
        ),
        (
            "across the red line",
            vec![square(vertex(&red, 0, 11), 400.0)],
        ),
        (
            "across the development boundary",
            vec![square(vertex(&udb, 1, 5), 350.0)],
        ),
        ("with a hole, across permanent farmland", vec![holed]),
        ("self-touching ring", vec![self_touching]),
        ("bow-tie", vec![bow_tie]),
        (
            "two parts",
            vec![
                square(vertex(&villages, 5, 2), 120.0),
                square(inside(&villages, 9), 80.0),
            ],
        ),
    ]
}

/// The check's areas equal GeoPandas/shapely's overlay with the same apportioning within 0.01 亩 (6.7 m²), and
/// the geodesic area pyproj's, on sites of every shape: inside one parcel, across villages, across the red line
/// and the development boundary, with a hole, self-touching, a bow-tie, two parts.
#[test]
fn the_check_agrees_with_geopandas_on_sites_of_every_shape() {
    let Some(py) = common::reference_python() else {
        common::skip("proposal check against GeoPandas", "no reference Python");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let alg = find("proposal check").unwrap();
    let tol_mu = 0.01 * 10_000.0 / 15.0;
    for (what, polys) in sites() {
        let path = dir
            .path()
            .join(format!("{}.geojson", what.replace(' ', "_")));
        std::fs::write(&path, geojson(&polys)).unwrap();
        let out = dir.path().join("c.json");
        alg.run(
            &Params::new()
                .with("file", common::sample_gpkg())
                .with("site", &path)
                .with("type", "rural_house")
                .with("out", &out),
            &Progress::new(),
        )
        .unwrap_or_else(|e| panic!("{what}: {e}"));
        let y: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        let o = std::process::Command::new(&py)
            .arg(common::root().join("tests/scripts/proposal_check.py"))
            .arg(common::sample_gpkg())
            .arg(&path)
            .arg("1")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let f = |v: &serde_json::Value| v.as_f64().unwrap();
        let close = |a: f64, b: f64, name: &str| {
            assert!(
                (a - b).abs() <= tol_mu,
                "{what}: {name}: YiTu {a} m², reference {b} m²"
            );
        };
        close(f(&y["planar_m2"]), f(&r["planar_m2"]), "planar area");
        // Geometric overlaps are reported on the ellipsoid's basis: the planar ones × the site's ratio.
        let ratio = f(&y["area_m2"]) / f(&y["planar_m2"]);
        assert!((ratio - f(&r["geodesic_m2"]) / f(&r["planar_m2"])).abs() < 1e-6);
        assert!(
            (f(&y["area_m2"]) - f(&r["geodesic_m2"])).abs() <= 1e-6 * f(&r["geodesic_m2"]) + 0.01,
            "{what}: geodesic {} vs {}",
            y["area_m2"],
            r["geodesic_m2"]
        );
        // The site is what it claims to be.
        let planar = f(&y["planar_m2"]);
        let ctl = |role: &str| {
            f(&y["controls"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["role"] == role)
                .unwrap()["area_m2"])
        };
        let partly = |a: f64| a > 1.0 && a < f(&y["area_m2"]) - 1.0;
        match what {
            "inside one parcel" => assert_eq!(y["parcels"].as_array().unwrap().len(), 1),
            "across villages" => assert!(y["villages"].as_array().unwrap().len() >= 2, "{what}"),
            "across the red line" => assert!(partly(ctl("red_line")), "{what}"),
            "across the development boundary" => assert!(partly(ctl("dev_boundary")), "{what}"),
            "with a hole, across permanent farmland" => {
                assert!(partly(ctl("permanent_farmland")), "{what}");
                assert!(
                    (planar - (500.0 * 500.0 - 100.0 * 100.0)).abs() < 1e-3,
                    "{what}: {planar}"
                );
            }
            _ => {}
        }
        // Villages.
        let yv = y["villages"].as_array().unwrap();
        let rv = r["villages"].as_object().unwrap();
        for (code, a) in rv {
            if f(a) < tol_mu {
                continue;
            }
            let mine = yv
                .iter()
                .find(|v| v["code"] == code.as_str())
                .map(|v| f(&v["area_m2"]))
                .unwrap_or(0.0);
            close(mine, f(a) * ratio, &format!("village {code}"));
        }
        // Classes, apportioned and geometric.
        let yl = y["land"].as_array().unwrap();
        let get = |code: &str, key: &str| {
            yl.iter()
                .find(|l| l["code"] == code)
                .map(|l| f(&l[key]))
                .unwrap_or(0.0)
        };
        for (code, a) in r["classes"].as_object().unwrap() {
            close(get(code, "class_m2"), f(a), &format!("class {code}"));
        }
        for (code, a) in r["overlap"].as_object().unwrap() {
            close(
                get(code, "overlap_m2"),
                f(a) * ratio,
                &format!("overlap {code}"),
            );
        }
        // Controls.
        for (layer, role) in [
            ("YJJBNTTB", "permanent_farmland"),
            ("STBHHX", "red_line"),
            ("CZKFBJ", "dev_boundary"),
        ] {
            let c = y["controls"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["role"] == role)
                .unwrap();
            close(f(&c["area_m2"]), f(&r[layer]["area_m2"]) * ratio, layer);
            assert_eq!(c["patches"], r[layer]["patches"], "{what}: {layer} patches");
        }
    }
}

/// Every rule of the national table is triggered by a site on the sample county: for each rule and each
/// project type it names, a site that meets its hit gives a verdict line by that rule.
#[test]
fn every_rule_of_the_national_table_is_triggered_by_a_site() {
    let ctx = Context::load(
        &Inputs {
            path: common::sample_gpkg(),
            named: vec![],
        },
        &Progress::new(),
    )
    .unwrap();
    let pf = layer("YJJBNTTB");
    let red = layer("STBHHX");
    let parcels = layer("DLTB");
    let codes = parcels.attrs.field_index("DLBM").unwrap();
    let forest = (0..parcels.len())
        .filter(|&f| parcels.attrs.get(f, codes).to_string() == "0301")
        .max_by(|&a, &b| {
            parcels
                .geoms
                .planar_area(a)
                .total_cmp(&parcels.geoms.planar_area(b))
        })
        .unwrap();
    let biggest = |l: &yitu::core::model::layer::VectorLayer| {
        (0..l.len())
            .max_by(|&a, &b| l.geoms.planar_area(a).total_cmp(&l.geoms.planar_area(b)))
            .unwrap()
    };
    let sites = [
        site_of(&[square(inside(&pf, biggest(&pf)), 10.0)]),
        site_of(&[square(inside(&parcels, forest), 5.0)]),
        site_of(&[square(inside(&red, biggest(&red)), 30.0)]),
    ];
    let rules = RuleTable::national();
    for rule in &rules.rules {
        for t in &rule.types {
            let info = SiteInfo {
                project_type: t.clone(),
                ..Default::default()
            };
            let hit = sites.iter().find_map(|s| {
                let c = ctx.check(s, &info, &rules, 1.0).unwrap();
                c.verdict.lines.iter().find(|l| l.hit == rule.hit).cloned()
            });
            let line = hit.unwrap_or_else(|| panic!("no site meets {:?} for {t}", rule.hit));
            assert_eq!(
                line.rule.as_ref().map(|r| r.id.as_str()),
                Some(rule.id.as_str()),
                "{t} × {:?}",
                rule.hit
            );
            assert_eq!(line.level, Some(rule.level));
        }
    }
    // A site inside permanent farmland: a house there is forbidden, and says so first.
    let c = ctx
        .check(
            &sites[0],
            &SiteInfo {
                project_type: "rural_house".into(),
                ..Default::default()
            },
            &rules,
            1.0,
        )
        .unwrap();
    assert_eq!(
        c.verdict.level,
        yitu::core::model::proposal::Level::Prohibited
    );
    assert!(c.control(Role::PermanentFarmland).unwrap().area_m2 > 399.0);
    assert!(c.verdict.lines.iter().any(|l| l.hit == Hit::Farmland));
}

/// The site's 界址点 list written by `proposal check --out x.txt` reads back (`--coords`) to the same shape and
/// the same check; the list without zone numbers and with X/Y swapped gives the same area, with notes.
#[test]
fn the_coordinate_list_round_trips_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let alg = find("proposal check").unwrap();
    let (_, polys) = sites().remove(4);
    let site = dir.path().join("site.geojson");
    std::fs::write(&site, geojson(&polys)).unwrap();
    let txt = dir.path().join("site.txt");
    let base = Params::new()
        .with("file", common::sample_gpkg())
        .with("type", "facility_livestock");
    alg.run(
        &base.clone().with("site", &site).with("out", &txt),
        &Progress::new(),
    )
    .unwrap();
    let text = std::fs::read_to_string(&txt).unwrap();
    assert!(
        text.contains("[地块坐标]") && text.contains("J1,1,"),
        "{text}"
    );
    let a = dir.path().join("a.json");
    let b = dir.path().join("b.json");
    alg.run(
        &base.clone().with("site", &site).with("out", &a),
        &Progress::new(),
    )
    .unwrap();
    alg.run(
        &base.clone().with("coords", &txt).with("out", &b),
        &Progress::new(),
    )
    .unwrap();
    let j = |p: &std::path::Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
    };
    let (ja, jb) = (j(&a), j(&b));
    let fa = ja["planar_m2"].as_f64().unwrap();
    assert!(
        (fa - jb["planar_m2"].as_f64().unwrap()).abs() < 0.01,
        "{fa} vs {}",
        jb["planar_m2"]
    );
    assert_eq!(ja["verdict"]["level"], jb["verdict"]["level"]);
    assert_eq!(ja["verdict"]["level"], "prohibited");
    // Without the zone number, columns swapped ("Y,X"): the project's CRS adds the zone; the swap is said.
    let mut swapped = String::from("点号,Y,X\n");
    for line in text.lines().filter(|l| l.starts_with('J')) {
        let f: Vec<&str> = line.split(',').collect();
        let y: f64 = f[3].parse().unwrap();
        swapped += &format!("{},{:.3},{}\n", f[0], y - 40_000_000.0, f[2]);
    }
    let sw = dir.path().join("swapped.csv");
    std::fs::write(&sw, swapped).unwrap();
    let c = dir.path().join("c.json");
    let o = alg
        .run(
            &base.clone().with("coords", &sw).with("out", &c),
            &Progress::new(),
        )
        .unwrap();
    let jc = j(&c);
    assert!((fa - jc["planar_m2"].as_f64().unwrap()).abs() < 0.01);
    let notes = o.notes.join("\n");
    assert!(
        notes.contains("写反") && notes.contains("补上带号"),
        "{notes}"
    );
}

/// Bad input gives a clear message and writes nothing: an unknown type, a site far outside the county (another
/// CRS than declared), a site and coordinates both given, a coordinate file of garbage, unknown parcels; a
/// project without the control layers lists them as not checked.
#[test]
fn bad_input_is_refused_and_missing_layers_are_not_checked() {
    let dir = tempfile::tempdir().unwrap();
    let alg = find("proposal check").unwrap();
    let out = dir.path().join("x.json");
    let site = dir.path().join("s.geojson");
    std::fs::write(
        &site,
        geojson(&[square(vertex(&layer("CJDCQ"), 0, 0), 50.0)]),
    )
    .unwrap();
    let base = Params::new()
        .with("file", common::sample_gpkg())
        .with("out", &out);
    let err = |p: Params| alg.run(&p, &Progress::new()).unwrap_err().to_string();
    let e = err(base.clone().with("site", &site).with("type", "spaceport"));
    assert!(e.contains("spaceport") && e.contains("rural_house"), "{e}");
    let e = err(base
        .clone()
        .with("site", &site)
        .with("coords", &site)
        .with("type", "rural_house"));
    assert!(e.contains("--coords"), "{e}");
    // Coordinates of zone 40 declared as EPSG:4548 (CM 117°, zone 39): the zone contradicts…
    let far = dir.path().join("far.csv");
    std::fs::write(
        &far,
        "J1,2800000,40380000\nJ2,2800000,40380100\nJ3,2800100,40380100\n",
    )
    .unwrap();
    let e = err(base
        .clone()
        .with("coords", &far)
        .with("crs", "4548")
        .with("type", "rural_house"));
    assert!(e.contains("带号") && e.contains("39"), "{e}");
    // …and a list without zone read in a CRS 3° away lands far from the county.
    let far2 = dir.path().join("far2.csv");
    std::fs::write(
        &far2,
        "J1,2800000,380000\nJ2,2800000,380100\nJ3,2800100,380100\n",
    )
    .unwrap();
    let e = err(base
        .clone()
        .with("coords", &far2)
        .with("crs", "4551")
        .with("type", "rural_house"));
    assert!(e.contains("km"), "{e}");
    let junk = dir.path().join("junk.txt");
    std::fs::write(&junk, "hello\nworld 1 2\n").unwrap();
    let e = err(base
        .clone()
        .with("coords", &junk)
        .with("type", "rural_house"));
    assert!(e.contains("界址点"), "{e}");
    let e = err(base
        .clone()
        .with("parcels", "999999999,1")
        .with("type", "rural_house"));
    assert!(e.contains("999999999"), "{e}");
    assert!(!out.exists(), "nothing written on failure");
    // Only villages and parcels: the controls are listed as not checked, never as no conflict.
    let gpkg = dir.path().join("two.gpkg");
    let o = std::process::Command::new("ogr2ogr")
        .arg(&gpkg)
        .arg(common::sample_gpkg())
        .args(["CJDCQ", "DLTB"])
        .output();
    if !o.map(|o| o.status.success()).unwrap_or(false) {
        common::skip("proposal without control layers", "no ogr2ogr");
        return;
    }
    alg.run(
        &Params::new()
            .with("file", &gpkg)
            .with("site", &site)
            .with("type", "rural_house")
            .with("out", &out),
        &Progress::new(),
    )
    .unwrap();
    let j: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let unchecked = j["verdict"]["unchecked"].as_array().unwrap();
    assert_eq!(unchecked.len(), 3, "{unchecked:?}");
}

/// The check sheet: a vector PDF whose text (pdftotext) holds the header, the areas, the verdict with its
/// document number and the disclaimer, with the 界址点 appendix; its PNG is not blank.
#[test]
fn the_check_sheet_prints_the_verdict_with_its_sources() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("sheet.pdf");
    let site = dir.path().join("s.geojson");
    let pf = layer("YJJBNTTB");
    std::fs::write(&site, geojson(&[square(vertex(&pf, 40, 3), 60.0)])).unwrap();
    let o = find("proposal check")
        .unwrap()
        .run(
            &Params::new()
                .with(
                    "file",
                    common::root().join("sample-data/xianyou_sample.yitu"),
                )
                .with("site", &site)
                .with("type", "facility_livestock")
                .with("name", "涵井村生猪养殖场")
                .with("applicant", "涵井村股份经济合作社")
                .with("prepared_by", "鲤南镇自然资源所")
                .with("out", &pdf),
            &Progress::new(),
        )
        .unwrap();
    assert_eq!(o.files, vec![pdf.clone()]);
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    let Ok(t) = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(&pdf)
        .arg("-")
        .output()
    else {
        common::skip("check sheet text", "no pdftotext");
        return;
    };
    let text = String::from_utf8_lossy(&t.stdout);
    for want in [
        "用地预审核查单",
        "涵井村生猪养殖场",
        "鲤南镇自然资源所",
        "禁止",
        "自然资发〔2021〕166号",
        "不作为审批依据",
        "界址点坐标表",
        "J1",
    ] {
        assert!(
            text.contains(want),
            "{want} missing from the sheet:\n{text}"
        );
    }
    // Page 1 as PNG: drawn (many colours), not blank.
    let ctx = Context::load(
        &Inputs {
            path: common::sample_gpkg(),
            named: vec![],
        },
        &Progress::new(),
    )
    .unwrap();
    let c = ctx
        .check(
            &site_of(&[square(vertex(&pf, 40, 3), 60.0)]),
            &SiteInfo {
                project_type: "facility_livestock".into(),
                ..Default::default()
            },
            &RuleTable::national(),
            1.0,
        )
        .unwrap();
    let png = yitu::core::output::proposal_sheet::sheet_png(&c, &ctx, 40.0).unwrap();
    let img = image::load_from_memory(&png).unwrap().to_rgba8();
    let colours: std::collections::HashSet<[u8; 4]> = img.pixels().map(|p| p.0).collect();
    assert!(colours.len() > 50, "{} colours", colours.len());
}

/// Sites written by other tools: a Shapefile without .prj (its CRS from --crs, else the project's), a DXF of
/// closed polylines (ogr2ogr), a GeoJSON of projected coordinates without a `crs` member: the same area as the
/// GeoJSON they came from. A tolerance larger than the site never hides a site lying wholly on permanent
/// farmland, and neither does the default one for a tiny site.
#[test]
fn sites_from_other_writers_and_the_tolerance() {
    let dir = tempfile::tempdir().unwrap();
    let alg = find("proposal check").unwrap();
    let pf = layer("YJJBNTTB");
    let big = (0..pf.len())
        .max_by(|&a, &b| pf.geoms.planar_area(a).total_cmp(&pf.geoms.planar_area(b)))
        .unwrap();
    let polys = vec![square(inside(&pf, big), 15.0)];
    let src = dir.path().join("site.geojson");
    std::fs::write(&src, geojson(&polys)).unwrap();
    let run = |params: Params| -> serde_json::Value {
        let out = dir.path().join("o.json");
        let _ = std::fs::remove_file(&out);
        alg.run(&params.with("out", &out), &Progress::new())
            .unwrap_or_else(|e| panic!("{e}"));
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap()
    };
    let base = || {
        Params::new()
            .with("file", common::sample_gpkg())
            .with("type", "rural_house")
    };
    let reference = run(base().with("site", &src));
    let area = reference["planar_m2"].as_f64().unwrap();
    assert!((area - 900.0).abs() < 1e-6);
    // The tolerance: 1000 m² over a 900 m² site wholly on permanent farmland still counts it.
    let t = run(base().with("site", &src).with("tolerance", "1000"));
    assert_eq!(t["verdict"]["level"], "prohibited", "{}", t["verdict"]);
    // A 0.64 m² footing on permanent farmland with the default tolerance: counted (it is 100 % of the site).
    let tiny = dir.path().join("tiny.geojson");
    std::fs::write(&tiny, geojson(&[square(inside(&pf, big), 0.4)])).unwrap();
    let t = run(base().with("site", &tiny).with("type", "industrial"));
    assert_eq!(t["verdict"]["level"], "prohibited", "{}", t["verdict"]);

    let ogr = |args: &[&std::ffi::OsStr]| {
        std::process::Command::new("ogr2ogr")
            .args(args)
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    let shp = dir.path().join("noprj.shp");
    if !ogr(&[shp.as_os_str(), src.as_os_str()]) {
        common::skip("sites from ogr2ogr", "no ogr2ogr");
        return;
    }
    std::fs::remove_file(dir.path().join("noprj.prj")).unwrap();
    let a = run(base().with("site", &shp).with("crs", "4528"));
    assert!((a["planar_m2"].as_f64().unwrap() - area).abs() < 1e-3);
    let a = run(base().with("site", &shp));
    assert!(
        (a["planar_m2"].as_f64().unwrap() - area).abs() < 1e-3,
        "the project's CRS"
    );
    let dxf = dir.path().join("site.dxf");
    assert!(ogr(&[
        std::ffi::OsStr::new("-f"),
        std::ffi::OsStr::new("DXF"),
        dxf.as_os_str(),
        src.as_os_str()
    ]));
    let a = run(base().with("site", &dxf).with("crs", "4528"));
    assert!(
        (a["planar_m2"].as_f64().unwrap() - area).abs() < 1e-3,
        "DXF"
    );
    // GeoJSON of projected coordinates without its crs member (GDAL takes it as degrees).
    let bare: serde_json::Value = {
        let mut v: serde_json::Value = serde_json::from_str(&geojson(&polys)).unwrap();
        v.as_object_mut().unwrap().remove("crs");
        v
    };
    let nocrs = dir.path().join("nocrs.geojson");
    std::fs::write(&nocrs, bare.to_string()).unwrap();
    let a = run(base().with("site", &nocrs));
    assert!(
        (a["planar_m2"].as_f64().unwrap() - area).abs() < 1e-3,
        "GeoJSON without crs"
    );
}

//! Files written by other tools (pyshp, ogr2ogr, GeoPandas/pyogrio, openpyxl), each checked
//! against its right value from an independent tool (pyproj's Geod, shapely's make_valid,
//! GDAL/OGR), as `tests/fixtures/other_writers/make.py` computed them into `expected.json`:
//! clockwise (shapefile-order) rings with holes, a bow-tie parcel across two villages, GBK
//! `.dbf` files with and without `.cpg` and with language-driver bytes 0x00 / 0x4D / 0x57, a
//! `.cpg` that lies, GBK names whose bytes are valid UTF-8, an enterprise layer named `QY`,
//! layers named with parentheses and quotes, and spreadsheets ending in a 合计 row.

mod common;

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/other_writers")
}

fn expected() -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir().join("expected.json")).unwrap()).unwrap()
}

/// Runs yitu; returns success and stdout + stderr.
fn yitu(args: &[&str]) -> (bool, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_yitu"))
        .args(args)
        .current_dir(dir())
        .output()
        .unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr),
    )
}

/// `yitu profile FILE EXTRA… --all` as JSON, by village code; and the command's messages.
fn profile(file: &str, extra: &[&str]) -> (std::collections::BTreeMap<String, Value>, String) {
    let out = tempfile::tempdir().unwrap();
    let json = out.path().join("p.json");
    let mut args = vec!["profile", file, "--all"];
    args.extend_from_slice(extra);
    args.extend(["--format", "json", "--out", json.to_str().unwrap()]);
    let (ok, text) = yitu(&args);
    assert!(ok, "{text}");
    let v: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    (
        v.into_iter()
            .map(|v| (v["code"].as_str().unwrap().to_string(), v))
            .collect(),
        text,
    )
}

fn num(v: &Value, k: &str) -> f64 {
    v[k].as_f64().unwrap_or_else(|| panic!("{k} in {v}"))
}

fn close(what: &str, got: f64, want: f64, tol: f64) {
    assert!(
        (got - want).abs() <= tol,
        "{what}: yitu {got}, independent {want} (tolerance {tol})"
    );
}

/// Shapefile ring order (exteriors clockwise, holes counter-clockwise) kept by ogr2ogr: village
/// areas against pyproj's Geod, land classes against the parcels' TBDLMJ.
#[test]
fn clockwise_rings_give_the_areas_pyproj_gives() {
    let e = expected();
    let (got, _) = profile("cw_county.gpkg", &[]);
    let want = e["cw_county"]["villages"].as_object().unwrap();
    assert_eq!(got.len(), want.len());
    for (code, w) in want {
        let g = &got[code];
        close(
            &format!("{code} area_mu"),
            num(g, "area_mu"),
            num(w, "area_mu"),
            0.01,
        );
        close(
            &format!("{code} planar area"),
            num(g, "planar_area_mu") / 0.0015,
            num(w, "planar_m2"),
            0.01,
        );
        close(
            &format!("{code} farmland_mu"),
            num(g, "farmland_mu"),
            num(w, "farmland_mu"),
            0.01,
        );
        close(
            &format!("{code} paddy_mu"),
            num(g, "paddy_mu"),
            num(w, "paddy_mu"),
            0.01,
        );
    }
    // The shapefile the GeoPackage was made from: the same villages, the same rings.
    let info = yitu::core::io::read::load_layer(
        &dir().join("cw_county.shp"),
        None,
        &yitu::core::model::progress::Progress::new(),
    )
    .unwrap();
    let mut g = info.geoms.clone();
    let stats = yitu::core::analysis::repair::make_fit(&mut g);
    assert_eq!(stats.repaired, 0, "valid shapefile rings are left alone");
    assert!(stats.reoriented >= 4, "{stats:?}");
}

/// A bow-tie paddy parcel of 300 亩 across two villages: repaired as shapely's make_valid does,
/// it gives 240 + 60 亩, never 400; the repair is reported.
#[test]
fn a_bow_tie_across_two_villages_is_counted_once() {
    let e = expected();
    let (got, text) = profile("bowtie.gpkg", &[]);
    let b = &e["bowtie"];
    for (code, w) in b["villages"].as_object().unwrap() {
        let g = &got[code];
        close(
            &format!("{code} paddy_mu"),
            num(g, "paddy_mu"),
            num(w, "paddy_mu"),
            0.01,
        );
        close(
            &format!("{code} farmland_mu"),
            num(g, "farmland_mu"),
            num(w, "farmland_mu"),
            0.01,
        );
        close(
            &format!("{code} area_mu"),
            num(g, "area_mu"),
            num(w, "area_mu"),
            0.01,
        );
    }
    let paddy: f64 = got.values().map(|v| num(v, "paddy_mu")).sum();
    close(
        "paddy over all villages",
        paddy,
        num(b, "total_paddy_mu"),
        0.01,
    );
    let invalid = b["invalid_parcels"].as_u64().unwrap();
    assert!(
        text.contains(&format!("{invalid} 个无效面")) && text.contains("MakeValid"),
        "{text}"
    );
}

/// Loads `file` and checks its field names and village names (second field) against `w`;
/// returns the layer and the expected field names.
fn names_as_expected<'a>(
    file: &str,
    w: &'a Value,
) -> (yitu::core::model::layer::VectorLayer, Vec<&'a str>) {
    let l = yitu::core::io::read::load_layer(
        &dir().join(file),
        None,
        &yitu::core::model::progress::Progress::new(),
    )
    .unwrap_or_else(|err| panic!("{file}: {err}"));
    let names: Vec<&str> = l.attrs.fields.iter().map(|f| f.name.as_str()).collect();
    let want_names: Vec<&str> = w["field_names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(names, want_names, "{file}");
    let name_col = l.attrs.field_index(want_names[1]).unwrap();
    let values: Vec<String> = (0..l.len())
        .map(|r| l.attrs.get(r, name_col).to_string())
        .collect();
    let want_values: Vec<&str> = w["village_names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(values, want_values, "{file}: {:?}", l.warnings);
    (l, want_names)
}

/// GBK `.dbf` files, with and without `.cpg`, with language-driver bytes 0x00, 0x4D and 0x57,
/// and a `.cpg` that says UTF-8 over GBK bytes: field names and every value decoded with one
/// encoding for the whole file (溪头, 山头, 石亭 are valid UTF-8 as GBK bytes and must not turn
/// into other characters); a guessed or contradicted encoding is reported.
#[test]
fn one_encoding_per_dbf_names_included() {
    let e = expected();
    for (file, w) in e["gbk"]["files"].as_object().unwrap() {
        let (l, want_names) = names_as_expected(file, w);
        let code_col = l.attrs.field_index(want_names[0]).unwrap();
        assert_eq!(
            l.attrs.get(0, code_col).to_string(),
            w["village_codes"][0].as_str().unwrap(),
            "{file}: codes stay text"
        );
        let declared = w["cpg"].is_null() && w["ldid_byte_29"] == "0x4D";
        if file.contains("lying") {
            assert!(
                l.warnings
                    .iter()
                    .any(|m| m.contains("UTF-8") && m.contains("不符")),
                "{file}: {:?}",
                l.warnings
            );
        } else if !declared {
            assert!(
                l.warnings.iter().any(|m| m.contains("识别为")),
                "{file}: the guess is reported: {:?}",
                l.warnings
            );
        }
        // `yitu info` says so too, and lists the Chinese names.
        let (ok, text) = yitu(&["info", file, "--json"]);
        assert!(ok, "{text}");
        assert!(text.contains(&format!("\"{}\"", want_names[0])), "{text}");
    }
}

/// An enterprise layer named the way a department names it (`QY`) is found, its points counted
/// per village, and the output says which layer played the role; `--enterprises` names one, and
/// a named layer that does not exist is an error, not a silent 0.
#[test]
fn an_enterprise_layer_with_another_name_is_found_and_said() {
    let e = expected();
    let (got, text) = profile("qy_enterprises.gpkg", &[]);
    for (code, n) in e["qy_enterprises"]["enterprises_per_village"]
        .as_object()
        .unwrap()
    {
        assert_eq!(got[code]["enterprises"].as_u64(), n.as_u64(), "{code}");
        assert_eq!(got[code]["layer_roles"]["enterprises"], "QY");
    }
    assert!(text.contains("企业 / enterprises: QY"), "{text}");
    let (got, _) = profile("qy_enterprises.gpkg", &["--enterprises", "qy"]);
    assert_eq!(
        got.values().map(|v| num(v, "enterprises")).sum::<f64>(),
        5.0
    );
    let (ok, text) = yitu(&[
        "profile",
        "qy_enterprises.gpkg",
        "--all",
        "--enterprises",
        "企业名录",
    ]);
    assert!(
        !ok && text.contains("企业名录") && text.contains("QY"),
        "{text}"
    );
    // Without any enterprise layer the role is reported missing, the count is not passed off.
    let (got, text) = profile("bowtie.gpkg", &[]);
    assert!(got
        .values()
        .all(|v| v["layer_roles"]["enterprises"].is_null()));
    assert!(text.contains("--enterprises"), "{text}");
}

/// Layer and field names with spaces, quotes, parentheses and SQL keywords (GeoPandas wrote
/// them) work in info, profile and package; a failed package leaves nothing at --out.
#[test]
fn odd_layer_names_work_in_every_command() {
    let e = expected();
    let o = &e["odd_names"];
    let (v, p) = (
        o["village_layer"].as_str().unwrap(),
        o["parcel_layer"].as_str().unwrap(),
    );
    let (ok, text) = yitu(&["info", "odd_names.gpkg", "--json"]);
    assert!(ok, "{text}");
    let (got, _) = profile("odd_names.gpkg", &["--villages", v, "--parcels", p]);
    for (code, w) in o["villages"].as_object().unwrap() {
        close(
            &format!("{code} farmland"),
            num(&got[code], "farmland_mu"),
            num(w, "farmland_mu"),
            0.01,
        );
        close(
            &format!("{code} paddy"),
            num(&got[code], "paddy_mu"),
            num(w, "paddy_mu"),
            0.01,
        );
    }
    let out = tempfile::tempdir().unwrap();
    let pkg = out.path().join("pkg.gpkg");
    for (code, n) in o["parcels_per_village"].as_object().unwrap() {
        let (ok, text) = yitu(&[
            "package",
            "odd_names.gpkg",
            "--villages",
            v,
            "--village",
            code,
            "--out",
            pkg.to_str().unwrap(),
        ]);
        assert!(ok, "{text}");
        let c = rusqlite::Connection::open(&pkg).unwrap();
        let count = |t: &str| -> i64 {
            c.query_row(
                &format!("SELECT count(*) FROM {}", yitu::core::io::sql::ident(t)),
                [],
                |r| r.get(0),
            )
            .unwrap()
        };
        assert_eq!(count(p), n.as_i64().unwrap(), "{code}");
        assert_eq!(count(v), 1, "{code}");
        // The copied table keeps its odd field names.
        let cols = yitu::core::io::gpkg_write::table_columns(&c, p).unwrap();
        for f in o["parcel_fields"].as_array().unwrap() {
            assert!(cols.iter().any(|k| k.name == f.as_str().unwrap()), "{f}");
        }
    }
    // A failed export (unknown village) leaves nothing new at --out and the earlier file intact.
    let package_of_unknown_village = |out: &std::path::Path| {
        yitu(&[
            "package",
            "odd_names.gpkg",
            "--villages",
            v,
            "--village",
            "350322999999",
            "--out",
            out.to_str().unwrap(),
        ])
        .0
    };
    let before = std::fs::read(&pkg).unwrap();
    assert!(!package_of_unknown_village(&pkg));
    assert_eq!(std::fs::read(&pkg).unwrap(), before);
    let fresh = out.path().join("never.gpkg");
    assert!(!package_of_unknown_village(&fresh));
    assert!(!fresh.exists());
    assert_eq!(
        std::fs::read_dir(out.path()).unwrap().count(),
        1,
        "no temp file left"
    );
}

/// Spreadsheets ending in a summary row (合计 with a SUM formula and its cached value, the
/// formula alone, 总计 with a number): the row is left out with a note, and kept on request.
#[test]
fn summary_rows_are_left_out_of_imports() {
    let e = expected();
    let out = tempfile::tempdir().unwrap();
    let cache = out.path().join("cache.sqlite");
    for (file, w) in e["xlsx"].as_object().unwrap() {
        let mut c = yitu::core::data::cache::Cache::open(&cache).unwrap();
        let opts = yitu::core::io::table_import::ImportOptions::default();
        let v = c
            .import_file(
                "hh",
                "民政",
                &dir().join(file),
                &opts,
                &yitu::core::model::progress::Progress::new(),
            )
            .unwrap();
        assert_eq!(
            v.row_count as u64,
            w["data_rows"].as_u64().unwrap(),
            "{file}"
        );
        assert!(
            v.notes.iter().any(|n| n.contains("汇总行")),
            "{file}: {:?}",
            v.notes
        );
        let t = c.load_table("hh", None).unwrap();
        let col = t.attrs.field_index("户数").unwrap();
        let sum: f64 = (0..t.attrs.len())
            .filter_map(|r| t.attrs.get(r, col).as_f64())
            .sum();
        assert_eq!(sum, w["sum_hushu"].as_f64().unwrap(), "{file}");
        let code = t.attrs.field_index("村代码").unwrap();
        assert_eq!(
            t.attrs.get(0, code).to_string(),
            w["village_codes"][0].as_str().unwrap(),
            "{file}: codes stay text"
        );
        let keep = yitu::core::io::table_import::ImportOptions {
            keep_summary_rows: true,
            ..Default::default()
        };
        let v = c
            .import_file(
                "hh",
                "民政",
                &dir().join(file),
                &keep,
                &yitu::core::model::progress::Progress::new(),
            )
            .unwrap();
        assert_eq!(
            v.row_count as u64,
            w["data_rows"].as_u64().unwrap() + 1,
            "{file}"
        );
    }
    // The command line says so and has the flag.
    let (ok, text) = yitu(&[
        "data",
        "import",
        "summary_row.xlsx",
        "--name",
        "x",
        "--dept",
        "民政",
        "--cache",
        cache.to_str().unwrap(),
    ]);
    assert!(ok && text.contains("汇总行"), "{text}");
}

/// `yitu info FILE --json | true`: a closed pipe ends the command quietly (status 0 or 141),
/// without a panic.
#[test]
fn a_closed_pipe_ends_quietly() {
    use std::process::Stdio;
    for _ in 0..3 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_yitu"))
            .args(["info", "bowtie.gpkg", "--json"])
            .current_dir(dir())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // the reader goes away at once
        let o = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.contains("panicked"), "{err}");
        use std::os::unix::process::ExitStatusExt;
        assert!(
            o.status.success() || o.status.signal() == Some(13),
            "{:?} {err}",
            o.status
        );
    }
}

/// Polygons of an area layer drawn twice or over each other count once (the union, as shapely
/// computes it); villages overlapping each other are reported, and a parcel in the overlap counts
/// in each, as GeoPandas `overlay` gives it.
#[test]
fn overlapping_area_polygons_and_villages() {
    let e = expected();
    let o = &e["overlaps"];
    let (got, text) = profile("overlaps.gpkg", &[]);
    for (code, w) in o["villages"].as_object().unwrap() {
        let g = &got[code];
        for k in [
            "permanent_farmland_mu",
            "farmland_mu",
            "paddy_mu",
            "eco_redline_mu",
            "area_mu",
        ] {
            close(&format!("{code} {k}"), num(g, k), num(w, k), 0.01);
        }
    }
    assert!(text.contains("重叠") && text.contains("YJJBNTTB"), "{text}");
    let overlap = num(&o["village_overlaps"][0], "overlap_mu");
    assert!(
        text.contains(&format!("{overlap:.2} 亩")) && text.contains("350322900601"),
        "the village overlap is reported: {text}"
    );
}

/// A folder of GBK shapefiles without .cpg, read as one dataset, and a project listing them as
/// separate files: the same names and numbers.
#[test]
fn a_folder_of_shapefiles_and_a_project_of_them() {
    let e = expected();
    let s = &e["shp_folder"];
    for input in ["shp_folder", "shp_folder.yitu"] {
        let (got, text) = profile(input, &[]);
        for (code, w) in s["villages"].as_object().unwrap() {
            let g = &got[code];
            assert_eq!(g["name"], w["name"], "{input} {code}");
            for k in ["farmland_mu", "paddy_mu", "area_mu"] {
                close(&format!("{input} {code} {k}"), num(g, k), num(w, k), 0.01);
            }
        }
        assert!(
            text.contains("GBK"),
            "{input}: the encoding guess is said: {text}"
        );
    }
    // The report's map reads the parcels from their own file.
    let out = tempfile::tempdir().unwrap();
    let pdf = out.path().join("r.pdf");
    let (ok, text) = yitu(&[
        "profile",
        "shp_folder.yitu",
        "--village",
        "350322900701",
        "--format",
        "pdf",
        "--out",
        pdf.to_str().unwrap(),
    ]);
    assert!(ok && pdf.exists(), "{text}");
}

/// DLBM stored as an integer (101 for 0101) and an empty TBDLMJ: read as the code and as
/// TBMJ − KCMJ, both said.
#[test]
fn numeric_land_classes_and_empty_tbdlmj() {
    let e = expected();
    let n = &e["numeric_dlbm"];
    let (got, text) = profile("numeric_dlbm.gpkg", &[]);
    for (code, w) in n["villages"].as_object().unwrap() {
        close(
            "farmland_mu",
            num(&got[code], "farmland_mu"),
            num(w, "farmland_mu"),
            0.01,
        );
        close(
            "paddy_mu",
            num(&got[code], "paddy_mu"),
            num(w, "paddy_mu"),
            0.01,
        );
    }
    assert!(
        text.contains("0101") && text.contains("TBDLMJ 为空"),
        "{text}"
    );
    // The ledger alone (a filtered read) finds the same farmland.
    let (ledger, _) = profile("numeric_dlbm.gpkg", &["--ledger"]);
    for (code, w) in n["villages"].as_object().unwrap() {
        close(
            "ledger farmland_mu",
            num(&ledger[code], "farmland_mu"),
            num(w, "farmland_mu"),
            0.01,
        );
    }
}

/// Enterprises on a village's edges and corners are counted (each once), one outside every
/// village is reported; the layer 企业名录 is found by its name.
#[test]
fn enterprises_on_edges_count_once() {
    let e = expected();
    let x = &e["enterprise_edges"];
    let (got, text) = profile("enterprise_edges.gpkg", &[]);
    let total: f64 = got.values().map(|v| num(v, "enterprises")).sum();
    assert_eq!(total as u64, x["total_inside_villages"].as_u64().unwrap());
    for (code, range) in x["per_village_range"].as_object().unwrap() {
        let n = num(&got[code], "enterprises") as u64;
        assert!(
            (range[0].as_u64().unwrap()..=range[1].as_u64().unwrap()).contains(&n),
            "{code}: {n}"
        );
        assert_eq!(got[code]["layer_roles"]["enterprises"], "企业名录");
    }
    assert!(text.contains("1 家企业不在任何村内"), "{text}");
}

/// More encodings: UTF-8 under a GBK declaration (LDID 0x4D, .cpg 936), Latin text without a
/// declaration, a .cpg with a byte-order mark, GBK whose every name is valid UTF-8.
#[test]
fn declared_encodings_the_bytes_contradict() {
    let e = expected();
    for (file, w) in e["encoding_extras"]["files"].as_object().unwrap() {
        names_as_expected(file, w);
    }
}

/// Rows that only mention a sum (备注 = 不含合计, 口径 = 本年累计) and a village named 合计村 are
/// data; 合计 and 全县合计 rows without a code are left out.
#[test]
fn rows_that_only_mention_a_sum_are_kept() {
    let e = expected();
    let out = tempfile::tempdir().unwrap();
    let mut c = yitu::core::data::cache::Cache::open(&out.path().join("c.sqlite")).unwrap();
    for (file, w) in e["tables"].as_object().unwrap() {
        let v = c
            .import_file(
                "t",
                "x",
                &dir().join("tables").join(file),
                &Default::default(),
                &yitu::core::model::progress::Progress::new(),
            )
            .unwrap_or_else(|err| panic!("{file}: {err}"));
        assert_eq!(
            v.row_count as u64,
            w["data_rows"].as_u64().unwrap(),
            "{file}: {:?}",
            v.notes
        );
        let t = c.load_table("t", None).unwrap();
        let col = t
            .attrs
            .field_index(w["numeric_column"].as_str().unwrap())
            .unwrap();
        let sum: f64 = (0..t.attrs.len())
            .filter_map(|r| t.attrs.get(r, col).as_f64())
            .sum();
        close(file, sum, w["sum"].as_f64().unwrap(), 1e-9);
    }
}

/// An export over its own input is refused and the input stays as it was; an absurd image size
/// is refused with a message, not an allocation failure; a header with a 合计 column stays the
/// header.
#[test]
fn exports_never_overwrite_their_input_and_sizes_are_checked() {
    let out = tempfile::tempdir().unwrap();
    let copy = out.path().join("c.gpkg");
    std::fs::copy(dir().join("bowtie.gpkg"), &copy).unwrap();
    let before = std::fs::read(&copy).unwrap();
    let c = copy.to_str().unwrap();
    for args in [
        vec!["profile", c, "--all", "--format", "json", "--out", c],
        vec!["profile", c, "--all", "--format", "xlsx", "--out", c],
        vec!["render", c, "--out", c],
    ] {
        let (ok, text) = yitu(&args);
        assert!(
            !ok && text.contains("输出文件就是输入文件"),
            "{args:?}: {text}"
        );
        assert_eq!(std::fs::read(&copy).unwrap(), before, "{args:?}");
    }
    let png = out.path().join("big.png");
    let (ok, text) = yitu(&[
        "render",
        c,
        "--width",
        "100000",
        "--height",
        "100000",
        "--out",
        png.to_str().unwrap(),
    ]);
    assert!(
        !ok && text.contains("超出范围") && !text.contains("panicked"),
        "{text}"
    );
    assert!(!png.exists());
    // A header row ending in a 合计 column.
    let csv = out.path().join("t.csv");
    std::fs::write(
        &csv,
        "村代码,村名,男,女,合计\n350322900101,东岭村,10,12,22\n350322900102,溪头村,5,6,11\n,合计,15,18,33\n",
    )
    .unwrap();
    let mut cache = yitu::core::data::cache::Cache::open(&out.path().join("c.sqlite")).unwrap();
    let v = cache
        .import_file(
            "t",
            "x",
            &csv,
            &Default::default(),
            &yitu::core::model::progress::Progress::new(),
        )
        .unwrap();
    assert_eq!(v.row_count, 2, "{:?}", v.notes);
    assert_eq!(v.columns[0].name, "村代码");
    assert_eq!(v.columns[4].name, "合计");
}

/// A GeoPackage with a layer and a column named in GBK bytes (old tools write them): the rest of
/// the file opens, what is left out is said, and a package gives the column its Chinese name.
#[test]
fn gbk_names_inside_a_geopackage() {
    use std::os::unix::ffi::OsStrExt;
    let out = tempfile::tempdir().unwrap();
    let g = out.path().join("g.gpkg");
    std::fs::copy(dir().join("bowtie.gpkg"), &g).unwrap();
    let gbk = |s: &str| encoding_rs::GBK.encode(s).0.into_owned();
    let mut sql = b"ALTER TABLE CJDCQ ADD COLUMN \"".to_vec();
    sql.extend(gbk("村名称"));
    sql.extend(b"\" TEXT");
    let Ok(o) = Command::new("ogrinfo")
        .arg(&g)
        .arg("-sql")
        .arg(std::ffi::OsStr::from_bytes(&sql))
        .output()
    else {
        common::skip("gbk_names_inside_a_geopackage", "ogrinfo not installed");
        return;
    };
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = Command::new("ogr2ogr")
        .arg("-update")
        .arg(&g)
        .arg(dir().join("bowtie.gpkg"))
        .arg("CJDCQ")
        .arg("-nln")
        .arg(std::ffi::OsStr::from_bytes(&gbk("备注图层")))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (ok, text) = yitu(&["info", g.to_str().unwrap()]);
    assert!(ok, "{text}");
    assert!(
        text.contains("备注图层") && text.contains("村名称") && text.contains("CJDCQ"),
        "{text}"
    );
    let (got, _) = profile(g.to_str().unwrap(), &[]);
    assert_eq!(got.len(), 2);
    let pkg = out.path().join("p.gpkg");
    let (ok, text) = yitu(&[
        "package",
        g.to_str().unwrap(),
        "--village",
        "350322900201",
        "--out",
        pkg.to_str().unwrap(),
    ]);
    assert!(ok, "{text}");
    let c = rusqlite::Connection::open(&pkg).unwrap();
    let cols = yitu::core::io::gpkg_write::table_columns(&c, "CJDCQ").unwrap();
    assert!(cols.iter().any(|k| k.name == "村名称"), "{cols:?}");
}

/// A command stopped mid-way (SIGTERM, as a closed terminal or a killed job sends) leaves no
/// temporary file beside its target, and no target.
#[test]
fn an_interrupted_export_leaves_nothing() {
    let out = tempfile::tempdir().unwrap();
    let pdf = out.path().join("atlas.pdf");
    let sample = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-data/xianyou_sample.gpkg");
    let mut child = Command::new(env!("CARGO_BIN_EXE_yitu"))
        .arg("profile")
        .arg(&sample)
        .args(["--all", "--format", "pdf", "--out"])
        .arg(&pdf)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the atlas has started writing (its temporary file appears), then stop it.
    let t0 = std::time::Instant::now();
    while std::fs::read_dir(out.path()).unwrap().count() == 0
        && t0.elapsed() < std::time::Duration::from_secs(60)
    {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    // SAFETY: sending a signal to our own child process.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let o = child.wait_with_output().unwrap();
    use std::os::unix::process::ExitStatusExt;
    if o.status.code() == Some(143) {
        let left: Vec<_> = std::fs::read_dir(out.path())
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        assert!(left.is_empty(), "left behind: {left:?}");
        assert!(String::from_utf8_lossy(&o.stderr).contains("已中断"));
    } else {
        // It finished before the signal came: then the atlas is whole and alone.
        assert!(
            o.status.success() || o.status.signal().is_some(),
            "{:?}",
            o.status
        );
    }
}

/// Department tables as statistics offices write them: a "-" or "—" in a number column is no
/// value (the column stays numeric, with a note); an ArcGIS FID column and a table named like a
/// GeoPackage system table go into a data package; options that make no sense are refused.
#[test]
fn department_tables_as_offices_write_them() {
    let out = tempfile::tempdir().unwrap();
    let cache = out.path().join("c.sqlite");
    let csv = out.path().join("pop.csv");
    std::fs::write(
        &csv,
        "FID,村代码,村名,户籍人口\n1,350322900201,后垵村,3232\n2,350322900202,石亭村,-\n",
    )
    .unwrap();
    let mut c = yitu::core::data::cache::Cache::open(&cache).unwrap();
    let v = c
        .import_file(
            "gpkg_contents",
            "民政",
            &csv,
            &Default::default(),
            &yitu::core::model::progress::Progress::new(),
        )
        .unwrap();
    let col = v.columns.iter().find(|c| c.name == "户籍人口").unwrap();
    assert_eq!(col.ftype, yitu::core::model::attrs::FieldType::Integer);
    assert!(
        v.notes.iter().any(|n| n.contains("无数据")),
        "{:?}",
        v.notes
    );
    // A project joining it to the villages, then its package.
    let project = out.path().join("p.yitu");
    std::fs::write(
        &project,
        format!(
            r#"{{"version": 1, "title": "t", "layers": [{{"path": "{}", "layer": "CJDCQ", "name": "村界", "visible": true,
               "style": {{"symbology": {{"Single": {{"color": [0, 0, 0, 0]}}}}, "stroke": [0, 0, 0, 255], "stroke_width": 1.0, "point_radius": 4.0, "opacity": 1.0, "label_field": null}},
               "joins": [{{"dataset": "gpkg_contents", "layer_field": "ZLDWDM", "column": "村代码"}}]}}],
               "datasets": [{{"name": "gpkg_contents", "department": "民政", "path": "{}"}}]}}"#,
            dir().join("bowtie.gpkg").display(),
            csv.display()
        ),
    )
    .unwrap();
    let pkg = out.path().join("pkg.gpkg");
    let (ok, text) = yitu(&[
        "package",
        project.to_str().unwrap(),
        "--village",
        "350322900201",
        "--cache",
        cache.to_str().unwrap(),
        "--out",
        pkg.to_str().unwrap(),
    ]);
    assert!(ok, "{text}");
    let db = rusqlite::Connection::open(&pkg).unwrap();
    let n: i64 = db
        .query_row("SELECT count(*) FROM t_gpkg_contents", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
    let cols = yitu::core::io::gpkg_write::table_columns(&db, "t_gpkg_contents").unwrap();
    assert!(cols.iter().any(|k| k.name == "FID_"), "{cols:?}");
    // Nonsense options are refused, not silently replaced.
    for args in [
        vec![
            "join",
            "bowtie.gpkg",
            "--layer",
            "CJDCQ",
            "--key",
            "ZLDWDM",
            "--dataset",
            "x",
            "--column",
            "c",
            "--agg",
            "avg",
        ],
        vec!["profile", "bowtie.gpkg", "--all", "--unit", "km2"],
    ] {
        let (ok, text) = yitu(&args);
        assert!(!ok && text.contains("invalid value"), "{args:?}: {text}");
    }
    let (ok, text) = yitu(&[
        "data",
        "import",
        csv.to_str().unwrap(),
        "--name",
        "y",
        "--dept",
        "x",
        "--type",
        "不存在=real",
        "--cache",
        cache.to_str().unwrap(),
    ]);
    assert!(!ok && text.contains("不存在"), "{text}");
    let (ok, text) = yitu(&[
        "data",
        "import",
        csv.to_str().unwrap(),
        "--name",
        "y",
        "--dept",
        "x",
        "--header-row",
        "500",
        "--cache",
        cache.to_str().unwrap(),
    ]);
    assert!(
        !ok && text.contains("500") && !text.contains("syntax"),
        "{text}"
    );
}

/// Two projects with a table of the same name from different files, one cache: each project's
/// village files use its own table.
#[test]
fn projects_sharing_a_cache_use_their_own_tables() {
    let out = tempfile::tempdir().unwrap();
    let cache = out.path().join("c.sqlite");
    let project = |name: &str, people: [u32; 2]| {
        let csv = out.path().join(format!("{name}.csv"));
        std::fs::write(
            &csv,
            format!(
                "村代码,村名,户籍人口\n350322900201,后垵村,{}\n350322900202,石亭村,{}\n",
                people[0], people[1]
            ),
        )
        .unwrap();
        let p = out.path().join(format!("{name}.yitu"));
        std::fs::write(
            &p,
            format!(
                r#"{{"version": 1, "title": "{name}", "layers": [{{"path": "{}", "layer": "CJDCQ", "name": "村界", "visible": true,
                   "style": {{"symbology": {{"Single": {{"color": [0, 0, 0, 0]}}}}, "stroke": [0, 0, 0, 255], "stroke_width": 1.0, "point_radius": 4.0, "opacity": 1.0, "label_field": null}},
                   "joins": [{{"dataset": "人口", "layer_field": "ZLDWDM", "column": "村代码"}}]}}],
                   "datasets": [{{"name": "人口", "department": "公安", "path": "{}"}}]}}"#,
                dir().join("bowtie.gpkg").display(),
                csv.display()
            ),
        )
        .unwrap();
        p
    };
    let (a, b) = (project("a", [3232, 1500]), project("b", [1, 2]));
    for (p, want) in [(&a, 3232.0), (&b, 1.0), (&a, 3232.0)] {
        let json = out.path().join("p.json");
        let (ok, text) = yitu(&[
            "profile",
            p.to_str().unwrap(),
            "--all",
            "--cache",
            cache.to_str().unwrap(),
            "--format",
            "json",
            "--out",
            json.to_str().unwrap(),
        ]);
        assert!(ok, "{text}");
        let v: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        let hou = v.iter().find(|x| x["code"] == "350322900201").unwrap();
        assert_eq!(num(hou, "population"), want, "{}: {text}", p.display());
    }
}

/// An XLSX with a two-row header (人口 merged over 男 | 女), as offices lay tables out: the
/// columns are named 人口_男 and 人口_女 and stay numbers.
#[test]
fn a_two_row_merged_header() {
    let out = tempfile::tempdir().unwrap();
    let x = out.path().join("t.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let fmt = rust_xlsxwriter::Format::new();
    ws.write_string(0, 0, "村代码").unwrap();
    ws.write_string(0, 1, "村名").unwrap();
    ws.merge_range(0, 2, 0, 3, "人口", &fmt).unwrap();
    ws.write_string(0, 4, "户数").unwrap();
    ws.write_string(1, 2, "男").unwrap();
    ws.write_string(1, 3, "女").unwrap();
    for (r, (code, name, m, f, h)) in [
        ("350322900101", "东岭村", 10.0, 12.0, 8.0),
        ("350322900102", "溪头村", 5.0, 6.0, 4.0),
    ]
    .into_iter()
    .enumerate()
    {
        let r = r as u32 + 2;
        ws.write_string(r, 0, code).unwrap();
        ws.write_string(r, 1, name).unwrap();
        ws.write_number(r, 2, m).unwrap();
        ws.write_number(r, 3, f).unwrap();
        ws.write_number(r, 4, h).unwrap();
    }
    wb.save(&x).unwrap();
    let mut c = yitu::core::data::cache::Cache::open(&out.path().join("c.sqlite")).unwrap();
    let v = c
        .import_file(
            "t",
            "x",
            &x,
            &Default::default(),
            &yitu::core::model::progress::Progress::new(),
        )
        .unwrap();
    let names: Vec<&str> = v.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["村代码", "村名", "人口_男", "人口_女", "户数"]);
    assert_eq!(v.row_count, 2);
    assert!(v.columns[2].ftype.is_numeric());
}

/// A join's report accounts for every table row: rows whose key cell is empty are counted.
#[test]
fn a_join_report_counts_rows_with_an_empty_key() {
    let out = tempfile::tempdir().unwrap();
    let cache = out.path().join("c.sqlite");
    let csv = out.path().join("t.csv");
    std::fs::write(
        &csv,
        "村代码,户数\n350322900201,10\n,5\n350322900202,7\n,3\n",
    )
    .unwrap();
    let c = cache.to_str().unwrap();
    let (ok, text) = yitu(&[
        "data",
        "import",
        csv.to_str().unwrap(),
        "--name",
        "hh",
        "--dept",
        "x",
        "--cache",
        c,
    ]);
    assert!(ok, "{text}");
    let (ok, text) = yitu(&[
        "join",
        "bowtie.gpkg",
        "--layer",
        "CJDCQ",
        "--key",
        "ZLDWDM",
        "--dataset",
        "hh",
        "--column",
        "村代码",
        "--cache",
        c,
    ]);
    assert!(ok, "{text}");
    assert!(
        text.contains("matched 2") && text.contains("空键行 / rows with an empty key: 2"),
        "{text}"
    );
}

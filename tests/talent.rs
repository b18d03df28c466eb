//! 人才地图 (issue 13): geodesic distances and the floating-catchment accessibility of talent sources, against
//! pyproj's Geod and PySAL `access` on the same inputs (tests/scripts/access_pysal.py).

mod common;

use yitu::core::analysis::access::{distance_matrix_km, two_stage_fca, weighted_catchment, Weight};

/// Distances from 120 places across China to 400 of the sample's talent sources equal pyproj's Geod on GRS80
/// (1e-9 relative); the classic 2SFCA, the step-weighted E2SFCA, the gravity-weighted 2SFCA and the gravity
/// potential equal PySAL access's on pyproj's distances (1e-9 relative).
#[test]
fn distances_and_floating_catchments_agree_with_pyproj_and_pysal_access() {
    let Some(py) = common::reference_python() else {
        common::skip("access against PySAL", "no reference Python");
        return;
    };
    let ok = std::process::Command::new(&py)
        .args(["-c", "import access, pyproj"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        common::skip(
            "access against PySAL",
            "access not installed (bash packaging/python-ref.sh)",
        );
        return;
    }
    // Supply: the sample's talent sources in longitude/latitude.
    let layer = yitu::core::io::read::load_layer(
        &common::sample_gpkg(),
        Some("talent_sources"),
        &yitu::core::model::progress::Progress::new(),
    )
    .unwrap();
    let mut pts: Vec<[f64; 2]> = (0..layer.len())
        .map(|f| layer.geoms.label_point(f))
        .collect();
    yitu::core::model::crs::Transformer::to_lonlat(&layer.crs)
        .unwrap()
        .transform(&mut pts)
        .unwrap();
    let supply_pts: Vec<[f64; 2]> = pts
        .iter()
        .step_by(pts.len() / 400)
        .take(400)
        .copied()
        .collect();
    let mut s = 11u64;
    let mut rnd = move || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let supply: Vec<f64> = supply_pts
        .iter()
        .map(|_| (50.0 + 2000.0 * rnd()).round())
        .collect();
    let demand_pts: Vec<[f64; 2]> = (0..120)
        .map(|_| [75.0 + 59.0 * rnd(), 18.0 + 35.0 * rnd()])
        .collect();
    let demand: Vec<f64> = demand_pts
        .iter()
        .map(|_| (100.0 + 5000.0 * rnd()).round())
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let mut d = String::from("id,lon,lat,demand\n");
    for (i, p) in demand_pts.iter().enumerate() {
        d += &format!("{i},{:.12},{:.12},{}\n", p[0], p[1], demand[i]);
    }
    let mut t = String::from("id,lon,lat,supply\n");
    for (j, p) in supply_pts.iter().enumerate() {
        t += &format!("{j},{:.12},{:.12},{}\n", p[0], p[1], supply[j]);
    }
    std::fs::write(dir.path().join("d.csv"), d).unwrap();
    std::fs::write(dir.path().join("s.csv"), t).unwrap();
    // Parse the coordinates back as written, so both sides use the same numbers.
    let round = |v: f64| format!("{v:.12}").parse::<f64>().unwrap();
    let demand_pts: Vec<[f64; 2]> = demand_pts
        .iter()
        .map(|p| [round(p[0]), round(p[1])])
        .collect();
    let supply_pts: Vec<[f64; 2]> = supply_pts
        .iter()
        .map(|p| [round(p[0]), round(p[1])])
        .collect();
    let max_km = 600.0;
    let o = std::process::Command::new(&py)
        .arg(common::root().join("tests/scripts/access_pysal.py"))
        .arg(dir.path().join("d.csv"))
        .arg(dir.path().join("s.csv"))
        .arg(format!("{max_km}"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    let n = supply_pts.len();
    let ours = distance_matrix_km(&demand_pts, &supply_pts);
    let mut theirs = vec![f64::NAN; ours.len()];
    let mut results: std::collections::BTreeMap<&str, Vec<f64>> = Default::default();
    for line in text.lines() {
        let f: Vec<&str> = line.split(' ').collect();
        match f[0] {
            "dist" => {
                let (i, j): (usize, usize) = (f[1].parse().unwrap(), f[2].parse().unwrap());
                theirs[i * n + j] = f[3].parse().unwrap();
            }
            k => {
                let v = results
                    .entry(k)
                    .or_insert_with(|| vec![f64::NAN; demand.len()]);
                v[f[1].parse::<usize>().unwrap()] = f[2].parse().unwrap();
            }
        }
    }
    for (a, b) in ours.iter().zip(&theirs) {
        assert!((a - b).abs() <= 1e-9 * b.max(1.0), "{a} vs {b}");
    }
    // The same catchments on pyproj's distances (so a pair on the 600 km line cannot fall differently).
    let cost = |i: usize, j: usize| theirs[i * n + j];
    let step = Weight::Steps(vec![
        (max_km / 3.0, 1.0),
        (2.0 * max_km / 3.0, 0.68),
        (max_km, 0.22),
    ]);
    let grav = Weight::Gravity {
        scale: 100.0,
        alpha: -1.5,
        min: 1.0,
    };
    let runs = [
        (
            "2sfca",
            two_stage_fca(&demand, &supply, &cost, Some(max_km), &Weight::One),
        ),
        (
            "e2sfca",
            two_stage_fca(&demand, &supply, &cost, Some(max_km), &step),
        ),
        (
            "g2sfca",
            two_stage_fca(&demand, &supply, &cost, None, &grav),
        ),
        (
            "potential",
            weighted_catchment(demand.len(), &supply, &cost, None, &grav),
        ),
    ];
    for (name, ours) in runs {
        let want = &results[name];
        let mut nonzero = 0;
        for (i, (a, b)) in ours.iter().zip(want).enumerate() {
            assert!(
                (a - b).abs() <= 1e-9 * b.abs().max(1e-12),
                "{name} {i}: {a} vs {b}"
            );
            nonzero += (*a > 0.0) as usize;
        }
        assert!(nonzero > 20, "{name}: {nonzero} places with access");
    }
}

fn yitu(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_yitu"))
        .args(args)
        .output()
        .expect("yitu runs")
}

/// The talent-map commands on the sample project, against an independent computation from the same raw inputs
/// (tests/scripts/talent_check.py: GeoPandas reads the sources, pyproj's Geod measures, pandas totals by province
/// and link, PySAL access computes the 2SFCA of every county): the ranked sources' scores of every link, the
/// province totals, the postings' demand and shortage index per link, and the 2SFCA of 2 886 counties agree.
#[test]
fn talent_commands_agree_with_geopandas_pandas_and_pysal_access() {
    let Some(py) = common::reference_python() else {
        common::skip(
            "talent commands against pandas/PySAL",
            "no reference Python",
        );
        return;
    };
    let ok = std::process::Command::new(&py)
        .args(["-c", "import access, pyproj, geopandas"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        common::skip(
            "talent commands against pandas/PySAL",
            "access/geopandas not installed (bash packaging/python-ref.sh)",
        );
        return;
    }
    let root = common::root();
    let project = root.join("sample-data/xianyou_sample.yitu");
    let p = project.to_str().unwrap();
    let postings = root.join("sample-data/招聘岗位_2024.csv");
    let dir = std::env::temp_dir().join(format!("yitu-talent-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = |n: &str| dir.join(n).to_str().unwrap().to_string();
    let runs: Vec<Vec<String>> = vec![
        vec![
            "talent".into(),
            "majors".into(),
            "--out".into(),
            f("cw.json"),
        ],
        vec![
            "talent", "sources", p, "--chain", "鞋服", "--top", "0", "--out",
        ]
        .into_iter()
        .map(String::from)
        .chain([f("src.csv")])
        .collect(),
        vec!["talent", "provinces", p, "--chain", "鞋服", "--out"]
            .into_iter()
            .map(String::from)
            .chain([f("prov.csv")])
            .collect(),
        vec![
            "talent",
            "gaps",
            p,
            "--chain",
            "鞋服",
            "--postings",
            postings.to_str().unwrap(),
            "--out",
        ]
        .into_iter()
        .map(String::from)
        .chain([f("gaps.csv")])
        .collect(),
        vec![
            "talent",
            "access",
            p,
            "--chain",
            "鞋服",
            "--link",
            "shoes",
            "--catchment-km",
            "300",
            "--out",
        ]
        .into_iter()
        .map(String::from)
        .chain([f("acc.csv")])
        .collect(),
    ];
    for r in &runs {
        let args: Vec<&str> = r.iter().map(|s| s.as_str()).collect();
        let o = yitu(&args);
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let o = std::process::Command::new(&py)
        .arg(root.join("tests/scripts/talent_check.py"))
        .args([
            common::sample_gpkg().to_str().unwrap(),
            &f("cw.json"),
            root.join("assets/china/divisions.csv").to_str().unwrap(),
            postings.to_str().unwrap(),
            "鞋服",
            "350322",
            "shoes",
            &f("src.csv"),
            &f("prov.csv"),
            &f("gaps.csv"),
            &f("acc.csv"),
            "300",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    eprintln!("{v}");
    assert!(v.get("links_count_differ").is_none(), "{v}");
    assert!(v["sources_rows"].as_f64().unwrap() > 5000.0, "{v}");
    assert_eq!(v["sources_score_rel"].as_f64().unwrap(), 0.0, "{v}");
    assert_eq!(v["provinces"], v["provinces_yitu"], "{v}");
    assert_eq!(v["provinces_diff"].as_f64().unwrap(), 0.0, "{v}");
    assert_eq!(v["gaps_diff"].as_f64().unwrap(), 0.0, "{v}");
    assert_eq!(v["access_counties"].as_f64().unwrap(), 2886.0, "{v}");
    assert!(v["access_rel"].as_f64().unwrap() < 1e-6, "{v}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The department table of training bases and clusters (most rows without coordinates, some in GCJ-02) is placed
/// by the gazetteer and converted; a table with neither coordinates nor known places is said, not guessed; a
/// wrong county is refused with the choices; outputs never overwrite an input; the GeoPackage holds the flow
/// lines, the ranked sources and the county.
#[test]
fn talent_sources_place_tables_refuse_bad_input_and_write_map_layers() {
    use yitu::core::algorithms::talent::sources_from_table;
    use yitu::core::model::progress::Progress;
    let root = common::root();
    let table = root.join("sample-data/人才_实训基地与产业集群.csv");
    let progress = Progress::new();
    let s = sources_from_table(&table, "standard", &progress).unwrap();
    assert!(s.len() > 400, "{}", s.len());
    assert!(s.iter().any(|x| x.precision == "县"));
    assert!(s.iter().any(|x| x.precision == "市"));
    // Every point inside China's extent.
    assert!(s
        .iter()
        .all(|x| (73.0..136.0).contains(&x.lon) && (3.0..54.0).contains(&x.lat)));
    // The GCJ-02 rows are converted: the sample put them within 0.02° of their county's point.
    let notes = progress.notes().join("\n");
    assert!(
        notes.contains("县级") && notes.contains("没有专业"),
        "{notes}"
    );

    // Rows with neither coordinates nor a known place: said, left out.
    let dir = std::env::temp_dir().join(format!("yitu-talent-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.csv");
    std::fs::write(
        &bad,
        "名称,省份,城市,专业,年培养人数\n甲基地,火星省,,4804 纺织服装类,100\n乙基地,福建,泉州,4804,abc\n",
    )
    .unwrap();
    let p2 = Progress::new();
    let s = sources_from_table(&bad, "standard", &p2).unwrap();
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].precision, "市");
    assert!(p2.notes().join("\n").contains("甲基地"));
    // A table without a majors column is refused with the header row named.
    std::fs::write(&bad, "名称,省份\n甲,福建\n").unwrap();
    let e = sources_from_table(&bad, "standard", &Progress::new()).unwrap_err();
    assert!(e.to_string().contains("专业"), "{e}");

    let project = root.join("sample-data/xianyou_sample.yitu");
    let p = project.to_str().unwrap();
    // An ambiguous county name lists the choices with codes.
    let o = yitu(&[
        "talent",
        "sources",
        p,
        "--chain",
        "鞋服",
        "--county",
        "朝阳区",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("110105") && err.contains("220104"), "{err}");
    // The county by name works.
    let o = yitu(&[
        "talent",
        "sources",
        p,
        "--chain",
        "鞋服",
        "--link",
        "制鞋",
        "--county",
        "仙游县",
        "--top",
        "3",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 4);
    // An output that is an input is refused.
    let o = yitu(&["talent", "sources", p, "--chain", "鞋服", "--out", p]);
    assert!(!o.status.success());
    // Map layers.
    let gpkg = dir.join("talent.gpkg");
    let o = yitu(&[
        "talent",
        "sources",
        p,
        "--chain",
        "鞋服",
        "--top",
        "10",
        "--out",
        gpkg.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let info = yitu::core::io::read::inspect(&gpkg).unwrap();
    let names: Vec<&str> = info.layers.iter().map(|l| l.name.as_str()).collect();
    assert!(
        names.contains(&"talent_flows")
            && names.contains(&"talent_ranked")
            && names.contains(&"talent_county"),
        "{names:?}"
    );
    let flows =
        yitu::core::io::read::load_layer(&gpkg, Some("talent_flows"), &Progress::new()).unwrap();
    assert_eq!(flows.len(), 50);
    let prov = dir.join("prov.gpkg");
    let o = yitu(&[
        "talent",
        "provinces",
        p,
        "--chain",
        "食品",
        "--out",
        prov.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let l = yitu::core::io::read::load_layer(&prov, Some("talent_provinces"), &Progress::new())
        .unwrap();
    assert_eq!(
        l.len(),
        34,
        "every province, Taiwan, Hong Kong and Macao included"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `yitu talent report` prints the talent map: a vector PDF whose text (pdftotext) holds the title, the South
/// China Sea inset's name, the review number given, Taiwan among the province labels and every link's table, over
/// more than one page; SVG and PNG of the map page; a bad --top is refused and leaves no file.
#[test]
fn talent_report_prints_the_national_map_with_its_inset_and_tables() {
    let root = common::root();
    let project = root.join("sample-data/xianyou_sample.yitu");
    let p = project.to_str().unwrap();
    let postings = root.join("sample-data/招聘岗位_2024.csv");
    let dir = std::env::temp_dir().join(format!("yitu-talent-report-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pdf = dir.join("人才地图.pdf");
    let o = yitu(&[
        "talent",
        "report",
        p,
        "--chain",
        "鞋服",
        "--postings",
        postings.to_str().unwrap(),
        "--review-number",
        "闽S（2026）001号",
        "--unit",
        "仙游县人才办",
        "--out",
        pdf.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    match std::process::Command::new("pdftotext")
        .args([pdf.to_str().unwrap(), "-"])
        .output()
    {
        Ok(t) if t.status.success() => {
            let text = String::from_utf8_lossy(&t.stdout).to_string();
            for want in [
                "鞋服产业链人才地图",
                "南海诸岛",
                "闽S（2026）001号",
                "台湾",
                "面料与化纤",
                "批发零售与品牌",
                "供需缺口",
                "方法与数据版本",
                "仙游县人才办",
            ] {
                assert!(text.contains(want), "{want} missing from the PDF's text");
            }
            assert!(text.matches('\u{c}').count() >= 2, "at least two pages");
        }
        _ => common::skip("talent report text", "pdftotext not installed"),
    }
    // Without a review number the field is left blank to fill.
    let svg = dir.join("map.svg");
    let o = yitu(&[
        "talent",
        "report",
        p,
        "--chain",
        "食品",
        "--out",
        svg.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.contains("审图号：____"));
    assert!(text.contains("南海诸岛"));
    let png = dir.join("map.png");
    let o = yitu(&[
        "talent",
        "report",
        p,
        "--chain",
        "食品",
        "--dpi",
        "60",
        "--out",
        png.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
    let bad = dir.join("bad.pdf");
    let o = yitu(&[
        "talent",
        "report",
        p,
        "--chain",
        "食品",
        "--top",
        "0",
        "--out",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!bad.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Inputs that broke the first version (a user's review): a crosswalk giving majors by name, full-width or without
/// their leading zero; a negative decay exponent on the command line; postings of another chain or county; a
/// sources file whose one majors layer has another name; a demand table of names with thousands separators.
#[test]
fn talent_commands_take_what_departments_write() {
    let root = common::root();
    let project = root.join("sample-data/xianyou_sample.yitu");
    let p = project.to_str().unwrap();
    let dir = std::env::temp_dir().join(format!("yitu-talent-odd-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cw = dir.join("cw.json");
    std::fs::write(
        &cw,
        r#"{"version":3,"pairs":[
            {"chain":"鞋服","link":"fabric","major":"纺织服装类","reason":"名称"},
            {"chain":"鞋服","link":"fabric","major":"816","reason":"丢了 0"},
            {"chain":"鞋服","link":"fabric","major":"０８０４","reason":"全角"},
            {"chain":"鞋服","link":"fabric","major":"纺织","reason":"认不出"}]}"#,
    )
    .unwrap();
    let o = yitu(&[
        "talent",
        "sources",
        p,
        "--chain",
        "鞋服",
        "--link",
        "fabric",
        "--crosswalk",
        cw.to_str().unwrap(),
        "--alpha",
        "-2",
        "--top",
        "3",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(out.lines().count(), 4, "{out}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("纺织") && err.contains("不在"), "{err}");
    let o = yitu(&[
        "talent",
        "majors",
        "--crosswalk",
        cw.to_str().unwrap(),
        "--chain",
        "鞋服",
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("4804") && out.contains("0816") && out.contains("0804"),
        "{out}"
    );

    // Postings of another chain only: refused with the chains found.
    let post = dir.join("post.csv");
    std::fs::write(
        &post,
        "产业链,环节,需求专业,人数\n食品,农副食品加工,0827,2\n",
    )
    .unwrap();
    let o = yitu(&[
        "talent",
        "gaps",
        p,
        "--chain",
        "鞋服",
        "--postings",
        post.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("食品"));
    // 鞋服产业 is 鞋服; a blank count is 1 and said; a firm of another county is left out and said.
    std::fs::write(
        &post,
        "产业链,环节,需求专业,人数,村代码\n鞋服产业,制鞋,0802,\"1,000\",350322100200\n鞋服,制鞋,0802,,350322100200\n鞋服,制鞋,0802,5,110105001001\n",
    )
    .unwrap();
    let o = yitu(&[
        "talent",
        "gaps",
        p,
        "--chain",
        "鞋服",
        "--postings",
        post.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    let shoes = out.lines().find(|l| l.contains(",shoes,")).unwrap();
    assert!(shoes.contains(",1001,"), "{shoes}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("没有人数") && err.contains("不计"), "{err}");

    // A GeoJSON of sources named otherwise, found by its majors field.
    let gj = dir.join("高校名单.geojson");
    std::fs::write(
        &gj,
        r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"名称":"甲学院","专业":"纺织服装类","毕业生":"1,200"},"geometry":{"type":"Point","coordinates":[119.3,26.1]}},
          {"type":"Feature","properties":{"名称":"颠倒学院","专业":"4804","毕业生":"300"},"geometry":{"type":"Point","coordinates":[26.1,119.3]}}]}"#,
    )
    .unwrap();
    let o = yitu(&[
        "talent",
        "sources",
        gj.to_str().unwrap(),
        "--chain",
        "鞋服",
        "--link",
        "fabric",
        "--county",
        "仙游县",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("甲学院") && out.contains(",1200,"), "{out}");
    assert!(out.contains("福建省"), "the province from the point: {out}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("颠倒学院"));

    // Demand by county names with thousands separators.
    let dem = dir.join("dem.csv");
    std::fs::write(
        &dem,
        "区县,需求\n福建省仙游县,\"1,000\"\n北京市朝阳区,500\n",
    )
    .unwrap();
    let o = yitu(&[
        "talent",
        "access",
        p,
        "--chain",
        "鞋服",
        "--link",
        "shoes",
        "--demand-table",
        dem.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    let xianyou = out.lines().find(|l| l.starts_with("350322,")).unwrap();
    assert!(xianyou.contains(",1000.00,"), "{xianyou}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `yitu talent people` lists a link's high-end talents with their names masked (张**) unless --unmask is given,
/// placed at their institution; the masked and the full list have the same rows.
#[test]
fn talent_people_are_masked_unless_asked() {
    let root = common::root();
    let project = root.join("sample-data/xianyou_sample.yitu");
    let p = project.to_str().unwrap();
    let table = root.join("sample-data/人才_高端人才.csv");
    let t = table.to_str().unwrap();
    let o = yitu(&[
        "talent", "people", p, "--table", t, "--chain", "鞋服", "--link", "制鞋",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let masked = String::from_utf8_lossy(&o.stdout).to_string();
    let o = yitu(&[
        "talent", "people", p, "--table", t, "--chain", "鞋服", "--link", "制鞋", "--unmask",
    ]);
    assert!(o.status.success());
    let full = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(String::from_utf8_lossy(&o.stderr).contains("个人信息"));
    assert_eq!(masked.lines().count(), full.lines().count());
    assert!(masked.lines().count() > 10);
    let source = std::fs::read_to_string(&table).unwrap();
    let names: Vec<&str> = source
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    for (m, f) in masked.lines().skip(1).zip(full.lines().skip(1)) {
        let mn = m.split(',').nth(2).unwrap();
        let fname = f.split(',').nth(2).unwrap();
        assert!(names.contains(&fname), "{fname}");
        assert!(!names.contains(&mn), "{mn} is a full name");
        assert!(mn.ends_with('*') && mn.chars().next() == fname.chars().next());
        assert!(f.ends_with(",单位"), "placed at the institution: {f}");
    }
}

/// A sources file whose one layer names its fields otherwise (major_classes, as a shapefile's cut major_clas
/// would match too) is read; a file that lost its Chinese on the way ("?" for every character) is said.
#[test]
fn talent_sources_read_other_field_names_and_say_lost_encoding() {
    let dir = std::env::temp_dir().join(format!("yitu-talent-fields-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let gj = dir.join("s.geojson");
    std::fs::write(
        &gj,
        r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"name":"????","major_classes":"4804","graduates_yr":"300"},"geometry":{"type":"Point","coordinates":[119.3,26.1]}},
          {"type":"Feature","properties":{"name":"???","major_classes":"0816","graduates_yr":"100"},"geometry":{"type":"Point","coordinates":[118.1,24.5]}}]}"#,
    )
    .unwrap();
    let o = yitu(&[
        "talent",
        "sources",
        gj.to_str().unwrap(),
        "--chain",
        "鞋服",
        "--link",
        "fabric",
        "--county",
        "350322",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(out.lines().count(), 3, "{out}");
    assert!(
        out.contains(",300,"),
        "graduates read from graduates_yr: {out}"
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("丢了中文编码"), "{err}");
    assert!(err.contains("本县：350322 仙游县"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

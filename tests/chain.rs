//! Industry chains (一产一档): the default templates' GB/T 4754 codes exist in the standard's code tree (read from
//! ../shared when present), and every firm of the sample county's register is placed on a link of its own chain
//! and tier by its industry code alone.

mod common;

use yitu::core::analysis::chain::{check_register, place, Firm, Rule};
use yitu::core::model::chain::{default_chains, IndustryCodes};

/// The sample county's firm register (the `enterprises` point layer).
fn sample_register() -> yitu::core::model::layer::VectorLayer {
    yitu::core::io::read::load_layer(
        &common::sample_gpkg(),
        Some("enterprises"),
        &yitu::core::model::progress::Progress::new(),
    )
    .unwrap()
}

#[test]
fn every_default_code_is_in_gbt_4754() {
    let path = common::root().join("../shared/realdata/industry/zmshe-capital/trade_flat.csv");
    let Ok(text) = std::fs::read_to_string(&path) else {
        common::skip(
            "chain codes against GB/T 4754",
            "../shared/realdata not present",
        );
        return;
    };
    let tree = IndustryCodes::from_csv(&text).unwrap();
    assert_eq!(tree.len(), 1971, "20 门类, 97 大类, 473 中类, 1381 小类");
    assert_eq!(tree.lineage("1952"), ["1952", "195", "19", "C"]);
    for c in default_chains() {
        for l in &c.links {
            for code in &l.codes {
                assert!(tree.contains(code), "{} {}: {code}", c.name, l.name);
            }
        }
    }
}

#[test]
fn the_sample_register_lands_on_its_chains_and_tiers() {
    let layer = sample_register();
    let a = &layer.attrs;
    let col = |n: &str| a.field_index(n).unwrap();
    let chains = default_chains();
    let mut firms = vec![];
    for i in 0..layer.len() {
        firms.push(Firm {
            name: a.get(i, col("name")).to_string(),
            credit_code: a.get(i, col("credit_code")).to_string(),
            industry_code: a.get(i, col("industry_code")).to_string(),
            ..Default::default()
        });
    }
    let placed: Vec<_> = firms.iter().map(|f| place(&chains, f, None)).collect();
    assert!(firms.len() >= 40);
    for (i, p) in placed.iter().enumerate() {
        let (chain, tier) = (
            a.get(i, col("chain")).to_string(),
            a.get(i, col("link")).to_string(),
        );
        let on = p.iter().find(|x| x.chain == chain).unwrap_or_else(|| {
            panic!(
                "{} ({}) not on {chain}: {p:?}",
                firms[i].name, firms[i].industry_code
            )
        });
        let link = chains
            .iter()
            .find(|c| c.name == chain)
            .and_then(|c| c.link(&on.link))
            .unwrap();
        assert_eq!(link.tier.label(), tier, "{}", firms[i].name);
        assert!(matches!(on.rule, Rule::Code(_)));
    }
    // The sample's register is clean: valid credit codes, no duplicates, every firm placed.
    assert_eq!(check_register(&firms, &placed, None), Vec::<String>::new());
}

/// LQ and HHI per link of one town against the county, on the sample register, agree with pandas
/// (tests/scripts/chain_measures.py) to 1e-9; the status of every link follows the rule it quotes.
#[test]
fn town_measures_agree_with_pandas() {
    use yitu::core::analysis::chain::{measures, FirmRecord, LqBasis, Status, StatusRule};
    let layer = sample_register();
    let a = &layer.attrs;
    let col = |n: &str| a.field_index(n).unwrap();
    let num = |i: usize, n: &str| a.get(i, col(n)).as_f64().unwrap_or(0.0);
    let chains = default_chains();
    let records: Vec<FirmRecord> = (0..layer.len())
        .map(|i| {
            let firm = Firm {
                name: a.get(i, col("name")).to_string(),
                industry_code: a.get(i, col("industry_code")).to_string(),
                ..Default::default()
            };
            let output = num(i, "output_wan");
            FirmRecord {
                placed: place(&chains, &firm, None),
                firm,
                area: a.get(i, col("village_code")).to_string(),
                output,
                tax: num(i, "tax_wan"),
                employees: num(i, "employees"),
                // 规模以上: main-business revenue of 20 million yuan (2 000 万元) and more.
                above_scale: output >= 2000.0,
                lead: num(i, "is_lead") > 0.0,
            }
        })
        .collect();
    let (town, county) = ("350322104", "350322");
    let rule = StatusRule::default();
    let m = measures(&chains, &records, town, county, LqBasis::Employees, &rule);
    assert_eq!(m.len(), chains.iter().map(|c| c.links.len()).sum::<usize>());
    for x in &m {
        match x.status {
            Status::Missing => assert_eq!(x.firms, 0),
            Status::Strong => {
                assert!(
                    x.lq.unwrap() >= rule.strong_lq && x.above_scale > 0,
                    "{x:?}"
                )
            }
            Status::Weak => assert!(x.lq.is_none_or(|v| v < rule.weak_lq) || x.above_scale == 0),
            Status::Medium => assert!((rule.weak_lq..rule.strong_lq).contains(&x.lq.unwrap())),
        }
        assert!(x
            .reason
            .contains(x.lq.map(|v| format!("{v:.2}")).as_deref().unwrap_or("")));
    }
    let Some(py) = common::reference_python() else {
        common::skip("chain measures against pandas", "no reference Python");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("placements.csv");
    let mut text = String::from("firm,chain,link,area,output,employees\n");
    for (i, r) in records.iter().enumerate() {
        for p in &r.placed {
            text += &format!(
                "{i},{},{},{},{},{}\n",
                p.chain, p.link, r.area, r.output, r.employees
            );
        }
    }
    std::fs::write(&csv, text).unwrap();
    let o = std::process::Command::new(py)
        .arg(common::root().join("tests/scripts/chain_measures.py"))
        .arg(&csv)
        .args([town, county])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8(o.stdout).unwrap();
    let mut compared = 0;
    for line in out.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let x = m
            .iter()
            .find(|x| x.chain == f[0] && x.link == f[1])
            .unwrap_or_else(|| panic!("{line}"));
        assert_eq!(x.firms.to_string(), f[2], "{line}");
        let close =
            |a: Option<f64>, b: &str| match (a, b.parse::<f64>().ok().filter(|v| v.is_finite())) {
                (Some(a), Some(b)) => (a - b).abs() <= 1e-9 * b.abs().max(1.0),
                (None, None) => true,
                _ => false,
            };
        assert!(close(x.lq, f[3]), "LQ {line}: {:?}", x.lq);
        assert!(close(x.hhi, f[4]), "HHI {line}: {:?}", x.hhi);
        compared += 1;
    }
    // The sample's firms cover the links of four chains in the county: 18 links.
    assert!(compared >= 15, "{compared} links compared");
}

/// `yitu chain`: the templates listed; a town's measures as JSON with every link, its status and the rule quoted;
/// a layer without village codes cannot be measured by town, said; a file without a firms' layer names its layers.
#[test]
fn the_chain_command() {
    let yitu = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_yitu"))
            .args(args)
            .output()
            .unwrap()
    };
    let o = yitu(&["chain", "list"]);
    assert!(o.status.success());
    let list = String::from_utf8_lossy(&o.stdout);
    for c in [
        "鞋服",
        "工艺美术",
        "食品",
        "新型功能材料",
        "电子信息",
        "新能源",
        "高端装备",
        "生命健康",
    ] {
        assert!(list.contains(c), "{c}");
    }
    let gpkg = common::root().join("sample-data/xianyou_sample.gpkg");
    let o = yitu(&[
        "chain",
        "measures",
        gpkg.to_str().unwrap(),
        "--town",
        "350322104",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let links = v["links"].as_array().unwrap();
    assert_eq!(
        links.len(),
        default_chains()
            .iter()
            .map(|c| c.links.len())
            .sum::<usize>()
    );
    assert_eq!(v["reference"], "350322");
    for l in links {
        let s = l["status"].as_str().unwrap();
        assert!(["强", "中", "弱", "缺"].contains(&s));
        if s == "缺" {
            assert_eq!(l["firms"], 0);
        }
        if let Some(lq) = l["lq"].as_f64() {
            assert!(l["reason"].as_str().unwrap().contains(&format!("{lq:.2}")));
        }
    }
    // The register has no 规上 field: the rule used instead is said.
    assert!(String::from_utf8_lossy(&o.stderr).contains("2000 万元"));
    // No firms' layer: its layers are named.
    let o = yitu(&[
        "chain",
        "measures",
        gpkg.to_str().unwrap(),
        "--all",
        "--enterprises",
        "nosuch",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("nosuch"));
}

/// The kernel density of the sample's firms (weighted by output) equals a brute-force Python loop of the
/// documented quartic kernel at every cell, to 1e-6 of the peak, and integrates to the total output.
#[test]
fn kernel_density_agrees_with_the_formula() {
    use yitu::core::analysis::density::kernel_density;
    let layer = sample_register();
    // The firms in metres (the sample is in EPSG:4528).
    let pts: Vec<[f64; 2]> = (0..layer.len())
        .map(|f| layer.geoms.rings(f).next().unwrap()[0])
        .collect();
    let out_col = layer.attrs.field_index("output_wan").unwrap();
    let w: Vec<f64> = (0..layer.len())
        .map(|f| layer.attrs.get(f, out_col).as_f64().unwrap_or(0.0))
        .collect();
    let mut e = yitu::core::model::geom::BBox::EMPTY;
    for p in &pts {
        e.add(p[0], p[1]);
    }
    let g = kernel_density(&pts, &w, e, 400.0, 2000.0).unwrap();
    let total: f64 = w.iter().sum();
    assert!(
        (g.total() - total).abs() / total < 0.01,
        "{} vs {total}",
        g.total()
    );
    let python = common::reference_python().unwrap_or_else(|| "python3".into());
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("p.csv");
    let mut t = String::from("x,y,w\n");
    for (p, w) in pts.iter().zip(&w) {
        t += &format!("{:.17},{:.17},{:.17}\n", p[0], p[1], w);
    }
    std::fs::write(&csv, t).unwrap();
    let Ok(o) = std::process::Command::new(python)
        .arg(common::root().join("tests/scripts/kde_bruteforce.py"))
        .arg(&csv)
        .args([
            format!("{:.17}", g.min_x),
            format!("{:.17}", g.max_y),
            format!("{}", g.cell),
            g.cols.to_string(),
            g.rows.to_string(),
            "2000".to_string(),
        ])
        .output()
    else {
        common::skip("kernel density against Python", "no Python");
        return;
    };
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let want: Vec<f64> = String::from_utf8(o.stdout)
        .unwrap()
        .split_whitespace()
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!(want.len(), g.values.len());
    let peak = want.iter().cloned().fold(0.0, f64::max);
    for (a, b) in g.values.iter().zip(&want) {
        assert!((a - b).abs() <= 1e-6 * peak, "{a} vs {b}");
    }
}

/// The register as ogr2ogr writes it into a GBK shapefile (field names cut to 10 bytes: industry_c, village_co,
/// credit_cod) gives the same town measures as the GeoPackage.
#[test]
fn a_shapefile_register_gives_the_same_measures() {
    let dir = tempfile::tempdir().unwrap();
    let shp = dir.path().join("ent.shp");
    let ok = std::process::Command::new("ogr2ogr")
        .args(["-f", "ESRI Shapefile", "-lco", "ENCODING=GBK"])
        .arg(&shp)
        .arg(common::sample_gpkg())
        .arg("enterprises")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        common::skip("chain on a shapefile register", "ogr2ogr not installed");
        return;
    }
    let run = |file: &std::path::Path| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_yitu"))
            .args(["chain", "measures"])
            .arg(file)
            .args(["--town", "350322104", "--enterprises"])
            .arg(if file == shp.as_path() {
                "ent"
            } else {
                "enterprises"
            })
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    assert_eq!(run(&shp), run(&common::sample_gpkg()));
}

/// A Python of the reference environment that imports `modules`, or a skip said.
fn python_with(test: &str, modules: &str) -> Option<std::path::PathBuf> {
    let py = common::reference_python()?;
    let ok = std::process::Command::new(&py)
        .args(["-c", &format!("import {modules}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        common::skip(
            test,
            &format!("{modules} not installed (bash packaging/python-ref.sh)"),
        );
        return None;
    }
    Some(py)
}

/// Runs the chain algorithm `id` with `params`.
fn run_chain(id: &str, params: yitu::core::algorithms::Params) -> yitu::core::algorithms::Outcome {
    let a = yitu::core::algorithms::find(id).unwrap();
    let p = yitu::core::model::progress::Progress::new();
    a.check(&params).and_then(|q| a.run(&q, &p)).unwrap()
}

/// Seeded points in a few Gaussian-ish clumps and some scatter, in metres.
fn clumped_points(n: usize, seed: u64) -> Vec<[f64; 2]> {
    let mut s = seed;
    let mut rnd = move || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let centres = [
        [1000.0, 1000.0],
        [3000.0, 1500.0],
        [2000.0, 3500.0],
        [4200.0, 4000.0],
    ];
    (0..n)
        .map(|i| {
            if i % 5 == 4 {
                [rnd() * 5000.0, rnd() * 5000.0]
            } else {
                let c = centres[i % 4];
                let (r, a) = (
                    rnd().sqrt() * 300.0 * (1.0 + (i % 3) as f64),
                    rnd() * std::f64::consts::TAU,
                );
                [c[0] + r * a.cos(), c[1] + r * a.sin()]
            }
        })
        .collect()
}

/// `yitu chain hotspots` on the sample: the firms per hexagon equal GeoPandas' spatial join of the firms with the
/// written hexagons, and every hexagon's Gi* z and p equal PySAL esda's G_Local(transform='B', star=True) on the
/// hexagons' centroids with a binary DistanceBand (1e-9).
#[test]
fn hot_spots_agree_with_esda() {
    let Some(py) = python_with("Gi* against esda", "esda, libpysal, geopandas, scipy") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("hot.gpkg");
    let o = run_chain(
        "chain hotspots",
        yitu::core::algorithms::Params::new()
            .with("file", common::sample_gpkg())
            .with("width", "1500")
            .with("out", &out),
    );
    let band = o.counts["band"];
    assert!((band - 1500.0).abs() < 1e-3, "{band}");
    let r = std::process::Command::new(py)
        .arg(common::root().join("tests/scripts/hotspots_esda.py"))
        .arg(&out)
        .arg(common::sample_gpkg())
        .arg("enterprises")
        .arg(format!("{band:.17}"))
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let text = String::from_utf8(r.stdout).unwrap();
    let (mut n, mut firms) = (0, 0);
    for line in text.lines() {
        let f: Vec<f64> = line
            .split_whitespace()
            .map(|v| v.parse().unwrap())
            .collect();
        assert_eq!(f[0], f[1], "firms per hexagon: {line}");
        assert!(
            (f[2] - f[3]).abs() <= 1e-9 * f[2].abs().max(1.0),
            "z: {line}"
        );
        assert!((f[4] - f[5]).abs() <= 1e-9, "p: {line}");
        n += 1;
        firms += f[0] as usize;
    }
    assert_eq!(n as f64, o.counts["units"]);
    assert_eq!(firms, 75, "every firm on a hexagon");
    assert!(o.counts["hot"] > 0.0);
}

/// DBSCAN labels equal scikit-learn's, point for point: on 4 000 clumped points, and end to end on the members
/// `yitu chain clusters` writes for the sample.
#[test]
fn dbscan_agrees_with_scikit_learn() {
    let Some(py) = python_with("DBSCAN against scikit-learn", "sklearn") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sklearn = |pts: &[[f64; 2]], eps: f64, min: usize| -> Vec<i64> {
        let csv = dir.path().join("p.csv");
        let mut t = String::from("x,y\n");
        for p in pts {
            t += &format!("{:.17},{:.17}\n", p[0], p[1]);
        }
        std::fs::write(&csv, t).unwrap();
        let r = std::process::Command::new(&py)
            .arg(common::root().join("tests/scripts/dbscan_sklearn.py"))
            .arg(&csv)
            .args([format!("{eps}"), min.to_string()])
            .output()
            .unwrap();
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        String::from_utf8(r.stdout)
            .unwrap()
            .lines()
            .map(|l| l.parse().unwrap())
            .collect()
    };
    use yitu::core::analysis::cluster::dbscan;
    let pts = clumped_points(4000, 11);
    for (eps, min) in [(40.0, 5), (80.0, 12), (25.0, 3)] {
        let ours = dbscan(&pts, eps, min).unwrap();
        let want = sklearn(&pts, eps, min);
        assert_eq!(ours, want, "eps {eps}, min {min}");
        assert!(ours.iter().any(|l| *l >= 1) && ours.contains(&-1));
    }
    // End to end: the members' layer of the sample's clusters.
    let out = dir.path().join("c.gpkg");
    let o = run_chain(
        "chain clusters",
        yitu::core::algorithms::Params::new()
            .with("file", common::sample_gpkg())
            .with("eps", "800")
            .with("min_firms", "3")
            .with("out", &out),
    );
    assert!(o.counts["clusters"] >= 2.0);
    let members = yitu::core::io::read::load_layer(
        &out,
        Some("cluster_members"),
        &yitu::core::model::progress::Progress::new(),
    )
    .unwrap();
    let pts: Vec<[f64; 2]> = (0..members.len())
        .map(|f| members.geoms.rings(f).next().unwrap()[0])
        .collect();
    let c = members.attrs.field_index("cluster").unwrap();
    let ours: Vec<i64> = (0..members.len())
        .map(|f| {
            let v = members.attrs.get(f, c).as_f64().unwrap() as i64;
            if v < 0 {
                -1
            } else {
                v - 1
            }
        })
        .collect();
    assert_eq!(ours, sklearn(&pts, 800.0, 3));
    let clusters = yitu::core::io::read::load_layer(
        &out,
        Some("clusters"),
        &yitu::core::model::progress::Progress::new(),
    )
    .unwrap();
    // Every member lies inside its cluster's polygon.
    for (f, p) in pts.iter().enumerate() {
        if ours[f] >= 0 {
            assert!(
                clusters.geoms.hit(ours[f] as usize, p[0], p[1], 0.0),
                "member {f}"
            );
        }
    }
}

/// The co-location quotients, global and local, equal a brute-force numpy evaluation of the formulas of Leslie &
/// Kronenfeld and Wang et al. (1e-9), on points of a lattice (so nearest neighbours tie) and on clumped points,
/// for A → B and A → A.
#[test]
fn colocation_agrees_with_brute_force() {
    let Some(py) = python_with("co-location against numpy", "numpy") else {
        return;
    };
    use yitu::core::analysis::colocation::{global_clq, local_clq, nearest_neighbours};
    use yitu::core::analysis::neighbours::PointGrid;
    let dir = tempfile::tempdir().unwrap();
    let lattice: Vec<[f64; 2]> = (0..400)
        .map(|i| [(i % 20) as f64 * 10.0, (i / 20) as f64 * 10.0])
        .collect();
    for pts in [lattice, clumped_points(700, 5)] {
        let n = pts.len();
        let a: Vec<bool> = (0..n).map(|i| (i * 7 + i / 13) % 5 == 0).collect();
        let b: Vec<bool> = (0..n)
            .map(|i| pts[i][0] < 2500.0 && (i * 3) % 4 != 0 || i % 9 == 0)
            .collect();
        for (a, b) in [(a.clone(), b.clone()), (a.clone(), a.clone())] {
            let csv = dir.path().join("c.csv");
            let mut t = String::from("x,y,a,b\n");
            for i in 0..n {
                t += &format!(
                    "{:.17},{:.17},{},{}\n",
                    pts[i][0], pts[i][1], a[i] as u8, b[i] as u8
                );
            }
            std::fs::write(&csv, t).unwrap();
            let r = std::process::Command::new(&py)
                .arg(common::root().join("tests/scripts/colocation_bruteforce.py"))
                .arg(&csv)
                .arg("6")
                .output()
                .unwrap();
            assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
            let want: Vec<f64> = String::from_utf8(r.stdout)
                .unwrap()
                .lines()
                .map(|l| l.parse().unwrap())
                .collect();
            let g = PointGrid::new(&pts, 50.0);
            let nn = nearest_neighbours(&g);
            let c = global_clq(&g, &nn, &a, &b, 0).clq.unwrap();
            assert!((c - want[0]).abs() < 1e-9, "global {c} vs {}", want[0]);
            let local: Vec<f64> = local_clq(&g, &a, &b, 6).into_iter().flatten().collect();
            assert_eq!(local.len(), want.len() - 1);
            for (x, y) in local.iter().zip(&want[1..]) {
                assert!((x - y).abs() < 1e-9, "local {x} vs {y}");
            }
        }
    }
}

/// The sample's firm register as a department table (`--register 企业名录_2024.csv`): every row kept, the faults
/// put there on purpose said (wrong check characters, a firm twice, a code not in GB/T 4754, a firm outside the
/// county), the firms without coordinates placed at the village their address names (marked approximate); the
/// Gaode export read as standard is flagged as GCJ-02 by the land survey (its firms fall off construction land),
/// and read with --coords gcj02 it is not.
#[test]
fn a_register_table_is_read_placed_and_checked() {
    let run = |args: &[&str]| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_yitu"))
            .args(["chain", "measures"])
            .arg(common::root().join("sample-data/xianyou_sample.yitu"))
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        (
            String::from_utf8(o.stdout).unwrap(),
            String::from_utf8(o.stderr).unwrap(),
        )
    };
    let register = common::root().join("sample-data/企业名录_2024.csv");
    let (out, err) = run(&[
        "--register",
        register.to_str().unwrap(),
        "--all",
        "--format",
        "json",
    ]);
    let rows = std::fs::read_to_string(&register).unwrap().lines().count() - 1;
    assert!(err.contains(&format!("{rows} 家企业")), "{err}");
    assert!(err.contains("校验位不对"), "{err}");
    assert!(err.contains("同一企业出现两次"), "{err}");
    assert!(err.contains("9999 不在 GB/T 4754"), "{err}");
    assert!(err.contains("1 家企业的坐标不在任何村界内"), "{err}");
    // A tenth of the firms have only an address: all placed at their village.
    let without = std::fs::read_to_string(&register)
        .unwrap()
        .lines()
        .skip(1)
        .filter(|l| l.ends_with(",,"))
        .count();
    assert!(without >= 30);
    assert!(
        err.contains(&format!("{without} 家企业没有坐标，按地址中的村名近似定位")),
        "{err}"
    );
    assert!(!err.contains("没有可用的坐标"), "{err}");
    // The register's 规上 column is used, so no output rule is announced; taxes are read.
    assert!(!err.contains("2000 万元"), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let tax: f64 = v["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["tax_wan"].as_f64().unwrap())
        .sum();
    assert!(tax > 0.0);
    // The Gaode export.
    let gaode = common::root().join("sample-data/企业_高德坐标.csv");
    let (_, err) = run(&["--register", gaode.to_str().unwrap(), "--all"]);
    assert!(err.contains("疑似 GCJ-02"), "{err}");
    let (_, err) = run(&[
        "--register",
        gaode.to_str().unwrap(),
        "--all",
        "--coords",
        "gcj02",
    ]);
    assert!(!err.contains("疑似 GCJ-02"), "{err}");
    assert!(err.contains("按 GCJ-02 换算"), "{err}");
    // The sample county's own firms are not flagged.
    let (_, err) = run(&["--all"]);
    assert!(!err.contains("疑似 GCJ-02"), "{err}");
}

/// The county's LQ against the Fujian statistics table (`--reference-table`) equals pandas on the same register,
/// templates and table (tests/scripts/chain_lq_table.py), for every link, to 1e-9.
#[test]
fn the_lq_against_a_statistics_table_agrees_with_pandas() {
    use yitu::core::algorithms::chain::{load_chains, load_reference_table, load_register};
    use yitu::core::algorithms::Params;
    use yitu::core::analysis::chain::{measures_against, LqBasis, Reference, StatusRule};
    let Some(py) = python_with("LQ against a table with pandas", "pandas") else {
        return;
    };
    let register = common::root().join("sample-data/企业名录_2024.csv");
    let stats = common::root().join("sample-data/福建省分行业统计_2023.csv");
    let params = Params::new()
        .with(
            "file",
            common::root().join("sample-data/xianyou_sample.yitu"),
        )
        .with("register", &register);
    let p = yitu::core::model::progress::Progress::new();
    let chains = load_chains(&params, &p).unwrap();
    let reg = load_register(&params, &chains, &p).unwrap();
    let table = load_reference_table(&stats, &p).unwrap();
    assert!(table.has_total_row);
    let m = measures_against(
        &chains,
        &reg.records,
        "",
        &Reference::Table(&table),
        LqBasis::Employees,
        &StatusRule::default(),
    );
    let dir = tempfile::tempdir().unwrap();
    let placements = dir.path().join("placed.csv");
    let mut t = String::from("row,chain,link\n");
    for (i, r) in reg.records.iter().enumerate() {
        for pl in &r.placed {
            t += &format!("{i},{},{}\n", pl.chain, pl.link);
        }
    }
    std::fs::write(&placements, t).unwrap();
    let templates = dir.path().join("chains.json");
    std::fs::write(&templates, serde_json::to_string(&chains).unwrap()).unwrap();
    let o = std::process::Command::new(py)
        .arg(common::root().join("tests/scripts/chain_lq_table.py"))
        .args([&register, &templates, &stats, &placements])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    let mut compared = 0;
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let x = m
            .iter()
            .find(|x| x.chain == f[0] && x.link == f[1])
            .unwrap();
        let want: f64 = f[2].parse().unwrap_or(f64::NAN);
        match x.lq {
            Some(v) if want.is_finite() => {
                assert!(
                    (v - want).abs() <= 1e-9 * want.abs().max(1.0),
                    "{line}: {v}"
                );
                compared += 1;
            }
            Some(v) => assert!(v == 0.0 || !want.is_nan(), "{line}: {v}"),
            None => assert!(want.is_nan(), "{line}"),
        }
    }
    assert!(compared >= 25, "{compared} links compared");
}

/// `yitu chain recruit` on the sample: the 招商清单 workbook has its sheets; every missing or weak link's list equals
/// pandas' selection from the candidate list (codes under the link's, outside the county, 规上 first, by output);
/// the relatedness densities equal numpy's RCA / proximity / density on the same region × link cells (1e-12).
#[test]
fn recruitment_lists_and_relatedness_agree_with_pandas() {
    use calamine::Reader;
    let Some(py) = python_with("recruitment against pandas", "pandas, numpy") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::env::set_var("YITU_CONFIG_DIR", dir.path().join("config"));
    let root = common::root();
    let cands = root.join("sample-data/全国招商候选企业.csv");
    let base = yitu::core::algorithms::Params::new()
        .with("file", root.join("sample-data/xianyou_sample.yitu"))
        .with("register", root.join("sample-data/企业名录_2024.csv"))
        .with(
            "reference_table",
            root.join("sample-data/福建省分行业统计_2023.csv"),
        )
        .with("candidates", &cands)
        .with("top", "5");
    let xlsx = dir.path().join("招商清单.xlsx");
    let o = run_chain("chain recruit", base.clone().with("out", &xlsx));
    assert!(
        o.counts["candidates"] > 0.0 && o.counts["extensions"] > 0.0,
        "{o:?}"
    );
    let mut wb = calamine::open_workbook_auto(&xlsx).unwrap();
    assert_eq!(wb.sheet_names(), ["补链招商清单", "延链方向", "方法"]);
    let sheet = wb.worksheet_range("补链招商清单").unwrap();
    assert_eq!(sheet.height() as f64, o.counts["candidates"] + 1.0);
    // JSON, compared link by link with pandas.
    let json = dir.path().join("r.json");
    run_chain(
        "chain recruit",
        base.with("format", "json").with("out", &json),
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let chains = default_chains();
    let rows = v["recruit"].as_array().unwrap();
    let mut links: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            (
                r["chain"].as_str().unwrap().to_string(),
                r["link"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    links.dedup();
    for (c, l) in &links {
        let link = chains
            .iter()
            .find(|x| &x.name == c)
            .unwrap()
            .links
            .iter()
            .find(|x| &x.id == l)
            .unwrap();
        let ours: Vec<&str> = rows
            .iter()
            .filter(|r| r["chain"] == c.as_str() && r["link"] == l.as_str())
            .map(|r| r["credit_code"].as_str().unwrap())
            .collect();
        let out = std::process::Command::new(&py)
            .arg(root.join("tests/scripts/recruit_check.py"))
            .args([
                "top".as_ref(),
                cands.as_os_str(),
                "350322".as_ref(),
                "5".as_ref(),
            ])
            .args(&link.codes)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let want: Vec<String> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
        assert_eq!(ours, want, "{c} {l}");
    }
    assert!(links.len() >= 10, "{} links", links.len());
    // Relatedness on a region × link matrix built from the candidate list's presence.
    use yitu::core::analysis::relatedness::relatedness;
    let idx = yitu::core::data::candidates::CandidateIndex::open(
        &cands,
        &dir.path().join("idx"),
        &yitu::core::model::progress::Progress::new(),
    )
    .unwrap();
    let mut cells: Vec<(String, String, f64)> = idx
        .presence()
        .unwrap()
        .into_iter()
        .map(|(r, c, v)| (r, c.chars().take(2).collect(), v))
        .collect();
    cells.push(("home".into(), "19".into(), 5000.0));
    cells.push(("home".into(), "17".into(), 800.0));
    cells.push(("home".into(), "13".into(), 300.0));
    let ours = relatedness(&cells, "home").unwrap();
    let csv = dir.path().join("cells.csv");
    let mut t = String::from("region,link,value\n");
    for (r, l, v) in &cells {
        t += &format!("{r},{l},{v}\n");
    }
    std::fs::write(&csv, t).unwrap();
    let out = std::process::Command::new(&py)
        .arg(root.join("tests/scripts/recruit_check.py"))
        .args(["density".as_ref(), csv.as_os_str(), "home".as_ref()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for line in text.lines() {
        let (l, d) = line.split_once(',').unwrap();
        let d: f64 = d.parse().unwrap();
        let x = ours.iter().find(|x| x.link == l).unwrap();
        assert!((x.density - d).abs() < 1e-12, "{l}: {} vs {d}", x.density);
    }
    assert!(ours.len() > 20);
}

/// `yitu chain report`: the 鞋服 file of 鲤南镇 with the register, the statistics table and the candidate list is a
/// three-page PDF (diagram and measures, map, lists and methods) whose text holds every link of the chain, the
/// town's name, a recruited firm and the sources; an output in a folder that does not exist fails and leaves nothing.
#[test]
fn the_chain_report_is_a_pdf_with_diagram_map_and_lists() {
    let dir = tempfile::tempdir().unwrap();
    std::env::set_var("YITU_CONFIG_DIR", dir.path().join("config"));
    let root = common::root();
    let out = dir.path().join("鞋服.pdf");
    let base = yitu::core::algorithms::Params::new()
        .with("file", root.join("sample-data/xianyou_sample.yitu"))
        .with("register", root.join("sample-data/企业名录_2024.csv"))
        .with(
            "reference_table",
            root.join("sample-data/福建省分行业统计_2023.csv"),
        )
        .with("candidates", root.join("sample-data/全国招商候选企业.csv"))
        .with("chain", "鞋服")
        .with("town", "350322104");
    let o = run_chain("chain report", base.clone().with("out", &out));
    assert_eq!(o.counts["map"], 1.0);
    assert!(o.counts["recruit"] > 0.0);
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    let Ok(t) = std::process::Command::new("pdftotext")
        .arg(&out)
        .arg("-")
        .output()
    else {
        common::skip("chain report text", "pdftotext not installed");
        return;
    };
    let text = String::from_utf8_lossy(&t.stdout).to_string();
    assert_eq!(text.matches('\u{c}').count(), 3, "three pages");
    for l in &default_chains()
        .iter()
        .find(|c| c.name == "鞋服")
        .unwrap()
        .links
    {
        assert!(text.contains(&l.name), "{}", l.name);
    }
    assert!(text.contains("鲤南镇"));
    assert!(
        text.contains("补链招商清单")
            && text.contains("方法与数据来源")
            && text.contains("企业名录_2024.csv")
    );
    // A failed export leaves nothing.
    let bad = dir.path().join("nosuch/鞋服.pdf");
    let a = yitu::core::algorithms::find("chain report").unwrap();
    let p = base.with("out", &bad);
    assert!(a
        .check(&p)
        .and_then(|q| a.run(&q, &yitu::core::model::progress::Progress::new()))
        .is_err());
    assert!(!bad.exists() && !dir.path().join("nosuch").exists());
}

/// What other tools and people do to registers, found by a review: a run never overwrites what it reads (the
/// register, the statistics, the project's own GeoPackage, another output); outputs keep their types; numbers with
/// thousands separators, codes with the 门类 letter in front and an Excel register behind a notes sheet give the
/// same measures as the clean CSV; a mistyped town code is refused rather than giving every link 缺.
#[test]
fn registers_as_others_write_them_and_outputs_that_would_overwrite_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let root = common::root();
    let project = root.join("sample-data/xianyou_sample.yitu");
    let register = root.join("sample-data/企业名录_2024.csv");
    let yitu = |args: &[&std::ffi::OsStr]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_yitu"))
            .env("YITU_CONFIG_DIR", dir.path().join("config"))
            .args(args)
            .output()
            .unwrap()
    };
    let os = |s: &str| std::ffi::OsString::from(s);
    // Outputs onto inputs are refused, the inputs untouched.
    let copy = dir.path().join("名录.csv");
    std::fs::copy(&register, &copy).unwrap();
    let before = std::fs::read(&copy).unwrap();
    let gpkg = root.join("sample-data/xianyou_sample.gpkg");
    for args in [
        vec![
            os("chain"),
            os("measures"),
            project.clone().into(),
            os("--all"),
            os("--register"),
            copy.clone().into(),
            os("--out"),
            copy.clone().into(),
        ],
        vec![
            os("chain"),
            os("density"),
            project.clone().into(),
            os("--out"),
            gpkg.clone().into(),
        ],
        vec![
            os("chain"),
            os("density"),
            project.clone().into(),
            os("--out"),
            dir.path().join("d.png").into(),
        ],
        vec![
            os("chain"),
            os("colocation"),
            project.clone().into(),
            os("--chain"),
            os("鞋服"),
            os("--out"),
            dir.path().join("c.gpkg").into(),
            os("--local"),
            dir.path().join("c.gpkg").into(),
        ],
    ] {
        let refs: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
        let o = yitu(&refs);
        assert_eq!(
            o.status.code(),
            Some(2),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    assert_eq!(std::fs::read(&copy).unwrap(), before);
    assert!(!dir.path().join("d.png").exists());
    // The same register three ways.
    let measures = |reg: &std::path::Path| {
        let o = yitu(&[
            os("chain").as_os_str(),
            os("measures").as_os_str(),
            project.as_os_str(),
            os("--all").as_os_str(),
            os("--register").as_os_str(),
            reg.as_os_str(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    let want = measures(&register);
    let text = std::fs::read_to_string(&register).unwrap();
    let mut rows: Vec<Vec<String>> = text
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    let (c_out, c_emp, c_code) = (6, 8, 2);
    assert_eq!(rows[0][c_out], "产值万元");
    let thousands = |v: &str| {
        let n: i64 = v.parse().unwrap_or(0);
        if n >= 1000 {
            format!("\"{},{:03}\"", n / 1000, n % 1000)
        } else {
            v.to_string()
        }
    };
    let mut sep = String::new();
    for (k, r) in rows.iter().enumerate() {
        let mut r = r.clone();
        if k > 0 {
            r[c_out] = thousands(&r[c_out]);
            r[c_emp] = thousands(&r[c_emp]);
            if r[c_code].len() == 4 && r[c_code].starts_with("19") {
                r[c_code] = format!("C{}", r[c_code]);
            }
        }
        sep += &(r.join(",") + "\r\n");
    }
    let sep_path = dir.path().join("千分位.csv");
    std::fs::write(&sep_path, sep).unwrap();
    assert_eq!(
        measures(&sep_path),
        want,
        "thousands separators and C-codes"
    );
    let xlsx = dir.path().join("名录.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet().set_name("说明").unwrap();
    ws.write_string(0, 0, "本表由市场监管局提供，数据截至 2024 年底。")
        .unwrap();
    ws.write_string(1, 0, "联系人：某某").unwrap();
    let ws = wb.add_worksheet().set_name("企业名录").unwrap();
    for r in rows.iter_mut() {
        r.resize(13, String::new());
    }
    for (i, r) in rows.iter().enumerate() {
        for (j, v) in r.iter().enumerate() {
            ws.write_string(i as u32, j as u16, v).unwrap();
        }
    }
    wb.save(&xlsx).unwrap();
    let out = yitu(&[
        os("chain").as_os_str(),
        os("measures").as_os_str(),
        project.as_os_str(),
        os("--all").as_os_str(),
        os("--register").as_os_str(),
        xlsx.as_os_str(),
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("工作表 企业名录"));
    assert_eq!(measures(&xlsx), want, "the register behind a notes sheet");
    // A town that does not exist.
    let o = yitu(&[
        os("chain").as_os_str(),
        os("measures").as_os_str(),
        project.as_os_str(),
        os("--town").as_os_str(),
        os("350322999").as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("350322999"));
}

/// A firm moved by hand is kept in the project (`chain_overrides`) and every chain algorithm then places it there:
/// the 鞋服 link it left loses one firm, the one it joined gains one, and its rule reads 人工调整; a firm taken off a
/// chain leaves it.
#[test]
fn overrides_kept_in_the_project_move_firms_between_links() {
    use yitu::core::algorithms::chain::{load_chains, load_register};
    use yitu::core::algorithms::Params;
    use yitu::core::analysis::chain::Rule;
    use yitu::core::io::project::Project;
    use yitu::core::model::chain::Override;
    let dir = tempfile::tempdir().unwrap();
    let sample = common::root().join("sample-data/xianyou_sample.yitu");
    let p = yitu::core::model::progress::Progress::new();
    let base = Params::new().with("file", &sample);
    let chains = load_chains(&base, &p).unwrap();
    let reg = load_register(&base, &chains, &p).unwrap();
    let on = |reg: &yitu::core::algorithms::chain::Register, link: &str| {
        reg.records
            .iter()
            .filter(|r| r.placed.iter().any(|x| x.chain == "鞋服" && x.link == link))
            .count()
    };
    let shoe = reg
        .records
        .iter()
        .find(|r| {
            r.placed
                .iter()
                .any(|x| x.chain == "鞋服" && x.link == "shoes")
        })
        .unwrap();
    let other = reg
        .records
        .iter()
        .find(|r| {
            r.placed
                .iter()
                .any(|x| x.chain == "鞋服" && x.link == "apparel")
        })
        .unwrap();
    let mut project = Project::load(&sample).unwrap();
    project.chain_overrides = vec![
        Override {
            credit_code: shoe.firm.credit_code.clone(),
            name: shoe.firm.name.clone(),
            chain: "鞋服".into(),
            link: "trade".into(),
        },
        Override {
            credit_code: other.firm.credit_code.clone(),
            name: other.firm.name.clone(),
            chain: "鞋服".into(),
            link: String::new(),
        },
    ];
    let copy = dir.path().join("调整.yitu");
    project.save(&copy).unwrap();
    let moved = load_register(&Params::new().with("file", &copy), &chains, &p).unwrap();
    assert_eq!(on(&moved, "shoes"), on(&reg, "shoes") - 1);
    assert_eq!(on(&moved, "trade"), on(&reg, "trade") + 1);
    assert_eq!(on(&moved, "apparel"), on(&reg, "apparel") - 1);
    let r = moved
        .records
        .iter()
        .find(|r| r.firm.credit_code == shoe.firm.credit_code)
        .unwrap();
    let pl = r.placed.iter().find(|x| x.chain == "鞋服").unwrap();
    assert_eq!(pl.rule, Rule::Override);
    assert!(pl.rule.describe(&r.firm).contains("人工调整"));
    // The same through the CLI: the measures count it on its new link.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_yitu"))
        .args(["chain", "measures"])
        .arg(&copy)
        .args(["--all", "--format", "json"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let firms = |l: &str| {
        v["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["chain"] == "鞋服" && x["link"] == l)
            .unwrap()["firms"]
            .as_u64()
            .unwrap() as usize
    };
    assert_eq!(firms("trade"), on(&reg, "trade") + 1);
    assert!(String::from_utf8_lossy(&o.stderr).contains("人工调整"));
}

/// The templates go out as an Excel workbook (yitu chain list --out X.xlsx) and come back (--templates X.xlsx)
/// equal to the built-in ones: links, tiers, codes as text, keywords, edges, versions.
#[test]
fn templates_round_trip_through_excel() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("模板.xlsx");
    run_chain(
        "chain list",
        yitu::core::algorithms::Params::new().with("out", &xlsx),
    );
    let back = yitu::core::algorithms::chain::read_templates(&xlsx).unwrap();
    assert_eq!(back, default_chains());
    let json = dir.path().join("模板.json");
    run_chain(
        "chain list",
        yitu::core::algorithms::Params::new().with("out", &json),
    );
    assert_eq!(
        yitu::core::algorithms::chain::read_templates(&json).unwrap(),
        default_chains()
    );
}

/// `yitu chain measures … --out X.xlsx`: a workbook with every link's measures and every firm's placements (rule,
/// confidence, how it was located), codes kept as text.
#[test]
fn measures_as_a_workbook() {
    use calamine::{Data, Reader};
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("指标.xlsx");
    let o = run_chain(
        "chain measures",
        yitu::core::algorithms::Params::new()
            .with(
                "file",
                common::root().join("sample-data/xianyou_sample.yitu"),
            )
            .with(
                "register",
                common::root().join("sample-data/企业名录_2024.csv"),
            )
            .with("all", "true")
            .with("out", &out),
    );
    assert_eq!(o.files, vec![out.clone()]);
    let mut wb = calamine::open_workbook_auto(&out).unwrap();
    assert_eq!(wb.sheet_names(), ["环节指标", "企业"]);
    let links = wb.worksheet_range("环节指标").unwrap();
    assert_eq!(
        links.height() - 1,
        default_chains()
            .iter()
            .map(|c| c.links.len())
            .sum::<usize>()
    );
    let firms = wb.worksheet_range("企业").unwrap();
    assert!(firms.height() > 300);
    // Credit codes and village codes are text, not numbers.
    for r in firms.rows().skip(1).take(50) {
        assert!(
            matches!(r[1], Data::String(_)) && matches!(r[3], Data::String(_) | Data::Empty),
            "{r:?}"
        );
    }
    assert!(firms
        .rows()
        .any(|r| r[11] == Data::String("按地址近似定位".into())));
}

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

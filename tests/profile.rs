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
    let parcels =
        yitu::core::layer::load_layer(&gpkg, Some("DLTB"), &yitu::core::progress::Progress::new())
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
    let county_mu = county / yitu::core::profile::M2_PER_MU;
    assert!(
        (landuse_total - county_mu).abs() < 1e-3 * county_mu,
        "{landuse_total} vs {county_mu}"
    );

    // One village, and a clear refusal without a choice.
    let code = villages[0]["code"].as_str().unwrap();
    let (ok, text) = profile(&[gpkg.to_str().unwrap(), "--village", code, "--format", "csv"]);
    assert!(
        ok && text.lines().count() == 2 && text.contains(code),
        "{text}"
    );
    let (ok, text) = profile(&[gpkg.to_str().unwrap()]);
    assert!(!ok && text.contains("--all"), "{text}");

    // GeoPandas, where installed.
    let has_geopandas = Command::new("python3")
        .args(["-c", "import geopandas"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !has_geopandas {
        eprintln!("geopandas not installed: cross-check skipped");
        return;
    }
    let o = Command::new("python3")
        .arg(common::root().join("tests/scripts/crosscheck_profile.py"))
        .arg(&gpkg)
        .arg(&json)
        .output()
        .unwrap();
    let msg = String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{msg}");
    assert!(msg.contains(", 0 differ"), "{msg}");
}

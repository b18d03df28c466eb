//! The sample-county generator: deterministic, and its data obey the 三调 rules.

mod common;

use yitu::core::io::read::load_layer;
use yitu::core::model::attrs::Value;
use yitu::core::model::progress::Progress;

#[test]
fn parcels_obey_the_survey_rules_and_tile_the_villages() {
    let gpkg = common::small_county().join("xianyou_sample.gpkg");
    let p = Progress::new();
    let dltb = load_layer(&gpkg, Some("DLTB"), &p).unwrap();
    let villages = load_layer(&gpkg, Some("CJDCQ"), &p).unwrap();
    let towns = load_layer(&gpkg, Some("XZQ"), &p).unwrap();
    let a = &dltb.attrs;
    let (tbmj, kcmj, tbdlmj, kcxs, dlbm, zl) = (
        a.field_index("TBMJ").unwrap(),
        a.field_index("KCMJ").unwrap(),
        a.field_index("TBDLMJ").unwrap(),
        a.field_index("KCXS").unwrap(),
        a.field_index("DLBM").unwrap(),
        a.field_index("ZLDWDM").unwrap(),
    );
    let village_codes: std::collections::HashSet<String> = (0..villages.len())
        .map(|r| {
            villages
                .attrs
                .get(r, villages.attrs.field_index("ZLDWDM").unwrap())
                .to_string()[..12]
                .to_string()
        })
        .collect();
    let mut sloping_farmland = 0;
    for r in 0..dltb.len() {
        let t = a.get(r, tbmj).as_f64().unwrap();
        let k = a.get(r, kcmj).as_f64().unwrap();
        let d = a.get(r, tbdlmj).as_f64().unwrap();
        assert!(
            (t - k - d).abs() <= 0.011,
            "TBDLMJ = TBMJ − KCMJ at row {r}: {t} {k} {d}"
        );
        let code = a.get(r, dlbm).to_string();
        if k > 0.0 {
            assert!(
                yitu::core::model::landuse::is_farmland(&code),
                "ridge deduction only on farmland: {code}"
            );
            assert!(
                (k - (t * a.get(r, kcxs).as_f64().unwrap() * 100.0).round() / 100.0).abs() < 0.011
            );
            sloping_farmland += 1;
        }
        assert!(
            yitu::core::model::landuse::class(&code).is_some(),
            "unknown DLBM {code}"
        );
        let z = a.get(r, zl).to_string();
        assert!(
            village_codes.contains(&z[..12]),
            "ZLDWDM {z} names a village of CJDCQ"
        );
        // TBMJ is ellipsoidal: slightly smaller than the Gauss-Krüger planar area, never far off.
        let planar = dltb.geoms.planar_area(r);
        assert!(
            t < planar + 0.01 && t > planar * 0.999 - 0.01,
            "TBMJ {t} vs planar {planar}"
        );
    }
    assert!(sloping_farmland > 10);
    // Parcels tile the villages; villages tile the towns.
    let sum = |l: &yitu::core::model::layer::VectorLayer| {
        (0..l.len()).map(|i| l.geoms.planar_area(i)).sum::<f64>()
    };
    let (sp, sv, st) = (sum(&dltb), sum(&villages), sum(&towns));
    assert!((sp - sv).abs() / sv < 1e-6, "parcels {sp} vs villages {sv}");
    assert!((st - sv).abs() / sv < 1e-6, "towns {st} vs villages {sv}");
    // Holes and multi-parts exist (real data has both).
    let holes = (0..dltb.len())
        .filter(|&f| dltb.geoms.parts(f).any(|p| p.rings().count() > 1))
        .count();
    assert!(holes > 0);
    // Some villages' names follow the 三调 form, not the statistical one.
    let name = villages
        .attrs
        .get(0, villages.attrs.field_index("ZLDWMC").unwrap());
    assert!(matches!(name, Value::Text(n) if !n.ends_with("委会")));
}

#[test]
fn a_share_of_parcels_cross_village_borders() {
    let dir = tempfile::tempdir().unwrap();
    let opts = yitu::core::sample::SampleOptions {
        seed: 11,
        parcels: 6000,
        towns: 3,
        out_dir: dir.path().to_path_buf(),
        basemap_max_zoom: None,
    };
    let s = yitu::core::sample::generate(&opts, &Progress::new()).unwrap();
    let share = s.crossing_parcels as f64 / s.parcels as f64;
    assert!((0.04..=0.11).contains(&share), "crossing share {share}");
    assert!(
        (s.parcels as f64 - 6000.0).abs() / 6000.0 < 0.2,
        "{} parcels",
        s.parcels
    );
    // Deterministic: the same seed gives the same data.
    let dir2 = tempfile::tempdir().unwrap();
    let s2 = yitu::core::sample::generate(
        &yitu::core::sample::SampleOptions {
            out_dir: dir2.path().to_path_buf(),
            ..opts
        },
        &Progress::new(),
    )
    .unwrap();
    assert_eq!(s.parcels, s2.parcels);
    assert_eq!(s.total_tbmj_m2, s2.total_tbmj_m2);
    // Department tables: the GBK file decodes as GBK and holds village names.
    let gbk = std::fs::read(dir.path().join("collective_income_2024_gbk.csv")).unwrap();
    assert!(std::str::from_utf8(&gbk).is_err(), "GBK, not UTF-8");
    let (text, _, bad) = encoding_rs::GBK.decode(&gbk);
    assert!(!bad && text.contains("村集体经济收入"));
    let pop = std::fs::read_to_string(dir.path().join("population_2024.csv")).unwrap();
    assert!(pop.lines().count() > 20 && pop.contains("村委会"));
    assert!(
        dir.path()
            .join("cooperatives_2024.xlsx")
            .metadata()
            .unwrap()
            .len()
            > 1000
    );
}

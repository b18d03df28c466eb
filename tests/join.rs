//! `yitu join` on the sample county and its department tables: codes with full-width digits
//! and 19-digit ZLDWDM, names with 村委会 / 社区居委会 suffixes, a GBK table that misses three
//! villages, and parcels (1:N from the layer side). Checked against the files read
//! independently with the csv crate.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

fn yitu(args: &[&str], cache: &Path) -> (bool, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_yitu"))
        .args(args)
        .arg("--cache")
        .arg(cache)
        .output()
        .unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr),
    )
}

fn import(cache: &Path, file: &str, name: &str, dept: &str) {
    let f = common::root().join("sample-data").join(file);
    let (ok, out) = yitu(
        &[
            "data",
            "import",
            f.to_str().unwrap(),
            "--name",
            name,
            "--dept",
            dept,
        ],
        cache,
    );
    assert!(ok, "{out}");
}

#[test]
fn join_sample_tables_to_villages_and_parcels() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cache.sqlite");
    import(&db, "population_2024.csv", "人口", "公安局");
    import(
        &db,
        "collective_income_2024_gbk.csv",
        "集体收入",
        "农业农村局",
    );
    let gpkg = common::sample_gpkg();
    let g = gpkg.to_str().unwrap();

    // By code: every village, although four codes are written in full-width digits.
    let out_csv = dir.path().join("villages.csv");
    let (ok, out) = yitu(
        &[
            "join",
            g,
            "--layer",
            "CJDCQ",
            "--key",
            "ZLDWDM",
            "--dataset",
            "人口",
            "--column",
            "村代码",
            "--json",
            "--out",
            out_csv.to_str().unwrap(),
        ],
        &db,
    );
    assert!(ok, "{out}");
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["report"]["key"], "code");
    assert_eq!(j["report"]["matched_features"], 62);
    assert_eq!(
        j["report"]["unmatched_table_keys"]
            .as_array()
            .unwrap()
            .len(),
        0
    );

    // Independent check: the population file read directly, codes made half-width by hand.
    let mut expected: HashMap<String, i64> = HashMap::new();
    let mut r =
        csv::Reader::from_path(common::root().join("sample-data/population_2024.csv")).unwrap();
    for rec in r.records() {
        let rec = rec.unwrap();
        let code: String = rec[0]
            .chars()
            .map(|c| match c {
                '０'..='９' => char::from_u32(c as u32 - 0xFEE0).unwrap(),
                c => c,
            })
            .collect();
        expected.insert(code, rec[3].parse().unwrap());
    }
    assert_eq!(expected.len(), 62);
    let text = std::fs::read_to_string(&out_csv).unwrap();
    assert!(
        text.starts_with('\u{feff}'),
        "UTF-8 with BOM for spreadsheet programs"
    );
    let mut r = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let h = r.headers().unwrap().clone();
    let code_i = h.iter().position(|x| x == "ZLDWDM").unwrap();
    let pop_i = h.iter().position(|x| x == "人口_户籍人口").unwrap();
    let name_i = h.iter().position(|x| x == "ZLDWMC").unwrap();
    let mut n = 0;
    for rec in r.records() {
        let rec = rec.unwrap();
        let village = &rec[code_i][..12];
        assert_eq!(
            rec[pop_i].parse::<i64>().unwrap(),
            expected[village],
            "{}",
            &rec[name_i]
        );
        n += 1;
    }
    assert_eq!(n, 62);

    // By name from the GBK table: three villages have no row, listed by name.
    let (ok, out) = yitu(
        &[
            "join",
            g,
            "--layer",
            "CJDCQ",
            "--key",
            "ZLDWMC",
            "--dataset",
            "集体收入",
            "--column",
            "村（居）委会名称",
            "--report",
        ],
        &db,
    );
    assert!(ok, "{out}");
    assert!(out.contains("匹配方式 / key matching: 村名"), "{out}");
    assert!(out.contains("matched 59"), "{out}");
    let line = out
        .lines()
        .find(|l| l.starts_with("图层中未匹配"))
        .expect("unmatched villages listed");
    assert_eq!(line.matches('、').count(), 2, "three villages: {line}");

    // Parcels: the 19-digit ZLDWDM cut to the village code; every parcel finds its village.
    let (ok, out) = yitu(
        &[
            "join",
            g,
            "--layer",
            "DLTB",
            "--key",
            "ZLDWDM",
            "--dataset",
            "人口",
            "--column",
            "村代码",
            "--fields",
            "户籍人口",
            "--json",
        ],
        &db,
    );
    assert!(ok, "{out}");
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["report"]["matched_features"], j["report"]["features"]);
    assert_eq!(j["fields"][0], "人口_户籍人口");

    // Mistakes give messages, not crashes.
    let (ok, out) = yitu(
        &[
            "join",
            g,
            "--layer",
            "CJDCQ",
            "--key",
            "NOPE",
            "--dataset",
            "人口",
            "--column",
            "村代码",
        ],
        &db,
    );
    assert!(!ok && out.contains("没有字段 NOPE"), "{out}");
    let (ok, out) = yitu(
        &[
            "join",
            g,
            "--layer",
            "CJDCQ",
            "--key",
            "ZLDWDM",
            "--dataset",
            "无此数据",
            "--column",
            "x",
        ],
        &db,
    );
    assert!(!ok && out.contains("没有数据集"), "{out}");
}

/// The Putian village list of the real division-code data set joined to the sample villages by
/// code (all found) and by name (names repeat across the city: a 1:N join that lists the
/// candidates rather than picking one).
#[test]
fn real_division_codes() {
    let Some(real) = common::realdata() else {
        common::skip("real_division_codes", "../shared/realdata not present");
        return;
    };
    let f = real.join("admin_codes/china-division-2.7.0/villages_putian_3503.csv");
    if !f.exists() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cache.sqlite");
    let (ok, out) = yitu(
        &[
            "data",
            "import",
            f.to_str().unwrap(),
            "--name",
            "莆田村级区划",
            "--dept",
            "民政局",
        ],
        &db,
    );
    assert!(ok && out.contains("code:Text"), "{out}");
    let g = common::sample_gpkg();
    let (ok, out) = yitu(
        &[
            "join",
            g.to_str().unwrap(),
            "--layer",
            "CJDCQ",
            "--key",
            "ZLDWDM",
            "--dataset",
            "莆田村级区划",
            "--column",
            "code",
            "--json",
            "--fields",
            "name",
        ],
        &db,
    );
    assert!(ok, "{out}");
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["report"]["matched_features"], 62);
    let (ok, out) = yitu(
        &[
            "join",
            g.to_str().unwrap(),
            "--layer",
            "CJDCQ",
            "--key",
            "ZLDWMC",
            "--dataset",
            "莆田村级区划",
            "--column",
            "name",
            "--json",
        ],
        &db,
    );
    assert!(ok, "{out}");
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["report"]["one_to_many"], true);
    assert!(!j["report"]["duplicate_table_keys"]
        .as_array()
        .unwrap()
        .is_empty());
}

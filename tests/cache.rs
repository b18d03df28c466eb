//! The department-data cache: versions, rollback, and transactional imports — a killed or
//! cancelled import leaves the previous version active and the database healthy.

use std::io::Write;
use std::process::Command;
use yitu::core::data::cache::{Cache, CacheError};
use yitu::core::io::table_import::ImportOptions;
use yitu::core::model::progress::Progress;

fn big_gbk_csv(path: &std::path::Path, rows: usize) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let head = "村代码,村名称,户籍人口,常住人口,户数,收入,备注\n";
    f.write_all(&encoding_rs::GBK.encode(head).0).unwrap();
    for i in 0..rows {
        let line = format!(
            "3503221{:05},洋顶{}村,{},{},{},{}.5,第{}行\n",
            i % 100_000,
            i % 977,
            1000 + i % 4000,
            900 + i % 3000,
            300 + i % 900,
            i % 300,
            i
        );
        f.write_all(&encoding_rs::GBK.encode(&line).0).unwrap();
    }
}

#[test]
fn killing_an_import_keeps_the_previous_version() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cache.sqlite");
    let csv = dir.path().join("pop.csv");
    big_gbk_csv(&csv, 400_000);
    let mut c = Cache::open(&db).unwrap();
    let v1 = c
        .import_file(
            "户籍人口",
            "公安局",
            &csv,
            &ImportOptions::default(),
            &Progress::new(),
        )
        .unwrap();
    assert_eq!((v1.version, v1.row_count), (1, 400_000));
    assert_eq!(v1.encoding, "gb18030");
    assert_eq!(
        v1.columns[0].ftype,
        yitu::core::model::attrs::FieldType::Text,
        "village codes stay text"
    );
    drop(c);

    // A second import in another process, killed half-way.
    let mut child = Command::new(env!("CARGO_BIN_EXE_yitu"))
        .args(["data", "--cache"])
        .arg(&db)
        .args(["import"])
        .arg(&csv)
        .args(["--name", "户籍人口", "--dept", "公安局"])
        .spawn()
        .unwrap();
    // Wait until it has written a good part of its data file, then kill it.
    let data_dir = dir.path().join("cache-data");
    let written = || -> u64 {
        std::fs::read_dir(&data_dir)
            .map(|d| {
                d.flatten()
                    .filter_map(|e| e.metadata().ok())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0)
    };
    let before = written();
    let t0 = std::time::Instant::now();
    while written() < before + 2_000_000 && t0.elapsed().as_secs() < 60 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "the import must still be running when it is killed"
    );
    child.kill().unwrap();
    child.wait().unwrap();

    let c = Cache::open(&db).unwrap();
    assert_eq!(c.integrity().unwrap(), "ok");
    let h = c.history("户籍人口").unwrap();
    assert_eq!(h.len(), 1, "the killed import left no version");
    assert!(h[0].active);
    assert_eq!(c.stored_rows("户籍人口", 1).unwrap(), 400_000);
    // The killed import's unfinished data file is not part of the cache and is cleaned up.
    assert!(
        written() > before,
        "the killed import left its partial file"
    );
    assert_eq!(c.remove_orphans(std::time::Duration::ZERO), 1);
    assert_eq!(written(), before);
    assert_eq!(c.load_table("户籍人口", None).unwrap().attrs.len(), 400_000);
}

/// Imports the sample's GBK collective-income table as a new version of 集体收入.
fn import_income(c: &mut Cache, sample: &std::path::Path) -> yitu::core::data::cache::VersionInfo {
    c.import_file(
        "集体收入",
        "农业农村局",
        &sample.join("collective_income_2024_gbk.csv"),
        &ImportOptions::default(),
        &Progress::new(),
    )
    .unwrap()
}

#[test]
fn versions_rollback_cancel_and_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cache.sqlite");
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let mut c = Cache::open(&db).unwrap();
    let a = import_income(&mut c, &sample);
    let b = import_income(&mut c, &sample);
    assert_eq!((a.version, b.version), (1, 2));
    assert_eq!(a.content_hash, b.content_hash, "same content, same hash");
    let x = c
        .import_file(
            "合作社",
            "农业农村局",
            &sample.join("cooperatives_2024.xlsx"),
            &ImportOptions::default(),
            &Progress::new(),
        )
        .unwrap();
    assert_eq!(x.columns[2].name, "村名");
    c.rollback("集体收入", 1).unwrap();
    let l = c.list().unwrap();
    assert_eq!(
        l.iter().find(|v| v.dataset == "集体收入").unwrap().version,
        1
    );
    assert!(matches!(
        c.rollback("集体收入", 7),
        Err(CacheError::NoVersion(..))
    ));
    assert!(matches!(
        c.history("无此数据"),
        Err(CacheError::NoDataset(_))
    ));

    // A cancelled import changes nothing.
    let big = dir.path().join("big.csv");
    big_gbk_csv(&big, 50_000);
    let p = Progress::new();
    p.cancel();
    assert!(matches!(
        c.import_file(
            "集体收入",
            "农业农村局",
            &big,
            &ImportOptions::default(),
            &p
        ),
        Err(CacheError::Cancelled)
    ));
    // Empty and binary files are refused; the cache is as it was.
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, "").unwrap();
    assert!(c
        .import_file(
            "集体收入",
            "农业农村局",
            &empty,
            &ImportOptions::default(),
            &Progress::new()
        )
        .is_err());
    let h = c.history("集体收入").unwrap();
    assert_eq!(h.len(), 2);
    assert!(h[0].active && !h[1].active);
    assert_eq!(c.integrity().unwrap(), "ok");
}

fn import(
    c: &mut Cache,
    file: &std::path::Path,
) -> Result<yitu::core::data::cache::VersionInfo, CacheError> {
    c.import_file(
        "表",
        "部门",
        file,
        &ImportOptions::default(),
        &Progress::new(),
    )
}

#[test]
fn repairs_are_reported_and_bad_tables_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Cache::open(&dir.path().join("cache.sqlite")).unwrap();

    // A UTF-8 file with two broken bytes stays UTF-8 (not garbled as GBK); the cells are marked.
    let mut bytes = "村名,户数,备注\n".as_bytes().to_vec();
    for i in 0..30 {
        bytes.extend_from_slice(format!("洋顶{i}村,{},正常\n", 300 + i).as_bytes());
    }
    bytes.extend_from_slice("坏村,12,".as_bytes());
    bytes.extend_from_slice(&[0xff, 0xfe]);
    bytes.extend_from_slice("\n".as_bytes());
    let f = dir.path().join("broken-utf8.csv");
    std::fs::write(&f, &bytes).unwrap();
    let v = import(&mut c, &f).unwrap();
    assert_eq!(v.encoding, "UTF-8");
    assert_eq!(v.row_count, 31);
    assert!(
        v.notes.iter().any(|n| n.contains("invalid bytes")),
        "{:?}",
        v.notes
    );
    let t = c.load_table("表", None).unwrap();
    assert_eq!(t.attrs.get(0, 0).to_string(), "洋顶0村");

    // Text in a numeric column after the rows used to infer types: stored empty and said so.
    let mut s = String::from("村名,户数\n");
    for i in 0..400 {
        s.push_str(&format!("村{i},{i}\n"));
    }
    // (暂无, -, — are no-value marks, read as empty with their own note; this is real text.)
    s.push_str("末村,待核实\n");
    let f = dir.path().join("late-text.csv");
    std::fs::write(&f, s).unwrap();
    let v = import(&mut c, &f).unwrap();
    assert_eq!(
        v.columns[1].ftype,
        yitu::core::model::attrs::FieldType::Integer
    );
    assert!(
        v.notes.iter().any(|n| n.contains("not numbers")),
        "{:?}",
        v.notes
    );
    // The user makes the column text: nothing is lost.
    let opts = ImportOptions {
        column_types: vec![("户数".into(), yitu::core::model::attrs::FieldType::Text)],
        ..Default::default()
    };
    let v = c
        .import_file("表", "部门", &f, &opts, &Progress::new())
        .unwrap();
    assert!(v.notes.is_empty());
    let t = c.load_table("表", None).unwrap();
    assert_eq!(t.attrs.get(400, 1).to_string(), "待核实");

    // Excel error cells (#DIV/0!, #N/A) are read as empty and counted.
    let xlsx = dir.path().join("errors.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "村名").unwrap();
    ws.write_string(0, 1, "人均收入").unwrap();
    for r in 1..6u32 {
        ws.write_string(r, 0, format!("村{r}")).unwrap();
        ws.write_number(r, 1, 1000.0 * r as f64).unwrap();
    }
    ws.write_formula(
        6,
        0,
        rust_xlsxwriter::Formula::new("=\"末村\"").set_result("末村"),
    )
    .unwrap();
    ws.write_formula(
        6,
        1,
        rust_xlsxwriter::Formula::new("=1/0").set_result("#DIV/0!"),
    )
    .unwrap();
    wb.save(&xlsx).unwrap();
    let v = import(&mut c, &xlsx).unwrap();
    let t = c.load_table("表", None).unwrap();
    let last = t.attrs.len() - 1;
    assert_eq!(t.attrs.get(last, 0).to_string(), "末村");
    assert_eq!(
        t.attrs.get(last, 1),
        yitu::core::model::attrs::Value::Null,
        "{:?}",
        v.notes
    );
    assert_eq!(
        t.attrs.fields[1].ftype,
        yitu::core::model::attrs::FieldType::Integer
    );
    assert!(
        v.notes.iter().any(|n| n.contains("1 Excel error cells")),
        "{:?}",
        v.notes
    );
    // The same in a CSV exported from Excel.
    let f = dir.path().join("export.csv");
    std::fs::write(&f, "村名,人均收入\n村1,1000\n村2,#N/A\n村3,#DIV/0!\n").unwrap();
    let v = import(&mut c, &f).unwrap();
    assert_eq!(
        v.columns[1].ftype,
        yitu::core::model::attrs::FieldType::Integer
    );
    assert!(
        v.notes.iter().any(|n| n.contains("2 Excel error cells")),
        "{:?}",
        v.notes
    );
    let versions = c.history("表").unwrap().len();

    // A header-only table, an empty file, a binary file named .csv: refused, nothing changes.
    for (name, content) in [
        ("header-only.csv", "村名,户数\n".as_bytes().to_vec()),
        ("empty.csv", vec![]),
        ("binary.csv", [0u8, 159, 146, 150, 0, 0, 1, 2].repeat(64)),
    ] {
        let f = dir.path().join(name);
        std::fs::write(&f, content).unwrap();
        let e = import(&mut c, &f).unwrap_err().to_string();
        assert!(
            e.contains("没有数据行") || e.contains("二进制"),
            "{name}: {e}"
        );
    }
    assert_eq!(c.history("表").unwrap().len(), versions);
    assert_eq!(c.integrity().unwrap(), "ok");
}

/// A project's department file changed after its import (a new table under the old name, even with an older
/// date) is imported as a new version when the project is opened again, and said; unchanged, nothing happens.
#[test]
fn a_projects_changed_file_becomes_a_new_version() {
    use yitu::core::io::project::ProjectDataset;
    let dir = tempfile::tempdir().unwrap();
    let mut c = Cache::open(&dir.path().join("cache.sqlite")).unwrap();
    let csv = dir.path().join("人口.csv");
    std::fs::write(&csv, "村代码,户籍人口\n350322104215,1412\n").unwrap();
    let ds = [ProjectDataset {
        name: "人口".into(),
        department: "公安".into(),
        path: csv.clone(),
        header_row: None,
    }];
    let p = yitu::core::model::progress::Progress::new();
    let m = c.ensure(&ds, &p);
    assert!(m[0].contains("已导入"), "{m:?}");
    assert!(c.ensure(&ds, &p).is_empty(), "unchanged: nothing said");
    // Changed, with an older date (a copy, an unzipped archive).
    std::fs::write(&csv, "村代码,户籍人口\n350322104215,9999\n").unwrap();
    let earlier = std::time::SystemTime::now() - std::time::Duration::from_secs(30 * 86400);
    std::fs::File::options()
        .write(true)
        .open(&csv)
        .unwrap()
        .set_modified(earlier)
        .unwrap();
    let m = c.ensure(&ds, &p);
    assert!(
        m.len() == 1 && m[0].contains("改过") && m[0].contains("v2"),
        "{m:?}"
    );
    let t = c.load_table("人口", None).unwrap();
    let col = t.attrs.field_index("户籍人口").unwrap();
    assert_eq!(t.attrs.get(0, col).to_string(), "9999");
}

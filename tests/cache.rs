//! The department-data cache: versions, rollback, and transactional imports — a killed or
//! cancelled import leaves the previous version active and the database healthy.

use std::io::Write;
use std::process::Command;
use yitu::core::cache::{Cache, CacheError};
use yitu::core::progress::Progress;
use yitu::core::table_import::ImportOptions;

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
        yitu::core::attrs::FieldType::Text,
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
    let wal = dir.path().join("cache.sqlite-wal");
    let t0 = std::time::Instant::now();
    // Wait until it has written into the WAL, then kill it.
    while std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) < 2_000_000
        && t0.elapsed().as_secs() < 60
    {
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
}

/// Imports the sample's GBK collective-income table as a new version of 集体收入.
fn import_income(c: &mut Cache, sample: &std::path::Path) -> yitu::core::cache::VersionInfo {
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

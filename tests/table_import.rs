//! Department tables: encodings, title rows, headers and code columns, on the sample tables and
//! on the real files in ../shared/realdata (skipped when absent).

mod common;

use yitu::core::io::table_import::{preview, ImportOptions};
use yitu::core::model::attrs::FieldType;

fn col<'a>(
    p: &'a yitu::core::io::table_import::TablePreview,
    name: &str,
) -> &'a yitu::core::io::table_import::ColumnSpec {
    p.columns
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("column {name} in {:?}", p.columns))
}

#[test]
fn sample_department_tables() {
    let dir = common::root().join("sample-data");
    // UTF-8 CSV: village codes stay text (some in full-width digits), counts are integers.
    let p = preview(
        &dir.join("population_2024.csv"),
        &ImportOptions::default(),
        20,
    )
    .unwrap();
    assert_eq!(p.encoding, "UTF-8");
    assert_eq!(p.header_row, Some(0));
    assert_eq!(col(&p, "村代码").ftype, FieldType::Text);
    assert!(col(&p, "村代码").code_like);
    assert_eq!(col(&p, "户籍人口").ftype, FieldType::Integer);
    assert!(p.rows[0][0].starts_with("350322"));
    // GBK CSV: detected, Chinese intact.
    let p = preview(
        &dir.join("collective_income_2024_gbk.csv"),
        &ImportOptions::default(),
        20,
    )
    .unwrap();
    assert_eq!(p.encoding, "gb18030");
    assert_eq!(p.columns[1].name, "村（居）委会名称");
    assert!(p
        .rows
        .iter()
        .any(|r| r[1].ends_with('村') || r[1].ends_with("社区") || r[1].contains("委员会")));
    assert_eq!(col(&p, "年份").ftype, FieldType::Integer);
    // Forcing the wrong encoding is possible (the wizard's override) and visibly garbles.
    let wrong = preview(
        &dir.join("collective_income_2024_gbk.csv"),
        &ImportOptions {
            encoding: Some("windows-1252".into()),
            ..Default::default()
        },
        5,
    )
    .unwrap();
    assert!(!wrong.columns[1].name.contains("名称"));
    // XLSX with a title row and a unit row: the header is found on row 3.
    let p = preview(
        &dir.join("cooperatives_2024.xlsx"),
        &ImportOptions::default(),
        20,
    )
    .unwrap();
    assert_eq!(p.sheets, vec!["合作社".to_string()]);
    assert_eq!(p.header_row, Some(2));
    assert_eq!(p.columns[2].name, "村名");
    assert_eq!(col(&p, "合作社数量").ftype, FieldType::Integer);
    // The header row can be chosen by hand.
    let p2 = preview(
        &dir.join("cooperatives_2024.xlsx"),
        &ImportOptions {
            header_row: Some(0),
            ..Default::default()
        },
        5,
    )
    .unwrap();
    assert_eq!(p2.header_row, Some(0));
}

#[test]
fn quoting_ragged_rows_and_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("t.csv");
    std::fs::write(
        &f,
        "\u{feff}名称,代码,说明\n洋顶村,0101,\"两行\n说明\"\n东山村,05H1\n西山村,0201K,a,extra\n",
    )
    .unwrap();
    let p = preview(&f, &ImportOptions::default(), 10).unwrap();
    assert_eq!(p.header_row, Some(0));
    assert_eq!(p.columns[0].name, "名称", "BOM stripped");
    assert_eq!(p.rows.len(), 3);
    assert_eq!(p.rows[0][2], "两行\n说明");
    assert_eq!(col(&p, "代码").ftype, FieldType::Text);
    assert_eq!(p.columns.len(), 4, "ragged rows widen the table");
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, "").unwrap();
    assert!(preview(&empty, &ImportOptions::default(), 5)
        .unwrap_err()
        .to_string()
        .contains("empty"));
    let bin = dir.path().join("bin.csv");
    std::fs::write(&bin, [0u8, 1, 2, 3, 0, 0, 255, 254, 0, 7].repeat(100)).unwrap();
    assert!(preview(&bin, &ImportOptions::default(), 5)
        .unwrap_err()
        .to_string()
        .contains("binary"));
    let header_only = dir.path().join("h.csv");
    std::fs::write(&header_only, "名称,代码\n").unwrap();
    let p = preview(&header_only, &ImportOptions::default(), 5).unwrap();
    assert!(p.rows.is_empty() && p.columns.len() == 2);
}

#[test]
fn real_department_files() {
    let Some(real) = common::realdata() else {
        common::skip("real_department_files", "../shared/realdata not present");
        return;
    };
    // The Ministry of Education XLS: title rows above the header.
    let p = preview(
        &real.join("universities/MySxan-university-geocoder/univ_moe.xls"),
        &ImportOptions::default(),
        20,
    )
    .unwrap();
    assert_eq!(
        p.header_row,
        Some(2),
        "{:?}",
        p.raw_rows.iter().take(4).collect::<Vec<_>>()
    );
    assert_eq!(p.columns[1].name, "学校名称");
    assert_eq!(col(&p, "学校标识码").ftype, FieldType::Text);
    assert!(p.rows.iter().any(|r| r[1] == "北京大学"));
    // A GBK CSV without header, with ragged rows and a trailing comma.
    let p = preview(
        &real.join("universities/flwfdd-china-university-location/高校地址含分校区.csv"),
        &ImportOptions::default(),
        50,
    )
    .unwrap();
    assert_eq!(p.encoding, "gb18030");
    assert_eq!(p.header_row, None);
    assert_eq!(p.columns[0].name, "列1");
    assert!(p.rows.iter().any(|r| r[0].contains("大学")));
    // UTF-8 with BOM.
    let p = preview(
        &real.join("admin_codes/xiangyuecn-AreaCity/ok_data_level4.csv"),
        &ImportOptions::default(),
        20,
    )
    .unwrap();
    assert_eq!(p.columns[0].name, "id");
    // XLS in code page 936 (GBK).
    let p = preview(
        &real.join("landuse/bxgis-config/地类转换_三调与国空基数转换.xls"),
        &ImportOptions::default(),
        100,
    )
    .unwrap();
    assert!(
        p.columns.iter().any(|c| c.name.contains("三调")),
        "{:?}",
        p.columns
    );
    let code = p
        .columns
        .iter()
        .find(|c| c.name.contains("三调编码"))
        .unwrap();
    assert_eq!(code.ftype, FieldType::Text);
    assert!(
        p.rows.iter().any(|r| r.iter().any(|c| c == "0101")),
        "codes keep leading zeros"
    );
}

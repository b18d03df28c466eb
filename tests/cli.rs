//! The command line: `yitu info` agrees with `ogrinfo`, bad input exits non-zero with a
//! bilingual message, `render` writes a map.

mod common;

use std::process::Command;

fn yitu() -> Command {
    Command::new(env!("CARGO_BIN_EXE_yitu"))
}

#[test]
fn info_json_matches_ogrinfo() {
    let gpkg = common::sample_gpkg();
    let out = yitu().args(["info", "--json"]).arg(&gpkg).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let layers = v["layers"].as_array().unwrap();
    let names: Vec<&str> = layers.iter().map(|l| l["name"].as_str().unwrap()).collect();
    for n in [
        "CJDCQ",
        "XZQ",
        "DLTB",
        "YJJBNTTB",
        "STBHHX",
        "CZKFBJ",
        "enterprises",
    ] {
        assert!(names.contains(&n), "{n} in {names:?}");
    }
    let dltb = layers.iter().find(|l| l["name"] == "DLTB").unwrap();
    assert_eq!(dltb["crs"]["epsg"], 4528);
    assert_eq!(dltb["geometry_type"], "MULTIPOLYGON");
    let fields: Vec<&str> = dltb["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    for f in [
        "BSM", "TBBH", "DLBM", "DLMC", "QSDWDM", "ZLDWDM", "ZLDWMC", "TBMJ", "KCDLBM", "KCXS",
        "KCMJ", "TBDLMJ", "GDLX", "GDPDJB", "CZCSXM",
    ] {
        assert!(fields.contains(&f), "DLTB field {f}");
    }
    // ogrinfo (gdal-bin) on the same file, when installed.
    let Ok(og) = Command::new("ogrinfo")
        .args(["-so", "-al", "-ro"])
        .arg(&gpkg)
        .output()
    else {
        common::skip("cli: info against ogrinfo", "ogrinfo not installed");
        return;
    };
    let text = String::from_utf8_lossy(&og.stdout);
    for l in layers {
        let name = l["name"].as_str().unwrap();
        let block = text
            .split("Layer name: ")
            .find(|b| b.starts_with(&format!("{name}\n")))
            .unwrap_or_else(|| panic!("ogrinfo lists {name}"));
        let count: u64 = block
            .lines()
            .find_map(|x| x.strip_prefix("Feature Count: "))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert_eq!(l["feature_count"].as_u64().unwrap(), count, "{name}");
        if l["crs"]["epsg"] == 4528 {
            assert!(
                block.contains("ID[\"EPSG\",4528]") || block.contains("Gauss-Kruger zone 40"),
                "{name}"
            );
        }
        let field_lines = block
            .lines()
            .filter(|x| {
                x.contains(": ")
                    && (x.contains("String") || x.contains("Real") || x.contains("Integer"))
            })
            .count();
        assert_eq!(
            l["fields"].as_array().unwrap().len(),
            field_lines,
            "{name} fields"
        );
    }
    // The plain-text form names the layers and CRS.
    let out = yitu().arg("info").arg(&gpkg).output().unwrap();
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(
        s.contains("DLTB (MULTIPOLYGON)") && s.contains("EPSG:4528"),
        "{s}"
    );
}

#[test]
fn bad_input_exits_nonzero_with_a_clear_message() {
    let out = yitu()
        .args(["info", "/nonexistent/county.gpkg"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(
        e.contains("文件不存在") && e.contains("File not found"),
        "{e}"
    );
    let out = yitu()
        .arg("info")
        .arg(common::root().join("tests/fixtures/broken_not_gpkg.gpkg"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("GeoPackage"));
}

#[test]
fn render_writes_a_png_map() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("map.png");
    let out = yitu()
        .arg("render")
        .arg(common::sample_gpkg())
        .args([
            "--layer", "DLTB", "--layer", "CJDCQ", "--width", "800", "--height", "600", "--out",
        ])
        .arg(&png)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[1..4], b"PNG");
    // The map is not blank: decode and count non-white pixels.
    let img = image::load_from_memory(&bytes).unwrap().to_rgba8();
    let coloured = img
        .pixels()
        .filter(|p| p.0[0] < 240 || p.0[1] < 240 || p.0[2] < 240)
        .count();
    assert!(coloured > 800 * 600 / 4, "{coloured} coloured pixels");
}

#[test]
fn help_lists_the_commands() {
    let out = yitu().arg("--help").output().unwrap();
    let s = String::from_utf8_lossy(&out.stdout);
    for c in ["info", "render", "sample-data", "bench"] {
        assert!(s.contains(c), "{c}: {s}");
    }
}

/// `info` and `render` take a project (its layers, from their own files); `--village` and `--town` take a name
/// as well as a code, and an unknown name lists the closest ones with their codes (issue 15 §6).
#[test]
fn commands_take_a_project_and_place_names() {
    let project = common::root().join("sample-data/xianyou_sample.yitu");
    let out = yitu().arg("info").arg(&project).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("地类图斑") && text.contains("DLTB") && text.contains("17878"),
        "{text}"
    );
    let out = yitu()
        .args(["info", "--json"])
        .arg(&project)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["layers"].as_array().unwrap().len() >= 8);
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("p.png");
    let out = yitu()
        .arg("render")
        .arg(&project)
        .arg("--out")
        .arg(&png)
        .args(["--width", "400", "--height", "300"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
    // Names for the scope.
    let profile = |flag: &str, value: &str| {
        yitu()
            .args(["profile", "--ledger", "--format", "json"])
            .arg(common::sample_gpkg())
            .args([flag, value])
            .output()
            .unwrap()
    };
    for (flag, value) in [
        ("--village", "横塘村"),
        ("--village", "横塘"),
        ("--town", "鲤南镇"),
    ] {
        let out = profile(flag, value);
        assert!(
            out.status.success(),
            "{flag} {value}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let villages = v["villages"].as_array().or(v.as_array()).unwrap();
        assert!(!villages.is_empty(), "{flag} {value}");
    }
    let out = profile("--village", "横唐村");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("横塘村") && err.contains("350322"), "{err}");
    // The chain measures take a town by name too.
    let out = yitu()
        .args(["chain", "measures"])
        .arg(&project)
        .args(["--town", "鲤南镇"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Digits of the wrong length are a mistyped code, said before anything is read.
    let out = profile("--town", "35032210");
    assert_eq!(out.status.code(), Some(2));
}

/// `yitu attributes` (issue 15 §3): a GBK shapefile ogr2ogr wrote, exported to XLSX, has its columns headed by
/// name, code and unit, codes as text and the values ogr2ogr's own CSV export gives; a project's layer comes with
/// its joined department data; a wrong layer or format is refused and writes nothing.
#[test]
fn attributes_export_heads_columns_by_name_and_agrees_with_ogr2ogr() {
    use calamine::{Data, Reader};
    let dir = tempfile::tempdir().unwrap();
    let shp = dir.path().join("地类图斑.shp");
    let ogr = |args: &[&std::ffi::OsStr]| {
        Command::new("ogr2ogr")
            .args(args)
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    let gpkg = common::sample_gpkg();
    if !ogr(&[
        "-f".as_ref(),
        "ESRI Shapefile".as_ref(),
        "-lco".as_ref(),
        "ENCODING=GBK".as_ref(),
        shp.as_os_str(),
        gpkg.as_os_str(),
        "DLTB".as_ref(),
    ]) {
        common::skip("attributes of a GBK shapefile", "ogr2ogr not installed");
        return;
    }
    let reference = dir.path().join("ref.csv");
    assert!(ogr(&[
        "-f".as_ref(),
        "CSV".as_ref(),
        reference.as_os_str(),
        shp.as_os_str(),
    ]));
    let out = dir.path().join("图斑.xlsx");
    let o = yitu()
        .arg("attributes")
        .arg(&shp)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&out).unwrap();
    let sheet = wb.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<&[Data]> = sheet.rows().collect();
    let header: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    let col = |h: &str| {
        header
            .iter()
            .position(|x| x == h)
            .unwrap_or_else(|| panic!("{h} in {header:?}"))
    };
    let (dm, mc, mj) = (
        col("坐落单位代码 (ZLDWDM)"),
        col("坐落单位名称 (ZLDWMC)"),
        col("图斑面积 (TBMJ, m²)"),
    );
    let mut r = csv::Reader::from_path(&reference).unwrap();
    let names = r.headers().unwrap().clone();
    let at = |n: &str| names.iter().position(|x| x == n).unwrap();
    let (rdm, rmc, rmj) = (at("ZLDWDM"), at("ZLDWMC"), at("TBMJ"));
    let mut n = 0;
    for (rec, row) in r.records().zip(&rows[1..]) {
        let rec = rec.unwrap();
        assert!(
            matches!(&row[dm], Data::String(s) if s == &rec[rdm]),
            "code as text: {:?}",
            row[dm]
        );
        assert_eq!(row[mc].to_string(), &rec[rmc], "GBK names read");
        let v = match &row[mj] {
            Data::Float(v) => *v,
            other => panic!("a number: {other:?}"),
        };
        assert!((v - rec[rmj].parse::<f64>().unwrap()).abs() < 1e-6);
        n += 1;
    }
    assert_eq!(n, rows.len() - 1);
    assert!(n > 10_000);
    // A project's village layer with its joined population, headed by codes.
    let csv_out = dir.path().join("村界.csv");
    let o = yitu()
        .arg("attributes")
        .arg(
            common::root()
                .join("sample-data")
                .join("xianyou_sample.yitu"),
        )
        .args(["--layer", "村界", "--headers", "code", "--cache"])
        .arg(dir.path().join("cache.sqlite"))
        .arg("--out")
        .arg(&csv_out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&csv_out).unwrap();
    let head = text.lines().next().unwrap();
    assert!(
        head.starts_with("\u{feff}FID,BSM,") && head.contains(",人口_户籍人口,"),
        "{head}"
    );
    assert_eq!(text.lines().count(), 63, "62 villages");
    // Refused: a layer the project lacks (the layers listed), an output format not offered.
    let o = yitu()
        .arg("attributes")
        .arg(
            common::root()
                .join("sample-data")
                .join("xianyou_sample.yitu"),
        )
        .args(["--layer", "道路", "--out"])
        .arg(dir.path().join("x.csv"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("没有图层 道路") && e.contains("村界（CJDCQ）"),
        "{e}"
    );
    let o = yitu()
        .arg("attributes")
        .arg(&shp)
        .arg("--out")
        .arg(dir.path().join("x.docx"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(!dir.path().join("x.docx").exists());
    assert!(!dir.path().join("x.csv").exists());
}

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

//! The small failing inputs from real-world reports (`tests/fixtures/cases`, copied from
//! `../shared/cases` with their CASE.md): each folder's `run.sh BINARY` checks YiTu's answer
//! against the right value an independent tool computed, and exits 0 when it is right.

mod common;

use std::path::PathBuf;
use std::process::Command;

fn run_case(name: &str) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/cases")
        .join(name);
    if Command::new("python3").arg("--version").output().is_err() {
        common::skip(
            name,
            "python3 (used by run.sh to read JSON) is not installed",
        );
        return;
    }
    let o = Command::new("bash")
        .arg(dir.join("run.sh"))
        .arg(env!("CARGO_BIN_EXE_yitu"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
    assert!(
        o.status.success() && text.contains("PASS"),
        "{name}: {text}"
    );
}

#[test]
fn ring_orientation_esri_holes() {
    run_case("ring-orientation-esri-holes");
}

#[test]
fn shp_gbk_fieldnames() {
    run_case("shp-gbk-fieldnames");
}

#[test]
fn gpkg_odd_layer_field_names() {
    run_case("gpkg-odd-layer-field-names");
}

#[test]
fn cli_stdout_broken_pipe() {
    run_case("cli-stdout-broken-pipe");
}

//! One shape for analyses: the registry's algorithms run the same called directly (as the app does) and from the
//! command line, and the CLI's flags are their parameters.

mod common;

use std::process::Command;
use yitu::core::algorithms::{self, AlgorithmError, ParamKind, Params};
use yitu::core::model::progress::Progress;

fn sample() -> std::path::PathBuf {
    common::root().join("sample-data/xianyou_sample.gpkg")
}

#[test]
fn the_village_file_called_directly_equals_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let a = algorithms::find("profile").expect("registered");
    let direct = dir.path().join("direct.json");
    let params = Params::new()
        .with("file", sample().to_str().unwrap())
        .with("town", "350322104")
        .with("out", direct.to_str().unwrap());
    let o = a.run(&params, &Progress::new()).unwrap();
    assert_eq!(o.files, vec![direct.clone()]);
    assert_eq!(o.counts["villages"], 18.0, "the 18 villages of 鲤南镇");
    assert!(
        o.notes.iter().any(|n| n.starts_with("图层 / layer:")),
        "{:?}",
        o.notes
    );
    let cli = dir.path().join("cli.json");
    let out = Command::new(env!("CARGO_BIN_EXE_yitu"))
        .args(["profile", sample().to_str().unwrap(), "--town", "350322104"])
        .args(["--out", cli.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read(&direct).unwrap(),
        std::fs::read(&cli).unwrap()
    );
    // Without --out the result is text.
    let o = a
        .run(
            &Params::new()
                .with("file", sample().to_str().unwrap())
                .with("village", "350322001001")
                .with("format", "csv"),
            &Progress::new(),
        )
        .unwrap();
    let text = o.text.expect("CSV text");
    assert!(text.starts_with("\u{feff}code,name,"), "{text}");
    assert_eq!(text.lines().count(), 2, "header and one village");
}

#[test]
fn the_data_package_called_directly_writes_the_package() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("鲤南镇.gpkg");
    let a = algorithms::find("package").expect("registered");
    let o = a
        .run(
            &Params::new()
                .with("file", sample().to_str().unwrap())
                .with("town", "350322104")
                .with("out", out.to_str().unwrap())
                .with("cache", dir.path().join("cache.sqlite").to_str().unwrap()),
            &Progress::new(),
        )
        .unwrap();
    assert_eq!(o.files, vec![out.clone()]);
    assert_eq!(o.counts["villages"], 18.0);
    assert!(o.counts["layers"] >= 5.0, "{:?}", o.counts);
    let info = yitu::core::io::read::inspect(&out).unwrap();
    assert!(info.layers.iter().any(|l| l.name == "DLTB"));
    assert!(o.summary.contains("18 个村"), "{}", o.summary);
}

#[test]
fn wrong_parameters_are_refused_before_any_work() {
    let a = algorithms::find("package").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p.gpkg");
    let base = Params::new()
        .with("file", sample().to_str().unwrap())
        .with("out", out.to_str().unwrap());
    for (params, says) in [
        (base.clone(), "--village, --town or --all"),
        (base.clone().with("town", "35032210"), "9-digit code"),
        (Params::new().with("town", "350322104"), "is required"),
        (
            base.clone()
                .with("town", "350322111")
                .with("village", "350322001001"),
            "only one of",
        ),
        (
            base.clone().with("town", "350322111").with("all", "true"),
            "only one of",
        ),
    ] {
        match a.run(&params, &Progress::new()) {
            Err(AlgorithmError::BadParameters(m)) => assert!(m.contains(says), "{m}"),
            other => panic!("{params:?}: {other:?}"),
        }
    }
    assert!(!out.exists(), "nothing written");
    // The CLI says the same and exits with 2 (bad arguments).
    let o = Command::new(env!("CARGO_BIN_EXE_yitu"))
        .args([
            "package",
            sample().to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--village, --town or --all"));
}

#[test]
fn cli_flags_and_the_list_come_from_the_parameters() {
    let list = Command::new(env!("CARGO_BIN_EXE_yitu"))
        .arg("algorithms")
        .output()
        .unwrap();
    assert!(list.status.success());
    let list = String::from_utf8(list.stdout).unwrap();
    for a in algorithms::registry() {
        assert!(list.contains(a.name().0), "{list}");
        let help = Command::new(env!("CARGO_BIN_EXE_yitu"))
            .args(a.id().split(' ').chain(["--help"]))
            .output()
            .unwrap();
        assert!(help.status.success(), "yitu {} --help", a.id());
        let help = String::from_utf8(help.stdout).unwrap();
        for p in a.parameters() {
            let shown = if p.positional {
                format!("<{}>", p.name)
            } else {
                p.flag()
            };
            // An optional positional argument is shown as [name].
            let optional = format!("[{}]", p.name);
            assert!(
                help.contains(&shown) || (p.positional && help.contains(&optional)),
                "{}: {shown} not in --help:\n{help}",
                a.id()
            );
            assert!(list.contains(&shown), "{shown} not in `yitu algorithms`");
            if let ParamKind::Choice { values } = &p.kind {
                for (v, _, _) in values.iter() {
                    assert!(help.contains(v), "{}: value {v} of {shown}", a.id());
                }
            }
        }
    }
}

fn yitu<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_yitu"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_cli_refuses_empty_values_and_takes_any_path() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let gpkg = sample();
    let cache = dir.path().join("cache.sqlite");
    let base = |extra: &[&OsStr]| -> Vec<std::ffi::OsString> {
        let mut a = vec!["profile".into(), gpkg.clone().into_os_string()];
        a.extend(extra.iter().map(|x| x.to_os_string()));
        a.extend(["--cache".into(), cache.clone().into_os_string()]);
        a
    };
    // An empty value is an error, as before (an empty shell variable must not widen the scope or use the
    // user's own cache).
    for extra in [
        &["--village", "", "--all"][..],
        &["--all", "--out", ""],
        &["--town", "350322104", "--basemap", ""],
    ] {
        let extra: Vec<&OsStr> = extra.iter().map(OsStr::new).collect();
        let o = yitu(&base(&extra));
        assert_eq!(o.status.code(), Some(2), "{extra:?}");
    }
    let o = yitu(&[
        OsStr::new("profile"),
        gpkg.as_os_str(),
        OsStr::new("--all"),
        OsStr::new("--cache"),
        OsStr::new(""),
    ]);
    assert_eq!(o.status.code(), Some(2));
    // A GBK-named output (bytes that are not UTF-8) is written under its own name.
    let gbk = dir.path().join(OsStr::from_bytes(b"\xb4\xe5\xb5\xb5.json")); // 村档 in GBK
    let o = yitu(&base(&[
        OsStr::new("--village"),
        OsStr::new("350322001001"),
        OsStr::new("--out"),
        gbk.as_os_str(),
    ]));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(gbk.is_file());
}

#[test]
fn notes_reach_the_user_when_a_run_fails_later() {
    // A village that is not in the data: the run fails after the data is read; the layers chosen are still said
    // first.
    let o = Command::new(env!("CARGO_BIN_EXE_yitu"))
        .args([
            "profile",
            sample().to_str().unwrap(),
            "--village",
            "350322999999",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    let layer = err.find("图层 / layer:").expect("the layers are said");
    let fail = err.find("没有符合条件的村").expect("the reason");
    assert!(layer < fail, "{err}");
}

//! The layering in ARCHITECTURE.md, checked from the source: the core never depends on the GUI stack, its layers
//! use only the layers below them (model ← io ← data ← analysis ← output ← algorithms ← sample, bench), and no
//! two modules of the core use each other, directly or round a longer circle.
//!
//! A dependency is any path in code (not in comments) that names a module of the core: `crate::core::io::gpkg`,
//! `super::super::model`, or `super::gk` for a module beside the file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers of `src/core`, bottom first.
const LAYERS: [&str; 8] = [
    "model",
    "io",
    "data",
    "analysis",
    "output",
    "algorithms",
    "sample",
    "bench",
];

fn core_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join("core")
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// A source file of the core: its layer, its module (`("io", "gpkg")`; a module's own folder of files is one
/// module: `output/layout/pdf.rs` is `("output", "layout")`; `sample` is one module) and how many `super::`
/// reach `src/core` from it; `None` for `src/core/mod.rs`.
fn place(file: &Path) -> Option<(String, String, usize)> {
    let rel = file.strip_prefix(core_dir()).unwrap();
    let parts: Vec<String> = rel
        .iter()
        .map(|c| c.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    // A `mod.rs` is its folder's module: one `super::` fewer.
    let depth = parts.len() - usize::from(parts.last().is_some_and(|p| p == "mod"));
    match parts.as_slice() {
        [m] if m == "mod" => None,
        [m] => Some((m.clone(), m.clone(), depth)),
        [l, ..] if l == "sample" => Some((l.clone(), l.clone(), depth)),
        [l, m] if m == "mod" => Some((l.clone(), l.clone(), depth)),
        [l, m, ..] => Some((l.clone(), m.clone(), depth)),
        _ => unreachable!(),
    }
}

/// The lines of `text` without comments, numbered from 1.
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.split("//").next().unwrap()))
}

/// The identifier at the start of `s`.
fn ident(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The modules of the core that `line` of a file in `layer` names, as `(layer, module)`; a module of
/// a layer's folder is `(layer, module)`, a top-level layer is `(layer, layer)`.
fn named_modules(
    line: &str,
    layer: &str,
    siblings: &BTreeSet<String>,
    depth: usize,
) -> Vec<(String, String)> {
    let mut out = vec![];
    let mut push_path = |rest: &str| {
        let l = ident(rest);
        if !LAYERS.contains(&l) {
            return;
        }
        let after = &rest[l.len()..];
        let m = after
            .strip_prefix("::")
            .map(ident)
            .filter(|m| !m.is_empty() && *m != "self");
        match m {
            Some(m) if !["sample", "bench", "algorithms"].contains(&l) => {
                out.push((l.to_string(), m.to_string()))
            }
            _ => out.push((l.to_string(), l.to_string())),
        }
    };
    for (i, _) in line.match_indices("crate::core::") {
        let rest = &line[i + "crate::core::".len()..];
        assert!(
            !rest.starts_with('{'),
            "name one layer per path (`crate::core::io::…`), not a group: {line}"
        );
        push_path(rest);
    }
    // `super::` paths that climb to src/core.
    let up = "super::".repeat(depth);
    if depth > 0 {
        for (i, _) in line.match_indices(&up) {
            if i >= 7 && &line[i - 7..i] == "super::" {
                continue;
            }
            push_path(&line[i + up.len()..]);
        }
    }
    // `super::m` (from a file in a layer's folder) or `super::super::m` (one folder deeper) for a module
    // beside this one in its layer.
    if depth >= 2 {
        let sib = "super::".repeat(depth - 1);
        for (i, _) in line.match_indices(&sib) {
            let rest = &line[i + sib.len()..];
            if (i >= 7 && &line[i - 7..i] == "super::") || rest.starts_with("super::") {
                continue;
            }
            let m = ident(rest);
            if siblings.contains(m) {
                out.push((layer.to_string(), m.to_string()));
            }
        }
    }
    out
}

/// Every dependency between modules of the core: `(from, to) → first file:line`.
fn dependencies() -> BTreeMap<((String, String), (String, String)), String> {
    let mut deps = BTreeMap::new();
    for file in rust_files(&core_dir()) {
        let Some((layer, module, depth)) = place(&file) else {
            continue;
        };
        let rel = file.strip_prefix(core_dir()).unwrap();
        // The modules of this layer's folder: its files and sub-folders.
        let siblings: BTreeSet<String> = if depth >= 2 && layer != "sample" {
            std::fs::read_dir(core_dir().join(&layer))
                .unwrap()
                .map(|e| {
                    let name = e.unwrap().file_name().to_string_lossy().to_string();
                    name.trim_end_matches(".rs").to_string()
                })
                .filter(|m| m != "mod")
                .collect()
        } else {
            BTreeSet::new()
        };
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in code_lines(&text) {
            for to in named_modules(line, &layer, &siblings, depth) {
                let from = (layer.clone(), module.clone());
                if to != from && !(to.0 == layer && to.1 == layer) {
                    deps.entry((from, to))
                        .or_insert_with(|| format!("src/core/{}:{n}", rel.display()));
                }
            }
        }
    }
    deps
}

fn rank(layer: &str) -> usize {
    LAYERS
        .iter()
        .position(|l| *l == layer)
        .unwrap_or_else(|| panic!("src/core/{layer} is not a layer of ARCHITECTURE.md"))
}

/// Violations of the layering: a module using a layer at or above its own, other than its own
/// layer. `sample` and `bench` sit side by side at the top but do not use each other.
fn upward_imports(deps: &BTreeMap<((String, String), (String, String)), String>) -> Vec<String> {
    let mut bad = vec![];
    for ((from, to), at) in deps {
        let (f, t) = (rank(&from.0), rank(&to.0));
        let side_by_side = from.0 == "sample" && to.0 == "bench";
        if t > f || side_by_side {
            bad.push(format!(
                "{at}: {}::{} uses {}::{} — {} is above {} (ARCHITECTURE.md: a layer uses only the layers below it)",
                from.0, from.1, to.0, to.1, to.0, from.0
            ));
        }
    }
    bad
}

/// A circle of modules, if the graph has one.
fn find_circle(
    deps: &BTreeMap<((String, String), (String, String)), String>,
) -> Option<Vec<String>> {
    let mut next: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for ((from, to), _) in deps {
        next.entry(format!("{}::{}", from.0, from.1))
            .or_default()
            .push(format!("{}::{}", to.0, to.1));
    }
    // Depth-first search with colours: 1 on the path, 2 done.
    fn visit(
        n: &str,
        next: &BTreeMap<String, Vec<String>>,
        colour: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        colour.insert(n.to_string(), 1);
        path.push(n.to_string());
        for m in next.get(n).into_iter().flatten() {
            match colour.get(m) {
                Some(1) => {
                    let start = path.iter().position(|p| p == m).unwrap();
                    let mut c = path[start..].to_vec();
                    c.push(m.clone());
                    return Some(c);
                }
                Some(_) => {}
                None => {
                    if let Some(c) = visit(m, next, colour, path) {
                        return Some(c);
                    }
                }
            }
        }
        path.pop();
        colour.insert(n.to_string(), 2);
        None
    }
    let mut colour = BTreeMap::new();
    for n in next.keys() {
        if !colour.contains_key(n) {
            if let Some(c) = visit(n, &next, &mut colour, &mut vec![]) {
                return Some(c);
            }
        }
    }
    None
}

#[test]
fn core_does_not_use_gui_crates() {
    let mut checked = 0;
    for p in rust_files(&core_dir()) {
        let text = std::fs::read_to_string(&p).unwrap();
        for bad in ["egui", "eframe", "walkers", "rfd::"] {
            for (n, code) in code_lines(&text) {
                assert!(
                    !code.contains(bad),
                    "{}:{n} uses {bad}: the core must not depend on the GUI",
                    p.display(),
                );
            }
        }
        checked += 1;
    }
    assert!(checked > 10);
}

#[test]
fn layers_of_the_core_are_used_from_above_only() {
    let deps = dependencies();
    // The check sees the real imports: these edges exist and must be found.
    for (from, to) in [
        (("io", "gpkg"), ("model", "layer")),
        (("analysis", "profile"), ("data", "cache")),
        (("output", "report"), ("analysis", "profile")),
        (("io", "read"), ("io", "ogr")),
        (("model", "crs"), ("model", "gk")),
        (("output", "layout"), ("output", "text")),
        (("algorithms", "layout"), ("output", "layout")),
    ] {
        let key = (
            (from.0.to_string(), from.1.to_string()),
            (to.0.to_string(), to.1.to_string()),
        );
        assert!(deps.contains_key(&key), "{from:?} → {to:?} not seen");
    }
    let bad = upward_imports(&deps);
    assert!(
        bad.is_empty(),
        "imports that run upward:\n{}",
        bad.join("\n")
    );
    // Every folder and top-level module of the core is a layer of ARCHITECTURE.md.
    for e in std::fs::read_dir(core_dir()).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().to_string();
        let name = name.trim_end_matches(".rs");
        if name != "mod" {
            rank(name);
        }
    }
}

#[test]
fn no_two_modules_of_the_core_use_each_other() {
    let deps = dependencies();
    if let Some(c) = find_circle(&deps) {
        panic!("modules in a circle: {}", c.join(" → "));
    }
}

#[test]
fn the_checks_catch_what_they_are_for() {
    // A made-up upward import and a made-up circle are caught (the checks are not vacuous).
    let m = |l: &str, n: &str| (l.to_string(), n.to_string());
    let mut deps = BTreeMap::new();
    deps.insert((m("model", "geom"), m("output", "render")), "x.rs:1".into());
    assert_eq!(upward_imports(&deps).len(), 1);
    deps.insert((m("output", "render"), m("model", "geom")), "y.rs:1".into());
    let c = find_circle(&deps).expect("a circle");
    assert_eq!(c.first(), c.last());
    let found = named_modules(
        "use crate::core::io::gpkg::inspect; let x = super::super::model::geom::BBox::EMPTY; super::sql::ident(a)",
        "io",
        &["sql".to_string()].into_iter().collect(),
        2,
    );
    assert_eq!(
        found,
        vec![m("io", "gpkg"), m("model", "geom"), m("io", "sql")]
    );
}

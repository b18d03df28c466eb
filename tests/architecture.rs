//! The layering in ARCHITECTURE.md: the core never depends on the GUI stack.

#[test]
fn core_does_not_use_gui_crates() {
    let core = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join("core");
    let mut stack = vec![core];
    let mut checked = 0;
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().map(|x| x == "rs").unwrap_or(false) {
                let text = std::fs::read_to_string(&p).unwrap();
                for bad in ["egui", "eframe", "walkers", "rfd::"] {
                    for (i, line) in text.lines().enumerate() {
                        let code = line.split("//").next().unwrap();
                        assert!(
                            !code.contains(bad),
                            "{}:{} uses {bad}: the core must not depend on the GUI",
                            p.display(),
                            i + 1
                        );
                    }
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 10);
}

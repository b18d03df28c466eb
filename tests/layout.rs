//! Meeting maps (`yitu layout`): a vector PDF with one embedded subset CJK font, its text selectable (the title,
//! the legend's classes, the scale), the templates listed, and a failed export leaving nothing behind.

mod common;

use std::process::Command;

fn yitu(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_yitu"))
        .args(args)
        .output()
        .unwrap()
}

fn project() -> String {
    common::root()
        .join("sample-data/xianyou_sample.yitu")
        .display()
        .to_string()
}

#[test]
fn a_town_map_is_a_vector_pdf_with_searchable_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("鲤南镇.pdf");
    let o = yitu(&[
        "layout",
        &project(),
        "--town",
        "350322104",
        "--template",
        "A3横版正式",
        "--title",
        "鲤南镇土地利用现状图",
        "--mapping-unit",
        "仙游县自然资源局",
        "--out",
        pdf.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    let Ok(fonts) = Command::new("pdffonts").arg(&pdf).output() else {
        common::skip("layout: pdffonts/pdftotext", "poppler-utils not installed");
        return;
    };
    let fonts = String::from_utf8_lossy(&fonts.stdout).to_string();
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert_eq!(rows.len(), 1, "one font:\n{fonts}");
    let cols: Vec<&str> = rows[0].split_whitespace().collect();
    assert!(rows[0].contains("WenQuanYi"), "{fonts}");
    // emb sub uni: embedded, subset, with a ToUnicode map.
    assert_eq!(
        &cols[cols.len() - 5..cols.len() - 2],
        &["yes", "yes", "yes"],
        "{fonts}"
    );
    let text = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout).to_string();
    for s in [
        "鲤南镇土地利用现状图",
        "图例",
        "0101 水田",
        "千米",
        "仙游县自然资源局",
        "EPSG:4528",
        "北",
    ] {
        assert!(text.contains(s), "{s} not in the PDF's text:\n{text}");
    }
    let scale = text
        .split_whitespace()
        .find(|w| w.starts_with("1:"))
        .expect("a numeric scale 1:N");
    let n: f64 = scale[2..].replace(',', "").parse().unwrap();
    assert!(n > 1000.0 && n < 1_000_000.0, "{scale}");
    // The page is A3 landscape: 420 × 297 mm = 1190.55 × 841.89 pt.
    let info = Command::new("pdfinfo").arg(&pdf).output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout).to_string();
    assert!(info.contains("1190.55 x 841.89"), "{info}");
    assert!(
        info.lines()
            .any(|l| l.starts_with("Title:") && l.ends_with("鲤南镇土地利用现状图")),
        "{info}"
    );
}

#[test]
fn templates_are_listed_and_a_failed_export_leaves_nothing() {
    let o = yitu(&["layout", "--list"]);
    assert!(o.status.success());
    let list = String::from_utf8_lossy(&o.stdout).to_string();
    for name in ["A4横版正式", "A4竖版草图", "A3横版正式", "A3竖版正式"] {
        assert!(list.contains(name), "{list}");
    }
    let dir = tempfile::tempdir().unwrap();
    // A folder that does not exist: an error, and nothing at the target.
    let out = dir.path().join("no-such-folder").join("x.pdf");
    let o = yitu(&["layout", &project(), "--out", out.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!out.exists());
    // An unknown village: said, nothing written.
    let out = dir.path().join("x.pdf");
    let o = yitu(&[
        "layout",
        &project(),
        "--village",
        "350322999999",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("350322999999"));
    assert!(!out.exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no temporary file left"
    );
    // Other formats are refused by name before anything is read.
    let o = yitu(&[
        "layout",
        &project(),
        "--out",
        dir.path().join("x.tiff").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("SVG"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// The PNG and the PDF of one layout show the same page: the PDF rendered by poppler at the PNG's resolution
/// differs from YiTu's PNG only by anti-aliasing (a tolerance on the pixels).
/// The share of pixels of `a` that differ from `b` by more than 64 in a channel, and the mean difference, over
/// `a`'s size.
fn difference(a: &image::RgbImage, b: &image::RgbImage) -> (f64, f64) {
    let (mut far, mut sum) = (0usize, 0u64);
    for y in 0..a.height() {
        for x in 0..a.width() {
            let (p, q) = (a.get_pixel(x, y), b.get_pixel(x, y));
            let d = (0..3).map(|k| p.0[k].abs_diff(q.0[k])).max().unwrap();
            sum += d as u64;
            if d > 64 {
                far += 1;
            }
        }
    }
    let n = a.width() as f64 * a.height() as f64;
    (far as f64 / n, sum as f64 / n)
}

#[test]
fn the_svg_renders_to_the_same_page_as_the_png() {
    let dir = tempfile::tempdir().unwrap();
    let (svg, png) = (dir.path().join("m.svg"), dir.path().join("m.png"));
    for out in [&svg, &png] {
        let o = yitu(&[
            "layout",
            &project(),
            "--town",
            "350322104",
            "--dpi",
            "150",
            "--title",
            "鲤南镇土地利用现状图 <草稿> & 汇报",
            "--mapping-unit",
            "仙游县自然资源局",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let text = std::fs::read_to_string(&svg).unwrap();
    // Text is text (escaped), each map layer a named group.
    assert!(text.contains(">鲤南镇土地利用现状图 &lt;草稿&gt; &amp; 汇报</text>"));
    assert!(text.contains("<title>鲤南镇土地利用现状图 &lt;草稿&gt; &amp; 汇报</title>"));
    assert!(text.contains("inkscape:label=\"图例\""));
    assert!(text.matches("inkscape:groupmode=\"layer\"").count() >= 8);
    // Rendered by resvg with the shipped font.
    let mut opt = resvg::usvg::Options::default();
    opt.fontdb_mut()
        .load_font_file(common::root().join("assets/fonts/wqy-microhei.ttc"))
        .unwrap();
    let tree = resvg::usvg::Tree::from_str(&text, &opt).expect("the SVG parses");
    let (w, h) = (1754u32, 1240u32);
    let mut pm = resvg::tiny_skia::Pixmap::new(w, h).unwrap();
    let size = tree.size();
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(w as f32 / size.width(), w as f32 / size.width()),
        &mut pm.as_mut(),
    );
    let b = image::RgbaImage::from_raw(w, h, pm.data().to_vec()).unwrap();
    let b = image::DynamicImage::ImageRgba8(b).to_rgb8();
    let a = image::open(&png).unwrap().to_rgb8();
    assert_eq!(a.dimensions(), (w, h));
    let (far, mean) = difference(&a, &b);
    assert!(
        far < 0.03 && mean < 6.0,
        "{:.2} % of pixels differ by more than 64, mean difference {mean:.2}",
        far * 100.0
    );
    eprintln!("PNG against SVG: {:.3} % far, mean {mean:.2}", far * 100.0);
}

#[test]
fn the_png_and_the_pdf_show_the_same_page() {
    let dir = tempfile::tempdir().unwrap();
    let (pdf, png) = (dir.path().join("m.pdf"), dir.path().join("m.png"));
    for out in [&pdf, &png] {
        let o = yitu(&[
            "layout",
            &project(),
            "--town",
            "350322104",
            "--dpi",
            "150",
            "--mapping-unit",
            "仙游县自然资源局",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let Ok(o) = Command::new("pdftoppm")
        .args(["-r", "150", "-png", "-singlefile"])
        .arg(&pdf)
        .arg(dir.path().join("poppler"))
        .output()
    else {
        common::skip("layout: PDF against PNG", "pdftoppm not installed");
        return;
    };
    assert!(o.status.success());
    let a = image::open(&png).unwrap().to_rgb8();
    let b = image::open(dir.path().join("poppler.png"))
        .unwrap()
        .to_rgb8();
    // 297 × 210 mm at 150 dpi: 1754 × 1240.2 pixels; poppler rounds the height up.
    assert_eq!(a.dimensions(), (1754, 1240));
    assert!(
        b.width() == 1754 && (1240..=1241).contains(&b.height()),
        "{:?}",
        b.dimensions()
    );
    let (far, mean) = difference(&a, &b);
    assert!(
        far < 0.03 && mean < 6.0,
        "{:.2} % of pixels differ by more than 64, mean difference {mean:.2}",
        far * 100.0
    );
    eprintln!("PNG against PDF: {:.3} % far, mean {mean:.2}", far * 100.0);
}

#[test]
fn a_template_file_and_a_bad_extent() {
    let dir = tempfile::tempdir().unwrap();
    let tpl = dir.path().join("我的版式.json");
    std::fs::write(
        &tpl,
        r#"{"name":"测试版式","page":{"paper":"a4","landscape":false,"margin_mm":12},"items":[
            {"rect":{"x":12,"y":12,"w":186,"h":20},"type":"text","text":"{title} 专题图","size_pt":18,"align":"center"},
            {"rect":{"x":12,"y":36,"w":186,"h":200},"type":"map","layers":[]},
            {"rect":{"x":12,"y":240,"w":90,"h":40},"type":"legend"},
            {"rect":{"x":110,"y":250,"w":60,"h":12},"type":"scale_bar"},
            {"rect":{"x":180,"y":240,"w":14,"h":20},"type":"north_arrow"}]}"#,
    )
    .unwrap();
    let out = dir.path().join("t.pdf");
    let o = yitu(&[
        "layout",
        &project(),
        "--template",
        tpl.to_str().unwrap(),
        "--title",
        "仙游县",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    if let Ok(t) = Command::new("pdftotext").arg(&out).arg("-").output() {
        let t = String::from_utf8_lossy(&t.stdout).to_string();
        assert!(t.contains("仙游县 专题图"), "{t}");
        let info = Command::new("pdfinfo").arg(&out).output().unwrap();
        assert!(String::from_utf8_lossy(&info.stdout).contains("595.276 x 841.89"));
    }
    // A broken template file is said, not replaced by another.
    std::fs::write(&tpl, "{ not json").unwrap();
    let o = yitu(&[
        "layout",
        &project(),
        "--template",
        tpl.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("版式文件无法读取"));
    // An extent in degrees (not the print CRS's metres), or not finite, is refused before any drawing.
    let bad = dir.path().join("bad.pdf");
    for e in ["118.6,25.3,118.8,25.5", "NaN,0,1,1", "0,0,inf,1"] {
        let o = yitu(&[
            "layout",
            &project(),
            &format!("--extent={e}"),
            "--out",
            bad.to_str().unwrap(),
        ]);
        assert_eq!(
            o.status.code(),
            Some(2),
            "{e}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    assert!(!bad.exists());
}

#[test]
fn conflicting_scopes_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.pdf");
    let o = yitu(&[
        "layout",
        &project(),
        "--town",
        "350322104",
        "--village",
        "350322104215",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("only one of"));
    assert!(!out.exists());
}

/// A map series: one page per village of a town in one PDF (each page titled with its village), or one file per
/// village in a folder; a failure part way leaves none of the series' files and keeps what was there.
#[test]
fn a_series_makes_one_page_per_feature() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("图集.pdf");
    let o = yitu(&[
        "layout",
        &project(),
        "--series",
        "村界",
        "--town",
        "350322104",
        "--title",
        "{name}土地利用现状图",
        "--out",
        pdf.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("18"));
    match Command::new("pdftotext").arg(&pdf).arg("-").output() {
        Ok(t) => {
            let text = String::from_utf8_lossy(&t.stdout).to_string();
            // Pages are separated by form feeds: 18 villages of 鲤南镇, each titled with its name.
            let pages: Vec<&str> = text
                .split('\u{c}')
                .filter(|p| !p.trim().is_empty())
                .collect();
            assert_eq!(pages.len(), 18);
            assert!(pages.iter().any(|p| p.contains("柳坑社区土地利用现状图")));
            assert!(pages.iter().all(|p| p.contains("土地利用现状图")));
        }
        Err(_) => common::skip("layout series: PDF text", "pdftotext not installed"),
    }

    // One PNG per village.
    let folder = dir.path().join("pages");
    let pngs = || {
        yitu(&[
            "layout",
            &project(),
            "--series",
            "CJDCQ",
            "--town",
            "350322104",
            "--per-feature",
            "--page-format",
            "png",
            "--dpi",
            "150",
            "--out",
            folder.to_str().unwrap(),
        ])
    };
    let o = pngs();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let files: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(files.len(), 18, "{files:?}");
    assert!(files.contains(&"柳坑社区.png".to_string()), "{files:?}");
    let img = image::open(folder.join("柳坑社区.png")).unwrap();
    assert_eq!((img.width(), img.height()), (1754, 1240));
    // Run again into the same folder: the pages are replaced, nothing else is there.
    let o = pngs();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read_dir(&folder).unwrap().count(), 18);

    // A page that cannot be written (its name is taken by a folder): the series fails and removes its files;
    // the user's own file stays.
    let folder = dir.path().join("broken");
    std::fs::create_dir_all(folder.join("柳坑社区.pdf")).unwrap();
    std::fs::write(folder.join("mine.txt"), "keep").unwrap();
    let o = yitu(&[
        "layout",
        &project(),
        "--series",
        "村界",
        "--town",
        "350322104",
        "--per-feature",
        "--out",
        folder.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let mut left: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    left.sort();
    assert_eq!(left, ["mine.txt", "柳坑社区.pdf"]);

    // An SVG series needs a folder; a series has no --village; a page field must exist.
    for args in [
        vec!["--series", "村界", "--out", "x.svg"],
        vec![
            "--series",
            "村界",
            "--village",
            "350322104001",
            "--out",
            "x.pdf",
        ],
        vec!["--per-feature", "--out", "x.pdf"],
    ] {
        let mut a = vec!["layout", project().leak()];
        a.extend(args);
        assert_eq!(yitu(&a).status.code(), Some(2), "{a:?}");
    }
    let o = yitu(&[
        "layout",
        &project(),
        "--series",
        "村界",
        "--name-field",
        "NOPE",
        "--out",
        dir.path().join("n.pdf").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("NOPE"));
    assert!(!dir.path().join("n.pdf").exists());
}

/// A layer without a CRS (a shapefile without its .prj, copied by ogr2ogr into the GeoPackage) is left out of the
/// map with a note naming it; the rest is still drawn.
#[test]
fn a_layer_without_a_crs_is_left_out_and_said() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("t.gpkg");
    let shp = dir.path().join("v.shp");
    let sample = common::root().join("sample-data/xianyou_sample.gpkg");
    let ogr = |args: &[&str]| Command::new("ogr2ogr").args(args).output();
    let Ok(o) = ogr(&[
        "-f",
        "GPKG",
        gpkg.to_str().unwrap(),
        sample.to_str().unwrap(),
        "CJDCQ",
    ]) else {
        common::skip("layout: layer without CRS", "ogr2ogr not installed");
        return;
    };
    assert!(o.status.success());
    assert!(
        ogr(&[shp.to_str().unwrap(), sample.to_str().unwrap(), "XZQ"])
            .unwrap()
            .status
            .success()
    );
    std::fs::remove_file(dir.path().join("v.prj")).unwrap();
    assert!(ogr(&[
        "-update",
        "-nln",
        "无坐标",
        gpkg.to_str().unwrap(),
        shp.to_str().unwrap()
    ])
    .unwrap()
    .status
    .success());
    let out = dir.path().join("m.pdf");
    let o = yitu(&[
        "layout",
        gpkg.to_str().unwrap(),
        "--template",
        "A4横版草图",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("未画出") && err.contains("无坐标"), "{err}");
    assert!(out.exists());
}

/// A fixed scale (1:N, with thousands separators) and the national series' next standard scale: the scale text
/// of the map says the scale asked for; a scale that is not a number is refused.
#[test]
fn fixed_and_standard_scales() {
    let dir = tempfile::tempdir().unwrap();
    for (asked, shown) in [("1:50,000", "1:50,000"), ("standard", "1:250,000")] {
        let out = dir.path().join("s.pdf");
        let o = yitu(&[
            "layout",
            &project(),
            "--town",
            "350322104",
            "--scale",
            asked,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let n = shown.trim_start_matches("1:").replace(',', "");
        assert!(
            String::from_utf8_lossy(&o.stdout).contains(&format!("1:{n}")),
            "{}",
            String::from_utf8_lossy(&o.stdout)
        );
        match Command::new("pdftotext").arg(&out).arg("-").output() {
            Ok(t) => assert!(String::from_utf8_lossy(&t.stdout).contains(shown)),
            Err(_) => common::skip("layout scales: PDF text", "pdftotext not installed"),
        }
    }
    let o = yitu(&[
        "layout",
        &project(),
        "--scale",
        "1:0",
        "--out",
        dir.path().join("x.pdf").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
}

/// A template with a picture (a logo written by the image crate), an attribute table of the villages shown and a
/// land-use chart: the table's values and the chart's classes are text in the PDF, the logo's colour is on the
/// PNG, and a picture that cannot be read is said before export.
#[test]
fn picture_table_and_chart_items() {
    let dir = tempfile::tempdir().unwrap();
    let logo = dir.path().join("logo.png");
    image::RgbImage::from_pixel(40, 20, image::Rgb([10, 120, 200]))
        .save(&logo)
        .unwrap();
    let template = dir.path().join("t.json");
    let json = format!(
        r#"{{"name":"带表的图","page":{{"paper":"a4","landscape":false,"margin_mm":10}},"items":[
            {{"rect":{{"x":10,"y":10,"w":190,"h":120}},"type":"map","grid":true}},
            {{"rect":{{"x":10,"y":135,"w":95,"h":80}},"type":"table","layer":"村界","fields":["ZLDWMC","ZLDWDM"]}},
            {{"rect":{{"x":110,"y":135,"w":90,"h":80}},"type":"chart"}},
            {{"rect":{{"x":170,"y":260,"w":30,"h":20}},"type":"image","path":{:?}}},
            {{"rect":{{"x":10,"y":260,"w":30,"h":20}},"type":"image","path":"/nonexistent/logo.png"}}]}}"#,
        logo.display().to_string()
    );
    std::fs::write(&template, json).unwrap();
    let (pdf, png) = (dir.path().join("t.pdf"), dir.path().join("t.png"));
    for out in [&pdf, &png] {
        let o = yitu(&[
            "layout",
            &project(),
            "--template",
            template.to_str().unwrap(),
            "--town",
            "350322104",
            "--dpi",
            "150",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("/nonexistent/logo.png"),
            "the unreadable picture is said"
        );
    }
    match Command::new("pdftotext").arg(&pdf).arg("-").output() {
        Ok(t) => {
            let text = String::from_utf8_lossy(&t.stdout).to_string();
            for s in [
                "ZLDWMC",
                "柳坑社区",
                "350322104001",
                "土地利用构成（亩）",
                "乔木林地",
            ] {
                assert!(text.contains(s), "{s} not in the PDF");
            }
        }
        Err(_) => common::skip("layout items: PDF text", "pdftotext not installed"),
    }
    // The logo sits at 170–200 × 260–280 mm: its centre pixel is its colour.
    let img = image::open(&png).unwrap().to_rgb8();
    let px = img.get_pixel((185.0 / 25.4 * 150.0) as u32, (270.0 / 25.4 * 150.0) as u32);
    assert_eq!(px.0, [10, 120, 200]);
}

/// The legend's class areas on each village page of a series agree with the village file's land use (TBDLMJ with
/// parcels that cross a boundary apportioned by area share), village by village, to the 0.1 亩 printed.
#[test]
fn legend_areas_agree_with_the_village_file() {
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("t.json");
    std::fs::write(
        &template,
        r#"{"name":"面积图例","page":{"paper":"a4","landscape":false,"margin_mm":10},"items":[
            {"rect":{"x":10,"y":20,"w":190,"h":150},"type":"map"},
            {"rect":{"x":10,"y":5,"w":190,"h":12},"type":"text","text":"页：{title}","size_pt":14},
            {"rect":{"x":10,"y":175,"w":190,"h":110},"type":"legend","areas":true}]}"#,
    )
    .unwrap();
    let pdf = dir.path().join("s.pdf");
    let o = yitu(&[
        "layout",
        &project(),
        "--template",
        template.to_str().unwrap(),
        "--series",
        "村界",
        "--town",
        "350322104",
        "--title",
        "{name}",
        "--out",
        pdf.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let Ok(t) = Command::new("pdftotext").arg(&pdf).arg("-").output() else {
        common::skip("legend areas", "pdftotext not installed");
        return;
    };
    let text = String::from_utf8_lossy(&t.stdout).to_string();
    let o = yitu(&["profile", &project(), "--town", "350322104"]);
    assert!(o.status.success());
    let profiles: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut checked = 0;
    for page in text.split('\u{c}').filter(|p| p.contains("页：")) {
        let name = page
            .lines()
            .find_map(|l| l.trim().strip_prefix("页："))
            .unwrap()
            .trim();
        let v = profiles
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == name)
            .unwrap_or_else(|| panic!("{name} in the village file"));
        for line in page.lines().filter(|l| l.trim_end().ends_with(" 亩")) {
            let words: Vec<&str> = line.split_whitespace().collect();
            let (code, mu) = (words[0], words[words.len() - 2]);
            let want = v["landuse_mu"][code].as_f64().unwrap_or(0.0);
            let got: f64 = mu.parse().unwrap();
            assert!(
                (got - want).abs() <= 0.051,
                "{name} {code}: legend {got}, village file {want:.2}"
            );
            checked += 1;
        }
    }
    assert!(checked > 18 * 5, "{checked} classes checked");
}

/// Templates no export can draw are refused with the reason before anything is read (a helper's crash: a map frame
/// at 1e308 mm), a template saved with a byte-order mark is read, a template file that is missing is said to be
/// missing, a table naming a missing field is said, and a point's page is not drawn at 1:7.
#[test]
fn bad_templates_are_refused_and_odd_ones_read() {
    let dir = tempfile::tempdir().unwrap();
    let run = |json: &str, extra: &[&str]| {
        let t = dir.path().join("t.json");
        std::fs::write(&t, json).unwrap();
        let out = dir.path().join("o.pdf");
        let _ = std::fs::remove_file(&out);
        let mut args = vec![
            "layout".to_string(),
            project(),
            "--template".into(),
            t.display().to_string(),
            "--out".into(),
            out.display().to_string(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let a: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
        let o = yitu(&a);
        (o, out.exists())
    };
    let page = r#""page":{"paper":"a4","landscape":false,"margin_mm":10}"#;
    for items in [
        r#"{"rect":{"x":1e308,"y":10,"w":1e308,"h":100},"type":"map"}"#,
        r#"{"rect":{"x":10,"y":10,"w":-100,"h":-50},"type":"map"}"#,
        r#"{"rect":{"x":5000,"y":10,"w":100,"h":50},"type":"map"}"#,
        r#"{"rect":{"x":10,"y":10,"w":100,"h":50},"type":"map"},{"rect":{"x":10,"y":70,"w":100,"h":20},"type":"text","text":"x","size_pt":0}"#,
        r#"{"rect":{"x":10,"y":10,"w":100,"h":50},"type":"text","text":"没有地图","size_pt":12}"#,
    ] {
        let (o, written) = run(&format!(r#"{{"name":"t",{page},"items":[{items}]}}"#), &[]);
        assert_eq!(
            o.status.code(),
            Some(2),
            "{items}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(!written);
    }
    let (o, _) = run(
        r#"{"name":"t","page":{"paper":{"custom":{"width_mm":100000,"height_mm":100000}},"landscape":false,"margin_mm":10},"items":[]}"#,
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("5080"));
    // A byte-order mark, a table with a field that is not there.
    let (o, written) = run(
        &format!(
            "\u{feff}{{\"name\":\"t\",{page},\"items\":[{{\"rect\":{{\"x\":10,\"y\":10,\"w\":190,\"h\":150}},\"type\":\"map\"}},{{\"rect\":{{\"x\":10,\"y\":170,\"w\":190,\"h\":50}},\"type\":\"table\",\"layer\":\"村界\",\"fields\":[\"NOPE\"]}}]}}"
        ),
        &[],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(written);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("NOPE") && err.contains("ZLDWMC"), "{err}");
    // A template file that is not there.
    let o = yitu(&[
        "layout",
        &project(),
        "--template",
        "/nonexistent/t.json",
        "--out",
        dir.path().join("x.pdf").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("不存在"));
    // A series over points: each page shows at least 500 m of ground, not 1:7.
    let o = yitu(&[
        "layout",
        &project(),
        "--series",
        "企业",
        "--out",
        dir.path().join("p.pdf").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let Ok(t) = Command::new("pdftotext")
        .arg(dir.path().join("p.pdf"))
        .arg("-")
        .output()
    else {
        return;
    };
    let text = String::from_utf8_lossy(&t.stdout).to_string();
    let scales: Vec<u64> = text
        .split("1:")
        .skip(1)
        .filter_map(|s| {
            s.chars()
                .take_while(|c| c.is_ascii_digit() || *c == ',')
                .filter(|c| *c != ',')
                .collect::<String>()
                .parse()
                .ok()
        })
        .collect();
    assert!(!scales.is_empty());
    assert!(scales.iter().all(|s| *s > 1000), "{scales:?}");
}

/// The village report checks what it can before reading: a PDF needs --out (exit 2), a basemap named must open
/// (exit 1, said).
#[test]
fn the_village_report_checks_its_parameters_first() {
    let dir = tempfile::tempdir().unwrap();
    let o = yitu(&[
        "profile",
        &project(),
        "--village",
        "350322104001",
        "--format",
        "pdf",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--out"));
    let out = dir.path().join("v.pdf");
    let o = yitu(&[
        "profile",
        &project(),
        "--village",
        "350322104001",
        "--format",
        "pdf",
        "--basemap",
        "/nonexistent/basemap.mbtiles",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("basemap.mbtiles"));
    assert!(!out.exists());
}

/// The example templates shipped with the sample read and validate, and their texts are in the shipped font.
#[test]
fn the_example_templates_are_valid() {
    let dir = common::root().join("sample-data/layouts");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "json") {
            let l = yitu::core::model::layout::template(p.to_str().unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            let problems = yitu::core::output::layout::preflight(&l);
            assert!(problems.is_empty(), "{}: {problems:?}", p.display());
            n += 1;
        }
    }
    assert!(n >= 1);
}

/// A graduated layer's legend says what its classes measure, by the user's alias of the field with its unit (issue
/// 15 §3): `村界 · 村域面积 (m²)` above the classes.
#[test]
fn a_graduated_legend_is_headed_by_the_fields_alias_and_unit() {
    use yitu::core::io::project::Project;
    let dir = tempfile::tempdir().unwrap();
    let mut p = Project::load(std::path::Path::new(&project())).unwrap();
    let v = p.layers.iter_mut().find(|l| l.layer == "CJDCQ").unwrap();
    let layer = yitu::core::io::read::load_layer(
        &v.path,
        Some("CJDCQ"),
        &yitu::core::model::progress::Progress::new(),
    )
    .unwrap();
    v.style.symbology = yitu::core::model::style::graduated_for(&layer.attrs, "DCMJ", 4);
    v.style
        .field_aliases
        .insert("DCMJ".into(), "村域面积".into());
    let saved = dir.path().join("分级.yitu");
    p.save(&saved).unwrap();
    let pdf = dir.path().join("分级.pdf");
    let o = yitu(&[
        "layout",
        saved.to_str().unwrap(),
        "--out",
        pdf.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let Ok(text) = Command::new("pdftotext").arg(&pdf).arg("-").output() else {
        common::skip("layout legend heading", "poppler-utils not installed");
        return;
    };
    let text = String::from_utf8_lossy(&text.stdout).to_string();
    assert!(
        text.contains("村界 · 村域面积 (m²)"),
        "the heading in the legend:\n{text}"
    );
}

//! Print layouts (汇报用图): a page with items — map frames, legend, scale bar, north arrow, text — placed in
//! millimetres from the page's top-left corner, drawn onto any [`Canvas`] (the vector PDF in [`pdf`]; later the
//! designer, SVG and PNG). Templates are JSON files of [`Layout`]; [`presets`] are the shipped ones, carrying the
//! elements an official map shows (图名, 图例, 指北针, 比例尺, 坐标系, 制图单位, 制图日期, 数据来源).
//!
//! Maps are drawn in a projected print CRS — the data's Gauss-Krüger zone, or the CGCS2000 3-degree zone of the
//! data's centre for geographic or Web Mercator data ([`crate::core::analysis::profile::analysis_crs_of`]) — so the
//! scale bar and the 1:N scale are true (Web Mercator's scale at Putian's latitude is 10 % off).

pub mod basemap;
pub mod draw;
pub mod items;
pub mod pdf;
pub mod png;
pub mod record;
pub mod series;
pub mod svg;

pub use crate::core::model::layout::*;

/// The layout's problems before export (pre-flight), in Chinese and English: an element an official map must
/// show that is missing, a character of its texts the shipped font cannot draw. Empty when ready.
pub fn preflight(layout: &Layout) -> Vec<String> {
    let mut out = vec![];
    if let Err(e) = layout.validate() {
        out.push(e);
    }
    let (pw, ph) = layout.page.size_mm();
    for (i, it) in layout.items.iter().enumerate() {
        let r = it.rect;
        if r.x < -0.01 || r.y < -0.01 || r.x + r.w > pw + 0.01 || r.y + r.h > ph + 0.01 {
            out.push(format!(
                "第 {} 个要素超出纸张，将被裁切 / item {} reaches beyond the page and is cut",
                i + 1,
                i + 1
            ));
        }
    }
    let texts: Vec<&str> = layout
        .items
        .iter()
        .filter_map(|i| match &i.kind {
            ItemKind::Text { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    let has = |f: &dyn Fn(&ItemKind) -> bool| layout.items.iter().any(|i| f(&i.kind));
    let text_has = |v: &str| texts.iter().any(|t| t.contains(v));
    let present = [
        text_has("{title}"),
        has(&|k| matches!(k, ItemKind::Legend { .. })),
        has(&|k| matches!(k, ItemKind::NorthArrow { .. })),
        has(&|k| matches!(k, ItemKind::ScaleBar { .. })),
        text_has("{crs}"),
        text_has("{unit}"),
        text_has("{date}"),
        text_has("{sources}"),
    ];
    for ((zh, en), ok) in OFFICIAL_ELEMENTS.iter().zip(present) {
        if !ok {
            out.push(format!("缺少{zh} / no {en}"));
        }
    }
    if !has(&|k| matches!(k, ItemKind::Map { .. })) {
        out.push("没有地图框 / no map frame".into());
    }
    for i in &layout.items {
        if let ItemKind::Image { path } = &i.kind {
            if let Err(e) = items::load_picture(path) {
                out.push(e);
            }
        }
    }
    for t in texts {
        let missing: String = t
            .chars()
            .filter(|c| !c.is_whitespace() && !c.is_control() && !draw::has_glyph(*c))
            .collect();
        if !missing.is_empty() {
            out.push(format!(
                "字体中没有这些字：{missing} / the font has no glyph for: {missing}"
            ));
        }
    }
    out
}

/// The problems of `layout` with `data` before export: layers its maps leave out for want of a CRS, legend classes
/// with characters the shipped font cannot draw. Empty when ready. (With [`preflight`], the whole check.)
pub fn preflight_data(layout: &Layout, data: &draw::MapData) -> Vec<String> {
    let mut out = vec![];
    let has_map = layout
        .items
        .iter()
        .any(|i| matches!(i.kind, ItemKind::Map { .. }));
    if has_map {
        for name in &data.without_crs {
            out.push(format!(
                "图层 {name} 没有坐标系，地图中未画出 / layer {name} has no CRS: the maps leave it out"
            ));
        }
    }
    for it in &layout.items {
        if let ItemKind::Table { layer, fields, .. } = &it.kind {
            let found = data
                .layers
                .iter()
                .find(|l| &l.name == layer || l.layer.source.layer.eq_ignore_ascii_case(layer));
            match found {
                None => {
                    let names: Vec<&str> = data.layers.iter().map(|l| l.name.as_str()).collect();
                    out.push(format!(
                        "属性表的图层 {layer} 不存在；可用：{} / the table's layer {layer} does not exist; there are: {}",
                        names.join("、"),
                        names.join(", ")
                    ));
                }
                Some(l) => {
                    let missing: Vec<&str> = fields
                        .iter()
                        .filter(|f| l.layer.attrs.field_index(f).is_none())
                        .map(|f| f.as_str())
                        .collect();
                    if !missing.is_empty() {
                        let have: Vec<&str> = l
                            .layer
                            .attrs
                            .fields
                            .iter()
                            .map(|f| f.name.as_str())
                            .collect();
                        out.push(format!(
                            "属性表的图层 {layer} 没有字段 {}；有：{} / the table's layer {layer} has no field {}; it has: {}",
                            missing.join("、"),
                            have.join("、"),
                            missing.join(", "),
                            have.join(", ")
                        ));
                    }
                }
            }
        }
    }
    let has_legend = layout
        .items
        .iter()
        .any(|i| matches!(i.kind, ItemKind::Legend { .. }));
    if has_legend {
        for l in data.layers.iter() {
            let labels: Vec<String> = match &l.style.symbology {
                crate::core::model::style::Symbology::Categorized { categories, .. } => {
                    categories.iter().map(|c| c.label.clone()).collect()
                }
                _ => vec![l.name.clone()],
            };
            let missing: std::collections::BTreeSet<char> = labels
                .iter()
                .flat_map(|t| t.chars())
                .filter(|c| !c.is_whitespace() && !draw::has_glyph(*c))
                .collect();
            if !missing.is_empty() {
                let m: String = missing.into_iter().collect();
                out.push(format!(
                    "图例中图层 {} 的类别有字体中没有的字：{m} / legend classes of layer {} have characters the font lacks: {m}",
                    l.name, l.name
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formal_presets_pass_preflight_and_drafts_say_what_they_lack() {
        let ps = presets();
        assert_eq!(ps.len(), 8);
        for l in &ps {
            let p = preflight(l);
            // Every string of every template has its glyphs in the shipped font.
            assert!(!p.iter().any(|m| m.contains("字体")), "{}: {p:?}", l.name);
            if l.name.contains("正式") {
                assert!(p.is_empty(), "{}: {p:?}", l.name);
            } else {
                assert!(p.iter().any(|m| m.contains("坐标系")), "{}: {p:?}", l.name);
            }
            // Items stay on the page.
            let (w, h) = l.page.size_mm();
            for i in &l.items {
                assert!(i.rect.x >= 0.0 && i.rect.y >= 0.0, "{}", l.name);
                assert!(
                    i.rect.x + i.rect.w <= w + 0.01 && i.rect.y + i.rect.h <= h + 0.01,
                    "{}",
                    l.name
                );
            }
            // A template survives JSON.
            let back: Layout = serde_json::from_str(&serde_json::to_string(l).unwrap()).unwrap();
            assert_eq!(&back, l);
        }
    }

    #[test]
    fn the_engines_own_words_are_in_the_font() {
        for t in [
            "位置示意图",
            "图例",
            "土地利用构成（亩）",
            "其他地类",
            "图片无法读取",
            "…… 另有 3 行",
            "0 500 米 1 千米 1:25,000",
            "北",
            "本村村界 相邻村界 地类按第三次全国国土调查图式配色",
            "基本情况 提示 耕地一本账 土地利用（三调） 产业与管控 部门指标 数据来源：",
            "（范围内没有地类图斑）",
        ] {
            let missing: String = t
                .chars()
                .filter(|c| !c.is_whitespace() && !draw::has_glyph(*c))
                .collect();
            assert!(missing.is_empty(), "{t}: {missing}");
        }
    }

    #[test]
    fn standard_scales_round_up_to_the_national_series() {
        assert_eq!(standard_scale(134_041.0), 250_000.0);
        assert_eq!(standard_scale(10_000.0), 10_000.0);
        assert_eq!(standard_scale(321.0), 500.0);
        assert_eq!(standard_scale(1_300_000.0), 2_000_000.0);
        assert_eq!(standard_scale(4_100_000.0), 5_000_000.0);
    }

    #[test]
    fn preflight_finds_a_missing_glyph() {
        let mut l = presets().remove(0);
        l.items.push(Item {
            rect: Rect {
                x: 0.0,
                y: 0.0,
                w: 10.0,
                h: 10.0,
            },
            kind: ItemKind::Text {
                text: "𠀀".into(),
                size_pt: 10.0,
                align: Align::Left,
            },
            frame: false,
            background: None,
        });
        assert!(preflight(&l).iter().any(|m| m.contains("𠀀")));
    }

    #[test]
    fn long_text_shrinks_then_breaks_to_fit_its_box() {
        let title =
            "仙游县鲤南镇二〇二六年度土地利用现状与永久基本农田保护情况汇报用图（征求意见稿）";
        let (size, lines) = draw::fit_lines(title, 20.0, 120.0);
        assert!((12.0..20.0).contains(&size), "{size}");
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), title);
        for l in &lines {
            assert!(draw::text_width_mm(l, size) <= 120.0 + 0.01, "{l}");
        }
        // A closing bracket does not start a line; an EPSG code is not split.
        let crs = "2000国家大地坐标系 高斯-克吕格投影 3度带 中央经线120°E（EPSG:4528）";
        for w in [60.0, 70.0, 80.0, 90.0, 100.0] {
            let (_, lines) = draw::fit_lines(crs, 9.0, w);
            assert_eq!(lines.concat(), crs);
            for l in &lines[..lines.len() - 1] {
                assert!(!l.ends_with('（'), "{lines:?}");
            }
            for l in &lines[1..] {
                assert!(!l.starts_with('）'), "{lines:?}");
                assert!(!l.starts_with(|c: char| c.is_ascii_digit()), "{lines:?}");
            }
        }
        // Short text keeps its size and its line.
        assert_eq!(
            draw::fit_lines("图例", 11.0, 40.0),
            (11.0, vec!["图例".to_string()])
        );
    }
}

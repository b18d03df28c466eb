//! Print layouts as data: a page (paper, orientation, margins) and items placed in millimetres from its top-left
//! corner (map frames, legend, scale bar, north arrow, text with variables), serialised as JSON templates and kept
//! in projects; the shipped [`presets`]. Drawing them is [`crate::core::output::layout`].

use super::style::Rgba;
use serde::{Deserialize, Serialize};

/// Paper sizes (ISO 216), portrait width × height in mm.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Paper {
    /// 210 × 297.
    A4,
    /// 297 × 420.
    A3,
    /// 420 × 594.
    A2,
    /// 594 × 841.
    A1,
    /// 841 × 1189.
    A0,
    /// Any size, portrait width × height in mm.
    Custom {
        /// Width, mm.
        width_mm: f32,
        /// Height, mm.
        height_mm: f32,
    },
}

impl Paper {
    /// Portrait width and height in mm.
    pub fn portrait_mm(self) -> (f32, f32) {
        match self {
            Paper::A4 => (210.0, 297.0),
            Paper::A3 => (297.0, 420.0),
            Paper::A2 => (420.0, 594.0),
            Paper::A1 => (594.0, 841.0),
            Paper::A0 => (841.0, 1189.0),
            Paper::Custom {
                width_mm,
                height_mm,
            } => (width_mm, height_mm),
        }
    }
}

/// The page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page {
    /// Paper.
    pub paper: Paper,
    /// Landscape (width > height).
    pub landscape: bool,
    /// Margin on every side, mm.
    pub margin_mm: f32,
}

impl Page {
    /// Width and height in mm as printed.
    pub fn size_mm(&self) -> (f32, f32) {
        let (w, h) = self.paper.portrait_mm();
        if self.landscape {
            (h, w)
        } else {
            (w, h)
        }
    }
}

/// A rectangle on the page: left, top, width, height in mm.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rect {
    /// Left edge, mm from the page's left.
    pub x: f32,
    /// Top edge, mm from the page's top.
    pub y: f32,
    /// Width, mm.
    pub w: f32,
    /// Height, mm.
    pub h: f32,
}

/// Text alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Align {
    /// Left.
    #[default]
    Left,
    /// Centred.
    Center,
    /// Right.
    Right,
}

/// What an item is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ItemKind {
    /// A map frame: the layers (bottom first, all visible ones when empty) fitted to the run's extent.
    Map {
        /// Layer names to draw (empty: every visible layer of the project).
        #[serde(default)]
        layers: Vec<String>,
        /// A coordinate grid in the print CRS (公里网: lines every round number of km, or of 100 m on large
        /// scales), labelled in km along the frame's top and left edges.
        #[serde(default)]
        grid: bool,
        /// A fixed scale denominator N (1:N), centred on the run's extent; none: the extent fitted to the frame.
        #[serde(default)]
        scale: Option<f64>,
    },
    /// A locator map (位置示意图) of map frame `map`: the whole area of the data (the county, or the town) with the
    /// towns or villages outlined and the frame's extent marked in red. Never a map of all China.
    Locator {
        /// Index of the map frame among the map items.
        #[serde(default)]
        map: usize,
    },
    /// The legend of map frame `map` (index among the map items): only the classes drawn in it.
    Legend {
        /// Index of the map frame among the map items.
        #[serde(default)]
        map: usize,
        /// Heading (default 图例).
        #[serde(default)]
        heading: Option<String>,
        /// Each 三调 class with its area in the map's area (亩, from TBDLMJ), as the land-use chart counts it.
        #[serde(default)]
        areas: bool,
    },
    /// Scale bar and numeric scale 1:N of map frame `map`.
    ScaleBar {
        /// Index of the map frame among the map items.
        #[serde(default)]
        map: usize,
    },
    /// North arrow pointing to true north at the centre of map frame `map`.
    NorthArrow {
        /// Index of the map frame among the map items.
        #[serde(default)]
        map: usize,
    },
    /// A picture (a unit's logo): PNG or JPEG, kept in proportion and centred in the item.
    Image {
        /// Path of the picture file.
        path: String,
    },
    /// An attribute table of the features of `layer` shown in map frame `map`: the chosen fields (or the first
    /// four), as many rows as fit, sorted by the first field; the rows left out are counted under the table.
    Table {
        /// The layer (its name in the project, or its source layer's name).
        layer: String,
        /// Fields to show (empty: the first four).
        #[serde(default)]
        fields: Vec<String>,
        /// Index of the map frame among the map items.
        #[serde(default)]
        map: usize,
    },
    /// A chart of the land use (三调 classes by TBDLMJ, in 亩) of the parcels within map frame `map`'s area: the
    /// highlighted feature (a series page) or the run's extent.
    Chart {
        /// Index of the map frame among the map items.
        #[serde(default)]
        map: usize,
    },
    /// Text with variables: `{title}`, `{date}`, `{scale}`, `{crs}`, `{unit}`, `{sources}`, `{number}`.
    Text {
        /// The text (several lines with `\n`).
        text: String,
        /// Size in points.
        size_pt: f32,
        /// Alignment in its box.
        #[serde(default)]
        align: Align,
    },
}

/// One item on the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Where it is.
    pub rect: Rect,
    /// What it is.
    #[serde(flatten)]
    pub kind: ItemKind,
    /// A thin frame around it.
    #[serde(default)]
    pub frame: bool,
    /// Background colour (none: transparent).
    #[serde(default)]
    pub background: Option<Rgba>,
}

/// A layout: a page and its items, drawn in order (later items on top).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    /// Name (the template's name: `A4横版正式`).
    pub name: String,
    /// The page.
    pub page: Page,
    /// Items, bottom first.
    pub items: Vec<Item>,
    /// Map frames without a fixed scale take the next standard scale ([`STANDARD_SCALES`]) at which their extent
    /// fits, instead of the exact fit.
    #[serde(default)]
    pub standard_scale: bool,
}

/// Values of the text variables of one export.
#[derive(Debug, Clone, Default)]
pub struct Variables {
    /// 图名.
    pub title: String,
    /// 制图日期 (YYYY-MM-DD).
    pub date: String,
    /// 制图单位.
    pub unit: String,
    /// 数据来源 (files and versions).
    pub sources: String,
    /// 图件编号.
    pub number: String,
}

/// The elements an official map (正式图) must show, with what satisfies each: (Chinese, English, test).
pub const OFFICIAL_ELEMENTS: [(&str, &str); 8] = [
    ("图名", "title"),
    ("图例", "legend"),
    ("指北针", "north arrow"),
    ("比例尺", "scale bar"),
    ("坐标系", "coordinate system"),
    ("制图单位", "mapping unit"),
    ("制图日期", "date"),
    ("数据来源", "data sources"),
];

fn item(x: f32, y: f32, w: f32, h: f32, kind: ItemKind) -> Item {
    Item {
        rect: Rect { x, y, w, h },
        kind,
        frame: false,
        background: None,
    }
}

fn text(x: f32, y: f32, w: f32, h: f32, t: &str, size_pt: f32, align: Align) -> Item {
    item(
        x,
        y,
        w,
        h,
        ItemKind::Text {
            text: t.into(),
            size_pt,
            align,
        },
    )
}

/// A formal layout on `paper`: title on top, the map frame, the legend beside it (landscape) or below it
/// (portrait), north arrow, scale bar, and the footer (坐标系, 制图单位, 制图日期, 数据来源).
fn formal(name: &str, paper: Paper, landscape: bool) -> Layout {
    let page = Page {
        paper,
        landscape,
        margin_mm: 10.0,
    };
    let (w, h) = page.size_mm();
    let m = page.margin_mm;
    let k = w.min(h) / 210.0; // sizes grow with the paper
    let title_h = 16.0 * k;
    let footer_h = 14.0 * k;
    let mut items = vec![text(
        m,
        m,
        w - 2.0 * m,
        title_h,
        "{title}",
        22.0 * k,
        Align::Center,
    )];
    let top = m + title_h + 2.0;
    let bottom = h - m - footer_h;
    let (map, legend) = if landscape {
        let lw = 52.0 * k;
        (
            Rect {
                x: m,
                y: top,
                w: w - 2.0 * m - lw - 4.0,
                h: bottom - top - 2.0,
            },
            Rect {
                x: w - m - lw,
                y: top,
                w: lw,
                h: bottom - top - 2.0,
            },
        )
    } else {
        let lh = 48.0 * k;
        (
            Rect {
                x: m,
                y: top,
                w: w - 2.0 * m,
                h: bottom - top - lh - 4.0,
            },
            Rect {
                x: m,
                y: bottom - lh - 2.0,
                w: w - 2.0 * m,
                h: lh,
            },
        )
    };
    let mut frame = item(
        map.x,
        map.y,
        map.w,
        map.h,
        ItemKind::Map {
            layers: vec![],
            grid: true,
            scale: None,
        },
    );
    frame.frame = true;
    items.push(frame);
    // The locator at the foot of the legend column (landscape) or the right end of the legend band (portrait).
    let (legend, locator) = if landscape {
        let lh = legend.w * 0.8;
        (
            Rect {
                h: legend.h - lh - 3.0,
                ..legend
            },
            Rect {
                y: legend.y + legend.h - lh,
                h: lh,
                ..legend
            },
        )
    } else {
        let lw = legend.h * 1.25;
        (
            Rect {
                w: legend.w - lw - 3.0,
                ..legend
            },
            Rect {
                x: legend.x + legend.w - lw,
                w: lw,
                ..legend
            },
        )
    };
    let mut loc = item(
        locator.x,
        locator.y,
        locator.w,
        locator.h,
        ItemKind::Locator { map: 0 },
    );
    loc.frame = true;
    loc.background = Some(Rgba([255, 255, 255, 255]));
    items.push(loc);
    let mut lg = item(
        legend.x,
        legend.y,
        legend.w,
        legend.h,
        ItemKind::Legend {
            map: 0,
            heading: None,
            areas: false,
        },
    );
    lg.frame = true;
    lg.background = Some(Rgba([255, 255, 255, 235]));
    items.push(lg);
    let na = 14.0 * k;
    let mut arrow = item(
        map.x + map.w - na - 4.0,
        map.y + 4.0,
        na,
        na * 1.4,
        ItemKind::NorthArrow { map: 0 },
    );
    arrow.background = Some(Rgba([255, 255, 255, 200]));
    items.push(arrow);
    let mut bar = item(
        map.x + 4.0,
        map.y + map.h - 16.0 * k,
        70.0 * k,
        12.0 * k,
        ItemKind::ScaleBar { map: 0 },
    );
    bar.background = Some(Rgba([255, 255, 255, 210]));
    items.push(bar);
    items.push(text(
        m,
        h - m - footer_h + 2.0,
        (w - 2.0 * m) * 0.5,
        footer_h,
        "坐标系：{crs}\n数据来源：{sources}",
        7.5 * k,
        Align::Left,
    ));
    items.push(text(
        m + (w - 2.0 * m) * 0.5,
        h - m - footer_h + 2.0,
        (w - 2.0 * m) * 0.5,
        footer_h,
        "制图单位：{unit}\n制图日期：{date}　图件编号：{number}",
        7.5 * k,
        Align::Right,
    ));
    Layout {
        name: name.into(),
        page,
        items,
        standard_scale: false,
    }
}

/// The largest page side, mm: 200 inches, the PDF's own limit (14 400 pt).
pub const MAX_PAGE_MM: f32 = 5080.0;

impl Layout {
    /// Checks what no export can draw, in Chinese and English: a page that is not finite, smaller than 10 mm or
    /// larger than [`MAX_PAGE_MM`]; margins of half the page or more; an item whose place or size is not a finite
    /// positive number, or that lies wholly off the page; text sizes outside 2–500 pt; a fixed map scale below 1.
    pub fn validate(&self) -> Result<(), String> {
        let (w, h) = self.page.size_mm();
        if !(w.is_finite()
            && h.is_finite()
            && (10.0..=MAX_PAGE_MM).contains(&w)
            && (10.0..=MAX_PAGE_MM).contains(&h))
        {
            return Err(format!(
                "纸张 {w} × {h} mm 无效：每边应在 10 至 {MAX_PAGE_MM} mm 之间 / the paper {w} × {h} mm is invalid: each side must be 10 to {MAX_PAGE_MM} mm"
            ));
        }
        let m = self.page.margin_mm;
        if !(m.is_finite() && m >= 0.0 && m < w.min(h) / 2.0) {
            return Err(format!("页边距 {m} mm 无效 / the margin {m} mm is invalid"));
        }
        for (i, it) in self.items.iter().enumerate() {
            let r = it.rect;
            let n = i + 1;
            if ![r.x, r.y, r.w, r.h]
                .iter()
                .all(|v| v.is_finite() && v.abs() <= MAX_PAGE_MM)
                || r.w < 1.0
                || r.h < 1.0
            {
                return Err(format!(
                    "第 {n} 个要素的位置或大小无效（x {}, y {}, 宽 {}, 高 {} mm；宽高 1 至 5080 mm）/ item {n} has an invalid place or size (x {}, y {}, w {}, h {} mm; 1 to 5080 mm wide and high)",
                    r.x, r.y, r.w, r.h, r.x, r.y, r.w, r.h
                ));
            }
            if r.x >= w || r.y >= h || r.x + r.w <= 0.0 || r.y + r.h <= 0.0 {
                return Err(format!(
                    "第 {n} 个要素完全在纸张之外（纸张 {w} × {h} mm）/ item {n} lies wholly off the page ({w} × {h} mm)"
                ));
            }
            match &it.kind {
                ItemKind::Text { size_pt, .. } if !(2.0..=500.0).contains(size_pt) => {
                    return Err(format!(
                        "第 {n} 个要素的字号 {size_pt} pt 无效（2–500）/ item {n} has an invalid text size {size_pt} pt (2–500)"
                    ));
                }
                ItemKind::Map { scale: Some(s), .. }
                    if !(s.is_finite() && (1.0..=1e9).contains(s)) =>
                {
                    return Err(format!(
                        "第 {n} 个要素的比例尺 1:{s} 无效 / item {n} has an invalid scale 1:{s}"
                    ));
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// The scales of China's basic scale series of maps (国家基本比例尺地图, GB/T 13989-2012, with the large scales of
/// cadastral and planning maps), denominators ascending.
pub const STANDARD_SCALES: [u32; 11] = [
    500, 1000, 2000, 5000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000,
];

/// The smallest standard scale (largest denominator not needed) that shows everything a fitted scale of 1:`n`
/// shows: the first standard denominator ≥ `n`; beyond 1:1 000 000, `n` rounded up to a round number.
pub fn standard_scale(n: f64) -> f64 {
    if let Some(s) = STANDARD_SCALES.iter().find(|s| **s as f64 >= n) {
        return *s as f64;
    }
    let p = 10f64.powf(n.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|k| k * p)
        .find(|v| *v >= n)
        .unwrap_or(n)
}

/// The shipped templates: A4 and A3, landscape and portrait, 正式 (every official element) and 草图 (title, map,
/// legend, scale bar and north arrow only).
pub fn presets() -> Vec<Layout> {
    let mut out = vec![];
    for (paper, pn) in [(Paper::A4, "A4"), (Paper::A3, "A3")] {
        for (landscape, on) in [(true, "横版"), (false, "竖版")] {
            out.push(formal(&format!("{pn}{on}正式"), paper, landscape));
            let mut draft = formal(&format!("{pn}{on}草图"), paper, landscape);
            draft.items.retain(|i| {
                !matches!(&i.kind, ItemKind::Text { text, .. } if text.contains("{unit}") || text.contains("{crs}"))
                    && !matches!(i.kind, ItemKind::Locator { .. })
            });
            for i in draft.items.iter_mut() {
                if let ItemKind::Map { grid, .. } = &mut i.kind {
                    *grid = false;
                }
            }
            out.push(draft);
        }
    }
    out
}

/// The template called `name`: a shipped preset, or a JSON file of [`Layout`].
pub fn template(name: &str) -> Result<Layout, String> {
    if let Some(l) = presets().into_iter().find(|l| l.name == name) {
        return Ok(l);
    }
    let p = std::path::Path::new(name);
    if p.is_file() {
        let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
        // Notepad saves UTF-8 with a byte-order mark.
        let text = text.trim_start_matches('\u{feff}');
        let l: Layout = serde_json::from_str(text).map_err(|e| {
            format!(
                "版式文件无法读取 / the layout file cannot be read: {}: {e}",
                p.display()
            )
        })?;
        l.validate().map_err(|e| format!("{}：{e}", p.display()))?;
        return Ok(l);
    }
    let looks_like_a_file =
        name.contains(['/', '\\']) || name.to_ascii_lowercase().ends_with(".json");
    if looks_like_a_file {
        return Err(format!(
            "版式文件不存在：{name} / the layout file does not exist: {name}"
        ));
    }
    let names: Vec<String> = presets().into_iter().map(|l| l.name).collect();
    Err(format!(
        "没有版式 {name}；可用：{} / no template {name}; there are: {}",
        names.join("、"),
        names.join(", ")
    ))
}

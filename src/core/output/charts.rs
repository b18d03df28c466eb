//! Charts of a village's file, drawn with plotters into RGB images: the same pictures go into the
//! PDF report and the app's profile panel. Text uses the shipped CJK font.

use crate::core::analysis::profile::{Profiles, VillageProfile, MU_PER_HA, RANKED};
use crate::core::model::landuse;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// An RGB image (`width × height × 3` bytes).
pub struct Chart {
    /// Pixels across.
    pub width: u32,
    /// Pixels down.
    pub height: u32,
    /// RGB bytes, row after row.
    pub rgb: Vec<u8>,
}

/// Area unit of charts and tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AreaUnit {
    /// 亩.
    #[default]
    Mu,
    /// 公顷.
    Hectare,
}

impl AreaUnit {
    /// Converts 亩 into this unit.
    pub fn from_mu(&self, mu: f64) -> f64 {
        match self {
            AreaUnit::Mu => mu,
            AreaUnit::Hectare => mu / MU_PER_HA,
        }
    }

    /// The unit's Chinese name.
    pub fn label(&self) -> &'static str {
        match self {
            AreaUnit::Mu => "亩",
            AreaUnit::Hectare => "公顷",
        }
    }
}

const FAMILY: &str = "sans-serif";

fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, super::text::FONT_BYTES);
    });
}

/// One bar: label, value, colour.
pub type Bar = (String, f64, RGBColor);

/// A horizontal bar chart with labels at the left and values at the bar ends. `reference`
/// draws a dashed vertical line (e.g. 100 % of the town average).
pub fn bar_chart(
    title: &str,
    bars: &[Bar],
    value_fmt: &dyn Fn(f64) -> String,
    reference: Option<f64>,
    width: u32,
    height: u32,
) -> Chart {
    register_font();
    let mut rgb = vec![255u8; (width * height * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let s = (width as f64 / 480.0)
            .min(height as f64 / 320.0)
            .clamp(0.7, 2.5);
        let font = |px: f64| (FAMILY, (px * s) as u32);
        if bars.iter().all(|b| b.1 <= 0.0) {
            // Nothing to compare (a village without farmland): say so instead of an empty axis.
            let centre = |dy: f64| (width as i32 / 2, (height as f64 / 2.0 + dy * s) as i32);
            let style = |px| {
                TextStyle::from(font(px).into_font()).pos(Pos::new(HPos::Center, VPos::Center))
            };
            let _ = root.draw(&Text::new(title.to_string(), centre(-16.0), style(18.0)));
            let _ = root.draw(&Text::new(
                "（均为 0，无可比较的数据）".to_string(),
                centre(14.0),
                style(14.0).color(&RGBColor(110, 110, 110)),
            ));
            let _ = root.present();
            drop(root);
            return Chart { width, height, rgb };
        }
        let max = bars
            .iter()
            .map(|b| b.1)
            .chain(reference)
            .fold(0.0f64, f64::max)
            .max(1e-9)
            * 1.25;
        let n = bars.len().max(1);
        let label_w = (width as f64 * 0.30) as u32;
        let built = ChartBuilder::on(&root)
            .caption(title, font(18.0))
            .margin((8.0 * s) as u32)
            .y_label_area_size(label_w)
            .x_label_area_size((18.0 * s) as u32)
            .build_cartesian_2d(0f64..max, -0.5f64..(n as f64 - 0.5));
        if let Ok(mut chart) = built {
            let _ = chart
                .configure_mesh()
                .disable_y_mesh()
                .disable_y_axis()
                .x_labels(5)
                .x_label_formatter(&|v| value_fmt(*v))
                .label_style(font(12.5))
                .light_line_style(RGBColor(235, 235, 235))
                .draw();
            let _ = chart.draw_series(bars.iter().enumerate().map(|(i, (_, v, c))| {
                let y = (n - 1 - i) as f64;
                Rectangle::new([(0.0, y - 0.36), (v.max(0.0), y + 0.36)], c.filled())
            }));
            if let Some(r) = reference {
                let _ = chart.draw_series(std::iter::once(PathElement::new(
                    vec![(r, -0.5), (r, n as f64 - 0.5)],
                    RGBColor(200, 40, 40).stroke_width(2),
                )));
            }
            for (i, (label, v, _)) in bars.iter().enumerate() {
                let y = (n - 1 - i) as f64;
                let (px, py) = chart.backend_coord(&(0.0, y));
                let (vx, _) = chart.backend_coord(&(v.max(0.0), y));
                let _ = root.draw(&Text::new(
                    label.clone(),
                    (px - (6.0 * s) as i32, py),
                    TextStyle::from(font(14.0).into_font())
                        .pos(Pos::new(HPos::Right, VPos::Center)),
                ));
                let _ = root.draw(&Text::new(
                    value_fmt(*v),
                    (vx + (4.0 * s) as i32, py),
                    TextStyle::from(font(12.5).into_font())
                        .color(&RGBColor(60, 60, 60))
                        .pos(Pos::new(HPos::Left, VPos::Center)),
                ));
            }
        }
        let _ = root.present();
    }
    Chart { width, height, rgb }
}

fn rgb3(c: [u8; 3]) -> RGBColor {
    RGBColor(c[0], c[1], c[2])
}

fn area_fmt(unit: AreaUnit) -> impl Fn(f64) -> String {
    move |v| {
        if v >= 10_000.0 {
            format!("{:.1} 万", v / 10_000.0)
        } else if unit == AreaUnit::Hectare || v < 100.0 {
            format!("{v:.1}")
        } else {
            format!("{v:.0}")
        }
    }
}

/// Land-use composition: the largest classes (三调 colours) and the rest together.
pub fn landuse_chart(v: &VillageProfile, unit: AreaUnit, width: u32, height: u32) -> Chart {
    let mut classes: Vec<(&String, &f64)> = v.landuse_mu.iter().collect();
    classes.sort_by(|a, b| b.1.total_cmp(a.1));
    let mut bars: Vec<Bar> = classes
        .iter()
        .take(8)
        .map(|(code, mu)| {
            let c = landuse::class(code);
            (
                c.map(|c| c.name.to_string())
                    .unwrap_or_else(|| code.to_string()),
                unit.from_mu(**mu),
                c.map(|c| rgb3(c.rgb)).unwrap_or(RGBColor(180, 180, 180)),
            )
        })
        .collect();
    let rest: f64 = classes.iter().skip(8).map(|(_, m)| **m).sum();
    if rest > 0.0 {
        bars.push((
            "其他地类".into(),
            unit.from_mu(rest),
            RGBColor(190, 190, 190),
        ));
    }
    bar_chart(
        &format!("土地利用构成（{}）", unit.label()),
        &bars,
        &area_fmt(unit),
        None,
        width,
        height,
    )
}

/// The farmland ledger as bars.
pub fn ledger_chart(v: &VillageProfile, unit: AreaUnit, width: u32, height: u32) -> Chart {
    let c = |code: &str| {
        rgb3(
            landuse::class(code)
                .map(|c| c.rgb)
                .unwrap_or([200, 200, 200]),
        )
    };
    let bars: Vec<Bar> = vec![
        ("水田".into(), unit.from_mu(v.paddy_mu), c("0101")),
        ("水浇地".into(), unit.from_mu(v.irrigated_mu), c("0102")),
        ("旱地".into(), unit.from_mu(v.dry_mu), c("0103")),
        (
            "耕地合计".into(),
            unit.from_mu(v.farmland_mu),
            RGBColor(230, 170, 60),
        ),
        (
            "永久基本农田".into(),
            unit.from_mu(v.permanent_farmland_mu),
            RGBColor(120, 170, 80),
        ),
        (
            "永农外耕地".into(),
            unit.from_mu(v.farmland_outside_permanent_mu),
            RGBColor(240, 210, 150),
        ),
        (
            "耕地田坎".into(),
            unit.from_mu(v.farmland_ridge_mu),
            RGBColor(200, 170, 130),
        ),
        (
            "可恢复耕地".into(),
            unit.from_mu(v.recoverable_total_mu),
            RGBColor(150, 200, 150),
        ),
    ];
    bar_chart(
        &format!("耕地一本账（{}）", unit.label()),
        &bars,
        &area_fmt(unit),
        None,
        width,
        height,
    )
}

/// The main indicators as a percentage of the town average (100 % = the average village of the
/// town), so that areas, counts and money fit one chart.
pub fn town_chart(all: &Profiles, v: &VillageProfile, width: u32, height: u32) -> Chart {
    let mut bars: Vec<Bar> = Vec::new();
    for (key, zh, _) in RANKED {
        let (Some(x), Some(avg)) = (v.metric(key), all.town_average(&v.town_code, key)) else {
            continue;
        };
        if avg <= 0.0 {
            continue;
        }
        let pct = x / avg * 100.0;
        let color = if pct >= 100.0 {
            RGBColor(70, 130, 180)
        } else {
            RGBColor(230, 150, 80)
        };
        bars.push((zh.to_string(), pct, color));
    }
    bar_chart(
        "与本镇村均值比较（%）",
        &bars,
        &|v| format!("{v:.0}%"),
        Some(100.0),
        width,
        height,
    )
}

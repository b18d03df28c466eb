//! Charts of a village's file, drawn with plotters into RGB images: the same pictures go into the
//! PDF report and the app's profile panel. Text uses the shipped CJK font.

use super::canvas::{em_to_scale, Canvas, MM_PER_PT};
use crate::core::analysis::profile::{Profiles, VillageProfile, MU_PER_HA, RANKED};
use crate::core::model::landuse;
use crate::core::model::layout::Rect;
use crate::core::model::style::Rgba;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters_backend::{BackendColor, BackendCoord, BackendTextStyle, DrawingErrorKind};

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
        self.label_in(true)
    }

    /// The unit's name in Chinese (`zh`: 亩, 公顷) or English (mu, ha).
    pub fn label_in(&self, zh: bool) -> &'static str {
        match (self, zh) {
            (AreaUnit::Mu, true) => "亩",
            (AreaUnit::Hectare, true) => "公顷",
            (AreaUnit::Mu, false) => "mu",
            (AreaUnit::Hectare, false) => "ha",
        }
    }

    /// A per-head area (given in 亩) in this unit with two significant decimals: 0.85 亩/人, 0.057 公顷/人;
    /// at least two decimals.
    pub fn per_head(&self, mu: f64) -> String {
        let v = self.from_mu(mu);
        if v == 0.0 || !v.is_finite() {
            return format!("{v:.2}");
        }
        let d = (1 - v.abs().log10().floor() as i32).clamp(2, 6) as usize;
        format!("{v:.d$}")
    }

    /// A text written in 亩 (a flag, a note: "村域 12.50 亩在生态保护红线内 / 12.50 mu of the village…") with
    /// every "N 亩" and "N mu" turned into this unit, so a message follows the unit the user chose.
    pub fn convert_text(&self, text: &str) -> String {
        if *self == AreaUnit::Mu {
            return text.to_string();
        }
        let chars: Vec<char> = text.chars().collect();
        let mut out = String::with_capacity(text.len());
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let starts_number = c.is_ascii_digit()
                && (i == 0 || !(chars[i - 1].is_ascii_alphanumeric() || chars[i - 1] == '.'));
            if starts_number {
                let mut j = i;
                while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == '.') {
                    j += 1;
                }
                let mut k = j;
                while k < chars.len() && chars[k] == ' ' {
                    k += 1;
                }
                let num: String = chars[i..j].iter().collect();
                let rest: String = chars[k..chars.len().min(k + 2)].iter().collect();
                let (unit_len, zh) = if chars.get(k) == Some(&'亩') {
                    (1, true)
                } else if rest == "mu" && chars.get(k + 2).is_none_or(|c| !c.is_ascii_alphabetic())
                {
                    (2, false)
                } else {
                    (0, false)
                };
                match (unit_len, num.parse::<f64>()) {
                    (n, Ok(v)) if n > 0 => {
                        let ha = v / MU_PER_HA;
                        out.push_str(&format!("{ha:.4}"));
                        out.push_str(if zh { " 公顷" } else { " ha" });
                        i = k + n;
                        continue;
                    }
                    _ => {
                        out.push_str(&num);
                        i = j;
                        continue;
                    }
                }
            }
            out.push(c);
            i += 1;
        }
        out
    }
}

#[cfg(test)]
mod unit_tests {
    use super::*;

    #[test]
    fn texts_and_per_head_values_follow_the_unit() {
        let h = AreaUnit::Hectare;
        assert_eq!(
            h.convert_text("村域 15.00 亩在生态保护红线内 / 15.00 mu of the village"),
            "村域 1.0000 公顷在生态保护红线内 / 1.0000 ha of the village"
        );
        assert_eq!(
            h.convert_text("25° 以上坡耕地 3 亩"),
            "25° 以上坡耕地 0.2000 公顷"
        );
        assert_eq!(
            h.convert_text("图斑只覆盖村域的 97.5%"),
            "图斑只覆盖村域的 97.5%"
        );
        assert_eq!(AreaUnit::Mu.per_head(0.85), "0.85");
        assert_eq!(h.per_head(0.85), "0.057");
        assert_eq!(h.per_head(15.0), "1.00");
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

/// How the values of a bar chart are written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ValueFormat {
    /// Areas in a unit: one decimal below 100, 万 above 10 000.
    Area(AreaUnit),
    /// Percentages without decimals.
    Percent,
}

/// A horizontal bar chart with labels at the left and values at the bar ends; `reference` draws a vertical
/// line (e.g. 100 % of the town average). Drawn into an RGB image ([`BarChart::rgb`], the app's panel) or onto a
/// layout [`Canvas`] as vector paths and text ([`BarChart::draw`], the report).
pub struct BarChart {
    /// Caption.
    pub title: String,
    /// Bars, top first.
    pub bars: Vec<Bar>,
    /// How values are written.
    pub format: ValueFormat,
    /// A reference value drawn as a vertical line.
    pub reference: Option<f64>,
}

impl BarChart {
    fn value(&self, v: f64) -> String {
        match self.format {
            ValueFormat::Area(unit) => area_fmt(unit)(v),
            ValueFormat::Percent => format!("{v:.0}%"),
        }
    }

    /// The chart as a `width × height` RGB image.
    pub fn rgb(&self, width: u32, height: u32) -> Chart {
        register_font();
        let mut rgb = vec![255u8; (width * height * 3) as usize];
        {
            let root = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
            plot(&root, self, width, height);
            let _ = root.present();
        }
        Chart { width, height, rgb }
    }

    /// Draws the chart over `rect` (mm) of `canvas`, laid out as the `width × height` image would be.
    pub fn draw(&self, canvas: &mut dyn Canvas, rect: Rect, width: u32, height: u32) {
        register_font();
        let backend = CanvasBackend {
            canvas,
            rect,
            size: (width.max(1), height.max(1)),
        };
        let root = backend.into_drawing_area();
        plot(&root, self, width, height);
    }
}

/// Draws `c` on `root` (`width × height` pixels).
fn plot<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    c: &BarChart,
    width: u32,
    height: u32,
) {
    let _ = root.fill(&WHITE);
    let s = (width as f64 / 480.0)
        .min(height as f64 / 320.0)
        .clamp(0.7, 2.5);
    let font = |px: f64| (FAMILY, (px * s) as u32);
    if c.bars.iter().all(|b| b.1 <= 0.0) {
        // Nothing to compare (a village without farmland): say so instead of an empty axis.
        let centre = |dy: f64| (width as i32 / 2, (height as f64 / 2.0 + dy * s) as i32);
        let style =
            |px| TextStyle::from(font(px).into_font()).pos(Pos::new(HPos::Center, VPos::Center));
        let _ = root.draw(&Text::new(c.title.clone(), centre(-16.0), style(18.0)));
        let _ = root.draw(&Text::new(
            "（均为 0，无可比较的数据）".to_string(),
            centre(14.0),
            style(14.0).color(&RGBColor(110, 110, 110)),
        ));
        let _ = root.present();
        return;
    }
    let max = c
        .bars
        .iter()
        .map(|b| b.1)
        .chain(c.reference)
        .fold(0.0f64, f64::max)
        .max(1e-9)
        * 1.25;
    let n = c.bars.len().max(1);
    let label_w = (width as f64 * 0.30) as u32;
    let built = ChartBuilder::on(root)
        .caption(&c.title, font(18.0))
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
            .x_label_formatter(&|v| c.value(*v))
            .label_style(font(12.5))
            .light_line_style(RGBColor(235, 235, 235))
            .draw();
        let _ = chart.draw_series(c.bars.iter().enumerate().map(|(i, (_, v, c))| {
            let y = (n - 1 - i) as f64;
            Rectangle::new([(0.0, y - 0.36), (v.max(0.0), y + 0.36)], c.filled())
        }));
        if let Some(r) = c.reference {
            let _ = chart.draw_series(std::iter::once(PathElement::new(
                vec![(r, -0.5), (r, n as f64 - 0.5)],
                plotters::style::Color::stroke_width(&RGBColor(200, 40, 40), 2),
            )));
        }
        for (i, (label, v, _)) in c.bars.iter().enumerate() {
            let y = (n - 1 - i) as f64;
            let (px, py) = chart.backend_coord(&(0.0, y));
            let (vx, _) = chart.backend_coord(&(v.max(0.0), y));
            let _ = root.draw(&Text::new(
                label.clone(),
                (px - (6.0 * s) as i32, py),
                TextStyle::from(font(14.0).into_font()).pos(Pos::new(HPos::Right, VPos::Center)),
            ));
            let _ = root.draw(&Text::new(
                c.value(*v),
                (vx + (4.0 * s) as i32, py),
                TextStyle::from(font(12.5).into_font())
                    .color(&RGBColor(60, 60, 60))
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            ));
        }
    }
}

/// A plotters backend drawing onto a layout [`Canvas`]: pixels of a `size` image stretched over `rect` (mm);
/// text stays text.
struct CanvasBackend<'a> {
    canvas: &'a mut dyn Canvas,
    rect: Rect,
    size: (u32, u32),
}

impl CanvasBackend<'_> {
    fn mm(&self, p: (i32, i32)) -> [f32; 2] {
        let k = self.rect.w / self.size.0 as f32;
        [self.rect.x + p.0 as f32 * k, self.rect.y + p.1 as f32 * k]
    }

    fn colour(c: BackendColor) -> Rgba {
        Rgba([c.rgb.0, c.rgb.1, c.rgb.2, (c.alpha * 255.0).round() as u8])
    }
}

impl DrawingBackend for CanvasBackend<'_> {
    type ErrorType = std::io::Error;

    fn get_size(&self) -> (u32, u32) {
        self.size
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<std::io::Error>> {
        Ok(())
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<std::io::Error>> {
        Ok(())
    }

    fn draw_pixel(
        &mut self,
        p: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<std::io::Error>> {
        let (a, b) = (self.mm(p), self.mm((p.0 + 1, p.1 + 1)));
        self.canvas.fill(
            &[vec![a, [b[0], a[1]], b, [a[0], b[1]]]],
            Self::colour(color),
        );
        Ok(())
    }

    fn draw_line<S: plotters_backend::BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<std::io::Error>> {
        self.draw_path([from, to], style)
    }

    fn draw_rect<S: plotters_backend::BackendStyle>(
        &mut self,
        ul: BackendCoord,
        br: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<std::io::Error>> {
        let c = Self::colour(style.color());
        if fill {
            // Pixel rectangles include their last row and column.
            let (a, b) = (self.mm(ul), self.mm((br.0 + 1, br.1 + 1)));
            self.canvas
                .fill(&[vec![a, [b[0], a[1]], b, [a[0], b[1]]]], c);
        } else {
            let (a, b) = (self.mm(ul), self.mm(br));
            let w = style.stroke_width().max(1) as f32 * self.rect.w / self.size.0 as f32;
            self.canvas
                .stroke(&[vec![a, [b[0], a[1]], b, [a[0], b[1]]]], true, c, w);
        }
        Ok(())
    }

    fn draw_path<S: plotters_backend::BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<std::io::Error>> {
        let c = Self::colour(style.color());
        if c.0[3] == 0 {
            return Ok(());
        }
        // Pixel lines run through pixel centres.
        let line: Vec<[f32; 2]> = path
            .into_iter()
            .map(|p| {
                let m = self.mm(p);
                let h = 0.5 * self.rect.w / self.size.0 as f32;
                [m[0] + h, m[1] + h]
            })
            .collect();
        let w = style.stroke_width().max(1) as f32 * self.rect.w / self.size.0 as f32;
        self.canvas.stroke(&[line], false, c, w);
        Ok(())
    }

    fn draw_circle<S: plotters_backend::BackendStyle>(
        &mut self,
        centre: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<std::io::Error>> {
        let k = self.rect.w / self.size.0 as f32;
        let m = self.mm(centre);
        let ring: Vec<[f32; 2]> = (0..24)
            .map(|i| {
                let a = i as f32 / 24.0 * std::f32::consts::TAU;
                [
                    m[0] + radius as f32 * k * a.cos(),
                    m[1] + radius as f32 * k * a.sin(),
                ]
            })
            .collect();
        let c = Self::colour(style.color());
        if fill {
            self.canvas.fill(&[ring], c);
        } else {
            self.canvas
                .stroke(&[ring], true, c, style.stroke_width().max(1) as f32 * k);
        }
        Ok(())
    }

    fn fill_polygon<S: plotters_backend::BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<std::io::Error>> {
        let ring: Vec<[f32; 2]> = vert.into_iter().map(|p| self.mm(p)).collect();
        self.canvas.fill(&[ring], Self::colour(style.color()));
        Ok(())
    }

    fn draw_text<T: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &T,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<std::io::Error>> {
        use plotters_backend::text_anchor::{HPos, VPos};
        let c = Self::colour(style.color());
        if c.0[3] == 0 {
            return Ok(());
        }
        // Where plotters' ab_glyph text would be: a box `size / 1.24` high, the baseline `size / 2` below its
        // top; `size` is the font's line height in pixels.
        let size = style.size() as f32;
        let (w, _) = super::text::measure(text, size);
        let h = size / 1.24;
        let dx = match style.anchor().h_pos {
            HPos::Left => 0.0,
            HPos::Right => -w,
            HPos::Center => -w / 2.0,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0.0,
            VPos::Center => -h / 2.0,
            VPos::Bottom => -h,
        };
        let k = self.rect.w / self.size.0 as f32;
        let x = self.rect.x + (pos.0 as f32 + dx) * k;
        let y = self.rect.y + (pos.1 as f32 + dy + size / 2.0) * k;
        let em_pt = scale_to_em(size * k) / MM_PER_PT;
        self.canvas.text(x, y, em_pt, text, c);
        Ok(())
    }

    fn estimate_text_size<T: BackendTextStyle>(
        &self,
        text: &str,
        style: &T,
    ) -> Result<(u32, u32), DrawingErrorKind<std::io::Error>> {
        let size = style.size() as f32;
        let (w, _) = super::text::measure(text, size);
        Ok((w as u32, (size / 1.24) as u32))
    }
}

/// The em of a font whose line height (ascent to descent, ab_glyph's `PxScale`) is `scale`, in the same unit.
fn scale_to_em(scale: f32) -> f32 {
    scale / em_to_scale(1.0)
}

/// A chart as an RGB image: see [`BarChart`].
pub fn bar_chart(
    title: &str,
    bars: &[Bar],
    format: ValueFormat,
    reference: Option<f64>,
    width: u32,
    height: u32,
) -> Chart {
    BarChart {
        title: title.into(),
        bars: bars.to_vec(),
        format,
        reference,
    }
    .rgb(width, height)
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

/// The land-use composition as a `width × height` RGB image, its words in Chinese (`zh`) or English (the classes
/// keep their 三调 names: they are the data's).
pub fn landuse_chart(
    v: &VillageProfile,
    unit: AreaUnit,
    zh: bool,
    width: u32,
    height: u32,
) -> Chart {
    landuse_bars_in(v, unit, zh).rgb(width, height)
}

/// Land-use composition: the largest classes (三调 colours) and the rest together.
pub fn landuse_bars(v: &VillageProfile, unit: AreaUnit) -> BarChart {
    landuse_bars_in(v, unit, true)
}

/// [`landuse_bars`] with its words in Chinese (`zh`) or English.
pub fn landuse_bars_in(v: &VillageProfile, unit: AreaUnit, zh: bool) -> BarChart {
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
            if zh { "其他地类" } else { "other classes" }.into(),
            unit.from_mu(rest),
            RGBColor(190, 190, 190),
        ));
    }
    BarChart {
        title: if zh {
            format!("土地利用构成（{}）", unit.label())
        } else {
            format!("Land use ({})", unit.label_in(false))
        },
        bars,
        format: ValueFormat::Area(unit),
        reference: None,
    }
}

/// The farmland ledger as a `width × height` RGB image, in Chinese (`zh`) or English.
pub fn ledger_chart(
    v: &VillageProfile,
    unit: AreaUnit,
    zh: bool,
    width: u32,
    height: u32,
) -> Chart {
    ledger_bars_in(v, unit, zh).rgb(width, height)
}

/// The farmland ledger as bars.
pub fn ledger_bars(v: &VillageProfile, unit: AreaUnit) -> BarChart {
    ledger_bars_in(v, unit, true)
}

/// [`ledger_bars`] in Chinese (`zh`) or English.
pub fn ledger_bars_in(v: &VillageProfile, unit: AreaUnit, zh: bool) -> BarChart {
    let t = |c: &'static str, e: &'static str| -> String { if zh { c } else { e }.into() };
    let c = |code: &str| {
        rgb3(
            landuse::class(code)
                .map(|c| c.rgb)
                .unwrap_or([200, 200, 200]),
        )
    };
    let bars: Vec<Bar> = vec![
        (
            t("水田", "paddy field"),
            unit.from_mu(v.paddy_mu),
            c("0101"),
        ),
        (
            t("水浇地", "irrigated land"),
            unit.from_mu(v.irrigated_mu),
            c("0102"),
        ),
        (t("旱地", "dry land"), unit.from_mu(v.dry_mu), c("0103")),
        (
            t("耕地合计", "farmland total"),
            unit.from_mu(v.farmland_mu),
            RGBColor(230, 170, 60),
        ),
        (
            t("永久基本农田", "permanent farmland"),
            unit.from_mu(v.permanent_farmland_mu),
            RGBColor(120, 170, 80),
        ),
        (
            t("永农外耕地", "farmland outside permanent"),
            unit.from_mu(v.farmland_outside_permanent_mu),
            RGBColor(240, 210, 150),
        ),
        (
            t(
                crate::core::analysis::profile::FARMLAND_RIDGE_LABEL,
                "field ridges deducted",
            ),
            unit.from_mu(v.farmland_ridge_mu),
            RGBColor(200, 170, 130),
        ),
        (
            t("可恢复耕地", "recoverable farmland"),
            unit.from_mu(v.recoverable_total_mu),
            RGBColor(150, 200, 150),
        ),
    ];
    BarChart {
        title: if zh {
            format!("耕地一本账（{}）", unit.label())
        } else {
            format!("Farmland ledger ({})", unit.label_in(false))
        },
        bars,
        format: ValueFormat::Area(unit),
        reference: None,
    }
}

/// The comparison with the town average as a `width × height` RGB image, in Chinese (`zh`) or English.
pub fn town_chart(all: &Profiles, v: &VillageProfile, zh: bool, width: u32, height: u32) -> Chart {
    town_bars_in(all, v, zh).rgb(width, height)
}

/// The main indicators as a percentage of the town average (100 % = the average village of the
/// town), so that areas, counts and money fit one chart.
pub fn town_bars(all: &Profiles, v: &VillageProfile) -> BarChart {
    town_bars_in(all, v, true)
}

/// [`town_bars`] in Chinese (`zh`) or English.
pub fn town_bars_in(all: &Profiles, v: &VillageProfile, zh: bool) -> BarChart {
    let in_zh = zh;
    let mut bars: Vec<Bar> = Vec::new();
    for (key, zh, en) in RANKED {
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
        bars.push((if in_zh { zh } else { en }.to_string(), pct, color));
    }
    BarChart {
        title: if in_zh {
            "与本镇村均值比较（%）"
        } else {
            "Against the town's average village (%)"
        }
        .into(),
        bars,
        format: ValueFormat::Percent,
        reference: Some(100.0),
    }
}

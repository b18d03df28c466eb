//! Layer styles: single symbol, categorized (DLBM in the 三调 colours by default) and graduated,
//! plus labels. Styles are plain data saved in project files; [`StyleIndex`] turns a style into
//! one colour per feature for fast drawing.

use super::attrs::{AttributeTable, Value};
use super::geom::GeomKind;
use super::landuse;
use serde::{Deserialize, Serialize};

/// An RGBA colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rgba(pub [u8; 4]);

impl Rgba {
    /// Opaque colour.
    pub const fn rgb(r: u8, g: u8, b: u8) -> Rgba {
        Rgba([r, g, b, 255])
    }
    /// Fully transparent.
    pub const TRANSPARENT: Rgba = Rgba([0, 0, 0, 0]);
}

/// One category of a categorized style.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Category {
    /// The attribute value (as text).
    pub value: String,
    /// Legend label.
    pub label: String,
    /// Fill (polygons) or line/point colour.
    pub color: Rgba,
    /// Whether features of this category are drawn.
    pub visible: bool,
}

/// One class of a graduated style: values in `[min, max)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradClass {
    /// Lower bound (inclusive).
    pub min: f64,
    /// Upper bound (exclusive, except for the last class).
    pub max: f64,
    /// Colour.
    pub color: Rgba,
}

/// How features get their colour.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Symbology {
    /// All features alike.
    Single {
        /// Fill / line / point colour.
        color: Rgba,
    },
    /// By the value of a field.
    Categorized {
        /// Field name.
        field: String,
        /// Categories.
        categories: Vec<Category>,
        /// Colour for values not listed.
        other: Rgba,
    },
    /// By classes of a numeric field.
    Graduated {
        /// Field name.
        field: String,
        /// Classes, ascending.
        classes: Vec<GradClass>,
    },
}

/// The full style of a layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerStyle {
    /// Colours.
    pub symbology: Symbology,
    /// Outline colour (polygons).
    pub stroke: Rgba,
    /// Outline / line width in pixels.
    pub stroke_width: f32,
    /// Point radius in pixels.
    pub point_radius: f32,
    /// Layer opacity, 0–1.
    pub opacity: f32,
    /// Field to label features with.
    pub label_field: Option<String>,
    /// The user's aliases of this layer's fields (field name → alias), shown in the table, identify, legends and
    /// exports before the field dictionary's names ([`crate::core::model::fields`]); kept with the style as QGIS
    /// keeps them in its layer style.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub field_aliases: crate::core::model::fields::UserAliases,
}

impl LayerStyle {
    /// The name field `code` shows under ([`crate::core::model::fields::title_in`] with this layer's aliases).
    pub fn field_title(&self, code: &str, zh: bool) -> String {
        crate::core::model::fields::title_in(&self.field_aliases, code, zh)
    }

    /// The tooltip of field `code` ([`crate::core::model::fields::tooltip_in`] with this layer's aliases).
    pub fn field_tooltip(&self, code: &str) -> String {
        crate::core::model::fields::tooltip_in(&self.field_aliases, code)
    }

    /// The legend's heading for a classified layer's field: its name with its unit (`调查面积 (m²)`), the user's
    /// alias first; `None` for a single symbol.
    pub fn legend_heading(&self, zh: bool) -> Option<String> {
        let field = match &self.symbology {
            Symbology::Categorized { field, .. } | Symbology::Graduated { field, .. } => field,
            Symbology::Single { .. } => return None,
        };
        let name = self.field_title(field, zh);
        Some(
            match crate::core::model::fields::alias(field).map(|a| a.unit) {
                Some(u) if !u.is_empty() => format!("{name} ({u})"),
                _ => name,
            },
        )
    }

    /// The bilingual export header of field `code` ([`crate::core::model::fields::header_in`]).
    pub fn field_header(&self, code: &str, zh: bool) -> String {
        crate::core::model::fields::header_in(&self.field_aliases, code, zh)
    }

    /// A sensible default for a layer: 三调 colours for a DLBM field, outlines only for
    /// boundary layers (villages, towns, controls), a single colour otherwise.
    pub fn default_for(
        name: &str,
        kind: GeomKind,
        attrs: &AttributeTable,
        seed: usize,
    ) -> LayerStyle {
        let upper = name.to_ascii_uppercase();
        let palette = [
            Rgba::rgb(31, 120, 180),
            Rgba::rgb(227, 26, 28),
            Rgba::rgb(51, 160, 44),
            Rgba::rgb(255, 127, 0),
            Rgba::rgb(106, 61, 154),
            Rgba::rgb(177, 89, 40),
        ];
        let base = palette[seed % palette.len()];
        let mut s = LayerStyle {
            symbology: Symbology::Single { color: base },
            stroke: Rgba([60, 60, 60, 160]),
            stroke_width: 0.6,
            point_radius: 4.0,
            opacity: 1.0,
            label_field: None,
            field_aliases: Default::default(),
        };
        if kind == GeomKind::Polygon {
            if attrs.field_index("DLBM").is_some() && upper != "YJJBNTTB" {
                s.symbology = dlbm_categories(attrs, "DLBM");
                s.stroke = Rgba([90, 90, 90, 110]);
                s.stroke_width = 0.4;
            } else {
                let (fill, stroke, width, label) = match upper.as_str() {
                    "CJDCQ" => (
                        Rgba::TRANSPARENT,
                        Rgba([200, 40, 120, 255]),
                        1.6,
                        Some("ZLDWMC"),
                    ),
                    "XZQ" => (
                        Rgba::TRANSPARENT,
                        Rgba([120, 30, 160, 255]),
                        2.6,
                        Some("XZQMC"),
                    ),
                    "YJJBNTTB" => (Rgba([255, 200, 0, 90]), Rgba([230, 150, 0, 255]), 1.0, None),
                    "STBHHX" => (
                        Rgba([40, 160, 60, 70]),
                        Rgba([0, 120, 40, 255]),
                        1.8,
                        Some("HXMC"),
                    ),
                    "CZKFBJ" => (
                        Rgba([230, 60, 60, 40]),
                        Rgba([220, 30, 30, 255]),
                        1.8,
                        Some("BJMC"),
                    ),
                    _ => (
                        Rgba([base.0[0], base.0[1], base.0[2], 150]),
                        Rgba([40, 40, 40, 200]),
                        0.8,
                        None,
                    ),
                };
                s.symbology = Symbology::Single { color: fill };
                s.stroke = stroke;
                s.stroke_width = width;
                s.label_field = label
                    .filter(|f| attrs.field_index(f).is_some())
                    .map(String::from);
            }
        } else if kind == GeomKind::Line {
            s.stroke_width = 1.5;
        }
        if upper == "TALENT_SOURCES" && attrs.field_index("kind").is_some() {
            s.symbology = categories_for(attrs, "kind");
            s.point_radius = 4.0;
            s.stroke = Rgba([255, 255, 255, 230]);
            s.stroke_width = 1.0;
        }
        // The talent map's layers (yitu talent provinces / sources / access).
        if upper == "TALENT_PROVINCES" && attrs.field_index("score").is_some() {
            s.symbology = graduated_for(attrs, "score", 5);
            s.stroke = Rgba([255, 255, 255, 255]);
            s.stroke_width = 0.8;
            s.opacity = 0.85;
            s.label_field = Some("name".into());
        }
        if upper == "TALENT_FLOWS" {
            s.symbology = Symbology::Single {
                color: Rgba([230, 97, 1, 200]),
            };
            s.stroke = Rgba([230, 97, 1, 170]);
            s.stroke_width = 1.2;
        }
        if upper == "TALENT_RANKED" && attrs.field_index("kind").is_some() {
            s.symbology = categories_for(attrs, "kind");
            s.point_radius = 5.0;
            s.stroke = Rgba([255, 255, 255, 230]);
            s.stroke_width = 1.0;
            s.label_field = Some("name".into());
        }
        if upper == "TALENT_COUNTY" {
            s.symbology = Symbology::Single {
                color: Rgba([200, 0, 0, 255]),
            };
            s.point_radius = 7.0;
            s.stroke = Rgba([255, 255, 255, 255]);
            s.stroke_width = 2.0;
            s.label_field = Some("name".into());
        }
        if upper == "TALENT_ACCESS" && attrs.field_index("access").is_some() {
            s.symbology = graduated_for(attrs, "access", 5);
            s.point_radius = 3.0;
            s.stroke = Rgba([0, 0, 0, 0]);
            s.stroke_width = 0.0;
        }
        // The chain analyses' layers (yitu chain hotspots / density / clusters): their classes in fixed colours.
        if upper == "HOTSPOTS" && attrs.field_index("class").is_some() {
            let c = |label: &str, rgb: [u8; 3]| Category {
                label: label.into(),
                value: label.into(),
                color: Rgba([rgb[0], rgb[1], rgb[2], 255]),
                visible: true,
            };
            // ArcGIS's hot-spot colours: reds hot, blues cold, beige not significant.
            s.symbology = categorized(
                "class",
                vec![
                    c("热点 99%", [215, 48, 39]),
                    c("热点 95%", [252, 141, 89]),
                    c("热点 90%", [254, 224, 144]),
                    c("不显著", [238, 234, 218]),
                    c("冷点 90%", [224, 243, 248]),
                    c("冷点 95%", [145, 191, 219]),
                    c("冷点 99%", [69, 117, 180]),
                ],
            );
            s.stroke = Rgba([160, 160, 160, 255]);
            s.stroke_width = 0.3;
            s.opacity = 0.75;
        }
        if upper == "DENSITY"
            && attrs.field_index("label").is_some()
            && attrs.field_index("class").is_some()
        {
            // Five classes from pale yellow to dark red, labelled with their bounds.
            let ramp = [
                [255, 255, 178],
                [254, 204, 92],
                [253, 141, 60],
                [240, 59, 32],
                [189, 0, 38],
            ];
            let col = attrs.field_index("class").expect("checked");
            let lab = attrs.field_index("label").expect("checked");
            let mut cats: Vec<Category> = (0..attrs.len())
                .map(|f| {
                    let k = attrs.get(f, col).as_f64().unwrap_or(1.0).clamp(1.0, 5.0) as usize;
                    Category {
                        label: attrs.get(f, lab).to_string(),
                        value: attrs.get(f, col).to_string(),
                        color: Rgba([ramp[k - 1][0], ramp[k - 1][1], ramp[k - 1][2], 255]),
                        visible: true,
                    }
                })
                .collect();
            cats.sort_by(|a, b| a.value.cmp(&b.value));
            cats.dedup_by(|a, b| a.value == b.value);
            s.symbology = categorized("class", cats);
            s.stroke = Rgba([0, 0, 0, 0]);
            s.stroke_width = 0.0;
            s.opacity = 0.7;
        }
        if upper == "CLUSTERS" && attrs.field_index("members").is_some() {
            s.symbology = Symbology::Single {
                color: Rgba([255, 152, 0, 90]),
            };
            s.stroke = Rgba([230, 81, 0, 255]);
            s.stroke_width = 1.5;
            s.label_field = Some("cluster".into());
        }
        if upper == "ENTERPRISES" && attrs.field_index("chain").is_some() {
            s.symbology = categories_for(attrs, "chain");
            s.point_radius = 4.5;
            s.stroke = Rgba([255, 255, 255, 230]);
            s.stroke_width = 1.0;
        }
        s
    }
}

/// The categorized DLBM style with the 三调 colours, for the codes present in the layer.
pub fn dlbm_categories(attrs: &AttributeTable, field: &str) -> Symbology {
    let Some(col) = attrs.field_index(field) else {
        return Symbology::Single {
            color: Rgba::rgb(200, 200, 200),
        };
    };
    let mut codes: Vec<String> = distinct_values(attrs, col, 500);
    codes.sort();
    let categories = codes
        .into_iter()
        .map(|c| {
            let (label, rgb) = match landuse::class(&c) {
                Some(cl) => (format!("{} {}", cl.code, cl.name), cl.rgb),
                None => (c.clone(), [190, 190, 190]),
            };
            Category {
                value: c,
                label,
                color: Rgba([rgb[0], rgb[1], rgb[2], 255]),
                visible: true,
            }
        })
        .collect();
    categorized(field, categories)
}

/// A categorized symbology on `field`, grey for values not listed.
fn categorized(field: &str, categories: Vec<Category>) -> Symbology {
    Symbology::Categorized {
        field: field.into(),
        categories,
        other: Rgba::rgb(200, 200, 200),
    }
}

/// A categorized style with a qualitative palette for the distinct values of `field`.
pub fn categories_for(attrs: &AttributeTable, field: &str) -> Symbology {
    let Some(col) = attrs.field_index(field) else {
        return Symbology::Single {
            color: Rgba::rgb(200, 200, 200),
        };
    };
    if field.eq_ignore_ascii_case("DLBM") {
        return dlbm_categories(attrs, field);
    }
    let mut vals = distinct_values(attrs, col, 64);
    vals.sort();
    const Q: [[u8; 3]; 12] = [
        [166, 206, 227],
        [31, 120, 180],
        [178, 223, 138],
        [51, 160, 44],
        [251, 154, 153],
        [227, 26, 28],
        [253, 191, 111],
        [255, 127, 0],
        [202, 178, 214],
        [106, 61, 154],
        [255, 255, 153],
        [177, 89, 40],
    ];
    let categories = vals
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            let c = Q[(i * 5 + 1) % Q.len()];
            Category {
                label: v.clone(),
                value: v,
                color: Rgba([c[0], c[1], c[2], 255]),
                visible: true,
            }
        })
        .collect();
    categorized(field, categories)
}

/// A graduated style in `n` equal-count (quantile) classes on a yellow–red ramp.
pub fn graduated_for(attrs: &AttributeTable, field: &str, n: usize) -> Symbology {
    let Some(col) = attrs.field_index(field) else {
        return Symbology::Single {
            color: Rgba::rgb(200, 200, 200),
        };
    };
    let mut vals: Vec<f64> = (0..attrs.len())
        .filter_map(|r| attrs.get(r, col).as_f64())
        .filter(|v| v.is_finite())
        .collect();
    vals.sort_by(f64::total_cmp);
    let n = n.clamp(2, 9);
    let ramp = [
        [255, 255, 204],
        [255, 237, 160],
        [254, 217, 118],
        [254, 178, 76],
        [253, 141, 60],
        [252, 78, 42],
        [227, 26, 28],
        [189, 0, 38],
        [128, 0, 38],
    ];
    let mut classes = Vec::new();
    if vals.is_empty() {
        return Symbology::Graduated {
            field: field.into(),
            classes,
        };
    }
    let mut bounds: Vec<f64> = (0..=n).map(|i| vals[((vals.len() - 1) * i) / n]).collect();
    bounds.dedup();
    if bounds.len() == 1 {
        bounds.push(bounds[0]);
    }
    let k = bounds.len() - 1;
    for i in 0..k {
        let c = ramp[(i * (ramp.len() - 1)) / (k.max(2) - 1).max(1)];
        classes.push(GradClass {
            min: bounds[i],
            max: bounds[i + 1],
            color: Rgba([c[0], c[1], c[2], 255]),
        });
    }
    Symbology::Graduated {
        field: field.into(),
        classes,
    }
}

fn distinct_values(attrs: &AttributeTable, col: usize, limit: usize) -> Vec<String> {
    let mut set = std::collections::BTreeSet::new();
    for r in 0..attrs.len() {
        let v = attrs.get(r, col);
        if v != Value::Null {
            set.insert(v.to_string());
            if set.len() >= limit {
                break;
            }
        }
    }
    set.into_iter().collect()
}

/// The colour of features without a value in a graduated style (its 无数据 class).
pub const NO_DATA: Rgba = Rgba([200, 200, 200, 120]);

/// A style resolved against one layer: a palette and a palette index per feature
/// (`u16::MAX` = hidden).
#[derive(Clone)]
pub struct StyleIndex {
    /// Distinct colours.
    pub palette: Vec<Rgba>,
    /// Palette index of each feature.
    pub feature_color: Vec<u16>,
}

impl StyleIndex {
    /// Resolves `style` for every row of `attrs`.
    pub fn build(style: &LayerStyle, attrs: &AttributeTable, n: usize) -> StyleIndex {
        match &style.symbology {
            Symbology::Single { color } => StyleIndex {
                palette: vec![*color],
                feature_color: vec![0; n],
            },
            Symbology::Categorized {
                field,
                categories,
                other,
            } => {
                let mut palette: Vec<Rgba> = categories.iter().map(|c| c.color).collect();
                palette.push(*other);
                let other_i = (palette.len() - 1) as u16;
                let map: std::collections::HashMap<&str, u16> = categories
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        (
                            c.value.as_str(),
                            if c.visible { i as u16 } else { u16::MAX },
                        )
                    })
                    .collect();
                let col = attrs.field_index(field);
                let mut buf = String::new();
                let feature_color = (0..n)
                    .map(|r| match col {
                        Some(c) => match attrs.get(r, c) {
                            Value::Text(t) => *map.get(t).unwrap_or(&other_i),
                            Value::Null => other_i,
                            v => {
                                buf.clear();
                                use std::fmt::Write;
                                let _ = write!(buf, "{v}");
                                *map.get(buf.as_str()).unwrap_or(&other_i)
                            }
                        },
                        None => other_i,
                    })
                    .collect();
                StyleIndex {
                    palette,
                    feature_color,
                }
            }
            Symbology::Graduated { field, classes } => {
                let mut palette: Vec<Rgba> = classes.iter().map(|c| c.color).collect();
                palette.push(NO_DATA);
                let none = (palette.len() - 1) as u16;
                let col = attrs.field_index(field);
                let feature_color = (0..n)
                    .map(|r| {
                        let v = col.and_then(|c| attrs.get(r, c).as_f64());
                        match v {
                            Some(v) => classes
                                .iter()
                                .position(|c| v >= c.min && v < c.max)
                                .or_else(|| {
                                    classes
                                        .last()
                                        .filter(|c| v == c.max)
                                        .map(|_| classes.len() - 1)
                                })
                                .map(|i| i as u16)
                                .unwrap_or(none),
                            None => none,
                        }
                    })
                    .collect();
                StyleIndex {
                    palette,
                    feature_color,
                }
            }
        }
    }
}

/// The field a graduated style starts on: a measured quantity, never an identifier, a code, a number or a year
/// (BSM, FID, *DM, *BH, SJNF…); among those an area first (TBMJ, TBDLMJ, DCMJ, 面积, area…). `None` when the
/// layer has no such numeric field.
pub fn measured_field(attrs: &AttributeTable) -> Option<String> {
    use super::attrs::FieldType;
    let is_id = |n: &str| {
        let u = n.to_ascii_uppercase();
        [
            "BSM", "FID", "OBJECTID", "ID", "SJNF", "YEAR", "YSDM", "OID", "GID",
        ]
        .contains(&u.as_str())
            || u.ends_with("DM")
            || u.ends_with("BH")
            || u.ends_with("_ID")
            || u.ends_with("CODE")
            || n.contains("代码")
            || n.contains("编号")
            || n.contains("年份")
    };
    let numeric: Vec<&str> = attrs
        .fields
        .iter()
        .filter(|f| f.ftype != FieldType::Text && !is_id(&f.name))
        .map(|f| f.name.as_str())
        .collect();
    let areaish = |n: &&&str| {
        let u = n.to_ascii_uppercase();
        u.ends_with("MJ")
            || u.contains("AREA")
            || u.contains("_MU")
            || n.contains("面积")
            || n.contains("亩")
    };
    numeric
        .iter()
        .find(areaish)
        .or(numeric.first())
        .map(|s| s.to_string())
}

/// The label of graduated class `i` of `n`: half-open (`87 ≤ x < 161`), the last one closed (`281 ≤ x ≤ 400`).
pub fn class_label(c: &GradClass, last: bool) -> String {
    format!(
        "{} ≤ x {} {}",
        fmt_num(c.min),
        if last { "≤" } else { "<" },
        fmt_num(c.max)
    )
}

/// Legend entries of a style: (label, colour); a graduated style ends with its 无数据 (no data) class, named in
/// Chinese (`zh`) or English.
pub fn legend(style: &LayerStyle, zh: bool) -> Vec<(String, Rgba)> {
    match &style.symbology {
        Symbology::Single { color } => vec![(
            String::new(),
            if color.0[3] == 0 {
                style.stroke
            } else {
                *color
            },
        )],
        Symbology::Categorized { categories, .. } => categories
            .iter()
            .filter(|c| c.visible)
            .map(|c| (c.label.clone(), c.color))
            .collect(),
        Symbology::Graduated { classes, .. } => classes
            .iter()
            .enumerate()
            .map(|(i, c)| (class_label(c, i + 1 == classes.len()), c.color))
            .chain(std::iter::once((
                if zh { "无数据" } else { "no data" }.to_string(),
                NO_DATA,
            )))
            .collect(),
    }
}

fn fmt_num(v: f64) -> String {
    if v.abs() >= 100.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

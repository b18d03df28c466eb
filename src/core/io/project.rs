//! Project files (`.yitu`, JSON): the layers with their styles, the view and the basemap choice.
//! Paths are stored relative to the project file so a project folder can be copied to another
//! laptop. Saving is atomic (temporary file, then rename). Keys (e.g. Tianditu) never go in here:
//! they live in the user's settings.

use crate::core::model::style::LayerStyle;
use serde::{Deserialize, Serialize};
use std::path::{Component, Path, PathBuf};

/// Current project file version.
pub const PROJECT_VERSION: u32 = 1;

/// A basemap field that is null reads as no basemap.
fn basemap_or_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BasemapChoice, D::Error> {
    Ok(Option::<BasemapChoice>::deserialize(d)?.unwrap_or_default())
}

/// Which basemap is shown.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BasemapChoice {
    /// No basemap.
    #[default]
    None,
    /// An offline package (MBTiles or PMTiles), path relative to the project.
    Offline {
        /// Package path.
        path: PathBuf,
    },
    /// The offline China package shipped with YiTu (zoom 0–7: provinces, cities, the world at low zooms;
    /// [`super::tiles::bundled_china_package`]).
    China,
    /// OpenStreetMap standard tiles.
    OpenStreetMap,
    /// Tianditu (天地图): "vec", "img" or "ter", with its annotation layer.
    Tianditu {
        /// Layer: vec / img / ter.
        layer: String,
    },
    /// Any XYZ URL template with {z} {x} {y}.
    Xyz {
        /// URL template.
        url: String,
    },
}

/// One layer in a project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectLayer {
    /// Data file (relative to the project file where possible).
    pub path: PathBuf,
    /// Layer inside the file.
    pub layer: String,
    /// Display name.
    pub name: String,
    /// Shown or hidden.
    pub visible: bool,
    /// Style.
    pub style: LayerStyle,
    /// Department data joined to the layer (recomputed from the cache when the project opens).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub joins: Vec<crate::core::model::join_spec::JoinSpec>,
}

/// The map view.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ProjectView {
    /// Centre longitude.
    pub lon: f64,
    /// Centre latitude.
    pub lat: f64,
    /// Web map zoom level.
    pub zoom: f64,
}

/// A project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Project {
    /// File format version.
    pub version: u32,
    /// Title.
    pub title: String,
    /// Layers, bottom first.
    pub layers: Vec<ProjectLayer>,
    /// Basemap (a hand-written project may leave it out or write null: no basemap).
    #[serde(default, deserialize_with = "basemap_or_none")]
    pub basemap: BasemapChoice,
    /// View, if saved.
    pub view: Option<ProjectView>,
    /// Department tables the project's joins use, with the file each came from: imported into
    /// the user's cache when it does not hold them yet (so a project travels with its data).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub datasets: Vec<ProjectDataset>,
    /// Print layouts (汇报用图) made in the layout designer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub layouts: Vec<crate::core::model::layout::Layout>,
    /// Industry-chain templates edited in the app (一产一档), each with its version; the chain algorithms use
    /// them for this project in place of the built-in ones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chains: Vec<crate::core::model::chain::Chain>,
    /// Firms moved by hand between chain links (一产一档), applied over the rules' placements.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chain_overrides: Vec<crate::core::model::chain::Override>,
    /// The crosswalk from chain links to majors (人才地图), when edited for this project; the talent algorithms use
    /// it in place of the built-in one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub talent_crosswalk: Option<crate::core::model::talent::Crosswalk>,
    /// The rule table of land-use proposal checks (用地预审), when edited for this project (provincial rules
    /// added); the checks use it in place of the national one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposal_rules: Option<crate::core::model::proposal::RuleTable>,
}

/// A department table a project uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectDataset {
    /// Dataset name in the cache.
    pub name: String,
    /// Department.
    pub department: String,
    /// The file it is imported from when missing (relative to the project where possible).
    pub path: PathBuf,
    /// Header row (0-based) if not detected.
    #[serde(default)]
    pub header_row: Option<usize>,
}

impl Default for Project {
    fn default() -> Self {
        Project {
            version: PROJECT_VERSION,
            title: String::new(),
            layers: Vec::new(),
            basemap: BasemapChoice::None,
            view: None,
            datasets: Vec::new(),
            layouts: Vec::new(),
            chains: Vec::new(),
            chain_overrides: Vec::new(),
            talent_crosswalk: None,
            proposal_rules: None,
        }
    }
}

/// `path` relative to folder `base` where it lies below or beside it, else unchanged.
pub fn relative_to(path: &Path, base: &Path) -> PathBuf {
    let abs = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let (p, b) = (abs(path), abs(base));
    let pc: Vec<Component> = p.components().collect();
    let bc: Vec<Component> = b.components().collect();
    let common = pc.iter().zip(bc.iter()).take_while(|(a, b)| a == b).count();
    if common == 0 || bc.len() - common > 3 {
        return p;
    }
    let mut out = PathBuf::new();
    for _ in common..bc.len() {
        out.push("..");
    }
    for c in &pc[common..] {
        out.push(c.as_os_str());
    }
    out
}

impl Project {
    /// Reads a project; relative paths are resolved against the project's folder.
    pub fn load(path: &Path) -> Result<Project, String> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            format!(
                "无法读取项目文件 / cannot read project {}: {e}",
                path.display()
            )
        })?;
        let mut p: Project = serde_json::from_str(&text).map_err(|e| {
            format!(
                "项目文件格式错误 / invalid project file {}: {e}",
                path.display()
            )
        })?;
        if p.version > PROJECT_VERSION {
            return Err(format!(
                "项目文件版本 {} 过新 / project version {} is newer than this YiTu",
                p.version, p.version
            ));
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        for l in &mut p.layers {
            if l.path.is_relative() {
                l.path = dir.join(&l.path);
            }
        }
        for d in &mut p.datasets {
            if d.path.is_relative() {
                d.path = dir.join(&d.path);
            }
        }
        if let BasemapChoice::Offline { path: bp } = &mut p.basemap {
            if bp.is_relative() {
                *bp = dir.join(&*bp);
            }
        }
        Ok(p)
    }

    /// Writes the project atomically, with paths relative to its folder.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let mut p = self.clone();
        for l in &mut p.layers {
            l.path = relative_to(&l.path, dir);
        }
        for d in &mut p.datasets {
            d.path = relative_to(&d.path, dir);
        }
        if let BasemapChoice::Offline { path: bp } = &mut p.basemap {
            *bp = relative_to(bp, dir);
        }
        let text = serde_json::to_string_pretty(&p).map_err(|e| e.to_string())?;
        super::files::write_atomic(path, text)
            .map_err(|e| format!("无法保存项目 / cannot save project {}: {e}", path.display()))
    }
}

/// Per-user settings (language, keys for online services, recent projects), kept in the
/// user's config folder, never in project files.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// "zh" or "en".
    pub language: String,
    /// Tianditu key (tk).
    pub tianditu_key: String,
    /// Recently opened projects.
    pub recent: Vec<PathBuf>,
}

impl Settings {
    /// Where settings live: `$YITU_CONFIG_DIR`, else `$XDG_CONFIG_HOME/yitu`, else `~/.config/yitu`.
    pub fn dir() -> PathBuf {
        if let Some(d) = std::env::var_os("YITU_CONFIG_DIR") {
            return PathBuf::from(d);
        }
        if let Some(d) = std::env::var_os("XDG_CONFIG_HOME") {
            return PathBuf::from(d).join("yitu");
        }
        std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir)
            .join(".config")
            .join("yitu")
    }

    /// Loads settings (defaults when absent or unreadable).
    pub fn load() -> Settings {
        std::fs::read_to_string(Self::dir().join("settings.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default()
    }

    /// Saves settings atomically.
    pub fn save(&self) -> Result<(), String> {
        let dir = Self::dir();
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        super::files::write_atomic(
            &dir.join("settings.json"),
            serde_json::to_string_pretty(self).unwrap(),
        )
        .map_err(|e| e.to_string())
    }

    /// Where online tiles are cached.
    pub fn tile_cache_dir() -> PathBuf {
        if let Some(d) = std::env::var_os("XDG_CACHE_HOME") {
            return PathBuf::from(d).join("yitu").join("tiles");
        }
        std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir)
            .join(".cache")
            .join("yitu")
            .join("tiles")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::style::{LayerStyle, Rgba, Symbology};

    #[test]
    fn roundtrip_with_relative_paths() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        std::fs::write(data.join("a.gpkg"), b"x").unwrap();
        let style = LayerStyle {
            symbology: Symbology::Single {
                color: Rgba::rgb(1, 2, 3),
            },
            stroke: Rgba::rgb(0, 0, 0),
            stroke_width: 1.0,
            point_radius: 3.0,
            opacity: 0.5,
            label_field: Some("ZLDWMC".into()),
            field_aliases: [("RK".to_string(), "户籍人口".to_string())].into(),
        };
        let p = Project {
            title: "测试".into(),
            layers: vec![ProjectLayer {
                path: data.join("a.gpkg"),
                layer: "DLTB".into(),
                name: "地类图斑".into(),
                visible: true,
                style,
                joins: vec![crate::core::model::join_spec::JoinSpec::new(
                    "人口",
                    "ZLDWDM",
                    "村代码",
                )],
            }],
            datasets: vec![ProjectDataset {
                name: "人口".into(),
                department: "公安局".into(),
                path: data.join("人口.csv"),
                header_row: Some(2),
            }],
            basemap: BasemapChoice::Offline {
                path: data.join("b.mbtiles"),
            },
            view: Some(ProjectView {
                lon: 118.7,
                lat: 25.4,
                zoom: 11.0,
            }),
            ..Default::default()
        };
        let f = dir.path().join("p.yitu");
        p.save(&f).unwrap();
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(text.contains("\"data/a.gpkg\""), "{text}");
        let back = Project::load(&f).unwrap();
        assert_eq!(back.layers[0].layer, "DLTB");
        assert_eq!(
            std::fs::canonicalize(&back.layers[0].path).unwrap(),
            std::fs::canonicalize(data.join("a.gpkg")).unwrap()
        );
        assert_eq!(back.view, p.view);
        assert!(text.contains("\"data/人口.csv\""), "{text}");
        assert_eq!(back.layers[0].joins, p.layers[0].joins);
        assert_eq!(back.datasets[0].header_row, Some(2));
        assert!(back.datasets[0].path.ends_with("data/人口.csv"));
        assert!(Project::load(&dir.path().join("missing.yitu")).is_err());
    }
}

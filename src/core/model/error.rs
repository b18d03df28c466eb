//! Errors the user sees. Every message is in Chinese and English, and says what to do where it can.

use std::path::PathBuf;
use thiserror::Error;

/// An error YiTu reports to the user.
#[derive(Debug, Error)]
pub enum YituError {
    /// The file does not exist.
    #[error("文件不存在 / File not found: {0}")]
    NotFound(PathBuf),
    /// The file is not a database / is corrupt.
    #[error("文件已损坏或不是有效的 {kind} 文件 / The file is corrupt or not a valid {kind} file: {path} ({detail})")]
    Corrupt {
        /// File.
        path: PathBuf,
        /// Expected kind ("GeoPackage", "MBTiles"…).
        kind: String,
        /// What the reader said.
        detail: String,
    },
    /// No reader can open the file.
    #[error("无法打开该文件（不支持的格式，或缺少配套文件如 .shx/.dbf）/ Cannot open the file (unsupported format, or a sidecar such as .shx/.dbf is missing): {path} ({detail})")]
    Unsupported {
        /// File.
        path: PathBuf,
        /// What GDAL said.
        detail: String,
    },
    /// The file has no vector layer.
    #[error("文件中没有矢量图层 / The file has no vector layer: {0}")]
    NoVectorLayer(PathBuf),
    /// The file holds raster data only (an image, an elevation model, a tile package).
    #[error("这是栅格文件，没有矢量图层（栅格可作为底图）/ A raster file with no vector layer (rasters serve as basemaps): {0}")]
    RasterOnly(PathBuf),
    /// The named layer does not exist.
    #[error("图层不存在 / No layer named {layer} in {path}")]
    NoSuchLayer {
        /// File.
        path: PathBuf,
        /// Layer asked for.
        layer: String,
    },
    /// The CRS is unknown and the coordinates are not longitude/latitude.
    #[error("图层 {layer} 的坐标系未知，无法叠加到底图（请补充 .prj 或在 GeoPackage 中设置 srs_id）/ Layer {layer} has an unknown CRS and cannot be placed on the map (add a .prj, or set its srs_id)")]
    UnknownCrs {
        /// Layer.
        layer: String,
    },
    /// The CRS cannot be transformed.
    #[error(
        "图层 {layer} 坐标转换失败 / Cannot transform the coordinates of layer {layer}: {msg}"
    )]
    Crs {
        /// Layer.
        layer: String,
        /// PROJ's message.
        msg: String,
    },
    /// The GeoPackage needs GDAL for this layer (curves, extended geometry).
    #[error("needs GDAL: {0}")]
    NeedsGdal(String),
    /// The user cancelled.
    #[error("已取消 / Cancelled")]
    Cancelled,
    /// Anything else, with context.
    #[error("{0}")]
    Other(String),
}

impl From<super::progress::Cancelled> for YituError {
    fn from(_: super::progress::Cancelled) -> Self {
        YituError::Cancelled
    }
}

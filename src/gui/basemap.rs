//! Basemap sources for the map: offline packages first (MBTiles read here in a background thread,
//! PMTiles through walkers), then OpenStreetMap, Tianditu (base + annotation) and any XYZ template,
//! each cached on disk.

use crate::core::io::project::{BasemapChoice, Settings};
use crate::core::io::tiles::{self, MbTiles, TileInfo};
use egui::{ColorImage, Context, Rect, TextureHandle};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver, Sender};
use walkers::sources::{Attribution, TileSource};
use walkers::{HttpOptions, HttpTiles, Tile, TileId, TilePiece, Tiles};

/// Decodes PNG/JPEG/WebP tile bytes into an egui image.
pub fn decode_tile(bytes: &[u8]) -> Option<ColorImage> {
    let img = image::load_from_memory(bytes).ok()?.to_rgba8();
    Some(ColorImage::from_rgba_unmultiplied(
        [img.width() as usize, img.height() as usize],
        img.as_raw(),
    ))
}

/// Tiles from an MBTiles package, read and decoded in a background thread. Above the package's
/// highest zoom the deepest tile is magnified (over-zoom) instead of showing nothing.
pub struct MbTilesTiles {
    req: Sender<TileId>,
    res: Receiver<(TileId, Option<ColorImage>)>,
    cache: HashMap<TileId, Option<TextureHandle>>,
    requested: HashSet<TileId>,
    ctx: Context,
    /// What the package holds.
    pub info: TileInfo,
    attribution: &'static str,
}

impl MbTilesTiles {
    /// Opens and checks a package; a broken one gives a clear error.
    pub fn open(path: &Path, ctx: Context) -> Result<Self, String> {
        let mb = MbTiles::open(path).map_err(|e| e.to_string())?;
        let info = mb.info.clone();
        let (req_tx, req_rx) = channel::<TileId>();
        let (res_tx, res_rx) = channel();
        let repaint = ctx.clone();
        std::thread::Builder::new()
            .name("mbtiles".into())
            .spawn(move || {
                while let Ok(id) = req_rx.recv() {
                    let img = mb
                        .tile(id.zoom, id.x, id.y)
                        .ok()
                        .flatten()
                        .and_then(|b| decode_tile(&b));
                    if res_tx.send((id, img)).is_err() {
                        break;
                    }
                    repaint.request_repaint();
                }
            })
            .map_err(|e| e.to_string())?;
        let attribution = Box::leak(
            if info.attribution.is_empty() {
                info.name.clone()
            } else {
                info.attribution.clone()
            }
            .into_boxed_str(),
        );
        Ok(MbTilesTiles {
            req: req_tx,
            res: res_rx,
            cache: HashMap::new(),
            requested: HashSet::new(),
            ctx,
            info,
            attribution,
        })
    }

    fn drain(&mut self) {
        while let Ok((id, img)) = self.res.try_recv() {
            let tex = img.map(|i| {
                self.ctx.load_texture(
                    format!("mbtile-{}-{}-{}", id.zoom, id.x, id.y),
                    i,
                    egui::TextureOptions::LINEAR,
                )
            });
            self.cache.insert(id, tex);
        }
        if self.cache.len() > 1500 {
            // Forget the far-away half; they are reloaded on demand.
            let keep: Vec<TileId> = self.cache.keys().copied().take(700).collect();
            self.cache.retain(|k, _| keep.contains(k));
            self.requested.retain(|k| keep.contains(k));
        }
    }

    /// The cached tile `id` or the nearest cached ancestor, with the UV rect of `id` inside it.
    fn best(&self, id: TileId) -> Option<TilePiece> {
        let mut z = id.zoom;
        loop {
            let d = id.zoom - z;
            let anc = TileId {
                x: id.x >> d,
                y: id.y >> d,
                zoom: z,
            };
            if let Some(Some(tex)) = self.cache.get(&anc) {
                let n = (1u32 << d) as f32;
                let (fx, fy) = (
                    (id.x - (anc.x << d)) as f32 / n,
                    (id.y - (anc.y << d)) as f32 / n,
                );
                let uv =
                    Rect::from_min_max(egui::pos2(fx, fy), egui::pos2(fx + 1.0 / n, fy + 1.0 / n));
                return Some(TilePiece::new(Tile::Raster(tex.clone()), uv));
            }
            if z == 0 || z <= self.info.min_zoom {
                return None;
            }
            z -= 1;
        }
    }
}

impl Tiles for MbTilesTiles {
    fn at(&mut self, id: TileId) -> Option<TilePiece> {
        self.drain();
        if id.zoom < self.info.min_zoom {
            return None;
        }
        let fetch = if id.zoom > self.info.max_zoom {
            let d = id.zoom - self.info.max_zoom;
            TileId {
                x: id.x >> d,
                y: id.y >> d,
                zoom: self.info.max_zoom,
            }
        } else {
            id
        };
        if !self.cache.contains_key(&fetch) && self.requested.insert(fetch) {
            let _ = self.req.send(fetch);
        }
        self.best(id)
    }

    fn attribution(&self) -> Attribution {
        text_attribution(self.attribution)
    }

    fn tile_size(&self) -> u32 {
        256
    }
}

/// An attribution that is just text.
fn text_attribution(text: &'static str) -> Attribution {
    Attribution {
        text,
        url: "",
        logo_light: None,
        logo_dark: None,
    }
}

/// Tianditu (天地图) Web-Mercator tiles: `vec`, `img`, `ter` and their annotation layers `cva`, `cia`, `cta`.
pub struct TiandituSource {
    /// Layer code.
    pub layer: String,
    /// Key (tk), from the user's settings.
    pub key: String,
}

/// The Tianditu URL of a tile.
pub fn tianditu_url(layer: &str, key: &str, z: u8, x: u32, y: u32) -> String {
    let server = (x + y) % 8;
    format!(
        "https://t{server}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}"
    )
}

impl TileSource for TiandituSource {
    fn tile_url(&self, t: TileId) -> String {
        tianditu_url(&self.layer, &self.key, t.zoom, t.x, t.y)
    }
    fn attribution(&self) -> Attribution {
        Attribution {
            text: "© 天地图 Tianditu (国家地理信息公共服务平台)",
            url: "https://www.tianditu.gov.cn",
            logo_light: None,
            logo_dark: None,
        }
    }
    fn max_zoom(&self) -> u8 {
        18
    }
}

/// Any XYZ template with `{z}`, `{x}`, `{y}` (and optionally `{s}` → a/b/c).
pub struct XyzSource {
    /// The template.
    pub template: String,
    attribution: &'static str,
}

impl XyzSource {
    /// A source for `template`.
    pub fn new(template: &str) -> Self {
        XyzSource {
            template: template.to_string(),
            attribution: Box::leak(
                template
                    .split('/')
                    .nth(2)
                    .unwrap_or("XYZ")
                    .to_string()
                    .into_boxed_str(),
            ),
        }
    }
}

/// Fills in an XYZ template.
pub fn xyz_url(template: &str, z: u8, x: u32, y: u32) -> String {
    let s = ["a", "b", "c"][((x + y) % 3) as usize];
    template
        .replace("{z}", &z.to_string())
        .replace("{x}", &x.to_string())
        .replace("{y}", &y.to_string())
        .replace("{s}", s)
}

impl TileSource for XyzSource {
    fn tile_url(&self, t: TileId) -> String {
        xyz_url(&self.template, t.zoom, t.x, t.y)
    }
    fn attribution(&self) -> Attribution {
        text_attribution(self.attribution)
    }
}

fn http_options() -> HttpOptions {
    let cache = Settings::tile_cache_dir();
    let _ = std::fs::create_dir_all(&cache);
    HttpOptions {
        cache: Some(cache),
        user_agent: Some(walkers::HeaderValue::from_static(
            "YiTu/0.1 (offline GIS workstation)",
        )),
        ..Default::default()
    }
}

/// The basemap being shown.
pub enum Basemap {
    /// None.
    None,
    /// Offline MBTiles.
    MbTiles(MbTilesTiles),
    /// Offline PMTiles.
    PmTiles(Box<walkers::PmTiles>),
    /// Online tiles, with an optional annotation layer on top (Tianditu).
    Http(Box<HttpTiles>, Option<Box<HttpTiles>>),
}

impl Basemap {
    /// Builds the basemap for a choice. Errors are messages for the user.
    pub fn build(
        choice: &BasemapChoice,
        settings: &Settings,
        ctx: &Context,
    ) -> Result<Basemap, String> {
        Ok(match choice {
            BasemapChoice::None => Basemap::None,
            BasemapChoice::Offline { path } => open_offline(path, ctx)?,
            BasemapChoice::China => {
                open_offline(&crate::core::io::tiles::bundled_china_package()?, ctx)?
            }
            BasemapChoice::OpenStreetMap => Basemap::Http(
                Box::new(HttpTiles::with_options(
                    walkers::sources::OpenStreetMap,
                    http_options(),
                    ctx.clone(),
                )),
                None,
            ),
            BasemapChoice::Tianditu { layer } => {
                if settings.tianditu_key.trim().is_empty() {
                    return Err("请先在“设置”中填写天地图密钥 (tk) / Enter your Tianditu key (tk) in Settings first".into());
                }
                let label = match layer.as_str() {
                    "img" => "cia",
                    "ter" => "cta",
                    _ => "cva",
                };
                let key = settings.tianditu_key.trim().to_string();
                Basemap::Http(
                    Box::new(HttpTiles::with_options(
                        TiandituSource {
                            layer: layer.clone(),
                            key: key.clone(),
                        },
                        http_options(),
                        ctx.clone(),
                    )),
                    Some(Box::new(HttpTiles::with_options(
                        TiandituSource {
                            layer: label.into(),
                            key,
                        },
                        http_options(),
                        ctx.clone(),
                    ))),
                )
            }
            BasemapChoice::Xyz { url } => {
                if !(url.contains("{z}") && url.contains("{x}") && url.contains("{y}")) {
                    return Err(
                        "XYZ 地址需包含 {z} {x} {y} / The XYZ template needs {z}, {x} and {y}"
                            .into(),
                    );
                }
                Basemap::Http(
                    Box::new(HttpTiles::with_options(
                        XyzSource::new(url),
                        http_options(),
                        ctx.clone(),
                    )),
                    None,
                )
            }
        })
    }
}

/// Opens an offline package (checked first: a broken one is refused with a message).
pub fn open_offline(path: &PathBuf, ctx: &Context) -> Result<Basemap, String> {
    let info = tiles::inspect(path).map_err(|e| e.to_string())?;
    if info.container == "pmtiles" {
        Ok(Basemap::PmTiles(Box::new(walkers::PmTiles::new(
            path,
            ctx.clone(),
        ))))
    } else {
        Ok(Basemap::MbTiles(MbTilesTiles::open(path, ctx.clone())?))
    }
}

/// The result of checking a Tianditu key against the service.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyCheck {
    /// The service returned a tile.
    Ok,
    /// HTTP 418 or 403: bad key, wrong key type or quota exhausted.
    Rejected(u16),
    /// Another HTTP status.
    Status(u16),
    /// No network.
    Offline(String),
}

impl KeyCheck {
    /// A message for the user.
    pub fn message(&self) -> String {
        match self {
            KeyCheck::Ok => "天地图密钥有效 / Tianditu key accepted".into(),
            KeyCheck::Rejected(s) => format!("天地图拒绝了请求（HTTP {s}）：密钥无效或当日配额已用完；请使用“服务器端”类型的密钥 / Tianditu refused (HTTP {s}): key invalid or quota exhausted; use a server-side key"),
            KeyCheck::Status(s) => format!("天地图返回 HTTP {s} / Tianditu answered HTTP {s}"),
            KeyCheck::Offline(e) => format!("无法连接天地图（离线？），仅显示已缓存的瓦片 / Cannot reach Tianditu (offline?): only cached tiles are shown ({e})"),
        }
    }
}

/// Interprets an HTTP status from Tianditu.
pub fn classify_status(status: u16) -> KeyCheck {
    match status {
        200 => KeyCheck::Ok,
        418 | 403 => KeyCheck::Rejected(status),
        s => KeyCheck::Status(s),
    }
}

/// Fetches tile 0/0/0 of an XYZ template (`{z}/{x}/{y}`) to see whether the source answers (run it in a
/// background thread): `None` when it does, else why not, in Chinese and English.
pub fn check_xyz(template: &str) -> Option<String> {
    let url = template
        .replace("{z}", "0")
        .replace("{x}", "0")
        .replace("{y}", "0")
        .replace("{s}", "a");
    let client = reqwest::blocking::Client::builder()
        .timeout(std::time::Duration::from_secs(8))
        .user_agent("YiTu/0.1")
        .build()
        .ok()?;
    match client.get(&url).send() {
        Ok(r) if r.status().is_success() => None,
        Ok(r) => Some(format!(
            "在线底图返回 HTTP {}，无法显示 / the online basemap answered HTTP {}",
            r.status().as_u16(),
            r.status().as_u16()
        )),
        Err(e) => Some(format!(
            "无法连接在线底图（离线？），仅显示已缓存的瓦片 / cannot reach the online basemap (offline?): only cached tiles are shown ({e})"
        )),
    }
}

/// Fetches one tile to check a key (run it in a background thread). `base` overrides the
/// service address (tests use a local server).
pub fn check_tianditu_key(key: &str, base: Option<&str>) -> KeyCheck {
    let url = match base {
        Some(b) => format!("{b}/vec_w/wmts?tk={key}"),
        None => tianditu_url("vec", key, 1, 1, 0),
    };
    let client = match reqwest::blocking::Client::builder()
        .timeout(std::time::Duration::from_secs(8))
        .user_agent("YiTu/0.1")
        .build()
    {
        Ok(c) => c,
        Err(e) => return KeyCheck::Offline(e.to_string()),
    };
    match client
        .get(url)
        .header("Referer", "https://www.tianditu.gov.cn/")
        .send()
    {
        Ok(r) => classify_status(r.status().as_u16()),
        Err(e) => KeyCheck::Offline(e.to_string()),
    }
}

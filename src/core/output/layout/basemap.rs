//! The offline basemap under a map frame: Web Mercator tiles warped into the print CRS (the frame is never Web
//! Mercator), at the zoom whose pixels match the output's, as one image per frame. Each output pixel's ground
//! position is projected through a grid of nodes every 16 pixels (PROJ at the nodes, bilinear between them, well
//! under a pixel of error at county size) and sampled from its tile.

use super::draw::{Canvas, Frame};
use crate::core::io::tiles::MbTiles;
use crate::core::model::crs::{lonlat_to_mercator, Crs, Transformer, MERCATOR_R};
use std::collections::HashMap;

/// At most this many tiles are read for one frame (a frame far larger than the package's detail is left bare).
pub const MAX_TILES: usize = 900;

/// The basemap of `frame` as RGBA pixels (`w × h`, straight alpha) at `dpi`, faded to `opacity`; `None` when the
/// package covers nothing of the frame or would need too many tiles.
pub fn frame_image(
    tiles: &MbTiles,
    crs: &Crs,
    frame: &Frame,
    dpi: f32,
    opacity: f32,
) -> Option<(Vec<u8>, u32, u32)> {
    let w = ((frame.rect.w / 25.4 * dpi).round() as u32).clamp(1, 6000);
    let h = ((frame.rect.h / 25.4 * dpi).round() as u32).clamp(1, 6000);
    let g = frame.ground;
    let step = 16u32;
    let (nx, ny) = (w / step + 2, h / step + 2);
    // Ground position of node (i, j), then to Web Mercator.
    let mut nodes: Vec<[f64; 2]> = Vec::with_capacity((nx * ny) as usize);
    for j in 0..ny {
        for i in 0..nx {
            let (px, py) = ((i * step) as f64, (j * step) as f64);
            nodes.push([
                g.min_x + px / w as f64 * g.width(),
                g.max_y - py / h as f64 * g.height(),
            ]);
        }
    }
    Transformer::to_lonlat(crs)
        .ok()?
        .transform(&mut nodes)
        .ok()?;
    let mid_lat = nodes[nodes.len() / 2][1].to_radians();
    for n in nodes.iter_mut() {
        *n = lonlat_to_mercator(n[0], n[1]);
    }
    // The zoom whose tile pixels are about the size of an output pixel.
    let world = 2.0 * std::f64::consts::PI * MERCATOR_R;
    let merc_per_px = g.width() / w as f64 / mid_lat.cos().max(0.1);
    let z = ((world / (256.0 * merc_per_px)).log2().round() as i32)
        .clamp(tiles.info.min_zoom as i32, tiles.info.max_zoom as i32) as u8;
    let n = 1u32 << z;
    let size = world / n as f64;
    let mut cache: HashMap<(u32, u32), Option<image::RgbaImage>> = HashMap::new();
    let mut out = vec![0u8; (w * h * 4) as usize];
    let mut any = false;
    for y in 0..h {
        let (j, fy) = ((y / step) as usize, (y % step) as f64 / step as f64);
        for x in 0..w {
            let (i, fx) = ((x / step) as usize, (x % step) as f64 / step as f64);
            let at = |i: usize, j: usize| nodes[j * nx as usize + i];
            let (a, b, c, d) = (at(i, j), at(i + 1, j), at(i, j + 1), at(i + 1, j + 1));
            let mx =
                (a[0] * (1.0 - fx) + b[0] * fx) * (1.0 - fy) + (c[0] * (1.0 - fx) + d[0] * fx) * fy;
            let my =
                (a[1] * (1.0 - fx) + b[1] * fx) * (1.0 - fy) + (c[1] * (1.0 - fx) + d[1] * fx) * fy;
            let tx = (mx + world / 2.0) / size;
            let ty = (world / 2.0 - my) / size;
            if !(tx >= 0.0 && ty >= 0.0 && tx < n as f64 && ty < n as f64) {
                continue;
            }
            let key = (tx as u32, ty as u32);
            if !cache.contains_key(&key) {
                if cache.len() >= MAX_TILES {
                    return None;
                }
                let img = tiles
                    .tile(z, key.0, key.1)
                    .ok()
                    .flatten()
                    .and_then(|b| image::load_from_memory(&b).ok())
                    .map(|i| i.to_rgba8());
                cache.insert(key, img);
            }
            let Some(Some(img)) = cache.get(&key) else {
                continue;
            };
            let (iw, ih) = img.dimensions();
            let sx = (((tx - key.0 as f64) * iw as f64) as u32).min(iw - 1);
            let sy = (((ty - key.1 as f64) * ih as f64) as u32).min(ih - 1);
            let p = img.get_pixel(sx, sy).0;
            let o = ((y * w + x) * 4) as usize;
            out[o..o + 3].copy_from_slice(&p[..3]);
            out[o + 3] = (p[3] as f32 * opacity) as u8;
            any = true;
        }
    }
    any.then_some((out, w, h))
}

/// Draws the basemap of `frame` on `c` at the canvas's image resolution, faded to 85 % over `under` (the colour
/// beneath, so the image is opaque): as a photograph (JPEG in a PDF) when the package's tiles are JPEG or WebP,
/// losslessly when they are PNG (flat map colours compress better without loss).
pub fn draw(c: &mut dyn Canvas, tiles: &MbTiles, crs: &Crs, frame: &Frame, under: [u8; 3]) {
    let Some((mut px, w, h)) = frame_image(tiles, crs, frame, c.image_dpi(), 0.85) else {
        return;
    };
    for p in px.chunks_exact_mut(4) {
        let a = p[3] as u32;
        for k in 0..3 {
            p[k] = ((p[k] as u32 * a + under[k] as u32 * (255 - a) + 127) / 255) as u8;
        }
        p[3] = 255;
    }
    c.begin_group("底图");
    if matches!(tiles.info.format.as_str(), "jpg" | "jpeg" | "webp") {
        c.photo(frame.rect, &px, w, h);
    } else {
        c.image(frame.rect, &px, w, h);
    }
    c.end_group();
}

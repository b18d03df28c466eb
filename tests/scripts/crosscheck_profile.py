"""Independent check of `yitu profile`: GeoPandas overlay of parcels (DLTB) and villages (CJDCQ)
with the same apportioning (a split parcel gives each village the share of its TBDLMJ equal to
the share of its area inside it; 田坎 = KCMJ of KCDLBM 1203 as class 1203), compared per village
and class with YiTu's JSON. Usage: crosscheck_profile.py GPKG YITU_JSON [TOLERANCE]
Exits 0 when every village/class agrees within TOLERANCE (relative, default 0.001) or 0.01 亩."""
import json
import sys

import geopandas as gpd

MU = 10000.0 / 15.0


def main():
    gpkg, yitu_json = sys.argv[1], sys.argv[2]
    tol = float(sys.argv[3]) if len(sys.argv) > 3 else 0.001
    parcels = gpd.read_file(gpkg, layer="DLTB")
    villages = gpd.read_file(gpkg, layer="CJDCQ")[["ZLDWDM", "geometry"]]
    villages["vcode"] = villages["ZLDWDM"].str[:12]
    parcels["parcel_area"] = parcels.geometry.area
    parcels["pid"] = range(len(parcels))
    pieces = gpd.overlay(parcels, villages[["vcode", "geometry"]], how="intersection", keep_geom_type=True)
    share = pieces.geometry.area / pieces["parcel_area"]
    pieces["land"] = pieces["TBDLMJ"] * share
    pieces["ridge"] = pieces["KCMJ"].where(pieces["KCDLBM"] == "1203", 0.0).fillna(0.0) * share
    expected = {}
    for (v, code), a in pieces.groupby(["vcode", "DLBM"])["land"].sum().items():
        expected.setdefault(v, {})[code] = a / MU
    for v, a in pieces.groupby("vcode")["ridge"].sum().items():
        if a > 0:
            expected.setdefault(v, {})
            expected[v]["1203"] = expected[v].get("1203", 0.0) + a / MU
    got = {v["code"]: v["landuse_mu"] for v in json.load(open(yitu_json))}
    bad = 0
    checked = 0
    for v, classes in expected.items():
        for code, a in classes.items():
            b = got.get(v, {}).get(code, 0.0)
            checked += 1
            if abs(a - b) > max(tol * abs(a), 0.01):
                bad += 1
                if bad <= 20:
                    print(f"{v} {code}: geopandas {a:.4f} 亩, yitu {b:.4f} 亩")
    for v, classes in got.items():
        for code, b in classes.items():
            if code not in expected.get(v, {}) and b > 0.01:
                bad += 1
                print(f"{v} {code}: only in yitu ({b:.4f} 亩)")
    # Geometric areas of the control layers inside each village (permanent farmland, red line,
    # development boundary), where the file has them.
    yitu = {v["code"]: v for v in json.load(open(yitu_json))}
    layers = set(gpd.list_layers(gpkg)["name"])
    for layer, key in [("YJJBNTTB", "permanent_farmland_mu"), ("STBHHX", "eco_redline_mu"), ("CZKFBJ", "dev_boundary_mu")]:
        if layer not in layers or not any(key in v for v in yitu.values()):
            continue
        ctrl = gpd.read_file(gpkg, layer=layer)[["geometry"]]
        # An area layer: a place inside two of its polygons counts once.
        ctrl = gpd.GeoDataFrame(geometry=[ctrl.geometry.make_valid().union_all()], crs=ctrl.crs)
        inside = gpd.overlay(ctrl, villages[["vcode", "geometry"]], how="intersection", keep_geom_type=True)
        areas = (inside.geometry.area / MU).groupby(inside["vcode"]).sum()
        for v, y in yitu.items():
            a = float(areas.get(v, 0.0))
            checked += 1
            if abs(a - y[key]) > max(tol * abs(a), 0.01):
                bad += 1
                if bad <= 20:
                    print(f"{v} {key}: geopandas {a:.4f} 亩, yitu {y[key]:.4f} 亩")
    # Each village's ellipsoidal area (area_mu) by pyproj's Geod on GRS80 (CGCS2000), ring by
    # ring as |exterior| − |holes|, so the stored ring order cannot matter.
    from pyproj import Geod

    geod = Geod(ellps="GRS80")

    def ring_area(r):
        lon, lat = r.coords.xy
        return abs(geod.polygon_area_perimeter(lon, lat)[0])

    def geodesic(g):
        polys = [g] if g.geom_type == "Polygon" else list(g.geoms)
        return sum(ring_area(p.exterior) - sum(ring_area(h) for h in p.interiors) for p in polys)

    ll = villages.to_crs(4490)
    for code, g in zip(ll["vcode"], ll.geometry):
        if g is None or g.is_empty or code not in yitu:
            continue
        a = geodesic(g) / MU
        y = yitu[code]["area_mu"]
        checked += 1
        if abs(a - y) > max(1e-6 * a, 0.01):
            bad += 1
            if bad <= 20:
                print(f"{code} area_mu: pyproj {a:.4f} 亩, yitu {y:.4f} 亩")
    print(f"{checked} village/class values (area_mu included) compared, {bad} differ by more than {tol:.2%}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()

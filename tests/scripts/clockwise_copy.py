"""Writes a copy of a GeoPackage whose polygon rings run the shapefile way (exteriors clockwise,
holes counter-clockwise), as a county converted from shapefiles with ogr2ogr keeps them.
Usage: clockwise_copy.py IN.gpkg OUT.gpkg. Checks that the rings were stored clockwise."""
import sys

import geopandas as gpd
import pyogrio
import shapely
from shapely.geometry.polygon import orient


def clockwise(g):
    if g is None or g.is_empty:
        return g
    if g.geom_type == "Polygon":
        return orient(g, sign=-1.0)
    if g.geom_type == "MultiPolygon":
        return shapely.MultiPolygon([orient(p, sign=-1.0) for p in g.geoms])
    return g


def main():
    src, dst = sys.argv[1], sys.argv[2]
    for i, name in enumerate(gpd.list_layers(src)["name"]):
        df = gpd.read_file(src, layer=name)
        if df.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).any():
            df["geometry"] = df.geometry.apply(clockwise)
        df.to_file(dst, layer=name, driver="GPKG", mode="w" if i == 0 else "a")
    # The rings are stored clockwise (GDAL keeps the order it is given).
    for name in gpd.list_layers(dst)["name"]:
        for g in pyogrio.read_dataframe(dst, layer=name).geometry:
            if g is None or g.geom_type not in ("Polygon", "MultiPolygon"):
                continue
            polys = [g] if g.geom_type == "Polygon" else list(g.geoms)
            for p in polys:
                assert not p.exterior.is_ccw, f"{name}: exterior stored counter-clockwise"
            break
    print(f"clockwise copy of {src} -> {dst}")


if __name__ == "__main__":
    main()

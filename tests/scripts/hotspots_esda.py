"""Independent check of YiTu's Gi* hot spots (tests/chain.rs), end to end on the GeoPackage `yitu chain hotspots`
wrote: the firms are counted on its hexagons by GeoPandas (a spatial join of the firms' layer, not YiTu's own
binning), the neighbours are PySAL's DistanceBand of the hexagon centroids (binary), and Gi* is
esda.G_Local(transform='B', star=True) — the form ArcGIS uses.

usage: hotspots_esda.py HOTSPOTS.gpkg FIRMS.gpkg FIRMS_LAYER BAND
prints one line per hexagon: firms_by_sjoin yitu_firms esda_z yitu_z esda_p2 yitu_p
"""
import sys
import warnings

import esda
import geopandas as gpd
import libpysal
import numpy as np

warnings.filterwarnings("ignore")
hot = gpd.read_file(sys.argv[1], layer="hotspots")
firms = gpd.read_file(sys.argv[2], layer=sys.argv[3]).to_crs(hot.crs)
band = float(sys.argv[4])
joined = gpd.sjoin(firms, hot[["geometry"]], predicate="within", how="inner")
counts = joined.groupby("index_right").size().reindex(hot.index, fill_value=0).to_numpy()
xy = np.column_stack([hot.geometry.centroid.x, hot.geometry.centroid.y])
w = libpysal.weights.DistanceBand(xy, threshold=band, binary=True, silence_warnings=True)
g = esda.G_Local(counts.astype(float), w, transform="B", star=True, permutations=0)
from scipy.stats import norm

for i in range(len(hot)):
    print(counts[i], int(hot["firms"][i]), repr(float(g.Zs[i])), repr(float(hot["gi_z"][i])),
          repr(float(2 * norm.sf(abs(g.Zs[i])))), repr(float(hot["gi_p"][i])))

"""Independent check of YiTu's talent accessibility (tests/talent.rs): geodesic distances with pyproj's Geod on
GRS80 (the CGCS2000 ellipsoid), and the floating catchment family with PySAL `access` on those distances.

usage: access_pysal.py demand.csv supply.csv MAX_KM
  demand.csv: id,lon,lat,demand    supply.csv: id,lon,lat,supply
prints: the distance matrix's largest relative difference line is left to the caller; lines
  dist <i> <j> <km>            for every pair (row-major)
  2sfca <i> <value>            classic 2SFCA within MAX_KM
  e2sfca <i> <value>           step weights {MAX/3: 1, 2MAX/3: 0.68, MAX: 0.22}
  g2sfca <i> <value>           gravity weights (scale 100 km, alpha -1.5, min 1 km), no cut
  potential <i> <value>        weighted catchment with the gravity weights, no cut
"""
import sys
import warnings

import numpy as np
import pandas as pd
from access import fca, weights
from pyproj import Geod

warnings.filterwarnings("ignore")
dem = pd.read_csv(sys.argv[1])
sup = pd.read_csv(sys.argv[2])
mx = float(sys.argv[3])
g = Geod(ellps="GRS80")
rows = []
for i, d in dem.iterrows():
    _, _, dist = g.inv(np.full(len(sup), d.lon), np.full(len(sup), d.lat), sup.lon.values, sup.lat.values)
    for j, km in enumerate(dist / 1000.0):
        rows.append((int(d.id), int(sup.id[j]), km))
cost = pd.DataFrame(rows, columns=["origin", "dest", "cost"])
for o, dd, km in rows:
    print("dist", o, dd, repr(float(km)))
demand_df = dem.set_index("id")[["demand"]]
demand_df.index.name = "geoid"
supply_df = sup.set_index("id")[["supply"]]
supply_df.index.name = "geoid"
step = weights.step_fn({mx / 3: 1.0, 2 * mx / 3: 0.68, mx: 0.22})
grav = weights.gravity(scale=100.0, alpha=-1.5, min_dist=1.0)
for name, m, w in [("2sfca", mx, None), ("e2sfca", mx, step), ("g2sfca", None, grav)]:
    s = fca.two_stage_fca(demand_df.reset_index(), supply_df, cost, max_cost=m, demand_index="geoid",
                          demand_name="demand", supply_name="supply", weight_fn=w)
    for i in dem.id:
        print(name, int(i), repr(float(s.get(i, 0.0))))
pot = fca.weighted_catchment(supply_df.reset_index(), cost, None, cost_source="dest", cost_dest="origin",
                             cost_cost="cost", loc_index="geoid", loc_value="supply", weight_fn=grav)
for i in dem.id:
    print("potential", int(i), repr(float(pot.get(i, 0.0))))

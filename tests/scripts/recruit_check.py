"""Independent check of YiTu's recruitment lists and relatedness (tests/chain.rs), with pandas and numpy.

1. top: from the candidate list (pandas, codes as text), the firms whose industry code starts with one of CODES,
   outside the county HOME, sorted 规上 first then by output (descending), the first N credit codes.
   usage: recruit_check.py top candidates.csv HOME N CODE [CODE…]
2. density: from a cells CSV (region,link,value), RCA, M = RCA >= 1, proximity phi = co-occurrence / max
   ubiquity, and the density of region HOME around every link (Hidalgo et al. 2007), printed as link,density.
   usage: recruit_check.py density cells.csv HOME
"""
import sys

import numpy as np
import pandas as pd

if sys.argv[1] == "top":
    df = pd.read_csv(sys.argv[2], dtype=str)
    home, n, codes = sys.argv[3], int(sys.argv[4]), sys.argv[5:]
    df["产值万元"] = df["产值万元"].astype(float)
    sel = df[df["行业代码"].apply(lambda c: any(c.startswith(k) for k in codes)) & ~df["县级代码"].str.startswith(home)]
    sel = sel.assign(above=(sel["规上"] == "是").astype(int)).sort_values(["above", "产值万元"], ascending=[False, False], kind="stable")
    for c in sel["统一社会信用代码"].head(n):
        print(c)
else:
    cells = pd.read_csv(sys.argv[2], dtype={"region": str, "link": str})
    home = sys.argv[3]
    cells = cells[cells["value"] > 0]
    x = cells.pivot_table(index="region", columns="link", values="value", aggfunc="sum", fill_value=0.0)
    rca = (x.div(x.sum(axis=1), axis=0)).div(x.sum(axis=0) / x.values.sum(), axis=1)
    m = (rca >= 1.0).astype(float)
    u = m.sum(axis=0).values
    co = m.values.T @ m.values
    phi = co / np.maximum.outer(u, u)
    phi = np.nan_to_num(phi)
    np.fill_diagonal(phi, 0.0)
    mh = m.loc[home].values
    dens = (phi @ mh) / phi.sum(axis=1)
    for link, d in zip(m.columns, np.nan_to_num(dens)):
        print(f"{link},{float(d)!r}")

"""Independent check of YiTu's chain measures with pandas (tests/chain.rs).

Reads a CSV of firm placements (firm, chain, link, area, output, employees; a firm on several links has a row for
each) and writes, for the firms whose area starts with AREA against those whose area starts with REFERENCE, one line
per chain link present in the reference: chain, link, firms, LQ on employees = (e_i/e)/(E_i/E) with e and E the
employees of all placed firms (each firm once), and the Herfindahl-Hirschman index of the area's firms' output
shares on the link.

usage: chain_measures.py placements.csv AREA REFERENCE > out.csv
"""
import sys

import pandas as pd

path, area, ref = sys.argv[1], sys.argv[2], sys.argv[3]
df = pd.read_csv(path, dtype={"area": str, "firm": int})
firms = df.drop_duplicates("firm")
in_area = firms[firms["area"].str.startswith(area)]
in_ref = firms[firms["area"].str.startswith(ref)]
e, big_e = in_area["employees"].sum(), in_ref["employees"].sum()
rows = []
for (chain, link), g in df.groupby(["chain", "link"]):
    here = g[g["area"].str.startswith(area)]
    there = g[g["area"].str.startswith(ref)]
    e_i, big_e_i = here["employees"].sum(), there["employees"].sum()
    lq = (e_i / e) / (big_e_i / big_e) if e > 0 and big_e > 0 and big_e_i > 0 else float("nan")
    out = here["output"].sum()
    hhi = ((here["output"] / out) ** 2).sum() if out > 0 else float("nan")
    rows.append((chain, link, len(here), lq, hhi))
pd.DataFrame(rows, columns=["chain", "link", "firms", "lq", "hhi"]).to_csv(sys.stdout, index=False)

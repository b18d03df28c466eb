"""Independent check of YiTu's location quotient against a statistics table (tests/chain.rs), with pandas.

Inputs: the register (CSV, read by pandas with codes as text), the chain templates as JSON (`yitu chain show
--format json` for each chain, concatenated into a list), the province's statistics table, and the placements
(credit_code,chain,link — a firm on several links has a row for each; YiTu's placement is checked elsewhere).

  e_i = employees of the county's firms on the link; e = employees of all placed firms of the register (each once)
  E_i = for each code of the link: the table's row of that code, else the sum of its rows under that code
  E   = the table's 合计 row
  LQ  = (e_i / e) / (E_i / E)

usage: chain_lq_table.py register.csv templates.json stats.csv placements.csv > chain,link,lq
"""
import json
import sys

import pandas as pd

reg = pd.read_csv(sys.argv[1], dtype=str)
chains = json.load(open(sys.argv[2], encoding="utf-8"))
stats = pd.read_csv(sys.argv[3], dtype={"行业代码": str})
placed = pd.read_csv(sys.argv[4], dtype=str)
reg["从业人员"] = pd.to_numeric(reg["从业人员"], errors="coerce").fillna(0)
total = stats[stats["行业代码"] == "合计"]["从业人员"].astype(float).iloc[0]
rows = stats[stats["行业代码"] != "合计"].copy()
rows["从业人员"] = rows["从业人员"].astype(float)
# Employees per firm row; a firm twice in the register counts as the register has it (each row once).
reg = reg.reset_index().rename(columns={"index": "row"})
placed["row"] = placed["row"].astype(int)
e = reg[reg["row"].isin(placed["row"].unique())]["从业人员"].sum()
out = []
for c in chains:
    for link in c["links"]:
        on = placed[(placed["chain"] == c["name"]) & (placed["link"] == link["id"])]
        e_i = reg[reg["row"].isin(on["row"])]["从业人员"].sum()
        big_e_i = 0.0
        for code in link["codes"]:
            exact = rows[rows["行业代码"] == code]
            big_e_i += exact["从业人员"].sum() if len(exact) else rows[rows["行业代码"].str.startswith(code)]["从业人员"].sum()
        lq = (e_i / e) / (big_e_i / total) if e > 0 and big_e_i > 0 else float("nan")
        out.append((c["name"], link["id"], lq))
pd.DataFrame(out, columns=["chain", "link", "lq"]).to_csv(sys.stdout, index=False)

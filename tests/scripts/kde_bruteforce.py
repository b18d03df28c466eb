"""Independent check of YiTu's kernel density (tests/chain.rs): the documented quartic kernel of Silverman,
K(d) = 3/(pi r^2) * (1 - (d/r)^2)^2 for d < r, summed by brute force over every point for every cell centre, per km^2.

usage: kde_bruteforce.py points.csv MIN_X MAX_Y CELL COLS ROWS RADIUS > values.txt   (points.csv: x,y,w)
"""
import csv
import math
import sys

path = sys.argv[1]
min_x, max_y, cell = float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
cols, rows, r = int(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7])
pts = [(float(a["x"]), float(a["y"]), float(a["w"])) for a in csv.DictReader(open(path))]
for row in range(rows):
    cy = max_y - (row + 0.5) * cell
    out = []
    for col in range(cols):
        cx = min_x + (col + 0.5) * cell
        s = 0.0
        for x, y, w in pts:
            d = math.hypot(cx - x, cy - y)
            if d < r:
                s += w * 3.0 / (math.pi * r * r) * (1.0 - (d / r) ** 2) ** 2
        out.append(repr(s * 1e6))
    print(" ".join(out))

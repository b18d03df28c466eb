"""Independent check of YiTu's DBSCAN (tests/chain.rs): scikit-learn's DBSCAN(eps, min_samples) labels of the same
points (Euclidean distance, a point counts itself).

usage: dbscan_sklearn.py points.csv EPS MIN_SAMPLES > labels.txt   (points.csv: x,y; one label per line)
"""
import sys

import numpy as np
from sklearn.cluster import DBSCAN

xy = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1, ndmin=2)
labels = DBSCAN(eps=float(sys.argv[2]), min_samples=int(sys.argv[3])).fit(xy).labels_
print("\n".join(str(int(v)) for v in labels))

"""Independent check of YiTu's co-location quotients (tests/chain.rs), by brute force with numpy from the formulas
of Leslie & Kronenfeld (2011) and, for the local quotient, the Gaussian kernel over the k nearest neighbours of
Wang et al. (2017):

  CLQ(A->B)  = (C(A->B) / N_A) / (N'_B / (N - 1)), C(A->B) = sum over A points of the share of their nearest
               neighbours (ties share) that are B; N'_B = N_B - 1 when A is B.
  LCLQ(Ai->B) = (sum_j w_ij [j is B] / sum_j w_ij) / (N'_B / (N - 1)), w_ij = exp(-0.5 d_ij^2 / d_ik^2),
               j over the k nearest neighbours of i (ties at the k-th included).

usage: colocation_bruteforce.py points.csv K   (points.csv: x,y,a,b with a and b 0/1)
prints the global CLQ on the first line, then one local value per A point (in order).
"""
import sys

import numpy as np

d = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1, ndmin=2)
k = int(sys.argv[2])
xy, a, b = d[:, :2], d[:, 2] > 0.5, d[:, 3] > 0.5
n = len(xy)
dist = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
np.fill_diagonal(dist, np.inf)
same = bool((a == b).all())
nb = b.sum() - (1 if same else 0)
expect = nb / (n - 1)
c = 0.0
for i in np.where(a)[0]:
    m = dist[i].min()
    nn = np.where(dist[i] == m)[0]
    c += b[nn].mean()
print(repr(float((c / a.sum()) / expect)))
for i in np.where(a)[0]:
    order = np.sort(dist[i])
    kth = order[k - 1]
    nn = np.where(dist[i] <= kth)[0]
    w = np.exp(-0.5 * dist[i][nn] ** 2 / kth ** 2)
    print(repr(float((w * b[nn]).sum() / w.sum() / expect)))

#!/usr/bin/env bash
# Creates the Python reference environment .venv-ref in the repo root: the independent tools
# (GeoPandas, pyogrio, Shapely/GEOS, pyproj, pyshp, openpyxl, pandas; PySAL esda/libpysal and scikit-learn for
# the hot spots and clusters; PySAL access for the talent map's accessibility) used to generate test
# fixtures (tests/fixtures/other_writers/make.py) and to cross-check YiTu's numbers.
# Idempotent: an existing .venv-ref is reused and pip only installs what is missing or differs.
# Works on a fresh Debian 12 (installs python3-venv when the venv/ensurepip modules are missing).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv-ref"

PKGS=(
  geopandas==1.2.0
  pyogrio==0.13.0
  shapely==2.2.0
  pyproj==3.7.2
  pyshp==3.1.6
  openpyxl==3.1.5
  pandas==3.1.1
  esda==2.9.0
  libpysal==4.14.1
  scikit-learn==1.9.1
  access==1.1.10.post3
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  echo "installing python3-venv"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3 python3-venv
fi

# a half-made venv (no pip inside) is made again
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
fi

"$VENV/bin/python" -m pip install -q --disable-pip-version-check "${PKGS[@]}"

"$VENV/bin/python" - <<'PY'
import sys
from importlib.metadata import version
print("python", sys.version.split()[0])
for p in ["geopandas", "pyogrio", "shapely", "pyproj", "pyshp", "openpyxl", "pandas", "numpy", "esda", "libpysal", "scikit-learn", "scipy", "access"]:
    print(p, version(p))
import pyogrio, shapely
print("GDAL (pyogrio wheel)", pyogrio.__gdal_version_string__, "| GEOS", shapely.geos_version_string)
PY
echo "venv: $VENV"

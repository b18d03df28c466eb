#!/usr/bin/env bash
# Installs the system packages YiTu needs to build, test and run on Debian 12 / Ubuntu 22.04+.
# Idempotent: packages already present are left alone. Run as root or with sudo available.
set -euo pipefail

PKGS=(
  # build
  build-essential pkg-config curl ca-certificates
  # GDAL (readers for Shapefile, FileGDB, GeoJSON, KML; coordinate transforms) and the one system SQLite
  libgdal-dev gdal-bin libsqlite3-dev
  # native file dialogs (rfd, GTK3)
  libgtk-3-dev
  # X11 / OpenGL runtime for the desktop window (eframe glow)
  libx11-6 libxcursor1 libxrandr2 libxi6 libxkbcommon-x11-0 libgl1 libegl1 libgl1-mesa-dri
  # headless runs and screenshots (tests, CI); PDF to PNG for looking at exports
  xvfb xauth x11-apps poppler-utils
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "system packages: all present"
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "installing Rust (rustup)"
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
  # shellcheck disable=SC1091
  . "$HOME/.cargo/env"
fi

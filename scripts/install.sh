#!/usr/bin/env bash
# Installs what the portal needs on a fresh Debian 12 machine, and nothing twice.
#   scripts/install.sh run   — runtime: apt packages, .venv from pyproject.toml, npm assets, translations
#   scripts/install.sh test  — the same plus test extras, PostgreSQL, Chromium and poppler
#   scripts/install.sh bench — the same as test plus the bench extras (the peers make bench measures)
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}

apt_packages=(redis-server fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 gettext)
if [ "$mode" = test ] || [ "$mode" = bench ]; then
  apt_packages+=(postgresql chromium poppler-utils)
fi

missing=()
for package in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  command="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "These system packages are missing: ${missing[*]}"
    echo "Run as root, then run make again:"
    echo "  sudo sh -c '$command'"
    exit 1
  fi
  echo "==> apt: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Python environment, pinned in pyproject.toml; reinstalled only when pyproject.toml changes.
if [ ! -x .venv/bin/python ]; then
  echo "==> python: creating .venv"
  python3 -m venv .venv
fi
extras=""
[ "$mode" = test ] && extras="[test]"
[ "$mode" = bench ] && extras="[test,bench]"
stamp=".venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)-${mode}"
if [ ! -f "$stamp" ] && ! { [ "$mode" = run ] && ls .venv/.installed-"$(sha1sum pyproject.toml | cut -c1-12)"-{test,bench} 2>/dev/null | grep -q .; }; then
  echo "==> python: installing the project${extras} into .venv"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extras}" 2>&1 \
    | grep -v "is ignored: it is neither a file nor a directory" || true
  .venv/bin/python -c "import django, rest_framework, celery, weasyprint" >/dev/null
  rm -f .venv/.installed-*-"${mode}"
  touch "$stamp"
fi

# Front-end assets from the npm lockfile, served by the portal itself (no CDN).
lock_stamp="node_modules/.installed-$(sha1sum package-lock.json | cut -c1-12)"
if [ ! -f "$lock_stamp" ]; then
  echo "==> npm: installing front-end assets from package-lock.json"
  npm ci --no-audit --no-fund --loglevel=error 2>&1 | grep -v 'Unknown user config' || true
  touch "$lock_stamp"
fi
mkdir -p var/static var/media
vendor=static/vendor
if [ ! -f "$vendor/.from-$(basename "$lock_stamp")" ]; then
  rm -rf "$vendor"
  mkdir -p "$vendor"/{bootstrap,bootstrap-icons,htmx,echarts}
  cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/css/bootstrap.min.css.map \
     node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map \
     "$vendor/bootstrap/"
  cp node_modules/bootstrap-icons/font/bootstrap-icons.min.css "$vendor/bootstrap-icons/"
  cp -r node_modules/bootstrap-icons/font/fonts "$vendor/bootstrap-icons/"
  cp node_modules/htmx.org/dist/htmx.min.js "$vendor/htmx/"
  cp node_modules/echarts/dist/echarts.min.js "$vendor/echarts/"
  touch "$vendor/.from-$(basename "$lock_stamp")"
fi

# Translations: compiled whenever a .po is newer than its .mo.
for po in locale/*/LC_MESSAGES/*.po; do
  mo="${po%.po}.mo"
  if [ ! -f "$mo" ] || [ "$po" -nt "$mo" ]; then
    msgfmt --check-format -o "$mo" "$po"
  fi
done

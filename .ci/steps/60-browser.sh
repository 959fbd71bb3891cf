#!/usr/bin/env bash
# The real-browser test of `narcodoor serve` (issue 14): headless Debian Chromium driven by
# Selenium through chromium-driver. Installs what is missing: the Debian packages
# chromium and chromium-driver, and selenium in a virtual environment under target/.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends chromium chromium-driver fonts-dejavu-core
fi
venv=target/browser-venv
if [ ! -x "$venv/bin/python" ]; then
    if ! python3 -m venv "$venv"; then
        rm -rf "$venv"
        apt-get update
        apt-get install -y --no-install-recommends python3-venv
        python3 -m venv "$venv"
    fi
fi
"$venv/bin/python" -c 'import selenium' 2>/dev/null || "$venv/bin/pip" install --quiet 'selenium>=4.15,<5'
cargo build --release --locked
"$venv/bin/python" tests/browser/test_page.py target/release/narcodoor

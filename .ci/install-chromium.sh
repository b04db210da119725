#!/usr/bin/env bash
# Installs Debian's Chromium for the report's browser test (src/Delight.Test/Reports/ReportBrowserTest.cs), which
# drives /usr/bin/chromium through Playwright: no browser download. Idempotent: does nothing when it is installed.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
    echo "chromium: already installed ($(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium))"
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update
$sudo apt-get install -y --no-install-recommends chromium
/usr/bin/chromium --version

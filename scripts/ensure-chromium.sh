#!/usr/bin/env bash
# Makes sure a Chromium the browser tests can drive is installed (test/portal-browser.test.ts).
# Playwright's own browser download cannot reach its host from our machines; Debian's `chromium`
# package can be installed, so CI installs it when missing. Idempotent and quiet: nothing is printed
# when Chromium is already there (CHROMIUM_PATH, or /usr/bin/chromium).
set -euo pipefail

if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "$CHROMIUM_PATH" ]; then exit 0; fi
if [ -x /usr/bin/chromium ]; then exit 0; fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: no apt-get here; install Chromium and set CHROMIUM_PATH" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

echo "ensure-chromium: installing Debian's chromium package"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
echo "ensure-chromium: $(/usr/bin/chromium --version 2>/dev/null || echo 'installed')"

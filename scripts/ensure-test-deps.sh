#!/bin/sh
# Installs what the test suite needs beyond node_modules, on a fresh Debian/Ubuntu machine:
#   nginx     for test/shadow/nginx.test.ts (detached mode behind nginx's `mirror`)
#   chromium  for the dashboard's browser tests (test/dashboard/browser.test.ts, driven by playwright-core)
# Idempotent: does nothing when both are there. Needs root (apt-get) only when something is missing.
set -eu

have_nginx() {
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]
}

have_chromium() {
  [ -x /usr/bin/chromium ]
}

missing=""
have_nginx || missing="$missing nginx"
have_chromium || missing="$missing chromium"
if [ -z "$missing" ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-test-deps: missing:$missing, and this is not root, so it cannot be installed here." >&2
  echo "  install once:  sudo apt-get install -y --no-install-recommends nginx-light chromium   (nginx where nginx-light is gone)" >&2
  echo "  then run the tests again." >&2
  exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-test-deps: missing:$missing, and there is no apt-get; install them with this system's package manager." >&2
  exit 1
fi

echo "ensure-test-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update
packages=""
if ! have_nginx; then
  # nginx-light where the distribution still has it (Debian 12), else nginx (Debian 13, Ubuntu 24.04).
  if apt-cache show nginx-light >/dev/null 2>&1; then packages="$packages nginx-light"; else packages="$packages nginx"; fi
fi
have_chromium || packages="$packages chromium"
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $packages

if ! have_nginx; then
  echo "ensure-test-deps: nginx still not found after installing it" >&2
  exit 1
fi
if ! have_chromium; then
  echo "ensure-test-deps: /usr/bin/chromium still not found after installing chromium" >&2
  exit 1
fi

#!/bin/sh
# Installs what the test suite needs beyond node_modules, on a fresh Debian/Ubuntu machine.
# Today: nginx, for test/shadow/nginx.test.ts (detached mode behind nginx's `mirror`).
# Idempotent: does nothing when nginx is already there. Needs root (apt-get) only when it is not.
set -eu

have_nginx() {
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]
}

if have_nginx; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-test-deps: nginx is not installed and this is not root, so it cannot be installed here." >&2
  echo "  install it once:  sudo apt-get install -y --no-install-recommends nginx-light   (or: nginx)" >&2
  echo "  then run the tests again." >&2
  exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-test-deps: nginx is not installed and there is no apt-get; install nginx with this system's package manager." >&2
  exit 1
fi

echo "ensure-test-deps: installing nginx (for test/shadow/nginx.test.ts)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update
# nginx-light where the distribution still has it (Debian 12), else nginx (Debian 13, Ubuntu 24.04).
if apt-cache show nginx-light >/dev/null 2>&1; then
  apt-get install -y --no-install-recommends nginx-light
else
  apt-get install -y --no-install-recommends nginx
fi

if ! have_nginx; then
  echo "ensure-test-deps: nginx still not found after installing it" >&2
  exit 1
fi

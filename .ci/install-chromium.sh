#!/usr/bin/env bash
# Installs Debian's chromium for the package tests (test/package/runtimes.test.ts drives it headless through
# playwright-core with executablePath /usr/bin/chromium: Playwright's own browser download is not used).
#
# Idempotent: does nothing when /usr/bin/chromium already runs. Exits non-zero when CI=true and it cannot be
# installed; elsewhere it says so loudly and exits 0 (the test then skips Chromium and says why).
set -uo pipefail

CHROMIUM=/usr/bin/chromium
loud() { printf '\n!!!!!!!!!! install-chromium: %s !!!!!!!!!!\n\n' "$*" >&2; }

works() { "$CHROMIUM" --headless --no-sandbox --disable-gpu --version >/dev/null 2>&1; }

if [ -x "$CHROMIUM" ] && works; then
	echo "chromium already installed: $("$CHROMIUM" --version 2>/dev/null)"
	exit 0
fi

if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo -n); fi
export DEBIAN_FRONTEND=noninteractive
if "${SUDO[@]}" apt-get update -q >/dev/null && "${SUDO[@]}" apt-get install -y -q --no-install-recommends chromium >/dev/null; then
	if works; then
		echo "installed: $("$CHROMIUM" --version 2>/dev/null)"
		exit 0
	fi
	loud "chromium was installed but $CHROMIUM does not run"
else
	loud "apt-get install chromium failed"
fi
if [ "${CI:-}" = "true" ]; then exit 1; fi
exit 0

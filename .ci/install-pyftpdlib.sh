#!/usr/bin/env bash
# Installs pyftpdlib (Debian's python3-pyftpdlib) for the client interop tests (test/interop/client-*.test.ts),
# with python3-openssl for its TLS handler (TLS_FTPHandler). The tests run it with /usr/bin/python3, the
# interpreter Debian's python3-* packages belong to, whatever `python3` is first on PATH.
#
# Idempotent: re-running skips what is already installed. Exits non-zero when CI=true and anything failed.
set -euo pipefail

PACKAGES=(python3-pyftpdlib python3-openssl)
PYTHON=/usr/bin/python3

loud() { printf '\n!!!!!!!!!! install-pyftpdlib: %s !!!!!!!!!!\n\n' "$*" >&2; }

is_installed() { [[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null || true) == ii* ]]; }

missing=()
for package in "${PACKAGES[@]}"; do
	is_installed "$package" || missing+=("$package")
done

problem=""
if ((${#missing[@]} > 0)); then
	if [[ $(id -u) -ne 0 ]]; then
		problem="must run as root to install ${missing[*]}"
	else
		install() { apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${missing[@]}" >/dev/null; }
		# A fresh machine may have no package lists yet: update once and try again.
		if ! install && ! { apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null && install; }; then
			problem="could not install ${missing[*]} with apt-get"
		fi
	fi
fi
if [[ -z $problem ]] && ! version=$("$PYTHON" -c 'import pyftpdlib, OpenSSL; print(pyftpdlib.__ver__)' 2>&1); then
	problem="$PYTHON cannot import pyftpdlib and OpenSSL: $version"
fi

if [[ -n $problem ]]; then
	loud "$problem"
	if [[ ${CI:-} == true ]]; then
		exit 1
	fi
	exit 0
fi
echo "install-pyftpdlib: pyftpdlib $version for $PYTHON"

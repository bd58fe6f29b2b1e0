#!/usr/bin/env bash
# Installs the real FTP servers the interop tests run against (test/interop/).
#
# vsftpd, proftpd-core and pure-ftpd conflict with each other as Debian packages (installing one removes the
# other), so each is fetched with `apt-get download` and unpacked with `dpkg-deb -x` into its own folder under
# /opt/ftp-servers/<name>/. Shared libraries they need that are not on this machine are unpacked into the same
# folder; /opt/ftp-servers/<name>/LD_LIBRARY_PATH lists where they are. Nothing is started here and no package
# is installed, so no init script or service runs.
#
# The tests also need two local accounts (only the servers on 127.0.0.1 ever see them):
#   ftp       – the anonymous account (pure-ftpd serves the home of "ftp" to anonymous users),
#   ftpreply  – a real user with a known password, for the wrong-then-right password login,
# and a PAM service file for vsftpd, whose Debian build authenticates local users only through PAM.
#
# Idempotent: re-running skips what is already there. Exits non-zero when CI=true and anything failed.
set -euo pipefail

ROOT=${FTP_SERVERS_ROOT:-/opt/ftp-servers}
SERVERS=(vsftpd proftpd-core pure-ftpd)
# Packages unpacked into a server's folder beside it: proftpd's mod_tls (AUTH TLS, for the client interop test)
# ships in proftpd-mod-crypto since 1.3.8.
ADDONS=(proftpd-mod-crypto:proftpd)
# The password is public on purpose: it only ever guards a throwaway server on 127.0.0.1 during the tests.
TEST_USER=ftpreply
TEST_PASSWORD=ftpreply-test-only
TEST_USER_HOME=/srv/ftpreply
ANON_HOME=/srv/ftp
PAM_SERVICE=/etc/pam.d/ftp-reply-vsftpd

failures=()
loud() { printf '\n!!!!!!!!!! install-servers: %s !!!!!!!!!!\n\n' "$*" >&2; }
fail() {
	failures+=("$*")
	loud "$*"
}

# Folder name for a package: proftpd-core -> proftpd.
folder_of() { case "$1" in proftpd-core) echo proftpd ;; *) echo "$1" ;; esac; }

is_installed() { [[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null || true) == ii* ]]; }

# The direct, non-alternative "Depends:" of a package that are shared-library packages (lib*).
lib_depends() {
	apt-cache depends --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances "$1" |
		awk '$1 == "Depends:" && $2 ~ /^lib/ && $2 !~ /^<.*>$/ { print $2 }' | sort -u
}

download_and_unpack() { # package destination
	local package=$1 destination=$2 workdir
	workdir=$(mktemp -d)
	# _apt cannot write into a root-only mktemp dir; let it, so apt does not warn about an unsandboxed download.
	chmod 0777 "$workdir"
	if (cd "$workdir" && apt-get download -q "$package" >/dev/null); then
		dpkg-deb -x "$workdir"/*.deb "$destination"
		dpkg-deb -f "$workdir"/*.deb Version
	else
		rm -rf "$workdir"
		return 1
	fi
	rm -rf "$workdir"
}

# Writes the folders holding unpacked shared libraries, colon-separated (empty when none).
library_path_of() {
	find "$1" \( -name '*.so' -o -name '*.so.*' \) -path '*/lib/*' ! -path '*/lib/proftpd/*' -printf '%h\n' |
		sort -u | paste -sd: -
}

# Shared-library dependencies of a package missing from this machine: unpacked beside the server, following their
# own library dependencies too.
unpack_libraries() { # package destination folder
	local package=$1 destination=$2 folder=$3
	local queue=() seen=" " dependency
	mapfile -t queue < <(lib_depends "$package")
	while ((${#queue[@]} > 0)); do
		dependency=${queue[0]}
		queue=("${queue[@]:1}")
		[[ $seen == *" $dependency "* ]] && continue
		seen+="$dependency "
		is_installed "$dependency" && continue
		echo "install-servers: $folder needs $dependency (not installed here): unpacking it beside the server"
		if ! download_and_unpack "$dependency" "$destination" >/dev/null; then
			fail "could not download $dependency, a library $package needs"
			return 1
		fi
		mapfile -t -O "${#queue[@]}" queue < <(lib_depends "$dependency")
	done
}

install_addon() { # package:folder
	local package=${1%%:*} folder=${1##*:} destination marker
	destination=$ROOT/$folder
	marker=$destination/ADDON-$package
	if [[ -s $marker ]]; then
		echo "install-servers: $package $(cat "$marker") already unpacked in $destination"
		return 0
	fi
	if [[ ! -s $destination/VERSION ]]; then
		fail "$package needs $folder, which is not unpacked"
		return 1
	fi
	local version
	if ! version=$(download_and_unpack "$package" "$destination"); then
		fail "could not download $package with apt-get download"
		return 1
	fi
	unpack_libraries "$package" "$destination" "$folder" || return 1
	library_path_of "$destination" >"$destination/LD_LIBRARY_PATH"
	echo "$version" >"$marker"
}

install_server() {
	local package=$1 folder destination version marker
	folder=$(folder_of "$package")
	destination=$ROOT/$folder
	marker=$destination/VERSION
	if [[ -s $marker ]]; then
		echo "install-servers: $folder $(cat "$marker") already unpacked in $destination"
		return 0
	fi
	rm -rf "$destination"
	mkdir -p "$destination"
	if ! version=$(download_and_unpack "$package" "$destination"); then
		fail "could not download $package with apt-get download (is apt reachable? was apt-get update run?)"
		return 1
	fi
	unpack_libraries "$package" "$destination" "$folder" || return 1
	library_path_of "$destination" >"$destination/LD_LIBRARY_PATH"
	echo "$version" >"$marker"
}

check_libraries() { # folder binary...
	local folder=$1 destination=$ROOT/$1 missing
	shift
	local library_path
	library_path=$(cat "$destination/LD_LIBRARY_PATH" 2>/dev/null || true)
	for binary in "$@"; do
		if [[ ! -e $destination/$binary ]]; then
			fail "$folder: $destination/$binary is missing after unpacking"
			continue
		fi
		missing=$(LD_LIBRARY_PATH=$library_path ldd "$destination/$binary" | grep 'not found' || true)
		if [[ -n $missing ]]; then
			fail "$folder: $binary cannot find shared libraries:"$'\n'"$missing"
		fi
	done
}

# useradd --user-group fails when a group of that name already exists: join it instead.
group_option() { if getent group "$1" >/dev/null; then echo "--gid $1"; else echo "--user-group"; fi; }

ensure_accounts() {
	if ! getent passwd ftp >/dev/null; then
		useradd --system --home-dir "$ANON_HOME" --no-create-home --shell /usr/sbin/nologin \
			$(group_option ftp) ftp
	fi
	mkdir -p "$ANON_HOME"
	chown root:root "$ANON_HOME"
	chmod 0755 "$ANON_HOME"
	# The file the anonymous sessions download (test/interop/servers.ts WELCOME_TEXT, the same bytes).
	printf 'Welcome to the ftp-reply interop test.\r\n' >"$ANON_HOME/welcome.txt"
	chmod 0644 "$ANON_HOME/welcome.txt"
	if ! getent passwd "$TEST_USER" >/dev/null; then
		# A regular (uid >= 1000) account: pure-ftpd refuses low uids by default.
		useradd --home-dir "$TEST_USER_HOME" --no-create-home --shell /usr/sbin/nologin \
			$(group_option "$TEST_USER") "$TEST_USER"
	fi
	# vsftpd changes into the home directory at login, before its local_root, so it must exist.
	usermod --home "$TEST_USER_HOME" "$TEST_USER" 2>/dev/null
	mkdir -p "$TEST_USER_HOME"
	chown "$TEST_USER:$TEST_USER" "$TEST_USER_HOME"
	echo "$TEST_USER:$TEST_PASSWORD" | chpasswd
	if [[ ! -s $PAM_SERVICE ]]; then
		cat >"$PAM_SERVICE" <<-'EOF'
			# Written by ftp-reply's .ci/install-servers.sh for the vsftpd interop test (pam_service_name).
			auth     required pam_unix.so
			account  required pam_unix.so
			session  required pam_permit.so
		EOF
	fi
}

if [[ $(id -u) -ne 0 ]]; then
	fail "must run as root (creates /opt/ftp-servers, the test accounts and a PAM service)"
else
	mkdir -p "$ROOT"
	for package in "${SERVERS[@]}"; do
		install_server "$package" || true
	done
	for addon in "${ADDONS[@]}"; do
		install_addon "$addon" || true
	done
	check_libraries vsftpd usr/sbin/vsftpd
	check_libraries proftpd usr/sbin/proftpd
	check_libraries pure-ftpd usr/sbin/pure-ftpd usr/bin/pure-pw
	check_libraries proftpd usr/lib/proftpd/mod_tls.so
	ensure_accounts || fail "could not create the test accounts ftp and $TEST_USER"
	# The pure-ftpd harness hashes the test password with `openssl passwd -6` for its puredb file.
	if ! command -v openssl >/dev/null; then
		apt-get -o DPkg::Lock::Timeout=600 install -y openssl >/dev/null || fail "could not install openssl"
	fi
fi

echo
echo "install-servers: FTP servers in $ROOT"
for package in "${SERVERS[@]}"; do
	folder=$(folder_of "$package")
	printf '  %-10s %s\n' "$folder" "$(cat "$ROOT/$folder/VERSION" 2>/dev/null || echo MISSING)"
done
# What the binaries themselves say (also proves they start with the unpacked libraries).
run_unpacked() { # folder binary args...
	local folder=$1 binary=$2
	shift 2
	[[ -x $ROOT/$folder/$binary ]] || return 1
	LD_LIBRARY_PATH=$(cat "$ROOT/$folder/LD_LIBRARY_PATH" 2>/dev/null || true) "$ROOT/$folder/$binary" "$@"
}
# vsftpd -v writes its version to file descriptor 0.
version_line=$(run_unpacked vsftpd usr/sbin/vsftpd -v 0>&1 2>&1 | head -1) || true
echo "  vsftpd:    ${version_line:-DOES NOT RUN}"
version_line=$(run_unpacked proftpd usr/sbin/proftpd -v 2>&1 | head -1) || true
echo "  proftpd:   ${version_line:-DOES NOT RUN}"
version_line=$(run_unpacked pure-ftpd usr/sbin/pure-ftpd --help 2>&1 | head -1) || true
echo "  pure-ftpd: ${version_line:-DOES NOT RUN}"

if ((${#failures[@]} > 0)); then
	loud "${#failures[@]} problem(s); the interop tests against the missing servers will fail loudly"
	if [[ ${CI:-} == true ]]; then
		exit 1
	fi
fi

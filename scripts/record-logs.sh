#!/usr/bin/env bash
# Regenerates the transcript fixtures in fixtures/logs/ by running REAL FTP servers on 127.0.0.1 and REAL clients
# against them, and keeping exactly what each tool wrote. Nothing in fixtures/logs/ is written by hand.
#
#   session                                      client tool (its transcript)          server (its log)
#   vsftpd  3.0.3 (log_ftp_protocol=YES)      <- Python ftplib, set_debuglevel(2)  -> ftplib/, vsftpd/
#   ProFTPD 1.3.8 (ExtendedLog "%r" %s "%S")  <- lftp `debug -t 9`                 -> lftp/, proftpd/
#   Pure-FTPd 1.0.50 (-d -d to syslog)        <- curl -v                           -> curl-v/, pure-ftpd/
#   ftp-srv 4.6.3 (node_modules)              <- curl --trace-ascii --trace-time   -> curl-trace-ascii/
#   ftp-srv 4.6.3                             <- a socket recorder (C:/S: lines)   -> dialogue/
#   vsftpd  3.0.3                             <- a socket recorder (server bytes)  -> raw/
#
# Needs: the servers unpacked by .ci/install-servers.sh (/opt/ftp-servers), node_modules (ftp-srv), curl, lftp,
# python3, unshare (util-linux) and rsyslog (unpacked here with apt-get download, never installed or started as a
# service: Pure-FTPd logs only to syslog, so it runs in a private mount namespace whose /dev/log is a private
# rsyslogd's socket). Run as root from anywhere: `bash scripts/record-logs.sh`.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=$REPO/fixtures/logs
SERVERS=${FTP_SERVERS_ROOT:-/opt/ftp-servers}
TOOLS=${FTP_REPLY_TOOLS:-/opt/ftp-reply-tools}
WORK=$(mktemp -d /tmp/record-logs.XXXXXX)
chmod 0755 "$WORK"
PIDS=()
cleanup() {
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT

die() {
	echo "record-logs: $*" >&2
	exit 1
}
need() { command -v "$1" >/dev/null || die "$1 is needed (apt-get install $2)"; }
need curl curl
need lftp lftp
need python3 python3
need unshare util-linux
[[ $(id -u) -eq 0 ]] || die "run as root (the servers bind privileged features and unshare needs CAP_SYS_ADMIN)"
for server in vsftpd proftpd pure-ftpd; do
	[[ -s $SERVERS/$server/VERSION ]] || die "$server is not unpacked in $SERVERS (run .ci/install-servers.sh)"
done

# A free TCP port in 30000-39999 on 127.0.0.1.
free_port() {
	python3 -c '
import random, socket
while True:
    port = random.randint(30000, 39999)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port)); s.close(); print(port); break
    except OSError:
        s.close()'
}

wait_port() { # port
	for _ in $(seq 100); do
		python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $1), 0.2).close()" 2>/dev/null && return 0
		sleep 0.1
	done
	die "nothing listens on 127.0.0.1:$1"
}

unpacked() { # server binary args...
	local server=$1 binary=$2
	shift 2
	# exec: started with `&`, the server itself gets the subshell's pid, so `kill` reaches it.
	LD_LIBRARY_PATH=$(cat "$SERVERS/$server/LD_LIBRARY_PATH" 2>/dev/null || true) exec "$SERVERS/$server/$binary" "$@"
}

# The served tree: a small file, a directory, a file with a non-ASCII name.
SERVED=$WORK/served
mkdir -p "$SERVED/pub"
printf 'hello from ftp-reply\n' >"$SERVED/hello.txt"
printf 'a second file\n' >"$SERVED/pub/notes.txt"
chmod -R a+rX "$SERVED"

# Empties a fixture folder but keeps its README.md (written by hand: it says how the files were made).
reset_dir() {
	mkdir -p "$OUT/$1"
	find "${OUT:?}/$1" -mindepth 1 ! -name README.md -exec rm -rf {} +
}

# ───────────── vsftpd + Python ftplib ─────────────
record_vsftpd_ftplib() {
	local port dir=$WORK/vsftpd
	port=$(free_port)
	mkdir -p "$dir/empty"
	cat >"$dir/vsftpd.conf" <<-EOF
		listen=YES
		listen_address=127.0.0.1
		listen_port=$port
		background=NO
		anonymous_enable=YES
		anon_root=$SERVED
		ftp_username=ftp
		local_enable=NO
		write_enable=NO
		secure_chroot_dir=$dir/empty
		seccomp_sandbox=NO
		pasv_min_port=$((port + 1))
		pasv_max_port=$((port + 20))
		xferlog_enable=YES
		xferlog_std_format=NO
		log_ftp_protocol=YES
		vsftpd_log_file=$dir/vsftpd.log
	EOF
	unpacked vsftpd usr/sbin/vsftpd "$dir/vsftpd.conf" &
	PIDS+=($!)
	wait_port "$port"
	# The client script is kept beside the fixture (README says how it ran).
	reset_dir ftplib
	cat >"$OUT/ftplib/session.py" <<-'EOF'
		# Python ftplib session recorded by scripts/record-logs.sh; its debug output is ftplib-debug.txt.
		import ftplib
		import sys

		ftp = ftplib.FTP()
		ftp.set_debuglevel(2)
		ftp.connect("127.0.0.1", int(sys.argv[1]))
		try:
		    ftp.login("bob", "wrong")  # vsftpd is anonymous-only here: 530
		except ftplib.error_perm:
		    pass
		ftp.login()  # anonymous
		ftp.sendcmd("SYST")
		ftp.sendcmd("FEAT")
		ftp.pwd()
		ftp.cwd("pub")
		ftp.size("notes.txt")
		ftp.retrbinary("RETR notes.txt", lambda block: None)
		ftp.retrlines("LIST")
		try:
		    ftp.sendcmd("MDTM missing.txt")
		except ftplib.error_perm:
		    pass
		ftp.cwd("..")
		ftp.quit()
	EOF
	python3 "$OUT/ftplib/session.py" "$port" >"$OUT/ftplib/ftplib-debug.txt" 2>&1
	sleep 0.3
	reset_dir vsftpd
	cp "$dir/vsftpd.log" "$OUT/vsftpd/vsftpd.log"
	cp "$dir/vsftpd.conf" "$OUT/vsftpd/vsftpd.conf"
	kill "${PIDS[-1]}"
}

# ───────────── the socket recorder (raw server bytes, C:/S: dialogue) ─────────────
# It sends one command at a time and waits for the reply before the next (a 1xx is followed by the final reply
# after the data connection), opening the data connection for PASV. It writes every byte the server sent
# (raw) and a `C: `/`S: ` line for every line each side sent (dialogue).
cat >"$WORK/recorder.py" <<-'EOF'
	import re, socket, sys
	port, raw_path, dialogue_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
	commands = sys.argv[4:]
	control = socket.create_connection(("127.0.0.1", port))
	raw = open(raw_path, "wb")
	dialogue = open(dialogue_path, "wb")
	buffered = b""
	received = []

	def read_line():
	    global buffered
	    while b"\n" not in buffered:
	        chunk = control.recv(4096)
	        if not chunk:
	            raise EOFError
	        raw.write(chunk)
	        received.append(chunk)
	        buffered += chunk
	    line, _, buffered = buffered.partition(b"\n")
	    dialogue.write(b"S: " + line.rstrip(b"\r") + b"\n")
	    return line.rstrip(b"\r")

	def read_reply():
	    line = read_line()
	    code = line[:3]
	    if line[3:4] == b"-":
	        while not (line[:3] == code and line[3:4] in (b" ", b"")):
	            line = read_line()
	    return int(code)

	data = None
	read_reply()
	for command in commands:
	    control.sendall(command.encode() + b"\r\n")
	    dialogue.write(b"C: " + command.encode() + b"\n")
	    code = read_reply()
	    if command == "PASV" and code == 227:
	        numbers = [int(n) for n in re.findall(rb"(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)", b"".join(received))[-1]]
	        data = socket.create_connection(("127.0.0.1", numbers[4] * 256 + numbers[5]))
	    if code < 200:
	        if data is not None:
	            while data.recv(65536):
	                pass
	            data.close()
	            data = None
	        read_reply()
	    raw.flush(); dialogue.flush()
	raw.close(); dialogue.close()
EOF

RECORDER_COMMANDS=(
	"USER anonymous" "PASS guest@example.com" "SYST" "FEAT" "PWD" "TYPE I" "SIZE hello.txt" "MDTM hello.txt"
	"PASV" "LIST" "CWD /missing" "CWD pub" "PWD" "NOOP" "HELP" "QUIT"
)

record_vsftpd_raw() {
	local port dir=$WORK/vsftpd-raw
	port=$(free_port)
	mkdir -p "$dir/empty"
	cat >"$dir/vsftpd.conf" <<-EOF
		listen=YES
		listen_address=127.0.0.1
		listen_port=$port
		background=NO
		anonymous_enable=YES
		anon_root=$SERVED
		ftp_username=ftp
		local_enable=NO
		write_enable=NO
		secure_chroot_dir=$dir/empty
		seccomp_sandbox=NO
		pasv_min_port=$((port + 1))
		pasv_max_port=$((port + 20))
	EOF
	unpacked vsftpd usr/sbin/vsftpd "$dir/vsftpd.conf" &
	PIDS+=($!)
	wait_port "$port"
	reset_dir raw
	python3 "$WORK/recorder.py" "$port" "$OUT/raw/vsftpd-server.bin" "$dir/dialogue.txt" "${RECORDER_COMMANDS[@]}"
	kill "${PIDS[-1]}"
}

# ───────────── ftp-srv (node) + curl --trace-ascii, and the C:/S: dialogue ─────────────
start_ftp_srv() { # port
	(cd "$REPO" && exec node --input-type=module -e '
		import FtpSrv from "ftp-srv";
		import bunyan from "bunyan";
		const [port, root] = process.argv.slice(1);
		const server = new FtpSrv({
			url: `ftp://127.0.0.1:${port}`, anonymous: true, pasv_url: "127.0.0.1",
			pasv_min: Number(port) + 1, pasv_max: Number(port) + 20,
			log: bunyan.createLogger({ name: "ftp-srv", level: "fatal" }),
		});
		server.on("login", ({ username }, resolve, reject) =>
			username === "anonymous" ? resolve({ root }) : reject(new Error("only anonymous here")));
		await server.listen();
	' "$1" "$SERVED") &
	PIDS+=($!)
	wait_port "$1"
}

record_ftp_srv() {
	local port
	port=$(free_port)
	start_ftp_srv "$port"
	reset_dir curl-trace-ascii
	curl -sS --trace-ascii "$OUT/curl-trace-ascii/trace.txt" --trace-time -Q "SYST" -Q "HELP" \
		-Q "*CWD /a-directory-that-does-not-exist-with-a-name-long-enough-to-wrap" \
		"ftp://127.0.0.1:$port/pub/notes.txt" -o /dev/null
	reset_dir dialogue
	python3 "$WORK/recorder.py" "$port" "$WORK/ftp-srv.bin" "$OUT/dialogue/ftp-srv-dialogue.txt" \
		"${RECORDER_COMMANDS[@]}"
	kill "${PIDS[-1]}"
}

# ───────────── ProFTPD + lftp ─────────────
record_proftpd_lftp() {
	local port dir=$WORK/proftpd
	port=$(free_port)
	mkdir -p "$dir"
	cat >"$dir/proftpd.conf" <<-EOF
		ServerName "ftp-reply fixture"
		ServerType standalone
		DefaultServer on
		Port $port
		DefaultAddress 127.0.0.1
		SocketBindTight on
		UseIPv6 off
		User nobody
		Group nogroup
		PidFile $dir/proftpd.pid
		ScoreboardFile $dir/proftpd.scoreboard
		DelayTable none
		WtmpLog off
		UseReverseDNS off
		RequireValidShell off
		PassivePorts $((port + 1)) $((port + 20))
		SystemLog $dir/system.log
		# The default CLF-like format of ExtendedLog, plus the reply text (%S) in quotes.
		LogFormat protocol "%h %l %u %t \"%r\" %s \"%S\""
		ExtendedLog $dir/extended.log ALL protocol
		<Anonymous $SERVED>
		  User ftp
		  Group ftp
		  UserAlias anonymous ftp
		  RequireValidShell off
		</Anonymous>
	EOF
	unpacked proftpd usr/sbin/proftpd -n -c "$dir/proftpd.conf" &
	PIDS+=($!)
	wait_port "$port"
	reset_dir lftp
	# A failed login first (no such user), then the anonymous session.
	lftp -c "debug -t -o $OUT/lftp/lftp-debug.txt 9; set net:max-retries 1; open -u anonymous,guest@example.com ftp://127.0.0.1:$port; cd pub; ls; get -O $WORK notes.txt; cat missing.txt; bye" \
		>/dev/null 2>&1 || true
	sleep 0.3
	reset_dir proftpd
	cp "$dir/extended.log" "$OUT/proftpd/extended.log"
	cp "$dir/proftpd.conf" "$OUT/proftpd/proftpd.conf"
	kill "${PIDS[-1]}"
}

# ───────────── Pure-FTPd + curl -v (syslog through a private rsyslogd) ─────────────
ensure_rsyslog() {
	local lib=$TOOLS/rsyslog/usr/lib/x86_64-linux-gnu
	if [[ ! -x $TOOLS/rsyslog/usr/sbin/rsyslogd ]]; then
		local tmp
		tmp=$(mktemp -d)
		chmod 0777 "$tmp"
		(cd "$tmp" && apt-get download -q rsyslog libestr0 libfastjson4 >/dev/null) ||
			die "could not apt-get download rsyslog"
		mkdir -p "$TOOLS/rsyslog"
		for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$TOOLS/rsyslog"; done
		rm -rf "$tmp"
	fi
	LD_LIBRARY_PATH=$lib "$TOOLS/rsyslog/usr/sbin/rsyslogd" -v | head -1
}

record_pure_ftpd_curl() {
	local port dir=$WORK/pure-ftpd
	port=$(free_port)
	mkdir -p "$dir/olddev"
	ensure_rsyslog >"$dir/rsyslog-version"
	cat >"$dir/rsyslog.conf" <<-EOF
		module(load="imuxsock" SysSock.Name="/dev/log")
		\$ActionFileDefaultTemplate RSYSLOG_TraditionalFileFormat
		ftp.* $dir/pure-ftpd.log
	EOF
	# In a private mount namespace: a fresh /dev (null, zero, urandom, tty bound back in) whose /dev/log is the
	# private rsyslogd's, so nothing outside sees or changes.
	cat >"$dir/in-namespace.sh" <<-EOF
		set -e
		mount --bind /dev $dir/olddev
		mount -t tmpfs -o mode=0755 none /dev
		for node in null zero random urandom tty; do touch /dev/\$node; mount --bind $dir/olddev/\$node /dev/\$node; done
		LD_LIBRARY_PATH=$TOOLS/rsyslog/usr/lib/x86_64-linux-gnu $TOOLS/rsyslog/usr/sbin/rsyslogd -n -M $TOOLS/rsyslog/usr/lib/x86_64-linux-gnu/rsyslog -f $dir/rsyslog.conf -i $dir/rsyslogd.pid &
		syslog_pid=\$!
		for _ in \$(seq 50); do [ -S /dev/log ] && break; sleep 0.1; done
		LD_LIBRARY_PATH=\$(cat $SERVERS/pure-ftpd/LD_LIBRARY_PATH 2>/dev/null || true) \\
			$SERVERS/pure-ftpd/usr/sbin/pure-ftpd -S 127.0.0.1,$port -d -d -f ftp -p $((port + 1)):$((port + 20)) -E -H -A -u 1000 &
		ftpd_pid=\$!
		while [ ! -e $dir/done ]; do sleep 0.1; done
		kill \$ftpd_pid; sleep 0.5; kill \$syslog_pid; wait
	EOF
	unshare -m bash "$dir/in-namespace.sh" &
	PIDS+=($!)
	wait_port "$port"
	reset_dir curl-v
	# .ci/install-servers.sh makes the account ftpreply (password ftpreply-test-only) for exactly this.
	curl -sS -v -u ftpreply:wrong "ftp://127.0.0.1:$port/" -o /dev/null 2>"$OUT/curl-v/curl-v-failed-login.txt" || true
	curl -sS -v -u ftpreply:ftpreply-test-only -Q "NOOP" -Q "FEAT" "ftp://127.0.0.1:$port/" -o /dev/null \
		2>"$OUT/curl-v/curl-v.txt"
	sleep 0.5
	touch "$dir/done"
	wait "${PIDS[-1]}" || true
	reset_dir pure-ftpd
	cp "$dir/pure-ftpd.log" "$OUT/pure-ftpd/pure-ftpd.log"
	cp "$dir/rsyslog-version" "$OUT/pure-ftpd/rsyslog-version"
}

record_vsftpd_ftplib
record_vsftpd_raw
record_ftp_srv
record_proftpd_lftp
record_pure_ftpd_curl

# Versions of everything that ran, for the READMEs.
{
	echo "recorded: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "vsftpd: $(cat "$SERVERS/vsftpd/VERSION")"
	echo "proftpd: $(cat "$SERVERS/proftpd/VERSION")"
	echo "pure-ftpd: $(cat "$SERVERS/pure-ftpd/VERSION")"
	echo "ftp-srv: $(node -p 'require("'"$REPO"'/node_modules/ftp-srv/package.json").version')"
	echo "curl: $(curl --version | head -1)"
	echo "lftp: $(lftp --version | head -1)"
	echo "python: $(python3 --version)"
	echo "rsyslog: $(cat "$OUT/pure-ftpd/rsyslog-version")"
} >"$OUT/VERSIONS.txt"
# Server logs are created 0600; the fixtures are for everyone to read.
find "$OUT" -type f -exec chmod 0644 {} +
echo "record-logs: fixtures written to $OUT"

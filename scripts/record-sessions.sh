#!/usr/bin/env bash
# Records the multi-session fixtures in fixtures/logs/sessions/: logs as people really have them (several
# sessions in one file, concurrent sessions in a server log, curl's progress meter mixed in), each with a pcap of
# the same run's control connections, and a reference made from that pcap by tshark (not by ftp-reply).
#
#   phase       client(s)                                         files
#   curl        4 runs of `curl -v` (no -s: the progress meter   curl-v.txt, curl-vsftpd.log, curl.pcap
#               is in the log), one of them with two URLs
#   ftplib      one Python script, three FTP() objects in turn   ftplib.txt, ftplib-vsftpd.log, ftplib.pcap
#   lftp        one lftp run, three `open`s                      lftp.txt, lftp-vsftpd.log, lftp.pcap
#   concurrent  six Python clients at once (threads)             concurrent-vsftpd.log, concurrent.pcap
#   pure-ftpd   five Python clients at once, each from its own   pure-ftpd-concurrent.log, pure-ftpd.pcap
#               127.0.0.N address, against Pure-FTPd 1.0.50 (-d -d, syslog through a private rsyslogd, as
#               scripts/record-logs.sh does)
#   proftpd     four Python clients at once from 127.0.0.2–5,     proftpd-concurrent.log, proftpd.pcap
#               against ProFTPD 1.3.8 (ExtendedLog "%r" %s "%S")
#
# The server is vsftpd 3.0.3 (log_ftp_protocol=YES) for every phase, a fresh instance and log per phase.
# For each pcap, `<phase>.reference.json` holds, per TCP stream (tshark's `follow,tcp,raw`), the commands the
# client sent and the code of each command's final reply, paired in order by a small Python reading of the
# streams' bytes (below). Needs root, tcpdump, tshark, curl, lftp, python3; run `bash scripts/record-sessions.sh`.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=$REPO/fixtures/logs/sessions
SERVERS=${FTP_SERVERS_ROOT:-/opt/ftp-servers}
WORK=$(mktemp -d /tmp/record-sessions.XXXXXX)
chmod 0755 "$WORK"
PIDS=()
cleanup() {
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT
die() {
	echo "record-sessions: $*" >&2
	exit 1
}
for tool in tcpdump tshark curl lftp python3 unshare; do command -v $tool >/dev/null || die "$tool is needed"; done
[[ $(id -u) -eq 0 ]] || die "run as root (tcpdump on lo)"

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

SERVED=$WORK/served
mkdir -p "$SERVED/pub"
printf 'hello from ftp-reply\n' >"$SERVED/hello.txt"
printf 'a second file\n' >"$SERVED/pub/notes.txt"
# A file big enough (and a rate limit low enough) for curl to draw its progress meter a few times.
head -c 300000 /dev/zero >"$SERVED/big.bin"
chmod -R a+rX "$SERVED"
mkdir -p "$OUT"
find "$OUT" -mindepth 1 ! -name README.md -delete

# Starts vsftpd on $PORT with its log at $WORK/$1.log, waits until its log file exists (no probe connection, so
# that the server log and the pcap hold the clients' sessions only).
start_vsftpd() { # phase
	local dir=$WORK/$1
	mkdir -p "$dir/empty"
	cat >"$dir/vsftpd.conf" <<-EOF
		listen=YES
		listen_address=127.0.0.1
		listen_port=$PORT
		background=NO
		anonymous_enable=YES
		anon_root=$SERVED
		ftp_username=ftp
		local_enable=NO
		write_enable=NO
		secure_chroot_dir=$dir/empty
		seccomp_sandbox=NO
		max_per_ip=50
		pasv_min_port=$((PORT + 1))
		pasv_max_port=$((PORT + 40))
		xferlog_enable=YES
		xferlog_std_format=NO
		log_ftp_protocol=YES
		vsftpd_log_file=$dir/vsftpd.log
	EOF
	LD_LIBRARY_PATH=$(cat "$SERVERS/vsftpd/LD_LIBRARY_PATH" 2>/dev/null || true) \
		"$SERVERS/vsftpd/usr/sbin/vsftpd" "$dir/vsftpd.conf" &
	VSFTPD=$!
	PIDS+=($VSFTPD)
	# listening: seen in /proc/net/tcp without connecting
	local hex
	hex=$(printf '%04X' "$PORT")
	for _ in $(seq 100); do grep -q ":$hex 00000000:0000 0A" /proc/net/tcp && return 0; sleep 0.1; done
	die "vsftpd does not listen on $PORT"
}

start_capture() { # phase
	tcpdump -i lo -U -B 8192 -s 0 -w "$OUT/$1.pcap" "tcp port $PORT" 2>"$WORK/$1.tcpdump" &
	TCPDUMP=$!
	PIDS+=($TCPDUMP)
	for _ in $(seq 50); do grep -q "listening on" "$WORK/$1.tcpdump" && break; sleep 0.1; done
	sleep 0.5
}

stop_phase() { # phase
	sleep 1
	kill -INT "$TCPDUMP"
	wait "$TCPDUMP" || true
	# tcpdump's own count: "N packets captured … 0 packets dropped by kernel"
	grep -H "captured\|dropped" "$WORK/$1.tcpdump" >&2 || true
	kill "$VSFTPD"
	wait "$VSFTPD" 2>/dev/null || true
	cp "$WORK/$1/vsftpd.log" "$OUT/$1-vsftpd.log"
	python3 "$REPO/scripts/ftp-reference.py" "$OUT/$1.pcap" "$PORT" >"$OUT/$1.reference.json"
}

# The reference: scripts/ftp-reference.py (tshark follows each TCP stream; each command paired with its final reply).

# ───────────── curl -v, progress meter and all ─────────────
PORT=$(free_port)
start_vsftpd curl
start_capture curl
U=ftp://127.0.0.1:$PORT
{
	curl -v --limit-rate 100k "$U/big.bin" -o /dev/null || true
	curl -v -u bob:wrong "$U/" -o /dev/null || true
	curl -v "$U/pub/notes.txt" -o /dev/null "$U/hello.txt" -o /dev/null || true
	curl -v -Q NOOP "$U/pub/" -o /dev/null || true
} 2>"$OUT/curl-v.txt"
stop_phase curl

# ───────────── Python ftplib, three FTP() objects ─────────────
PORT=$(free_port)
start_vsftpd ftplib
start_capture ftplib
cat >"$OUT/ftplib-session.py" <<-'EOF'
	# Three ftplib sessions in one run (scripts/record-sessions.sh); the debug output is ftplib.txt.
	import ftplib, sys
	port = int(sys.argv[1])
	for level in (2, 1, 1):
	    ftp = ftplib.FTP()
	    ftp.set_debuglevel(level)
	    ftp.connect("127.0.0.1", port)
	    ftp.getwelcome()
	    ftp.login()
	    ftp.cwd("pub")
	    ftp.retrbinary("RETR notes.txt", lambda block: None)
	    try:
	        ftp.sendcmd("SIZE missing.txt")
	    except ftplib.error_perm:
	        pass
	    ftp.quit()
EOF
python3 "$OUT/ftplib-session.py" "$PORT" >"$OUT/ftplib.txt" 2>&1
stop_phase ftplib

# ───────────── lftp, three opens ─────────────
PORT=$(free_port)
start_vsftpd lftp
start_capture lftp
lftp -c "debug -t -o $OUT/lftp.txt 9; set net:max-retries 1; set ftp:prefer-epsv no;
open -u anonymous,guest@example.org ftp://127.0.0.1:$PORT; ls; close;
open ftp://anonymous:guest%40example.org@127.0.0.1:$PORT/pub; get -O $WORK notes.txt; close;
open -u anonymous,guest@example.org ftp://127.0.0.1:$PORT; cat hello.txt; bye" >/dev/null 2>&1 || true
stop_phase lftp

# ───────────── six clients at once ─────────────
PORT=$(free_port)
start_vsftpd concurrent
start_capture concurrent
python3 - "$PORT" <<-'EOF'
	import ftplib, sys, threading, time
	port = int(sys.argv[1])
	barrier = threading.Barrier(6)
	def client(n):
	    ftp = ftplib.FTP()
	    ftp.connect("127.0.0.1", port)
	    barrier.wait()
	    ftp.login()
	    for i in range(n % 3 + 1):
	        ftp.pwd()
	        time.sleep(0.05)
	    ftp.cwd("pub" if n % 2 else "/")
	    ftp.retrbinary("RETR " + ("notes.txt" if n % 2 else "hello.txt"), lambda b: None)
	    try:
	        ftp.sendcmd("MDTM missing-%d.txt" % n)
	    except ftplib.error_perm:
	        pass
	    ftp.quit()
	threads = [threading.Thread(target=client, args=(n,)) for n in range(6)]
	for t in threads: t.start()
	for t in threads: t.join()
EOF
stop_phase concurrent

# ───────────── Pure-FTPd, five clients at once from five addresses ─────────────
TOOLS=${FTP_REPLY_TOOLS:-/opt/ftp-reply-tools}
ensure_rsyslog() {
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
}
record_pure_ftpd() {
	local dir=$WORK/pure-ftpd
	PORT=$(free_port)
	mkdir -p "$dir/olddev"
	ensure_rsyslog
	cat >"$dir/rsyslog.conf" <<-EOF
		module(load="imuxsock" SysSock.Name="/dev/log")
		\$ActionFileDefaultTemplate RSYSLOG_TraditionalFileFormat
		ftp.* $dir/pure-ftpd.log
	EOF
	cat >"$dir/in-namespace.sh" <<-EOF
		set -e
		mount --bind /dev $dir/olddev
		mount -t tmpfs -o mode=0755 none /dev
		for node in null zero random urandom tty; do touch /dev/\$node; mount --bind $dir/olddev/\$node /dev/\$node; done
		LD_LIBRARY_PATH=$TOOLS/rsyslog/usr/lib/x86_64-linux-gnu $TOOLS/rsyslog/usr/sbin/rsyslogd -n -M $TOOLS/rsyslog/usr/lib/x86_64-linux-gnu/rsyslog -f $dir/rsyslog.conf -i $dir/rsyslogd.pid &
		syslog_pid=\$!
		for _ in \$(seq 50); do [ -S /dev/log ] && break; sleep 0.1; done
		LD_LIBRARY_PATH=\$(cat $SERVERS/pure-ftpd/LD_LIBRARY_PATH 2>/dev/null || true) \\
			$SERVERS/pure-ftpd/usr/sbin/pure-ftpd -S 127.0.0.1,$PORT -d -d -f ftp -p $((PORT + 1)):$((PORT + 40)) -E -H -A -u 1000 -c 50 -C 10 &
		ftpd_pid=\$!
		while [ ! -e $dir/done ]; do sleep 0.1; done
		kill \$ftpd_pid; sleep 0.5; kill \$syslog_pid; wait
	EOF
	unshare -m bash "$dir/in-namespace.sh" &
	local ns=$!
	PIDS+=($ns)
	local hex
	hex=$(printf '%04X' "$PORT")
	for _ in $(seq 100); do grep -q ":$hex 00000000:0000 0A" /proc/net/tcp && break; sleep 0.1; done
	start_capture pure-ftpd
	# .ci/install-servers.sh makes the account ftpreply (password ftpreply-test-only).
	python3 - "$PORT" <<-'EOF'
		import ftplib, sys, threading, time
		port = int(sys.argv[1])
		barrier = threading.Barrier(5)
		def client(n):
		    ftp = ftplib.FTP(source_address=("127.0.0.%d" % (n + 2), 0))
		    ftp.connect("127.0.0.1", port)
		    barrier.wait()
		    try:
		        ftp.login("ftpreply", "wrong" if n == 4 else "ftpreply-test-only")
		    except ftplib.error_perm:
		        ftp.close()
		        return
		    for i in range(n % 3 + 1):
		        ftp.pwd()
		        time.sleep(0.05)
		    ftp.sendcmd("NOOP")
		    try:
		        ftp.sendcmd("MDTM missing-%d.txt" % n)
		    except ftplib.error_perm:
		        pass
		    ftp.quit()
		threads = [threading.Thread(target=client, args=(n,)) for n in range(5)]
		for t in threads: t.start()
		for t in threads: t.join()
	EOF
	sleep 1
	kill -INT "$TCPDUMP"
	wait "$TCPDUMP" || true
	grep -H "captured\|dropped" "$WORK/pure-ftpd.tcpdump" >&2 || true
	touch "$dir/done"
	wait "$ns" || true
	cp "$dir/pure-ftpd.log" "$OUT/pure-ftpd-concurrent.log"
	python3 "$REPO/scripts/ftp-reference.py" "$OUT/pure-ftpd.pcap" "$PORT" >"$OUT/pure-ftpd.reference.json"
}
record_pure_ftpd

# ───────────── ProFTPD, four clients at once from four addresses ─────────────
record_proftpd() {
	local dir=$WORK/proftpd
	PORT=$(free_port)
	mkdir -p "$dir"
	cat >"$dir/proftpd.conf" <<-EOF
		ServerName "ftp-reply fixture"
		ServerType standalone
		DefaultServer on
		Port $PORT
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
		MaxInstances 30
		PassivePorts $((PORT + 1)) $((PORT + 40))
		SystemLog $dir/system.log
		LogFormat protocol "%h %l %u %t \"%r\" %s \"%S\""
		ExtendedLog $dir/extended.log ALL protocol
		<Anonymous $SERVED>
		  User ftp
		  Group ftp
		  UserAlias anonymous ftp
		  RequireValidShell off
		</Anonymous>
	EOF
	LD_LIBRARY_PATH=$(cat "$SERVERS/proftpd/LD_LIBRARY_PATH" 2>/dev/null || true) \
		"$SERVERS/proftpd/usr/sbin/proftpd" -n -c "$dir/proftpd.conf" &
	local server=$!
	PIDS+=($server)
	local hex
	hex=$(printf '%04X' "$PORT")
	for _ in $(seq 100); do grep -q ":$hex 00000000:0000 0A" /proc/net/tcp && break; sleep 0.1; done
	start_capture proftpd
	python3 - "$PORT" <<-'EOF'
		import ftplib, sys, threading, time
		port = int(sys.argv[1])
		barrier = threading.Barrier(4)
		def client(n):
		    ftp = ftplib.FTP(source_address=("127.0.0.%d" % (n + 2), 0))
		    ftp.connect("127.0.0.1", port)
		    barrier.wait()
		    ftp.login()
		    for i in range(n % 3 + 1):
		        ftp.pwd()
		        time.sleep(0.05)
		    ftp.cwd("pub" if n % 2 else "/")
		    ftp.retrbinary("RETR " + ("notes.txt" if n % 2 else "hello.txt"), lambda b: None)
		    try:
		        ftp.sendcmd("MDTM missing-%d.txt" % n)
		    except ftplib.error_perm:
		        pass
		    ftp.quit()
		threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
		for t in threads: t.start()
		for t in threads: t.join()
	EOF
	sleep 1
	kill -INT "$TCPDUMP"
	wait "$TCPDUMP" || true
	grep -H "captured\|dropped" "$WORK/proftpd.tcpdump" >&2 || true
	kill "$server"
	wait "$server" 2>/dev/null || true
	cp "$dir/extended.log" "$OUT/proftpd-concurrent.log"
	python3 "$REPO/scripts/ftp-reference.py" "$OUT/proftpd.pcap" "$PORT" >"$OUT/proftpd.reference.json"
}
record_proftpd

{
	echo "recorded: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "vsftpd: $(cat "$SERVERS/vsftpd/VERSION")"
	echo "pure-ftpd: $(cat "$SERVERS/pure-ftpd/VERSION")"
	echo "proftpd: $(cat "$SERVERS/proftpd/VERSION")"
	echo "rsyslog: $(LD_LIBRARY_PATH=$TOOLS/rsyslog/usr/lib/x86_64-linux-gnu "$TOOLS/rsyslog/usr/sbin/rsyslogd" -v | head -1)"
	echo "curl: $(curl --version | head -1)"
	echo "lftp: $(lftp --version | head -1)"
	echo "python: $(python3 --version)"
	echo "tcpdump: $(tcpdump --version 2>&1 | head -1)"
	echo "tshark: $(tshark --version | head -1)"
} >"$OUT/VERSIONS.txt"
find "$OUT" -type f -exec chmod 0644 {} +
echo "record-sessions: fixtures written to $OUT"

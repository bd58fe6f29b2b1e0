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
#   ProFTPD, ftp-srv, vsftpd (every log each  <- four clients at once (curl -v,     -> formats/ (with a pcap
#   can write: ExtendedLog in two LogFormats,    curl, ftplib, lftp)                   per server, tshark
#   TraceLog, xferlog, JSON, protocol log)                                             references, file sizes)
#
# `bash scripts/record-logs.sh formats` records formats/ only (needs tcpdump and tshark too).
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
# The start of a ProFTPD configuration: standalone on 127.0.0.1:port, its files in dir.
proftpd_head() { # dir port
	local dir=$1 port=$2
	cat <<-EOF
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
	EOF
}

record_proftpd_lftp() {
	local port dir=$WORK/proftpd
	port=$(free_port)
	mkdir -p "$dir"
	proftpd_head "$dir" "$port" >"$dir/proftpd.conf"
	cat >>"$dir/proftpd.conf" <<-EOF
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

# ───────────── formats: concurrent clients against ProFTPD, ftp-srv and vsftpd, each with a pcap ─────────────
# Four clients at once (curl -v with its progress meter, curl with a wrong password, Python ftplib with an upload,
# lftp), all from 127.0.0.1, so that only the log's own session key (ProFTPD's pid, the client's port, ftp-srv's
# connection id, vsftpd's pid) can tell their sessions apart. Ports 2500-2599 (the project's range for this
# recording). Each server writes every log it can in the same run; tcpdump records the control connections; the
# references are tshark's (scripts/ftp-reference.py) and sha256sum/stat of the files served and uploaded.
FORMATS=$OUT/formats
formats_clients() { # port upload-dir
	local port=$1 dir=$2 u=ftp://127.0.0.1:$1
	curl -v --limit-rate 40k "$u/big.bin" -o /dev/null 2>/dev/null &
	local a=$!
	curl -v -u bob:wrong "$u/" -o /dev/null 2>/dev/null &
	local b=$!
	python3 - "$port" "$dir" <<-'EOF' &
		import ftplib, io, sys, time
		port, upload = int(sys.argv[1]), sys.argv[2]
		ftp = ftplib.FTP()
		ftp.connect("127.0.0.1", port)
		ftp.login()
		time.sleep(0.3)
		ftp.pwd()
		ftp.cwd("pub")
		ftp.retrbinary("RETR notes.txt", lambda block: None)
		time.sleep(0.3)
		ftp.cwd("/" + upload)
		ftp.storbinary("STOR upload.txt", io.BytesIO(b"uploaded by ftplib\n" * 3))
		try:
		    ftp.sendcmd("SIZE missing.txt")
		except ftplib.error_perm:
		    pass
		ftp.quit()
	EOF
	local c=$!
	lftp -c "set net:max-retries 1; open -u anonymous,guest@example.org $u; ls; get -O $WORK hello.txt; cd pub; cat notes.txt; bye" \
		>/dev/null 2>&1 &
	local d=$!
	wait $a $b $c $d || true
}

# Waits until something listens on 127.0.0.1:$1, without connecting (the logs and the pcap hold the clients only).
listening() {
	local hex
	hex=$(printf '%04X' "$1")
	for _ in $(seq 100); do grep -q ":$hex 00000000:0000 0A" /proc/net/tcp && return 0; sleep 0.1; done
	die "nothing listens on 127.0.0.1:$1"
}

formats_capture() { # name port
	tcpdump -i lo -U -B 8192 -s 0 -w "$FORMATS/$1.pcap" "tcp port $2" 2>"$WORK/$1.tcpdump" &
	TCPDUMP=$!
	PIDS+=($TCPDUMP)
	for _ in $(seq 50); do grep -q "listening on" "$WORK/$1.tcpdump" && break; sleep 0.1; done
	sleep 0.5
}

formats_finish() { # name port
	sleep 1
	kill -INT "$TCPDUMP"
	wait "$TCPDUMP" || true
	grep -H "captured\|dropped" "$WORK/$1.tcpdump" >&2 || true
	python3 "$REPO/scripts/ftp-reference.py" "$FORMATS/$1.pcap" "$2" >"$FORMATS/$1.reference.json"
	# tshark's own FTP fields per stream (the dissector told that this port is FTP), beside the pairs above.
	tshark -r "$FORMATS/$1.pcap" -d "tcp.port==$2,ftp" -Y ftp -T fields -E header=y -E separator=/t \
		-e tcp.stream -e ftp.request.command -e ftp.response.code >"$FORMATS/$1.ftp.tsv"
}

# The files a server served and took, as sha256sum and stat see them (the xferlog reference).
formats_files() { # name root
	(cd "$2" && find . -type f | sort | xargs sha256sum) >"$FORMATS/$1.sha256"
	(cd "$2" && find . -type f | sort | xargs stat -c '%s %n') >"$FORMATS/$1.sizes"
}

formats_tree() { # root
	mkdir -p "$1/pub" "$1/incoming"
	printf 'hello from ftp-reply\n' >"$1/hello.txt"
	printf 'a second file\n' >"$1/pub/notes.txt"
	head -c 100000 /dev/zero >"$1/big.bin"
	chmod -R a+rX "$1"
	chown ftp "$1/incoming" 2>/dev/null || chmod 0777 "$1/incoming"
	chmod 0777 "$1/incoming"
}

record_formats_proftpd() {
	local port=2500 dir=$WORK/formats-proftpd
	mkdir -p "$dir"
	formats_tree "$dir/root"
	proftpd_head "$dir" "$port" >"$dir/proftpd.conf"
	cat >>"$dir/proftpd.conf" <<-EOF
		MaxInstances 30
		PassivePorts $((port + 1)) $((port + 30))
		SystemLog $dir/system.log
		# Two ExtendedLogs of the same sessions: one keyed by the process id, one by the client's address and port.
		LogFormat bypid "%{iso8601} %P %a %u \"%m\" \"%J\" %s \"%S\" %{protocol}"
		LogFormat byport "%t %a %{remote-port} %u \"%r\" %s"
		ExtendedLog $dir/extended-pid.log ALL bypid
		ExtendedLog $dir/extended-port.log ALL byport
		TransferLog $dir/xferlog
		TraceLog $dir/trace.log
		Trace command:7 response:7
		<Anonymous $dir/root>
		  User ftp
		  Group ftp
		  UserAlias anonymous ftp
		  RequireValidShell off
		  <Directory incoming>
		    <Limit STOR>
		      AllowAll
		    </Limit>
		  </Directory>
		</Anonymous>
	EOF
	unpacked proftpd usr/sbin/proftpd -n -c "$dir/proftpd.conf" &
	local server=$!
	PIDS+=($server)
	listening "$port"
	formats_capture proftpd "$port"
	formats_clients "$port" incoming
	formats_finish proftpd "$port"
	kill "$server"
	wait "$server" 2>/dev/null || true
	cp "$dir/extended-pid.log" "$FORMATS/proftpd-extended-pid.log"
	cp "$dir/extended-port.log" "$FORMATS/proftpd-extended-port.log"
	cp "$dir/trace.log" "$FORMATS/proftpd-trace.log"
	cp "$dir/xferlog" "$FORMATS/proftpd-xferlog"
	sed "s|$WORK|/tmp/record-logs|g" "$dir/proftpd.conf" >"$FORMATS/proftpd.conf"
	formats_files proftpd "$dir/root"
}

record_formats_ftp_srv() {
	local port=2540 dir=$WORK/formats-ftp-srv
	mkdir -p "$dir"
	formats_tree "$dir/root"
	(cd "$REPO" && exec node --input-type=module -e '
		import FtpSrv from "ftp-srv";
		import bunyan from "bunyan";
		const [port, root, log] = process.argv.slice(1);
		const server = new FtpSrv({
			url: `ftp://127.0.0.1:${port}`, anonymous: true, pasv_url: "127.0.0.1",
			pasv_min: Number(port) + 1, pasv_max: Number(port) + 20,
			log: bunyan.createLogger({ name: "ftp-srv", streams: [{ level: "trace", path: log }] }),
		});
		server.on("login", ({ username }, resolve, reject) =>
			username === "anonymous" ? resolve({ root }) : reject(new Error("only anonymous here")));
		await server.listen();
	' "$port" "$dir/root" "$dir/ftp-srv.json") &
	local server=$!
	PIDS+=($server)
	listening "$port"
	formats_capture ftp-srv "$port"
	formats_clients "$port" incoming
	formats_finish ftp-srv "$port"
	kill "$server"
	wait "$server" 2>/dev/null || true
	# The log names this machine (bunyan's hostname field): kept as the run wrote it but for that name.
	sed "s/\"hostname\":\"[^\"]*\"/\"hostname\":\"recorder\"/" "$dir/ftp-srv.json" >"$FORMATS/ftp-srv.json"
	formats_files ftp-srv "$dir/root"
}

record_formats_vsftpd() {
	local port=2570 dir=$WORK/formats-vsftpd
	mkdir -p "$dir/empty"
	formats_tree "$dir/root"
	chmod 0755 "$dir/root"
	cat >"$dir/vsftpd.conf" <<-EOF
		listen=YES
		listen_address=127.0.0.1
		listen_port=$port
		background=NO
		anonymous_enable=YES
		anon_root=$dir/root
		ftp_username=ftp
		local_enable=NO
		write_enable=YES
		anon_upload_enable=YES
		secure_chroot_dir=$dir/empty
		seccomp_sandbox=NO
		max_per_ip=50
		pasv_min_port=$((port + 1))
		pasv_max_port=$((port + 20))
		xferlog_enable=YES
		xferlog_std_format=YES
		xferlog_file=$dir/xferlog
		dual_log_enable=YES
		log_ftp_protocol=YES
		vsftpd_log_file=$dir/vsftpd.log
	EOF
	unpacked vsftpd usr/sbin/vsftpd "$dir/vsftpd.conf" &
	local server=$!
	PIDS+=($server)
	listening "$port"
	formats_capture vsftpd "$port"
	formats_clients "$port" incoming
	formats_finish vsftpd "$port"
	kill "$server"
	wait "$server" 2>/dev/null || true
	cp "$dir/xferlog" "$FORMATS/vsftpd-xferlog"
	cp "$dir/vsftpd.log" "$FORMATS/vsftpd-protocol.log"
	sed "s|$WORK|/tmp/record-logs|g" "$dir/vsftpd.conf" >"$FORMATS/vsftpd.conf"
	formats_files vsftpd "$dir/root"
}

record_formats() {
	command -v tcpdump >/dev/null && command -v tshark >/dev/null || die "tcpdump and tshark are needed"
	mkdir -p "$FORMATS"
	find "$FORMATS" -mindepth 1 ! -name README.md -delete
	record_formats_proftpd
	record_formats_ftp_srv
	record_formats_vsftpd
	{
		echo "recorded: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
		echo "proftpd: $(cat "$SERVERS/proftpd/VERSION")"
		echo "vsftpd: $(cat "$SERVERS/vsftpd/VERSION")"
		echo "ftp-srv: $(node -p 'require("'"$REPO"'/node_modules/ftp-srv/package.json").version')"
		echo "curl: $(curl --version | head -1)"
		echo "lftp: $(lftp --version | head -1)"
		echo "python: $(python3 --version)"
		echo "tcpdump: $(tcpdump --version 2>&1 | head -1)"
		echo "tshark: $(tshark --version | head -1)"
	} >"$FORMATS/VERSIONS.txt"
	find "$FORMATS" -type f -exec chmod 0644 {} +
}

if [[ ${1:-all} == formats ]]; then
	record_formats
	echo "record-logs: fixtures written to $FORMATS"
	exit 0
fi

record_vsftpd_ftplib
record_vsftpd_raw
record_ftp_srv
record_proftpd_lftp
record_pure_ftpd_curl
record_formats

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

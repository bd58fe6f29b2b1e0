#!/usr/bin/env bash
# Records the packet captures in fixtures/pcap/ from real FTP servers and clients, and tshark's reference outputs
# for them (followed TCP streams and FTP dissector fields). A capture-making tool: not part of the package.
#
# Everything runs inside two network namespaces created here ("server" and "client", joined by a veth pair,
# 10.21.0.1 / 10.21.0.2 and fd21::1 / fd21::2), never on the host's own interfaces. The hard captures set a tiny
# MTU and gso_max_segs 1 on the namespace's veth only, and put scripts/nfq-mangle.c behind an iptables NFQUEUE
# rule inside the server namespace to reorder, duplicate and drop segments.
#
# Needs root, tcpdump, tshark (dumpcap, editcap), lftp, curl, python3, gcc + libnetfilter-queue-dev, and the
# servers unpacked by .ci/install-servers.sh in /opt/ftp-servers. Usage: scripts/record-captures.sh [name ...]
set -euo pipefail

HERE=$(cd "$(dirname "$0")/.." && pwd)
OUT=$HERE/fixtures/pcap
SERVERS=${FTP_SERVERS_ROOT:-/opt/ftp-servers}
WORK=$(mktemp -d /tmp/record-captures.XXXXXX)
SRV=ftpcap-srv-$$
CLI=ftpcap-cli-$$
SRV_IP=10.21.0.1
CLI_IP=10.21.0.2
SRV_IP6=fd21::1
CLI_IP6=fd21::2
PIDS=()

mkdir -p "$OUT"
chmod 0755 "$WORK"
touch "$WORK/started" # captures newer than this were written by this run

cleanup() {
	# A scenario that failed leaves its capture running: stop it too, or `wait` waits for it forever.
	if [[ -n ${CAPTURE_PID:-} ]]; then kill -TERM "$CAPTURE_PID" 2>/dev/null || true; fi
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	ip netns del "$SRV" 2>/dev/null || true
	ip netns del "$CLI" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT

in_srv() { ip netns exec "$SRV" "$@"; }
in_cli() { ip netns exec "$CLI" "$@"; }
# Starts a process in the server namespace in the background; `ip netns exec` execs it, so $! is its pid.
spawn_srv() { # log command...
	local log=$1
	shift
	ip netns exec "$SRV" "$@" >"$log" 2>&1 &
	PIDS+=($!)
}

# Fresh namespaces for each capture, so that each file holds only its own scenario.
make_namespaces() { # mtu
	local mtu=$1
	ip netns del "$SRV" 2>/dev/null || true
	ip netns del "$CLI" 2>/dev/null || true
	ip netns add "$SRV"
	ip netns add "$CLI"
	ip link add veth-srv netns "$SRV" type veth peer name veth-cli netns "$CLI"
	in_srv ip link set lo up
	in_cli ip link set lo up
	# gso_max_segs 1: no GSO batching on the namespace's veth, so the capture sees the segments of the wire.
	in_srv ip link set veth-srv mtu "$mtu" gso_max_segs 1 up
	in_cli ip link set veth-cli mtu "$mtu" gso_max_segs 1 up
	in_srv ip addr add "$SRV_IP/24" dev veth-srv
	in_cli ip addr add "$CLI_IP/24" dev veth-cli
	if ((mtu >= 1280)); then # IPv6 needs an MTU of 1280 at least (RFC 8200 §5)
		in_srv ip -6 addr add "$SRV_IP6/64" dev veth-srv nodad
		in_cli ip -6 addr add "$CLI_IP6/64" dev veth-cli nodad
	fi
	sleep 0.5
}

# The served tree: a small text file, a 64 KiB binary file, a directory.
make_tree() { # dir
	mkdir -p "$1/pub"
	printf 'hello from ftp-reply\r\n' >"$1/hello.txt"
	head -c 65536 /dev/urandom >"$1/pub/random.bin"
	chmod -R a+rX "$1"
}

start_vsftpd() { # port [extra config lines...]
	local dir=$WORK/vsftpd
	mkdir -p "$dir/anon" "$dir/empty"
	make_tree "$dir/anon"
	local port=$1
	shift
	cat >"$dir/vsftpd.conf" <<-EOF
		listen=YES
		listen_ipv6=NO
		background=NO
		listen_port=$port
		anonymous_enable=YES
		local_enable=NO
		anon_root=$dir/anon
		no_anon_password=YES
		write_enable=NO
		pasv_enable=YES
		pasv_min_port=30000
		pasv_max_port=30100
		port_enable=YES
		connect_from_port_20=YES
		secure_chroot_dir=$dir/empty
		seccomp_sandbox=NO
		isolate_network=NO
		isolate=NO
		ftpd_banner=ftp-reply capture server (vsftpd)
	EOF
	for line in "$@"; do echo "$line" >>"$dir/vsftpd.conf"; done
	spawn_srv "$WORK/vsftpd.log" env LD_LIBRARY_PATH="$(cat "$SERVERS/vsftpd/LD_LIBRARY_PATH")" \
		"$SERVERS/vsftpd/usr/sbin/vsftpd" "$dir/vsftpd.conf"
	sleep 0.5
}

start_proftpd() { # [port [config lines for the <Anonymous> section...]]
	local dir=$WORK/proftpd port=${1:-21}
	shift || true
	mkdir -p "$dir/anon"
	make_tree "$dir/anon"
	cat >"$dir/proftpd.conf" <<-EOF
		ServerName "ftp-reply capture (proftpd)"
		ServerType standalone
		DefaultServer on
		Port $port
		UseIPv6 off
		User nobody
		Group nogroup
		PidFile $dir/proftpd.pid
		ScoreboardFile $dir/scoreboard
		DelayTable none
		WtmpLog off
		TransferLog none
		SystemLog $dir/proftpd.log
		RequireValidShell off
		AuthOrder mod_auth_unix.c
		<Anonymous $dir/anon>
		  User ftp
		  Group ftp
		  UserAlias anonymous ftp
		  <Limit WRITE>
		    DenyAll
		  </Limit>
		$(printf '%s\n' "$@")
		</Anonymous>
	EOF
	spawn_srv "$WORK/proftpd.log" env LD_LIBRARY_PATH="$(cat "$SERVERS/proftpd/LD_LIBRARY_PATH")" \
		"$SERVERS/proftpd/usr/sbin/proftpd" -n -q -c "$dir/proftpd.conf"
	sleep 1
}

start_pureftpd() { # bind-address
	# pure-ftpd serves the home of the "ftp" account (/srv/ftp, made by .ci/install-servers.sh) to anonymous users.
	spawn_srv "$WORK/pure-ftpd.log" env LD_LIBRARY_PATH="$(cat "$SERVERS/pure-ftpd/LD_LIBRARY_PATH")" \
		"$SERVERS/pure-ftpd/usr/sbin/pure-ftpd" -e -A -S "$1,21" -p 30000:30100
	sleep 0.5
}

start_ftp_srv() { # port
	local dir=$WORK/ftp-srv
	mkdir -p "$dir"
	make_tree "$dir"
	spawn_srv "$WORK/ftp-srv.log" node "$HERE/node_modules/ftp-srv/bin/index.js" "ftp://$SRV_IP:$1" --root "$dir" \
		--pasv_url "$SRV_IP" --pasv_min 30000 --pasv_max 30100
	sleep 2
}

stop_servers() {
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	PIDS=()
}

# Starts a capture in the client namespace; `stop_capture` ends it.
CAPTURE_PID=
CAPTURE_NS=
start_capture() { # tool output [args...]   (in the client namespace, or in $CAPTURE_NS when set)
	local tool=$1 output=$2 ns=${CAPTURE_NS:-$CLI}
	shift 2
	case $tool in
	tcpdump) ip netns exec "$ns" tcpdump -U -q -s 0 -w "$output" "$@" >"$WORK/capture.log" 2>&1 & ;;
	dumpcap) ip netns exec "$ns" dumpcap -q -s 0 -w "$output" "$@" >"$WORK/capture.log" 2>&1 & ;;
	esac
	CAPTURE_PID=$!
	# Wait until the capture really listens (the machine may be busy), then a little more.
	local tries=0
	until grep -q -E 'listening on|Capturing on' "$WORK/capture.log" 2>/dev/null; do
		((++tries > 100)) && { echo "capture did not start: $(cat "$WORK/capture.log")" >&2; exit 1; }
		sleep 0.1
	done
	sleep 0.5
}
stop_capture() {
	# Let the capture drain its buffer on a busy machine before stopping it.
	sleep 2
	kill -TERM "$CAPTURE_PID" 2>/dev/null || true
	wait "$CAPTURE_PID" 2>/dev/null || true
	local captured received
	captured=$(sed -n 's/^\([0-9]*\) packets\{0,1\} captured.*/\1/p' "$WORK/capture.log")
	received=$(sed -n 's/^\([0-9]*\) packets\{0,1\} received by filter.*/\1/p' "$WORK/capture.log")
	# A packet or two may arrive while the capture stops (router solicitations); more means it fell behind.
	if [[ -n $captured && -n $received ]] && ((received - captured > 2)); then
		echo "capture incomplete: $captured of $received packets written" >&2
		exit 1
	fi
}

# python3 ftplib session: anonymous login, multi-line replies (FEAT, HELP, STAT), a listing and a download.
ftplib_session() { # host port [passive:1|0]
	in_cli python3 - "$@" <<-'EOF'
		import ftplib, sys
		host, port = sys.argv[1], int(sys.argv[2])
		passive = len(sys.argv) < 4 or sys.argv[3] == "1"
		ftp = ftplib.FTP()
		ftp.connect(host, port, timeout=20)
		ftp.login()
		ftp.set_pasv(passive)
		for command in ("SYST", "FEAT", "HELP", "STAT", "PWD", "TYPE I", "NOOP", "SIZE hello.txt", "BOGUS"):
		    try:
		        ftp.sendcmd(command)
		    except ftplib.all_errors:
		        pass
		ftp.retrlines("LIST")
		for name in ("hello.txt", "missing.txt"):  # pure-ftpd serves /srv/ftp, which may lack hello.txt
		    try:
		        ftp.retrbinary("RETR " + name, lambda block: None)
		    except ftplib.error_perm:
		        pass
		ftp.quit()
	EOF
}

record_vsftpd_curl() {
	make_namespaces 1500
	start_vsftpd 21
	start_capture tcpdump "$OUT/vsftpd-curl.pcap" -i veth-cli
	in_cli curl -sS -o /dev/null "ftp://$SRV_IP/hello.txt"
	in_cli curl -sS -o /dev/null "ftp://$SRV_IP/pub/"
	in_cli curl -sS -o /dev/null "ftp://$SRV_IP/pub/random.bin"
	stop_capture
	stop_servers
}

record_vsftpd_active() {
	make_namespaces 1500
	start_vsftpd 21
	start_capture dumpcap "$OUT/vsftpd-active-port20.pcapng" -i veth-cli
	# curl -P - : active mode (EPRT, then PORT when EPRT is refused); vsftpd connects from port 20.
	in_cli curl -sS -o /dev/null -P - "ftp://$SRV_IP/hello.txt"
	in_cli curl -sS -o /dev/null -P - --disable-eprt "ftp://$SRV_IP/pub/"
	ftplib_session "$SRV_IP" 21 0
	stop_capture
	stop_servers
}

record_proftpd_nano() {
	make_namespaces 1500
	start_proftpd
	# -i any writes Linux cooked v2 (SLL2); nanosecond time stamps.
	start_capture tcpdump "$OUT/proftpd-ftplib-nanosecond.pcap" -i any --time-stamp-precision=nano
	ftplib_session "$SRV_IP" 21
	stop_capture
	stop_servers
}

record_pureftpd_lftp() {
	make_namespaces 1500
	start_pureftpd "$SRV_IP"
	start_capture tcpdump "$OUT/pureftpd-lftp-sll.pcap" -i any -y LINUX_SLL
	in_cli lftp -e 'set net:max-retries 1; set net:timeout 10; ls; quote HELP; quote STAT; quit' "ftp://$SRV_IP" \
		>/dev/null 2>&1 || true
	stop_capture
	stop_servers
}

record_ipv6() {
	make_namespaces 1500
	start_pureftpd "$SRV_IP6"
	start_capture dumpcap "$OUT/pureftpd-ipv6.pcapng" -i veth-cli
	in_cli curl -sS -g -o /dev/null "ftp://[$SRV_IP6]/"
	ftplib_session "$SRV_IP6" 21
	stop_capture
	stop_servers
}

record_nonstandard_port() {
	make_namespaces 1500
	start_ftp_srv 2121
	start_capture tcpdump "$OUT/ftp-srv-port-2121.pcap" -i veth-cli
	ftplib_session "$SRV_IP" 2121
	stop_capture
	stop_servers
}

record_tiny_mtu() {
	# MTU 100: MSS 60, so replies span several segments and multi-line replies many.
	make_namespaces 100
	start_vsftpd 21
	start_capture tcpdump "$OUT/vsftpd-tiny-mtu.pcap" -i veth-cli
	ftplib_session "$SRV_IP" 21
	stop_capture
	stop_servers
}

record_interleaved() {
	make_namespaces 1500
	start_proftpd
	start_capture tcpdump "$OUT/proftpd-interleaved.pcap" -i veth-cli
	in_cli python3 - "$SRV_IP" <<-'EOF'
		import ftplib, sys
		# Two sessions whose commands alternate: their packets interleave in the capture.
		a, b = ftplib.FTP(sys.argv[1], timeout=20), ftplib.FTP(sys.argv[1], timeout=20)
		a.login(); b.login()
		for command in ("SYST", "PWD", "FEAT", "TYPE I", "HELP", "NOOP"):
		    a.sendcmd(command); b.sendcmd(command)
		a.retrlines("NLST"); b.retrbinary("RETR hello.txt", lambda block: None)
		b.quit(); a.quit()
	EOF
	stop_capture
	stop_servers
}

record_mangled() {
	make_namespaces 120
	gcc -O2 -o "$WORK/nfq-mangle" "$HERE/scripts/nfq-mangle.c" -lnetfilter_queue
	start_vsftpd 21
	in_srv iptables -A OUTPUT -p tcp --sport 21 -m mark ! --mark 7 -j NFQUEUE --queue-num 0
	spawn_srv "$WORK/nfq-mangle.log" "$WORK/nfq-mangle" 0
	sleep 0.5
	start_capture tcpdump "$OUT/vsftpd-reorder-dup-drop.pcap" -i veth-cli
	ftplib_session "$SRV_IP" 21
	stop_capture
	stop_servers
	in_srv iptables -F OUTPUT
	grep -c -E 'hold|duplicate|drop' "$WORK/nfq-mangle.log" | sed 's/^/nfq-mangle actions: /'
}

record_ftps() {
	make_namespaces 1500
	local cert=$WORK/ftps.pem
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=ftp-reply-capture -keyout "$cert" -out "$cert" \
		>/dev/null 2>&1
	start_vsftpd 21 ssl_enable=YES allow_anon_ssl=YES force_anon_logins_ssl=NO force_anon_data_ssl=NO \
		"rsa_cert_file=$cert" "rsa_private_key_file=$cert" require_ssl_reuse=NO
	start_capture tcpdump "$OUT/vsftpd-auth-tls.pcap" -i veth-cli
	# Plain session first, then one that switches to TLS (AUTH TLS, 234): only its clear-text start is readable.
	in_cli curl -sS -o /dev/null "ftp://$SRV_IP/hello.txt"
	in_cli curl -sS -k --ssl-reqd -o /dev/null "ftp://$SRV_IP/hello.txt"
	stop_capture
	stop_servers
}

record_two_interfaces() {
	make_namespaces 1500
	start_vsftpd 21
	# dumpcap on two interfaces of the server namespace: a pcapng with two interface description blocks.
	CAPTURE_NS=$SRV start_capture dumpcap "$OUT/vsftpd-two-interfaces.pcapng" -i veth-srv -i lo
	in_cli curl -sS -o /dev/null "ftp://$SRV_IP/hello.txt"
	in_srv curl -sS -o /dev/null "ftp://127.0.0.1/pub/"
	stop_capture
	stop_servers
}

# The captures of issue 19 (notices, weird, FTPS) use server port 2321 and passive ports 2350-2399 (the range this
# recording was given on a shared machine); the analyser finds them by their greeting, tshark with -d tcp.port==2321.
NOTICE_PORT=2321

# A brute-force run: 22 curl logins with wrong passwords, then one right one, against Pure-FTPd with one virtual
# user (puredb); the last session also sends its password in clear text.
record_bruteforce() {
	make_namespaces 1500
	local dir=$WORK/pure-bf
	mkdir -p "$dir/home"
	make_tree "$dir/home"
	chown -R ftpreply: "$dir/home"
	printf 'ftpreply:%s:%s:%s::%s/./::::::::::::\n' "$(openssl passwd -6 right-password)" "$(id -u ftpreply)" \
		"$(id -g ftpreply)" "$dir/home" >"$dir/passwd"
	env LD_LIBRARY_PATH="$(cat "$SERVERS/pure-ftpd/LD_LIBRARY_PATH")" "$SERVERS/pure-ftpd/usr/bin/pure-pw" mkdb \
		"$dir/passwd.pdb" -f "$dir/passwd"
	spawn_srv "$WORK/pure-ftpd.log" env LD_LIBRARY_PATH="$(cat "$SERVERS/pure-ftpd/LD_LIBRARY_PATH")" \
		"$SERVERS/pure-ftpd/usr/sbin/pure-ftpd" -S "$SRV_IP,$NOTICE_PORT" -p 2350:2399 -l "puredb:$dir/passwd.pdb" \
		-A -H
	sleep 0.5
	start_capture tcpdump "$OUT/pureftpd-bruteforce.pcap" -i veth-cli
	for i in $(seq 1 22); do
		in_cli curl -sS -o /dev/null --user "ftpreply:guess$i" "ftp://$SRV_IP:$NOTICE_PORT/" 2>/dev/null || true
	done
	in_cli curl -sS -o /dev/null --user "ftpreply:right-password" "ftp://$SRV_IP:$NOTICE_PORT/"
	stop_capture
	stop_servers
}

# Bounce and hijack attempts against vsftpd with port_promiscuous=YES (it accepts a PORT to any address): PORT and
# EPRT to 127.0.0.2 (a third host for this connection), a data connection to a PASV port from 10.21.0.3 (a second
# client address, not the control connection's) before the client's own, and `curl --ssl` against a server
# without TLS (AUTH SSL and AUTH TLS refused, then USER and PASS in clear).
record_bounce() {
	make_namespaces 1500
	in_cli ip addr add 10.21.0.3/24 dev veth-cli
	start_vsftpd "$NOTICE_PORT" port_promiscuous=YES connect_from_port_20=NO pasv_min_port=2350 pasv_max_port=2399
	start_capture tcpdump "$OUT/vsftpd-bounce-hijack.pcap" -i veth-cli
	in_cli python3 - "$SRV_IP" "$NOTICE_PORT" <<-'EOF'
		import ftplib, socket, sys, time
		host, port = sys.argv[1], int(sys.argv[2])
		ftp = ftplib.FTP()
		ftp.connect(host, port, timeout=20)
		ftp.login()
		for command in ("PORT 127,0,0,2,9,21", "LIST", "EPRT |1|127.0.0.2|2325|", "LIST"):
		    try:
		        print(command, "->", ftp.sendcmd(command))
		    except ftplib.all_errors as error:
		        print(command, "->", error)
		ftp.quit()
		# Hijack: another address connects to the announced passive port before the client does.
		ftp = ftplib.FTP()
		ftp.connect(host, port, timeout=20)
		ftp.login()
		ftp.sendcmd("TYPE A")
		data_host, data_port = ftplib.parse227(ftp.sendcmd("PASV"))
		thief = socket.socket()
		thief.bind(("10.21.0.3", 0))
		thief.connect((data_host, data_port))
		time.sleep(0.3)
		try:
		    print("LIST ->", ftp.sendcmd("LIST"))
		    print(ftp.getresp())
		except ftplib.all_errors as error:
		    print("LIST ->", error)
		thief.close()
		ftp.quit()
	EOF
	in_cli curl -sS -o /dev/null --ssl "ftp://$SRV_IP:$NOTICE_PORT/hello.txt"
	stop_capture
	stop_servers
}

# ProFTPD ignores a command line longer than its buffer (CommandBufferSize, 512 bytes by default) without a reply:
# a 5000-byte CWD gets none, and the 221 that follows answers the QUIT sent after a wait. The first session sends
# USER, PASS, SYST and PWD in one segment (pipelined), answered in order.
record_proftpd_dropped() {
	make_namespaces 1500
	start_proftpd
	start_capture tcpdump "$OUT/proftpd-dropped-command.pcap" -i veth-cli
	in_cli python3 - "$SRV_IP" <<-'EOF'
		import socket, sys, time
		def session(groups, pause):
		    # Each group of lines goes out in one segment; `pause` seconds after each (the client waiting).
		    s = socket.create_connection((sys.argv[1], 21), timeout=20)
		    s.recv(4096)  # the greeting
		    for group, wait in zip(groups, pause):
		        s.sendall("".join(line + "\r\n" for line in group).encode())
		        time.sleep(wait)
		    s.settimeout(5)
		    try:
		        while s.recv(4096):
		            pass
		    except OSError:
		        pass
		    s.close()
		session([["USER anonymous", "PASS guest@", "SYST", "PWD"], ["QUIT"]], [0.5, 0.5])
		session([["USER anonymous"], ["PASS guest@"], ["CWD " + "a" * 5000], ["QUIT"]], [0.5, 0.5, 3, 0.5])
	EOF
	stop_capture
	stop_servers
}

# AUTH TLS on ProFTPD (mod_tls from proftpd-mod-crypto): one curl session held to TLS 1.2 (the certificate travels
# in clear), one in TLS 1.3, both naming the server ftp.example.test (--resolve) so the ClientHello carries an SNI;
# then Python's ftplib (AUTH TLS, PROT P, a listing).
record_proftpd_tls() {
	make_namespaces 1500
	local dir=$WORK/proftpd-tls
	mkdir -p "$dir/anon"
	make_tree "$dir/anon"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/C=DE/O=ftp-reply fixtures/CN=ftp.example.test" \
		-keyout "$dir/key.pem" -out "$dir/cert.pem" >/dev/null 2>&1
	cat >"$dir/proftpd.conf" <<-EOF
		ServerName "ftp-reply capture (proftpd, mod_tls)"
		ServerType standalone
		DefaultServer on
		Port $NOTICE_PORT
		UseIPv6 off
		User nobody
		Group nogroup
		PassivePorts 2350 2399
		PidFile $dir/proftpd.pid
		ScoreboardFile $dir/scoreboard
		DelayTable none
		WtmpLog off
		TransferLog none
		UseReverseDNS off
		SystemLog $dir/proftpd.log
		RequireValidShell off
		AuthOrder mod_auth_unix.c
		ModulePath $SERVERS/proftpd/usr/lib/proftpd
		LoadModule mod_tls.c
		TLSEngine on
		TLSRequired off
		TLSProtocol TLSv1.2 TLSv1.3
		TLSRSACertificateFile $dir/cert.pem
		TLSRSACertificateKeyFile $dir/key.pem
		TLSOptions NoSessionReuseRequired
		<Anonymous $dir/anon>
		  User ftp
		  Group ftp
		  UserAlias anonymous ftp
		</Anonymous>
	EOF
	spawn_srv "$WORK/proftpd.log" env LD_LIBRARY_PATH="$(cat "$SERVERS/proftpd/LD_LIBRARY_PATH")" \
		"$SERVERS/proftpd/usr/sbin/proftpd" -n -q -c "$dir/proftpd.conf"
	sleep 1
	start_capture tcpdump "$OUT/proftpd-auth-tls.pcap" -i veth-cli
	local name=ftp.example.test
	in_cli curl -sS -k --ssl-reqd --tls-max 1.2 --resolve "$name:$NOTICE_PORT:$SRV_IP" -o /dev/null \
		"ftp://$name:$NOTICE_PORT/hello.txt"
	in_cli curl -sS -k --ssl-reqd --resolve "$name:$NOTICE_PORT:$SRV_IP" -o /dev/null "ftp://$name:$NOTICE_PORT/hello.txt"
	# Python's ftplib sends AUTH TLS itself (curl tries AUTH SSL first); it names the server as it was reached, so
	# the host name is set after connecting by address, for the SNI.
	in_cli python3 - "$SRV_IP" "$NOTICE_PORT" "$name" <<-'EOF'
		import ftplib, ssl, sys
		context = ssl.create_default_context()
		context.check_hostname = False
		context.verify_mode = ssl.CERT_NONE
		ftp = ftplib.FTP_TLS(context=context, timeout=20)
		ftp.connect(sys.argv[1], int(sys.argv[2]))
		ftp.host = sys.argv[3]
		ftp.login()
		ftp.prot_p()
		ftp.retrlines("NLST", lambda line: None)
		ftp.quit()
	EOF
	stop_capture
	stop_servers
}

# File names in Latin-1, not UTF-8 (an old client): ProFTPD echoes the bytes in its 550 replies, and ftp.log must
# write them as Zeek does (\xe9), not as U+FFFD. Then ALLO (202: superfluous here) and a download aborted with ABOR
# while the client reads nothing from the data connection (426, then 226).
record_proftpd_latin1() {
	make_namespaces 1500
	start_proftpd
	start_capture tcpdump "$OUT/proftpd-latin1.pcap" -i veth-cli
	in_cli python3 - "$SRV_IP" <<-'EOF'
		import re, socket, sys, time
		host = sys.argv[1]
		s = socket.create_connection((host, 21), timeout=20)
		s.recv(4096)
		def send(line):
		    s.sendall(line + b"\r\n")
		    time.sleep(0.3)
		    try:
		        return s.recv(4096)
		    except socket.timeout:
		        return b""
		for line in (b"USER anonymous", b"PASS guest@", b"SIZE caf\xe9.txt", b"DELE r\xe9sum\xe9.txt", b"ALLO 100",
		             b"TYPE I"):
		    send(line)
		port = [int(n) for n in re.search(rb"\((\d+,\d+,\d+,\d+,\d+,\d+)\)", send(b"PASV")).group(1).split(b",")]
		data = socket.socket()
		data.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)  # read nothing: the server stalls
		data.connect((host, port[4] * 256 + port[5]))
		send(b"RETR pub/random.bin")
		time.sleep(0.5)
		s.settimeout(3)
		send(b"ABOR")  # ProFTPD answers 426 (and no 226 of its own)
		data.close()
		send(b"NOOP")
		send(b"QUIT")
		s.close()
	EOF
	stop_capture
	stop_servers
}

# pyftpdlib in active mode connects to the PORT/EPRT address before it sends its 200 (its 200 says "Active data
# connection established"): the data connection opens before the reply that accepts the command.
record_pyftpdlib_active() {
	make_namespaces 1500
	local dir=$WORK/pyftpdlib
	mkdir -p "$dir"
	make_tree "$dir"
	spawn_srv "$WORK/pyftpdlib.log" /usr/bin/python3 -m pyftpdlib -i "$SRV_IP" -p 21 -d "$dir"
	sleep 1.5
	start_capture tcpdump "$OUT/pyftpdlib-active.pcap" -i veth-cli
	ftplib_session "$SRV_IP" 21 0
	in_cli curl -sS -o /dev/null -P - "ftp://$SRV_IP/hello.txt"
	stop_capture
	stop_servers
}

# One client port used by three sessions in a row: tshark starts a new tcp.stream each time the 4-tuple is reused
# after a FIN or RST, and so must we. The client waits for the server's FIN after QUIT (so the TIME_WAIT is the
# server's and the port is free again); the third session ends with a RST (SO_LINGER 0).
record_port_reuse() {
	make_namespaces 1500
	start_vsftpd 21
	start_capture tcpdump "$OUT/vsftpd-port-reuse.pcap" -i veth-cli
	in_cli python3 - "$SRV_IP" <<-'EOF'
		import socket, struct, sys, time
		for n, reset in ((1, False), (2, False), (3, True)):
		    s = socket.socket()
		    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
		    s.bind(("", 40000))
		    s.connect((sys.argv[1], 21))
		    s.recv(4096)
		    for line in ("USER anonymous", "PASS guest@", "PWD") + (() if reset else ("QUIT",)):
		        s.sendall((line + "\r\n").encode())
		        time.sleep(0.3)
		        s.recv(4096)
		    if reset:
		        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
		    else:
		        while s.recv(4096):  # until the server's FIN
		            pass
		    s.close()
		    time.sleep(0.5)
	EOF
	stop_capture
	stop_servers
}

# No FTP at all: an HTTP download from python's http.server (what `pcap` says of a capture without FTP).
record_no_ftp() {
	make_namespaces 1500
	mkdir -p "$WORK/http"
	make_tree "$WORK/http"
	spawn_srv "$WORK/http.log" python3 -m http.server --bind "$SRV_IP" --directory "$WORK/http" 8080
	sleep 1.5
	start_capture tcpdump "$OUT/http-no-ftp.pcap" -i veth-cli
	in_cli curl -sS -o /dev/null "http://$SRV_IP:8080/hello.txt"
	stop_capture
	stop_servers
}

# ───── files on data connections (issue 19): known files, uploads, resumed, aborted and truncated transfers ─────
# Servers listen on 2221 (passive ports 2230-2260) inside the namespace; they are found by their greeting.
FILES_PORT=2221

# Small files with known magic numbers: a real PNG, a gzip, a PDF header, text, and 24 KiB of random bytes.
make_files_tree() { # dir
	mkdir -p "$1"
	printf 'hello from ftp-reply\r\n' >"$1/hello.txt"
	python3 - "$1/image.png" <<-'EOF'
		import struct, sys, zlib
		def chunk(kind, data):
		    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
		# 16 × 16 RGB, a gradient: each row is a filter byte (0) and 16 pixels.
		rows = b"".join(b"\x00" + bytes(v for x in range(16) for v in (x * 16, y * 16, 128)) for y in range(16))
		png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 16, 16, 8, 2, 0, 0, 0))
		png += chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
		open(sys.argv[1], "wb").write(png)
	EOF
	seq 1 200 | gzip -9n >"$1/numbers.gz"
	printf '%%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%%%EOF\n' >"$1/doc.pdf"
	head -c 24576 /dev/urandom >"$1/big.bin"
	chmod -R a+rX "$1"
}

# The served (or stored) files' SHA-256, as sha256sum writes it, for the tests to compare with.
write_sums() { # dir reference-file
	(cd "$1" && find . -type f ! -name '.*' | sort | sed 's|^\./||' | xargs sha256sum) >"$2"
}

record_vsftpd_files() {
	make_namespaces 1500
	start_vsftpd "$FILES_PORT" pasv_min_port=2230 pasv_max_port=2260
	local anon=$WORK/vsftpd/anon
	make_files_tree "$anon"
	start_capture tcpdump "$OUT/vsftpd-files.pcap" -i veth-cli
	local url=ftp://$SRV_IP:$FILES_PORT
	in_cli curl -sS -o /dev/null "$url/hello.txt"
	# Two clients at once.
	in_cli curl -sS -o /dev/null "$url/image.png" &
	local first=$!
	in_cli curl -sS -o /dev/null "$url/numbers.gz" &
	wait "$first" $!
	in_cli curl -sS -o /dev/null -P - "$url/doc.pdf" # active mode (EPRT)
	# Resumed: the first 10000 bytes are already here; curl -C - sends REST 10000 and RETR.
	head -c 10000 "$anon/big.bin" >"$WORK/partial.bin"
	in_cli curl -sS -C - -o "$WORK/partial.bin" "$url/big.bin"
	cmp "$WORK/partial.bin" "$anon/big.bin"
	in_cli curl -sS -o /dev/null "$url/"
	stop_capture
	stop_servers
	write_sums "$anon" "$OUT/vsftpd-files.sha256"
	# The resumed transfer carried the file from byte 10000 on.
	tail -c +10001 "$anon/big.bin" | sha256sum | sed 's|-$|big.bin from byte 10000|' >>"$OUT/vsftpd-files.sha256"
}

# A download read slowly through a tiny receive window (SO_RCVBUF), stopped after a second: by ABOR (ftplib sends
# it with Telnet IP and Synch, RFC 959 §4.1.3), by killing the client, or (mode "wait") by the server's end.
slow_download() { # host port abor|kill|wait
	in_cli python3 - "$@" <<-'EOF'
		import ftplib, os, signal, socket, sys, threading, time
		host, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
		ftp = ftplib.FTP()
		ftp.connect(host, port, timeout=10)
		ftp.login()
		ftp.voidcmd("TYPE I")
		ftp.sendcmd("SIZE big.bin")
		data = socket.socket()
		data.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
		data.connect(ftp.makepasv())
		ftp.sendcmd("RETR big.bin")
		start = time.time()
		while mode == "wait" or time.time() - start < 1:
		    if not data.recv(256):
		        break
		    time.sleep(0.1)
		if mode == "kill":
		    os.kill(os.getpid(), signal.SIGKILL)
		if mode == "abor":
		    # Keep reading (slowly) until the server closes the data connection, as a client must (RFC 959 §4.1.3).
		    def drain():
		        while data.recv(256):
		            time.sleep(0.1)
		    reader = threading.Thread(target=drain)
		    reader.start()
		    try:
		        ftp.abort()
		        ftp.getresp()
		    except Exception:
		        pass
		    reader.join(5)
		data.close()
		try:
		    ftp.quit()
		except Exception:
		    pass
	EOF
}

record_vsftpd_abort() {
	make_namespaces 1500
	# A 4 KiB send buffer in the server namespace: a killed server leaves at most that much to be sent.
	in_srv sysctl -q -w net.ipv4.tcp_wmem="4096 4096 4096"
	# async_abor_enable: vsftpd reads an urgent ABOR during a transfer (off by default).
	start_vsftpd "$FILES_PORT" pasv_min_port=2230 pasv_max_port=2260 async_abor_enable=YES
	local anon=$WORK/vsftpd/anon
	make_files_tree "$anon"
	start_capture tcpdump "$OUT/vsftpd-abort.pcap" -i veth-cli
	slow_download "$SRV_IP" "$FILES_PORT" abor
	slow_download "$SRV_IP" "$FILES_PORT" kill || true
	sleep 1
	# The server's session killed in the middle of the RETR: the data connection ends early, no final reply.
	slow_download "$SRV_IP" "$FILES_PORT" wait &
	local client=$! listener=${PIDS[0]} tries=0
	# Once the session's processes exist (a busy machine may be slow to connect), a second into the transfer.
	until pgrep -P "$listener" >/dev/null; do
		((++tries > 100)) && break
		sleep 0.1
	done
	sleep 1.5
	# The session's privileged process first, or it would answer "500 OOPS: child died" when its child dies.
	for child in $(pgrep -P "$listener"); do
		local grandchildren
		grandchildren=$(pgrep -P "$child" || true)
		kill -KILL "$child" $grandchildren || true
	done
	wait "$client" || true
	stop_capture
	stop_servers
	write_sums "$anon" "$OUT/vsftpd-abort.sha256"
}

# ProFTPD with anonymous uploads allowed in incoming/ (STOR, APPE, STOU), overwrite and REST STOR allowed.
start_proftpd_upload() {
	local anon=$WORK/proftpd/anon
	mkdir -p "$anon/incoming"
	make_files_tree "$anon"
	chmod 1777 "$anon/incoming"
	start_proftpd "$FILES_PORT" "AllowOverwrite on" "AllowStoreRestart on" "<Directory $anon/incoming>" \
		"<Limit STOR APPE STOU>" AllowAll "</Limit>" "</Directory>"
}

record_proftpd_upload() {
	make_namespaces 1500
	start_proftpd_upload
	local anon=$WORK/proftpd/anon
	start_capture tcpdump "$OUT/proftpd-upload.pcap" -i veth-cli
	local url=ftp://$SRV_IP:$FILES_PORT
	in_cli curl -sS -T "$anon/doc.pdf" "$url/incoming/"
	in_cli curl -sS -T "$anon/image.png" "$url/incoming/"
	in_cli curl -sS -T "$anon/hello.txt" "$url/incoming/log.txt"
	in_cli curl -sS -T "$anon/hello.txt" --append "$url/incoming/log.txt" # APPE
	in_cli python3 - "$SRV_IP" "$FILES_PORT" "$anon/numbers.gz" <<-'EOF'
		import ftplib, sys
		ftp = ftplib.FTP()
		ftp.connect(sys.argv[1], int(sys.argv[2]), timeout=20)
		ftp.login()
		ftp.cwd("incoming")
		with open(sys.argv[3], "rb") as f:
		    ftp.storbinary("STOU", f)
		ftp.retrbinary("RETR doc.pdf", lambda block: None)
		ftp.quit()
	EOF
	stop_capture
	stop_servers
	write_sums "$anon" "$OUT/proftpd-upload.sha256"
}

# A capture with a hole no retransmission fills: one server→client control segment deleted from the tiny-MTU
# capture with editcap (the 5th segment with payload from port 21).
derive_gap() {
	local frame
	frame=$(tshark -r "$OUT/vsftpd-tiny-mtu.pcap" -Y 'tcp.srcport == 21 && tcp.len > 0' -T fields -e frame.number |
		sed -n 5p)
	editcap -F pcap "$OUT/vsftpd-tiny-mtu.pcap" "$OUT/vsftpd-gap.pcap" "$frame"
	echo "vsftpd-gap.pcap: frame $frame of vsftpd-tiny-mtu.pcap deleted"
}

# Port reuse after a FIN seen one way only: the client's FIN of the first session deleted from vsftpd-port-reuse.pcap
# (a packet the capture missed). tshark still starts a new tcp.stream at the next SYN (a FIN was seen).
derive_lost_fin() {
	local frame
	frame=$(tshark -r "$OUT/vsftpd-port-reuse.pcap" -Y 'tcp.stream == 0 && tcp.srcport == 40000 && tcp.flags.fin == 1' \
		-T fields -e frame.number)
	editcap -F pcap "$OUT/vsftpd-port-reuse.pcap" "$OUT/vsftpd-port-reuse-lost-fin.pcap" "$frame"
	echo "vsftpd-port-reuse-lost-fin.pcap: frame $frame of vsftpd-port-reuse.pcap deleted"
}

# A file with a hole: the 3rd data segment of the resumed big.bin download (the 5th TCP stream with data from a
# passive port) deleted from vsftpd-files.pcap, so its hash cannot be known.
derive_file_gap() {
	local frame length
	read -r frame length < <(tshark -r "$OUT/vsftpd-files.pcap" \
		-Y 'tcp.srcport >= 2230 && tcp.srcport <= 2260 && tcp.len > 1000' -T fields -e frame.number -e tcp.len | sed -n 3p)
	editcap -F pcap "$OUT/vsftpd-files.pcap" "$OUT/vsftpd-files-gap.pcap" "$frame"
	echo "vsftpd-files-gap.pcap: frame $frame ($length bytes) of vsftpd-files.pcap deleted"
}

# Other encodings of real captures: big-endian, raw IP, BSD loopback, 802.1Q, pcapng big-endian.
derive_conversions() {
	python3 "$HERE/scripts/pcap-convert.py" big-endian "$OUT/vsftpd-curl.pcap" "$OUT/vsftpd-curl-bigendian.pcap"
	python3 "$HERE/scripts/pcap-convert.py" raw-ip "$OUT/vsftpd-curl.pcap" "$OUT/vsftpd-curl-rawip.pcap"
	python3 "$HERE/scripts/pcap-convert.py" bsd-null "$OUT/vsftpd-curl.pcap" "$OUT/vsftpd-curl-null.pcap"
	python3 "$HERE/scripts/pcap-convert.py" vlan "$OUT/vsftpd-curl.pcap" "$OUT/vsftpd-curl-vlan.pcap"
	python3 "$HERE/scripts/pcap-convert.py" pcapng-big-endian "$OUT/vsftpd-tiny-mtu.pcap" \
		"$OUT/vsftpd-tiny-mtu-bigendian.pcapng"
}

all=(vsftpd_curl vsftpd_active proftpd_nano pureftpd_lftp ipv6 nonstandard_port tiny_mtu interleaved mangled ftps
	two_interfaces bruteforce bounce proftpd_tls proftpd_dropped proftpd_latin1 pyftpdlib_active port_reuse no_ftp
	vsftpd_files vsftpd_abort proftpd_upload)
if (($# > 0)); then all=("$@"); fi
for name in "${all[@]}"; do
	echo "== $name"
	"record_$name"
done
# The derived files follow their sources: re-made only when a source was recorded in this run.
recorded=" ${all[*]} "
if [[ $recorded == *" tiny_mtu "* ]]; then derive_gap; fi
if [[ $recorded == *" vsftpd_curl "* || $recorded == *" tiny_mtu "* ]]; then derive_conversions; fi
if [[ $recorded == *" port_reuse "* ]]; then derive_lost_fin; fi
if [[ $recorded == *" vsftpd_files "* ]]; then derive_file_gap; fi
# References for what this run wrote (all captures when every scenario was recorded).
if (($# > 0)); then
	written=()
	for capture in "$OUT"/*.pcap "$OUT"/*.pcapng; do [[ $capture -nt $WORK/started ]] && written+=("$capture"); done
	"$HERE/scripts/tshark-references.sh" "${written[@]}"
else
	"$HERE/scripts/tshark-references.sh"
fi
chmod a+r "$OUT"/* 2>/dev/null || true

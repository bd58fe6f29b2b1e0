#!/usr/bin/env bash
# Writes tshark's reference outputs beside every capture in fixtures/pcap/:
#   NAME.follow.txt  `tshark -q -z follow,tcp,raw,N` for every TCP stream N: the exact bytes of each direction
#   NAME.ftp.tsv     tshark's FTP dissector fields, one row per FTP packet (default ports: FTP on 21 only)
#   NAME.streams.tsv per TCP stream and direction: the payload bytes and their SHA-256 (tshark's followed raw
#                    bytes through xxd -r -p and sha256sum), the reference for the files on data connections
# Usage: scripts/tshark-references.sh [capture ...]   (default: every capture in fixtures/pcap/)
# These are produced by tshark alone, never by ftp-reply.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
OUT=$HERE/fixtures/pcap
tshark --version | head -1 >"$OUT/TSHARK_VERSION"
# The captures of issue 19 put their servers on port 2321 (scripts/record-captures.sh, NOTICE_PORT).
DECODE_AS=(-d tcp.port==2321,ftp)
captures=("$@")
if ((${#captures[@]} == 0)); then captures=("$OUT"/*.pcap "$OUT"/*.pcapng); fi
# One followed direction (Node 0 lines start without a tab, Node 1 lines with one) → "bytes<TAB>sha256".
direction_sum() { # follow-output node
	awk -v node="$2" '/^=+$/ { body = !body; next } body && /^(Follow|Filter|Node [01]):/ { next }
		body && node == 1 && /^\t/ { sub(/^\t/, ""); print } body && node == 0 && !/^\t/ && NF { print }' "$1" |
		xxd -r -p >"$1.bin"
	printf '%s\t%s' "$(wc -c <"$1.bin")" "$(sha256sum <"$1.bin" | cut -d' ' -f1)"
}
for capture in "${captures[@]}"; do
	[[ -e $capture ]] || continue
	name=${capture%.*}
	streams=$(tshark -r "$capture" -T fields -e tcp.stream 2>/dev/null | grep -v '^$' | sort -nu || true)
	args=()
	for stream in $streams; do args+=(-z "follow,tcp,raw,$stream"); done
	if ((${#args[@]} > 0)); then
		tshark -r "$capture" -q "${args[@]}" >"$name.follow.txt"
	else
		: >"$name.follow.txt"
	fi
	tmp=$(mktemp)
	printf 'stream\tclient_bytes\tclient_sha256\tserver_bytes\tserver_sha256\n' >"$name.streams.tsv"
	for stream in $streams; do
		tshark -r "$capture" -q -z "follow,tcp,raw,$stream" >"$tmp"
		printf '%s\t%s\t%s\n' "$stream" "$(direction_sum "$tmp" 0)" "$(direction_sum "$tmp" 1)" >>"$name.streams.tsv"
	done
	rm -f "$tmp" "$tmp.bin"
	tshark -r "$capture" "${DECODE_AS[@]}" -Y ftp -T fields -E header=y -E separator=/t -E occurrence=a -E aggregator='|' \
		-e frame.number -e tcp.stream -e tcp.srcport -e tcp.dstport \
		-e ftp.request.command -e ftp.request.arg -e ftp.response.code -e ftp.response.arg >"$name.ftp.tsv"
	# TLS handshakes of control connections after AUTH + 234: tshark 4.0's FTP dissector does not hand them to its
	# TLS dissector, so the control ports are decoded as TLS (which skips the clear-text FTP before the records).
	if tshark -r "$capture" "${DECODE_AS[@]}" -Y 'ftp.response.code == 234' 2>/dev/null | grep -q .; then
		tshark -r "$capture" -d tcp.port==21,tls -d tcp.port==2321,tls \
			-Y 'tls.handshake.type == 1 || tls.handshake.type == 2 || tls.handshake.type == 11' \
			-T fields -E header=y -E separator=/t -E occurrence=a -E aggregator='|' \
			-e frame.number -e tcp.stream -e tls.handshake.type -e tls.handshake.extensions_server_name \
			-e tls.handshake.version -e tls.handshake.extensions.supported_version -e tls.handshake.ciphersuite \
			-e x509sat.printableString -e x509sat.uTF8String >"$name.tls.tsv"
	fi
	echo "tshark-references: $(basename "$capture"): $(wc -w <<<"$streams") streams"
done

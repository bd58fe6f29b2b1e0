#!/usr/bin/env bash
# Writes tshark's reference outputs beside every capture in fixtures/pcap/:
#   NAME.follow.txt  `tshark -q -z follow,tcp,raw,N` for every TCP stream N: the exact bytes of each direction
#   NAME.ftp.tsv     tshark's FTP dissector fields, one row per FTP packet (default ports: FTP on 21 only)
# These are produced by tshark alone, never by ftp-reply. Usage: scripts/tshark-references.sh [capture ...]
# (default: every capture in fixtures/pcap/).
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
OUT=$HERE/fixtures/pcap
tshark --version | head -1 >"$OUT/TSHARK_VERSION"
captures=("$@")
if ((${#captures[@]} == 0)); then captures=("$OUT"/*.pcap "$OUT"/*.pcapng); fi
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
	tshark -r "$capture" -Y ftp -T fields -E header=y -E separator=/t -E occurrence=a -E aggregator='|' \
		-e frame.number -e tcp.stream -e tcp.srcport -e tcp.dstport \
		-e ftp.request.command -e ftp.request.arg -e ftp.response.code -e ftp.response.arg >"$name.ftp.tsv"
	echo "tshark-references: $(basename "$capture"): $(wc -w <<<"$streams") streams"
done

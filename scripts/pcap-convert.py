#!/usr/bin/env python3
"""Re-encodes a real little-endian microsecond pcap (recorded by scripts/record-captures.sh) into the other
encodings the reader must handle; the packets' IP bytes are unchanged. A capture-making tool, not shipped.

  big-endian          the same pcap written big-endian (magic a1 b2 c3 d4 in file order)
  raw-ip              LINKTYPE_RAW (101): the Ethernet header removed
  bsd-null            LINKTYPE_NULL (0): the Ethernet header replaced by a 4-byte host-order (LE) AF_INET/AF_INET6
  vlan                Ethernet with an 802.1Q tag (VLAN 21) inserted after the MAC addresses
  pcapng-big-endian   big-endian pcapng: SHB, IDB with if_tsresol=9 (ns), EPBs, and an ISB at the end

usage: pcap-convert.py MODE IN.pcap OUT
"""
import struct
import sys


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic != b"\xd4\xc3\xb2\xa1":
        sys.exit(f"{path}: expected a little-endian microsecond pcap")
    _, _, zone, sigfigs, snaplen, linktype = struct.unpack_from("<HHiIII", data, 4)
    pos, packets = 24, []
    while pos < len(data):
        sec, usec, incl, orig = struct.unpack_from("<IIII", data, pos)
        packets.append((sec, usec, data[pos + 16 : pos + 16 + incl], orig))
        pos += 16 + incl
    return snaplen, linktype, packets


def write_pcap(path, endian, snaplen, linktype, packets):
    with open(path, "wb") as f:
        f.write(struct.pack(endian + "IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype))
        for sec, usec, frame, orig in packets:
            f.write(struct.pack(endian + "IIII", sec, usec, len(frame), orig) + frame)


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def block(btype, body):
    length = 12 + len(body)
    return struct.pack(">II", btype, length) + body + struct.pack(">I", length)


def main():
    mode, source, target = sys.argv[1:4]
    snaplen, linktype, packets = read_pcap(source)
    if mode == "big-endian":
        write_pcap(target, ">", snaplen, linktype, packets)
        return
    if linktype != 1:
        sys.exit("expected an Ethernet capture")
    out = []
    for sec, usec, frame, orig in packets:
        ethertype = frame[12:14]
        if mode == "raw-ip":
            out.append((sec, usec, frame[14:], orig - 14))
        elif mode == "bsd-null":
            family = 2 if ethertype == b"\x08\x00" else 30
            out.append((sec, usec, struct.pack("<I", family) + frame[14:], orig - 10))
        elif mode == "vlan":
            out.append((sec, usec, frame[:12] + b"\x81\x00\x00\x15" + frame[12:], orig + 4))
        elif mode == "pcapng-big-endian":
            out.append((sec, usec, frame, orig))
        else:
            sys.exit(f"unknown mode {mode}")
    if mode == "raw-ip":
        write_pcap(target, "<", snaplen, 101, out)
    elif mode == "bsd-null":
        write_pcap(target, "<", snaplen, 0, out)
    elif mode == "vlan":
        write_pcap(target, "<", snaplen + 4, 1, out)
    else:
        with open(target, "wb") as f:
            shb = struct.pack(">IHHq", 0x1A2B3C4D, 1, 0, -1) + struct.pack(">HH", 0, 0)
            f.write(block(0x0A0D0D0A, shb))
            name = pad4(b"veth-cli")
            idb = struct.pack(">HHI", 1, 0, snaplen)
            idb += struct.pack(">HH", 2, 8) + name + struct.pack(">HH", 9, 1) + b"\x09\0\0\0" + struct.pack(">HH", 0, 0)
            f.write(block(1, idb))
            for sec, usec, frame, orig in out:
                ts = sec * 1_000_000_000 + usec * 1000
                epb = struct.pack(">IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(frame), orig) + pad4(frame)
                f.write(block(6, epb))
            # Interface Statistics Block: not a packet, must be skipped.
            f.write(block(5, struct.pack(">III", 0, 0, 0) + struct.pack(">HH", 0, 0)))


main()

# The reference of a capture's FTP control connections, made by tshark alone (not by ftp-reply): tshark follows
# each TCP stream (`tshark -q -z follow,tcp,raw,N`), and these few lines split each side's bytes into lines and
# pair each command the client sent with the code of its final (>= 200) reply, in order. The first reply is the
# greeting. `finals` is every final reply code after the greeting, in order, for streams where a server answered
# one line with two replies (the pairs then drift; the sequence does not). Usage: python3 scripts/ftp-reference.py CAPTURE PORT > reference.json
import json, re, subprocess, sys

pcap, port = sys.argv[1], sys.argv[2]
streams = sorted({int(s) for s in subprocess.run(["tshark", "-r", pcap, "-T", "fields", "-e", "tcp.stream",
    "-Y", f"tcp.port == {port}"], capture_output=True, text=True, check=True).stdout.split()})


def replies(data):
    out, code = [], None
    for line in data.split(b"\r\n"):
        if not line:
            continue
        if code is None:
            if line[3:4] == b"-":
                code = line[:3]
            else:
                out.append(int(line[:3]))
        elif line[:3] == code and line[3:4] == b" ":
            out.append(int(code)); code = None
    return out


result = []
for stream in streams:
    text = subprocess.run(["tshark", "-r", pcap, "-q", "-z", f"follow,tcp,raw,{stream}"],
                          capture_output=True, text=True, check=True).stdout
    client, server = b"", b""
    body = text.split("===================================================================")[1]
    for line in body.splitlines():
        if not re.fullmatch(r"\t?[0-9a-f]+", line):
            continue  # the Follow:/Filter:/Node lines
        data = bytes.fromhex(line.strip())
        if line.startswith("\t"):
            server += data
        else:
            client += data
    commands = [c.decode("latin1") for c in client.split(b"\r\n") if c]
    codes = [c for c in replies(server) if c >= 200]
    greeting = replies(server)[:1]
    finals = codes[1:] if greeting and greeting[0] >= 200 else codes
    result.append({"stream": stream, "greeting": greeting[0] if greeting else None,
                   "exchanges": [[c, finals[i] if i < len(finals) else None] for i, c in enumerate(commands)],
                   "finals": finals})
json.dump(result, sys.stdout, indent=1)
print()

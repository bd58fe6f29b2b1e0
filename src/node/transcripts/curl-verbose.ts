/**
 * `curl -v` output for ftp:// URLs (curl 7.x/8.x): `< ` before each line the server sent, `> ` before each
 * command, `* ` before curl's own notes, `{ [N bytes data]` for data-connection traffic.
 *
 * Sessions: a control connection starts at `*   Trying H:P...` when no control connection is open (curl writes
 * the same line for the data connections it opens after PASV/EPSV, while the control connection is open); it is
 * open from there until `* Closing connection` or `* Connection #N to host H left intact` (then a later
 * `* Re-using existing connection` goes on with it, a later `*   Trying` starts a new one).
 *
 * The progress meter: without `-s`, curl draws its meter on the same stream, each update starting with CR and
 * none ending with LF until the transfer is done, so the next verbose line is glued after it on one physical
 * line (`\r  0     0 … --:--:--     0*   Trying …`). The meter's header lines (`  % Total …`, `Dload  Upload …`)
 * are skipped; on a line with CRs, what follows the last CR is the meter's last update, and a verbose line glued
 * after it starts at the first character a meter update never holds.
 */
import { CR, excerpt, startsWithAscii } from "./bytes.js";
import type { TranscriptFormat, TranscriptReader, TranscriptSink } from "./types.js";

/** Lines curl writes that carry no protocol line. */
const IGNORED_PREFIXES = ["* ", "{ [", "} [", "curl: ("];

/** The meter's header lines. */
const METER_HEADERS = ["  % Total", "                                 Dload  Upload"];

/** Characters of a meter update: digits, spaces, `-`, `:`, `.`, and the unit suffixes k M G T P. */
function isMeterByte(byte: number): boolean {
  return (
    (byte >= 0x30 && byte <= 0x3a) || // 0-9 :
    byte === 0x20 ||
    byte === 0x2d ||
    byte === 0x2e ||
    byte === 0x6b || // k
    byte === 0x4d || // M
    byte === 0x47 || // G
    byte === 0x54 || // T
    byte === 0x50 // P
  );
}

const textDecoder = new TextDecoder("latin1");

/** `*   Trying 127.0.0.1:21...` / `*   Trying [::1]:21...` (the address from `at`) → host and port. */
export function tryingEndpoint(bytes: Uint8Array, at = 11): { respHost?: string; respPort?: number } {
  const text = textDecoder.decode(bytes.subarray(at)).replace(/\.\.\.$/, "");
  const match = /^\[?([^\]]*?)\]?:(\d+)$/.exec(text);
  if (match === null) return text === "" ? {} : { respHost: text };
  return { respHost: match[1]!, respPort: Number(match[2]) };
}

function createCurlVerboseReader(sink: TranscriptSink): TranscriptReader {
  let connectionOpen = false;

  const verbose = (bytes: Uint8Array, lineNumber: number): boolean => {
    if (startsWithAscii(bytes, "< ")) {
      connectionOpen = true;
      sink.event({ direction: "server", line: bytes.subarray(2), lineNumber });
      return true;
    }
    if (startsWithAscii(bytes, "> ")) {
      connectionOpen = true;
      sink.event({ direction: "client", line: bytes.subarray(2), lineNumber });
      return true;
    }
    if (startsWithAscii(bytes, "*   Trying ")) {
      if (connectionOpen) return true; // a data connection of the same session
      connectionOpen = true;
      sink.connection(tryingEndpoint(bytes), { lineNumber });
      return true;
    }
    if (startsWithAscii(bytes, "* Closing connection") || startsWithAscii(bytes, "* Connection #")) {
      connectionOpen = false;
      return true;
    }
    for (const prefix of IGNORED_PREFIXES) if (startsWithAscii(bytes, prefix)) return true;
    return false;
  };

  return {
    line(bytes, lineNumber) {
      if (bytes.length === 0 || verbose(bytes, lineNumber)) return;
      for (const header of METER_HEADERS) if (startsWithAscii(bytes, header)) return;
      const lastCr = bytes.lastIndexOf(CR);
      if (lastCr !== -1) {
        let at = lastCr + 1;
        while (at < bytes.length && isMeterByte(bytes[at]!)) at++;
        // Only the meter: nothing lost. Else the rest must be a verbose line (`*`, `<`, `>`, `{`, `}`, `curl:`).
        if (at === bytes.length) return;
        // The meter's last column is right-aligned digits and units; the glued line starts right after it.
        if (verbose(bytes.subarray(at), lineNumber)) return;
      }
      sink.diagnostic({
        type: "unknown-line",
        message: "not a curl -v line (program output?)",
        lineNumber,
        excerpt: excerpt(bytes),
      });
    },
    end() {},
  };
}

export const curlVerboseFormat: TranscriptFormat = {
  name: "curl-verbose",
  description: "curl -v output: `< ` server lines, `> ` commands, `* ` notes (progress meter or not)",
  hasGreeting: true,
  detect(lines) {
    let score = 0;
    for (const line of lines) {
      if (
        /^< \d{3}[ -]/.test(line) ||
        /^> [A-Za-z]{3,4}( |$)/.test(line) ||
        /^(\r[ \d.:kMGTP-]*)?\* {1,3}(Trying|Connected)/.test(line)
      )
        score++;
    }
    return score;
  },
  createReader: createCurlVerboseReader,
};

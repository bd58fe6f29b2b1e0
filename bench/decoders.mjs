// Decoder throughput: 227 (parsePasv), 229 (parseEpsv), 257 (parsePathname) on typical replies, and on hostile
// inputs of growing size — the time per byte must stay flat (linear cost) whatever the decoder answers.
const KIB = 1024;

function outcome(decode, input) {
  try {
    const value = decode(input);
    return typeof value === "string" ? `value (${value.length} chars)` : `value ${JSON.stringify(value)}`;
  } catch (error) {
    return `${error.name} ${error.type ?? ""}`.trim();
  }
}

/** Runs `decode(input)` for about `targetMs` (at least `minimum` times); returns seconds a call. */
function timePerCall(decode, input, targetMs, collectGarbage) {
  const call = () => {
    try {
      decode(input);
    } catch {
      // Hostile inputs are expected to be refused; the refusal is what is timed.
    }
  };
  for (let i = 0; i < 3; i++) call();
  collectGarbage();
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    call();
    calls++;
    elapsed = performance.now() - start;
  } while (elapsed < targetMs);
  return elapsed / 1000 / calls;
}

function typicalReplies(library) {
  const replies = library.parseReplies(
    "227 Entering Passive Mode (192,168,1,20,195,80).\r\n" +
      "229 Entering Extended Passive Mode (|||50432|)\r\n" +
      '257 "/home/user/some dir/with ""quotes""" is the current directory\r\n',
  );
  return { pasv: replies[0], epsv: replies[1], pathname: replies[2] };
}

/** Hostile inputs: long runs that make a careless decoder backtrack or rescan. */
function hostile(kind, size) {
  switch (kind) {
    case "227 comma chains":
      // Many 5-number chains (one short of a match) before the real one: a rescan per chain would be quadratic.
      return `227 ${"1,2,3,4,5 ".repeat(Math.ceil(size / 10))}(127,0,0,1,4,1)`;
    case "227 one long number":
      return `227 (${"9".repeat(size)})`;
    case "229 delimiters":
      return `229 (${"|".repeat(size)})`;
    case "229 digits, no close":
      return `229 (|||${"5".repeat(size)}`;
    case "257 doubled quotes":
      return `257 "${'""'.repeat(Math.ceil(size / 2))}"`;
    case "257 unterminated":
      return `257 "${"a".repeat(size)}`;
    default:
      throw new Error(kind);
  }
}

export function decoderBenchmarks(library, { quick, collectGarbage, log }) {
  const { parsePasv, parseEpsv, parsePathname } = library;
  if (parsePasv === undefined || parseEpsv === undefined || parsePathname === undefined) return [];
  const rows = [];
  const typical = typicalReplies(library);
  for (const [decoder, decode, input] of [
    ["parsePasv", parsePasv, typical.pasv],
    ["parseEpsv", parseEpsv, typical.epsv],
    ["parsePathname", parsePathname, typical.pathname],
  ]) {
    log(`decoders: ${decoder} typical`);
    const seconds = timePerCall(decode, input, quick ? 100 : 300, collectGarbage);
    const size = input.raw.length;
    rows.push({
      decoder,
      input: `typical reply (\`${input.lines[0].slice(0, 40)}…\`)`,
      size,
      perSecond: 1 / seconds,
      mbPerSecond: size / 1e6 / seconds,
      nsPerByte: (seconds * 1e9) / size,
      result: outcome(decode, input),
    });
  }
  const sizes = quick ? [64 * KIB, 256 * KIB, 1024 * KIB] : [64 * KIB, 256 * KIB, 1024 * KIB, 4096 * KIB];
  for (const [decoder, decode, kinds] of [
    ["parsePasv", parsePasv, ["227 comma chains", "227 one long number"]],
    ["parseEpsv", parseEpsv, ["229 delimiters", "229 digits, no close"]],
    ["parsePathname", parsePathname, ["257 doubled quotes", "257 unterminated"]],
  ]) {
    for (const kind of kinds) {
      for (const size of sizes) {
        log(`decoders: ${decoder} ${kind} ${size}`);
        const input = hostile(kind, size);
        const seconds = timePerCall(decode, input, quick ? 60 : 150, collectGarbage);
        rows.push({
          decoder,
          input: `hostile: ${kind}`,
          size: input.length,
          perSecond: 1 / seconds,
          mbPerSecond: input.length / 1e6 / seconds,
          nsPerByte: (seconds * 1e9) / input.length,
          result: outcome(decode, input),
        });
      }
    }
  }
  return rows;
}

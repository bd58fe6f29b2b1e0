/**
 * The error guards are brand checks (`Symbol.for("ftp-reply.error")`), so they hold across copies of the package;
 * and `resolvePassiveTarget` takes what sockets and URLs give as the control host. In process, on the sources.
 */
import { describe, expect, it } from "vitest";
import {
  CommandParseError,
  isCommandParseError,
  isReplyDecodeError,
  isReplyParseError,
  isReplyRangeError,
  isReplySyntaxError,
  ReplyParseError,
  ReplyRangeError,
  ReplySyntaxError,
  resolvePassiveTarget,
} from "../../src/index.js";
import {
  CaptureFormatError,
  InputError,
  isCaptureFormatError,
  isInputError,
  isTranscriptFormatError,
  TranscriptFormatError,
} from "../../src/node/index.js";

const init = { decoder: "parsePasv", code: 227, offset: 0, excerpt: "" };

const CASES = [
  { name: "ReplyParseError", make: () => new ReplyParseError("truncated", "cut", { offset: 3 }) },
  { name: "CommandParseError", make: () => new CommandParseError("truncated", "cut", 3) },
  { name: "ReplySyntaxError", make: () => new ReplySyntaxError("missing-value", "no value", init) },
  { name: "ReplyRangeError", make: () => new ReplyRangeError("port-out-of-range", "port", init) },
  { name: "CaptureFormatError", make: () => new CaptureFormatError("bad-magic", "not a capture", 0) },
  { name: "InputError", make: () => new InputError("x: no such file") },
  { name: "TranscriptFormatError", make: () => new TranscriptFormatError("unknown input format") },
] as const;

const GUARDS: Record<string, (value: unknown) => boolean> = {
  ReplyParseError: isReplyParseError,
  CommandParseError: isCommandParseError,
  ReplySyntaxError: isReplySyntaxError,
  ReplyRangeError: isReplyRangeError,
  CaptureFormatError: isCaptureFormatError,
  InputError: isInputError,
  TranscriptFormatError: isTranscriptFormatError,
};

/** What another copy of the package (the other build, another version, another realm) would throw. */
function fromAnotherCopy(name: string): Error {
  const error = new Error("elsewhere");
  Object.defineProperty(error, Symbol.for("ftp-reply.error"), { value: name });
  return error;
}

describe("error guards", () => {
  for (const { name, make } of CASES) {
    it(`${name}: its guard, and no other, accepts it, from this copy or another`, () => {
      const error = make();
      expect(error.name).toBe(name);
      for (const [guardName, guard] of Object.entries(GUARDS)) {
        expect(guard(error), `${guardName}(${name})`).toBe(guardName === name);
        expect(guard(fromAnotherCopy(name)), `${guardName}(other ${name})`).toBe(guardName === name);
      }
      // The brand is not data: invisible to keys, JSON and spreads.
      expect(Object.keys(error)).not.toContain(String(Symbol.for("ftp-reply.error")));
      expect(Object.getOwnPropertySymbols({ ...error })).toEqual([]);
    });
  }

  it("isReplyDecodeError accepts both decoder errors only", () => {
    const make = (name: string) => CASES.find((c) => c.name === name)!.make();
    expect(isReplyDecodeError(make("ReplySyntaxError"))).toBe(true);
    expect(isReplyDecodeError(make("ReplyRangeError"))).toBe(true);
    expect(isReplyDecodeError(fromAnotherCopy("ReplyRangeError"))).toBe(true);
    expect(isReplyDecodeError(make("ReplyParseError"))).toBe(false);
    expect(isReplyDecodeError(make("CommandParseError"))).toBe(false);
  });

  it("rejects look-alikes and non-objects", () => {
    const lookAlike = Object.assign(new Error("x"), { name: "ReplyParseError", type: "truncated" });
    for (const guard of [...Object.values(GUARDS), isReplyDecodeError]) {
      expect(guard(lookAlike)).toBe(false);
      expect(guard(undefined)).toBe(false);
      expect(guard(null)).toBe(false);
      expect(guard("ReplyParseError")).toBe(false);
      expect(guard({ [Symbol.for("ftp-reply.error")]: 1 })).toBe(false);
    }
  });
});

describe("resolvePassiveTarget's control host", () => {
  const pasv = "227 Entering Passive Mode (10,0,0,1,4,210)";

  it("takes an IPv6 address in URL brackets without them", () => {
    expect(resolvePassiveTarget(pasv, { controlHost: "[::1]" }).host).toBe("::1");
    expect(resolvePassiveTarget("229 (|||21|)", { controlHost: "[2001:db8::7]" }).host).toBe("2001:db8::7");
    // nat compares scopes on the address itself: the loopback peer does not make 10.0.0.1 its scope.
    const nat = resolvePassiveTarget(pasv, { controlHost: "[::1]", policy: "nat" });
    expect([nat.host, nat.decidedBy]).toEqual(["::1", "control"]);
  });

  it("leaves other hosts as given", () => {
    expect(resolvePassiveTarget(pasv, { controlHost: "[]" }).host).toBe("[]");
    expect(resolvePassiveTarget(pasv, { controlHost: "ftp.example.com" }).host).toBe("ftp.example.com");
  });

  it("throws invalid-option for an undefined host (a closed socket's remoteAddress)", () => {
    const closed: string | undefined = undefined;
    expect(() => resolvePassiveTarget(pasv, { controlHost: closed, policy: undefined })).toThrow(
      expect.objectContaining({ type: "invalid-option" }),
    );
  });
});

/**
 * Callbacks that throw or feed again (the line splitter's promise, for every parser built on it): what was
 * delivered stays delivered, nothing is delivered twice, the rest of the chunk is read at the next call, offsets
 * stay right, and a `feed` from inside a callback is queued and read after the current chunk, in order.
 */
import { describe, expect, test } from "vitest";
import { createCommandParser, createControlConnection, createReplyParser } from "../../src/index.js";
import { configureProperties, fc, propertyTest } from "../helpers/properties.js";

const encoder = new TextEncoder();

describe("a reply callback that throws", () => {
  test("the issue's case: 220 a / 221 b, a throw on 220, then 222 c and 223 d", () => {
    const seen: string[] = [];
    let thrown = false;
    const parser = createReplyParser({
      onReply(reply) {
        seen.push(`${reply.code}@${reply.offset}`);
        if (!thrown) {
          thrown = true;
          throw new Error("boom");
        }
      },
      onError() {},
    });
    expect(() => parser.feed("220 a\r\n221 b\r\n")).toThrow("boom");
    parser.feed("222 c\r\n");
    parser.feed("223 d\r\n");
    parser.end();
    expect(seen).toEqual(["220@0", "221@7", "222@14", "223@21"]);
  });

  test.each([7, 3, 600])("a throw on every reply, chunks of %i bytes: each reply once, in order", (size) => {
    const input = encoder.encode(
      Array.from({ length: 60 }, (_, i) =>
        i % 5 === 0 ? `211-x${i}\r\n inner\r\n211 end\r\n` : `2${String(i).padStart(2, "0")} r\r\n`,
      ).join(""),
    );
    const seen: number[] = [];
    const parser = createReplyParser({
      onReply(reply) {
        seen.push(reply.offset);
        throw new Error("again");
      },
      onError() {},
    });
    let throws = 0;
    for (let at = 0; at < input.length; at += size) {
      try {
        parser.feed(input.subarray(at, at + size));
      } catch {
        throws++;
      }
    }
    // What a throw left waits for the next call: end() reads it (and may throw, once per reply).
    for (;;) {
      try {
        parser.end();
        break;
      } catch {
        throws++;
      }
    }
    const expected = createReplyOffsets(input);
    expect(seen).toEqual(expected);
    expect(throws).toBe(expected.length);
  });

  test("a throwing onError loses no reply", () => {
    const seen: number[] = [];
    const parser = createReplyParser({
      onReply: (reply) => seen.push(reply.code),
      onError() {
        throw new Error("bad line");
      },
    });
    expect(() => parser.feed("garbage\r\n220 a\r\nmore garbage\r\n221 b\r\n")).toThrow("bad line");
    expect(() => parser.feed("222 c\r\n")).toThrow("bad line");
    parser.feed("223 d\r\n");
    parser.end();
    expect(seen).toEqual([220, 221, 222, 223]);
  });

  test("a throwing onTelnet loses neither its line nor the next", () => {
    const seen: string[] = [];
    const parser = createReplyParser({
      onReply: (reply) => seen.push(reply.text),
      onError() {},
      onTelnet() {
        throw new Error("telnet");
      },
    });
    expect(() =>
      parser.feed(Uint8Array.of(...encoder.encode("220 a"), 0xff, 0xf1, ...encoder.encode("b\r\n221 c\r\n"))),
    ).toThrow("telnet");
    parser.end();
    expect(seen).toEqual(["ab", "c"]);
  });
});

describe("a reply callback that feeds again (a synchronous mock transport)", () => {
  test("the chunk fed from inside is read after the current one, in order", () => {
    const seen: number[] = [];
    const parser = createReplyParser({
      onReply(reply) {
        seen.push(reply.code);
        if (reply.code === 220) parser.feed("230 in\r\n");
      },
      onError() {},
    });
    parser.feed("220 a\r\n221 b\r\n");
    parser.end();
    expect(seen).toEqual([220, 221, 230]);
  });

  test("100 000 replies each feeding the next do not grow the stack", () => {
    let count = 0;
    const parser = createReplyParser({
      onReply() {
        count++;
        if (count < 100_000) parser.feed("200 next\r\n");
      },
      onError() {},
    });
    parser.feed("200 first\r\n");
    expect(count).toBe(100_000);
  });

  test("end() and reset() called from inside wait for the current chunk", () => {
    const seen: string[] = [];
    const parser = createReplyParser({
      onReply(reply) {
        seen.push(`${reply.code}@${reply.offset}`);
        if (reply.code === 220) parser.end();
      },
      onError: (error) => seen.push(error.type),
    });
    parser.feed("220 a\r\n221 b\r\n222 unfinished");
    // end() ran after the chunk: the unfinished line is truncated, and offsets start again at 0.
    parser.feed("230 again\r\n");
    expect(seen).toEqual(["220@0", "221@7", "truncated", "230@0"]);
  });
});

describe("commands and the control connection keep the same promise", () => {
  test("a throwing onCommand: each command once, in order, with its offset", () => {
    const seen: string[] = [];
    let thrown = false;
    const parser = createCommandParser({
      onCommand(command) {
        seen.push(`${command.verb}@${command.offset}`);
        if (!thrown) {
          thrown = true;
          throw new Error("boom");
        }
      },
    });
    expect(() => parser.feed("USER a\r\nPASS b\r\n")).toThrow("boom");
    parser.feed("QUIT\r\n");
    parser.end();
    expect(seen).toEqual(["USER@0", "PASS@8", "QUIT@16"]);
  });

  test("onCommand feeding the parser again", () => {
    const seen: string[] = [];
    const parser = createCommandParser({
      onCommand(command) {
        seen.push(command.verb);
        if (command.verb === "USER") parser.feed("ACCT x\r\n");
      },
    });
    parser.feed("USER a\r\nPASS b\r\n");
    expect(seen).toEqual(["USER", "PASS", "ACCT"]);
  });

  test("a throwing onExchange: later exchanges are paired as if nothing happened", () => {
    const seen: string[] = [];
    let thrown = false;
    const connection = createControlConnection({
      onExchange(exchange) {
        seen.push(`${exchange.command?.verb ?? exchange.kind} ${exchange.final?.code}`);
        if (!thrown) {
          thrown = true;
          throw new Error("boom");
        }
      },
    });
    expect(() => connection.fromServer("220 hi\r\n")).toThrow("boom");
    connection.fromClient("USER a\r\nPASS b\r\n");
    connection.fromServer("331 pw\r\n230 ok\r\n");
    connection.end();
    expect(seen).toEqual(["greeting 220", "USER 331", "PASS 230"]);
  });

  test("onExchange answering with the next command (a client's loop)", () => {
    const seen: string[] = [];
    const connection = createControlConnection({
      onExchange(exchange) {
        seen.push(`${exchange.command?.verb ?? exchange.kind} ${exchange.final?.code}`);
        if (exchange.kind === "greeting") connection.fromClient("USER a\r\n");
      },
    });
    connection.fromServer("220 hi\r\n331 pw\r\n");
    connection.end();
    expect(seen).toEqual(["greeting 220", "USER 331"]);
  });
});

/** Where each reply of `input` starts, from a parser whose callbacks do not throw. */
function createReplyOffsets(input: Uint8Array): number[] {
  const offsets: number[] = [];
  const parser = createReplyParser({ onReply: (r) => offsets.push(r.offset), onError() {} });
  parser.feed(input);
  parser.end();
  return offsets;
}

describe("several callbacks for one event", () => {
  // Found by the property below (seed 1292914650): a line with two Telnet commands, fed byte by byte, every
  // callback throwing: the second command was lost with the first throw.
  test("every Telnet command of a line, the warning and onLine before a reply: each delivered when one throws", () => {
    const encoder = new TextEncoder();
    const input = Uint8Array.of(
      0xff,
      ...encoder.encode("213 "),
      0xff,
      0xf1,
      ...encoder.encode("a\r\n220x b\r\n"),
    );
    const events = (throwing: boolean): string[] => {
      const out: string[] = [];
      const record = (event: string) => {
        out.push(event);
        if (throwing) throw new Error("callback");
      };
      const parser = createReplyParser({
        onReply: (r) => record(`reply ${r.code}`),
        onError: (e) => record(`error ${e.type}`),
        onWarning: (w) => record(`warning ${w.type}`),
        onTelnet: (t) => record(`telnet ${t.name}`),
        onLine: (l) => record(`line ${l.line}`),
      });
      for (let at = 0; at < input.length; at++) {
        try {
          parser.feed(input.subarray(at, at + 1));
        } catch {}
      }
      return out;
    };
    expect(events(false)).toEqual([
      "telnet UNKNOWN",
      "telnet NOP",
      "error unexpected-line",
      "warning missing-space",
      "line 220x b",
      "reply 220",
    ]);
    expect(events(true)).toEqual(events(false));
  });
});

describe("properties", () => {
  configureProperties();
  // Lines a server may send, hostile ones included: Telnet, invalid UTF-8, bare CR, long lines, garbage.
  const piece = fc.oneof(
    fc.constantFrom(
      "220 ok\r\n",
      "211-a\r\n b\r\n211 c\r\n",
      "x\r\n",
      "\r\n",
      "230\n",
      "150 é\r\n",
      "213 \xff\xf1a\r\n",
      "220x warned\r\n",
      "\xff",
    ),
    fc.uint8Array({ maxLength: 12 }).map((bytes) => String.fromCharCode(...bytes)),
  );
  propertyTest.prop([
    fc.array(piece, { maxLength: 20 }),
    fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 8 }),
    fc.array(fc.boolean(), { minLength: 1, maxLength: 16 }),
  ])(
    "callbacks that throw at any point deliver the same events as callbacks that do not",
    (pieces, sizes, throws) => {
      const input = Uint8Array.from(pieces.join(""), (c) => c.charCodeAt(0));
      const options = { maxLineLength: 24, maxReplySize: 64 };
      const events = (throwing: boolean): string[] => {
        const out: string[] = [];
        let calls = 0;
        const maybeThrow = () => {
          if (throwing && throws[calls++ % throws.length]) throw new Error("callback");
        };
        const parser = createReplyParser(
          {
            onReply(r) {
              out.push(
                `reply ${r.code} ${JSON.stringify(r.text)} @${r.offset}+${r.byteLength} ${Array.from(r.raw)}`,
              );
              maybeThrow();
            },
            onError(e) {
              out.push(`error ${e.type} @${e.offset}`);
              maybeThrow();
            },
            onWarning(w) {
              out.push(`warning ${w.type} @${w.offset}`);
              maybeThrow();
            },
            onTelnet(t) {
              out.push(`telnet ${t.name} @${t.offset}`);
              maybeThrow();
            },
            onLine(l) {
              out.push(`line ${l.index} ${JSON.stringify(l.line)} @${l.offset}`);
              maybeThrow();
            },
          },
          options,
        );
        let at = 0;
        for (let i = 0; at < input.length; i++) {
          const size = sizes[i % sizes.length]!;
          try {
            parser.feed(input.subarray(at, at + size));
          } catch {}
          at += size;
        }
        for (let tries = 0; tries < 10_000; tries++) {
          try {
            parser.end();
            break;
          } catch {}
        }
        return out;
      };
      expect(events(true)).toEqual(events(false));
    },
  );
});

import { describe, expect, test } from "vitest";
import { type Reply, ReplyParseError, ReplyParserStream, readReplies } from "../src/index.js";

const encoder = new TextEncoder();

async function* chunks(...parts: (string | Uint8Array)[]): AsyncGenerator<string | Uint8Array> {
  for (const part of parts) yield part;
}

async function collect(iterable: AsyncIterable<Reply>): Promise<Reply[]> {
  const out: Reply[] = [];
  for await (const reply of iterable) out.push(reply);
  return out;
}

describe("readReplies", () => {
  test("yields replies across chunk boundaries, from strings and bytes", async () => {
    const replies = await collect(
      readReplies(chunks("220-Hel", encoder.encode("lo\r\n220 re"), "ady\r\n213 1", "0\r\n")),
    );
    expect(replies.map((r) => [r.code, r.text])).toEqual([
      [220, "Hello\nready"],
      [213, "10"],
    ]);
  });

  test("the first error is thrown after the replies before it", async () => {
    const seen: number[] = [];
    const iteration = (async () => {
      for await (const reply of readReplies(chunks("200 a\r\n", "junk\r\n226 b\r\n"))) seen.push(reply.code);
    })();
    await expect(iteration).rejects.toBeInstanceOf(ReplyParseError);
    expect(seen).toEqual([200]);
  });

  test("with onError, errors are reported and iteration goes on; truncation at the end is reported", async () => {
    const errors: string[] = [];
    const replies = await collect(
      readReplies(chunks("junk\r\n226 b\r\n211-open"), { onError: (e) => errors.push(e.type) }),
    );
    expect(replies.map((r) => r.code)).toEqual([226]);
    expect(errors).toEqual(["unexpected-line", "truncated"]);
  });
});

describe("ReplyParserStream", () => {
  test("pipes a ReadableStream of chunks to replies", async () => {
    const source = new ReadableStream<Uint8Array | string>({
      start(controller) {
        controller.enqueue(encoder.encode("150 Opening (1024 bytes)\r"));
        controller.enqueue("\n226 Transfer complete\r\n");
        controller.close();
      },
    });
    const replies: Reply[] = [];
    await source.pipeThrough(new ReplyParserStream()).pipeTo(
      new WritableStream({
        write(reply) {
          replies.push(reply);
        },
      }),
    );
    expect(replies.map((r) => [r.code, r.text])).toEqual([
      [150, "Opening (1024 bytes)"],
      [226, "Transfer complete"],
    ]);
  });

  test("an error errors the stream unless onError is given", async () => {
    const make = () =>
      new ReadableStream<string>({
        start(controller) {
          controller.enqueue("200 ok\r\n220 unfinished");
          controller.close();
        },
      });
    const reader = make().pipeThrough(new ReplyParserStream()).getReader();
    expect((await reader.read()).value?.code).toBe(200);
    await expect(reader.read()).rejects.toMatchObject({ type: "truncated", offset: 8 });

    const errors: string[] = [];
    const lenient = make()
      .pipeThrough(new ReplyParserStream({ onError: (e) => errors.push(e.type) }))
      .getReader();
    expect((await lenient.read()).value?.code).toBe(200);
    expect((await lenient.read()).done).toBe(true);
    expect(errors).toEqual(["truncated"]);
  });
});

/**
 * Adapters from byte streams to replies: an async iterable for `for await`, and a WHATWG TransformStream.
 * Both are thin wrappers over `createReplyParser`; errors end the stream (the replies before them are delivered).
 */
import type { ReplyParseError } from "./errors.js";
import { makeReply } from "./reply/annotated.js";
import { createReplyReaderWith, type ReplyParserOptions } from "./reply/framing.js";
import type { PlainReply, Reply, ReplyFactory } from "./reply/reply.js";

/** Options of the adapters: the parser's options, plus what to do with recoverable errors. */
export interface ReplyStreamOptions extends ReplyParserOptions {
  /**
   * Called for every recoverable parse error. Without it the first error ends the iteration (thrown after the
   * replies before it), as `parseReplies` does.
   */
  onError?: (error: ReplyParseError) => void;
}

/** Reads replies from an async source of chunks (a Node socket, a `ReadableStream`, a file stream …). */
export function readReplies(
  source: AsyncIterable<Uint8Array | string>,
  options: ReplyStreamOptions = {},
): AsyncGenerator<Reply, void, undefined> {
  return readRepliesWith(makeReply, source, options);
}

/** `readReplies` making its replies with `make` (annotated, or plain for `ftp-reply/lite`). */
export async function* readRepliesWith<R extends PlainReply>(
  make: ReplyFactory<R>,
  source: AsyncIterable<Uint8Array | string>,
  options: ReplyStreamOptions,
): AsyncGenerator<R, void, undefined> {
  let ready: R[] = [];
  let failure: ReplyParseError | undefined;
  const onError = options.onError;
  const parser = createReplyReaderWith(
    make,
    {
      onReply: (reply) => {
        if (failure === undefined) ready.push(reply);
      },
      onError: (error) => {
        if (onError !== undefined) onError(error);
        else failure ??= error;
      },
    },
    options,
  );
  for await (const chunk of source) {
    parser.feed(chunk);
    if (ready.length > 0) {
      const batch = ready;
      ready = [];
      yield* batch;
    }
    if (failure !== undefined) throw failure;
  }
  parser.end();
  yield* ready;
  if (failure !== undefined) throw failure;
}

/** A `TransformStream` from chunks (bytes or text) to replies. */
export interface ReplyParserStream<R extends PlainReply = Reply>
  extends TransformStream<Uint8Array | string, R> {}

/** The constructor of `ReplyParserStream`: `new ReplyParserStream(options?)`. */
export interface ReplyParserStreamConstructor<R extends PlainReply = Reply> {
  new (options?: ReplyStreamOptions): ReplyParserStream<R>;
  readonly prototype: ReplyParserStream<R>;
}

/**
 * Made inside a function, not as a top-level `class … extends TransformStream`: a bundler must keep a top-level
 * class whose `extends` reads a global (the read could throw), and with it the parser and the code table, even
 * in a bundle that never uses the stream. The call is marked pure, so an unused `ReplyParserStream` is dropped.
 */
export function defineReplyParserStream<R extends PlainReply>(
  make: ReplyFactory<R>,
): ReplyParserStreamConstructor<R> {
  return class ReplyParserStream extends TransformStream<Uint8Array | string, R> {
    constructor(options: ReplyStreamOptions = {}) {
      const onError = options.onError;
      let parser: ReturnType<typeof createReplyReaderWith> | undefined;
      super({
        start(controller) {
          parser = createReplyReaderWith(
            make,
            {
              onReply: (reply) => controller.enqueue(reply),
              onError: (error) => {
                if (onError !== undefined) onError(error);
                else controller.error(error);
              },
            },
            options,
          );
        },
        transform(chunk) {
          parser?.feed(chunk);
        },
        flush() {
          parser?.end();
        },
      });
    }
  };
}

/**
 * A `TransformStream` from chunks to replies: `readable.pipeThrough(new ReplyParserStream())`.
 * A parse error errors the stream unless `onError` is given.
 */
export const ReplyParserStream: ReplyParserStreamConstructor =
  /* @__PURE__ */ defineReplyParserStream(makeReply);

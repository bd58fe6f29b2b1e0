/** The full entry's reply: the plain reply with the documented meaning of its code (`info`, from the code table). */
import { type CodeInfo, describeCode } from "../codes.js";
import { defineReplyClass, type PlainReply, type Reply, type ReplyFactory } from "./reply.js";

function defineAnnotatedReply() {
  const AnnotatedReply = defineReplyClass();
  const plainJSON = AnnotatedReply.prototype.toJSON;
  Object.defineProperties(AnnotatedReply.prototype, {
    /** The shared frozen entry of the code table: made once per code, never per reply. */
    info: {
      get(this: PlainReply): CodeInfo {
        return describeCode(this.code);
      },
      configurable: true,
    },
    toJSON: {
      value(this: InstanceType<typeof AnnotatedReply>): Reply {
        return { ...plainJSON.call(this), info: describeCode(this.code) };
      },
      configurable: true,
      writable: true,
    },
  });
  return AnnotatedReply as unknown as new (
    ...args: ConstructorParameters<typeof AnnotatedReply>
  ) => Reply;
}

const AnnotatedReply = /* @__PURE__ */ defineAnnotatedReply();

/** Makes a reply with its code's meaning. */
export const makeReply: ReplyFactory<Reply> = (code, lines, text, multiline, raw, offset, byteLength) =>
  new AnnotatedReply(code, lines, text, multiline, raw, offset, byteLength);

/** Builds a reply object from its parts (every field given). */
export function createReply(
  code: number,
  lines: readonly string[],
  text: string,
  multiline: boolean,
  raw: Uint8Array,
  offset: number,
  byteLength: number,
): Reply {
  return makeReply(code, lines, text, multiline, raw, offset, byteLength);
}

export type { PlainReply };

/** The full entry's reply: the plain reply with the documented meaning of its code (`info`, from the code table). */
import { type CodeInfo, describeCode } from "../codes.js";
import { type PlainReply, PlainReplyClass, type Reply, type ReplyFactory } from "./reply.js";

function defineAnnotatedReply() {
  return class AnnotatedReply extends PlainReplyClass implements Reply {
    /** The shared frozen entry of the code table: made once per code, never per reply. */
    get info(): CodeInfo {
      return describeCode(this.code);
    }

    override toJSON(): Reply {
      return { ...super.toJSON(), info: this.info };
    }
  };
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

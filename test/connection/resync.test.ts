/**
 * Resync (issue 15) through the control connection: after any error on either side, the valid reply and command
 * on the next lines are delivered, whatever the chunking and however the two sides interleave.
 */
import { describe, expect } from "vitest";
import { createControlConnection } from "../../src/connection/connection.js";
import { bytes, chunkSize, commandErrorPiece, replyErrorPiece } from "../helpers/hostile.js";
import { chunksOf } from "../helpers/memory.js";
import { configureProperties, fc, propertyTest } from "../helpers/properties.js";

configureProperties();

const limits = { maxLineLength: 64, maxReplySize: 4096 };

describe("the control connection resyncs both sides after any error", () => {
  propertyTest.prop([
    fc.array(
      fc.tuple(
        fc.array(replyErrorPiece(limits), { maxLength: 3 }),
        fc.array(commandErrorPiece(64), { maxLength: 3 }),
      ),
      { maxLength: 6 },
    ),
    fc.array(fc.boolean(), { maxLength: 400 }),
    chunkSize,
  ])("every valid reply and command after errors is delivered, in order", (groups, order, size) => {
    const server: Uint8Array[] = [bytes("220 hi\r\n")];
    const client: Uint8Array[] = [];
    const sentReplies: string[] = [];
    const sentCommands: string[] = [];
    groups.forEach(([replyErrors, commandErrors], i) => {
      server.push(...replyErrors, bytes(`250 m${i}\r\n`));
      client.push(...commandErrors, bytes(`NOOP m${i}\r\n`));
      sentReplies.push(`250 m${i}`);
      sentCommands.push(`NOOP m${i}`);
    });
    const replies: string[] = [];
    const commands: string[] = [];
    const connection = createControlConnection({
      replies: limits,
      commands: { maxLineLength: 64 },
      onReply: (r) => {
        if (r.code === 250) replies.push(`${r.code} ${r.text}`);
      },
      onCommand: (c) => {
        if (c.verb === "NOOP" && c.arg.startsWith("m")) commands.push(`${c.verb} ${c.arg}`);
      },
      onProblem() {},
    });
    const fromServer = chunksOf(bytes(...server), size);
    const fromClient = chunksOf(bytes(...client), size);
    let s = 0;
    let c = 0;
    for (let i = 0; s < fromServer.length || c < fromClient.length; i++) {
      const serverTurn =
        c >= fromClient.length || (s < fromServer.length && (order[i % Math.max(1, order.length)] ?? true));
      if (serverTurn) connection.fromServer(fromServer[s++]!);
      else connection.fromClient(fromClient[c++]!);
    }
    connection.end();
    expect(replies).toEqual(sentReplies);
    expect(commands).toEqual(sentCommands);
  });
});

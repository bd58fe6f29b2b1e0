/**
 * The control connection's memory budget (docs/memory.md): both parsers and the session's open state (commands
 * waiting, the 1xx replies and diagnostics of the one being answered), whatever both sides send.
 */
import { describe, expect, test } from "vitest";
import { createControlConnection } from "../../src/connection/connection.js";
import { bytes, chunkSize, commandPiece, repeat, replyPiece } from "../helpers/hostile.js";
import { type ConnectionLimits, chunksOf, connectionBound, retainedBytesOf } from "../helpers/memory.js";
import { configureProperties, fc, propertyTest } from "../helpers/properties.js";

configureProperties();

const limits: ConnectionLimits = {
  replyLine: 300,
  maxReplySize: 4096,
  commandLine: 200,
  maxPendingCommands: 32,
  maxPreliminaryReplies: 16,
  maxPreliminaryBytes: 1024,
  maxDiagnostics: 8,
};

function connect() {
  const exchanges: number[] = [];
  const connection = createControlConnection({
    replies: { maxLineLength: limits.replyLine, maxReplySize: limits.maxReplySize },
    commands: { maxLineLength: limits.commandLine },
    session: {
      maxPendingCommands: limits.maxPendingCommands,
      maxPreliminaryReplies: limits.maxPreliminaryReplies,
      maxPreliminaryBytes: limits.maxPreliminaryBytes,
      maxDiagnostics: limits.maxDiagnostics,
    },
    onExchange: (exchange) => exchanges.push(exchange.diagnostics.length),
  });
  return { connection, exchanges };
}

describe("the control connection's budget holds under worst cases", () => {
  // Found while proving the budget: every 1xx reply that is not valid for the waiting command drew a diagnostic
  // holding that reply, kept in the exchange without bound (the replies themselves stopped at 256).
  test("a flood of 100 000 invalid 1xx replies to one command keeps a bounded exchange", () => {
    const { connection, exchanges } = connect();
    connection.fromServer(bytes("220 hi\r\n"));
    connection.fromClient(bytes("NOOP\r\n"));
    const before = retainedBytesOf(connection);
    connection.fromServer(repeat(bytes("150 here is more\r\n"), 100_000));
    expect(retainedBytesOf(connection) - before).toBeLessThan(connectionBound(limits));
    connection.fromServer(bytes("200 ok\r\n"));
    connection.end();
    // The greeting, then NOOP: its diagnostics stop at maxDiagnostics and one `too-many-diagnostics`.
    expect(exchanges[1]).toBe(limits.maxDiagnostics + 1);
  });

  test("1xx replies are kept up to maxPreliminaryBytes", () => {
    const preliminary: number[] = [];
    const connection = createControlConnection({
      session: { maxPreliminaryBytes: 1000 },
      onExchange: (exchange) => preliminary.push(exchange.preliminary.length),
      onProblem: () => {},
    });
    connection.fromServer(bytes("220 hi\r\n"));
    connection.fromClient(bytes("RETR f\r\n"));
    connection.fromServer(repeat(bytes(`150 ${"x".repeat(94)}\r\n`), 50)); // 100 bytes each
    connection.fromServer(bytes("226 done\r\n"));
    expect(preliminary).toEqual([0, 10]);
  });

  propertyTest.prop([
    fc.array(fc.tuple(fc.boolean(), fc.oneof(replyPiece, commandPiece)), { maxLength: 10 }),
    chunkSize,
  ])(
    "after every chunk of either side, what the connection holds is within its bound",
    (pieces, size) => {
      const { connection } = connect();
      const bound = connectionBound(limits);
      for (const [fromServer, piece] of pieces) {
        const chunks = chunksOf(piece, size);
        const every = Math.max(1, Math.floor(chunks.length / 50));
        chunks.forEach((chunk, i) => {
          if (fromServer) connection.fromServer(chunk);
          else connection.fromClient(chunk);
          if (i % every === 0) expect(retainedBytesOf(connection)).toBeLessThanOrEqual(bound);
        });
      }
      connection.end();
      expect(retainedBytesOf(connection)).toBeLessThanOrEqual(bound);
    },
    60_000,
  );
});

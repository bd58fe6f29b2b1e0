/** Runs test/specs/connection.md through a control connection, each line whole and one byte at a time. */
import { describe, expect, test } from "vitest";
import { type ControlConnectionOptions, createControlConnection, type Exchange } from "../../src/index.js";
import { readSpec, specBytes } from "./spec.js";

function exchangeEvent(exchange: Exchange): string {
  const verb = exchange.command === undefined ? "" : ` ${exchange.command.verb}`;
  const codes = exchange.replies.length === 0 ? "-" : exchange.replies.map((r) => r.code).join(" ");
  const flags =
    exchange.diagnostics.length === 0 ? "" : ` [${exchange.diagnostics.map((d) => d.type).join(" ")}]`;
  return `exchange ${exchange.kind}${verb} -> ${codes}${flags}`;
}

function run(input: readonly string[], options: ControlConnectionOptions, byteByByte: boolean): string[] {
  const events: string[] = [];
  const connection = createControlConnection({
    ...options,
    onExchange: (exchange) => events.push(exchangeEvent(exchange)),
    onProblem: (problem) => {
      if (problem.layer !== "dialogue") events.push(`problem ${problem.layer} ${problem.type}`);
    },
  });
  let ts = 0;
  for (const line of input) {
    const bytes = specBytes(line.slice(3));
    const feed = line.startsWith("C: ")
      ? (b: Uint8Array) => connection.fromClient(b, ts)
      : (b: Uint8Array) => connection.fromServer(b, ts);
    if (byteByByte) for (let i = 0; i < bytes.length; i++) feed(bytes.subarray(i, i + 1));
    else feed(bytes);
    ts++;
  }
  connection.end(ts);
  return events;
}

describe.each(readSpec("connection.md"))("$title", ({ options, input, events }) => {
  test("each line whole", () => {
    expect(run(input, options as ControlConnectionOptions, false)).toEqual(events);
  });
  test("one byte at a time", () => {
    expect(run(input, options as ControlConnectionOptions, true)).toEqual(events);
  });
});

#!/usr/bin/env node
/**
 * A small FTP client built on ftp-reply: it logs in, lists a folder, downloads one file, and says goodbye.
 *
 *   node examples/client.mjs ftp://user:password@host:port/path/to/file [local-file]
 *
 * Without a user it logs in as `anonymous`. The listing of the file's folder goes to stdout, the dialogue to
 * stderr, the file to `local-file` (default: its own name, in the current folder).
 *
 * What the library does here: `createReplyParser` turns the control connection's bytes into replies, however
 * the network cuts them (multi-line replies included), and `resolvePassiveTarget` decodes the 229/227 reply
 * and picks where to open the data connection. The `control` policy connects to the host we are already talking
 * to and takes only the port from the reply, so a hostile server cannot point us at another machine
 * (curl CVE-2020-8284, Python CVE-2021-4189).
 */
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import net from "node:net";
import { posix } from "node:path";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createReplyParser, resolvePassiveTarget } from "ftp-reply";

/** @typedef {import("ftp-reply").Reply} Reply */

/** How long to wait for the server at any step. */
const TIMEOUT_MS = 30_000;

class FtpClient {
  /** @type {net.Socket} */
  #socket;
  /** Replies parsed but not yet read. @type {Reply[]} */
  #replies = [];
  /** Wakes a reader waiting for a reply. @type {(() => void) | undefined} */
  #wake;
  #closed = false;

  /** @param {net.Socket} socket */
  constructor(socket) {
    this.#socket = socket;
    const parser = createReplyParser({
      onReply: (reply) => {
        for (const line of reply.lines) console.error(`< ${line}`);
        this.#replies.push(reply);
        this.#wake?.();
      },
      // A malformed reply is reported with its byte offset; the parser has already resynced and goes on.
      onError: (error) => console.error(`! ${error.type} at byte ${error.offset}: ${error.message}`),
    });
    socket.on("data", (chunk) => parser.feed(chunk));
    socket.on("close", () => {
      this.#closed = true;
      parser.end();
      this.#wake?.();
    });
    socket.on("error", (error) => console.error(`! ${error.message}`));
  }

  /**
   * Connects and reads the greeting.
   * @param {string} host
   * @param {number} port
   */
  static async connect(host, port) {
    const socket = net.connect({ host, port, timeout: TIMEOUT_MS });
    socket.on("timeout", () =>
      socket.destroy(new Error(`no answer from ${host}:${port} in ${TIMEOUT_MS} ms`)),
    );
    await once(socket, "connect");
    const client = new FtpClient(socket);
    client.#expect(await client.#nextReply(), 220);
    return client;
  }

  /** The address of the server we are talking to, as the socket sees it. */
  get controlHost() {
    return this.#socket.remoteAddress ?? "";
  }

  /** @returns {Promise<Reply>} */
  async #nextReply() {
    for (;;) {
      const reply = this.#replies.shift();
      if (reply !== undefined) return reply;
      if (this.#closed) throw new Error("the server closed the connection");
      await new Promise((resolve) => {
        this.#wake = () => {
          this.#wake = undefined;
          resolve(undefined);
        };
      });
    }
  }

  /**
   * Throws unless the reply has one of the codes.
   * @param {Reply} reply
   * @param {...number} codes
   */
  #expect(reply, ...codes) {
    if (!codes.includes(reply.code)) throw new Error(`unexpected reply: ${reply.lines.join(" / ")}`);
    return reply;
  }

  /**
   * Sends a command and returns its reply. A 1xx reply is preliminary: the final one follows (RFC 959 §4.2).
   * @param {string} command
   * @param {{ wait?: "preliminary" | "final" }} [options]
   */
  async send(command, { wait = "final" } = {}) {
    console.error(`> ${command.startsWith("PASS ") ? "PASS ****" : command}`);
    this.#socket.write(`${command}\r\n`);
    let reply = await this.#nextReply();
    while (wait === "final" && reply.code < 200) reply = await this.#nextReply();
    return reply;
  }

  /**
   * USER, then PASS when the server asks for it (331), or ACCT when it asks for that too (332).
   * @param {string} user
   * @param {string} password
   */
  async login(user, password) {
    let reply = await this.send(`USER ${user}`);
    if (reply.code === 331) reply = await this.send(`PASS ${password}`);
    this.#expect(reply, 230, 202);
  }

  /** Asks for a passive data connection (EPSV, else PASV) and connects it. */
  async #openDataConnection() {
    let reply = await this.send("EPSV");
    if (reply.code >= 500) reply = await this.send("PASV");
    this.#expect(reply, 227, 229);
    // Decodes by the reply's code (servers answer EPSV with 227 and PASV with 229) and applies the policy.
    const target = resolvePassiveTarget(reply, { controlHost: this.controlHost, policy: "control" });
    if (target.advertisedHost !== undefined && target.advertisedHost !== target.host) {
      console.error(
        `  (the server advertised ${target.advertisedHost}; connecting to ${target.host} instead)`,
      );
    }
    const data = net.connect({ host: target.host, port: target.port, timeout: TIMEOUT_MS });
    data.on("timeout", () => data.destroy(new Error("the data connection stalled")));
    await once(data, "connect");
    return data;
  }

  /**
   * Runs a transfer command (LIST, RETR) and pipes what arrives on the data connection into `sink`.
   * @param {string} command
   * @param {NodeJS.WritableStream} sink
   */
  async #receive(command, sink) {
    const data = await this.#openDataConnection();
    const started = await this.send(command, { wait: "preliminary" });
    if (started.code !== 125 && started.code !== 150) {
      data.destroy();
      this.#expect(started, 125, 150);
    }
    // The 226 may arrive before or after the last data byte: wait for both.
    const [, done] = await Promise.all([pipeline(data, sink), this.#nextReply()]);
    this.#expect(done, 226, 250);
  }

  /**
   * The folder listing, as text.
   * @param {string} path
   */
  async list(path) {
    /** @type {Buffer[]} */
    const chunks = [];
    await this.#receive(
      `LIST ${path}`,
      new Writable({
        write(chunk, _encoding, callback) {
          chunks.push(chunk);
          callback();
        },
      }),
    );
    return Buffer.concat(chunks).toString("utf8");
  }

  /**
   * Downloads a file in binary mode.
   * @param {string} path
   * @param {string} localFile
   */
  async retrieve(path, localFile) {
    this.#expect(await this.send("TYPE I"), 200);
    await this.#receive(`RETR ${path}`, createWriteStream(localFile));
  }

  async quit() {
    this.#expect(await this.send("QUIT"), 221);
    this.#socket.end();
  }
}

async function main() {
  const [address, output] = process.argv.slice(2);
  if (address === undefined || !address.startsWith("ftp://")) {
    console.error(
      "usage: node examples/client.mjs ftp://[user[:password]@]host[:port]/path/to/file [local-file]",
    );
    process.exit(2);
  }
  const url = new URL(address);
  const path = decodeURIComponent(url.pathname);
  const localFile = output ?? posix.basename(path);
  const user = url.username === "" ? "anonymous" : decodeURIComponent(url.username);
  const password = url.username === "" ? "anonymous@example.com" : decodeURIComponent(url.password);

  // URL.hostname keeps the brackets of an IPv6 address; net.connect wants it bare.
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const client = await FtpClient.connect(host, url.port === "" ? 21 : Number(url.port));
  await client.login(user, password);
  process.stdout.write(await client.list(posix.dirname(path)));
  await client.retrieve(path, localFile);
  await client.quit();
  console.error(`saved ${path} to ${localFile}`);
}

main().catch((error) => {
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

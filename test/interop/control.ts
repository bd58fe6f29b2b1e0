/**
 * A scripted FTP control connection for the interop tests: it writes commands and reads the server's replies
 * through the library's control connection (both directions in, so the dialogue layer pairs them too), and keeps
 * the exact server→client bytes and a `C:`/`S:` transcript so a session can be saved as a fixture.
 */
import net from "node:net";
import {
  type ConnectionProblem,
  createControlConnection,
  type Exchange,
  type PassiveTarget,
  type Reply,
  resolvePassiveTarget,
} from "../../src/index.js";

/** How long any single wait on a server may take. pure-ftpd delays a failed login by a few seconds. */
const WAIT_MS = 20_000;

/** The replies a command got: the 1xx preliminary ones, then the final one (RFC 959 §4.2, §5.4). */
export interface CommandResult {
  readonly preliminary: readonly Reply[];
  readonly final: Reply;
}

export class ControlConnection {
  readonly host: string;
  readonly port: number;
  /** Every byte the server sent, in order, exactly as received. */
  readonly received: Uint8Array[] = [];
  /** `C: command` and `S: reply line` lines, in the order they happened. */
  readonly transcript: string[] = [];
  /** Framing errors the reply parser reported: a real server's replies should produce none. */
  readonly parseErrors: ConnectionProblem[] = [];
  readonly parseWarnings: ConnectionProblem[] = [];
  /** Every exchange the dialogue layer paired, and what it found against RFC 959 §5.4. */
  readonly exchanges: Exchange[] = [];
  readonly dialogueProblems: ConnectionProblem[] = [];
  closed = false;

  private readonly socket: net.Socket;
  private readonly ready: Reply[] = [];
  private waiter: (() => void) | undefined;
  private readonly connection;

  private constructor(socket: net.Socket, host: string, port: number) {
    this.socket = socket;
    this.host = host;
    this.port = port;
    this.connection = createControlConnection({
      encoding: "utf-8",
      onReply: (reply) => {
        for (const line of reply.lines) this.transcript.push(`S: ${line}`);
        this.ready.push(reply);
        this.wake();
      },
      onExchange: (exchange) => this.exchanges.push(exchange),
      onProblem: (problem) => {
        if (problem.layer === "dialogue") this.dialogueProblems.push(problem);
        else if (
          problem.layer === "reply" &&
          problem.type !== "missing-space" &&
          problem.type !== "mismatched-close"
        )
          this.parseErrors.push(problem);
        else this.parseWarnings.push(problem);
      },
    });
    socket.on("data", (chunk: Buffer) => {
      const bytes = new Uint8Array(chunk);
      this.received.push(bytes);
      this.connection.fromServer(bytes, Date.now() / 1000);
    });
    socket.on("close", () => {
      this.closed = true;
      this.connection.end(Date.now() / 1000);
      this.wake();
    });
    socket.on("error", () => {
      // A reset shows up as `closed`; the test asserts on what the server said before it.
    });
  }

  static connect(host: string, port: number): Promise<ControlConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no TCP connection to ${host}:${port} within ${WAIT_MS} ms`));
      }, WAIT_MS);
      socket.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.once("connect", () => {
        clearTimeout(timer);
        resolve(new ControlConnection(socket, host, port));
      });
    });
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  /** The next reply, or an error when the server closes or stays silent. */
  async nextReply(what = "a reply"): Promise<Reply> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const reply = this.ready.shift();
      if (reply !== undefined) return reply;
      if (this.closed)
        throw new Error(`${this.host}:${this.port} closed the connection while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`${this.host}:${this.port} sent no reply within ${WAIT_MS} ms (${what})`);
      await this.sleepUntilWoken(left);
    }
  }

  /** The next reply if one comes within `ms`; undefined when none does or the server closed. */
  async nextReplyWithin(ms: number): Promise<Reply | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const reply = this.ready.shift();
      if (reply !== undefined) return reply;
      const left = deadline - Date.now();
      if (this.closed || left <= 0) return undefined;
      await this.sleepUntilWoken(left);
    }
  }

  private sleepUntilWoken(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.waiter = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Sends one command line (CRLF added) without waiting. */
  send(line: string): void {
    this.transcript.push(`C: ${line}`);
    this.socket.write(`${line}\r\n`);
    this.connection.fromClient(`${line}\r\n`, Date.now() / 1000);
  }

  /** Reads replies up to the final (non-1xx) one. */
  async finalReply(what: string): Promise<CommandResult> {
    const preliminary: Reply[] = [];
    for (;;) {
      const reply = await this.nextReply(what);
      if (reply.code >= 200) return { preliminary, final: reply };
      preliminary.push(reply);
    }
  }

  /** Sends a command and returns its final reply (1xx replies before it are kept in the result). */
  async command(line: string): Promise<CommandResult> {
    this.send(line);
    return this.finalReply(line);
  }

  /** Shorthand: the final reply only. */
  async reply(line: string): Promise<Reply> {
    return (await this.command(line)).final;
  }

  /** PASV or EPSV, decoded with the safe `control` policy, and a connected data socket. */
  async openPassive(
    command: "PASV" | "EPSV",
  ): Promise<{ reply: Reply; target: PassiveTarget; data: DataConnection }> {
    const reply = await this.reply(command);
    const controlHost = this.socket.remoteAddress ?? this.host;
    const target = resolvePassiveTarget(reply, { controlHost, policy: "control" });
    const data = await DataConnection.open(target.host, target.port);
    return { reply, target, data };
  }

  /** All server bytes so far as one array. */
  receivedBytes(): Uint8Array {
    const total = this.received.reduce((sum, chunk) => sum + chunk.length, 0);
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const chunk of this.received) {
      bytes.set(chunk, at);
      at += chunk.length;
    }
    return bytes;
  }

  /** Waits until the server closes (after QUIT), then ends the socket. */
  async waitClosed(): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    while (!this.closed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    this.socket.destroy();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** A passive data connection: everything it receives, and a way to send and finish. */
export class DataConnection {
  private readonly socket: net.Socket;
  private readonly chunks: Buffer[] = [];
  private readonly ended: Promise<void>;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => this.chunks.push(chunk));
    this.ended = new Promise((resolve) => socket.on("close", () => resolve()));
    socket.on("error", () => {});
  }

  static open(host: string, port: number): Promise<DataConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      socket.once("error", reject);
      socket.once("connect", () => {
        socket.off("error", reject);
        resolve(new DataConnection(socket));
      });
    });
  }

  /** Everything received until the server closed the data connection. */
  async receiveAll(): Promise<Uint8Array> {
    await withTimeout(this.ended, "the data connection to close");
    return new Uint8Array(Buffer.concat(this.chunks));
  }

  /** Sends the bytes and closes our side; resolves when the connection is fully closed. */
  async sendAll(bytes: Uint8Array): Promise<void> {
    this.socket.end(bytes);
    await withTimeout(this.ended, "the upload's data connection to close");
  }

  destroy(): void {
    this.socket.destroy();
  }
}

async function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${WAIT_MS} ms waiting for ${what}`)), WAIT_MS);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The Node adapter of the client's control channel: a `net.Socket` or `tls.TLSSocket` wired to a
 * `ControlChannel`, the AUTH TLS upgrade, data connections, and a transfer that waits for both the end of the data
 * and the final reply (in whichever order they come) with the control timeout paused while the data flows.
 */
import { once } from "node:events";
import net from "node:net";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import tls from "node:tls";
import {
  type AbortOptions,
  type AbortResult,
  type ControlChannel,
  type ControlChannelOptions,
  type ControlResponse,
  createControlChannel,
} from "../client/channel.js";
import type { CommandArgument } from "../client/encoder.js";
import type { Reply } from "../reply/reply.js";

/**
 * Wires a socket to a channel: its bytes are fed in, its end and errors reach the channel, and the channel writes
 * to it. Returns the function that unwires it (before handing the socket to `tls.connect`).
 */
export function attachControlSocket(channel: ControlChannel, socket: net.Socket): () => void {
  const onData = (chunk: Buffer) => channel.feed(chunk);
  const onEnd = () => channel.end();
  const onError = (error: Error) => channel.fail(error);
  socket.on("data", onData);
  socket.on("end", onEnd);
  socket.on("close", onEnd);
  socket.on("error", onError);
  channel.setTransport({ write: (bytes) => void socket.write(bytes) });
  return () => {
    socket.off("data", onData);
    socket.off("end", onEnd);
    socket.off("close", onEnd);
    socket.off("error", onError);
  };
}

export interface ControlConnection {
  readonly channel: ControlChannel;
  /** The socket the channel reads and writes now (the TLS socket after `upgradeToTls`). */
  readonly socket: net.Socket;
  /** The server's address as the socket sees it: the host for passive data connections. */
  readonly remoteAddress: string;
  /** The greeting (220, or 421: check its code). */
  readonly greeting: ControlResponse;
  /**
   * AUTH TLS (RFC 4217 §4): sends it, and on 234 moves the channel onto a TLS socket over the same connection.
   * Resolves with AUTH's response (a code other than 234 leaves the connection in clear); rejects if the TLS
   * handshake fails.
   */
  upgradeToTls(options?: tls.ConnectionOptions): Promise<ControlResponse>;
  /** Closes the connection (without QUIT). */
  close(): void;
}

export interface ConnectControlOptions {
  host: string;
  port?: number;
  /** Milliseconds for the TCP connection. Default 30 000. */
  connectTimeout?: number;
  /** The channel's options (timeout, encoding, strict, logs). */
  channel?: ControlChannelOptions;
}

/** Connects, wires a channel to the socket and waits for the greeting. */
export async function connectControl(options: ConnectControlOptions): Promise<ControlConnection> {
  const socket = net.connect({ host: options.host, port: options.port ?? 21 });
  const limit = options.connectTimeout ?? 30_000;
  const timer = setTimeout(
    () => socket.destroy(new Error(`no TCP connection to ${options.host} within ${limit} ms`)),
    limit,
  );
  try {
    await once(socket, "connect");
  } finally {
    clearTimeout(timer);
  }
  const channel = createControlChannel({ write: (bytes) => void socket.write(bytes) }, options.channel);
  let current: net.Socket = socket;
  let detach = attachControlSocket(channel, socket);
  const greeting = await channel.greeting.catch((error: unknown) => {
    socket.destroy();
    throw error;
  });
  const remoteAddress = socket.remoteAddress ?? options.host;
  return {
    channel,
    get socket() {
      return current;
    },
    remoteAddress,
    greeting,
    async upgradeToTls(tlsOptions = {}) {
      const response = await channel.send("AUTH", "TLS");
      if (response.code !== 234) return response;
      detach();
      const secure = tls.connect({
        servername: net.isIP(options.host) === 0 ? options.host : undefined,
        host: options.host,
        ...tlsOptions,
        socket: current,
      });
      current = secure;
      detach = attachControlSocket(channel, secure);
      await once(secure, "secureConnect");
      return response;
    },
    close() {
      current.destroy();
    },
  };
}

export interface DataConnectionOptions {
  /** Milliseconds without a byte either way before the data connection is destroyed. Default 0: none. */
  idleTimeout?: number;
}

/**
 * Opens a data connection (TCP) to a passive target (`createPassiveMode(…).request(channel)`). For `PROT P`, give
 * `runTransfer` its `tls` option: TLS starts on it once the server has answered the transfer command with 1xx.
 */
export async function openDataConnection(
  target: { readonly host: string; readonly port: number },
  options: DataConnectionOptions = {},
): Promise<net.Socket> {
  const socket = net.connect({ host: target.host, port: target.port });
  await once(socket, "connect");
  const idle = options.idleTimeout ?? 0;
  if (idle > 0) {
    socket.setTimeout(idle, () => socket.destroy(new Error(`the data connection was idle for ${idle} ms`)));
  }
  return socket;
}

export interface TransferOptions {
  /** Where the received bytes go (RETR, LIST, NLST, MLSD). */
  sink?: Writable | undefined;
  /** What to send (STOR, APPE, STOU). */
  source?: Readable | Uint8Array | undefined;
  /** Each 1xx reply (after the control timeout has been paused for the data). */
  onPreliminary?(reply: Reply): void;
  /**
   * Protect the data with TLS (after `PROT P`, RFC 4217 §9): the control connection's TLS socket (its session is
   * offered for reuse) and options. The handshake starts at the first 1xx reply, as Python's ftplib does (vsftpd
   * starts it only after the command, pyftpdlib at once and both accept it then), or after `startAfter` ms
   * (default 500) without one: ftp-srv sends its 1xx only once the handshake is done.
   */
  tls?: { control: tls.TLSSocket; options?: tls.ConnectionOptions; startAfter?: number } | undefined;
  /** The control timeout for this command (until the 1xx, and after the data is done). */
  timeout?: number | undefined;
}

function secureData(data: net.Socket, secure: NonNullable<TransferOptions["tls"]>): tls.TLSSocket {
  const session = secure.control.getSession();
  return tls.connect({
    host: data.remoteAddress,
    servername: secure.control.servername || undefined,
    ...(session === undefined ? {} : { session }),
    ...secure.options,
    socket: data,
  });
}

/**
 * Runs a transfer command over an open data connection: sends it, pauses the control timeout from the first 1xx
 * until the data is done (a long transfer is not a silent server), and resolves once both the data and the final
 * reply are done, in whichever order they come (RFC 959 §3.2 lets the 226 come before the last byte is read).
 * A final reply that is not 2xx destroys the data connection and is returned as is; a data error after a 2xx
 * rejects.
 */
export async function runTransfer(
  channel: ControlChannel,
  verb: string,
  arg: CommandArgument | undefined,
  data: net.Socket,
  options: TransferOptions,
): Promise<ControlResponse> {
  let resume: (() => void) | undefined;
  let dataDone = false;
  let ready: ((socket: net.Socket) => void) | undefined;
  const stream = new Promise<net.Socket>((resolve) => {
    ready = resolve;
  });
  const start = (socket: net.Socket) => {
    ready?.(socket);
    ready = undefined;
  };
  const secure = options.tls;
  const startSecure = () => {
    clearTimeout(handshake);
    if (ready !== undefined && secure !== undefined) start(secureData(data, secure));
  };
  const handshake = secure === undefined ? undefined : setTimeout(startSecure, secure.startAfter ?? 500);
  if (secure === undefined) start(data);
  const response = channel.send(verb, arg, {
    ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
    onPreliminary: (reply) => {
      if (resume === undefined && !dataDone) resume = channel.pauseTimeouts();
      startSecure();
      options.onPreliminary?.(reply);
    },
  });
  const source = options.source;
  const flow = stream
    .then((socket) =>
      source !== undefined
        ? pipeline(source instanceof Uint8Array ? Readable.from([source]) : source, socket)
        : pipeline(socket, options.sink ?? nowhere()),
    )
    .finally(() => {
      dataDone = true;
      resume?.();
    });
  const checked = response.then(
    (result) => {
      clearTimeout(handshake);
      if (result.code >= 300) data.destroy();
      start(data);
      return result;
    },
    (error: unknown) => {
      clearTimeout(handshake);
      data.destroy();
      start(data);
      throw error;
    },
  );
  const [control, moved] = await Promise.allSettled([checked, flow]);
  resume?.();
  if (control.status === "rejected") throw control.reason;
  if (control.value.code < 300 && moved.status === "rejected") throw moved.reason;
  return control.value;
}

function nowhere(): Writable {
  return new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });
}

export interface AbortTransferOptions extends AbortOptions {
  /**
   * Milliseconds to keep reading (and discarding) the data after ABOR before destroying the data connection.
   * Default 2 000. Servers that read the control connection during a transfer only see ABOR once their blocked
   * write moves on (Pure-FTPd); a data connection destroyed at once races their reply to the transfer.
   */
  drainFor?: number;
}

/**
 * Aborts a running transfer: ABOR with Telnet IP and Synch (`channel.abort`), then reads and discards the data
 * until the server closes the data connection, or destroys it after `drainFor`. Resolves with both exchanges:
 * the transfer's (426, or 226 when it had finished) and ABOR's (226 or 225).
 */
export async function abortTransfer(
  channel: ControlChannel,
  data: net.Socket,
  options: AbortTransferOptions = {},
): Promise<AbortResult> {
  const result = channel.abort(options);
  data.on("error", () => {});
  data.on("data", () => {});
  data.resume();
  const timer = setTimeout(() => data.destroy(), options.drainFor ?? 2_000);
  try {
    return await result;
  } finally {
    clearTimeout(timer);
    data.destroy();
  }
}

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
  type ControlChannel,
  type ControlChannelOptions,
  type ControlResponse,
  createControlChannel,
} from "../client/channel.js";
import type { CommandArgument } from "../client/encoder.js";
import type { Reply } from "../reply.js";

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
  /** Protect the data connection with TLS (after `PROT P`): the control TLS socket, to reuse its session. */
  tls?: { control: tls.TLSSocket; options?: tls.ConnectionOptions };
  /** Milliseconds without a byte either way before the data connection is destroyed. Default 0: none. */
  idleTimeout?: number;
}

/** Opens a data connection to a passive target (`createPassiveMode(…).request(channel)`). */
export async function openDataConnection(
  target: { readonly host: string; readonly port: number },
  options: DataConnectionOptions = {},
): Promise<net.Socket> {
  const plain = net.connect({ host: target.host, port: target.port });
  await once(plain, "connect");
  let socket: net.Socket = plain;
  if (options.tls !== undefined) {
    const control = options.tls.control;
    const session = control.getSession();
    socket = tls.connect({
      host: target.host,
      servername: control.servername || undefined,
      ...(session === undefined ? {} : { session }),
      ...options.tls.options,
      socket: plain,
    });
    await once(socket, "secureConnect");
  }
  const idle = options.idleTimeout ?? 0;
  if (idle > 0) {
    socket.setTimeout(idle, () => socket.destroy(new Error(`the data connection was idle for ${idle} ms`)));
  }
  return socket;
}

export interface TransferOptions {
  /** Where the received bytes go (RETR, LIST, NLST, MLSD). */
  sink?: Writable;
  /** What to send (STOR, APPE, STOU). */
  source?: Readable | Uint8Array;
  /** Each 1xx reply (after the control timeout has been paused for the data). */
  onPreliminary?(reply: Reply): void;
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
  const response = channel.send(verb, arg, {
    onPreliminary: (reply) => {
      if (resume === undefined && !dataDone) resume = channel.pauseTimeouts();
      options.onPreliminary?.(reply);
    },
  });
  const source = options.source;
  const flow = (
    source !== undefined
      ? pipeline(source instanceof Uint8Array ? Readable.from([source]) : source, data)
      : pipeline(data, options.sink ?? nowhere())
  ).finally(() => {
    dataDone = true;
    resume?.();
  });
  const checked = response.then(
    (result) => {
      if (result.code >= 300) data.destroy();
      return result;
    },
    (error: unknown) => {
      data.destroy();
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

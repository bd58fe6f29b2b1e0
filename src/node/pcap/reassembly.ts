/**
 * TCP stream reassembly (RFC 9293 §3.4 sequence numbers): per connection and per direction, segments in,
 * the direction's bytes in sequence order out.
 *
 * In-order bytes are delivered at once (as views of the frame). Out-of-order segments are copied and held until
 * the bytes before them arrive; retransmissions and duplicates are delivered once (the first copy wins; a copy
 * that differs is reported). A hole that is never filled is reported as a `gap` when the capture ends, when the
 * connection is reset, or when more than `maxBufferedBytes` wait behind it; the bytes after it are then
 * delivered, so nothing is dropped silently.
 */

import { formatEndpoint, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type TcpSegment } from "./decode.js";
import type { CaptureDiagnostic } from "./errors.js";
import type { CapturedPacket } from "./reader.js";

/** 0: from the connection's initiator (client) to the responder; 1: the reverse. */
export type FlowDirection = 0 | 1;

export interface TcpEndpoint {
  readonly address: Uint8Array;
  readonly port: number;
  /** `addr:port` or `[v6addr]:port`. */
  readonly text: string;
}

/** One TCP connection seen in the capture. */
export interface TcpConnection {
  /** Index in order of first appearance, from 0: tshark's `tcp.stream`. */
  readonly index: number;
  /** The initiator: the sender of the SYN (or of the first packet seen when the handshake is missing). */
  readonly client: TcpEndpoint;
  readonly server: TcpEndpoint;
  /** True when the connection's SYN was captured. */
  readonly handshakeSeen: boolean;
  /** The first packet of the connection. */
  readonly firstPacket: Pick<CapturedPacket, "frame" | "seconds" | "nanoseconds">;
  /** Payload bytes delivered per direction: [client→server, server→client]. */
  readonly bytes: [number, number];
  /** Bytes reported missing per direction. */
  readonly missing: [number, number];
  /** Segments that carried only bytes already seen, per direction. */
  readonly retransmissions: [number, number];
  /** How the connection ended, once it has. */
  closed: "fin" | "rst" | undefined;
}

export interface ReassemblyCallbacks {
  /** A new connection, before any of its data. */
  onConnection?(connection: TcpConnection, packet: CapturedPacket): void;
  /** The next bytes of one direction, in order. `position` is the count of bytes delivered before them. */
  onData(
    connection: TcpConnection,
    direction: FlowDirection,
    bytes: Uint8Array,
    position: number,
    packet: CapturedPacket,
  ): void;
  /**
   * Bytes that never appeared: `position` is where in the delivered bytes the hole lies. Delivery resumes after
   * it, so a parser fed from `onData` must be reset.
   */
  onGap(connection: TcpConnection, direction: FlowDirection, position: number, missingBytes: number): void;
  /** The connection ended: both FINs delivered, a RST, or the end of the capture ("end"). */
  onClose?(connection: TcpConnection, how: "fin" | "rst" | "end"): void;
  onDiagnostic?(diagnostic: CaptureDiagnostic): void;
}

export interface ReassemblyOptions {
  /** Out-of-order bytes held per direction before the stream skips ahead. Default 16 MiB. */
  maxBufferedBytes?: number;
}

export interface TcpReassembler {
  /** Passes one decoded segment with the packet it came in. */
  segment(segment: TcpSegment, packet: CapturedPacket): void;
  /** The capture ended: reports remaining holes, delivers what waited behind them, closes open connections. */
  finish(): void;
  /** Connections seen so far. */
  readonly connectionCount: number;
}

export const DEFAULT_MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
/** Capture seconds after its close before a connection's state is forgotten (2 × MSL, RFC 9293 §3.4.2). */
const CLOSED_CONNECTION_LINGER_SECONDS = 240;
/** Most closed connections remembered at once, whatever their age (bounds memory on busy captures). */
const MAX_LINGERING_CONNECTIONS = 65536;

interface HeldSegment {
  /** Position of the first byte in the direction's sequence space (0 = first byte after the SYN). */
  readonly position: number;
  readonly bytes: Uint8Array;
}

/** One direction of a connection. */
class Flow {
  /** The next sequence number expected, once known. */
  nextSequence = 0;
  sequenceKnown = false;
  /** Sequence-space position of `nextSequence` (bytes delivered plus bytes skipped over holes). */
  position = 0;
  /** Bytes delivered. */
  delivered = 0;
  held: HeldSegment[] = [];
  heldBytes = 0;
  /** Sequence-space position of the FIN, or -1. */
  finPosition = -1;
  finished = false;
}

interface ConnectionState {
  readonly connection: TcpConnection;
  readonly key: string;
  /** Endpoint key of the client, to tell the direction of a segment. */
  readonly clientKey: string;
  readonly flows: [Flow, Flow];
  closedAt: number;
}

function endpointKey(address: Uint8Array, port: number): string {
  if (address.length === 4) {
    // One number per IPv4 endpoint: 32-bit address × 65536 + port stays below 2^53.
    return String(
      ((address[0]! << 24) | (address[1]! << 16) | (address[2]! << 8) | address[3]!) * 65536 + port,
    );
  }
  let text = "";
  for (let i = 0; i < address.length; i += 2)
    text += `${((address[i]! << 8) | address[i + 1]!).toString(16)}:`;
  return `${text}${port}`;
}

function endpoint(address: Uint8Array, port: number): TcpEndpoint {
  return { address: address.slice(), port, text: formatEndpoint(address, port) };
}

function sameBytes(a: Uint8Array, aStart: number, b: Uint8Array, bStart: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (a[aStart + i] !== b[bStart + i]) return false;
  return true;
}

/** Creates a TCP reassembler that reports through `callbacks`. */
export function createTcpReassembler(
  callbacks: ReassemblyCallbacks,
  options: ReassemblyOptions = {},
): TcpReassembler {
  return new Reassembler(callbacks, options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES);
}

class Reassembler implements TcpReassembler {
  private readonly callbacks: ReassemblyCallbacks;
  private readonly maxBufferedBytes: number;
  private readonly connections = new Map<string, ConnectionState>();
  /** Closed connections in order of closing, forgotten after the linger time. */
  private readonly closedQueue: ConnectionState[] = [];
  private closedHead = 0;
  private count = 0;
  /** The most recent packet, used to timestamp bytes delivered by `finish()`. */
  private lastPacket: CapturedPacket | undefined;

  constructor(callbacks: ReassemblyCallbacks, maxBufferedBytes: number) {
    this.callbacks = callbacks;
    this.maxBufferedBytes = maxBufferedBytes;
  }

  get connectionCount(): number {
    return this.count;
  }

  segment(segment: TcpSegment, packet: CapturedPacket): void {
    this.lastPacket = packet;
    this.forgetOldConnections(packet.seconds);
    const sourceKey = endpointKey(segment.sourceAddress, segment.sourcePort);
    const destinationKey = endpointKey(segment.destinationAddress, segment.destinationPort);
    const key =
      sourceKey < destinationKey ? `${sourceKey}|${destinationKey}` : `${destinationKey}|${sourceKey}`;
    const flags = segment.flags;
    let state = this.connections.get(key);
    // A new SYN on the 4-tuple of a closed connection starts a new connection (port reuse).
    if (
      state !== undefined &&
      state.connection.closed !== undefined &&
      (flags & (TCP_SYN | TCP_ACK)) === TCP_SYN &&
      state.flows[state.clientKey === sourceKey ? 0 : 1].nextSequence !== (segment.sequence + 1) >>> 0
    ) {
      state = undefined;
    }
    if (state === undefined) state = this.open(key, sourceKey, segment, packet);
    const direction: FlowDirection = state.clientKey === sourceKey ? 0 : 1;
    const flow = state.flows[direction];
    const connection = state.connection;

    let sequence = segment.sequence;
    if ((flags & TCP_SYN) !== 0) {
      if (!flow.sequenceKnown) {
        flow.nextSequence = (sequence + 1) >>> 0;
        flow.sequenceKnown = true;
      }
      sequence = (sequence + 1) >>> 0; // data in a SYN (TCP Fast Open) follows the SYN's sequence number
    } else if (!flow.sequenceKnown) {
      flow.nextSequence = sequence;
      flow.sequenceKnown = true;
      if (segment.payload.length > 0 || (flags & TCP_FIN) !== 0) {
        this.diagnostic(
          "missing-handshake",
          `stream ${connection.index}: ${direction === 0 ? "client" : "server"} bytes start without a SYN`,
          packet,
          connection,
          direction,
          flow.delivered,
        );
      }
    }

    // The peer acknowledged bytes beyond a hole in the other direction: it has them, so they will never be
    // sent again and the capture simply missed them (RFC 9293 §3.4: ACK covers every byte before it). Done
    // before this segment's own bytes, which the peer sent after receiving those.
    if ((flags & TCP_ACK) !== 0) {
      const reverse = state.flows[direction === 0 ? 1 : 0];
      if (reverse.held.length > 0 && ((segment.acknowledgment - reverse.nextSequence) | 0) > 0) {
        this.skipAcknowledgedHoles(state, direction === 0 ? 1 : 0, segment.acknowledgment, packet);
      }
    }
    const payload = segment.payload;
    const length = payload.length;
    const relative = (sequence - flow.nextSequence) | 0;
    /** Sequence-space position of the segment's first byte (taken before delivery moves `flow.position`). */
    const start = flow.position + relative;
    if (segment.missingPayload > 0) {
      this.diagnostic(
        "snapped-packet",
        `stream ${connection.index}: ${segment.missingPayload} payload bytes cut by the snapshot length`,
        packet,
        connection,
        direction,
        flow.delivered,
      );
    }
    if (length > 0) {
      if (relative <= 0) {
        if (relative + length > 0) {
          this.deliver(state, direction, payload.subarray(-relative), packet);
          this.drain(state, direction, packet);
        } else {
          connection.retransmissions[direction]++;
        }
      } else {
        this.hold(state, direction, start, payload, packet);
      }
    }
    if ((flags & TCP_FIN) !== 0 && flow.finPosition < 0) {
      flow.finPosition = start + length;
      this.checkFinished(state, direction);
    }
    if ((flags & TCP_RST) !== 0 && connection.closed === undefined) {
      this.flushHeld(state, 0);
      this.flushHeld(state, 1);
      this.close(state, "rst", packet.seconds);
    }
  }

  finish(): void {
    for (const state of this.connections.values()) {
      if (state.connection.closed !== undefined) continue;
      this.flushHeld(state, 0);
      this.flushHeld(state, 1);
      this.callbacks.onClose?.(state.connection, "end");
    }
    this.connections.clear();
  }

  private open(key: string, sourceKey: string, segment: TcpSegment, packet: CapturedPacket): ConnectionState {
    const flags = segment.flags;
    const source = endpoint(segment.sourceAddress, segment.sourcePort);
    const destination = endpoint(segment.destinationAddress, segment.destinationPort);
    // The SYN's sender is the client; a SYN-ACK's receiver is; without either, the first packet's sender.
    const sourceIsServer = (flags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK);
    const handshakeSeen = (flags & TCP_SYN) !== 0;
    const connection: TcpConnection = {
      index: this.count++,
      client: sourceIsServer ? destination : source,
      server: sourceIsServer ? source : destination,
      handshakeSeen,
      firstPacket: { frame: packet.frame, seconds: packet.seconds, nanoseconds: packet.nanoseconds },
      bytes: [0, 0],
      missing: [0, 0],
      retransmissions: [0, 0],
      closed: undefined,
    };
    const clientKey = sourceIsServer
      ? endpointKey(segment.destinationAddress, segment.destinationPort)
      : sourceKey;
    const state: ConnectionState = {
      connection,
      key,
      clientKey,
      flows: [new Flow(), new Flow()],
      closedAt: 0,
    };
    this.connections.set(key, state);
    this.callbacks.onConnection?.(connection, packet);
    return state;
  }

  private deliver(
    state: ConnectionState,
    direction: FlowDirection,
    bytes: Uint8Array,
    packet: CapturedPacket,
  ): void {
    const flow = state.flows[direction];
    const position = flow.delivered;
    flow.nextSequence = (flow.nextSequence + bytes.length) >>> 0;
    flow.position += bytes.length;
    flow.delivered += bytes.length;
    state.connection.bytes[direction] += bytes.length;
    this.callbacks.onData(state.connection, direction, bytes, position, packet);
  }

  /** Delivers held segments that the stream has now reached. */
  private drain(state: ConnectionState, direction: FlowDirection, packet: CapturedPacket): void {
    const flow = state.flows[direction];
    const held = flow.held;
    let taken = 0;
    while (taken < held.length) {
      const next = held[taken]!;
      if (next.position > flow.position) break;
      taken++;
      flow.heldBytes -= next.bytes.length;
      const skip = flow.position - next.position;
      if (skip < next.bytes.length) this.deliver(state, direction, next.bytes.subarray(skip), packet);
      else state.connection.retransmissions[direction]++;
    }
    if (taken > 0) held.splice(0, taken);
    this.checkFinished(state, direction);
  }

  private hold(
    state: ConnectionState,
    direction: FlowDirection,
    position: number,
    payload: Uint8Array,
    packet: CapturedPacket,
  ): void {
    const flow = state.flows[direction];
    const held = flow.held;
    // Sorted by position; out-of-order segments mostly arrive near the end, so search from there.
    let index = held.length;
    while (index > 0 && held[index - 1]!.position > position) index--;
    const previous = held[index - 1];
    if (previous !== undefined && previous.position === position && previous.bytes.length >= payload.length) {
      // A duplicate of a held segment: keep the first copy, report a copy that differs.
      if (!sameBytes(previous.bytes, 0, payload, 0, payload.length)) {
        this.diagnostic(
          "overlap-mismatch",
          `stream ${state.connection.index}: retransmitted bytes differ from the first copy; first kept`,
          packet,
          state.connection,
          direction,
          flow.delivered,
        );
      }
      state.connection.retransmissions[direction]++;
      return;
    }
    held.splice(index, 0, { position, bytes: payload.slice() });
    flow.heldBytes += payload.length;
    if (flow.heldBytes > this.maxBufferedBytes) {
      this.diagnostic(
        "buffer-overflow",
        `stream ${state.connection.index}: more than ${this.maxBufferedBytes} out-of-order bytes wait behind a hole`,
        packet,
        state.connection,
        direction,
        flow.delivered,
      );
      this.skipHole(state, direction);
      this.drain(state, direction, packet);
    }
  }

  /** Skips the holes before `acknowledged` (they were received by the peer, unseen by the capture). */
  private skipAcknowledgedHoles(
    state: ConnectionState,
    direction: FlowDirection,
    acknowledged: number,
    packet: CapturedPacket,
  ): void {
    const flow = state.flows[direction];
    while (flow.held.length > 0 && ((acknowledged - flow.nextSequence) | 0) > 0) {
      const first = flow.held[0]!;
      // Only a hole that lies wholly before the acknowledged byte is known to be lost from the capture.
      if (((acknowledged - flow.nextSequence) | 0) < first.position - flow.position) break;
      this.skipHole(state, direction);
      this.drain(state, direction, packet);
    }
  }

  /** Reports the hole before the first held segment and moves the stream past it. */
  private skipHole(state: ConnectionState, direction: FlowDirection): void {
    const flow = state.flows[direction];
    const first = flow.held[0];
    if (first === undefined) return;
    const missing = first.position - flow.position;
    if (missing <= 0) return;
    flow.nextSequence = (flow.nextSequence + missing) >>> 0;
    flow.position = first.position;
    state.connection.missing[direction] += missing;
    this.callbacks.onGap(state.connection, direction, flow.delivered, missing);
  }

  /** Delivers everything held, reporting each hole, and a hole before a FIN. */
  private flushHeld(state: ConnectionState, direction: FlowDirection): void {
    const flow = state.flows[direction];
    while (flow.held.length > 0) {
      this.skipHole(state, direction);
      const first = flow.held.shift()!;
      flow.heldBytes -= first.bytes.length;
      const skip = flow.position - first.position;
      if (skip < first.bytes.length) {
        const bytes = first.bytes.subarray(skip);
        const position = flow.delivered;
        flow.nextSequence = (flow.nextSequence + bytes.length) >>> 0;
        flow.position += bytes.length;
        flow.delivered += bytes.length;
        state.connection.bytes[direction] += bytes.length;
        this.callbacks.onData(state.connection, direction, bytes, position, this.lastPacketStub(state));
      }
    }
    if (flow.finPosition > flow.position && !flow.finished) {
      const missing = flow.finPosition - flow.position;
      flow.position = flow.finPosition;
      state.connection.missing[direction] += missing;
      this.callbacks.onGap(state.connection, direction, flow.delivered, missing);
    }
  }

  /** Bytes flushed from the hold are stamped with the latest packet (the moment they could be delivered). */
  private lastPacketStub(state: ConnectionState): CapturedPacket {
    return (
      this.lastPacket ?? {
        frame: state.connection.firstPacket.frame,
        fileOffset: 0,
        interfaceId: 0,
        linkType: 0,
        seconds: state.connection.firstPacket.seconds,
        nanoseconds: state.connection.firstPacket.nanoseconds,
        data: new Uint8Array(0),
        originalLength: 0,
      }
    );
  }

  private checkFinished(state: ConnectionState, direction: FlowDirection): void {
    const flow = state.flows[direction];
    if (flow.finished || flow.finPosition < 0 || flow.position < flow.finPosition) return;
    flow.finished = true;
    if (state.flows[0].finished && state.flows[1].finished && state.connection.closed === undefined) {
      this.close(state, "fin", this.lastPacket?.seconds ?? 0);
    }
  }

  private close(state: ConnectionState, how: "fin" | "rst", seconds: number): void {
    state.connection.closed = how;
    state.closedAt = seconds;
    this.closedQueue.push(state);
    this.callbacks.onClose?.(state.connection, how);
  }

  /** Forgets connections closed long ago (in capture time), so that memory stays bounded on long captures. */
  private forgetOldConnections(now: number): void {
    while (this.closedHead < this.closedQueue.length) {
      const oldest = this.closedQueue[this.closedHead]!;
      const lingering = this.closedQueue.length - this.closedHead;
      if (now - oldest.closedAt < CLOSED_CONNECTION_LINGER_SECONDS && lingering <= MAX_LINGERING_CONNECTIONS)
        break;
      this.closedHead++;
      if (this.connections.get(oldest.key) === oldest) this.connections.delete(oldest.key);
    }
    if (this.closedHead > 1024 && this.closedHead * 2 > this.closedQueue.length) {
      this.closedQueue.splice(0, this.closedHead);
      this.closedHead = 0;
    }
  }

  private diagnostic(
    type: CaptureDiagnostic["type"],
    message: string,
    packet: CapturedPacket,
    connection: TcpConnection,
    direction: FlowDirection,
    streamOffset: number,
  ): void {
    this.callbacks.onDiagnostic?.({
      type,
      message,
      frame: packet.frame,
      fileOffset: packet.fileOffset,
      stream: connection.index,
      streamOffset,
      direction: direction === 0 ? "client-to-server" : "server-to-client",
    });
  }
}

/**
 * TCP stream reassembly (RFC 9293 §3.4 sequence numbers): per connection and per direction, segments in,
 * the direction's bytes in sequence order out.
 *
 * In-order bytes are delivered at once (as views of the frame). Out-of-order segments are copied and held until
 * the bytes before them arrive; retransmissions and duplicates are delivered once (the first copy wins; a copy
 * that differs is reported). A hole that is never filled is reported as a `gap` when the capture ends, when the
 * connection is reset, or when more than `maxBufferedBytes` wait behind it; the bytes after it are then
 * delivered, so nothing is dropped silently.
 *
 * A consumer that needs none of a connection's bytes (the FTP analysis, for traffic that is not FTP) says so with
 * `ignorePayload`: the connection is then only numbered and closed, its segments neither held nor delivered.
 */

import {
  FrameSegment,
  formatEndpoint,
  ipv4EndpointNumber,
  TCP_ACK,
  TCP_FIN,
  TCP_RST,
  TCP_SYN,
  type TcpSegment,
} from "./decode.js";
import { type CaptureDiagnostic, type DroppedState, isReportedDrop } from "./errors.js";
import type { CapturedPacket } from "./reader.js";
import { SegmentHeap } from "./segment-heap.js";

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
  /**
   * Payload bytes delivered per direction: [client→server, server→client]. These three counts stop when the
   * connection's payload is ignored (`TcpReassembler.ignorePayload`).
   */
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
  /** Out-of-order segments held per direction before the stream skips ahead (`buffer-overflow`). Default 16384. */
  maxHeldSegments?: number;
  /**
   * Out-of-order bytes held by all connections together: beyond, the direction that adds one skips all its
   * holes (`buffer-overflow`), so many connections cannot each fill their own allowance. Default 64 MiB.
   */
  maxTotalBufferedBytes?: number;
  /** Out-of-order segments held by all connections together (as `maxTotalBufferedBytes`). Default 65536. */
  maxTotalHeldSegments?: number;
  /**
   * Connections seen in one direction only (a SYN never answered) kept at once; beyond, the oldest is closed
   * as at the end of the capture and forgotten (`state-dropped`, `half-open-connection`). Default 4096.
   */
  maxHalfOpenConnections?: number;
  /**
   * Open connections kept at once; beyond, the least recently active one is closed as at the end of the
   * capture (`state-dropped`, `connection`). Default 16384.
   */
  maxConnections?: number;
  /**
   * Closed connections remembered for their linger time (to recognise late retransmissions); beyond, the
   * oldest is forgotten early (`state-dropped`, `lingering-connection`). Default 4096.
   */
  maxLingeringConnections?: number;
}

/** What the reassembler holds now, and the work its out-of-order hold did (for tests and benchmarks). */
export interface ReassemblyStats {
  /** Connections open (not closed), half-open ones included. */
  readonly openConnections: number;
  /** Open connections seen in one direction only. */
  readonly halfOpenConnections: number;
  /** Closed connections remembered for their linger time. */
  readonly lingeringConnections: number;
  /** Out-of-order segments held, all connections and directions. */
  readonly heldSegments: number;
  /** Bytes of those segments. */
  readonly heldBytes: number;
  /** Comparisons made to order held segments since the start (O(n log n) in the segments held). */
  readonly heldComparisons: number;
  /** States dropped by each cap since the start. */
  readonly dropped: Readonly<Record<DroppedState, number>>;
}

export interface TcpReassembler {
  /**
   * Passes one decoded segment with the packet it came in. Nothing of the segment object is kept past the call
   * (held bytes are copied), so a caller may decode every packet into the same object (as `createTcpCapture`
   * does).
   */
  segment(segment: TcpSegment, packet: CapturedPacket): void;
  /**
   * The consumer needs no more of this connection's payload (it may call this from any callback). From now on
   * its segments are only followed for what numbering and closing need: the sequence number a SYN reuses, FIN,
   * RST. Nothing of it is held or delivered (what it held is let go, unreported), so `onData` and `onGap` are
   * not called for it, nor are `snapped-packet`, `overlap-mismatch` and `buffer-overflow` reported, and its
   * `bytes`, `missing` and `retransmissions` stop counting. A FIN ends its direction at once (a hole before it
   * no longer matters). `onClose` still comes, and port reuse still starts a new connection (`tcp.stream`).
   */
  ignorePayload(connection: TcpConnection): void;
  /** The capture ended: reports remaining holes, delivers what waited behind them, closes open connections. */
  finish(): void;
  /** Connections seen so far. */
  readonly connectionCount: number;
  /** What is held now and what was dropped (a snapshot). */
  stats(): ReassemblyStats;
}

export const DEFAULT_MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
/** A 16 MiB window of 1460-byte segments is 11 500 segments; 1-byte segments must not cost 16 M objects. */
export const DEFAULT_MAX_HELD_SEGMENTS = 16384;
export const DEFAULT_MAX_TOTAL_BUFFERED_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_TOTAL_HELD_SEGMENTS = 65536;
/** About 5 KB each once the FTP layer has a session on them: 20 MB for a SYN flood. */
export const DEFAULT_MAX_HALF_OPEN_CONNECTIONS = 4096;
export const DEFAULT_MAX_CONNECTIONS = 16384;
/** About 1.4 KB each: 6 MB. A late segment of a forgotten connection only opens a new one (reported). */
export const DEFAULT_MAX_LINGERING_CONNECTIONS = 4096;
/** Capture seconds after its close before a connection's state is forgotten (2 × MSL, RFC 9293 §3.4.2). */
const CLOSED_CONNECTION_LINGER_SECONDS = 240;

/**
 * A FIFO of connection states with O(1) amortised push and shift: entries that left the queue's category
 * (answered, closed) stay in it and are skipped by the reader, and the array is compacted when its dead head
 * or stale entries outweigh the live ones.
 */
class StateQueue {
  private items: ConnectionState[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  peek(): ConnectionState | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  push(state: ConnectionState): void {
    this.items.push(state);
  }

  shift(): ConnectionState | undefined {
    if (this.head >= this.items.length) return undefined;
    const state = this.items[this.head]!;
    this.items[this.head] = undefined as unknown as ConnectionState; // let it be collected
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return state;
  }

  /** Drops stale entries when they are more than half of the queue (`live` is how many are not stale). */
  compact(live: number, isLive: (state: ConnectionState) => boolean): void {
    if (this.length < 1024 || this.length < live * 2) return;
    this.items = this.items.slice(this.head).filter(isLive);
    this.head = 0;
  }
}

/** One direction of a connection. */
class Flow {
  /** The next sequence number expected, once known. */
  nextSequence = 0;
  sequenceKnown = false;
  /** The flow's first sequence number (a SYN's, or one before the first segment's): tshark's `base_seq`. */
  baseSequence = 0;
  /** Sequence-space position of `nextSequence` (bytes delivered plus bytes skipped over holes). */
  position = 0;
  /** Bytes delivered. */
  delivered = 0;
  /** Out-of-order segments, created on the first one (most flows never need it). */
  held: SegmentHeap | undefined = undefined;
  heldBytes = 0;
  /** Sequence-space position of the FIN, or -1. */
  finPosition = -1;
  finished = false;
}

interface ConnectionState {
  readonly connection: TcpConnection;
  readonly key: string;
  /** IPv4: the endpoint numbers (`endpointNumber`) of the client, and of the lower and higher endpoint; else -1. */
  readonly clientNumber: number;
  readonly lowNumber: number;
  readonly highNumber: number;
  readonly flows: [Flow, Flow];
  closedAt: number;
  /** A FIN or RST was seen, either way (tshark's conversation completeness): a new SYN starts a new connection. */
  finOrResetSeen: boolean;
  /** Both directions have been seen (else the connection is half-open). */
  answered: boolean;
  /** Neighbours in the list of open connections by last activity (least recent first). */
  older: ConnectionState | undefined;
  newer: ConnectionState | undefined;
  /** Closed early by a cap, or forgotten: no longer in the connection map. */
  evicted: boolean;
  /** The consumer needs none of its payload (`ignorePayload`). */
  payloadIgnored: boolean;
}

/**
 * Open connections ordered by last activity, as an intrusive doubly linked list: moving the active connection
 * to the end costs a few pointer writes a segment, and the least recently active one is always first.
 */
class ActivityList {
  private first: ConnectionState | undefined;
  private last: ConnectionState | undefined;

  /** The least recently active connection. */
  get oldest(): ConnectionState | undefined {
    return this.first;
  }

  append(state: ConnectionState): void {
    state.older = this.last;
    state.newer = undefined;
    if (this.last === undefined) this.first = state;
    else this.last.newer = state;
    this.last = state;
  }

  remove(state: ConnectionState): void {
    if (state.older === undefined) this.first = state.newer;
    else state.older.newer = state.newer;
    if (state.newer === undefined) this.last = state.older;
    else state.newer.older = state.older;
    state.older = undefined;
    state.newer = undefined;
  }

  /** The connection just had a segment: it becomes the most recently active. */
  touch(state: ConnectionState): void {
    if (this.last === state) return;
    this.remove(state);
    this.append(state);
  }
}

/** Held segments of a flow (0 when it never held any). */
function heldCount(flow: Flow): number {
  return flow.held === undefined ? 0 : flow.held.size;
}

/** One number per IPv4 endpoint: 32-bit address × 65536 + port stays below 2^53 (exact); -1 for IPv6. */
function endpointNumber(address: Uint8Array, port: number): number {
  return address.length === 4 ? ipv4EndpointNumber(address, 0, port) : -1;
}

function endpointKey(address: Uint8Array, port: number): string {
  if (address.length === 4) return String(endpointNumber(address, port));
  let text = "";
  for (let i = 0; i < address.length; i += 2)
    text += `${((address[i]! << 8) | address[i + 1]!).toString(16)}:`;
  return `${text}${port}`;
}

/** The connection map's key: both endpoint keys, the lower first (either direction finds it). */
function connectionKey(one: string, other: string): string {
  return one < other ? `${one}|${other}` : `${other}|${one}`;
}

function endpoint(address: Uint8Array, port: number): TcpEndpoint {
  return { address: address.slice(), port, text: formatEndpoint(address, port) };
}

function sameBytes(a: Uint8Array, aStart: number, b: Uint8Array, bStart: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (a[aStart + i] !== b[bStart + i]) return false;
  return true;
}

/**
 * Whether a SYN (without ACK) on a known 4-tuple starts a new connection, as tshark decides its `tcp.stream`
 * (epan/dissectors/packet-tcp.c): the sender's direction has a first sequence number, and the SYN's differs from
 * it, or a FIN or RST was seen on the connection. Otherwise it is a retransmitted SYN.
 */
function reusesPorts(state: ConnectionState, direction: FlowDirection, sequence: number): boolean {
  const flow = state.flows[direction];
  return flow.sequenceKnown && (flow.baseSequence !== sequence || state.finOrResetSeen);
}

/**
 * Slots of the recent-connection cache: IPv4 segments find their connection there by two numbers, without
 * building the string key of the connection map (three strings and a string hash per packet were most of the
 * cost of a packet of traffic that is not FTP).
 */
const RECENT_SLOT_BITS = 13;
const RECENT_SLOTS = 1 << RECENT_SLOT_BITS;

/** The cache slot of an IPv4 connection, from its lower and higher endpoint numbers (below 2^48). */
function recentSlot(low: number, high: number): number {
  const mixed =
    (low | 0) ^
    Math.imul(high | 0, 0x9e3779b1) ^
    ((low / 0x1_0000_0000) | 0) ^
    (((high / 0x1_0000_0000) | 0) << 16);
  return Math.imul(mixed, 0x85ebca6b) >>> (32 - RECENT_SLOT_BITS); // the product's top bits mix best
}

/** Creates a TCP reassembler that reports through `callbacks`. */
export function createTcpReassembler(
  callbacks: ReassemblyCallbacks,
  options: ReassemblyOptions = {},
): TcpReassembler {
  return new Reassembler(callbacks, {
    maxBufferedBytes: options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES,
    maxHeldSegments: options.maxHeldSegments ?? DEFAULT_MAX_HELD_SEGMENTS,
    maxTotalBufferedBytes: options.maxTotalBufferedBytes ?? DEFAULT_MAX_TOTAL_BUFFERED_BYTES,
    maxTotalHeldSegments: options.maxTotalHeldSegments ?? DEFAULT_MAX_TOTAL_HELD_SEGMENTS,
    maxHalfOpenConnections: options.maxHalfOpenConnections ?? DEFAULT_MAX_HALF_OPEN_CONNECTIONS,
    maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    maxLingeringConnections: options.maxLingeringConnections ?? DEFAULT_MAX_LINGERING_CONNECTIONS,
  });
}

class Reassembler implements TcpReassembler {
  private readonly callbacks: ReassemblyCallbacks;
  private readonly limits: Required<ReassemblyOptions>;
  private readonly connections = new Map<string, ConnectionState>();
  /** IPv4 connections of the map by `recentSlot`, the latest looked up per slot (see RECENT_SLOTS). */
  private readonly recent: Array<ConnectionState | undefined> = new Array(RECENT_SLOTS).fill(undefined);
  /** Each connection's state, for `ignorePayload` (weak: a forgotten connection's state goes with it). */
  private readonly states = new WeakMap<TcpConnection, ConnectionState>();
  /** Closed connections in order of closing, forgotten after the linger time. */
  private readonly closedQueue = new StateQueue();
  /** Open connections, least recently active first. */
  private readonly activity = new ActivityList();
  /** Connections in order of opening while they are half-open. */
  private readonly halfOpenQueue = new StateQueue();
  private openCount = 0;
  private halfOpenCount = 0;
  private lingeringCount = 0;
  private heldSegments = 0;
  private heldBytes = 0;
  /** Shared by every flow's heap: the comparisons they made. */
  private readonly heapWork = { comparisons: 0 };
  private readonly dropped: Record<DroppedState, number> = {
    "half-open-connection": 0,
    connection: 0,
    "lingering-connection": 0,
    "pending-data-connection": 0,
  };
  private count = 0;
  /** The most recent packet, used to timestamp bytes delivered by `finish()`. */
  private lastPacket: CapturedPacket | undefined;

  constructor(callbacks: ReassemblyCallbacks, limits: Required<ReassemblyOptions>) {
    this.callbacks = callbacks;
    this.limits = limits;
  }

  get connectionCount(): number {
    return this.count;
  }

  stats(): ReassemblyStats {
    return {
      openConnections: this.openCount,
      halfOpenConnections: this.halfOpenCount,
      lingeringConnections: this.lingeringCount,
      heldSegments: this.heldSegments,
      heldBytes: this.heldBytes,
      heldComparisons: this.heapWork.comparisons,
      dropped: { ...this.dropped },
    };
  }

  segment(segment: TcpSegment, packet: CapturedPacket): void {
    this.lastPacket = packet;
    this.forgetOldConnections(packet);
    // A segment decoded in place carries its endpoint numbers: no address views to make.
    const inPlace = segment instanceof FrameSegment;
    const source = inPlace ? segment.sourceNumber : endpointNumber(segment.sourceAddress, segment.sourcePort);
    const destination = inPlace
      ? segment.destinationNumber
      : endpointNumber(segment.destinationAddress, segment.destinationPort);
    const state = this.stateOf(segment, source, destination, packet);
    const direction = this.directionOf(state, source, segment);
    const flow = state.flows[direction];
    const connection = state.connection;
    if (connection.closed === undefined) this.activity.touch(state);
    if (!state.answered && !flow.sequenceKnown && state.flows[direction === 0 ? 1 : 0].sequenceKnown) {
      state.answered = true;
      if (connection.closed === undefined) this.halfOpenCount--;
    }
    const flags = segment.flags;
    if ((flags & (TCP_FIN | TCP_RST)) !== 0) state.finOrResetSeen = true;
    if (!flow.sequenceKnown) this.startFlow(state, direction, segment, packet);
    if (state.payloadIgnored) this.ignoredSegment(state, direction, flags, packet);
    // Data in a SYN (TCP Fast Open) follows the SYN's sequence number.
    else this.readSegment(state, direction, segment, (flags & TCP_SYN) !== 0 ? 1 : 0, packet);
  }

  /**
   * The segment's connection: found by its endpoint numbers (IPv4, the recent-connection cache) or its key, or
   * opened (a new 4-tuple, or a SYN that reuses one: see `reusesPorts`).
   */
  private stateOf(
    segment: TcpSegment,
    source: number,
    destination: number,
    packet: CapturedPacket,
  ): ConnectionState {
    const low = source < destination ? source : destination;
    const high = source < destination ? destination : source;
    // IPv4: the recent-connection cache first (it holds only states the map holds under their key).
    const slot = source >= 0 ? recentSlot(low, high) : -1;
    let state = slot < 0 ? undefined : this.recent[slot];
    if (state !== undefined && (state.lowNumber !== low || state.highNumber !== high)) state = undefined;
    let key: string | undefined;
    if (state === undefined) {
      key = connectionKey(
        endpointKey(segment.sourceAddress, segment.sourcePort),
        endpointKey(segment.destinationAddress, segment.destinationPort),
      );
      state = this.connections.get(key);
      if (state !== undefined && slot >= 0) this.recent[slot] = state;
    }
    if (
      state !== undefined &&
      (segment.flags & (TCP_SYN | TCP_ACK)) === TCP_SYN &&
      reusesPorts(state, this.directionOf(state, source, segment), segment.sequence)
    ) {
      if (state.connection.closed === undefined) this.closeReused(state, packet);
      state = undefined;
    }
    if (state !== undefined) return state;
    key ??= connectionKey(
      endpointKey(segment.sourceAddress, segment.sourcePort),
      endpointKey(segment.destinationAddress, segment.destinationPort),
    );
    return this.open(key, segment, packet);
  }

  /** The first segment of a direction sets its first sequence number (a SYN's, or one before its first byte). */
  private startFlow(
    state: ConnectionState,
    direction: FlowDirection,
    segment: TcpSegment,
    packet: CapturedPacket,
  ): void {
    const flow = state.flows[direction];
    const sequence = segment.sequence;
    flow.sequenceKnown = true;
    if ((segment.flags & TCP_SYN) !== 0) {
      flow.nextSequence = (sequence + 1) >>> 0;
      flow.baseSequence = sequence;
      return;
    }
    flow.nextSequence = sequence;
    flow.baseSequence = (sequence - 1) >>> 0;
    if (segment.payload.length > 0 || (segment.flags & TCP_FIN) !== 0) {
      this.diagnostic(
        "missing-handshake",
        `stream ${state.connection.index}: ${direction === 0 ? "client" : "server"} bytes start without a SYN`,
        packet,
        state.connection,
        direction,
        flow.delivered,
      );
    }
  }

  /**
   * A segment of a connection whose bytes are read: delivered if it comes next, held if it comes early; its FIN
   * and RST. `synOffset` is 1 when it carries a SYN (its bytes start one sequence number later).
   */
  private readSegment(
    state: ConnectionState,
    direction: FlowDirection,
    segment: TcpSegment,
    synOffset: number,
    packet: CapturedPacket,
  ): void {
    const flow = state.flows[direction];
    const connection = state.connection;
    const flags = segment.flags;
    // The peer acknowledged bytes beyond a hole in the other direction: it has them, so they will never be
    // sent again and the capture simply missed them (RFC 9293 §3.4: ACK covers every byte before it). Done
    // before this segment's own bytes, which the peer sent after receiving those.
    if ((flags & TCP_ACK) !== 0) {
      const reverse = state.flows[direction === 0 ? 1 : 0];
      if (heldCount(reverse) > 0 && ((segment.acknowledgment - reverse.nextSequence) | 0) > 0) {
        this.skipAcknowledgedHoles(state, direction === 0 ? 1 : 0, segment.acknowledgment, packet);
      }
    }
    const payload = segment.payload;
    const length = payload.length;
    const relative = (((segment.sequence + synOffset) >>> 0) - flow.nextSequence) | 0;
    /** Sequence-space position of the segment's first byte (taken before delivery moves `flow.position`). */
    const start = flow.position + relative;
    if (segment.missingPayload > 0) this.reportSnapped(state, direction, segment.missingPayload, packet);
    if (length > 0) {
      if (relative <= 0) {
        if (relative + length > 0) {
          this.deliver(state, direction, relative === 0 ? payload : payload.subarray(-relative), packet);
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

  private reportSnapped(
    state: ConnectionState,
    direction: FlowDirection,
    missingPayload: number,
    packet: CapturedPacket,
  ): void {
    this.diagnostic(
      "snapped-packet",
      `stream ${state.connection.index}: ${missingPayload} payload bytes cut by the snapshot length`,
      packet,
      state.connection,
      direction,
      state.flows[direction].delivered,
    );
  }

  ignorePayload(connection: TcpConnection): void {
    const state = this.states.get(connection);
    if (state === undefined || state.payloadIgnored) return;
    state.payloadIgnored = true;
    for (const flow of state.flows) {
      this.dropHeld(flow);
      if (flow.finPosition >= 0) flow.finished = true;
    }
  }

  /** A segment of a connection whose payload is ignored: only its FIN and RST count (closing). */
  private ignoredSegment(
    state: ConnectionState,
    direction: FlowDirection,
    flags: number,
    packet: CapturedPacket,
  ): void {
    if (state.connection.closed !== undefined) return;
    if ((flags & TCP_RST) !== 0) {
      this.close(state, "rst", packet.seconds);
      return;
    }
    const flow = state.flows[direction];
    if ((flags & TCP_FIN) !== 0 && flow.finPosition < 0) {
      // Its bytes are not followed: the FIN ends the direction where it stands (seen, for `closeReused`).
      flow.finPosition = flow.position;
      flow.finished = true;
    }
    if (state.flows[0].finished && state.flows[1].finished) this.close(state, "fin", packet.seconds);
  }

  /** Lets a flow's held segments go unreported (its connection's payload is ignored), keeping the totals. */
  private dropHeld(flow: Flow): void {
    const held = flow.held;
    if (held === undefined) return;
    this.heldSegments -= held.size;
    this.heldBytes -= flow.heldBytes;
    flow.heldBytes = 0;
    held.clear();
  }

  /** 0 when the segment comes from the connection's client; by endpoint number (IPv4) or address and port. */
  private directionOf(state: ConnectionState, source: number, segment: TcpSegment): FlowDirection {
    if (source >= 0) return state.clientNumber === source ? 0 : 1;
    const client = state.connection.client;
    const address = segment.sourceAddress;
    return segment.sourcePort === client.port &&
      address.length === client.address.length &&
      sameBytes(address, 0, client.address, 0, address.length)
      ? 0
      : 1;
  }

  /** Keeps the recent-connection cache a subset of the map: a state leaving the map leaves its slot. */
  private unmap(state: ConnectionState): void {
    if (this.connections.get(state.key) !== state) return;
    this.connections.delete(state.key);
    if (state.lowNumber >= 0) {
      const slot = recentSlot(state.lowNumber, state.highNumber);
      if (this.recent[slot] === state) this.recent[slot] = undefined;
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
    this.recent.fill(undefined);
    this.openCount = 0;
    this.halfOpenCount = 0;
    this.lingeringCount = 0;
  }

  private open(key: string, segment: TcpSegment, packet: CapturedPacket): ConnectionState {
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
    const sourceNumber = endpointNumber(segment.sourceAddress, segment.sourcePort);
    const destinationNumber = endpointNumber(segment.destinationAddress, segment.destinationPort);
    const state: ConnectionState = {
      connection,
      key,
      clientNumber: sourceIsServer ? destinationNumber : sourceNumber,
      lowNumber: sourceNumber < destinationNumber ? sourceNumber : destinationNumber,
      highNumber: sourceNumber < destinationNumber ? destinationNumber : sourceNumber,
      flows: [new Flow(), new Flow()],
      closedAt: 0,
      finOrResetSeen: false,
      answered: false,
      older: undefined,
      newer: undefined,
      evicted: false,
      payloadIgnored: false,
    };
    this.states.set(connection, state);
    const previous = this.connections.get(key);
    // Port reuse: the closed connection it replaces stops lingering now.
    if (previous !== undefined && previous.connection.closed !== undefined) this.forget(previous);
    this.connections.set(key, state);
    if (sourceNumber >= 0) this.recent[recentSlot(state.lowNumber, state.highNumber)] = state;
    this.openCount++;
    this.halfOpenCount++;
    this.activity.append(state);
    this.halfOpenQueue.push(state);
    this.enforceConnectionCaps(packet);
    this.callbacks.onConnection?.(connection, packet);
    return state;
  }

  /**
   * A SYN started a new connection on the 4-tuple of one not yet closed (a FIN or the RST was not captured, or a
   * new SYN after a FIN one way only): the old one ends here, its held bytes delivered.
   */
  private closeReused(state: ConnectionState, packet: CapturedPacket): void {
    this.flushHeld(state, 0);
    this.flushHeld(state, 1);
    this.close(
      state,
      state.flows[0].finPosition >= 0 || state.flows[1].finPosition >= 0 ? "fin" : "rst",
      packet.seconds,
    );
  }

  /** Closes the oldest half-open connections, then the least recently active open ones, beyond the caps. */
  private enforceConnectionCaps(packet: CapturedPacket): void {
    const isHalfOpen = (s: ConnectionState): boolean =>
      !s.answered && !s.evicted && s.connection.closed === undefined;
    while (this.halfOpenCount > this.limits.maxHalfOpenConnections) {
      const oldest = this.halfOpenQueue.shift();
      if (oldest === undefined) break;
      if (isHalfOpen(oldest)) this.evict(oldest, "half-open-connection", packet);
    }
    this.halfOpenQueue.compact(this.halfOpenCount, isHalfOpen);
    while (this.openCount > this.limits.maxConnections) {
      const oldest = this.activity.oldest;
      if (oldest === undefined) break;
      this.evict(oldest, "connection", packet);
    }
  }

  /** Closes an open connection early for a cap: its held bytes are delivered, as at the end of the capture. */
  private evict(state: ConnectionState, what: DroppedState, packet: CapturedPacket): void {
    this.flushHeld(state, 0);
    this.flushHeld(state, 1);
    state.evicted = true;
    this.openCount--;
    this.activity.remove(state);
    if (!state.answered) this.halfOpenCount--;
    this.unmap(state);
    const why = (): string =>
      what === "half-open-connection"
        ? `more than ${this.limits.maxHalfOpenConnections} connections seen one way only (maxHalfOpenConnections)`
        : `more than ${this.limits.maxConnections} open connections (maxConnections)`;
    this.reportDrop(
      what,
      () => `stream ${state.connection.index} closed early and forgotten: ${why()}`,
      packet,
      state.connection,
    );
    this.callbacks.onClose?.(state.connection, "end");
  }

  /** A cap dropped state: counted always, reported on the 1st, 2nd, 4th … drop of its kind. */
  private reportDrop(
    what: DroppedState,
    message: () => string,
    packet: CapturedPacket,
    connection: TcpConnection,
  ): void {
    const dropped = ++this.dropped[what];
    if (!isReportedDrop(dropped)) return;
    this.callbacks.onDiagnostic?.({
      layer: "capture",
      type: "state-dropped",
      message: `${message()} (${dropped} ${what} states dropped so far)`,
      frame: packet.frame,
      fileOffset: packet.fileOffset,
      stream: connection.index,
      what,
      dropped,
    });
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
    if (held !== undefined) {
      for (let next = held.peek(); next !== undefined && next.position <= flow.position; next = held.peek()) {
        this.release(flow);
        const skip = flow.position - next.position;
        if (skip < next.bytes.length) this.deliver(state, direction, next.bytes.subarray(skip), packet);
        else state.connection.retransmissions[direction]++;
      }
    }
    this.checkFinished(state, direction);
  }

  /** Takes the first held segment of a flow out of the hold, keeping the totals. */
  private release(flow: Flow): void {
    const segment = flow.held!.pop()!;
    flow.heldBytes -= segment.bytes.length;
    this.heldSegments--;
    this.heldBytes -= segment.bytes.length;
  }

  private hold(
    state: ConnectionState,
    direction: FlowDirection,
    position: number,
    payload: Uint8Array,
    packet: CapturedPacket,
  ): void {
    const flow = state.flows[direction];
    flow.held ??= new SegmentHeap(this.heapWork);
    const held = flow.held;
    const previous = held.at(position);
    if (previous !== undefined && previous.bytes.length >= payload.length) {
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
    held.push(position, payload.slice());
    flow.heldBytes += payload.length;
    this.heldSegments++;
    this.heldBytes += payload.length;
    const { maxBufferedBytes, maxHeldSegments } = this.limits;
    if (flow.heldBytes > maxBufferedBytes || held.size > maxHeldSegments) {
      const what =
        flow.heldBytes > maxBufferedBytes
          ? `more than ${maxBufferedBytes} out-of-order bytes (maxBufferedBytes)`
          : `more than ${maxHeldSegments} out-of-order segments (maxHeldSegments)`;
      this.diagnostic(
        "buffer-overflow",
        `stream ${state.connection.index}: ${what} wait behind a hole`,
        packet,
        state.connection,
        direction,
        flow.delivered,
      );
      this.skipHole(state, direction);
      this.drain(state, direction, packet);
    }
    const { maxTotalBufferedBytes, maxTotalHeldSegments } = this.limits;
    if (this.heldBytes > maxTotalBufferedBytes || this.heldSegments > maxTotalHeldSegments) {
      this.diagnostic(
        "buffer-overflow",
        `stream ${state.connection.index}: more than ${maxTotalBufferedBytes} bytes or ${maxTotalHeldSegments} segments out of order in all connections (maxTotalBufferedBytes, maxTotalHeldSegments): this direction skips its holes`,
        packet,
        state.connection,
        direction,
        flow.delivered,
      );
      // The whole hold of this direction goes, so the totals are back under the caps after every segment.
      while (heldCount(flow) > 0) {
        this.skipHole(state, direction);
        this.drain(state, direction, packet);
      }
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
    while (heldCount(flow) > 0 && ((acknowledged - flow.nextSequence) | 0) > 0) {
      const first = flow.held!.peek()!;
      // Only a hole that lies wholly before the acknowledged byte is known to be lost from the capture.
      if (((acknowledged - flow.nextSequence) | 0) < first.position - flow.position) break;
      this.skipHole(state, direction);
      this.drain(state, direction, packet);
    }
  }

  /** Reports the hole before the first held segment and moves the stream past it. */
  private skipHole(state: ConnectionState, direction: FlowDirection): void {
    const flow = state.flows[direction];
    const first = flow.held?.peek();
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
    while (heldCount(flow) > 0) {
      this.skipHole(state, direction);
      const first = flow.held!.peek()!;
      this.release(flow);
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
    this.openCount--;
    this.activity.remove(state);
    if (!state.answered) this.halfOpenCount--;
    this.closedQueue.push(state);
    this.lingeringCount++;
    this.callbacks.onClose?.(state.connection, how);
  }

  /** A lingering closed connection is forgotten (its time is up, a cap, or its 4-tuple was reused). */
  private forget(state: ConnectionState): void {
    if (state.evicted) return;
    state.evicted = true;
    this.lingeringCount--;
    this.unmap(state);
  }

  /** Forgets connections closed long ago (in capture time), so that memory stays bounded on long captures. */
  private forgetOldConnections(packet: CapturedPacket): void {
    const now = packet.seconds;
    for (;;) {
      const oldest = this.closedQueue.peek();
      if (oldest === undefined) break;
      if (oldest.evicted) {
        this.closedQueue.shift(); // forgotten already (its 4-tuple was reused)
        continue;
      }
      const expired = now - oldest.closedAt >= CLOSED_CONNECTION_LINGER_SECONDS;
      const overCap = this.lingeringCount > this.limits.maxLingeringConnections;
      if (!expired && !overCap) break;
      this.closedQueue.shift();
      this.forget(oldest);
      if (!expired) {
        this.reportDrop(
          "lingering-connection",
          () =>
            `closed stream ${oldest.connection.index} forgotten before its linger time: more than ${this.limits.maxLingeringConnections} closed connections (maxLingeringConnections)`,
          packet,
          oldest.connection,
        );
      }
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
      layer: "capture",
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

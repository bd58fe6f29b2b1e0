/**
 * What every transcript reader produces: the protocol lines each side sent, in the order the log shows them,
 * with the line number of the log they came from and a timestamp when the log has one.
 */
import type { ConnectionInfo, TransferRecord } from "../../records.js";

export type TranscriptDirection = "client" | "server";

/** One protocol line of a transcript, without its line terminator. */
export interface TranscriptEvent {
  readonly direction: TranscriptDirection;
  /** The line's bytes as logged, or text when the log escapes it (ftplib's `repr`, rsyslog's `#012`). */
  readonly line: Uint8Array | string;
  /**
   * Seconds since the Unix epoch; a yearless date (syslog's `Nov 24 11:51:39`) takes its year from the reader's
   * context. Since midnight only where the log has a time of day and no date at all (curl --trace-time).
   */
  readonly ts?: number | undefined;
  /** 1-based line number in the log. */
  readonly lineNumber: number;
  /**
   * The session the line belongs to, as the log names it (vsftpd's `pid 6508`), for logs that interleave
   * sessions. Lines without one belong to the log's one current session.
   */
  readonly session?: string | undefined;
}

/** Where a session starts or ends: the log line, its time, and the session's key (see `TranscriptEvent`). */
export interface SessionBoundary {
  readonly lineNumber: number;
  readonly ts?: number | undefined;
  readonly session?: string | undefined;
}

/**
 * What a reader could not use, as a stable string. Never fatal: the reader goes on with the next line.
 *
 * - `unknown-line`  a line the format does not explain (program output mixed in, a garbled line).
 * - `line-too-long` a log line longer than the limit; its first bytes are read, the rest skipped.
 * - `truncated`     the log ends in the middle of something (a line without its terminator, a wrapped line).
 * - `no-reply`      a server log line that names a command but no reply (ProFTPD's `-` code).
 */
export type TranscriptDiagnosticType = "unknown-line" | "line-too-long" | "truncated" | "no-reply";

export interface TranscriptDiagnostic {
  readonly type: TranscriptDiagnosticType;
  readonly message: string;
  /** 1-based line number in the log. */
  readonly lineNumber: number;
  /** Up to 80 characters of the line. */
  readonly excerpt: string;
}

/** Where a reader sends what it reads. */
export interface TranscriptSink {
  event(event: TranscriptEvent): void;
  diagnostic(diagnostic: TranscriptDiagnostic): void;
  /**
   * A new control connection starts here, with what the log says of its endpoints. A live session of the same
   * key ends here.
   */
  connection(info: ConnectionInfo, boundary: SessionBoundary): void;
  /** The session of this key ends here (a close line, the reply to QUIT). */
  close(boundary: SessionBoundary): void;
  /** A transfer a transfer log recorded (no dialogue), in the session of `boundary.session`. */
  transfer(record: TransferRecord, boundary: SessionBoundary, info: ConnectionInfo): void;
}

/** What a reader may need beyond its lines. */
export interface TranscriptReaderContext {
  /** The year of dates written without one (syslog's traditional format). */
  yearOf(month: number): number;
  /** Keep what a log holds of passwords (the e-mail address of an anonymous login in xferlog). */
  recordPasswords?: boolean | "guest" | undefined;
  /**
   * The server's own format of its log lines, where the format is configurable (ProFTPD's `LogFormat`); several
   * are tried in order, line by line.
   */
  logFormat?: string | readonly string[] | undefined;
}

/** A reader for one format: fed one log line at a time (bytes, terminator removed). */
export interface TranscriptReader {
  line(bytes: Uint8Array, lineNumber: number): void;
  /** The log ended; `lastLineNumber` is the number of the last line read (0 for an empty log). */
  end(lastLineNumber: number): void;
}

export type TranscriptFormatName =
  | "raw"
  | "dialogue"
  | "curl-verbose"
  | "curl-trace-ascii"
  | "ftplib"
  | "lftp"
  | "vsftpd"
  | "proftpd"
  | "proftpd-trace"
  | "ftp-srv"
  | "xferlog"
  | "pure-ftpd";

export interface TranscriptFormat {
  readonly name: TranscriptFormatName;
  /** One line for `--help`. */
  readonly description: string;
  /** Whether the log shows the server's greeting (ProFTPD's ExtendedLog logs commands only). */
  readonly hasGreeting: boolean;
  /**
   * How sure this format is that `lines` (the first lines of a log, decoded) are its own: the number of lines
   * it recognises. Auto-detection takes the highest.
   */
  detect(lines: readonly string[], context?: Pick<TranscriptReaderContext, "logFormat">): number;
  createReader(sink: TranscriptSink, context: TranscriptReaderContext): TranscriptReader;
}

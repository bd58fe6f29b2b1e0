/**
 * The dialogue's protocol policy, as named tables in one place: which replies each command may get (RFC 959 §5.4
 * and the extension RFCs), and the groups of commands the rest of the library treats alike (transfers, commands
 * naming a path, data-channel commands …). Every rule carries the section it comes from; where real servers part
 * from the RFC, the quirk is written down with a transcript.
 *
 * Nothing here holds state: the session (session.ts), the CLI summary and the pcap analyser all read these tables.
 */

// ───────────────────────────── replies per command ─────────────────────────────

/** The replies a command may get: its 1xx preliminary codes and its final codes. */
export interface CommandReplies {
  readonly preliminary: readonly number[];
  readonly final: readonly number[];
}

const NONE: readonly number[] = [];

/** RETR (RFC 959 §5.4): "125, 150 (110)" then the transfer's outcome. */
const TRANSFER_IN: CommandReplies = {
  preliminary: [110, 125, 150],
  final: [226, 250, 425, 426, 451, 450, 550, 500, 501, 421, 530],
};

/** STOR and STOU (RFC 959 §5.4): as RETR, with the storage failures 551, 552, 532, 452, 553. */
const TRANSFER_OUT: CommandReplies = {
  preliminary: [110, 125, 150],
  final: [226, 250, 425, 426, 451, 551, 552, 532, 450, 452, 553, 500, 501, 421, 530],
};

/** LIST and NLST (RFC 959 §5.4): no restart marker, no 550 (the RFC lists 450 only). */
const LISTING: CommandReplies = {
  preliminary: [125, 150],
  final: [226, 250, 425, 426, 451, 450, 500, 501, 502, 421, 530],
};

/** CWD (RFC 959 §5.4). */
const CHANGE_DIRECTORY: CommandReplies = { preliminary: NONE, final: [250, 500, 501, 502, 421, 530, 550] };

/**
 * CDUP. RFC 959 §5.4 lists 200 as its success, but §4.1.1 says "The reply codes shall be identical to the reply
 * codes of CWD" (Appendix II repeats it), so 250 is valid too — and it is what most servers send:
 *
 * ```
 * C: CDUP
 * S: 250 Directory successfully changed.      (vsftpd 3.0)
 * C: CDUP
 * S: 250 CDUP command successful              (ProFTPD 1.3)
 * ```
 */
const CHANGE_TO_PARENT: CommandReplies = {
  preliminary: NONE,
  final: [200, ...CHANGE_DIRECTORY.final],
};

/** MKD (RFC 959 §5.4). */
const MAKE_DIRECTORY: CommandReplies = { preliminary: NONE, final: [257, 500, 501, 502, 421, 530, 550] };
/** RMD (RFC 959 §5.4). */
const REMOVE_DIRECTORY: CommandReplies = { preliminary: NONE, final: [250, 500, 501, 502, 421, 530, 550] };
/** PWD (RFC 959 §5.4: no 530 listed; the any-command rule below allows it). */
const PRINT_DIRECTORY: CommandReplies = { preliminary: NONE, final: [257, 500, 501, 502, 421, 550] };

/** The protected replies of RFC 2228 §4 (631 integrity, 632 confidentiality and integrity, 633 confidentiality). */
const PROTECTED_COMMAND: CommandReplies = {
  preliminary: NONE,
  final: [535, 533, 500, 501, 421, 631, 632, 633],
};

/**
 * The command–reply table: RFC 959 §5.4, with the additions of RFC 2228 (security), RFC 2389 (FEAT/OPTS),
 * RFC 2428 (EPRT/EPSV), RFC 2640 (LANG), RFC 3659 (SIZE/MDTM/MLST/MLSD/REST STREAM), RFC 7151 (HOST), RFC 1639
 * (LPRT/LPSV) and RFC 775 (the X… directory commands, answered like their RFC 959 forms). Order within a row
 * follows the RFC's listing (success, then failures); only membership matters. Checked row by row against
 * RFC 959 §5.4 and the extension RFCs for issue 19 (docs/dialogue.md lists what changed).
 */
export const COMMAND_REPLIES: Readonly<Record<string, CommandReplies>> = {
  // RFC 959 §5.4 — login; RFC 2228 adds 232 (logged in, authorized by the security data exchange) and 336
  // (user name okay, need password, with a challenge) to USER
  USER: { preliminary: NONE, final: [230, 530, 500, 501, 421, 331, 332, 232, 336] },
  PASS: { preliminary: NONE, final: [230, 202, 530, 500, 501, 503, 421, 332] },
  ACCT: { preliminary: NONE, final: [230, 202, 530, 500, 501, 503, 421] },
  CWD: CHANGE_DIRECTORY,
  CDUP: CHANGE_TO_PARENT,
  SMNT: { preliminary: NONE, final: [202, 250, 500, 501, 502, 421, 530, 550] },
  // RFC 959 §5.4 — logout
  REIN: { preliminary: [120], final: [220, 421, 500, 502] },
  QUIT: { preliminary: NONE, final: [221, 500] },
  // RFC 959 §5.4 — transfer parameters
  PORT: { preliminary: NONE, final: [200, 500, 501, 421, 530] },
  PASV: { preliminary: NONE, final: [227, 500, 501, 502, 421, 530] },
  MODE: { preliminary: NONE, final: [200, 500, 501, 504, 421, 530] },
  TYPE: { preliminary: NONE, final: [200, 500, 501, 504, 421, 530] },
  STRU: { preliminary: NONE, final: [200, 500, 501, 504, 421, 530] },
  // RFC 959 §5.4 — file action commands
  ALLO: { preliminary: NONE, final: [200, 202, 500, 501, 504, 421, 530] },
  REST: { preliminary: NONE, final: [500, 501, 502, 421, 530, 350] },
  STOR: TRANSFER_OUT,
  STOU: TRANSFER_OUT,
  RETR: TRANSFER_IN,
  LIST: LISTING,
  NLST: LISTING,
  APPE: {
    preliminary: [110, 125, 150],
    final: [226, 250, 425, 426, 451, 551, 552, 532, 450, 550, 452, 553, 500, 501, 502, 421, 530],
  },
  RNFR: { preliminary: NONE, final: [450, 550, 500, 501, 502, 421, 530, 350] },
  RNTO: { preliminary: NONE, final: [250, 532, 553, 500, 501, 502, 503, 421, 530] },
  DELE: { preliminary: NONE, final: [250, 450, 550, 500, 501, 502, 421, 530] },
  RMD: REMOVE_DIRECTORY,
  MKD: MAKE_DIRECTORY,
  PWD: PRINT_DIRECTORY,
  ABOR: { preliminary: NONE, final: [225, 226, 500, 501, 502, 421] },
  // RFC 959 §5.4 — informational commands
  SYST: { preliminary: NONE, final: [215, 500, 501, 502, 421] },
  STAT: { preliminary: NONE, final: [211, 212, 213, 450, 500, 501, 502, 421, 530] },
  HELP: { preliminary: NONE, final: [211, 214, 500, 501, 502, 421] },
  // RFC 959 §5.4 — miscellaneous commands
  // 214: `SITE HELP` is answered with a help text (ProFTPD: "214-The following SITE commands are recognized"),
  // as HELP is (RFC 959 §4.1.3 names SITE's services "HELP SITE"); Zeek's table lists it too.
  SITE: { preliminary: NONE, final: [200, 202, 214, 500, 501, 530] },
  NOOP: { preliminary: NONE, final: [200, 500, 421] },
  // RFC 775: the experimental directory commands, answered like the RFC 959 forms that replaced them
  XCWD: CHANGE_DIRECTORY,
  XCUP: CHANGE_TO_PARENT,
  XMKD: MAKE_DIRECTORY,
  XRMD: REMOVE_DIRECTORY,
  XPWD: PRINT_DIRECTORY,
  // RFC 2228 §4 (security extensions); the protected replies 631–633 answer MIC, CONF and ENC
  AUTH: { preliminary: NONE, final: [234, 334, 502, 504, 534, 431, 500, 501, 421] },
  ADAT: { preliminary: NONE, final: [235, 335, 503, 501, 535, 500, 421] },
  PROT: { preliminary: NONE, final: [200, 504, 536, 503, 534, 431, 500, 501, 421, 530] },
  PBSZ: { preliminary: NONE, final: [200, 503, 500, 501, 421, 530] },
  CCC: { preliminary: NONE, final: [200, 500, 533, 534, 501, 421] },
  MIC: PROTECTED_COMMAND,
  CONF: PROTECTED_COMMAND,
  ENC: PROTECTED_COMMAND,
  // RFC 2428 §2 (EPRT), §3 (EPSV). §4's `EPSV ALL` gets no code in the RFC; servers accept it with 200
  // (vsftpd "200 EPSV ALL ok.", ProFTPD "200 EPSV ALL command successful").
  EPRT: { preliminary: NONE, final: [200, 500, 501, 522, 421, 530] },
  EPSV: { preliminary: NONE, final: [229, 200, 500, 501, 502, 522, 421, 530] },
  // RFC 1639 §2 (LPRT), §3 (LPSV)
  LPRT: { preliminary: NONE, final: [200, 500, 501, 521, 421, 530] },
  LPSV: { preliminary: NONE, final: [228, 500, 501, 502, 421, 530] },
  // RFC 2389 §3 (FEAT), §4 (OPTS)
  FEAT: { preliminary: NONE, final: [211, 500, 502] },
  OPTS: { preliminary: NONE, final: [200, 451, 500, 501, 502] },
  // RFC 2640 §4.1
  LANG: { preliminary: NONE, final: [200, 500, 501, 502, 504] },
  // RFC 7151 §3.2 (HOST, the virtual host, before login): 220 as a greeting, possibly after 120; 503 when sent
  // after login, 504 for a host not served
  HOST: { preliminary: [120], final: [220, 421, 500, 501, 502, 503, 504, 530] },
  // RFC 3659 §3 (MDTM), §4 (SIZE), §7 (MLST, MLSD: a listing like LIST, with 501/550 for a bad path)
  MDTM: { preliminary: NONE, final: [213, 550, 500, 501, 502, 504, 421, 530] },
  SIZE: { preliminary: NONE, final: [213, 550, 500, 501, 502, 504, 421, 530] },
  MLST: { preliminary: NONE, final: [250, 501, 550, 500, 502, 421, 530] },
  MLSD: { preliminary: [125, 150], final: [226, 250, 425, 426, 451, 501, 550, 500, 502, 421, 530] },
};

/**
 * Replies any command may get whatever the table says: 421 (RFC 959 §5.4: "421 … may be sent in response to any
 * command"), 500/501/502 (command not recognised or not implemented, RFC 959 §4.2.1 — a server need not know
 * every command), and 530 (not logged in: servers refuse any command but a few before login, e.g. `OPTS UTF8 ON`
 * sent by clients before USER).
 */
export const ANY_COMMAND_REPLIES: ReadonlySet<number> = new Set([421, 500, 501, 502, 530]);

/**
 * The replies that may open a connection (RFC 959 §5.4, "Connection Establishment"): 220, or 120 then 220, or 421.
 */
export const GREETING_REPLIES: ReadonlySet<number> = new Set([120, 220, 421]);

/** The replies RFC 959 §5.4 (and the extension RFCs) allow for a command, or undefined for an unknown command. */
export function repliesForCommand(verb: string): CommandReplies | undefined {
  // Own keys only: a client's `constructor` or `toString` is no command of the table.
  return Object.hasOwn(COMMAND_REPLIES, verb) ? COMMAND_REPLIES[verb] : undefined;
}

/**
 * Whether a reply code is valid for a command per the table. Unknown commands accept any code; 421, 500, 501,
 * 502 and 530 are valid for every command. `REST STREAM` (RFC 3659 §5) is answered like REST.
 */
export function isValidReplyFor(verb: string, code: number): boolean {
  if (ANY_COMMAND_REPLIES.has(code)) return true;
  const table = repliesForCommand(verb);
  if (table === undefined) return true;
  return code < 200 ? table.preliminary.includes(code) : table.final.includes(code);
}

// ───────────────────────────── pairing ─────────────────────────────

/**
 * How a reply is paired when several commands wait (Zeek's `get_pending_cmd`, scripts/base/protocols/ftp/
 * utils-commands.zeek, with our own safeguards). Servers answer in order (RFC 959 §4.2), so the oldest waiting
 * command is the answer unless another waiting command fits the reply strictly better; the commands before the one
 * chosen were dropped by the server (ProFTPD ignores a line longer than its 512-byte buffer) and get no reply.
 *
 * - `expectedCode`: the code is one the §5.4 table (above) allows for the command — 421, 500, 501, 502 and 530 fit
 *   every command, so they never move the pairing off the oldest.
 * - `verbNamed`: the reply's first line names the verb, in capitals, as a word (`250 CWD command successful`).
 * - `argumentNamed`: the reply's first line holds the command's argument as a word (`550 a.txt: No such file`).
 *
 * Timing is a bound, not a score: a command sent after the reply came cannot be what it answers. (A bonus for the
 * command sent last would pair `CWD a`, `CWD b`, `250`, `250` crosswise.) Only the first `PAIRING_WINDOW` waiting
 * commands are scored, so pairing stays linear however deep a pipeline is; a command that already got a 1xx was
 * taken by the server and keeps its place.
 */
export const PAIRING_SCORES = { expectedCode: 100, verbNamed: 20, argumentNamed: 10 } as const;

/** Waiting commands scored for each reply (Zeek allows 20 pending commands before it gives up). */
export const PAIRING_WINDOW = 16;

/** Whether `needle` occurs in `text` with no letter or digit on either side. */
function containsWord(text: string, needle: string): boolean {
  if (needle === "") return false;
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) {
    const before = at === 0 ? "" : text[at - 1]!;
    const after = text[at + needle.length] ?? "";
    if (!/[A-Za-z0-9]/.test(before) && !/[A-Za-z0-9]/.test(after)) return true;
  }
  return false;
}

/** How well a reply (its code and first line) fits a waiting command, per `PAIRING_SCORES`. */
export function pairingScore(verb: string, arg: string, code: number, firstLine: string): number {
  let score = isValidReplyFor(verb, code) ? PAIRING_SCORES.expectedCode : 0;
  if (verb !== "" && containsWord(firstLine, verb)) score += PAIRING_SCORES.verbNamed;
  if (containsWord(firstLine, arg)) score += PAIRING_SCORES.argumentNamed;
  return score;
}

// ───────────────────────────── command groups ─────────────────────────────

/** Commands that move a file over the data connection (RFC 959 §4.1.3: RETR, STOR, STOU, APPE). */
export const FILE_TRANSFER_COMMANDS: ReadonlySet<string> = new Set(["RETR", "STOR", "STOU", "APPE"]);

/** Commands that send a directory listing over the data connection (RFC 959 §4.1.3 LIST, NLST; RFC 3659 §7 MLSD). */
export const LISTING_COMMANDS: ReadonlySet<string> = new Set(["LIST", "NLST", "MLSD"]);

/**
 * Commands that use the data connection: the file transfers and the listings. Such an exchange carries the data
 * channel in effect, and its 150/125 may announce a size (`150 … (N bytes)`).
 */
export const TRANSFER_COMMANDS: ReadonlySet<string> = new Set([
  ...FILE_TRANSFER_COMMANDS,
  ...LISTING_COMMANDS,
]);

/**
 * Commands whose argument names a file or directory, resolved against the working directory (RFC 959 §4.1.1 CWD,
 * §4.1.3 RETR … MKD; RFC 775 XCWD, XMKD, XRMD; RFC 3659 §3, §4, §7 MDTM, SIZE, MLST, MLSD). LIST and NLST are not
 * among them: their argument may be options (`LIST -la`) as much as a path.
 */
export const PATH_COMMANDS: ReadonlySet<string> = new Set([
  "APPE",
  "CWD",
  "XCWD",
  "DELE",
  "MKD",
  "XMKD",
  "RETR",
  "RMD",
  "XRMD",
  "RNFR",
  "RNTO",
  "STOR",
  "STOU",
  "SIZE",
  "MDTM",
  "MLST",
  "MLSD",
]);

/**
 * Commands that ask the server to listen (RFC 959 §4.1.2 PASV, RFC 2428 §3 EPSV, RFC 1639 §3 LPSV): their reply
 * (227, 229, 228) names the data endpoint.
 */
export const PASSIVE_COMMANDS: ReadonlySet<string> = new Set(["PASV", "EPSV", "LPSV"]);

/**
 * Commands that tell the server where the client listens (RFC 959 §4.1.2 PORT, RFC 2428 §2 EPRT, RFC 1639 §2
 * LPRT): their argument names the data endpoint.
 */
export const ACTIVE_COMMANDS: ReadonlySet<string> = new Set(["PORT", "EPRT", "LPRT"]);

/** Commands that set up the data connection: the passive and the active ones. */
export const DATA_CHANNEL_COMMANDS: ReadonlySet<string> = new Set([...PASSIVE_COMMANDS, ...ACTIVE_COMMANDS]);

/**
 * The experimental directory commands of RFC 775 and the RFC 959 commands that replaced them. RFC 1123 §4.1.3.1:
 * "All FTP implementations SHOULD recognize both forms of these commands"; the session learns the same from
 * either.
 */
export const RFC_775_COMMANDS: Readonly<Record<string, string>> = {
  XCWD: "CWD",
  XCUP: "CDUP",
  XMKD: "MKD",
  XRMD: "RMD",
  XPWD: "PWD",
};

/** User ids treated as anonymous, whose PASS (an e-mail address by convention) may be kept: Zeek's `FTP::guest_ids`. */
export const GUEST_USERS: ReadonlySet<string> = new Set(["anonymous", "ftp", "ftpuser", "guest"]);

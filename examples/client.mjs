#!/usr/bin/env node
/**
 * A small FTP client built on ftp-reply: it logs in (USER, PASS, and ACCT when the server answers 332), protects
 * the session with AUTH TLS when asked, lists the file's folder, downloads the file, resuming a partial local
 * copy with REST, and says goodbye.
 *
 *   node examples/client.mjs [--tls] [--account NAME] ftp://[user[:password]@]host[:port]/path/to/file [local-file]
 *
 * The listing goes to stdout, the dialogue to stderr, the file to `local-file` (default: its own name, here).
 * With --tls the server's certificate must be trusted (NODE_EXTRA_CA_CERTS=ca.pem for a private CA).
 * FTP_TIMEOUT_MS (default 30 000) bounds each wait for the server, except while data flows.
 *
 * What the library does here: the control channel pairs every command with its replies and fails loudly (never
 * out of step) on a stray reply, a broken stream or a timeout; the timeout is paused while data flows. Arguments
 * are encoded by `encodeCommand`, which refuses CR, LF and NUL: a URL path holding `%0D%0A` cannot smuggle a
 * second command (`…/x%0D%0ADELE%20file`). Passive mode tries EPSV and falls back to PASV for good, and connects
 * to the control connection's peer whatever address a 227 names (curl CVE-2020-8284, Python CVE-2021-4189).
 */
import { createWriteStream, existsSync, statSync } from "node:fs";
import { posix } from "node:path";
import { Writable } from "node:stream";
import { createPassiveMode, parseSize } from "ftp-reply";
import { connectControl, openDataConnection, runTransfer } from "ftp-reply/node";

/**
 * Throws unless the response has one of the codes.
 * @param {import("ftp-reply").ControlResponse} response
 * @param {number[]} codes
 */
function check(response, ...codes) {
  if (!codes.includes(response.code))
    throw new Error(`${response.command}: ${response.final.lines.join(" / ")}`);
  return response;
}

async function main() {
  const args = process.argv.slice(2);
  const option = (/** @type {string} */ name) =>
    args.includes(name) ? args.splice(args.indexOf(name), 2)[1] : undefined;
  const account = option("--account");
  const tls = args.includes("--tls");
  if (tls) args.splice(args.indexOf("--tls"), 1);
  const [address, output] = args;
  if (address === undefined || !address.startsWith("ftp://")) {
    console.error(
      "usage: node examples/client.mjs [--tls] [--account NAME] ftp://[user[:password]@]host[:port]/path [local-file]",
    );
    process.exit(2);
  }
  const url = new URL(address);
  const path = decodeURIComponent(url.pathname);
  const localFile = output ?? posix.basename(path);
  const user = url.username === "" ? "anonymous" : decodeURIComponent(url.username);
  const password = url.username === "" ? "anonymous@example.com" : decodeURIComponent(url.password);

  const control = await connectControl({
    // URL.hostname keeps the brackets of an IPv6 address; net.connect wants it bare.
    host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: url.port === "" ? 21 : Number(url.port),
    channel: {
      timeout: Number(process.env.FTP_TIMEOUT_MS ?? 30_000),
      // Until OPTS UTF8 ON: UTF-8 where it is valid, else Latin-1.
      encoding: "auto",
      onCommand: (line) => console.error(`> ${line}`),
      onReply: (reply) => console.error(reply.lines.map((line) => `< ${line}`).join("\n")),
    },
  });
  const { channel } = control;
  try {
    check(control.greeting, 220);
    if (tls) check(await control.upgradeToTls(), 234);
    let login = await channel.send("USER", user);
    if (login.code === 331) login = await channel.send("PASS", password);
    if (login.code === 332 && account === undefined)
      throw new Error("the server asks for an account: --account");
    if (login.code === 332) login = await channel.send("ACCT", account);
    check(login, 230, 202);
    if (tls) check(await channel.send("PBSZ", "0"), 200);
    if (tls) check(await channel.send("PROT", "P"), 200);
    await channel.send("OPTS", "UTF8 ON", { switchEncoding: "utf-8" });
    check(await channel.send("TYPE", "I"), 200);

    const passive = createPassiveMode({ controlHost: control.remoteAddress });
    /** @param {string} verb @param {string} arg @param {import("ftp-reply/node").TransferOptions} io */
    const transfer = async (verb, arg, io) => {
      const data = await openDataConnection(await passive.request(channel), { idleTimeout: 60_000 });
      const options = tls
        ? { ...io, tls: { control: /** @type {import("node:tls").TLSSocket} */ (control.socket) } }
        : io;
      return check(await runTransfer(channel, verb, arg, data, options), 226, 250);
    };
    const stdout = new Writable({ write: (chunk, _encoding, done) => process.stdout.write(chunk, done) });
    await transfer("LIST", posix.dirname(path), { sink: stdout });

    // Resume a partial download: REST with what we have, when the server's SIZE says there is more.
    const size = await channel.send("SIZE", path);
    const have = existsSync(localFile) ? statSync(localFile).size : 0;
    const total = size.code === 213 ? parseSize(size.final) : undefined;
    const done = have > 0 && have === total;
    const from = total !== undefined && have > 0 && have < total ? have : 0;
    if (from > 0) check(await channel.send("REST", String(from)), 350);
    if (!done) {
      await transfer("RETR", path, { sink: createWriteStream(localFile, { flags: from > 0 ? "a" : "w" }) });
    }
    check(await channel.send("QUIT"), 221);
    const note = done ? " (it was already complete)" : from > 0 ? ` (resumed at byte ${from})` : "";
    console.error(`saved ${path} to ${localFile}${note}`);
  } finally {
    control.close();
  }
}

main().catch((error) => {
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

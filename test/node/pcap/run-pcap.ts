import { runPcapCommand } from "../../../src/cli/pcap-command.js";

/** Runs `ftp-reply pcap` in-process with the given stdin chunks; its exit code and output. */
export async function run(args: string[], stdin: Uint8Array[] = []) {
  let stdout = "";
  let stderr = "";
  const code = await runPcapCommand(args, {
    stdout: { write: (text: string) => (stdout += text), isTTY: false },
    stderr: { write: (text: string) => (stderr += text) },
    env: { LANG: "en_US.UTF-8" },
    stdin: (async function* () {
      yield* stdin;
    })(),
  });
  return { code, stdout, stderr };
}

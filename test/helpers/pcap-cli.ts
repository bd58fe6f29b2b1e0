/** Runs `ftp-reply pcap` in-process with collected stdout/stderr (an English locale and no TTY unless given). */
import { runPcapCommand } from "../../src/cli/pcap-command.js";

export async function runPcap(
  args: string[],
  stdin: Uint8Array[] = [],
  env: Record<string, string> = { LANG: "en_US.UTF-8" },
  stderrTTY = false,
) {
  let stdout = "";
  let stderr = "";
  const code = await runPcapCommand(args, {
    stdout: { write: (text: string) => (stdout += text), isTTY: false },
    stderr: { write: (text: string) => (stderr += text), isTTY: stderrTTY },
    env,
    stdin: (async function* () {
      yield* stdin;
    })(),
  });
  return { code, stdout, stderr };
}

import { existsSync, readFileSync } from 'node:fs';

/**
 * The container's host PID, as its start script writes it (to `<file>.tmp`, then renamed: a reader never
 * sees the file created but not yet written). Resolves once the file holds one positive integer; undefined
 * if `exited()` turns true first (the script failed before writing it). Throws after `timeoutMs`, and on
 * anything but a PID — a PID of 0 would make every probe, exec and signal miss the container (signals
 * to PID 0 go to the harness's own process group).
 */
export async function readPidFile(file: string, exited: () => boolean, timeoutMs = 30000, everyMs = 20): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (existsSync(file)) {
      const text = readFileSync(file, 'utf8');
      if (!/^[1-9]\d*\n?$/.test(text)) throw new Error(`${file} holds ${JSON.stringify(text)}, not a PID`);
      return Number(text.trim());
    }
    if (exited()) return undefined;
    if (Date.now() >= deadline) throw new Error(`${file}: the container did not start within ${Math.round(timeoutMs / 1000)} s`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The start script's line that publishes its PID that way (bash; `/proc` is still the machine's). */
export function writePidLine(file: string, quote: (s: string) => string): string {
  return `read -r -a STAT < /proc/self/stat; echo "\${STAT[0]}" > ${quote(`${file}.tmp`)}; mv -f ${quote(`${file}.tmp`)} ${quote(file)}`;
}

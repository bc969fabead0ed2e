import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readPidFile, writePidLine } from '../stores/harness/pid-file';

/**
 * How the stores harness learns a container's host PID (test/stores/harness/pod.ts). CI once read the
 * file between its creation and its write, took PID 0, and every probe, exec and signal of that
 * ZooKeeper missed it: the startup probe "failed" against a healthy leader and SIGKILL went nowhere.
 */
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

describe('stores harness: the container PID file', () => {
  test('the start script publishes its PID whole: the file appears only with the number in it', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pidfile-')), 'c.pid');
    const pid = execFileSync('bash', ['-c', `${writePidLine(file, q)}; echo $$`], { encoding: 'utf8' }).trim();
    expect(readFileSync(file, 'utf8').trim()).toBe(pid);
    expect(existsSync(`${file}.tmp`)).toBe(false);
  });

  test('waits for a file that is not there yet and returns its PID', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pidfile-')), 'c.pid');
    setTimeout(() => writeFileSync(file, '4242\n'), 100);
    await expect(readPidFile(file, () => false, 5000)).resolves.toBe(4242);
  });

  test('the bad twin: a file caught empty (created, not yet written) is refused, never read as PID 0', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pidfile-')), 'c.pid');
    writeFileSync(file, '');
    expect(Number(readFileSync(file, 'utf8').trim())).toBe(0); // what the harness used to take
    await expect(readPidFile(file, () => false, 1000)).rejects.toThrow(/not a PID/);
    writeFileSync(file, '0\n');
    await expect(readPidFile(file, () => false, 1000)).rejects.toThrow(/not a PID/);
  });

  test('a script that dies before writing it gives no PID; one that never starts times out', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pidfile-')), 'c.pid');
    await expect(readPidFile(file, () => true, 1000)).resolves.toBeUndefined();
    await expect(readPidFile(file, () => false, 200)).rejects.toThrow(/did not start within/);
  });
});

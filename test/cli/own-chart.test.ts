// The README's construct-API example (examples/own-chart.ts), run as a user runs it: with tsx, in its own process.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { readTree } from '../../diff/sources';

const ROOT = resolve(__dirname, '../..');
const tmp = mkdtempSync(join(tmpdir(), 'own-chart-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the construct API, from the README', () => {
  test('the README example runs: the platform plus a chart of its own, through handles, gate and atomic write', () => {
    const example = readFileSync(join(ROOT, 'examples/own-chart.ts'), 'utf8');
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8'), 'README shows examples/own-chart.ts verbatim').toContain(example);
    const out = join(tmp, 'example-dist');
    const r = spawnSync(join(ROOT, 'node_modules/.bin/tsx'), ['examples/own-chart.ts', 'platform.yaml', out], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr + r.stdout).toBe('');
    expect(r.status).toBe(0);

    const got = readTree(out);
    const committed = readTree(join(ROOT, 'dist'));
    // Everything the example did not touch is exactly `npm run synth`'s output.
    const touched = ['prod/extra/on-call-notes.yaml', 'prod/kustomization.yaml', 'prod/services/cart-service.yaml'];
    for (const [file, text] of committed) if (!touched.includes(file)) expect(got.get(file), file).toBe(text);
    expect([...got.keys()].filter((f) => !committed.has(f))).toEqual(['prod/extra/on-call-notes.yaml']);
    expect(got.get('prod/extra/on-call-notes.yaml')).toContain('name: on-call-notes');
    expect(got.get('prod/kustomization.yaml')).toContain('- extra/on-call-notes.yaml');
    expect(got.get('prod/services/cart-service.yaml')).toContain('example.com/owner: team-cart');
  });
});

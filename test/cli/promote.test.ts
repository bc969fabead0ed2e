import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { promote, PromoteError, runPromote } from '../../cli/promote';
import { deleteIn, setIn } from '../../cli/spec-edit';
import { parseSpecText, SpecError } from '../../platform/loader';
import { resolvePlatform } from '../../platform/model';

const reference = readFileSync(join(__dirname, '..', '..', 'platform.yaml'), 'utf8');
const images = (text: string, service: string) =>
  Object.fromEntries(resolvePlatform(parseSpecText(text, 'p')).environments.map((e) => [e.name, e.serviceIndex.get(service)!.image]));
/** Lines of `b` not in `a` and of `a` not in `b` (a line diff good enough to show an edit is local). */
function changed(a: string, b: string): { removed: string[]; added: string[] } {
  const al = a.split('\n');
  const bl = b.split('\n');
  const count = (l: string[]) => l.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>());
  const ac = count(al);
  const bc = count(bl);
  return {
    removed: [...ac].flatMap(([x, n]) => Array(Math.max(0, n - (bc.get(x) ?? 0))).fill(x)).sort(),
    added: [...bc].flatMap(([x, n]) => Array(Math.max(0, n - (ac.get(x) ?? 0))).fill(x)).sort(),
  };
}

describe('npm run promote', () => {
  test('dev → staging adds exactly the staging image override; every other byte of platform.yaml stays', () => {
    expect(images(reference, 'product-service')).toEqual({
      dev: 'ghcr.io/example-shop/product-service:3.3.0',
      staging: 'ghcr.io/example-shop/product-service:3.2.0',
      prod: 'ghcr.io/example-shop/product-service:3.2.0',
    });
    const r = promote(reference, 'platform.yaml', 'product-service', 'dev', 'staging');
    expect(changed(reference, r.text)).toEqual({ removed: [], added: ['        image: ghcr.io/example-shop/product-service:3.3.0', '      staging:'] });
    expect(r.text).toContain('        env: { LOG_LEVEL: debug }\n      staging:\n        image: ghcr.io/example-shop/product-service:3.3.0\n');
    expect(images(r.text, 'product-service').staging).toBe('ghcr.io/example-shop/product-service:3.3.0');
    expect(r.changes).toEqual(['product-service: staging ghcr.io/example-shop/product-service:3.2.0 → ghcr.io/example-shop/product-service:3.3.0 (as in dev)']);
  });

  test('staging → prod, the last one: the image becomes the service image and the overrides go; comments and the dev env override stay', () => {
    const staged = promote(reference, 'p', 'product-service', 'dev', 'staging').text;
    const done = promote(staged, 'p', 'product-service', 'staging', 'prod');
    expect(changed(reference, done.text)).toEqual({
      removed: ['        image: ghcr.io/example-shop/product-service:3.3.0', '    image: ghcr.io/example-shop/product-service:3.2.0'],
      added: ['    image: ghcr.io/example-shop/product-service:3.3.0'],
    });
    expect(done.text).toContain('# A promotion in progress');
    expect(done.text).toContain('        env: { LOG_LEVEL: debug }');
    expect(Object.values(images(done.text, 'product-service'))).toEqual(Array(3).fill('ghcr.io/example-shop/product-service:3.3.0'));
    expect(done.changes[1]).toMatch(/every environment runs .*: it is now services\[product-service\]\.image/);
  });

  test('promoting back to the service image removes the override, and the maps it empties', () => {
    const text = reference.replace(
      '    environments:\n      # A promotion in progress: 3.3.0 runs in dev; `npm run promote -- product-service dev staging` next.\n      dev:\n        image: ghcr.io/example-shop/product-service:3.3.0\n        env: { LOG_LEVEL: debug }\n',
      '    environments:\n      dev:\n        image: ghcr.io/example-shop/product-service:3.3.0\n',
    );
    // dev back to what staging runs (a rollback): dev's only override goes, then the emptied `environments`.
    const r = promote(text, 'p', 'product-service', 'staging', 'dev');
    expect(changed(text, r.text)).toEqual({ removed: ['        image: ghcr.io/example-shop/product-service:3.3.0', '      dev:', '    environments:'], added: [] });
  });

  test('an environment that already runs the image: no change; the bad twins: unknown names, one environment twice, an invalid spec', () => {
    expect(promote(reference, 'p', 'auth-service', 'dev', 'prod')).toEqual({ changes: [], text: reference });
    expect(() => promote(reference, 'p', 'prodcut-service', 'dev', 'prod')).toThrow(new PromoteError("no service 'prodcut-service' in p; did you mean 'product-service'?"));
    expect(() => promote(reference, 'p', 'product-service', 'dev', 'prdo')).toThrow(/no environment 'prdo' in p; did you mean 'prod'\?/);
    expect(() => promote(reference, 'p', 'product-service', 'dev', 'dev')).toThrow(/got dev twice/);
    expect(() => promote(reference.replace('port: 8080', 'port: 0'), 'p', 'product-service', 'dev', 'prod')).toThrow(SpecError);
    // A blue-green service is released by its colours, not promoted: the message says how.
    expect(() => promote(reference, 'p', 'user-service', 'dev', 'prod')).toThrow(/user-service is released blue-green: set environments\.prod\.blueGreen\.<idle colour> .* then switch environments\.prod\.blueGreen\.active/);
  });

  test('the command: writes the file (atomically), --dry-run does not, exit codes 0 / 1 / 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'promote-'));
    const file = join(dir, 'platform.yaml');
    writeFileSync(file, reference);
    const out: string[] = [];
    const io = { out: (s: string) => out.push(s) > 0, err: (s: string) => out.push(s) > 0 };
    expect(runPromote(['product-service', 'dev', 'staging', '--spec', file, '--dry-run'], io)).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(reference);
    expect(runPromote(['product-service', 'dev', 'staging', '--spec', file], io)).toBe(0);
    expect(images(readFileSync(file, 'utf8'), 'product-service').staging).toMatch(/:3\.3\.0$/);
    expect(runPromote(['product-service', 'dev', 'nowhere', '--spec', file], io)).toBe(1);
    expect(runPromote(['product-service', 'dev'], io)).toBe(2);
    expect(out.join('')).toContain("no environment 'nowhere'");
  });
});

describe('text edits that keep the rest of the file', () => {
  const text = 'a:\n  # about b\n  b: { x: "1", y: 2 }   # trailing\n  c:\n    d: e\n  f: [1, 2]\n';
  test('set a scalar in place (its quoting kept), add to a flow map, add nested block maps', () => {
    expect(setIn(text, ['a', 'b', 'x'], '3')).toBe(text.replace('x: "1"', 'x: "3"'));
    expect(setIn(text, ['a', 'b', 'z'], 'w')).toBe(text.replace('{ x: "1"', '{ z: w, x: "1"'));
    expect(setIn(text, ['a', 'c', 'g', 'h'], 'i: j')).toBe(text.replace('    d: e\n', '    d: e\n    g:\n      h: "i: j"\n'));
  });
  test("the first key of a list item (on the `- ` line), a CRLF file, and an alias, which is refused rather than edited", () => {
    expect(deleteIn('s:\n  - env:\n      a: 1\n    name: x\n  - name: y\n', ['s', 0, 'env'])).toBe('s:\n  - name: x\n  - name: y\n');
    expect(setIn('a:\r\n  b: 1\r\n', ['a', 'c'], 'x')).toBe('a:\r\n  b: 1\r\n  c: x\r\n');
    expect(() => setIn('x: &i reg/a:1\ny: *i\n', ['y'], 'reg/a:2')).toThrow(/y is an alias \(\*i\): edit it by hand/);
  });

  test('delete a key with the comment above it; a flow entry; a map left empty goes up to the kept depth', () => {
    expect(deleteIn(text, ['a', 'b'])).toBe(text.replace('  # about b\n  b: { x: "1", y: 2 }   # trailing\n', ''));
    expect(deleteIn(text, ['a', 'b', 'x'])).toBe(text.replace('x: "1", ', ''));
    expect(deleteIn(text, ['a', 'b', 'y'])).toBe(text.replace(', y: 2', ''));
    expect(deleteIn(text, ['a', 'c', 'd'], 1)).toBe(text.replace('  c:\n    d: e\n', ''));
    expect(deleteIn(text, ['a', 'nothing'])).toBe(text);
  });
});

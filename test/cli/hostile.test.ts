// Hostile and broken input through the real `npm run synth` entry: one clear message, exit 1, bounded time and
// memory (the process runs with a 256 MB heap: blowing it would crash with another message), dist/ byte-identical.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { dump } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTree } from '../../diff/sources';
import { render } from '../helpers/render';
import { smallPlatform } from '../helpers/fixtures';

const ROOT = resolve(__dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'hostile-'));
const out = join(work, 'dist');
afterAll(() => rmSync(work, { recursive: true, force: true }));

function synth(spec: string) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--max-old-space-size=256', 'scripts/run.cjs', 'main.ts'], {
    cwd: ROOT,
    env: { ...process.env, PLATFORM_SPEC: spec, CDK8S_OUTDIR: out, PLATFORM_DOCS_OUT: '' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stderr: r.stderr, ms: Date.now() - t0 };
}
const file = (name: string, text: string | Buffer) => {
  const p = join(work, name);
  writeFileSync(p, text);
  return p;
};
let before: Map<string, string>;

beforeAll(() => {
  const good = file('good.yaml', dump(smallPlatform()));
  expect(synth(good).code).toBe(0);
  before = readTree(out);
});

describe('hostile and broken specs', () => {
  const lol = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]', ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`)].join('\n');
  const deepAliases = `name: x\n${Array.from({ length: 2000 }, (_, i) => `k${i}: &k${i} ${i === 0 ? '[1]' : `[*k${i - 1}]`}`).join('\n')}\n`;
  const cases: [string, () => string, RegExp][] = [
    ['an empty file', () => file('empty.yaml', ''), /\(root\): the file is empty/],
    ['a file that is not YAML', () => file('broken.yaml', 'name: [unclosed\n'), /YAML syntax error at line \d+, column \d+/],
    ['a billion-laughs document', () => file('bomb.yaml', `${lol}\n`), /the YAML aliases \(\*name\) expand to too much .* "billion laughs"/],
    ['a deep alias chain', () => file('chain.yaml', deepAliases), /the YAML aliases \(\*name\) expand to too much/],
    ['a 50 MB spec', () => file('big.yaml', Buffer.alloc(50 * 1024 * 1024, '# padding of a far too large spec\n')), /is 50\.0 MB; a platform spec is at most 5 MB/],
    ['a path that does not exist', () => join(work, 'nope.yaml'), /nope\.yaml: 1 problem in the platform spec:\n {2}- no such file/],
    ['a directory', () => (mkdirSync(join(work, 'a-dir'), { recursive: true }), join(work, 'a-dir')), /is a directory, not a spec file/],
    ['binary garbage', () => file('garbage.yaml', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256))), /problem|YAML/],
  ];
  it.each(cases)('%s: one clear message, exit 1, bounded, dist/ untouched', (_, make, message) => {
    const r = synth(make());
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(r.stderr.trimEnd().endsWith('was left as it was.')).toBe(true);
    expect(r.ms).toBeLessThan(20_000);
    expect(readTree(out)).toEqual(before);
  });
});

describe('values that reach names, labels and scripts', () => {
  const nasty = 'a\nb $(HOME) ${X} `id`; rm -rf / | tee x && \u0007 "q" \'s\' \\';
  it('free text is data only: env values round-trip through the ConfigMap, and appear in no script or name', () => {
    const s: any = smallPlatform();
    s.services[0].env = { NOTE: nasty };
    s.services[0].annotations = { 'example.com/note': nasty };
    const r = render(s);
    const cm = r.get('ConfigMap', 'api-config', { env: 'prod' }) as any;
    expect(cm.data.NOTE).toBe(nasty);
    // Only the ConfigMap's value and the annotations carry it: never a script, a command, a label or a name.
    const where = r.objects.flatMap((o) => {
      const hits: string[] = [];
      const walk = (v: unknown, path: string) => {
        if (typeof v === 'string' && v.includes('rm -rf /')) hits.push(`${o.kind}/${o.metadata.name}${path}`);
        else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
      };
      walk(o, '');
      return hits;
    });
    expect(where.every((w) => /\.data\.NOTE$|\.metadata\.annotations\.example\.com\/note$/.test(w)), where.join('\n')).toBe(true);
  });

  it('names and what reaches scripts are restricted by the schema: metacharacters in a name, a topic or a cron job name are refused', () => {
    for (const [mutate, message] of [
      [(x: any) => (x.services[0].name = 'api;rm'), /services\[0\]\.name/],
      [(x: any) => (x.services[1].produces = ['jobs$(id)']), /must be a Kafka topic name/],
      [(x: any) => (x.services[0].cronJobs = [{ name: 'a b', schedule: '0 1 * * *', command: ['/x'] }]), /cronJobs\[0\]\.name/],
      [(x: any) => (x.services[0].route = { path: '/api\n' }), /route\.path/],
    ] as [(x: any) => void, RegExp][]) {
      const s: any = smallPlatform();
      mutate(s);
      expect(() => render(s)).toThrow(message);
    }
  });

  it('names that collide once composed are refused in the spec: two CronJobs named api-nightly-job', () => {
    const s: any = smallPlatform();
    s.services.push({ name: 'api-nightly', runtime: 'go', image: 'registry.test/acme/x:1.0.0', port: 8080, cronJobs: [{ name: 'job', schedule: '0 1 * * *', command: ['/x'] }] });
    s.services[0].cronJobs = [{ name: 'nightly-job', schedule: '0 1 * * *', command: ['/x'] }];
    expect(() => render(s)).toThrow("the CronJob 'api-nightly-job' would clash with the CronJob of services[api] of that name");
  });

  it('a service depending on itself is refused; a cycle between services is allowed (calls both ways), and each admits the other', () => {
    const self: any = smallPlatform();
    self.services[0].dependsOn.push('api');
    expect(() => render(self)).toThrow("'api' cannot depend on itself");
    const cycle: any = smallPlatform();
    cycle.services[1].dependsOn.push('api'); // api → worker → api
    const r = render(cycle);
    const peers = (name: string) => (r.get('NetworkPolicy', name, { env: 'prod' }).spec as any).ingress.flatMap((i: any) => i.from.map((f: any) => f.podSelector?.matchLabels?.['app.kubernetes.io/name']));
    expect(peers('api')).toContain('worker');
    expect(peers('worker')).toContain('api');
  });
});

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { dump } from 'js-yaml';
import { synth } from '../../cli/synth';
import { smallPlatform } from '../helpers/fixtures';
import { BAD_SPECS } from '../helpers/bad-specs';

const work = mkdtempSync(join(tmpdir(), 'synth-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(dir, p)] = readFileSync(p, 'utf8');
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

const quiet = <T>(f: () => T): T => {
  const log = console.log;
  const error = console.error;
  console.log = console.error = () => {};
  try {
    return f();
  } finally {
    console.log = log;
    console.error = error;
  }
};

const specFile = join(work, 'platform.yaml');
writeFileSync(specFile, dump(smallPlatform()));

/** Synth of a broken variant of the fixture into `out`: exit code and what went to stderr. */
function synthBroken(name: string, out: string, mutate: (spec: any) => void): { code: number; errors: string[] } {
  const spec: any = smallPlatform();
  mutate(spec);
  const file = join(work, `${name}.yaml`);
  writeFileSync(file, dump(spec));
  const errors: string[] = [];
  const error = console.error;
  console.error = (m: string) => errors.push(m);
  try {
    return { code: synth({ spec: file, outdir: out }), errors };
  } finally {
    console.error = error;
  }
}

describe('synth', () => {
  test('output is byte-identical across runs, in stable per-chart files without numeric prefixes', () => {
    const a = join(work, 'a');
    const b = join(work, 'b');
    expect(quiet(() => synth({ spec: specFile, outdir: a }))).toBe(0);
    expect(quiet(() => synth({ spec: specFile, outdir: b }))).toBe(0);
    const ta = tree(a);
    expect(ta).toEqual(tree(b));
    expect(Object.keys(ta)).toContain('prod/services/api.yaml');
    expect(Object.keys(ta)).toContain('dev/base/environment.yaml');
    for (const f of Object.keys(ta)) expect(f).not.toMatch(/(^|\/)\d+[-.]/);
  });

  test('a synth removes files that no longer belong', () => {
    const out = join(work, 'stale');
    quiet(() => synth({ spec: specFile, outdir: out }));
    writeFileSync(join(out, 'prod', 'services', 'retired-service.yaml'), 'kind: Gone\n');
    expect(quiet(() => synth({ spec: specFile, outdir: out }))).toBe(0);
    expect(existsSync(join(out, 'prod', 'services', 'retired-service.yaml'))).toBe(false);
  });

  test('an output directory holding what a synth does not write (a checkout, notes) is refused and left as it was', () => {
    const out = join(work, 'checkout');
    mkdirSync(join(out, '.git'), { recursive: true });
    writeFileSync(join(out, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    writeFileSync(join(out, 'README.md'), '# deploy repo\n');
    const before = tree(out);
    const errors: string[] = [];
    const { log, error } = console;
    console.log = () => {};
    console.error = (m: string) => errors.push(m);
    try {
      expect(synth({ spec: specFile, outdir: out })).toBe(1);
    } finally {
      Object.assign(console, { log, error });
    }
    expect(errors[0]).toContain(`${out}/ holds what a synth does not write (.git/, README.md)`);
    expect(tree(out)).toEqual(before);
    expect(existsSync(join(out, '.git', 'HEAD'))).toBe(true);
    expect(readdirSync(work).filter((f) => f.includes('checkout.staging') || f.includes('checkout.lock'))).toEqual([]);
    // The twin: an earlier output with a file manager's leftover is replaced (and the leftover goes with it).
    rmSync(join(out, '.git'), { recursive: true });
    rmSync(join(out, 'README.md'));
    expect(quiet(() => synth({ spec: specFile, outdir: out }))).toBe(0);
    writeFileSync(join(out, '.DS_Store'), 'finder');
    expect(quiet(() => synth({ spec: specFile, outdir: out }))).toBe(0);
    expect(existsSync(join(out, '.DS_Store'))).toBe(false);
  });

  test('a bad spec exits non-zero and leaves the output directory exactly as it was', () => {
    const out = join(work, 'keep');
    quiet(() => synth({ spec: specFile, outdir: out }));
    const before = tree(out);
    const { code, errors } = synthBroken('bad', out, (spec) => {
      spec.services[0].port = 70000;
      spec.services[1].image = 'registry.test/acme/worker:latest';
    });
    expect(code).toBe(1);
    expect(tree(out)).toEqual(before);
    expect(errors[0]).toMatch(/services\[api\]\.port \(line \d+, column \d+\): must be 1–65535, got 70000/);
    expect(errors[0]).toMatch(/services\[worker\]\.image \(line \d+, column \d+\): image tag 'latest' is not allowed/);
    expect(readdirSync(work).filter((f) => f.includes('staging'))).toEqual([]);
  });

  test.each(BAD_SPECS)('bad input, end to end: %s → exit 1, one message with the path, output untouched', (name, mutate, expected) => {
    const out = join(work, 'keep-each');
    if (!existsSync(out)) quiet(() => synth({ spec: specFile, outdir: out }));
    const before = tree(out);
    const { code, errors } = synthBroken(`bad-${name.replace(/[^a-z0-9]+/gi, '-')}`, out, mutate);
    expect(code).toBe(1);
    // From a file, every problem also names its line and column: `path (line L, column C): message`.
    const at = expected.indexOf(': ');
    const [path, message] = [expected.slice(0, at), expected.slice(at + 2)];
    const line = errors[0]!.split('\n').find((l) => l.startsWith(`  - ${path} (line `));
    expect(line, `no problem for ${path} in\n${errors[0]}`).toBeDefined();
    const [, l] = /^  - .* \(line (\d+), column \d+\): /.exec(line!)!;
    expect(Number(l)).toBeGreaterThan(0);
    expect(Number(l)).toBeLessThanOrEqual(readFileSync(join(work, `bad-${name.replace(/[^a-z0-9]+/gi, '-')}.yaml`), 'utf8').split('\n').length);
    expect(line).toContain(`): ${message}`);
    expect(errors[0]).toMatch(/problems? in the platform spec:/);
    expect(tree(out)).toEqual(before);
  });

  test('npm run synth honours PLATFORM_SPEC and CDK8S_OUTDIR, and fails with exit code 1 on bad input', () => {
    const out = join(work, 'cli');
    const root = join(__dirname, '..', '..');
    execFileSync(process.execPath, ['scripts/run.cjs', 'main.ts'], { cwd: root, env: { ...process.env, PLATFORM_SPEC: specFile, CDK8S_OUTDIR: out }, stdio: 'pipe' });
    expect(tree(out)).toEqual(tree(join(work, 'a')));
    const broken = join(work, 'broken.yaml');
    writeFileSync(broken, 'name: [unclosed\n');
    const res = spawnSync(process.execPath, ['scripts/run.cjs', 'main.ts'], { cwd: root, env: { ...process.env, PLATFORM_SPEC: broken, CDK8S_OUTDIR: out }, encoding: 'utf8' });
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/YAML syntax error at line \d+, column \d+/);
    expect(tree(out)).toEqual(tree(join(work, 'a')));
  });

  test('npm run synth -- --cache keeps a chart cache: the next synth puts back what did not change, with the same files', () => {
    const root = join(__dirname, '..', '..');
    const spec = join(work, 'cached.yaml');
    writeFileSync(spec, dump(smallPlatform()));
    const run = (out: string, ...args: string[]) =>
      JSON.parse(execFileSync(process.execPath, ['scripts/run.cjs', 'main.ts', '--json', ...args], { cwd: root, env: { ...process.env, PLATFORM_SPEC: spec, CDK8S_OUTDIR: join(work, out) }, encoding: 'utf8' }));
    run('cache-1', '--cache');
    const warm = run('cache-2', '--cache');
    expect(warm.cache.rendered).toBe(warm.environments.length); // the quotas count every chart's workloads: always built
    expect(warm.cache.restored).toBeGreaterThan(warm.cache.rendered);
    const none = run('cache-3');
    expect(none.cache).toBeUndefined();
    expect(tree(join(work, 'cache-2'))).toEqual(tree(join(work, 'cache-1')));
    expect(tree(join(work, 'cache-3'))).toEqual(tree(join(work, 'cache-1')));
    // A new image of one service: --json says what each part built again read differently.
    const changed = smallPlatform();
    (changed.services!.find((x) => x.name === 'worker') as { image: string }).image = 'registry.test/acme/worker:2.2.0';
    writeFileSync(spec, dump(changed));
    const next = run('cache-4', '--cache');
    expect(next.cache.changed['prod-worker']).toBe('service.version');
    expect(next.cache.changed['prod-mesh']).toBe('svc-worker: s.version');
    expect(Object.keys(next.cache.changed).every((id) => /-(worker|mesh|mesh-security|monitoring|dashboards)$/.test(id))).toBe(true);
    const plain = run('cache-5');
    expect(tree(join(work, 'cache-4'))).toEqual(tree(join(work, 'cache-5')));
    expect(plain.cache).toBeUndefined();
  });

  test('every field of the spec for real teams has a description in platform.schema.json (editors show it)', () => {
    const schema = JSON.parse(readFileSync(join(__dirname, '..', '..', 'platform.schema.json'), 'utf8'));
    const missing: string[] = [];
    const walk = (n: any, path: string) => {
      if (!n || typeof n !== 'object') return;
      for (const [k, v] of Object.entries<any>(n.properties ?? {})) {
        if (!v.description && !v.$ref) missing.push(`${path}.${k}`);
        walk(v, `${path}.${k}`);
      }
      if (n.items) walk(n.items, `${path}[]`);
      if (n.additionalProperties && typeof n.additionalProperties === 'object') walk(n.additionalProperties, `${path}.*`);
      for (const alt of [...(n.anyOf ?? []), ...(n.oneOf ?? [])]) walk(alt, path);
    };
    // The subtrees those fields live in, whole: overrides, secrets, scaling, escape hatches, extra containers and tasks, release strategies.
    const service = schema.properties.services.items.properties;
    for (const f of ['environments', 'secrets', 'replicas', 'autoscaling', 'annotations', 'podAnnotations', 'initContainers', 'sidecars', 'volumes', 'cronJobs', 'notSecret', 'canary', 'blueGreen']) {
      expect(service[f]?.description, `services[].${f}`).toBeTruthy();
      walk(service[f], `services[].${f}`);
    }
    walk(schema.properties.patches, 'patches');
    const environment = schema.properties.environments.additionalProperties.properties;
    for (const f of ['providedSecrets', 'extraManifests', 'backups']) walk(environment[f], `environments.*.${f}`);
    expect(missing).toEqual([]);
  });

  test('the committed platform.schema.json is the schema of the current spec type', async () => {
    const { platformJsonSchema } = await import('../../platform/json-schema');
    expect(readFileSync(join(__dirname, '..', '..', 'platform.schema.json'), 'utf8')).toBe(platformJsonSchema());
  });
});

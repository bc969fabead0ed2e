import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { afterAll, describe, expect, test } from 'vitest';
import { modelsUnderTest } from '../helpers/platforms';
import { synth } from '../../cli/synth';
import type { KubeObject } from '../../blocks/kube-object';
import { loadPlatform } from '../../platform/load';
import { parseSpec } from '../../platform/loader';
import { resolvePlatform, type PlatformModel } from '../../platform/model';
import { scopeOf } from '../../policy/gate';
import { renderByEnvironment } from '../../render/by-environment';
import { renderPlatform } from '../../render/pipeline';
import { PlatformApp } from '../../render/platform-app';
import { collectGarbage } from '../../render/release';
import { smallPlatform } from '../helpers/fixtures';
import { thrown } from '../helpers/render';

const tmp = mkdtempSync(join(tmpdir(), 'by-env-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const oneApp = (model: PlatformModel) => new PlatformApp({ model }).render();
const modelOf = (spec: object) => resolvePlatform(parseSpec(spec, 'fixture'));

const platforms = modelsUnderTest();

describe('rendering one environment at a time (renderByEnvironment) renders what one App renders', () => {
  test.each(platforms)('%s: the same files with the same bytes, in the same order, and the same objects', (_, load) => {
    const model = load();
    const whole = oneApp(model);
    const parts = renderPlatform(model);
    expect([...parts.files.keys()]).toEqual([...whole.files.keys()]);
    for (const [path, text] of whole.files) expect(parts.files.get(path), path).toBe(text);
    expect(parts.charts).toEqual(whole.charts);
  });

  test('the cluster-wide charts are derived from every environment: the access roles and AppProjects of the parts are the whole\'s', () => {
    // The reference platform has teams: the access folder and each environment's AppProject are rendered last, from the inventories.
    const files = renderPlatform(loadPlatform('platform.yaml')).files;
    expect(files.has('access/cluster-roles.yaml')).toBe(true);
    expect([...files.keys()].filter((f) => f.startsWith('argocd/')).length).toBeGreaterThan(0);
  });

  // Violations of every kind in several environments: one-object rules in dev and prod, a cross-object rule in staging.
  const breaking = () =>
    modelOf({
      ...smallPlatform(),
      patches: [
        { environments: ['prod', 'dev'], target: { kind: 'Deployment', name: 'api' }, ops: [{ op: 'replace', path: '/spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation', value: true }] },
        { environments: ['staging'], target: { kind: 'Service', name: 'worker' }, merge: { spec: { selector: { 'app.kubernetes.io/name': 'nobody' } } } },
      ],
    });

  test('a render failing in several environments reports every violation, in the order one App reports them, and writes nothing', () => {
    const model = breaking();
    const whole = thrown(() => oneApp(model));
    const written: string[] = [];
    const parts = thrown(() => renderByEnvironment(model, (path) => written.push(path)));
    expect(parts.name).toBe('PolicyError');
    expect(parts.message).toBe(whole.message);
    expect(parts.message).toMatch(/PSS-ESCALATION\] dev\/services\/api\.yaml/);
    expect(parts.message).toMatch(/PSS-ESCALATION\] prod\/services\/api\.yaml/);
    expect(parts.message).toMatch(/SERVICE-SELECTS\] staging\/services\/worker\.yaml/);
    // dev failed first: no later pass wrote a file.
    expect(written).toEqual([]);
    // The bad twin: each environment's findings one after the other is another order; the test would see it.
    const lines = whole.message.split('\n').slice(1);
    const envMajor = [...lines].sort((a, b) => envIndex(a) - envIndex(b));
    expect(envMajor).not.toEqual(lines);
  });

  test('patch problems of several patches in several environments are listed patch by patch, as one App lists them', () => {
    const model = modelOf({
      ...smallPlatform(),
      patches: [
        { environments: ['prod', 'dev'], target: { kind: 'Deployment', name: 'apii' }, merge: { spec: { replicas: 2 } } },
        { environments: ['dev'], target: { kind: 'Deployment', name: 'api' }, ops: [{ op: 'remove', path: '/spec/nothing' }] },
      ],
    });
    const whole = thrown(() => oneApp(model)) as Error & { problems: string[] };
    const parts = thrown(() => renderPlatform(model)) as Error & { problems: string[] };
    expect(parts.name).toBe('SpecError');
    expect(parts.problems).toEqual(whole.problems);
    expect(parts.problems.map((p) => p.slice(0, 10) + (p.match(/ in (\w+)/)?.[1] ?? ''))).toEqual(['patches[0]prod', 'patches[0]dev', 'patches[1]dev']);
  });

  test('an environment is released once its files are written: nothing of it is reachable from the next one on', async () => {
    const model = modelOf(smallPlatform());
    const first = (keep: KubeObject[] | undefined) => {
      let ref: WeakRef<KubeObject> | undefined;
      renderByEnvironment(model, () => {}, {
        onCharts: (charts) => {
          if (ref) return;
          const o = charts[0]!.objects[0]!;
          ref = new WeakRef(o);
          keep?.push(o);
        },
      });
      return ref!;
    };
    const released = first(undefined);
    const kept: KubeObject[] = [];
    const retained = first(kept); // the bad twin: something still holds the first environment's objects
    await new Promise((r) => setTimeout(r, 0)); // WeakRefs keep their targets until the current job ends
    collectGarbage();
    expect(released.deref()).toBeUndefined();
    expect(retained.deref()).toBe(kept[0]);
  });

  test('npm run synth failing in the last environment leaves the output directory as it was: the earlier environments\' staged files are dropped, the lock released', () => {
    const spec = join(tmp, 'platform.yaml');
    const out = join(tmp, 'dist');
    writeFileSync(spec, dump(smallPlatform()));
    expect(synth({ spec, outdir: out, docsOut: false, output: 'quiet' })).toBe(0);
    const before = readTree(out);
    const s: any = smallPlatform(); // eslint-disable-line @typescript-eslint/no-explicit-any
    s.services[0].image = `${s.services[0].image.replace(/:.*$/, '')}:9.9.9`; // every environment changes
    s.patches = [{ environments: ['prod'], target: { kind: 'Deployment', name: 'api' }, ops: [{ op: 'replace', path: '/spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation', value: true }] }];
    writeFileSync(spec, dump(s));
    expect(synth({ spec, outdir: out, docsOut: false, output: 'quiet' })).toBe(1);
    expect(readTree(out)).toEqual(before);
    expect(readdirSync(tmp).filter((f) => f.startsWith('.dist'))).toEqual([]);
    // The twin: without the patch the same change is written.
    delete s.patches;
    writeFileSync(spec, dump(s));
    expect(synth({ spec, outdir: out, docsOut: false, output: 'quiet' })).toBe(0);
    expect(readTree(out)).not.toEqual(before);
    expect(existsSync(join(out, 'prod/services/api.yaml'))).toBe(true);
  });
});

const ENVS = ['dev', 'staging', 'prod'];
const envIndex = (line: string) => ENVS.indexOf(scopeOf(line.replace(/^.*?\] /, '')));

function readTree(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = `${prefix}${e.name}`;
    if (e.isDirectory()) Object.assign(out, readTree(dir, `${rel}/`));
    else out[rel] = readFileSync(join(dir, rel), 'utf8');
  }
  return out;
}

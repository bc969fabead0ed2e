import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { architectureDiagram, architectureMarkdown, secretRows } from '../../render/diagram';
import { parseSpec } from '../../platform/loader';
import { resolvePlatform } from '../../platform/model';
import { smallPlatform } from '../helpers/fixtures';
import { synth } from '../../cli/synth';
import { renderPlatform } from '../../render/pipeline';

const model = () => resolvePlatform(parseSpec(smallPlatform(), 'fixture'));
const doc = () => {
  const m = model();
  return architectureMarkdown(m, secretRows(m, renderPlatform(m).charts));
};

describe('architecture diagram', () => {
  it('draws gateway → routed services → dependencies, stores, topics and the observability flow', () => {
    const d = architectureDiagram(model());
    expect(d.startsWith('flowchart LR\n')).toBe(true);
    // services in spec order: api svc0, worker svc1, mailer svc2
    expect(d).toContain('svc0["api<br/>nodejs · :8080"]');
    expect(d).toContain('gateway -->|"/api"| svc0');
    expect(d).not.toMatch(/gateway -->\|[^|]*\| svc1/); // worker has no public route
    expect(d).toContain('svc0 --> svc1');
    expect(d).toContain('svc0 --> store_postgres');
    expect(d).toContain('store_redis[("redis<br/>7.4.1")]');
    expect(d).toContain('svc1 -->|"produces"| topic0');
    expect(d).toContain('topic0 -->|"consumes"| svc2');
    expect(d).toContain('store_kafka --- store_zookeeper');
    expect(d).toContain('services -.->|"OTLP traces and metrics"| otel');
    expect(d).toContain('prometheus -.->|"scrapes :15020 (app + Envoy metrics)"| services');
  });

  it('is deterministic and lists each environment with its size', () => {
    const a = doc();
    expect(doc()).toBe(a);
    expect(a).toContain('| prod | `acme-prod`, `acme-prod-data` | in-cluster | 3–6 (autoscaled) | acme.test | z1, z2, z3 |');
    expect(a).toContain('| postgres | 16.4 | 1 × 1Gi | 2 × 10Gi | 3 × 50Gi |');
  });

  it('escapes labels so spec text cannot break the Mermaid syntax', () => {
    const s = smallPlatform();
    s.services[0]!.route = { path: '/api"|x' };
    const d = architectureDiagram(resolvePlatform(parseSpec(s, 'fixture')));
    expect(d).toContain('gateway -->|"/api#quot;|x"| svc0');
  });

  it('drops Jaeger from the picture when the add-on is disabled', () => {
    const d = architectureDiagram(resolvePlatform(parseSpec({ ...smallPlatform(), gitops: { addons: { jaeger: { enabled: false } } } }, 'fixture')));
    expect(d).not.toContain('jaeger');
  });
});

describe('synth writes the architecture document', () => {
  const dir = mkdtempSync(join(tmpdir(), 'platform-docs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const specFile = join(dir, 'platform.yaml');
  writeFileSync(specFile, yaml.dump(smallPlatform()));

  it('to the docs path it is given, never into the output directory', () => {
    const out = join(dir, 'out');
    const docs = join(dir, 'docs', 'architecture.md');
    expect(synth({ spec: specFile, outdir: out, docsOut: docs })).toBe(0);
    expect(readFileSync(docs, 'utf8')).toBe(doc());
    expect(existsSync(join(out, 'docs'))).toBe(false);
    expect(existsSync(join(out, 'architecture.md'))).toBe(false);
  });

  it('not at all when only the output directory is redirected (CDK8S_OUTDIR / outdir)', () => {
    const repoDoc = join(process.cwd(), 'docs', 'architecture.md');
    const before = existsSync(repoDoc) ? statSync(repoDoc).mtimeMs : undefined;
    const saved = process.env.CDK8S_OUTDIR;
    process.env.CDK8S_OUTDIR = join(dir, 'out2');
    try {
      expect(synth({ spec: specFile })).toBe(0);
    } finally {
      if (saved === undefined) delete process.env.CDK8S_OUTDIR;
      else process.env.CDK8S_OUTDIR = saved;
    }
    expect(existsSync(join(dir, 'out2', 'dev', 'kustomization.yaml'))).toBe(true);
    expect(existsSync(repoDoc) ? statSync(repoDoc).mtimeMs : undefined).toBe(before);
  });
});

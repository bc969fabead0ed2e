import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { CRD_SOURCES, upstreamUrl } from '../scripts/crd-sources';

const root = join(__dirname, '..');

describe('imports/', () => {
  it('cdk8s.yaml imports exactly the pinned upstream CRDs of scripts/crd-sources.ts', () => {
    const config = yaml.load(readFileSync(join(root, 'cdk8s.yaml'), 'utf8')) as { imports: string[] };
    expect(config.imports).toEqual(CRD_SOURCES.map((s) => `${s.prefix}:=${upstreamUrl(s)}`));
  });

  it('pins every source to the release named in the issue', () => {
    const tags = Object.fromEntries(CRD_SOURCES.map((s) => [s.repo, s.tag]));
    expect(tags).toEqual({
      'istio/istio': '1.30.3',
      'open-telemetry/opentelemetry-operator': 'v0.158.0',
      'prometheus-operator/prometheus-operator': 'v0.93.0',
      'kedacore/keda': 'v2.20.2',
      'cert-manager/cert-manager': 'v1.21.1',
      'bitnami-labs/sealed-secrets': 'v0.36.6',
      'argoproj/argo-cd': 'v3.5.1',
      'kubernetes/autoscaler': 'vertical-pod-autoscaler-1.7.1',
    });
    for (const s of CRD_SOURCES) expect(s.blob, s.prefix).toMatch(/^[0-9a-f]{40}$/);
  });

  it('has a generated module per source and uses the stored API versions', () => {
    const modules = readdirSync(join(root, 'imports')).filter((f) => f.endsWith('.ts'));
    for (const s of CRD_SOURCES) expect(modules.some((m) => m.startsWith(`${s.prefix}-`)), s.prefix).toBe(true);
    const text = (f: string) => readFileSync(join(root, 'imports', f), 'utf8');
    expect(text('istio-networking.istio.io.ts')).toContain("apiVersion: 'networking.istio.io/v1'");
    expect(text('istio-security.istio.io.ts')).toContain("apiVersion: 'security.istio.io/v1'");
    expect(text('istio-telemetry.istio.io.ts')).toContain("apiVersion: 'telemetry.istio.io/v1'");
    expect(text('otel-collector-opentelemetry.io.ts')).toContain("apiVersion: 'opentelemetry.io/v1beta1'");
    expect(text('vpa-autoscaling.k8s.io.ts')).toContain("apiVersion: 'autoscaling.k8s.io/v1'");
  });

  it('never ships the CRD files themselves', () => {
    const files = readdirSync(join(root, 'imports'));
    expect(files.filter((f) => /\.(ya?ml|json)$/.test(f))).toEqual([]);
  });
});

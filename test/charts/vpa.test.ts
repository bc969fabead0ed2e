import { describe, expect, test } from 'vitest';
import { smallPlatform } from '../helpers/fixtures';
import { render } from '../helpers/render';
import { TIER_RESOURCES } from '../../catalogue/resources';

/** The fixture with `vpa` set on services by name (and per environment). */
function withVpa(vpa: Record<string, unknown>, perEnv: Record<string, Record<string, unknown>> = {}) {
  const spec: any = smallPlatform();
  for (const s of spec.services) {
    if (vpa[s.name] !== undefined) s.vpa = vpa[s.name];
    if (perEnv[s.name]) s.environments = Object.fromEntries(Object.entries(perEnv[s.name]!).map(([env, v]) => [env, { vpa: v }]));
  }
  return spec;
}

const milli = (q: string) => (q.endsWith('m') ? Number(q.slice(0, -1)) : Number(q) * 1000);
const mi = (q: string) => (q.endsWith('Gi') ? Number(q.slice(0, -2)) * 1024 : Number(q.replace(/Mi$/, '')));

describe('services[].vpa', () => {
  test('off by default: no VerticalPodAutoscaler', () => {
    expect(render(smallPlatform()).find('VerticalPodAutoscaler')).toEqual([]);
  });

  test('recommend: updateMode Off on the scaled Deployment, beside the CPU HPA, bounded by the tier, the proxy and other containers untouched', () => {
    const r = render(withVpa({ api: 'recommend' }));
    const vpa = r.get('VerticalPodAutoscaler', 'api', { env: 'prod' }) as any;
    expect(vpa.spec.targetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' });
    expect(vpa.spec.updatePolicy.updateMode).toBe('Off');
    const [own, rest] = vpa.spec.resourcePolicy.containerPolicies;
    expect(own).toEqual({
      containerName: 'api',
      controlledResources: ['cpu', 'memory'],
      controlledValues: 'RequestsOnly',
      minAllowed: { ...TIER_RESOURCES.medium.requests },
      maxAllowed: { ...TIER_RESOURCES.medium.limits },
    });
    expect(rest).toEqual({ containerName: '*', mode: 'Off' });
    expect(r.get('HorizontalPodAutoscaler', 'api', { env: 'prod' })).toBeDefined();
  });

  test('auto: Recreate (evictions, PDBs respected), and the quota holds every recommendation it may apply (requests counted at the tier limits)', () => {
    const off = render(smallPlatform());
    const auto = render(withVpa({ worker: 'auto' }, { worker: { prod: 'recommend' } }));
    expect((auto.get('VerticalPodAutoscaler', 'worker', { env: 'staging' }) as any).spec.updatePolicy.updateMode).toBe('Recreate');
    const quota = (r: typeof off) => (r.get('ResourceQuota', 'platform-quota', { env: 'staging', namespace: 'acme-staging' }) as any).spec.hard;
    const pods = 2 + 1; // staging: 2 fixed replicas + 25 % surge, rounded up
    const small = TIER_RESOURCES.small;
    const raise = (lim: string, req: string, f: (q: string) => number) => pods * (f(lim) - f(req));
    // quotaHard adds 20 % headroom (and rounds): compare against the same arithmetic.
    expect(milli(quota(auto)['requests.cpu'])).toBeGreaterThanOrEqual(milli(quota(off)['requests.cpu']) + raise(small.limits.cpu, small.requests.cpu, milli));
    expect(mi(quota(auto)['requests.memory'])).toBeGreaterThanOrEqual(mi(quota(off)['requests.memory']) + raise(small.limits.memory, small.requests.memory, mi));
    // Limits stay the tier's (RequestsOnly): the limits quota does not move.
    expect(quota(auto)['limits.cpu']).toBe(quota(off)['limits.cpu']);
    expect(quota(auto)['limits.memory']).toBe(quota(off)['limits.memory']);
  });

  test('auto beside a CPU/memory HPA is refused with the reason and the way out; per environment it is fine where no HPA runs', () => {
    expect(() => render(withVpa({ api: 'auto' }))).toThrow(/services\[api\]\.vpa: auto in prod, where a CPU\/memory HorizontalPodAutoscaler scales api: VPA would change the requests .* Use recommend .*services\[api\]\.environments\.prod\.vpa/);
    const r = render(withVpa({ api: 'auto' }, { api: { prod: 'recommend' } }));
    expect((r.get('VerticalPodAutoscaler', 'api', { env: 'dev' }) as any).spec.updatePolicy.updateMode).toBe('Recreate');
    expect((r.get('VerticalPodAutoscaler', 'api', { env: 'prod' }) as any).spec.updatePolicy.updateMode).toBe('Off');
  });

  test('auto with KEDA (Kafka lag, not CPU) is allowed', () => {
    const r = render(withVpa({ mailer: 'auto' }));
    expect(r.get('ScaledObject', 'mailer', { env: 'prod' })).toBeDefined();
    expect((r.get('VerticalPodAutoscaler', 'mailer', { env: 'prod' }) as any).spec.updatePolicy.updateMode).toBe('Recreate');
  });

  test('a blue-green service: the VPA follows the active colour, never the idle one', () => {
    const spec: any = withVpa({ worker: 'recommend' });
    const w = spec.services.find((s: any) => s.name === 'worker');
    delete w.image;
    w.blueGreen = { active: 'green', blue: 'registry.test/acme/worker:2.1.0', green: 'registry.test/acme/worker:2.2.0' };
    const r = render(spec);
    expect((r.get('VerticalPodAutoscaler', 'worker', { env: 'prod' }) as any).spec.targetRef.name).toBe('worker-green');
  });

  test('a canary gets none: the VPA targets the stable Deployment only (a fixed comparison group, as for the HPA)', () => {
    const spec: any = withVpa({ worker: 'recommend' });
    spec.services.find((s: any) => s.name === 'worker').canary = { image: 'registry.test/acme/worker:2.2.0', weight: 10 };
    const r = render(spec);
    expect(r.find('VerticalPodAutoscaler', { env: 'prod' }).map((v: any) => v.spec.targetRef.name)).toEqual(['worker']);
    expect(r.find('Deployment', { env: 'prod', name: 'worker-canary' })).toHaveLength(1);
  });

  test('a value that is not a mode is refused with the valid ones', () => {
    expect(() => render(withVpa({ api: 'on' }))).toThrow(/services\[api\]\.vpa: .*'off'.*'recommend'.*'auto'|services\[api\]\.vpa: .*off.*recommend.*auto/);
  });
});

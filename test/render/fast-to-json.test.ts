import { ApiObject, App, Chart, JsonPatch, Lazy, type IResolver, type ResolutionContext } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { fastToJson, handedToCdk8s } from '../../blocks/fast-to-json';
import { renderPass } from '../../blocks/render-pass';
import { PlatformApp } from '../../render/platform-app';
import { modelsUnderTest } from '../helpers/platforms';

// A render pass renders objects with blocks/fast-to-json.ts instead of cdk8s's ApiObject.toJson. Both are
// called here on the same objects and must give the same values: keys in the same order, and what JSON
// does not show either (a key holding undefined, a hole in an array, an object with another prototype,
// functions), or the same error.
const cdk8sToJson = ApiObject.prototype.toJson;
const exact = (v: unknown): string => {
  if (v === undefined) return '<undefined>';
  if (typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint') return `<${typeof v} ${String(v)}>`;
  if (Array.isArray(v)) return `[${Array.from({ length: v.length }, (_, i) => (i in v ? exact(v[i]) : '<hole>')).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const proto = Object.getPrototypeOf(v) as unknown;
    return `{${proto === Object.prototype ? '' : `<prototype ${proto === null ? 'null' : exact(proto)}>`}${Object.keys(v).map((k) => `${JSON.stringify(k)}:${exact((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
};
const outcome = (f: () => unknown) => {
  try {
    return exact(f());
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
};
const both = (o: ApiObject) => ({ cdk8s: outcome(() => cdk8sToJson.call(o)), fast: outcome(() => fastToJson.call(o)) });

describe('fastToJson renders what cdk8s renders', () => {
  const saved = process.env.CDK8S_DISABLE_SORT;
  beforeEach(() => {
    process.env.CDK8S_DISABLE_SORT = '1'; // as in a render pass
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.CDK8S_DISABLE_SORT;
    else process.env.CDK8S_DISABLE_SORT = saved;
  });

  test.each(modelsUnderTest())('every object of %s', (_, model) => {
    const app = new PlatformApp({ model: model() });
    app.render();
    const objects = app.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
    expect(objects.length).toBeGreaterThan(100);
    // Every one rendered by the walk itself, none handed to cdk8s (the bad twin: an object cdk8s renders is counted).
    const handed = handedToCdk8s.count;
    objects.forEach((o) => fastToJson.call(o));
    expect(handedToCdk8s.count - handed).toBe(0);
    const refused = new ApiObject(new Chart(new App(), 'c'), 'o', { apiVersion: 'v1', kind: 'Thing', metadata: { name: 'n' }, when: new Date(0) });
    expect(() => fastToJson.call(refused)).toThrow("can't render non-simple object");
    expect(handedToCdk8s.count - handed).toBe(1);
    const differ = objects.filter((o) => {
      const { cdk8s, fast } = both(o);
      return cdk8s !== fast;
    });
    expect(differ.map((o) => o.node.path)).toEqual([]);
  });

  const chart = (app = new App()) => new Chart(app, 'c');

  test('tokens: Lazy (also one producing a Lazy), values with resolve(), number-or-string unions, nulls dropped, arrays kept whole', () => {
    const c = chart();
    class Port {
      constructor(readonly value: number | string) {}
    }
    const lazy = (v: unknown) => Lazy.any({ produce: () => v });
    const o = new ApiObject(c, 'o', {
      apiVersion: 'v1',
      kind: 'Thing',
      metadata: { name: lazy('n'), labels: { b: '2', a: lazy('1') } },
      spec: {
        z: lazy(lazy({ deep: [1, null, undefined, lazy('x')] })),
        token: { resolve: () => ({ resolved: true, again: lazy(3) }) },
        port: new Port(8080),
        named: new Port('http'),
        intOrString: k8s.IntOrString.fromNumber(80),
        quantity: k8s.Quantity.fromString('100Mi'),
        plainValue: { value: 5, other: 'kept' },
        nothing: null,
        undef: undefined,
        empty: {},
        emptyList: [],
        nested: [[null], [{ a: null, b: 0, c: false, d: '' }]],
        ['__proto__']: { polluted: true },
      },
    });
    o.addJsonPatch(JsonPatch.add('/spec/patched', 'yes'));
    const { cdk8s, fast } = both(o);
    expect(fast).toBe(cdk8s);
    expect((fastToJson.call(o) as { spec: object }).spec).toMatchObject({ port: { value: 8080 }, named: { value: 'http' }, token: { resolved: true, again: 3 }, patched: 'yes' });
  });

  test('a `value` or `resolve` member added to the prototype of strings or numbers reaches every value, as in cdk8s', () => {
    const o = new ApiObject(chart(), 'o', { apiVersion: 'v1', kind: 'Thing', metadata: { name: 'n' }, data: { port: 80, name: 'x', on: true } });
    const before = both(o).cdk8s;
    // Each ends: a string's `value` that is a string would be replaced for ever, in cdk8s too.
    for (const [proto, member, value] of [
      [Boolean.prototype, 'value', 'v'],
      [Number.prototype, 'value', 'v'],
      [String.prototype, 'resolve', function (this: string) { return this.length; }],
      [Number.prototype, 'resolve', () => 'resolved'],
    ] as const) {
      Object.defineProperty(proto, member, { value, configurable: true, writable: true });
      try {
        const { cdk8s, fast } = both(o);
        expect(cdk8s).not.toBe(before);
        expect(fast).toBe(cdk8s);
      } finally {
        delete (proto as unknown as Record<string, unknown>)[member];
      }
    }
    expect(both(o).fast).toBe(before);
  });

  test('a value cdk8s cannot render fails with its message, and with several the one cdk8s reports', () => {
    const o = new ApiObject(chart(), 'o', { apiVersion: 'v1', kind: 'Thing', metadata: { name: 'n' }, when: new Date(0) });
    expect(both(o).cdk8s).toContain("can't render non-simple object of type 'Date'");
    expect(both(o).fast).toBe(both(o).cdk8s);
    // cdk8s resolves everything before it sanitises: the Lazy's error, not the Date's.
    const boom = Lazy.any({ produce: () => { throw new Error('boom'); } });
    const two = new ApiObject(chart(), 'o', { apiVersion: 'v1', kind: 'Thing', metadata: { name: 'n' }, spec: { a: new Date(0), b: boom } });
    expect(both(two).cdk8s).toContain('boom');
    expect(both(two).fast).toBe(both(two).cdk8s);
  });

  test("an own __proto__ key: cdk8s's copy takes it as its prototype and its sanitiser reads that prototype's constructor", () => {
    const outcomes = ['{"a":1}', 'null', '[1]', '{"constructor":"x"}', '"text"'].map((value) => {
      const o = new ApiObject(chart(), 'o', { apiVersion: 'v1', kind: 'Thing', metadata: { name: 'n' }, spec: JSON.parse(`{"__proto__": ${value}, "kept": 1}`) });
      const { cdk8s, fast } = both(o);
      expect(fast, value).toBe(cdk8s);
      return cdk8s;
    });
    // Some render, some fail, each as cdk8s does.
    expect(outcomes.filter((x) => x.startsWith('error:')).length).toBe(3);
  });

  test('a Lazy that changes its own object: the values cdk8s read before producing it', () => {
    for (const change of [(s: Record<string, unknown>) => delete s.b, (s: Record<string, unknown>) => (s.b = 3), (s: Record<string, unknown>) => (s.c = 4)]) {
      const spec: Record<string, unknown> = { a: Lazy.any({ produce: () => (change(spec), 1) }), b: 2 };
      const o = new ApiObject(chart(), 'o', { apiVersion: 'v1', kind: 'Thing', metadata: { name: 'n' }, spec });
      const cdk8s = outcome(() => cdk8sToJson.call(o));
      spec.b = 2;
      delete spec.c;
      expect(outcome(() => fastToJson.call(o))).toBe(cdk8s);
    }
  });

  test('a Lazy that renders another object inside a pass (as the quotas do) gives what cdk8s gives', () => {
    const c = chart();
    const inner = new ApiObject(c, 'inner', { apiVersion: 'v1', kind: 'Thing', metadata: { name: 'i' }, data: { b: 'x', a: [1, , 3] } });
    const outer = new ApiObject(c, 'outer', { apiVersion: 'v1', kind: 'Thing', metadata: { name: 'o' }, copy: Lazy.any({ produce: () => renderPass(() => inner.toJson()) }) });
    const inPass = renderPass(() => exact(outer.toJson()));
    expect(ApiObject.prototype.toJson).toBe(cdk8sToJson);
    expect(inPass).toBe(both(outer).cdk8s);
    expect(inPass).toContain('<hole>');
  });

  test("an App with resolvers of its own, or sorted keys, is rendered by cdk8s's toJson (the bad twin: the fast walk alone ignores them)", () => {
    const upper: IResolver = {
      resolve(context: ResolutionContext) {
        if (typeof context.value === 'string' && context.value !== context.value.toUpperCase()) context.replaceValue(context.value.toUpperCase());
      },
    };
    const o = new ApiObject(chart(new App({ resolvers: [upper] })), 'o', { apiVersion: 'v1', kind: 'Thing', metadata: { name: 'n' }, data: { b: 'x', a: 'y' } });
    expect((fastToJson.call(o) as { data: object }).data).toEqual({ b: 'X', a: 'Y' });
    expect(both(o).fast).toBe(both(o).cdk8s);
    // The built-in resolvers in another order: a token with both resolve() and a value is resolved by whichever comes first.
    const reordered = new App();
    (reordered.resolvers as IResolver[]).reverse();
    class Both {
      readonly value = 'from value';
      resolve() {
        return 'from resolve';
      }
    }
    const t = new ApiObject(chart(reordered), 't', { apiVersion: 'v1', kind: 'Thing', metadata: { name: 'n' }, data: { t: new Both() } });
    expect(both(t).cdk8s).toContain('from value');
    expect(both(t).fast).toBe(both(t).cdk8s);
    delete process.env.CDK8S_DISABLE_SORT;
    const plain = new ApiObject(chart(), 'p', { apiVersion: 'v1', kind: 'Thing', metadata: { name: 'n' }, data: { b: 'x', a: 'y' } });
    expect(Object.keys((fastToJson.call(plain) as { data: object }).data)).toEqual(['a', 'b']);
  });

  test('a render pass uses it and puts cdk8s’s back, also when the pass throws and after nested passes', () => {
    expect(renderPass(() => ApiObject.prototype.toJson)).toBe(fastToJson);
    expect(ApiObject.prototype.toJson).toBe(cdk8sToJson);
    renderPass(() => {
      renderPass(() => undefined);
      expect(ApiObject.prototype.toJson).toBe(fastToJson);
    });
    expect(ApiObject.prototype.toJson).toBe(cdk8sToJson);
    expect(() =>
      renderPass(() => {
        throw new Error('x');
      }),
    ).toThrow('x');
    expect(ApiObject.prototype.toJson).toBe(cdk8sToJson);
  });
});

import { ApiObject, App, Chart, JsonPatch, Lazy, type IResolver, type ResolutionContext } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { fastToJson } from '../../blocks/fast-to-json';
import { renderPass } from '../../blocks/render-pass';
import { PlatformApp } from '../../render/platform-app';
import { modelsUnderTest } from '../helpers/platforms';

// A render pass renders objects with blocks/fast-to-json.ts instead of cdk8s's ApiObject.toJson. Both are
// called here on the same objects and must give the same values: keys in the same order, and what JSON
// does not show either (a key holding undefined, an object with another prototype).
const cdk8sToJson = ApiObject.prototype.toJson;
const exact = (v: unknown) =>
  JSON.stringify(v, (_, x: unknown) => {
    if (x === undefined) return '<undefined>';
    if (x !== null && typeof x === 'object' && !Array.isArray(x) && Object.getPrototypeOf(x) !== Object.prototype) return { '<prototype>': Object.getPrototypeOf(x), ...x };
    return x;
  });
const both = (o: ApiObject) => ({ cdk8s: exact(cdk8sToJson.call(o)), fast: exact(fastToJson.call(o)) });
const error = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
};

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
    expect(JSON.parse(fast).spec).toMatchObject({ port: { value: 8080 }, named: { value: 'http' }, token: { resolved: true, again: 3 }, patched: 'yes' });
  });

  test('a `value` or `resolve` member added to the prototype of strings or numbers reaches every value, as in cdk8s', () => {
    const o = new ApiObject(chart(), 'o', { apiVersion: 'v1', kind: 'Thing', metadata: { name: 'n' }, data: { port: 80, name: 'x' } });
    const before = both(o).cdk8s;
    // Each ends: a string's `value` that is a string would be replaced for ever, in cdk8s too.
    for (const [proto, member, value] of [
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

  test('a value cdk8s cannot render fails with its message', () => {
    const o = new ApiObject(chart(), 'o', { apiVersion: 'v1', kind: 'Thing', metadata: { name: 'n' }, when: new Date(0) });
    const message = error(() => cdk8sToJson.call(o));
    expect(message).toContain("can't render non-simple object of type 'Date'");
    expect(error(() => fastToJson.call(o))).toBe(message);
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
    delete process.env.CDK8S_DISABLE_SORT;
    const plain = new ApiObject(chart(), 'p', { apiVersion: 'v1', kind: 'Thing', metadata: { name: 'n' }, data: { b: 'x', a: 'y' } });
    expect(Object.keys((fastToJson.call(plain) as { data: object }).data)).toEqual(['a', 'b']);
  });

  test('a render pass uses it and puts cdk8s’s back, also when the pass throws', () => {
    expect(renderPass(() => ApiObject.prototype.toJson)).toBe(fastToJson);
    expect(ApiObject.prototype.toJson).toBe(cdk8sToJson);
    expect(() =>
      renderPass(() => {
        throw new Error('x');
      }),
    ).toThrow('x');
    expect(ApiObject.prototype.toJson).toBe(cdk8sToJson);
  });
});

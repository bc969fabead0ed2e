import { ApiObject, App, Chart } from 'cdk8s';
import { afterEach, describe, expect, test } from 'vitest';
import { rendered, renderPass } from '../../blocks/render-pass';
import { toYaml } from '../../render/yaml';

// A render pass renders each object once and without cdk8s's key sort (CDK8S_DISABLE_SORT, for the pass only):
// the YAML writer orders keys itself, so the files are the same either way.
describe('renderPass', () => {
  const saved = process.env.CDK8S_DISABLE_SORT;
  afterEach(() => {
    if (saved === undefined) delete process.env.CDK8S_DISABLE_SORT;
    else process.env.CDK8S_DISABLE_SORT = saved;
  });
  const object = () => {
    const chart = new Chart(new App(), 'c');
    return new ApiObject(chart, 'o', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', labels: { zone: 'b', app: 'a' } }, data: { z: '1', a: '2' } });
  };

  test('inside a pass keys keep the order they were set in, each object is rendered once, and the YAML is the same', () => {
    delete process.env.CDK8S_DISABLE_SORT;
    const o = object();
    const sorted = o.toJson();
    expect(Object.keys(sorted.data)).toEqual(['a', 'z']); // the bad twin: cdk8s sorts outside a pass
    const inPass = renderPass(() => {
      const first = rendered(o);
      expect(rendered(o)).toBe(first);
      return first;
    });
    expect(Object.keys(inPass.data as object)).toEqual(['z', 'a']);
    expect(toYaml(inPass)).toBe(toYaml(sorted));
  });

  test('the switch is put back after the pass, whether it was unset or set, and when the pass throws', () => {
    delete process.env.CDK8S_DISABLE_SORT;
    renderPass(() => expect(process.env.CDK8S_DISABLE_SORT).toBe('1'));
    expect(process.env.CDK8S_DISABLE_SORT).toBeUndefined();
    process.env.CDK8S_DISABLE_SORT = 'yes';
    expect(() => renderPass(() => { throw new Error('x'); })).toThrow('x');
    expect(process.env.CDK8S_DISABLE_SORT).toBe('yes');
    // Nested passes (the gate inside a render) leave the outer one's setting.
    delete process.env.CDK8S_DISABLE_SORT;
    renderPass(() => {
      renderPass(() => undefined);
      expect(process.env.CDK8S_DISABLE_SORT).toBe('1');
    });
    expect(process.env.CDK8S_DISABLE_SORT).toBeUndefined();
  });
});

import { describe, expect, test } from 'vitest';
import { smallPlatform } from '../helpers/fixtures';
import { render } from '../helpers/render';

describe('test/helpers/render.ts', () => {
  test('the shared fixtures render once per worker, read-only; any other spec renders afresh', () => {
    const a = render(smallPlatform());
    const again = render(smallPlatform());
    expect(again.objects).toBe(a.objects);
    expect(again.files).toBe(a.files);
    // Each caller gets its own model, never frozen (it holds the catalogue's shared defaults).
    expect(again.model).not.toBe(a.model);
    expect(Object.isFrozen(a.model)).toBe(false);
    const deployment = a.find('Deployment')[0]!;
    expect(() => void ((deployment.metadata as { name: string }).name = 'x')).toThrow(TypeError);
    expect(() => void (a.objects as unknown[]).push({})).toThrow(TypeError);
    expect(() => (a.files as Map<string, string>).set('x.yaml', '')).toThrow(/read-only/);
    // The bad twin: a spec of its own is rendered for the caller alone, and may be changed.
    const other = { ...smallPlatform(), version: '9.9.9' };
    const b = render(other);
    expect(render(other)).not.toBe(b);
    (b.files as Map<string, string>).set('x.yaml', '');
    expect(b.files.get('x.yaml')).toBe('');
  });
});

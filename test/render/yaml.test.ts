import { describe, expect, test } from 'vitest';
import { load } from 'js-yaml';
import { dumpWithJsYaml, toYaml, toYamlDocuments } from '../../render/yaml';

// render/yaml.ts writes rendered objects itself, fast, and must give js-yaml's bytes exactly. The
// invariants compare every object of every platform; these cases reach what the platforms do not:
// each scalar style js-yaml chooses, at every depth, and random structures.

const STRINGS = [
  '', ' ', 'plain', 'true', 'False', 'yes', 'NO', 'on', 'Off', 'y', 'n', '~', 'null', 'Null', '1', '-1', '+1', '1.0', '.5', '1e3', '0x1F', '0o17', '017', '1_000',
  '12:30', '1:2:3.5', '2024-01-01', '2024-01-01T10:00:00Z', '.inf', '-.Inf', '.NaN', '<<', '=', 'a: b', 'a:b', 'http://x/y?z=1#f', 'a #b', 'a#b', '#x', '- x', '-x', '? q',
  ':colon', 'x,y', '{', '[a]', '}', '@at', '`tick', '%pct', '*star', '&amp', '!bang', '|pipe', '>gt', "it's", '"dq"', ' leading', 'trailing ', 'tab\there', 'é', '日本',
  '😀', 'a\u0007b', '\u0085x', '\ufeffbom', 'multi\nline', 'multi\nline\n', 'keep\n\n', '\n', '\n\nx', '  indented\nblock', ' x\ny\n', 'a\r\nb', 'line\n  more\n\nlast',
  'x'.repeat(1500), `${'long '.repeat(40)}\n${'line '.repeat(40)}`, '$(VAR)', '${X}', 'cpu: 500m', '0.5', '100Mi', '*.example.com', '"', "'",
  // words: plain unless YAML reads them as another type
  'Y', 'N', 'YES', 'Yes', 'ON', 'OFF', 'No', 'NULL', 'TRUE', 'FALSE', 'yES', 'nO', 'nulL', 'tRUE', 'Inf', 'inf', 'NaN', 'nan', 'app.kubernetes.io/name', 'a-b_c.d/e', 'x-', 'x.', 'x/', 'v1',
  'e1', 'E5', 'x'.repeat(199), 'x'.repeat(200), 'x'.repeat(201),
  // multi-line: a literal block written by render/yaml.ts itself, unless a character is one js-yaml writes otherwise
  '\n  leading', '\n\n', 'a\n\n\n', '\n\n  x\n', ' \n', 'x\n ', '- a\n- b', '|\nx', '#\n#', "'q'\n", '"\n"', 'é\n日本', '\ufffd\nx', '\ue000\nx', '\uff00\nx',
  '\u00a1\n\ud7ff', '\u2027\nx', '\u202a\nx', '\ufefe\nx', '~\n~', 'x\n\u00a0nbsp', 'x\n\u0085', 'x\n\u2028', 'x\n\u2029', 'x\n\ufeff', 'x\n\ufffe', 'x\n😀', 'x\n\ud800', 'x\n\udc00y', 'tab\n\tx', 'x\n\u007f', 'x\n\u001b',
  `{\n  "panels": [\n    {}\n  ]\n}`, `${'y'.repeat(3000)}\n${'z '.repeat(2000)}\n`,
];

describe('render/yaml.ts writes what js-yaml writes', () => {
  test.each(STRINGS.map((s) => [JSON.stringify(s).slice(0, 60), s]))('string %s as a value and as a key, at every depth', (_, s) => {
    const shapes: unknown[] = [s, [s], { k: s }, { a: { b: [{ c: s, d: [s, [s]] }] } }, [[[s]]], { [s]: s }, { outer: { [s]: [s] } }, [{ [s]: { [s]: s } }]];
    for (const shape of shapes) expect(toYaml(shape)).toBe(dumpWithJsYaml(shape));
  });

  test('numbers, booleans, null, empty collections, undefined, and what falls back to js-yaml', () => {
    const shapes: unknown[] = [
      { i: 0, n: -12, big: 1e21, max: Number.MAX_SAFE_INTEGER, f: 0.5, z: -0, e: 5e-100, inf: Infinity, nan: NaN },
      { t: true, f: false, nil: null, u: undefined, e: {}, a: [], nested: { u: undefined }, seq: [undefined, null, {}, [], [[]], [{}]] },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'y', labels: { b: '1', a: '2' } }, data: { 'k.sh': '#!/bin/sh\nexec "$@"\n' }, binaryData: {} },
      { date: new Date(0) },
      [1, 'a', [2, ['b']], { x: [{}, { y: 'z' }] }],
      { '1': 'one', '10': 'ten', '2': 'two', b: 'b', A: 'A', metadata: 'm', kind: 'k', apiVersion: 'v' },
      { ['k\nmulti']: 'v' },
      { ['k'.repeat(1100)]: 'v' },
      // 600 characters, written quoted in 1202: js-yaml writes it as an explicit key (`? '…'`)
      { ["'".repeat(600)]: 'v' },
      // past the indentation strings made in advance (40 spaces): 30 levels of mappings and sequences around a literal block
      Array.from({ length: 30 }).reduce<unknown>((inner, _, i) => (i % 2 ? [inner, 'x\n y\n'] : { k: inner, l: 'a\nb' }), 'deep\n  text\n\n'),
      { ['k'.repeat(1024)]: 'v', ['é'.repeat(1024)]: 'v', ['#'.repeat(1023)]: 'v', ['#'.repeat(1024)]: 'v' },
      'top-level\nliteral\n',
      42,
      null,
    ];
    for (const shape of shapes) expect(toYaml(shape)).toBe(dumpWithJsYaml(shape));
  });

  test('random structures (seeded): identical bytes, and they read back as the same data', () => {
    let seed = 0x2f6e2b1;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const alphabet = ['a', 'Z', '0', '9', ' ', ':', '#', '-', '?', "'", '"', '\n', '\t', '{', '}', '[', ']', ',', '|', '>', '*', '&', '!', '%', '@', '`', '.', 'é', '~', '='];
    const str = () => Array.from({ length: rand(6) }, () => alphabet[rand(alphabet.length)]).join('') || STRINGS[rand(STRINGS.length)]!;
    const value = (depth: number): unknown => {
      const r = rand(10);
      if (depth > 4 || r < 4) return [str(), rand(1000) - 500, rand(2) === 0, null][rand(4)];
      if (r < 7) return Object.fromEntries(Array.from({ length: rand(5) }, () => [str().replace(/\n/g, ''), value(depth + 1)]));
      return Array.from({ length: rand(4) }, () => value(depth + 1));
    };
    for (let i = 0; i < 3000; i++) {
      const v = value(0);
      const text = toYaml(v);
      expect(text).toBe(dumpWithJsYaml(v));
      // (A bare top-level string with leading spaces does not read back in js-yaml itself: its `|2` indicator counts from
      // column 0. Rendered documents are always mappings.)
      if (typeof v === 'object' && v !== null) expect(load(text)).toEqual(v);
    }
  });

  test('a document stream joins objects with ---, and a wrong writer is caught by the comparison', () => {
    expect(toYamlDocuments([{ a: 1 }, { b: 'x\ny' }])).toBe('a: 1\n---\nb: |-\n  x\n  y\n');
    // The bad twin: js-yaml's level-0 literal block reused at depth 3 without re-indenting is not js-yaml's output.
    const deep = { a: { b: { c: 'x\ny' } } };
    const wrong = 'a:\n  b:\n    c: |-\n  x\n  y\n';
    expect(dumpWithJsYaml(deep)).not.toBe(wrong);
    expect(toYaml(deep)).toBe(dumpWithJsYaml(deep));
  });
});

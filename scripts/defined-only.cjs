// The generated L1 converters (`toJson_*`, cdk8s-plus-28's k8s module and our imports/, both written by
// `cdk8s import`) drop undefined fields with
//
//   Object.entries(result).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: i[1] }), {})
//
// at the end of every converter, and on every map field (labels, annotations, a ConfigMap's data…). It copies the
// object built so far once per key: quadratic in the keys, about a tenth of a large render (issue 14's profiles).
// `rewriteConverters` replaces each of those expressions in the bundle scripts/run.cjs builds with one call of
// `definedOnly`, a linear pass giving the same object. The dependency on disk, imports/, the tests' in-process
// renders and lib/ keep the generated code as it is.
'use strict';

/**
 * The object `Object.entries(o).reduce((r, i) => i[1] === undefined ? r : { ...r, [i[0]]: i[1] }, {})` builds:
 * `o`'s own enumerable string keys in the same order, those whose value is undefined left out, each an own data
 * property of a new plain object. `o` is a plain object (a converter's literal, or a map field of resolved JSON):
 * its keys are read once, as `Object.keys` lists them, where `Object.entries` reads each just before its value.
 */
function definedOnly(o) {
  const r = {};
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (v === void 0) continue;
    // A key the new object already answers through Object.prototype (`__proto__`, `toString`, or an accessor
    // someone added there) is defined, as the spread's computed key defines it; any other is assigned, which
    // makes the same own data property, faster.
    if (k in r) Object.defineProperty(r, k, { value: v, enumerable: true, writable: true, configurable: true });
    else r[k] = v;
  }
  return r;
}

/**
 * The expression as esbuild prints it, on a variable or a property path (`result`, `obj.data`; any names:
 * esbuild renames to avoid clashes).
 */
const FILTER = /Object\.entries\(([\w$]+(?:\.[\w$]+)*)\)\.reduce\(\(([\w$]+), ([\w$]+)\) => \3\[1\] === void 0 \? \2 : \{ \.\.\.\2, \[\3\[0\]\]: \3\[1\] \}, \{\}\)/g;

/** The helper's name in the bundle (a bundle that already has the name is refused). */
const HELPER = '__platformGenDefinedOnly';

/**
 * `bundle` (esbuild's CommonJS output) with every such expression replaced by a call of `definedOnly`, whose
 * source is added once, at the top level after the bundle's last line of code (before the source-map comment: the
 * lines above keep their numbers; columns after a replaced expression on its line no longer match the map).
 * `count` is how many were replaced; 0 leaves the text as it was.
 */
function rewriteConverters(bundle) {
  if (bundle.includes(HELPER)) throw new Error(`scripts/defined-only.cjs: the bundle already has a ${HELPER}`);
  let count = 0;
  const text = bundle.replace(FILTER, (_, object) => {
    count++;
    return `${HELPER}(${object})`;
  });
  if (count === 0) return { text: bundle, count };
  const source = definedOnly.toString();
  if (!source.startsWith('function definedOnly(')) throw new Error('scripts/defined-only.cjs: definedOnly is not the function declaration the bundle needs');
  const helper = `${source.replace(/^function definedOnly\(/, `function ${HELPER}(`)}\n`;
  const map = text.lastIndexOf('\n//# sourceMappingURL=');
  return { text: map < 0 ? `${text}\n${helper}` : `${text.slice(0, map + 1)}${helper}${text.slice(map + 1)}`, count };
}

module.exports = { definedOnly, rewriteConverters, HELPER };

// The generated L1 converters (`toJson_*`, cdk8s-plus-28's k8s module and our imports/, both written by
// `cdk8s import`) end each with
//
//   return Object.entries(result).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: i[1] }), {});
//
// which copies the object built so far once per field: quadratic in the fields of each object, about a tenth of
// a large render (issue 14's profiles). `rewriteConverters` replaces that statement in the bundle scripts/run.cjs
// builds with `return definedOnly(result);`, one linear pass giving the same object. The dependency on disk,
// imports/, the tests' in-process renders and lib/ keep the generated code as it is.
'use strict';

/**
 * The object `Object.entries(o).reduce((r, i) => i[1] === undefined ? r : { ...r, [i[0]]: i[1] }, {})` builds:
 * `o`'s own enumerable string keys in the same order, those whose value is undefined left out, each an own data
 * property of a new plain object. A key `__proto__` is defined, not assigned, as the spread's computed key is.
 */
function definedOnly(o) {
  const r = {};
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (v === void 0) continue;
    if (k === '__proto__') Object.defineProperty(r, k, { value: v, enumerable: true, writable: true, configurable: true });
    else r[k] = v;
  }
  return r;
}

/** The statement as esbuild prints it (any names for `result`, `r` and `i`; esbuild renames to avoid clashes). */
const QUADRATIC = /return Object\.entries\(([\w$]+)\)\.reduce\(\(([\w$]+), ([\w$]+)\) => \3\[1\] === void 0 \? \2 : \{ \.\.\.\2, \[\3\[0\]\]: \3\[1\] \}, \{\}\);/g;

/** The helper's name in the bundle: unlike any name esbuild gives (it adds digits, never this prefix). */
const HELPER = '__platformGenDefinedOnly';

/**
 * `bundle` (esbuild's CommonJS output) with every converter's quadratic statement replaced by a call of
 * `definedOnly`, whose source is added once before the source-map comment (lines above it keep their numbers, so
 * the map still holds). `count` is how many were replaced; 0 leaves the text as it was.
 */
function rewriteConverters(bundle) {
  let count = 0;
  const text = bundle.replace(QUADRATIC, (_, result) => {
    count++;
    return `return ${HELPER}(${result});`;
  });
  if (count === 0) return { text: bundle, count };
  const helper = `${definedOnly.toString().replace(/^function definedOnly\(/, `function ${HELPER}(`)}\n`;
  const map = text.lastIndexOf('\n//# sourceMappingURL=');
  return { text: map < 0 ? `${text}\n${helper}` : `${text.slice(0, map + 1)}${helper}${text.slice(map + 1)}`, count };
}

module.exports = { definedOnly, rewriteConverters, QUADRATIC };

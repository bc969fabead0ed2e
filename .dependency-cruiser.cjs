/**
 * The project's layers, in the order data flows through them. A module may
 * import its own layer and any layer above it in this list, never one below;
 * and no import cycle anywhere. `npm test` runs this (test/layers/layers.test.ts).
 *
 * A data store kind is one folder, `stores/<kind>/`, cut across two layers by
 * file: its `catalogue.ts` (ports, endpoints, client wiring, version rules) is
 * catalogue; everything else in it (charts, Jobs, alerts, dashboard panels)
 * is charts.
 */
const STORE_CATALOGUE = 'stores/[^/]+/catalogue\\.ts$';
const LAYERS = [
  ['catalogue/', 'imports/', STORE_CATALOGUE], // facts: tiers, the store and add-on catalogues, generated CRD types
  ['platform/'], // spec schema, loader, resolved model
  ['blocks/'], // building blocks: labels, pods, network peers, footprints, signals, backup scripts
  ['charts/', `stores/(?![^/]+/catalogue\\.ts$)`], // cdk8s charts and constructs, each store kind's charts
  ['policy/'], // the rule pack, run as construct validation
  ['render/'], // synth, kustomizations, diagram, atomic writer, PlatformApp
  ['diff/'], // object-level diff of two renders
  ['cli/', 'main\\.ts$', 'index\\.ts$', 'examples/'], // entry points: commands, the package's exports, examples
];
const dir = (patterns) => `^(${patterns.join('|')})`;
const IN_A_LAYER = dir(LAYERS.flat());
/** Dependencies that are not our modules: Node's own and packages. */
const EXTERNAL = ['core', 'npm', 'npm-dev', 'npm-peer', 'npm-optional', 'npm-bundled', 'npm-no-pkg', 'npm-unknown'];

Object.assign(module.exports, {
  forbidden: [
    ...LAYERS.slice(0, -1).map((layer, i) => ({
      name: `layer-${layer[0].replace(/[^a-z]/g, '')}`,
      severity: 'error',
      comment: `${layer.join('/')} may import only ${LAYERS.slice(0, i + 1).flat().join(', ')} (data flows one way)`,
      from: { path: dir(layer) },
      to: { path: dir(LAYERS.slice(i + 1).flat()) },
    })),
    { name: 'no-cycle', severity: 'error', comment: 'import cycles hide which layer owns what', from: {}, to: { circular: true } },
    {
      name: 'in-a-layer',
      severity: 'error',
      comment: 'every module imported by product code belongs to a layer (add its folder to LAYERS)',
      from: { path: IN_A_LAYER },
      to: { pathNot: IN_A_LAYER, dependencyTypesNot: EXTERNAL },
    },
    {
      name: 'outside-layers',
      severity: 'error',
      comment: 'a module outside every layer (a new folder?) imports product code: give it a layer in LAYERS',
      from: { pathNot: `${IN_A_LAYER}|^(test|scripts)/|^vitest[^/]*\\.ts$` },
      to: { dependencyTypesNot: EXTERNAL },
    },
    { name: 'no-test-import', severity: 'error', comment: 'product code never imports tests', from: { pathNot: '^test/' }, to: { path: '^test/' } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Everything else is cruised (`.`), so a new top-level folder cannot escape the rules. Not imports/: the
    // CRD types `npm run import` generates (7.7 MB, half the cruise's time) import only cdk8s and constructs,
    // and every layer may import them, so no rule can be broken through them.
    exclude: { path: '^(node_modules|dist|lib|test|__snapshots__|docs|imports)/|^scripts/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
});

// The vitest plugin that hands the generated imports/ to Node precompiled (test/helpers/compiled-imports.ts).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ApiObject } from 'cdk8s';
import { transformSync } from 'esbuild';
import { describe, expect, test } from 'vitest';
import { ScaledObject } from '../../imports/keda-keda.sh';
import { compiledImports } from '../helpers/compiled-imports';

const ROOT = resolve(__dirname, '../..');
const plugin = compiledImports();
const resolveId = (source: string, importer: string) => (plugin.resolveId as (s: string, i: string) => string | null)(source, importer);

describe('compiled imports/', () => {
  test('an import of imports/<name> from anywhere in the checkout resolves to esbuild\'s CommonJS of that file, named by its hash', () => {
    const fromTest = resolveId('../../imports/keda-keda.sh', join(ROOT, 'test/harness/x.test.ts'))!;
    const fromChart = resolveId('../imports/keda-keda.sh', join(ROOT, 'charts/keda.ts'))!;
    expect(fromTest).toBe(fromChart);
    expect(fromTest).toMatch(/node_modules\/\.cache\/platform-gen\/vitest-imports\/keda-keda\.sh\.[0-9a-f]{16}\.cjs$/);
    const source = readFileSync(join(ROOT, 'imports/keda-keda.sh.ts'), 'utf8');
    expect(readFileSync(fromTest, 'utf8')).toBe(transformSync(source, { loader: 'ts', format: 'cjs', target: 'node20', sourcefile: join(ROOT, 'imports/keda-keda.sh.ts') }).code);
  });

  test('the bad twin: anything else is left to vite (a look-alike folder, a package, a relative import elsewhere)', () => {
    expect(resolveId('./imports/keda-keda.sh', join(ROOT, 'test/harness/x.test.ts'))).toBeNull();
    expect(resolveId('cdk8s-plus-28/lib/imports/k8s', join(ROOT, 'charts/keda.ts'))).toBeNull();
    expect(resolveId('../platform/model', join(ROOT, 'charts/keda.ts'))).toBeNull();
  });

  test('what the tests get is the compiled module, built on the checkout\'s cdk8s', () => {
    expect(Object.keys(require.cache).some((f) => /vitest-imports\/keda-keda\.sh\.[0-9a-f]{16}\.cjs$/.test(f))).toBe(true);
    expect(Object.getPrototypeOf(ScaledObject)).toBe(ApiObject);
  });
});

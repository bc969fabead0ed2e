import { loadSpec } from '../../platform/loader';
import { canaryPlatform, smallPlatform } from './fixtures';
import { render, type Rendered } from './render';
import { exampleSpecs } from '../../cli/examples';
import { generatePlatform } from '../../cli/generate-spec';
import { loadPlatform } from '../../platform/load';
import { parseSpec } from '../../platform/loader';
import { resolvePlatform, type PlatformModel } from '../../platform/model';

let cache: { name: string; rendered: Rendered }[] | undefined;

/** The platforms every invariant is checked on: the test fixture, its canary variant, the reference platform.yaml and every example. */
export function platformsUnderTest(): { name: string; rendered: Rendered }[] {
  cache ??= [
    { name: 'fixture', rendered: render(smallPlatform()) },
    { name: 'fixture with canaries', rendered: render(canaryPlatform()) },
    { name: 'platform.yaml', rendered: render(loadSpec('platform.yaml')) },
    // The seed platforms (examples/*.yaml): every invariant holds for them too.
    ...exampleSpecs().map(({ spec }) => ({ name: spec, rendered: render(loadSpec(spec)) })),
  ];
  return cache;
}

/** The platforms a render path is compared on (each loaded afresh): the reference platform.yaml, every example, a generated one of 30 services. */
export function modelsUnderTest(): [string, () => PlatformModel][] {
  return [
    ['the reference platform.yaml', () => loadPlatform('platform.yaml')],
    ...exampleSpecs().map(({ name, spec }): [string, () => PlatformModel] => [`examples/${name}.yaml`, () => loadPlatform(spec)]),
    ['a generated platform of 30 services', () => resolvePlatform(parseSpec(generatePlatform(30), 'fixture'))],
  ];
}

import { loadSpec } from '../../platform/loader';
import { canaryPlatform, smallPlatform } from './fixtures';
import { render, type Rendered } from './render';
import { exampleSpecs } from '../../cli/examples';

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

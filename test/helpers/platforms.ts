import { loadSpec } from '../../platform/loader';
import { canaryPlatform, smallPlatform } from './fixtures';
import { render, type Rendered } from './render';

let cache: { name: string; rendered: Rendered }[] | undefined;

/** The platforms every invariant is checked on: the test fixture, its canary variant and the reference platform.yaml. */
export function platformsUnderTest(): { name: string; rendered: Rendered }[] {
  cache ??= [
    { name: 'fixture', rendered: render(smallPlatform()) },
    { name: 'fixture with canaries', rendered: render(canaryPlatform()) },
    { name: 'platform.yaml', rendered: render(loadSpec('platform.yaml')) },
  ];
  return cache;
}

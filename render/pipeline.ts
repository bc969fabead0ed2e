import type { PlatformModel } from '../platform/model';
import { PlatformApp, type RenderResult } from './platform-app';

export type { RenderResult };

/** model → charts → policy gate → file contents. Pure: reads and writes nothing. */
export function renderPlatform(model: PlatformModel): RenderResult {
  return new PlatformApp({ model }).render();
}

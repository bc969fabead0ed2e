import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A part of a render with at least this many objects is collected as soon as it is released (about 170
 * services in an environment; the reference platform's are about 240 objects). A full collection costs
 * time in proportion to what is still alive, not to the garbage: worth it only after a large part.
 */
const COLLECT_FROM_OBJECTS = 2_000;

let gc: (() => void) | undefined;

/**
 * Called once a part of a render (an environment's App and objects, `objects` of them) is no longer
 * referenced: a full garbage collection when the part was large, so the next part reuses that memory
 * instead of growing the heap. V8 sizes its next collection from the last one's survivors and otherwise
 * lets the heap grow to about twice that with the released garbage still in it (at 1000 services: a
 * 560 MiB peak without, 360 MiB with; 300-320 MiB once the YAML writer's memo went with each
 * environment too). Each collection costs 20-90 ms here, as little survives. V8's `gc` is reached as
 * jest's leak detector reaches it: exposed by flag at run time, taken from a fresh context
 * (`globalThis.gc` when the process was started with --expose-gc).
 */
export function releaseMemory(objects: number): void {
  if (objects >= COLLECT_FROM_OBJECTS) collectGarbage();
}

/** A full garbage collection now. */
export function collectGarbage(): void {
  if (!gc) {
    gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    }
  }
  gc();
}

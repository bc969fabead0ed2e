import type { Construct } from 'constructs';

/**
 * Builds a group's objects under `scope` from `input`, or puts them back (render/chart-cache.ts). The
 * group's objects are the children it adds to `scope`.
 */
export type GroupBuilder = (scope: Construct, id: string, input: object, build: (scope: Construct, input: object) => void) => void;

let current: GroupBuilder | undefined;

/**
 * Builds the objects of one part of a chart — one service's routes in the mesh chart, its dashboard —
 * from `input`, as children of `scope` (no construct of its own: a level more for every service cost a
 * fifth more time and a quarter more memory at 1000 services). `id` names the group, unique in `scope`.
 * `input` holds all the group uses of the model: the model's objects, and any string or number the chart
 * computed from it (compared before the group is put back). `build` reads through `input` only: a read of
 * the chart's model through a captured variable is seen while the group is built (its chart is then never
 * kept), but a captured string is not — pass it in `input`. While the chart cache builds a chart, it puts
 * back a group whose input reads as before instead of building it, so a change to one service builds that
 * service's group and not the chart's every service.
 */
export function objectGroup<I extends object>(scope: Construct, id: string, input: I, build: (scope: Construct, input: I) => void): void {
  const builder = current;
  if (builder) withGroupBuilder(undefined, () => builder(scope, id, input, build as (scope: Construct, input: object) => void));
  else build(scope, input);
}

/** Runs `f` with `builder` building the groups it makes (none: built in place, as groups within a group are). */
export function withGroupBuilder<T>(builder: GroupBuilder | undefined, f: () => T): T {
  const outer = current;
  current = builder;
  try {
    return f();
  } finally {
    current = outer;
  }
}

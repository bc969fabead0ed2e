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
 * `build` must read the model through `input` only; values computed before (strings, numbers) it may
 * use. While the chart cache builds a chart, it puts back a group whose input reads as before instead of
 * building it, so a change to one service builds that service's group and not the chart's every service.
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

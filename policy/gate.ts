import type { KubeObject, RenderedChart } from '../blocks/kube-object';
import { CROSS_RULES, type CrossRule } from './cross-rules';
import { RULES, suppressionsOf, type Rule } from './rules';

export interface Violation {
  readonly rule: string;
  readonly file: string;
  readonly object: string;
  readonly message: string;
}

export class PolicyError extends Error {
  constructor(readonly violations: readonly Violation[]) {
    super(
      `policy gate: ${violations.length} violation${violations.length === 1 ? '' : 's'}; nothing was written:\n` +
        violations.map((v) => `  - [${v.rule}] ${v.file} ${v.object}: ${v.message}`).join('\n'),
    );
    this.name = 'PolicyError';
  }
}

/** The rules of the pack: one-object rules and rules across the objects of one scope. */
export interface RulePack {
  readonly rules: readonly Rule[];
  readonly crossRules: readonly CrossRule[];
}

export const RULE_PACK: RulePack = { rules: RULES, crossRules: CROSS_RULES };

export const objectRef = (obj: KubeObject) => `${obj.kind}/${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`;

/**
 * The scope cross-object rules see: the first folder of the file (one
 * environment, or the Argo CD files). Environments may reuse namespace names
 * on different clusters, so objects of two environments are never compared.
 */
export const scopeOf = (file: string) => file.split('/')[0]!;

/**
 * Checks every object against the rule pack. A rule may be suppressed on one
 * object by the suppress annotation, with a reason of at least 20 characters.
 * Objects `passed` names passed this pack's one-object rules already, unchanged
 * (the chart cache's restored objects): only the cross-object rules see them.
 */
export function checkPolicies(charts: readonly RenderedChart[], pack: RulePack = RULE_PACK, passed?: (obj: KubeObject) => boolean): Violation[] {
  const known = new Set([...pack.rules, ...pack.crossRules].map((r) => r.id));
  const out: Violation[] = [];
  const fileOf = new Map<KubeObject, string>();
  const scopes = new Map<string, KubeObject[]>();
  for (const chart of charts) {
    for (const obj of chart.objects) {
      fileOf.set(obj, chart.file);
      const key = chart.scope ?? scopeOf(chart.file);
      const scope = scopes.get(key) ?? [];
      scope.push(obj);
      scopes.set(key, scope);
      if (passed?.(obj)) continue;
      const object = objectRef(obj);
      const suppressed = suppressionsOf(obj);
      for (const [id, reason] of suppressed) {
        if (!known.has(id)) out.push({ rule: 'SUPPRESSION', file: chart.file, object, message: `suppresses unknown rule ${id}` });
        else if (reason.length < 20) out.push({ rule: 'SUPPRESSION', file: chart.file, object, message: `suppression of ${id} needs a reason (20+ characters)` });
      }
      for (const rule of pack.rules) {
        if (suppressed.has(rule.id)) continue;
        // An object no rule expected (a hand-written or patched one of any shape) is a finding, never a crash.
        let messages: string[];
        try {
          messages = rule.check(obj);
        } catch (e) {
          messages = [`could not be checked (the object is not shaped as its kind requires: ${(e as Error).message.split('\n')[0]})`];
        }
        for (const message of messages) out.push({ rule: rule.id, file: chart.file, object, message });
      }
    }
  }
  for (const objects of scopes.values()) {
    for (const rule of pack.crossRules) {
      let found: ReturnType<CrossRule['check']>;
      try {
        found = rule.check(objects);
      } catch (e) {
        out.push({ rule: rule.id, file: fileOf.get(objects[0]!) ?? '', object: '(scope)', message: `could not be checked (an object is not shaped as its kind requires: ${(e as Error).message.split('\n')[0]})` });
        continue;
      }
      for (const f of found) {
        if (suppressionsOf(f.object).has(rule.id)) continue;
        out.push({ rule: rule.id, file: fileOf.get(f.object)!, object: objectRef(f.object), message: f.message });
      }
    }
  }
  return out;
}

export function enforcePolicies(charts: readonly RenderedChart[]): void {
  const violations = checkPolicies(charts);
  if (violations.length) throw new PolicyError(violations);
}

import type { RenderedChart } from '../blocks/kube-object';
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

/**
 * Checks every object against the rule pack. A rule may be suppressed on one
 * object by the suppress annotation, with a reason of at least 20 characters.
 */
export function checkPolicies(charts: readonly RenderedChart[], rules: readonly Rule[] = RULES): Violation[] {
  const known = new Set(rules.map((r) => r.id));
  const out: Violation[] = [];
  for (const chart of charts) {
    for (const obj of chart.objects) {
      const object = `${obj.kind}/${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`;
      const suppressed = suppressionsOf(obj);
      for (const [id, reason] of suppressed) {
        if (!known.has(id)) out.push({ rule: 'SUPPRESSION', file: chart.file, object, message: `suppresses unknown rule ${id}` });
        else if (reason.length < 20) out.push({ rule: 'SUPPRESSION', file: chart.file, object, message: `suppression of ${id} needs a reason (20+ characters)` });
      }
      for (const rule of rules) {
        if (suppressed.has(rule.id)) continue;
        for (const message of rule.check(obj)) out.push({ rule: rule.id, file: chart.file, object, message });
      }
    }
  }
  return out;
}

export function enforcePolicies(charts: readonly RenderedChart[]): void {
  const violations = checkPolicies(charts);
  if (violations.length) throw new PolicyError(violations);
}

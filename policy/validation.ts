import { ApiObject, Chart } from 'cdk8s';
import type { Construct, IValidation } from 'constructs';
import type { KubeObject, RenderedChart } from '../blocks/kube-object';
import { renderPass, rendered } from '../blocks/render-pass';
import { PlatformChart } from '../charts/platform-chart';
import { checkPolicies, RULE_PACK, type RulePack, type Violation } from './gate';

const GATES = new WeakMap<Construct, PolicyValidation>();
const PLAIN_CHARTS_SCOPE = '(plain charts)';

/**
 * The rule pack as cdk8s construct validation (the cdk-nag way): added to an
 * App (or any construct), it checks every object of every chart under it when
 * the app synthesizes — `app.synth()`, `cdk8s synth`, or `PlatformApp.render()`
 * — so a chart a user adds next to the platform's passes the same gate.
 *
 * ```ts
 * const app = new App();
 * PolicyValidation.of(app);          // once; idempotent
 * new MyChart(app, 'mine');
 * app.synth();                       // throws, listing every violation with its rule id
 * ```
 */
export class PolicyValidation implements IValidation {
  /** Adds the rule pack to `scope` once and returns it (the same instance on every call). */
  static of(scope: Construct, pack: RulePack = RULE_PACK): PolicyValidation {
    let gate = GATES.get(scope);
    if (!gate) {
      gate = new PolicyValidation(scope, pack);
      GATES.set(scope, gate);
      scope.node.addValidation(gate);
    }
    return gate;
  }

  /** The gate added to `scope` by `of`, if any. */
  static find(scope: Construct): PolicyValidation | undefined {
    return GATES.get(scope);
  }

  /** What the last validation found, with rule ids, files and objects (empty when it passed or has not run). */
  get violations(): readonly Violation[] {
    return this.found;
  }

  private found: readonly Violation[] = [];
  private readonly json = new WeakMap<ApiObject, KubeObject>();
  private passed?: (obj: KubeObject) => boolean;

  /**
   * Names objects that passed this gate's one-object rules before, unchanged: the chart cache's restored
   * objects (render/chart-cache.ts), which it only keeps from renders that passed, under the same code.
   * The cross-object rules still see every object. Only for the default rule pack, whose code the cache's
   * version covers.
   */
  trustPassed(passed: (obj: KubeObject) => boolean): void {
    if (this.pack !== RULE_PACK) throw new Error('trustPassed: only the default rule pack (a custom pack\'s rules are not part of the chart cache\'s version)');
    this.passed = passed;
  }

  private constructor(
    private readonly scope: Construct,
    private readonly pack: RulePack,
  ) {}

  validate(): string[] {
    this.found = checkPolicies(this.chartsUnder(), this.pack, this.passed);
    return this.messages;
  }

  /** The last validation's violations as validation messages (`[RULE] file Kind/ns/name: message`). */
  get messages(): string[] {
    return this.found.map((v) => `[${v.rule}] ${v.file} ${v.object}: ${v.message}`);
  }

  /** The object as the last validation rendered it (rendering is not repeated to write it). */
  rendered(obj: ApiObject): KubeObject {
    return this.json.get(obj) ?? (obj.toJson() as KubeObject);
  }

  /**
   * Every chart under the scope with its objects; a PlatformChart is named by
   * its output file, any other chart by its construct path (cross-object
   * rules compare all plain charts' objects together).
   */
  private chartsUnder(): RenderedChart[] {
    const byChart = new Map<Chart, KubeObject[]>();
    // One render pass: a chart computing from others' objects while it renders (the quotas) reuses these renderings.
    renderPass(() => {
      for (const node of this.scope.node.findAll()) {
        if (!(node instanceof ApiObject)) continue;
        const json = rendered(node);
        this.json.set(node, json);
        const chart = Chart.of(node);
        const list = byChart.get(chart) ?? [];
        list.push(json);
        byChart.set(chart, list);
      }
    });
    // Plain charts have no environment: they are compared with each other (one scope), never with a platform environment's.
    return [...byChart].map(([chart, objects]) => (PlatformChart.isPlatformChart(chart) ? { file: chart.file, objects } : { file: `${chart.node.path}.yaml`, objects, scope: PLAIN_CHARTS_SCOPE }));
  }
}

import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';

export interface PlatformChartProps {
  /**
   * Output file, relative to the output directory (e.g. `prod/services/cart-service.yaml`).
   * It must depend on the spec only, never on construct ids.
   */
  readonly file: string;
}

/** A cdk8s Chart that knows which file of `dist/` it renders to. */
export class PlatformChart extends Chart {
  static isPlatformChart(x: unknown): x is PlatformChart {
    return x instanceof PlatformChart;
  }

  readonly file: string;

  constructor(scope: Construct, id: string, props: PlatformChartProps) {
    // Every object sets its own name and namespace explicitly; the chart adds neither.
    super(scope, id, { disableResourceNameHashes: true });
    if (!/^[a-z0-9][a-z0-9/_.-]*\.yaml$/.test(props.file) || props.file.includes('..')) {
      throw new Error(`invalid output file '${props.file}'`);
    }
    this.file = props.file;
  }
}

// The baseline of `npm run bench` (issue 14): a plain cdk8s-plus-28 app as its own documentation
// writes one, run with tsx — N × (Deployment, Service, HorizontalPodAutoscaler) in one Chart and one
// environment, `app.synth()` to OUTDIR. No validation, policy or mesh: what rendering costs per
// object with the default toolchain. Prints one JSON line: { objects, maxRssMiB }.
// Usage: tsx cli/bench-baseline.ts N OUTDIR
import { App, Chart, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';

const [n, outdir] = process.argv.slice(2) as [string, string];
const app = new App({ outdir });
const chart = new Chart(app, 'services', { namespace: 'bench' });
for (let i = 0; i < Number(n); i++) {
  const name = `service-${String(i).padStart(4, '0')}`;
  const deployment = new kplus.Deployment(chart, name, {
    containers: [
      {
        name,
        image: `registry.example.com/bench/${name}:1.0.0`,
        portNumber: 8080,
        resources: { cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(500) }, memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) } },
      },
    ],
  });
  deployment.exposeViaService({ name, ports: [{ port: 80, targetPort: 8080 }] });
  new kplus.HorizontalPodAutoscaler(chart, `${name}-hpa`, {
    target: deployment,
    minReplicas: 2,
    maxReplicas: 10,
    metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(70))],
  });
}
app.synth();
console.log(JSON.stringify({ objects: chart.toJson().length, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));

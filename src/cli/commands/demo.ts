import { Command, InvalidArgumentError } from 'commander';
import { createDetectorOutput, DetectorBank, STAT_NAMES } from '../../core/detect/index.js';
import { DEMO_INCIDENTS, DEMO_SERIES, demoValues, seededRandom } from '../../core/sim/index.js';

export interface DemoOptions {
  /** Simulated seconds per real second. */
  speed: number;
  /** Simulated days to run; the demo stops after them. */
  days: number;
  stepSec: number;
  threshold: number;
  seed: number;
}

const DAY = 86_400;

/**
 * Streams the simulated application through the default detector on an accelerated clock and
 * prints each anomaly as it opens. Insights, the API and the dashboard build on this later.
 */
export async function runDemo(opts: DemoOptions, write: (line: string) => void, signal?: AbortSignal): Promise<number> {
  const bank = new DetectorBank(DEMO_SERIES.length);
  const ids = DEMO_SERIES.map(() => bank.add());
  const out = createDetectorOutput();
  const values = new Float64Array(DEMO_SERIES.length);
  const open = new Array<boolean>(DEMO_SERIES.length).fill(false);
  const rand = seededRandom(opts.seed);
  const start = Date.UTC(2026, 0, 5); // a Monday
  const steps = Math.floor((opts.days * DAY) / opts.stepSec);
  const stepsPerTick = Math.max(1, Math.round((opts.speed * 0.1) / opts.stepSec));
  write(`vigil demo: ${DEMO_SERIES.length} series, ${opts.days} simulated days at ${opts.stepSec}s steps, ${opts.speed}x speed`);
  write(`injected incidents: ${DEMO_INCIDENTS.map((i) => `${i.name} (day ${(i.startSec / DAY).toFixed(1)})`).join('; ')}`);
  let anomalies = 0;
  for (let i = 0; i < steps; i++) {
    if (signal?.aborted) break;
    const tSec = i * opts.stepSec;
    demoValues(tSec, rand, values);
    for (let k = 0; k < ids.length; k++) {
      bank.update(ids[k], start + tSec * 1000, values[k], out);
      const anomalous = out.score >= opts.threshold;
      if (anomalous && !open[k]) {
        anomalies++;
        const s = DEMO_SERIES[k];
        const labels = Object.entries(s.labels).map(([a, b]) => `${a}="${b}"`).join(',');
        write(`${new Date(start + tSec * 1000).toISOString()}  anomaly  ${s.name}{${labels}}  value=${values[k].toPrecision(4)} expected=${out.expected.toPrecision(4)} ${out.direction > 0 ? 'above' : out.direction < 0 ? 'below' : ''} (${STAT_NAMES[out.cause]}, p=${out.pValue.toExponential(1)})`);
      }
      // An anomaly stays open until the series has been quiet for a while (score back under 0.9).
      if (anomalous) open[k] = true;
      else if (out.score < 0.9) open[k] = false;
    }
    if (i % stepsPerTick === stepsPerTick - 1 && opts.speed > 0) await new Promise((r) => setTimeout(r, 100));
  }
  write(`vigil demo: done, ${anomalies} anomalies opened`);
  return anomalies;
}

function positive(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
    return n;
  };
}

export function demoCommand(): Command {
  return new Command('demo')
    .description('Run a simulated application with injected incidents through the detector (accelerated clock)')
    .option('--speed <x>', 'simulated seconds per real second (0 = as fast as possible)', (v) => (v === '0' ? 0 : positive('--speed')(v)), 43_200)
    .option('--days <n>', 'simulated days to run', positive('--days'), 7)
    .option('--step <seconds>', 'sampling step of the simulated metrics', positive('--step'), 60)
    .option('--threshold <score>', 'score at which an anomaly opens', positive('--threshold'), 0.9999)
    .option('--seed <n>', 'seed of the simulation', positive('--seed'), 42)
    .action(async (o: { speed: number; days: number; step: number; threshold: number; seed: number }) => {
      const ac = new AbortController();
      const stop = () => ac.abort();
      process.once('SIGINT', stop);
      await runDemo({ speed: o.speed, days: o.days, stepSec: o.step, threshold: o.threshold, seed: o.seed }, (l) => process.stdout.write(l + '\n'), ac.signal);
      process.off('SIGINT', stop);
    });
}

import type { Command } from 'commander';
import { evaluateScenarios } from '../../app/scenario-eval.js';
import { loadRecommender } from '../../app/recommender.js';

/** `vigil eval scenarios`: the insights engine against scripted incidents with ground truth. */
export function addEvalScenarios(evalCmd: Command): void {
  evalCmd
    .command('scenarios')
    .description('Replay scripted incidents and incident-free weeks through the real pipeline and score the insights against ground truth')
    .option('--seed <n>', 'noise seed', (v) => Number(v), 1)
    .option('--quiet-days <n>', 'incident-free days to replay', (v) => Number(v), 14)
    .action(async (o: { seed: number; quietDays: number }) => {
      const out = (l: string) => process.stdout.write(l + '\n');
      const recommender = await loadRecommender();
      const r = await evaluateScenarios({ seed: o.seed, quietDays: o.quietDays, recommender, onProgress: (l) => process.stderr.write(`  ${l}\n`) });
      const pad = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + '…' : s.padEnd(n));
      out(`${pad('scenario', 34)} ${pad('insights', 9)} ${pad('single', 7)} ${pad('root cause (top-1)', 44)} ok`);
      for (const x of r.results) {
        out(`${pad(x.id, 34)} ${pad(`${x.insights.length}/${x.expectedInsights}`, 9)} ${pad(x.single ? 'yes' : 'no', 7)} ${pad(x.rootCauseSeen, 44)} ${x.rootCauseOk ? 'yes' : `no (want ${x.rootCauseExpected})`}`);
        for (const i of x.insights) out(`    ${i.type.padEnd(9)} ${i.severity.padEnd(6)} ${i.name}`);
      }
      for (const i of r.quietInsights) out(`quiet: ${i.type} ${i.severity} ${new Date(i.startMs).toISOString()} ${i.name}`);
      const single = r.results.filter((x) => x.single).length;
      const rc = r.results.filter((x) => x.rootCauseOk).length;
      out(`scenarios single_insight=${single}/${r.results.length} root_cause_top1=${rc}/${r.results.length} quiet_days_insights=${r.quietInsights.length}`);
    });
}

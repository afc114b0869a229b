/**
 * Consistency of a scenario's script with its ground truth, checked against the series the
 * application model really emits: a typo in a target would otherwise make a scenario silently
 * test nothing. Returns the problems as sentences; an empty list means the scenario is sound.
 */
import { appSeries, type SimSeries } from './app-model.js';
import type { Scenario, SeriesTarget } from './scenario-catalogue.js';
import { matchesTarget } from './scenario-stream.js';

/** An event that explains an incident happens before it, but not long before. */
const MAX_EVENT_LEAD_SEC = 3600;

export function checkScenario(scenario: Scenario, series: readonly SimSeries[] = appSeries()): string[] {
  const problems: string[] = [];
  const describe = (t: SeriesTarget): string => `${t.metric}${t.labels === undefined ? '' : JSON.stringify(t.labels)} on ${t.resource}`;
  const exists = (t: SeriesTarget): boolean => series.some((s) => matchesTarget(s, t));

  scenario.effects.forEach((e, i) => {
    if (!exists(e.target)) problems.push(`effect ${i} targets ${describe(e.target)}, which no series matches`);
  });
  const x = scenario.expected;
  if (x.insights !== x.reactive + (x.proactive === null ? 0 : 1)) problems.push(`expected.insights (${x.insights}) is not reactive (${x.reactive}) + proactive (${x.proactive === null ? 0 : 1})`);
  if (x.proactive !== null && !exists(x.proactive)) problems.push(`proactive target ${describe(x.proactive)} matches no series`);
  if (x.relevantEventName !== undefined && !scenario.events.some((e) => e.name === x.relevantEventName)) {
    problems.push(`relevant event "${x.relevantEventName}" is not among the scenario's events`);
  }

  const rc = x.rootCause;
  if (rc.kind === 'EVENT') {
    const ev = scenario.events.find((e) => e.name === rc.eventName && e.class === rc.eventClass);
    if (ev === undefined) problems.push(`root-cause event ${rc.eventClass} "${rc.eventName}" is not among the scenario's events`);
    else if (ev.atSec > 0 || ev.atSec < -MAX_EVENT_LEAD_SEC) problems.push(`root-cause event "${rc.eventName}" is at ${ev.atSec} s from onset; it must come within the hour before`);
    if (scenario.effects.length === 0) problems.push('an event is blamed but no metric changes');
  } else {
    if (!exists(rc)) problems.push(`root-cause series ${describe(rc)} matches no series`);
    const own = scenario.effects.filter((e) => series.some((s) => matchesTarget(s, e.target) && matchesTarget(s, rc)));
    if (own.length === 0) problems.push(`root-cause series ${describe(rc)} is not changed by any effect`);
    else {
      const first = Math.min(...own.map((e) => e.fromSec));
      const earlier = scenario.effects.filter((e) => e.fromSec < first && !own.includes(e));
      if (earlier.length > 0) problems.push(`root-cause series ${describe(rc)} is not the earliest change (${describe(earlier[0]!.target)} starts first)`);
    }
  }
  return problems;
}

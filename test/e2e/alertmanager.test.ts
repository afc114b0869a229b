// Against a real Alertmanager (Debian's prometheus-alertmanager): insights sent by the alertmanager
// channel arrive as alerts, are grouped by Alertmanager's route (so routes, silences and
// inhibitions apply), reach a webhook receiver as one grouped notification, survive re-posts and a
// severity upgrade without duplicates, and resolve when the insights close.
// A missing binary fails the test (peers.ts: requireBinary), it never skips.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createChannelSender } from '../../src/adapters/notify/index.js';
import type { ChannelSpec, NotificationMessage } from '../../src/core/notify/index.js';
import { startAlertmanager, type AlertmanagerPeer } from '../support/peers.js';
import { closedMessage, makeInsight, makeMessage, withSeverity } from '../support/notify-fixtures.js';
import { startRecordingServer, type RecordingServer } from '../support/recording-server.js';
import { getJson, until } from '../support/poll.js';

interface GettableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
  status: { state: string };
}
interface AlertGroup {
  labels: Record<string, string>;
  receiver: { name: string };
  alerts: GettableAlert[];
}
interface WebhookNotification {
  status: 'firing' | 'resolved';
  groupLabels: Record<string, string>;
  alerts: { status: 'firing' | 'resolved'; labels: Record<string, string> }[];
}

const MIN = 60_000;

describe('Alertmanager channel against a real Alertmanager', { timeout: 180_000 }, () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
  });

  it('two insights of one application become one group, notify once grouped, and resolve on close', async () => {
    const hook = await startRecordingServer(() => ({ status: 200 }));
    cleanup.push(() => hook.close());
    const am: AlertmanagerPeer = await startAlertmanager({
      configYaml: `
route:
  receiver: vigil-test
  group_by: [alertname, application]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
receivers:
  - name: vigil-test
    webhook_configs:
      - url: ${hook.url}/alertmanager
        send_resolved: true
`,
    });
    cleanup.push(() => am.stop());
    const diagnose = (): string => `--- alertmanager log ---\n${am.logTail(20)}\n--- webhook notifications ---\n${notifications(hook).map((n) => JSON.stringify(n)).join('\n')}`;

    const spec: ChannelSpec = { name: 'am', type: 'alertmanager', minSeverity: 'LOW', types: ['NEW_INSIGHT', 'SEVERITY_UPGRADED', 'CLOSED_INSIGHT'], rateLimitPerMinute: 60, url: am.url };
    const sender = createChannelSender(spec, { timeoutMs: 10_000 });
    const send = async (m: NotificationMessage): Promise<void> => {
      const r = await sender.send(m);
      assert.ok(r.ok, `${m.type} ${m.insight.id}: ${JSON.stringify(r)}\n${diagnose()}`);
    };

    const now = Date.now();
    const live = (id: string, application: string, severity: 'MEDIUM' | 'HIGH'): NotificationMessage =>
      makeMessage(makeInsight(id, { application, severity, startMs: now - 5 * MIN, updatedMs: now }), 'NEW_INSIGHT', { timeMs: now, dashboardUrl: `http://vigil.test/insights/${id}` });
    const a = live('in-e2e-a', 'checkout', 'MEDIUM');
    const b = live('in-e2e-b', 'checkout', 'HIGH');
    const c = live('in-e2e-c', 'billing', 'HIGH');
    for (const m of [a, b, c]) await send(m);

    // One group per (alertname, application): checkout holds both of its insights.
    const groups = await until('Alertmanager to group the alerts', 30_000, async () => {
      const gs = (await getJson<AlertGroup[]>(`${am.url}/api/v2/alerts/groups`)).filter((g) => g.labels.alertname === 'VigilInsight');
      const checkout = gs.find((g) => g.labels.application === 'checkout');
      return checkout !== undefined && checkout.alerts.length === 2 && gs.some((g) => g.labels.application === 'billing') ? gs : undefined;
    }, { diagnose });
    assert.equal(groups.length, 2, 'checkout and billing');
    const checkout = groups.find((g) => g.labels.application === 'checkout')!;
    assert.deepEqual(checkout.labels, { alertname: 'VigilInsight', application: 'checkout' });
    assert.equal(checkout.receiver.name, 'vigil-test');
    assert.deepEqual(checkout.alerts.map((x) => x.labels.insight_id).sort(), ['in-e2e-a', 'in-e2e-b']);
    const alertA = checkout.alerts.find((x) => x.labels.insight_id === 'in-e2e-a')!;
    assert.equal(alertA.status.state, 'active');
    assert.deepEqual(alertA.labels, { alertname: 'VigilInsight', insight_id: 'in-e2e-a', severity: 'warning', insight_type: 'reactive', application: 'checkout' });
    assert.equal(alertA.annotations.summary, a.insight.name);
    assert.equal(alertA.generatorURL, 'http://vigil.test/insights/in-e2e-a');
    assert.ok(Date.parse(alertA.endsAt) > Date.now() + 3 * MIN, 'an ongoing insight stays firing for minutes without a re-post');

    // The receiver got one notification for the checkout group carrying both insights.
    const grouped = await until('a grouped webhook notification with both checkout insights', 30_000, async () =>
      notifications(hook).find((n) => n.status === 'firing' && n.groupLabels.application === 'checkout' && ids(n).includes('in-e2e-a') && ids(n).includes('in-e2e-b')), { diagnose });
    assert.deepEqual(grouped.groupLabels, { alertname: 'VigilInsight', application: 'checkout' });
    assert.ok(notifications(hook).every((n) => n.groupLabels.application !== 'checkout' || !ids(n).includes('in-e2e-c')), 'billing is never in the checkout group');

    // Re-posting an ongoing insight (the engine does it every resendIntervalMs) adds no alert.
    assert.equal(sender.resendIntervalMs, 60_000);
    await send(a);
    await send(b);
    // A severity upgrade changes the label set; the old (warning) alert is ended, not left firing.
    await send(withSeverity(a, 'HIGH'));
    await until('one active alert per insight after the upgrade', 30_000, async () => {
      const active = await getJson<GettableAlert[]>(`${am.url}/api/v2/alerts?active=true&filter=${encodeURIComponent('application="checkout"')}`);
      const forA = active.filter((x) => x.labels.insight_id === 'in-e2e-a');
      return active.length === 2 && forA.length === 1 && forA[0]!.labels.severity === 'critical' ? true : undefined;
    }, { diagnose });

    // Closing both insights resolves their alerts; billing stays.
    await send(closedMessage(withSeverity(a, 'HIGH'), Date.now()));
    await send(closedMessage(b, Date.now()));
    await until('the checkout alerts to resolve', 30_000, async () => {
      const active = await getJson<GettableAlert[]>(`${am.url}/api/v2/alerts?active=true&filter=${encodeURIComponent('alertname="VigilInsight"')}`);
      const left = active.map((x) => x.labels.insight_id);
      return !left.includes('in-e2e-a') && !left.includes('in-e2e-b') && left.includes('in-e2e-c') ? true : undefined;
    }, { diagnose });
    const resolved = await until('a resolved notification for the checkout group', 30_000, async () =>
      notifications(hook).find((n) => n.status === 'resolved' && n.groupLabels.application === 'checkout' && ids(n).includes('in-e2e-a') && ids(n).includes('in-e2e-b')), { diagnose });
    assert.ok(resolved.alerts.every((x) => x.status === 'resolved'));
  });
});

function notifications(hook: RecordingServer): WebhookNotification[] {
  return hook.requests.filter((r) => r.url === '/alertmanager').map((r) => JSON.parse(r.body.toString('utf8')) as WebhookNotification);
}

function ids(n: WebhookNotification): string[] {
  return n.alerts.map((x) => x.labels.insight_id ?? '');
}

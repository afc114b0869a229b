// What each channel is sent: a NotificationMessage turned into one HTTP request, per the receiver's
// published API. Pure: time comes in as `nowMs`, secrets come in with the spec, signing (node:crypto)
// and sending live in adapters/notify.
//
//   message ─► channelRequest(spec, message, nowMs) ─► { method, path, headers, body }
//           ─► adapter: channelRequestUrl(spec, path), sign (webhook), fetch, DeliveryResult
//
// Every string that reaches a body comes from the insight, i.e. from label values, event names and
// knowledge-base text, which an attacker may control. It enters JSON only through JSON.stringify (so
// it can never close a string or add a key) and Slack mrkdwn only through escapeMrkdwn (so it can
// never become a link, a mention or a <!channel>). Nothing here builds a shell command.
//
// Limits followed (docs/notifications.md has the tables):
//   Slack Block Kit      ≤ 50 blocks; header plain_text ≤ 150; section text ≤ 3000; ≤ 10 fields of
//                        ≤ 2000; button text ≤ 75, url ≤ 3000, action_id ≤ 255
//   PagerDuty Events v2  dedup_key ≤ 255; payload.summary ≤ 1024; severity critical|error|warning|info
//   Opsgenie Alert API   message ≤ 130; alias ≤ 512; description ≤ 15000; ≤ 20 tags of ≤ 50;
//                        details ≤ 8000 in total; entity ≤ 512; source ≤ 100; user ≤ 100; note ≤ 25000
//   Alertmanager v2      postableAlerts: labels (names [a-zA-Z_][a-zA-Z0-9_]*), annotations,
//                        startsAt ≤ endsAt, generatorURL a URI
import type { Anomaly, Insight, NotificationType, Severity } from '../model/index.js';
import { CHANNEL_TYPES, NOTIFICATION_TYPES, type ChannelSpec, type ChannelType, type NotificationMessage } from './types.js';

/** One HTTP request for a channel. `path` is relative to the channel's URL, or absolute (http[s]://). */
export interface ChannelRequest {
  readonly method: 'POST';
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const JSON_HEADERS = { 'Content-Type': 'application/json' } as const;
const SOURCE_NAME = 'Vigil';

// ---- shared helpers -----------------------------------------------------------------------------

/**
 * Cuts `s` to at most `max` UTF-16 units, ending in "…" when cut, never splitting a surrogate pair.
 * Receivers count characters; a UTF-16 length is never below the character count, so this is safe.
 */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  if (max <= 1) return max === 1 ? '…' : '';
  let cut = max - 1;
  const last = s.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--;
  return s.slice(0, cut) + '…';
}

/**
 * Escapes text for Slack mrkdwn. Slack's rule: `&`, `<` and `>` are control characters (links,
 * mentions, `<!channel>`), so they must be sent as `&amp;` `&lt;` `&gt;`; nothing else is needed.
 */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Already-escaped mrkdwn cut to `max`, never ending in half an entity ("&am…"). */
function cutEscaped(s: string, max: number): string {
  const cut = truncate(s, max);
  return cut.length < s.length ? cut.replace(/&[a-z]{0,3}…$/, '…') : cut;
}

/** User text as mrkdwn: escaped, then cut to `max`. */
function mrkdwn(s: string, max: number): string {
  return cutEscaped(escapeMrkdwn(s), max);
}

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : new Date(0).toISOString();
}

function isHttpUrl(s: string | null | undefined): s is string {
  if (s === null || s === undefined || s.length > 3000) return false;
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/** A number for people: 3 significant digits, no exponent for ordinary magnitudes. */
function num(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e7 || a < 1e-3)) return v.toExponential(2);
  return String(Number(v.toPrecision(3)));
}

/** CAUSAL first, then the strongest: the order in which a reader (and truncation) should see them. */
function ranked(anomalies: readonly Anomaly[]): Anomaly[] {
  return [...anomalies].sort((a, b) => (a.role === b.role ? 0 : a.role === 'CAUSAL' ? -1 : 1) || b.peakScore - a.peakScore || a.startMs - b.startMs);
}

function anomalyLine(a: Anomaly): string {
  return `${a.metricName} on ${a.resource}: ${a.direction} expected (peak ${num(a.peakValue)}, expected ${num(a.expected)})`;
}

const VERB: Readonly<Record<NotificationType, string>> = {
  NEW_INSIGHT: 'New insight',
  CLOSED_INSIGHT: 'Insight closed',
  NEW_ASSOCIATION: 'New related event',
  SEVERITY_UPGRADED: 'Severity raised',
  NEW_RECOMMENDATION: 'New recommendation',
};

/** Does this message end the insight at the receiver (resolve / close / endsAt)? */
export function isClosing(message: Pick<NotificationMessage, 'type' | 'insight'>): boolean {
  return message.type === 'CLOSED_INSIGHT' || message.insight.status === 'CLOSED';
}

/** One plain-text paragraph block describing the insight; shared by Opsgenie and Alertmanager. */
function describeInsight(message: NotificationMessage, maxAnomalies: number): string {
  const ins = message.insight;
  const lines: string[] = [
    `${VERB[message.type]}: ${ins.name}`,
    `Severity ${ins.severity}, ${ins.status.toLowerCase()}, ${ins.type.toLowerCase()}; application ${ins.application ?? '(none)'}; started ${iso(ins.startMs)}${ins.endMs !== null ? `, ended ${iso(ins.endMs)}` : ''}.`,
  ];
  if (ins.prediction !== null) lines.push(`Predicted to reach ${num(ins.prediction.limit)} on ${ins.prediction.seriesKey} around ${iso(ins.prediction.expectedMs)} (between ${iso(ins.prediction.earliestMs)} and ${iso(ins.prediction.latestMs)}).`);
  const cause = ins.rootCauses[0];
  if (cause !== undefined) lines.push(`Likely root cause: ${cause.title} (${Math.round(cause.confidence * 100)}% confidence).`);
  const rec = ins.recommendations[0];
  if (rec !== undefined) lines.push(`Recommended: ${rec.title}. ${rec.description}`);
  const list = ranked(message.anomalies);
  if (list.length > 0) {
    lines.push(`Anomalies (${list.length}):`);
    for (const a of list.slice(0, maxAnomalies)) lines.push(`- ${anomalyLine(a)}`);
    if (list.length > maxAnomalies) lines.push(`- and ${list.length - maxAnomalies} more`);
  }
  if (message.dashboardUrl !== null) lines.push(`Dashboard: ${message.dashboardUrl}`);
  lines.push(`Insight ${ins.id}`);
  return lines.join('\n');
}

// ---- generic webhook (body v1) ------------------------------------------------------------------

export const WEBHOOK_BODY_VERSION = 1;
export const WEBHOOK_SIGNATURE_HEADER = 'X-Vigil-Signature';
export const WEBHOOK_TIMESTAMP_HEADER = 'X-Vigil-Timestamp';
/** At most this many anomalies / events in a webhook body (totals are in insight.anomalyCount / eventCount). */
export const WEBHOOK_MAX_ANOMALIES = 100;
export const WEBHOOK_MAX_EVENTS = 50;

/** The generic webhook body, version 1. Every field is documented in docs/notifications.md. */
export function webhookBody(message: NotificationMessage): unknown {
  const ins = message.insight;
  return {
    version: WEBHOOK_BODY_VERSION,
    id: message.id,
    type: message.type,
    time: iso(message.timeMs),
    dashboardUrl: message.dashboardUrl,
    insight: {
      id: ins.id,
      name: ins.name,
      type: ins.type,
      severity: ins.severity,
      status: ins.status,
      application: ins.application,
      start: iso(ins.startMs),
      end: ins.endMs === null ? null : iso(ins.endMs),
      updated: iso(ins.updatedMs),
      resources: ins.resources,
      anomalyCount: message.anomalies.length,
      eventCount: message.events.length,
      prediction: ins.prediction === null ? null : {
        series: ins.prediction.seriesKey,
        earliest: iso(ins.prediction.earliestMs),
        expected: iso(ins.prediction.expectedMs),
        latest: iso(ins.prediction.latestMs),
        limit: ins.prediction.limit,
      },
      rootCauses: ins.rootCauses.map((c) => ({ rank: c.rank, kind: c.kind, ref: c.ref, title: c.title, confidence: c.confidence, evidence: c.evidence })),
      recommendations: ins.recommendations.map((r) => ({
        id: r.id, title: r.title, description: r.description, reason: r.reason, links: r.links,
        relatedEventIds: r.relatedEventIds, relatedAnomalyIds: r.relatedAnomalyIds,
      })),
    },
    anomalies: ranked(message.anomalies).slice(0, WEBHOOK_MAX_ANOMALIES).map((a) => ({
      id: a.id,
      series: a.seriesKey,
      metricName: a.metricName,
      resource: a.resource,
      application: a.application,
      kind: a.kind,
      role: a.role,
      direction: a.direction,
      cause: a.cause,
      start: iso(a.startMs),
      end: a.endMs === null ? null : iso(a.endMs),
      peakScore: a.peakScore,
      peakTime: iso(a.peakMs),
      peakValue: a.peakValue,
      expected: a.expected,
      lower: a.lower,
      upper: a.upper,
    })),
    events: [...message.events].sort((a, b) => b.timeMs - a.timeMs).slice(0, WEBHOOK_MAX_EVENTS).map((e) => ({
      id: e.id, class: e.class, source: e.source, name: e.name, time: iso(e.timeMs),
      resources: e.resources, application: e.application, attributes: e.attributes,
    })),
  };
}

export function webhookRequest(message: NotificationMessage): ChannelRequest {
  return {
    method: 'POST',
    path: '',
    headers: { ...JSON_HEADERS, 'X-Vigil-Event': message.type, 'X-Vigil-Delivery': message.id },
    body: JSON.stringify(webhookBody(message)),
  };
}

/**
 * What the webhook signature covers: `<X-Vigil-Timestamp>.<exact body bytes>`. Binding the
 * timestamp into the MAC lets a receiver refuse replays older than a few minutes; the body is
 * signed as sent, so receivers must verify before parsing. Signature header value:
 * `sha256=<lowercase hex HMAC-SHA256(secret, signingInput)>`.
 */
export function webhookSigningInput(timestampSec: number, body: string): string {
  return `${timestampSec}.${body}`;
}

// ---- Slack (incoming webhook, Block Kit) --------------------------------------------------------

export const SLACK_LIMITS = { blocks: 50, headerText: 150, sectionText: 3000, fields: 10, fieldText: 2000, buttonText: 75, buttonUrl: 3000, contextElements: 10 } as const;

const SEVERITY_EMOJI: Readonly<Record<Severity, string>> = { HIGH: ':red_circle:', MEDIUM: ':large_orange_circle:', LOW: ':large_yellow_circle:' };
/** Anomalies listed in a Slack message; the rest are counted. */
const SLACK_MAX_ANOMALIES = 5;

/** Slack's date token: rendered in the reader's time zone, with `fallback` for old clients. */
function slackDate(ms: number): string {
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${iso(ms)}>`;
}

/**
 * A Block Kit message for a Slack incoming webhook. Incoming webhooks cannot thread (they return
 * "ok", not a message ts), so each update is a new message whose context line quotes the insight
 * id; search Slack for the id to see the whole story.
 */
export function slackBody(message: NotificationMessage): { text: string; blocks: unknown[] } {
  const ins = message.insight;
  const closing = isClosing(message);
  const verb = message.type === 'SEVERITY_UPGRADED' ? `Severity raised to ${ins.severity}` : VERB[message.type];
  const emoji = closing ? ':white_check_mark:' : SEVERITY_EMOJI[ins.severity];
  const blocks: unknown[] = [];
  // Header is plain_text: Slack shows it literally, so it is cut, not escaped.
  blocks.push({ type: 'header', text: { type: 'plain_text', text: truncate(`${emoji} ${verb}: ${ins.name}`, SLACK_LIMITS.headerText), emoji: true } });
  // Enums and dates are ours; the application name is user text and is escaped.
  const fields = [
    `*Severity*\n${ins.severity}`,
    `*Status*\n${ins.status}`,
    `*Application*\n${ins.application === null ? '—' : mrkdwn(ins.application, SLACK_LIMITS.fieldText - 20)}`,
    `*Type*\n${ins.type === 'PROACTIVE' ? 'Proactive (predicted)' : 'Reactive'}`,
    `*Started*\n${slackDate(ins.startMs)}`,
  ];
  if (ins.endMs !== null) fields.push(`*Ended*\n${slackDate(ins.endMs)}`);
  if (ins.prediction !== null) fields.push(`*Predicted*\n${slackDate(ins.prediction.expectedMs)}`);
  blocks.push({ type: 'section', fields: fields.slice(0, SLACK_LIMITS.fields).map((text) => ({ type: 'mrkdwn', text })) });
  const cause = ins.rootCauses[0];
  if (cause !== undefined) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: '*Likely root cause*\n' + mrkdwn(`${cause.title} (${Math.round(cause.confidence * 100)}% confidence)`, SLACK_LIMITS.sectionText - 20) } });
  }
  const rec = ins.recommendations[0];
  if (rec !== undefined) {
    const title = mrkdwn(rec.title, 500);
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*Recommended action*\n*${title}*\n` + mrkdwn(rec.description, SLACK_LIMITS.sectionText - title.length - 30) } });
  }
  const list = ranked(message.anomalies);
  if (list.length > 0) {
    const lines = list.slice(0, SLACK_MAX_ANOMALIES).map((a) => '• ' + mrkdwn(anomalyLine(a), 500));
    if (list.length > SLACK_MAX_ANOMALIES) lines.push(`• and ${list.length - SLACK_MAX_ANOMALIES} more`);
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cutEscaped(`*Anomalies (${list.length})*\n` + lines.join('\n'), SLACK_LIMITS.sectionText) } });
  }
  if (isHttpUrl(message.dashboardUrl)) {
    blocks.push({
      type: 'actions',
      elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open in Vigil', emoji: false }, url: message.dashboardUrl, action_id: 'vigil_open_insight', ...(closing ? {} : { style: 'primary' }) }],
    });
  }
  const context = message.type === 'NEW_INSIGHT' ? `Vigil · insight \`${escapeMrkdwn(ins.id)}\`` : `Vigil · update to insight \`${escapeMrkdwn(ins.id)}\` (${message.type})`;
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: cutEscaped(context, SLACK_LIMITS.sectionText) }] });
  // `text` is the notification / screen-reader fallback; it is mrkdwn too.
  const text = mrkdwn(`[${ins.severity}] ${verb}: ${ins.name}${ins.application !== null ? ` (${ins.application})` : ''} · insight ${ins.id}`, SLACK_LIMITS.sectionText);
  return { text, blocks: blocks.slice(0, SLACK_LIMITS.blocks) };
}

export function slackRequest(message: NotificationMessage): ChannelRequest {
  return { method: 'POST', path: '', headers: { ...JSON_HEADERS }, body: JSON.stringify(slackBody(message)) };
}

// ---- PagerDuty Events API v2 --------------------------------------------------------------------

export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';
export type PagerDutyEventAction = 'trigger' | 'acknowledge' | 'resolve';

/** Vigil severity → PagerDuty severity. `error` is left unused: MEDIUM should not page as hard as HIGH. */
export const PAGERDUTY_SEVERITY: Readonly<Record<Severity, PagerDutySeverity>> = { HIGH: 'critical', MEDIUM: 'warning', LOW: 'info' };
export const PAGERDUTY_LIMITS = { dedupKey: 255, summary: 1024, detail: 1024, links: 10 } as const;

/** trigger for every open-insight message (PagerDuty appends to the alert with the same dedup_key), resolve on close. */
export function pagerDutyAction(message: Pick<NotificationMessage, 'type' | 'insight'>): PagerDutyEventAction {
  return isClosing(message) ? 'resolve' : 'trigger';
}

export function pagerDutyBody(message: NotificationMessage, routingKey: string, action: PagerDutyEventAction = pagerDutyAction(message)): unknown {
  const ins = message.insight;
  const dedupKey = truncate(ins.id, PAGERDUTY_LIMITS.dedupKey);
  // acknowledge / resolve need only the key (PagerDuty's examples send exactly these three fields).
  if (action !== 'trigger') return { routing_key: routingKey, event_action: action, dedup_key: dedupKey };
  const list = ranked(message.anomalies);
  const top = list[0];
  const cause = ins.rootCauses[0];
  const rec = ins.recommendations[0];
  const cut = (s: string): string => truncate(s, PAGERDUTY_LIMITS.detail);
  const details: Record<string, unknown> = {
    insight_id: ins.id,
    notification: message.type,
    severity: ins.severity,
    status: ins.status,
    insight_type: ins.type,
    application: ins.application,
    started: iso(ins.startMs),
    anomalies: list.slice(0, 20).map((a) => cut(anomalyLine(a))),
    anomaly_count: list.length,
  };
  if (cause !== undefined) details.root_cause = cut(`${cause.title} (${Math.round(cause.confidence * 100)}% confidence)`);
  if (rec !== undefined) details.recommendation = cut(`${rec.title}: ${rec.description}`);
  if (ins.prediction !== null) details.predicted = iso(ins.prediction.expectedMs);
  if (message.events.length > 0) details.events = [...message.events].sort((a, b) => b.timeMs - a.timeMs).slice(0, 10).map((e) => cut(`${iso(e.timeMs)} ${e.class} ${e.name} (${e.source})`));
  if (message.dashboardUrl !== null) details.dashboard = message.dashboardUrl;
  const links: { href: string; text: string }[] = [];
  if (isHttpUrl(message.dashboardUrl)) links.push({ href: message.dashboardUrl, text: 'Open the insight in Vigil' });
  for (const r of ins.recommendations) for (const l of r.links) if (isHttpUrl(l) && links.length < PAGERDUTY_LIMITS.links) links.push({ href: l, text: truncate(r.title, 200) });
  const payload: Record<string, unknown> = {
    summary: truncate(`[${ins.severity}] ${ins.name}${ins.application !== null ? ` (${ins.application})` : ''}`, PAGERDUTY_LIMITS.summary),
    source: truncate(top?.resource ?? ins.resources[0] ?? ins.application ?? 'vigil', PAGERDUTY_LIMITS.detail),
    severity: PAGERDUTY_SEVERITY[ins.severity],
    timestamp: iso(message.timeMs),
    class: ins.type === 'PROACTIVE' ? 'capacity forecast' : top !== undefined ? `${top.kind} anomaly` : 'insight',
    custom_details: details,
  };
  if (top !== undefined) payload.component = truncate(top.metricName, PAGERDUTY_LIMITS.detail);
  if (ins.application !== null) payload.group = truncate(ins.application, PAGERDUTY_LIMITS.detail);
  const body: Record<string, unknown> = { routing_key: routingKey, event_action: action, dedup_key: dedupKey, payload, client: SOURCE_NAME };
  if (isHttpUrl(message.dashboardUrl)) body.client_url = message.dashboardUrl;
  if (links.length > 0) body.links = links;
  return body;
}

export function pagerDutyRequest(message: NotificationMessage, routingKey: string, action?: PagerDutyEventAction): ChannelRequest {
  return { method: 'POST', path: '/v2/enqueue', headers: { ...JSON_HEADERS }, body: JSON.stringify(pagerDutyBody(message, routingKey, action)) };
}

// ---- Opsgenie Alert API -------------------------------------------------------------------------

export type OpsgeniePriority = 'P1' | 'P2' | 'P3' | 'P4' | 'P5';
/** Vigil severity → Opsgenie priority (P1 critical … P5 informational), mirroring critical / warning / info. */
export const OPSGENIE_PRIORITY: Readonly<Record<Severity, OpsgeniePriority>> = { HIGH: 'P1', MEDIUM: 'P3', LOW: 'P5' };
export const OPSGENIE_LIMITS = { message: 130, alias: 512, description: 15000, tags: 20, tag: 50, detailsTotal: 8000, entity: 512, source: 100, user: 100, note: 25000 } as const;

/** Keeps key + value lengths within Opsgenie's total for `details`, cutting the longest values first. */
function boundDetails(details: Record<string, string>, total: number): Record<string, string> {
  const out = { ...details };
  const size = (): number => Object.entries(out).reduce((n, [k, v]) => n + k.length + v.length, 0);
  while (size() > total) {
    const [k, v] = Object.entries(out).reduce((a, b) => (b[1].length > a[1].length ? b : a));
    out[k] = truncate(v, Math.max(1, v.length - (size() - total)));
    if (out[k] === v) break; // cannot shrink further
  }
  return out;
}

export function opsgenieCreateBody(message: NotificationMessage): unknown {
  const ins = message.insight;
  const tags = ['vigil', `severity:${ins.severity}`, `type:${ins.type}`];
  if (ins.application !== null) tags.push(`application:${ins.application}`);
  const details: Record<string, string> = {
    insight_id: ins.id,
    notification: message.type,
    severity: ins.severity,
    status: ins.status,
    insight_type: ins.type,
    started: iso(ins.startMs),
    anomalies: String(message.anomalies.length),
  };
  if (ins.application !== null) details.application = ins.application;
  if (ins.rootCauses[0] !== undefined) details.root_cause = ins.rootCauses[0].title;
  if (ins.recommendations[0] !== undefined) details.recommendation = ins.recommendations[0].title;
  if (message.dashboardUrl !== null) details.dashboard = message.dashboardUrl;
  const body: Record<string, unknown> = {
    message: truncate(`[${ins.severity}] ${ins.name}`, OPSGENIE_LIMITS.message),
    alias: truncate(ins.id, OPSGENIE_LIMITS.alias),
    description: truncate(describeInsight(message, 20), OPSGENIE_LIMITS.description),
    tags: tags.slice(0, OPSGENIE_LIMITS.tags).map((t) => truncate(t, OPSGENIE_LIMITS.tag)),
    details: boundDetails(details, OPSGENIE_LIMITS.detailsTotal),
    entity: truncate(ins.application ?? ins.resources[0] ?? 'vigil', OPSGENIE_LIMITS.entity),
    source: SOURCE_NAME,
    priority: OPSGENIE_PRIORITY[ins.severity],
    user: SOURCE_NAME,
  };
  // A create with an open alert's alias only bumps its count; the note records what changed.
  if (message.type !== 'NEW_INSIGHT') body.note = truncate(`${VERB[message.type]} (${message.id}) at ${iso(message.timeMs)}`, OPSGENIE_LIMITS.note);
  return body;
}

export function opsgenieCloseBody(message: NotificationMessage): unknown {
  const ins = message.insight;
  return { user: SOURCE_NAME, source: SOURCE_NAME, note: truncate(`Insight closed at ${iso(ins.endMs ?? message.timeMs)} (${message.id})`, OPSGENIE_LIMITS.note) };
}

/** Create (every open-insight message, deduplicated by alias = insight id) or close by alias. */
export function opsgenieRequest(message: NotificationMessage, apiKey: string): ChannelRequest {
  const headers = { ...JSON_HEADERS, Authorization: `GenieKey ${apiKey}` };
  if (isClosing(message)) {
    const alias = encodeURIComponent(truncate(message.insight.id, OPSGENIE_LIMITS.alias));
    return { method: 'POST', path: `/v2/alerts/${alias}/close?identifierType=alias`, headers, body: JSON.stringify(opsgenieCloseBody(message)) };
  }
  return { method: 'POST', path: '/v2/alerts', headers, body: JSON.stringify(opsgenieCreateBody(message)) };
}

// ---- Alertmanager API v2 ------------------------------------------------------------------------

export const ALERTMANAGER_ALERTNAME = 'VigilInsight';
/** Vigil re-posts an ongoing insight this often (Prometheus re-sends firing alerts every minute too). */
export const ALERTMANAGER_RESEND_INTERVAL_MS = 60_000;
/**
 * endsAt of an ongoing alert = now + 4 resend intervals, as Prometheus does: Alertmanager keeps the
 * alert firing while re-posts arrive and resolves it on its own if Vigil goes away.
 */
export const ALERTMANAGER_ENDS_AFTER_MS = 4 * ALERTMANAGER_RESEND_INTERVAL_MS;
/** Vigil severity → the `severity` label value used by Prometheus alerting rules. */
export const ALERTMANAGER_SEVERITY: Readonly<Record<Severity, string>> = { HIGH: 'critical', MEDIUM: 'warning', LOW: 'info' };
const LABEL_VALUE_MAX = 1024;
const ANNOTATION_MAX = 8192;

function alertLabels(ins: Insight, severity: Severity): Record<string, string> {
  const labels: Record<string, string> = {
    alertname: ALERTMANAGER_ALERTNAME,
    insight_id: ins.id,
    severity: ALERTMANAGER_SEVERITY[severity],
    insight_type: ins.type.toLowerCase(),
  };
  // An empty label value means "no label" in Prometheus; leave it out rather than send "".
  if (ins.application !== null && ins.application !== '') labels.application = truncate(ins.application, LABEL_VALUE_MAX);
  return labels;
}

/**
 * The postableAlerts array for one message. Identity in Alertmanager is the label set, so a
 * SEVERITY_UPGRADED message also ends the alerts carrying the lower severities (else the old one
 * would fire on until it timed out). Times are clamped to `nowMs` so that a stream clock ahead of
 * the wall clock (replays, the demo) cannot keep a closed insight firing.
 */
export function alertmanagerBody(message: NotificationMessage, nowMs: number): unknown[] {
  const ins = message.insight;
  const closing = isClosing(message);
  const startsAtMs = Math.min(ins.startMs, nowMs);
  const endsAtMs = closing ? Math.max(startsAtMs, Math.min(ins.endMs ?? message.timeMs, nowMs)) : nowMs + ALERTMANAGER_ENDS_AFTER_MS;
  const annotations: Record<string, string> = {
    summary: truncate(ins.name, LABEL_VALUE_MAX),
    description: truncate(describeInsight(message, 10), ANNOTATION_MAX),
  };
  if (message.dashboardUrl !== null) annotations.dashboard = truncate(message.dashboardUrl, ANNOTATION_MAX);
  if (ins.rootCauses[0] !== undefined) annotations.root_cause = truncate(ins.rootCauses[0].title, LABEL_VALUE_MAX);
  if (ins.recommendations[0] !== undefined) annotations.recommendation = truncate(ins.recommendations[0].title, LABEL_VALUE_MAX);
  const alert = (severity: Severity, ends: number): Record<string, unknown> => {
    const a: Record<string, unknown> = { labels: alertLabels(ins, severity), annotations, startsAt: iso(startsAtMs), endsAt: iso(ends) };
    if (isHttpUrl(message.dashboardUrl)) a.generatorURL = message.dashboardUrl;
    return a;
  };
  const out = [alert(ins.severity, endsAtMs)];
  if (message.type === 'SEVERITY_UPGRADED') {
    const rank: Record<Severity, number> = { LOW: 0, MEDIUM: 1, HIGH: 2 };
    for (const s of ['LOW', 'MEDIUM'] as const) if (rank[s] < rank[ins.severity]) out.push(alert(s, Math.max(startsAtMs, nowMs)));
  }
  return out;
}

export function alertmanagerRequest(message: NotificationMessage, nowMs: number): ChannelRequest {
  return { method: 'POST', path: '/api/v2/alerts', headers: { ...JSON_HEADERS }, body: JSON.stringify(alertmanagerBody(message, nowMs)) };
}

// ---- dispatch -----------------------------------------------------------------------------------

/** How often the engine should re-send a message while its insight is ongoing; null: never. */
export function resendIntervalMs(type: ChannelType): number | null {
  return type === 'alertmanager' ? ALERTMANAGER_RESEND_INTERVAL_MS : null;
}

/** The request `spec` gets for `message`. `nowMs` is the sending time (Alertmanager's endsAt). */
export function channelRequest(spec: ChannelSpec, message: NotificationMessage, nowMs: number): ChannelRequest {
  switch (spec.type) {
    case 'webhook':
      return webhookRequest(message);
    case 'slack':
      return slackRequest(message);
    case 'pagerduty':
      return pagerDutyRequest(message, spec.secret ?? '');
    case 'opsgenie':
      return opsgenieRequest(message, spec.secret ?? '');
    case 'alertmanager':
      return alertmanagerRequest(message, nowMs);
  }
}

/** API paths that users sometimes include in the channel URL; stripped so that they are not doubled. */
const API_SUFFIX: Readonly<Record<ChannelType, RegExp | null>> = {
  webhook: null,
  slack: null,
  pagerduty: /\/v2\/enqueue$/,
  opsgenie: /\/v2\/alerts$/,
  alertmanager: /\/api\/v2\/alerts$/,
};

/** The absolute URL of a request: `path` appended to the channel URL (which may carry a prefix), or `path` itself when absolute. */
export function channelRequestUrl(spec: Pick<ChannelSpec, 'type' | 'url'>, path: string): string {
  if (/^https?:\/\//i.test(path)) return path;
  if (path === '') return spec.url;
  let base = spec.url.replace(/\/+$/, '');
  const suffix = API_SUFFIX[spec.type];
  if (suffix !== null) base = base.replace(suffix, '');
  return base + path;
}

/** Why `spec` cannot be used, naming the field; null when it can. For config validation and senders. */
export function channelSpecProblem(spec: ChannelSpec): string | null {
  const where = `notification channel "${spec.name}"`;
  if (typeof spec.name !== 'string' || spec.name.trim() === '') return 'a notification channel needs a non-empty name';
  if (!(CHANNEL_TYPES as readonly string[]).includes(spec.type)) return `${where}: type must be one of ${CHANNEL_TYPES.join(', ')}`;
  if (!isHttpUrl(spec.url)) return `${where}: url must be an http:// or https:// URL`;
  if (!['LOW', 'MEDIUM', 'HIGH'].includes(spec.minSeverity)) return `${where}: minSeverity must be LOW, MEDIUM or HIGH`;
  for (const t of spec.types) if (!NOTIFICATION_TYPES.includes(t)) return `${where}: unknown message type "${t}" (use ${NOTIFICATION_TYPES.join(', ')})`;
  if (!(Number.isFinite(spec.rateLimitPerMinute) && spec.rateLimitPerMinute > 0)) return `${where}: rateLimitPerMinute must be a positive number`;
  if ((spec.type === 'pagerduty' || spec.type === 'opsgenie') && (spec.secret === undefined || spec.secret === '')) {
    return `${where}: ${spec.type === 'pagerduty' ? 'the PagerDuty routing key' : 'the Opsgenie API key'} is missing; set secretEnv to an environment variable that holds it`;
  }
  return null;
}

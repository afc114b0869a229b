/**
 * ArgoCD notifications (argocd-notifications-cm, `service.webhook.vigil`) → DEPLOYMENT events.
 *
 * ArgoCD sends whatever body the user's template renders, so Vigil documents one template and also
 * accepts the whole Application object. The recommended template (flat form):
 *
 *   service.webhook.vigil: |
 *     url: https://vigil.example.com/api/v1/events/argocd
 *     headers:
 *     - name: Content-Type
 *       value: application/json
 *     - name: Authorization
 *       value: Bearer $vigil-token          # ArgoCD cannot sign bodies; Vigil checks this token
 *   template.vigil: |
 *     webhook:
 *       vigil:
 *         method: POST
 *         body: |
 *           {
 *             "app": "{{.app.metadata.name}}",
 *             "namespace": "{{.app.spec.destination.namespace}}",
 *             "project": "{{.app.spec.project}}",
 *             "revision": "{{.app.status.sync.revision}}",
 *             "syncStatus": "{{.app.status.sync.status}}",
 *             "phase": "{{.app.status.operationState.phase}}",
 *             "health": "{{.app.status.health.status}}",
 *             "startedAt": "{{.app.status.operationState.startedAt}}",
 *             "finishedAt": "{{.app.status.operationState.finishedAt}}",
 *             "repoURL": "{{.app.spec.source.repoURL}}",
 *             "destination": "{{.app.spec.destination.server}}",
 *             "initiatedBy": "{{.app.status.operationState.operation.initiatedBy.username}}",
 *             "argocdUrl": "{{.context.argocdUrl}}"
 *           }
 *   trigger.on-sync-running: ... send: [vigil]      # and on-sync-succeeded, on-sync-failed, on-deployed
 *
 * The object form `{"app": {{toJson .app}}}` (metadata / spec / status as in the Application CRD)
 * gives the same fields. Go templates render a missing value as "" or "<no value>"; both count as
 * absent.
 *
 * Mapping:
 *   phase Running                 → DEPLOYMENT "sync of <app> started"   (time: startedAt)
 *   phase Succeeded               → DEPLOYMENT "sync of <app> succeeded" (time: finishedAt)
 *   phase Failed / Error          → DEPLOYMENT "sync of <app> failed"    (a failed sync may have
 *                                   applied part of the manifests, so it is still a change)
 *   phase Terminating             → no event (the outcome follows)
 *   no phase, syncStatus Synced   → DEPLOYMENT (on-deployed templates without operationState)
 *   no phase, otherwise           → no event: health-only notifications (on-health-degraded) are
 *                                   symptoms, not changes; Vigil sees the symptom in metrics.
 * resources: `argocd-app:<app>` and, with a destination namespace, `namespace:<ns>`.
 * application: the ArgoCD project, unless it is "default" (which groups nothing), else the app name.
 * id: app + revision + operation start + phase, so each phase of one sync is one event and a
 * redelivered notification is idempotent.
 */
import type { EventClass } from '../model/index.js';
import { accepted, buildEvent, eventError, firstStr, isObject, parseRfc3339, type EventsResult } from './event-fields.js';

export const ARGOCD_SOURCE = 'argocd';

interface ArgoFields {
  app?: string;
  namespace?: string;
  project?: string;
  revision?: string;
  syncStatus?: string;
  phase?: string;
  health?: string;
  startedAt?: string;
  finishedAt?: string;
  repoURL?: string;
  destination?: string;
  initiatedBy?: string;
  argocdUrl?: string;
  message?: string;
}

/** Flat template keys, and where the same value sits in the Application object. */
const FIELD_PATHS: Record<keyof ArgoFields, readonly (readonly string[])[]> = {
  app: [['app', 'metadata', 'name'], ['application']],
  namespace: [['namespace'], ['app', 'spec', 'destination', 'namespace']],
  project: [['project'], ['app', 'spec', 'project']],
  revision: [['revision'], ['app', 'status', 'sync', 'revision'], ['app', 'status', 'operationState', 'syncResult', 'revision']],
  syncStatus: [['syncStatus'], ['app', 'status', 'sync', 'status']],
  phase: [['phase'], ['operationPhase'], ['app', 'status', 'operationState', 'phase']],
  health: [['health'], ['healthStatus'], ['app', 'status', 'health', 'status']],
  startedAt: [['startedAt'], ['app', 'status', 'operationState', 'startedAt']],
  finishedAt: [['finishedAt'], ['app', 'status', 'operationState', 'finishedAt']],
  repoURL: [['repoURL'], ['app', 'spec', 'source', 'repoURL']],
  destination: [['destination'], ['app', 'spec', 'destination', 'server'], ['app', 'spec', 'destination', 'name']],
  initiatedBy: [['initiatedBy'], ['app', 'status', 'operationState', 'operation', 'initiatedBy', 'username']],
  argocdUrl: [['argocdUrl']],
  message: [['message'], ['app', 'status', 'operationState', 'message']],
};

const PHASE_CLASS: Record<string, { class: EventClass; verb: string } | null> = {
  running: { class: 'DEPLOYMENT', verb: 'started' },
  succeeded: { class: 'DEPLOYMENT', verb: 'succeeded' },
  failed: { class: 'DEPLOYMENT', verb: 'failed' },
  error: { class: 'DEPLOYMENT', verb: 'failed' },
  terminating: null,
};

export function fromArgoCdNotification(body: unknown, receivedMs: number): EventsResult {
  if (!isObject(body)) return eventError('body', 'expected a JSON object rendered by the Vigil ArgoCD template (see docs)');
  const f = readFields(body);
  if (f.app === undefined) {
    return eventError('app', 'missing application name: the template must send "app": "{{.app.metadata.name}}" (or the whole app object)');
  }

  let kind: { class: EventClass; verb: string } | null;
  if (f.phase !== undefined) {
    const known = PHASE_CLASS[f.phase.toLowerCase()];
    if (known === undefined) {
      return eventError('phase', `unknown operation phase "${f.phase}"; ArgoCD phases are Running, Succeeded, Failed, Error, Terminating`);
    }
    kind = known;
  } else {
    kind = f.syncStatus?.toLowerCase() === 'synced' ? { class: 'DEPLOYMENT', verb: 'synced' } : null;
  }
  if (kind === null) return accepted([]);

  const timeText = kind.verb === 'started' ? (f.startedAt ?? f.finishedAt) : (f.finishedAt ?? f.startedAt);
  let timeMs = receivedMs;
  if (timeText !== undefined) {
    const t = parseRfc3339(timeText);
    if (!Number.isFinite(t)) return eventError(kind.verb === 'started' ? 'startedAt' : 'finishedAt', `"${timeText.slice(0, 64)}" is not an RFC 3339 time`);
    timeMs = t;
  }

  const shortRev = f.revision !== undefined && /^[0-9a-f]{40}$/.test(f.revision) ? f.revision.slice(0, 7) : f.revision;
  const name = `sync of ${f.app}${shortRev !== undefined ? ` to ${shortRev}` : ''} ${kind.verb}`;
  const resources = [`argocd-app:${f.app}`];
  if (f.namespace !== undefined) resources.push(`namespace:${f.namespace}`);
  const application = f.project !== undefined && f.project !== 'default' ? f.project : f.app;

  return accepted([
    buildEvent({
      source: ARGOCD_SOURCE,
      naturalId: [f.app, f.revision ?? '', f.startedAt ?? f.finishedAt ?? '', f.phase ?? f.syncStatus ?? ''].join('\u0000'),
      class: kind.class,
      name,
      timeMs,
      resources,
      application,
      attributes: {
        app: f.app,
        namespace: f.namespace,
        project: f.project,
        revision: f.revision,
        syncStatus: f.syncStatus,
        phase: f.phase,
        health: f.health,
        repoURL: f.repoURL,
        destination: f.destination,
        initiatedBy: f.initiatedBy,
        message: f.message,
        url: f.argocdUrl !== undefined ? `${f.argocdUrl.replace(/\/+$/, '')}/applications/${f.app}` : undefined,
      },
    }),
  ]);
}

function readFields(body: Record<string, unknown>): ArgoFields {
  const out: ArgoFields = {};
  // The flat template sends "app" as a string; the object form sends the Application under "app".
  const flatApp = typeof body.app === 'string' ? body.app : undefined;
  for (const key of Object.keys(FIELD_PATHS) as (keyof ArgoFields)[]) {
    const v = key === 'app' && flatApp !== undefined ? flatApp : firstStr(body, FIELD_PATHS[key]);
    const clean = v?.trim();
    if (clean !== undefined && clean !== '' && clean !== '<no value>') out[key] = clean;
  }
  return out;
}

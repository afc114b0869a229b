/**
 * Kubernetes Events → Vigil events. Accepts both API shapes:
 *
 *   core/v1 Event           involvedObject, reason, message, type, source.{component,host},
 *                           firstTimestamp, lastTimestamp, eventTime, count
 *   events.k8s.io/v1 Event  regarding, reason, note, type, reportingController, eventTime,
 *                           series.{count,lastObservedTime}, deprecated{First,Last}Timestamp, deprecatedCount
 *
 * Class comes from `reason` (REASON_CLASS, a data table). Reasons in FILTERED_REASONS are routine
 * Normal noise of every pod start / controller sync and give no event. Unknown reasons: a Warning
 * counts as INFRASTRUCTURE (a controller reporting trouble with an object), a Normal is dropped.
 *
 * ScalingReplicaSet is the Deployment controller's message for both a rollout and a plain scale.
 * A new ReplicaSet scaled up "from 0" (Kubernetes >= 1.26 writes "Scaled up replica set X to N
 * from 0") is the start of a rollout → DEPLOYMENT; every other scale → SCALING. Older clusters
 * without the "from" part report rollouts as SCALING; ArgoCD / GitHub events name them properly.
 *
 * resources: `<kind>:<namespace>/<name>` of the object (lower-case kind, `node:<name>` for
 * cluster-scoped objects), plus `node:<host>` when the kubelet names its node.
 * application: the object's namespace (null for cluster-scoped objects).
 * id: metadata.uid + count — the apiserver folds repeats into one object with a rising count; each
 * recorded repeat is one occurrence, and redelivery of the same one (relist, reconnect) is idempotent.
 */
import type { EventClass } from '../model/index.js';
import { accepted, buildEvent, eventError, firstStr, firstTime, isObject, str, type EventsResult } from './event-fields.js';

export const KUBERNETES_SOURCE = 'kubernetes';

/** Reason → class. */
export const REASON_CLASS: Readonly<Record<string, EventClass>> = {
  // scaling
  ScalingReplicaSet: 'SCALING',
  SuccessfulRescale: 'SCALING',
  TriggeredScaleUp: 'SCALING', // cluster-autoscaler
  ScaleDown: 'SCALING', // cluster-autoscaler
  // rollouts
  DeploymentRollback: 'DEPLOYMENT',
  // infrastructure trouble
  Killing: 'INFRASTRUCTURE',
  BackOff: 'INFRASTRUCTURE',
  OOMKilling: 'INFRASTRUCTURE',
  SystemOOM: 'INFRASTRUCTURE',
  NodeNotReady: 'INFRASTRUCTURE',
  NodeNotSchedulable: 'INFRASTRUCTURE',
  NodeHasDiskPressure: 'INFRASTRUCTURE',
  NodeHasInsufficientMemory: 'INFRASTRUCTURE',
  NodeHasInsufficientPID: 'INFRASTRUCTURE',
  Rebooted: 'INFRASTRUCTURE',
  RemovingNode: 'INFRASTRUCTURE',
  Evicted: 'INFRASTRUCTURE',
  Preempted: 'INFRASTRUCTURE',
  TaintManagerEviction: 'INFRASTRUCTURE',
  FailedScheduling: 'INFRASTRUCTURE',
  Unhealthy: 'INFRASTRUCTURE',
  Failed: 'INFRASTRUCTURE', // includes image pull failures (ErrImagePull)
  FailedMount: 'INFRASTRUCTURE',
  FailedAttachVolume: 'INFRASTRUCTURE',
  FailedCreatePodSandBox: 'INFRASTRUCTURE',
  FailedKillPod: 'INFRASTRUCTURE',
  FailedCreate: 'INFRASTRUCTURE',
  ContainerGCFailed: 'INFRASTRUCTURE',
  ImageGCFailed: 'INFRASTRUCTURE',
};

/**
 * Routine Normal reasons dropped without an event: each pod start yields Scheduled, Pulling,
 * Pulled, Created, Started; controllers log SuccessfulCreate/Delete and syncs constantly. Pulls of
 * a new image are part of a rollout that the Deployment's ScalingReplicaSet already reports.
 */
export const FILTERED_REASONS: ReadonlySet<string> = new Set([
  'Scheduled',
  'Pulling',
  'Pulled',
  'Created',
  'Started',
  'SuccessfulCreate',
  'SuccessfulDelete',
  'SuccessfulMountVolume',
  'SuccessfulAttachVolume',
  'SandboxChanged',
  'Completed',
  'SawCompletedJob',
  'NoPods',
  'Sync',
  'LeaderElection',
  'RegisteredNode',
  'NodeReady',
  'NodeHasSufficientMemory',
  'NodeHasNoDiskPressure',
  'NodeHasSufficientPID',
  'NodeAllocatableEnforced',
  'Starting',
  'EnsuringLoadBalancer',
  'EnsuredLoadBalancer',
  'ExternalProvisioning',
  'Provisioning',
  'ProvisioningSucceeded',
  'WaitForFirstConsumer',
]);

const ROLLOUT_START = /^Scaled up replica set \S+ (?:to \d+ )?from 0\b/;

export function fromKubernetesEvent(obj: unknown): EventsResult {
  if (!isObject(obj)) return eventError('body', 'expected a Kubernetes Event object');
  const kind = str(obj, 'kind');
  if (kind !== undefined && kind !== 'Event') return eventError('kind', `kind is "${kind.slice(0, 64)}"; expected Event (core/v1 or events.k8s.io/v1)`);
  const newApi = str(obj, 'apiVersion')?.startsWith('events.k8s.io/') === true || isObject(obj.regarding);
  const ref = newApi ? obj.regarding : obj.involvedObject;
  const refField = newApi ? 'regarding' : 'involvedObject';
  if (!isObject(ref)) return eventError(refField, `missing ${refField}: the object the event is about`);
  const objKind = str(ref, 'kind');
  const objName = str(ref, 'name');
  if (objKind === undefined) return eventError(`${refField}.kind`, 'missing kind of the involved object');
  if (objName === undefined) return eventError(`${refField}.name`, 'missing name of the involved object');
  const reason = str(obj, 'reason');
  if (reason === undefined) return eventError('reason', 'missing reason');
  const type = str(obj, 'type') ?? 'Normal';
  const message = newApi ? str(obj, 'note') : str(obj, 'message');

  let cls: EventClass | undefined = REASON_CLASS[reason];
  if (reason === 'ScalingReplicaSet' && message !== undefined && ROLLOUT_START.test(message)) cls = 'DEPLOYMENT';
  if (cls === undefined) {
    if (FILTERED_REASONS.has(reason) || type !== 'Warning') return accepted([]);
    cls = 'INFRASTRUCTURE';
  }

  const timeMs = firstTime(
    obj,
    newApi
      ? [['series', 'lastObservedTime'], ['eventTime'], ['deprecatedLastTimestamp'], ['deprecatedFirstTimestamp'], ['metadata', 'creationTimestamp']]
      : [['lastTimestamp'], ['eventTime'], ['firstTimestamp'], ['series', 'lastObservedTime'], ['metadata', 'creationTimestamp']],
  );
  if (timeMs === undefined) return eventError(newApi ? 'eventTime' : 'lastTimestamp', 'no RFC 3339 timestamp in the event');

  const namespace = str(ref, 'namespace') ?? str(obj, 'metadata', 'namespace');
  const clusterScoped = objKind === 'Node' || objKind === 'Namespace' || objKind === 'PersistentVolume';
  const ns = clusterScoped ? undefined : namespace;
  const resources = [`${objKind.toLowerCase()}:${ns !== undefined ? ns + '/' : ''}${objName}`];
  const host = newApi ? undefined : str(obj, 'source', 'host');
  if (host !== undefined && objKind !== 'Node') resources.push(`node:${host}`);

  const count = firstStr(obj, newApi ? [['series', 'count'], ['deprecatedCount']] : [['count'], ['series', 'count']]) ?? '1';
  const uid = str(obj, 'metadata', 'uid') ?? `${namespace ?? ''}/${str(obj, 'metadata', 'name') ?? objName}/${reason}`;
  const component = newApi ? firstStr(obj, [['reportingController'], ['deprecatedSource', 'component']]) : firstStr(obj, [['source', 'component'], ['reportingComponent']]);
  const where = `${objKind} ${ns !== undefined ? ns + '/' : ''}${objName}`;

  return accepted([
    buildEvent({
      source: KUBERNETES_SOURCE,
      naturalId: `${uid}:${count}`,
      class: cls,
      name: `${reason} ${where}${message !== undefined ? ': ' + message : ''}`,
      timeMs,
      resources,
      application: ns ?? null,
      attributes: {
        reason,
        type,
        kind: objKind,
        namespace: ns,
        object: objName,
        message,
        count,
        component,
        node: host,
        fieldPath: str(ref, 'fieldPath'),
      },
    }),
  ]);
}

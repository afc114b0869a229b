// Source normalisers: ArgoCD notifications, GitHub webhooks, Kubernetes Events, CloudTrail via
// EventBridge. Fixtures are written from each source's documented payload shape.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import {
  CLOUDTRAIL_RULES,
  FILTERED_REASONS,
  classifyCloudTrailCall,
  fromArgoCdNotification,
  fromCloudTrailEventBridge,
  fromGithubWebhook,
  fromKubernetesEvent,
  type EventsResult,
} from '../../../src/core/events/index.js';

const RECEIVED_MS = Date.UTC(2026, 10, 21, 12);

function ok(r: EventsResult) {
  if (!r.ok) assert.fail(`expected events, got ${r.field}: ${r.reason}`);
  return r.events;
}
function one(r: EventsResult) {
  const evs = ok(r);
  assert.equal(evs.length, 1, 'one event');
  return evs[0];
}
function fieldOf(r: EventsResult): string {
  if (r.ok) assert.fail('expected an error value');
  assert.equal(r.status, 400);
  assert.equal(r.code, 'VIGIL_ERR_EVENT_INVALID');
  return r.field;
}

// ---- ArgoCD

const argoFlat = {
  app: 'checkout',
  namespace: 'shop',
  project: 'shop-team',
  revision: '9f1c2d3e4b5a69788796a5b4c3d2e1f00a1b2c3d',
  syncStatus: 'Synced',
  phase: 'Succeeded',
  health: 'Healthy',
  startedAt: '2026-11-21T09:59:00Z',
  finishedAt: '2026-11-21T10:00:00Z',
  repoURL: 'https://github.com/acme/deploy.git',
  destination: 'https://kubernetes.default.svc',
  initiatedBy: '',
  argocdUrl: 'https://argocd.example.com/',
};

const argoObject = {
  app: {
    metadata: { name: 'checkout', namespace: 'argocd' },
    spec: { project: 'default', destination: { namespace: 'shop', server: 'https://kubernetes.default.svc' }, source: { repoURL: 'https://github.com/acme/deploy.git' } },
    status: {
      sync: { status: 'OutOfSync', revision: 'abc1234' },
      health: { status: 'Progressing' },
      operationState: { phase: 'Running', startedAt: '2026-11-21T09:59:00Z' },
    },
  },
};

describe('fromArgoCdNotification', () => {
  it('maps the documented flat template to a DEPLOYMENT', () => {
    const ev = one(fromArgoCdNotification(argoFlat, RECEIVED_MS));
    assert.equal(ev.class, 'DEPLOYMENT');
    assert.equal(ev.source, 'argocd');
    assert.equal(ev.timeMs, Date.UTC(2026, 10, 21, 10));
    assert.deepEqual(ev.resources, ['argocd-app:checkout', 'namespace:shop']);
    assert.equal(ev.application, 'shop-team');
    assert.equal(ev.attributes.revision, argoFlat.revision);
    assert.equal(ev.attributes.url, 'https://argocd.example.com/applications/checkout');
    assert.equal(ev.attributes.initiatedBy, undefined, 'empty template values are dropped');
    assert.match(ev.name, /checkout.*9f1c2d3.*succeeded/);
  });

  it('reads the whole Application object; project "default" falls back to the app name', () => {
    const ev = one(fromArgoCdNotification(argoObject, RECEIVED_MS));
    assert.equal(ev.class, 'DEPLOYMENT');
    assert.equal(ev.application, 'checkout');
    assert.equal(ev.timeMs, Date.UTC(2026, 10, 21, 9, 59), 'a running sync is dated by its start');
    assert.match(ev.name, /started/);
  });

  it('ignores health-only notifications and Go template "<no value>"', () => {
    assert.deepEqual(ok(fromArgoCdNotification({ app: 'checkout', health: 'Degraded', syncStatus: 'OutOfSync', phase: '<no value>' }, RECEIVED_MS)), []);
  });

  it('gives different ids to the phases of one sync and the same id on redelivery', () => {
    const running = one(fromArgoCdNotification({ ...argoFlat, phase: 'Running', finishedAt: '' }, RECEIVED_MS));
    const done = one(fromArgoCdNotification(argoFlat, RECEIVED_MS));
    assert.notEqual(running.id, done.id);
    assert.equal(one(fromArgoCdNotification(structuredClone(argoFlat), RECEIVED_MS + 1)).id, done.id);
  });

  it('names the missing or bad field', () => {
    assert.equal(fieldOf(fromArgoCdNotification({ phase: 'Succeeded' }, RECEIVED_MS)), 'app');
    assert.equal(fieldOf(fromArgoCdNotification({ app: 'x', phase: 'Done' }, RECEIVED_MS)), 'phase');
    assert.equal(fieldOf(fromArgoCdNotification({ app: 'x', phase: 'Succeeded', finishedAt: 'soon' }, RECEIVED_MS)), 'finishedAt');
    assert.equal(fieldOf(fromArgoCdNotification([], RECEIVED_MS)), 'body');
  });
});

// ---- GitHub

const repository = { id: 1, name: 'checkout-api', full_name: 'acme/checkout-api' };

const deploymentStatus = {
  action: 'created',
  deployment_status: {
    id: 987654321,
    state: 'success',
    environment: 'production',
    description: 'Deployed by Actions',
    log_url: 'https://github.com/acme/checkout-api/actions/runs/1',
    creator: { login: 'octocat' },
    created_at: '2026-11-21T10:00:00Z',
    updated_at: '2026-11-21T10:00:05Z',
  },
  deployment: { id: 1234, sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678', ref: 'v2.3.1', task: 'deploy', environment: 'production', creator: { login: 'octocat' } },
  repository,
  sender: { login: 'octocat' },
};

const workflowRun = (name: string, path: string, conclusion = 'success', action = 'completed') => ({
  action,
  workflow_run: {
    id: 555,
    name,
    path,
    run_attempt: 1,
    run_number: 42,
    event: 'push',
    status: 'completed',
    conclusion,
    head_sha: 'ffeeddccbbaa99887766554433221100ffeeddcc',
    head_branch: 'main',
    html_url: 'https://github.com/acme/checkout-api/actions/runs/555',
    actor: { login: 'octocat' },
    run_started_at: '2026-11-21T09:50:00Z',
    updated_at: '2026-11-21T10:01:00Z',
  },
  repository,
  sender: { login: 'octocat' },
});

describe('fromGithubWebhook', () => {
  it('maps deployment_status to a DEPLOYMENT with state, environment, sha, ref, creator, repository', () => {
    const ev = one(fromGithubWebhook('deployment_status', deploymentStatus, RECEIVED_MS));
    assert.equal(ev.class, 'DEPLOYMENT');
    assert.equal(ev.timeMs, Date.UTC(2026, 10, 21, 10, 0, 5));
    assert.deepEqual(ev.resources, ['github-repo:acme/checkout-api']);
    assert.equal(ev.application, 'checkout-api');
    const a = ev.attributes;
    assert.deepEqual([a.state, a.environment, a.sha, a.ref, a.creator, a.repository], ['success', 'production', deploymentStatus.deployment.sha, 'v2.3.1', 'octocat', 'acme/checkout-api']);
  });

  it('skips states where nothing changed', () => {
    for (const state of ['queued', 'pending', 'inactive']) {
      const body = { ...deploymentStatus, deployment_status: { ...deploymentStatus.deployment_status, state } };
      assert.deepEqual(ok(fromGithubWebhook('deployment_status', body, RECEIVED_MS)), [], state);
    }
  });

  it('classifies completed workflow runs by name and path', () => {
    assert.equal(one(fromGithubWebhook('workflow_run', workflowRun('Deploy to prod', '.github/workflows/deploy.yml'), RECEIVED_MS)).class, 'DEPLOYMENT');
    assert.equal(one(fromGithubWebhook('workflow_run', workflowRun('apply', '.github/workflows/terraform-apply.yml'), RECEIVED_MS)).class, 'CONFIG_CHANGE');
    assert.deepEqual(ok(fromGithubWebhook('workflow_run', workflowRun('CI', '.github/workflows/test.yml'), RECEIVED_MS)), []);
    assert.deepEqual(ok(fromGithubWebhook('workflow_run', workflowRun('Deploy', 'd.yml', 'cancelled'), RECEIVED_MS)), []);
    assert.deepEqual(ok(fromGithubWebhook('workflow_run', workflowRun('Deploy', 'd.yml', 'success', 'requested'), RECEIVED_MS)), []);
  });

  it('keeps workflow run ids stable and distinct per attempt', () => {
    const body = workflowRun('Release', '.github/workflows/release.yml');
    const a = one(fromGithubWebhook('workflow_run', body, RECEIVED_MS));
    assert.equal(one(fromGithubWebhook('workflow_run', structuredClone(body), RECEIVED_MS + 9)).id, a.id);
    const retry = { ...body, workflow_run: { ...body.workflow_run, run_attempt: 2 } };
    assert.notEqual(one(fromGithubWebhook('workflow_run', retry, RECEIVED_MS)).id, a.id);
    assert.equal(a.timeMs, Date.UTC(2026, 10, 21, 10, 1));
  });

  it('answers ping with no events and unsupported events with a 400 listing the supported ones', () => {
    assert.deepEqual(ok(fromGithubWebhook('ping', { zen: 'Keep it logically awesome.' }, RECEIVED_MS)), []);
    const r = fromGithubWebhook('push', {}, RECEIVED_MS);
    assert.equal(fieldOf(r), 'X-GitHub-Event');
    assert.ok(!r.ok && r.reason.includes('deployment_status') && r.reason.includes('workflow_run'));
  });

  it('names missing fields', () => {
    assert.equal(fieldOf(fromGithubWebhook('deployment_status', { repository }, RECEIVED_MS)), 'deployment_status');
    assert.equal(fieldOf(fromGithubWebhook('deployment_status', { deployment_status: { id: 1 } }, RECEIVED_MS)), 'deployment_status.state');
    assert.equal(fieldOf(fromGithubWebhook('workflow_run', { action: 'completed', workflow_run: {} }, RECEIVED_MS)), 'workflow_run.id');
    assert.equal(fieldOf(fromGithubWebhook('workflow_run', 'x', RECEIVED_MS)), 'body');
  });
});

// ---- Kubernetes

const coreEvent = (reason: string, type: string, message: string, kind = 'Pod', name = 'checkout-7d9f8-abcde') => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name: `${name}.17a`, namespace: 'shop', uid: 'uid-' + reason, resourceVersion: '1001' },
  involvedObject: { kind, namespace: 'shop', name, uid: 'obj-uid', apiVersion: 'v1' },
  reason,
  message,
  type,
  source: { component: 'kubelet', host: 'node-1' },
  firstTimestamp: '2026-11-21T09:00:00Z',
  lastTimestamp: '2026-11-21T10:00:00Z',
  count: 3,
});

const newApiEvent = {
  apiVersion: 'events.k8s.io/v1',
  kind: 'Event',
  metadata: { name: 'checkout.17b', namespace: 'shop', uid: 'uid-new', resourceVersion: '1002' },
  regarding: { kind: 'Deployment', namespace: 'shop', name: 'checkout' },
  reason: 'ScalingReplicaSet',
  note: 'Scaled up replica set checkout-5d9c8 to 1 from 0',
  type: 'Normal',
  eventTime: '2026-11-21T10:00:00.123456Z',
  reportingController: 'deployment-controller',
  reportingInstance: 'kube-controller-manager',
  action: 'ScaleUp',
};

describe('fromKubernetesEvent', () => {
  it('maps core/v1 Warning reasons to INFRASTRUCTURE with pod and node resources', () => {
    const ev = one(fromKubernetesEvent(coreEvent('BackOff', 'Warning', 'Back-off restarting failed container')));
    assert.equal(ev.class, 'INFRASTRUCTURE');
    assert.deepEqual(ev.resources, ['pod:shop/checkout-7d9f8-abcde', 'node:node-1']);
    assert.equal(ev.application, 'shop');
    assert.equal(ev.timeMs, Date.UTC(2026, 10, 21, 10));
    assert.equal(ev.attributes.count, '3');
  });

  it('tells a rollout (new ReplicaSet from 0) from a plain scale', () => {
    const rollout = one(fromKubernetesEvent(newApiEvent));
    assert.equal(rollout.class, 'DEPLOYMENT');
    assert.deepEqual(rollout.resources, ['deployment:shop/checkout']);
    assert.equal(rollout.timeMs, Date.UTC(2026, 10, 21, 10, 0, 0, 123));
    const scale = one(fromKubernetesEvent({ ...newApiEvent, note: 'Scaled up replica set checkout-5d9c8 to 5 from 3' }));
    assert.equal(scale.class, 'SCALING');
    assert.equal(one(fromKubernetesEvent(coreEvent('SuccessfulRescale', 'Normal', 'New size: 4', 'HorizontalPodAutoscaler', 'checkout'))).class, 'SCALING');
  });

  it('filters routine Normal noise and unknown Normal reasons; unknown Warnings count', () => {
    for (const reason of ['Pulled', 'Created', 'Started', 'Scheduled']) {
      assert.ok(FILTERED_REASONS.has(reason));
      assert.deepEqual(ok(fromKubernetesEvent(coreEvent(reason, 'Normal', 'x'))), [], reason);
    }
    assert.deepEqual(ok(fromKubernetesEvent(coreEvent('SomethingNew', 'Normal', 'x'))), []);
    assert.equal(one(fromKubernetesEvent(coreEvent('SomethingNew', 'Warning', 'x'))).class, 'INFRASTRUCTURE');
  });

  it('keys cluster-scoped objects without namespace and has no application for them', () => {
    const ev = one(fromKubernetesEvent({ ...coreEvent('NodeNotReady', 'Normal', 'Node node-1 status is now: NodeNotReady', 'Node', 'node-1'), metadata: { name: 'n', namespace: 'default', uid: 'u' } }));
    assert.deepEqual(ev.resources, ['node:node-1']);
    assert.equal(ev.application, null);
  });

  it('gives a stable id per object and repeat count', () => {
    const a = one(fromKubernetesEvent(coreEvent('Unhealthy', 'Warning', 'Readiness probe failed')));
    assert.equal(one(fromKubernetesEvent(coreEvent('Unhealthy', 'Warning', 'Readiness probe failed'))).id, a.id);
    assert.notEqual(one(fromKubernetesEvent({ ...coreEvent('Unhealthy', 'Warning', 'Readiness probe failed'), count: 4 })).id, a.id);
  });

  it('names missing fields', () => {
    const { involvedObject: _drop, ...noRef } = coreEvent('BackOff', 'Warning', 'x');
    assert.equal(fieldOf(fromKubernetesEvent(noRef)), 'involvedObject');
    const { reason: _r, ...noReason } = coreEvent('BackOff', 'Warning', 'x');
    assert.equal(fieldOf(fromKubernetesEvent(noReason)), 'reason');
    const { eventTime: _t, ...noTime } = newApiEvent;
    assert.equal(fieldOf(fromKubernetesEvent(noTime)), 'eventTime');
    assert.equal(fieldOf(fromKubernetesEvent({ kind: 'Pod' })), 'kind');
  });
});

// ---- CloudTrail via EventBridge

const cloudTrail = (service: string, eventName: string, requestParameters: Record<string, unknown> | null, extra: Record<string, unknown> = {}) => ({
  version: '0',
  id: 'eb-' + eventName,
  'detail-type': 'AWS API Call via CloudTrail',
  source: `aws.${service}`,
  account: '123456789012',
  time: '2026-11-21T10:00:01Z',
  region: 'eu-west-1',
  resources: [],
  detail: {
    eventVersion: '1.08',
    userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::123456789012:user/alice', userName: 'alice' },
    eventTime: '2026-11-21T10:00:00Z',
    eventSource: `${service}.amazonaws.com`,
    eventName,
    awsRegion: 'eu-west-1',
    sourceIPAddress: '198.51.100.7',
    requestParameters,
    responseElements: null,
    eventID: `ev-${service}-${eventName}`,
    readOnly: false,
    eventType: 'AwsApiCall',
    ...extra,
  },
});

describe('fromCloudTrailEventBridge', () => {
  it('classifies calls by service and verb', () => {
    const cases: [string, string, Record<string, unknown> | null, string][] = [
      ['ssm', 'PutParameter', { name: '/prod/db/url', overwrite: true }, 'CONFIG_CHANGE'],
      ['lambda', 'UpdateFunctionConfiguration20150331v2', { functionName: 'thumbs' }, 'CONFIG_CHANGE'],
      ['lambda', 'UpdateFunctionCode20150331v2', { functionName: 'thumbs' }, 'DEPLOYMENT'],
      ['ecs', 'UpdateService', { cluster: 'prod', service: 'checkout', taskDefinition: 'checkout:42' }, 'DEPLOYMENT'],
      ['ecs', 'UpdateService', { cluster: 'prod', service: 'checkout', desiredCount: 6 }, 'SCALING'],
      ['codedeploy', 'CreateDeployment', { applicationName: 'web' }, 'DEPLOYMENT'],
      ['iam', 'AttachRolePolicy', { roleName: 'r', policyArn: 'p' }, 'SECURITY_CHANGE'],
      ['kms', 'ScheduleKeyDeletion', { keyId: 'k' }, 'SECURITY_CHANGE'],
      ['ec2', 'AuthorizeSecurityGroupIngress', { groupId: 'sg-1' }, 'SECURITY_CHANGE'],
      ['rds', 'ModifyDBParameterGroup', { dBParameterGroupName: 'pg' }, 'CONFIG_CHANGE'],
      ['dynamodb', 'UpdateTable', { tableName: 't', globalSecondaryIndexUpdates: [{}] }, 'SCHEMA_CHANGE'],
      ['autoscaling', 'SetDesiredCapacity', { autoScalingGroupName: 'web', desiredCapacity: 4 }, 'SCALING'],
      ['ec2', 'TerminateInstances', { instancesSet: { items: [{ instanceId: 'i-0abc' }] } }, 'INFRASTRUCTURE'],
      ['someservice', 'UpdateWidget', {}, 'CONFIG_CHANGE'],
    ];
    for (const [service, name, params, cls] of cases) {
      const ev = one(fromCloudTrailEventBridge(cloudTrail(service, name, params)));
      assert.equal(ev.class, cls, `${service} ${name}`);
      assert.equal(ev.source, 'cloudtrail');
      assert.equal(ev.timeMs, Date.UTC(2026, 10, 21, 10));
      assert.equal(ev.attributes.actor, 'alice');
    }
  });

  it('derives resource keys from the envelope ARNs and request parameters', () => {
    const ev = one(fromCloudTrailEventBridge({ ...cloudTrail('ecs', 'UpdateService', { cluster: 'prod', service: 'checkout', taskDefinition: 'checkout:42' }), resources: ['arn:aws:ecs:eu-west-1:123456789012:service/prod/checkout'] }));
    assert.deepEqual(ev.resources, ['aws:arn:aws:ecs:eu-west-1:123456789012:service/prod/checkout', 'ecs-service:prod/checkout']);
    assert.deepEqual(one(fromCloudTrailEventBridge(cloudTrail('ec2', 'TerminateInstances', { instancesSet: { items: [{ instanceId: 'i-0abc' }] } }))).resources, ['ec2:i-0abc']);
  });

  it('ignores read-only, failed and data-plane calls', () => {
    assert.deepEqual(ok(fromCloudTrailEventBridge(cloudTrail('ec2', 'DescribeInstances', {}))), []);
    assert.deepEqual(ok(fromCloudTrailEventBridge(cloudTrail('ssm', 'GetParameter', { name: 'x' }))), []);
    assert.deepEqual(ok(fromCloudTrailEventBridge(cloudTrail('ssm', 'PutParameter', { name: 'x' }, { readOnly: true }))), []);
    assert.deepEqual(ok(fromCloudTrailEventBridge(cloudTrail('ssm', 'PutParameter', { name: 'x' }, { errorCode: 'AccessDenied' }))), []);
    assert.deepEqual(ok(fromCloudTrailEventBridge(cloudTrail('s3', 'PutObject', { bucketName: 'b', key: 'k' }))), []);
  });

  it('uses eventID for a stable id', () => {
    const body = cloudTrail('ssm', 'PutParameter', { name: '/x' });
    assert.equal(one(fromCloudTrailEventBridge(body)).id, one(fromCloudTrailEventBridge(structuredClone(body))).id);
    assert.notEqual(one(fromCloudTrailEventBridge(body)).id, one(fromCloudTrailEventBridge({ ...body, detail: { ...body.detail, eventID: 'other' } })).id);
  });

  it('names the bad field', () => {
    assert.equal(fieldOf(fromCloudTrailEventBridge({ ...cloudTrail('ssm', 'PutParameter', {}), 'detail-type': 'EC2 Instance State-change Notification' })), 'detail-type');
    assert.equal(fieldOf(fromCloudTrailEventBridge({ ...cloudTrail('ssm', 'PutParameter', {}), detail: 'x' })), 'detail');
    const b = cloudTrail('ssm', 'PutParameter', {});
    assert.equal(fieldOf(fromCloudTrailEventBridge({ ...b, detail: { ...b.detail, eventName: undefined } })), 'detail.eventName');
    assert.equal(fieldOf(fromCloudTrailEventBridge({ ...b, time: undefined, detail: { ...b.detail, eventTime: 'now' } })), 'detail.eventTime');
  });

  it('keeps the mapping as data: every rule names a service and at least one event name', () => {
    for (const r of CLOUDTRAIL_RULES) assert.ok(r.service !== '' && r.names.length > 0);
    assert.equal(classifyCloudTrailCall('ecs', 'UpdateService', {}), 'CONFIG_CHANGE');
  });
});

/**
 * AWS CloudTrail management events delivered by EventBridge → Vigil events.
 *
 *   { "detail-type": "AWS API Call via CloudTrail", "source": "aws.ssm", "time": "...", "resources": [arn...],
 *     "detail": { "eventSource": "ssm.amazonaws.com", "eventName": "PutParameter", "eventTime": "...",
 *                 "eventID": "...", "userIdentity": {...}, "requestParameters": {...}, "readOnly": false,
 *                 "errorCode"?: "AccessDenied" } }
 *
 * Dropped without an event: read-only calls (`readOnly: true` or a Describe/Get/List/Head/... verb),
 * failed calls (an `errorCode`: nothing changed) and calls no rule or fallback classifies.
 *
 * The class is decided by CLOUDTRAIL_RULES, a data table read top to bottom, first match wins. A
 * rule names the service (eventSource without ".amazonaws.com"), event names (exact, or a prefix
 * ending in `*`) and optionally a request parameter that must be present (`when`) — how "ECS
 * UpdateService with a new task definition" differs from "ECS UpdateService with a new desired
 * count". Unlisted services fall back on the verb: Put/Update/Modify/Set/Change/Enable/Disable →
 * CONFIG_CHANGE; Create/Delete/Run/Terminate/Start/Stop/Reboot → INFRASTRUCTURE.
 *
 * resources: each ARN of the envelope as `aws:<arn>`, plus keys read from common request
 * parameters (RESOURCE_PARAMS). application: null (CloudTrail carries no tags of the target).
 * id: detail.eventID (unique per API call), else the envelope id.
 */
import type { EventClass } from '../model/index.js';
import { accepted, buildEvent, eventError, firstStr, firstTime, isObject, path, str, type EventsResult } from './event-fields.js';

export const CLOUDTRAIL_SOURCE = 'cloudtrail';
export const CLOUDTRAIL_DETAIL_TYPE = 'AWS API Call via CloudTrail';

export interface CloudTrailRule {
  /** Service: eventSource without ".amazonaws.com", e.g. "ecs". */
  readonly service: string;
  /** Event names: exact, or a prefix ending in "*". */
  readonly names: readonly string[];
  /** Request parameter that must be present (non-null) for the rule to apply. */
  readonly when?: string;
  /** null: a call that shows up in CloudTrail but is not a change worth an event. */
  readonly class: EventClass | null;
}

export const CLOUDTRAIL_RULES: readonly CloudTrailRule[] = [
  // deployments
  { service: 'lambda', names: ['UpdateFunctionCode*', 'PublishVersion*', 'UpdateAlias*', 'CreateFunction*'], class: 'DEPLOYMENT' },
  { service: 'lambda', names: ['UpdateFunctionConfiguration*', 'UpdateEventSourceMapping*'], class: 'CONFIG_CHANGE' },
  { service: 'lambda', names: ['PutFunctionConcurrency*', 'PutProvisionedConcurrencyConfig*'], class: 'SCALING' },
  { service: 'lambda', names: ['AddPermission*', 'RemovePermission*'], class: 'SECURITY_CHANGE' },
  { service: 'codedeploy', names: ['CreateDeployment'], class: 'DEPLOYMENT' },
  { service: 'ecs', names: ['UpdateService'], when: 'taskDefinition', class: 'DEPLOYMENT' },
  { service: 'ecs', names: ['UpdateService'], when: 'desiredCount', class: 'SCALING' },
  { service: 'ecs', names: ['UpdateService', 'RegisterTaskDefinition'], class: 'CONFIG_CHANGE' },
  { service: 'ecs', names: ['CreateService'], class: 'DEPLOYMENT' },
  { service: 'ecs', names: ['DeleteService', 'StopTask'], class: 'INFRASTRUCTURE' },
  { service: 'cloudformation', names: ['CreateStack', 'UpdateStack', 'ExecuteChangeSet'], class: 'DEPLOYMENT' },
  { service: 'elasticbeanstalk', names: ['UpdateEnvironment', 'CreateApplicationVersion'], class: 'DEPLOYMENT' },
  { service: 'apprunner', names: ['StartDeployment'], class: 'DEPLOYMENT' },
  { service: 'amplify', names: ['StartDeployment', 'StartJob'], class: 'DEPLOYMENT' },
  // configuration
  { service: 'ssm', names: ['PutParameter', 'DeleteParameter', 'DeleteParameters', 'LabelParameterVersion'], class: 'CONFIG_CHANGE' },
  { service: 'appconfig', names: ['StartDeployment'], class: 'CONFIG_CHANGE' },
  { service: 'secretsmanager', names: ['PutResourcePolicy', 'DeleteResourcePolicy'], class: 'SECURITY_CHANGE' },
  { service: 'secretsmanager', names: ['PutSecretValue', 'UpdateSecret', 'RotateSecret'], class: 'CONFIG_CHANGE' },
  { service: 'route53', names: ['ChangeResourceRecordSets'], class: 'CONFIG_CHANGE' },
  { service: 'elasticloadbalancing', names: ['RegisterTargets', 'DeregisterTargets'], class: 'INFRASTRUCTURE' },
  // security
  { service: 'iam', names: ['*'], class: 'SECURITY_CHANGE' },
  { service: 'kms', names: ['*'], class: 'SECURITY_CHANGE' },
  { service: 'wafv2', names: ['*'], class: 'SECURITY_CHANGE' },
  { service: 'ec2', names: ['AuthorizeSecurityGroup*', 'RevokeSecurityGroup*', 'ModifySecurityGroupRules', 'CreateSecurityGroup', 'DeleteSecurityGroup', 'UpdateSecurityGroupRuleDescriptions*', 'CreateNetworkAcl*', 'ReplaceNetworkAcl*', 'DeleteNetworkAcl*'], class: 'SECURITY_CHANGE' },
  { service: 's3', names: ['PutBucketPolicy', 'DeleteBucketPolicy', 'PutBucketAcl', 'PutPublicAccessBlock', 'DeletePublicAccessBlock', 'PutBucketEncryption'], class: 'SECURITY_CHANGE' },
  // data-plane calls (S3 data events, if enabled) are traffic, not changes
  { service: 's3', names: ['PutObject', 'DeleteObject', 'DeleteObjects', 'CopyObject', 'CompleteMultipartUpload', 'CreateMultipartUpload', 'UploadPart', 'AbortMultipartUpload'], class: null },
  { service: 'sts', names: ['*'], class: null },
  // infrastructure
  { service: 'ec2', names: ['RunInstances', 'TerminateInstances', 'StopInstances', 'StartInstances', 'RebootInstances'], class: 'INFRASTRUCTURE' },
  { service: 'ec2', names: ['ModifyInstanceAttribute', 'ModifyLaunchTemplate', 'CreateLaunchTemplateVersion'], class: 'CONFIG_CHANGE' },
  { service: 'rds', names: ['RebootDBInstance', 'FailoverDBCluster', 'RebootDBCluster', 'StopDBInstance', 'StartDBInstance'], class: 'INFRASTRUCTURE' },
  // schema (DynamoDB table shape) vs capacity vs settings
  { service: 'dynamodb', names: ['UpdateTable'], when: 'globalSecondaryIndexUpdates', class: 'SCHEMA_CHANGE' },
  { service: 'dynamodb', names: ['UpdateTable'], when: 'attributeDefinitions', class: 'SCHEMA_CHANGE' },
  { service: 'dynamodb', names: ['UpdateTable'], when: 'provisionedThroughput', class: 'SCALING' },
  { service: 'dynamodb', names: ['UpdateTable', 'UpdateTimeToLive', 'UpdateContinuousBackups'], class: 'CONFIG_CHANGE' },
  { service: 'dynamodb', names: ['CreateTable', 'DeleteTable'], class: 'SCHEMA_CHANGE' },
  // RDS modifications change the instance (class, storage, parameters), not the schema
  { service: 'rds', names: ['ModifyDBInstance'], when: 'dBInstanceClass', class: 'SCALING' },
  { service: 'rds', names: ['Modify*'], class: 'CONFIG_CHANGE' },
  // scaling
  { service: 'autoscaling', names: ['SetDesiredCapacity', 'UpdateAutoScalingGroup', 'ExecutePolicy', 'TerminateInstanceInAutoScalingGroup'], class: 'SCALING' },
  { service: 'application-autoscaling', names: ['RegisterScalableTarget'], class: 'SCALING' },
  { service: 'eks', names: ['UpdateNodegroupConfig'], when: 'scalingConfig', class: 'SCALING' },
  { service: 'eks', names: ['UpdateClusterVersion', 'UpdateNodegroupVersion'], class: 'INFRASTRUCTURE' },
  { service: 'eks', names: ['UpdateClusterConfig', 'UpdateNodegroupConfig', 'UpdateAddon'], class: 'CONFIG_CHANGE' },
];

/** Verbs of calls that change nothing. */
const READ_ONLY_VERBS = /^(Describe|Get|List|Head|Lookup|Search|Select|BatchGet|Scan|Query|Check|Validate|Estimate|Preview|Test|Simulate|Decrypt|Encrypt|GenerateDataKey|Sign|Verify|AssumeRole)/;
const CONFIG_VERBS = /^(Put|Update|Modify|Set|Change|Enable|Disable|Attach|Detach|Associate|Disassociate|Tag|Untag)/;
const INFRA_VERBS = /^(Create|Delete|Run|Terminate|Start|Stop|Reboot|Restore)/;

/** Request parameters that name the target, and the resource key they become. */
const RESOURCE_PARAMS: readonly { readonly service: string; readonly param: string; readonly prefix: string; readonly scope?: string }[] = [
  { service: 'lambda', param: 'functionName', prefix: 'lambda' },
  { service: 'ecs', param: 'service', prefix: 'ecs-service', scope: 'cluster' },
  { service: 'ssm', param: 'name', prefix: 'ssm-parameter' },
  { service: 'rds', param: 'dBInstanceIdentifier', prefix: 'rds' },
  { service: 'rds', param: 'dBClusterIdentifier', prefix: 'rds-cluster' },
  { service: 'dynamodb', param: 'tableName', prefix: 'dynamodb' },
  { service: 'autoscaling', param: 'autoScalingGroupName', prefix: 'asg' },
  { service: 'ec2', param: 'groupId', prefix: 'security-group' },
  { service: 'eks', param: 'name', prefix: 'eks' },
  { service: 'eks', param: 'nodegroupName', prefix: 'eks-nodegroup', scope: 'clusterName' },
  { service: 'cloudformation', param: 'stackName', prefix: 'stack' },
  { service: 'codedeploy', param: 'applicationName', prefix: 'codedeploy' },
];

/** Which rule (or fallback) classifies a call; null for calls Vigil ignores. */
export function classifyCloudTrailCall(service: string, eventName: string, requestParameters: unknown): EventClass | null {
  for (const rule of CLOUDTRAIL_RULES) {
    if (rule.service !== service || !rule.names.some((n) => nameMatches(n, eventName))) continue;
    if (rule.when !== undefined) {
      const v = path(requestParameters, rule.when);
      if (v === undefined || v === null) continue;
    }
    return rule.class;
  }
  if (CONFIG_VERBS.test(eventName)) return 'CONFIG_CHANGE';
  if (INFRA_VERBS.test(eventName)) return 'INFRASTRUCTURE';
  return null;
}

function nameMatches(pattern: string, eventName: string): boolean {
  return pattern.endsWith('*') ? eventName.startsWith(pattern.slice(0, -1)) : pattern === eventName;
}

export function fromCloudTrailEventBridge(body: unknown): EventsResult {
  if (!isObject(body)) return eventError('body', 'expected an EventBridge event object');
  const detailType = str(body, 'detail-type');
  if (detailType !== CLOUDTRAIL_DETAIL_TYPE) {
    return eventError('detail-type', `detail-type is ${detailType === undefined ? 'missing' : `"${detailType.slice(0, 64)}"`}; route only "${CLOUDTRAIL_DETAIL_TYPE}" events to this endpoint`);
  }
  const detail = body.detail;
  if (!isObject(detail)) return eventError('detail', 'missing detail object (the CloudTrail record)');
  const eventSource = str(detail, 'eventSource');
  if (eventSource === undefined) return eventError('detail.eventSource', 'missing eventSource, e.g. "ssm.amazonaws.com"');
  const eventName = str(detail, 'eventName');
  if (eventName === undefined) return eventError('detail.eventName', 'missing eventName, e.g. "PutParameter"');
  const timeMs = firstTime(body, [['detail', 'eventTime'], ['time']]);
  if (timeMs === undefined) return eventError('detail.eventTime', 'missing or invalid eventTime (RFC 3339)');

  if (detail.readOnly === true || READ_ONLY_VERBS.test(eventName)) return accepted([]);
  if (str(detail, 'errorCode') !== undefined) return accepted([]);
  const service = eventSource.replace(/\.amazonaws\.com$/, '');
  const request = detail.requestParameters;
  const cls = classifyCloudTrailCall(service, eventName, request);
  if (cls === null) return accepted([]);

  const resources: string[] = [];
  if (Array.isArray(body.resources)) {
    for (const arn of body.resources) if (typeof arn === 'string' && arn !== '') resources.push(`aws:${arn}`);
  }
  let target: string | undefined;
  for (const p of RESOURCE_PARAMS) {
    if (p.service !== service) continue;
    const v = str(request, p.param);
    if (v === undefined) continue;
    const scope = p.scope !== undefined ? str(request, p.scope) : undefined;
    const id = scope !== undefined ? `${scope}/${v}` : v;
    resources.push(`${p.prefix}:${id}`);
    target ??= id;
  }
  const instances = path(request, 'instancesSet', 'items');
  if (Array.isArray(instances)) {
    for (const it of instances) {
      const id = str(it, 'instanceId');
      if (id !== undefined) resources.push(`ec2:${id}`);
    }
  }

  const actor = firstStr(detail, [
    ['userIdentity', 'userName'],
    ['userIdentity', 'sessionContext', 'sessionIssuer', 'userName'],
    ['userIdentity', 'arn'],
    ['userIdentity', 'invokedBy'],
    ['userIdentity', 'principalId'],
  ]);
  const naturalId = str(detail, 'eventID') ?? str(body, 'id') ?? `${service}:${eventName}:${timeMs}:${target ?? ''}`;
  const name = `${service} ${eventName}${target !== undefined ? ' ' + target : ''}${actor !== undefined ? ' by ' + actor : ''}`;

  return accepted([
    buildEvent({
      source: CLOUDTRAIL_SOURCE,
      naturalId,
      class: cls,
      name,
      timeMs,
      resources,
      application: null,
      attributes: {
        service,
        eventName,
        actor,
        actorArn: str(detail, 'userIdentity', 'arn'),
        account: firstStr(body, [['account'], ['detail', 'recipientAccountId']]),
        region: firstStr(body, [['region'], ['detail', 'awsRegion']]),
        sourceIp: str(detail, 'sourceIPAddress'),
        target,
        requestParameters: isObject(request) ? JSON.stringify(request) : undefined,
      },
    }),
  ]);
}

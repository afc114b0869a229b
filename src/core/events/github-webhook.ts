/**
 * GitHub webhooks (`X-GitHub-Event` header + JSON body) → events. Payload fields as documented in
 * GitHub's "Webhook events and payloads" (deployment_status, workflow_run).
 *
 *   ping               → no events (GitHub sends it when the hook is created)
 *   deployment_status  → DEPLOYMENT for states in_progress, success, failure, error. Skipped:
 *                        queued / pending (nothing has changed yet) and inactive (GitHub marks the
 *                        previous deployment inactive when a new one succeeds: not a change).
 *                        id: deployment_status.id.
 *   workflow_run       → only action "completed" with conclusion success or failure (a cancelled
 *                        or skipped run changed nothing). Decision, by the workflow's name + path:
 *                          deploy | release | rollout | promote | publish | ship | cd  → DEPLOYMENT
 *                          terraform | infra | config | helm | k8s | kube | manifest |
 *                          ansible | pulumi | cloudformation | cdk                      → CONFIG_CHANGE
 *                          anything else (tests, lint, builds)                        → no event:
 *                        a CI run changes nothing that runs, and one event per push would bury
 *                        the real changes. id: workflow_run.id + run_attempt.
 *   anything else      → 400 naming the supported events, so a mis-configured hook is noticed.
 *
 * resources: `github-repo:<owner/name>`; application: the repository name (without owner).
 */
import type { EventClass } from '../model/index.js';
import { accepted, buildEvent, eventError, firstStr, firstTime, isObject, str, type EventsResult } from './event-fields.js';

export const GITHUB_SOURCE = 'github';
export const GITHUB_SUPPORTED_EVENTS = ['deployment_status', 'workflow_run', 'ping'] as const;

const DEPLOY_WORDS = /(^|[^a-z])(deploy\w*|release\w*|rollout\w*|promot\w*|publish\w*|ship\w*|cd)([^a-z]|$)/i;
const CONFIG_WORDS = /(^|[^a-z])(terraform|infra\w*|config\w*|helm|k8s|kube\w*|manifests?|ansible|pulumi|cloudformation|cdk)([^a-z]|$)/i;
const DEPLOYMENT_STATES = new Set(['in_progress', 'success', 'failure', 'error']);

export function fromGithubWebhook(eventName: string, body: unknown, receivedMs: number): EventsResult {
  const ev = eventName.trim().toLowerCase();
  if (ev === 'ping') return accepted([]);
  if (ev !== 'deployment_status' && ev !== 'workflow_run') {
    return eventError(
      'X-GitHub-Event',
      `event "${eventName.slice(0, 64)}" is not supported; subscribe the webhook to ${GITHUB_SUPPORTED_EVENTS.join(', ')} only`,
    );
  }
  if (!isObject(body)) return eventError('body', `expected the JSON object GitHub sends for ${ev}`);
  return ev === 'deployment_status' ? deploymentStatus(body, receivedMs) : workflowRun(body, receivedMs);
}

function repoOf(body: unknown): { full: string | undefined; short: string | undefined } {
  const full = str(body, 'repository', 'full_name');
  const short = str(body, 'repository', 'name') ?? full?.split('/').pop();
  return { full, short };
}

function deploymentStatus(body: Record<string, unknown>, receivedMs: number): EventsResult {
  const status = body.deployment_status;
  if (!isObject(status)) return eventError('deployment_status', 'missing deployment_status object');
  const state = str(status, 'state')?.toLowerCase();
  if (state === undefined) return eventError('deployment_status.state', 'missing deployment state');
  const statusId = str(status, 'id');
  if (statusId === undefined) return eventError('deployment_status.id', 'missing deployment status id');
  if (!DEPLOYMENT_STATES.has(state)) return accepted([]);

  const repo = repoOf(body);
  const environment = firstStr(body, [['deployment_status', 'environment'], ['deployment', 'environment']]);
  const sha = str(body, 'deployment', 'sha');
  const ref = str(body, 'deployment', 'ref');
  const creator = firstStr(body, [['deployment_status', 'creator', 'login'], ['deployment', 'creator', 'login'], ['sender', 'login']]);
  const timeMs =
    firstTime(body, [['deployment_status', 'updated_at'], ['deployment_status', 'created_at'], ['deployment', 'updated_at']]) ?? receivedMs;
  const what = repo.short ?? 'repository';
  const version = ref ?? sha?.slice(0, 7);
  const verb = state === 'in_progress' ? 'started' : state === 'success' ? 'succeeded' : 'failed';
  const name = `deployment of ${what}${version !== undefined ? ` ${version}` : ''}${environment !== undefined ? ` to ${environment}` : ''} ${verb}`;

  return accepted([
    buildEvent({
      source: GITHUB_SOURCE,
      naturalId: 'deployment_status:' + statusId,
      class: 'DEPLOYMENT',
      name,
      timeMs,
      resources: repo.full !== undefined ? [`github-repo:${repo.full}`] : [],
      application: repo.short ?? null,
      attributes: {
        state,
        environment,
        sha,
        ref,
        creator,
        repository: repo.full,
        task: str(body, 'deployment', 'task'),
        description: str(status, 'description'),
        url: firstStr(status, [['log_url'], ['target_url'], ['environment_url']]),
        deploymentId: str(body, 'deployment', 'id'),
      },
    }),
  ]);
}

function workflowRun(body: Record<string, unknown>, receivedMs: number): EventsResult {
  const run = body.workflow_run;
  if (!isObject(run)) return eventError('workflow_run', 'missing workflow_run object');
  const runId = str(run, 'id');
  if (runId === undefined) return eventError('workflow_run.id', 'missing workflow run id');
  const action = str(body, 'action');
  const conclusion = str(run, 'conclusion')?.toLowerCase();
  if (action !== 'completed' || (conclusion !== 'success' && conclusion !== 'failure')) return accepted([]);

  const workflowName = str(run, 'name') ?? '';
  const workflowPath = str(run, 'path') ?? '';
  const text = `${workflowName} ${workflowPath.replace(/^.*\//, '').replace(/\.ya?ml$/, '')}`;
  let cls: EventClass;
  if (DEPLOY_WORDS.test(text)) cls = 'DEPLOYMENT';
  else if (CONFIG_WORDS.test(text)) cls = 'CONFIG_CHANGE';
  else return accepted([]);

  const repo = repoOf(body);
  const sha = str(run, 'head_sha');
  const branch = str(run, 'head_branch');
  const actor = firstStr(run, [['triggering_actor', 'login'], ['actor', 'login']]) ?? str(body, 'sender', 'login');
  const timeMs = firstTime(run, [['updated_at'], ['run_started_at'], ['created_at']]) ?? receivedMs;
  const attempt = str(run, 'run_attempt') ?? '1';
  const label = workflowName !== '' ? workflowName : workflowPath !== '' ? workflowPath : 'workflow';
  const name = `${label} on ${repo.short ?? 'repository'}${sha !== undefined ? ` @${sha.slice(0, 7)}` : ''} ${conclusion === 'success' ? 'succeeded' : 'failed'}`;

  return accepted([
    buildEvent({
      source: GITHUB_SOURCE,
      naturalId: `workflow_run:${runId}:${attempt}`,
      class: cls,
      name,
      timeMs,
      resources: repo.full !== undefined ? [`github-repo:${repo.full}`] : [],
      application: repo.short ?? null,
      attributes: {
        workflow: workflowName,
        path: workflowPath,
        conclusion,
        sha,
        ref: branch,
        actor,
        repository: repo.full,
        trigger: str(run, 'event'),
        runNumber: str(run, 'run_number'),
        url: str(run, 'html_url'),
      },
    }),
  ]);
}

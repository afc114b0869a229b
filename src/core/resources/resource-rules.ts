/**
 * Which resource a series belongs to, which application that resource is part of, and whether it
 * is analysed at all (coverage). Called once per new series, never per sample.
 *
 *   labels (+ OTLP resource attributes)
 *     ─► coverage selectors            covered?
 *     ─► first resourceLabels hit      resource key / type / tags
 *     ─► first applications selector   application   (explicit config wins)
 *        else first applicationLabels hit
 *
 * Label names are looked up as written, then in their Prometheus-sanitised form (every character
 * outside [a-zA-Z0-9_] becomes "_", as OTLP→Prometheus conversion and kube-state-metrics do), first
 * in the series labels, then in the resource attributes. So `k8s.pod.name` finds both the OTLP
 * attribute and a `k8s_pod_name` label.
 */
import { seriesKey, type Labels } from '../model/index.js';
import { matches, parseSelector, type LabelSelector } from './label-selector.js';

export interface ApplicationRule {
  readonly name: string;
  readonly selector: string;
}

export interface ResourceRulesConfig {
  /** Ordered: the first label present decides the resource. */
  readonly resourceLabels: readonly string[];
  /** Explicit applications; the first whose selector matches wins, before applicationLabels. */
  readonly applications: readonly ApplicationRule[];
  /** Ordered: the first label present names the application. */
  readonly applicationLabels: readonly string[];
  /** 'all', or selectors of which at least one must match. */
  readonly coverage: 'all' | readonly string[];
}

export interface ResolvedResource {
  readonly key: string;
  readonly type: string;
  readonly tags: Readonly<Record<string, string>>;
}

export interface Resolution {
  readonly covered: boolean;
  readonly resource: ResolvedResource;
  readonly application: string | null;
}

/**
 * Default resource labels. Pods and containers first (cAdvisor, kube-state-metrics pod metrics);
 * then workload objects, because kube-state-metrics' `kube_deployment_*` series also carry the
 * `instance` of the exporter itself, which is not what they describe; then `instance` (the
 * scraped process: node-exporter, application targets); then services (OTLP `service.name`, before
 * `host.name` so an instrumented service is its own resource, while hostmetrics without a service
 * land on the host); `job` last.
 */
export const DEFAULT_RESOURCE_LABELS: readonly string[] = [
  'pod',
  'k8s.pod.name',
  'container',
  'k8s.container.name',
  'deployment',
  'k8s.deployment.name',
  'statefulset',
  'k8s.statefulset.name',
  'daemonset',
  'k8s.daemonset.name',
  'node',
  'k8s.node.name',
  'instance',
  'service_name',
  'service.name',
  'service',
  'host.name',
  'job',
];

/**
 * Default application labels, most specific first. Exact names (the sanitised twin of each is also
 * tried, see above):
 *   app.kubernetes.io/part-of, app_kubernetes_io_part_of, label_app_kubernetes_io_part_of   (kube-state-metrics `kube_*_labels`)
 *   argocd.argoproj.io/instance, label_argocd_argoproj_io_instance                         (ArgoCD annotation-tracking label)
 *   app.kubernetes.io/instance, label_app_kubernetes_io_instance                           (Helm release; ArgoCD's default tracking label)
 *   helm_release, release                                                                  (common relabelling / chart labels)
 *   Project, tag_Project, Service, tag_Service                                             (cloud tags, e.g. EC2 SD `__meta_ec2_tag_*` kept as labels)
 *   service.namespace, service_namespace                                                   (OTLP)
 *   namespace, k8s.namespace.name, exported_namespace                                      (the Kubernetes default boundary)
 *   Environment, tag_Environment                                                           (coarse; last)
 */
export const DEFAULT_APPLICATION_LABELS: readonly string[] = [
  'app.kubernetes.io/part-of',
  'label_app_kubernetes_io_part_of',
  'argocd.argoproj.io/instance',
  'label_argocd_argoproj_io_instance',
  'app.kubernetes.io/instance',
  'label_app_kubernetes_io_instance',
  'helm_release',
  'release',
  'Project',
  'tag_Project',
  'Service',
  'tag_Service',
  'service.namespace',
  'namespace',
  'k8s.namespace.name',
  'exported_namespace',
  'Environment',
  'tag_Environment',
];

export const DEFAULT_RESOURCE_RULES_CONFIG: ResourceRulesConfig = {
  resourceLabels: DEFAULT_RESOURCE_LABELS,
  applications: [],
  applicationLabels: DEFAULT_APPLICATION_LABELS,
  coverage: 'all',
};

interface KindRule {
  /** Resource type reported. */
  readonly type: string;
  /** Key prefix before ":". */
  readonly prefix: string;
  /** Labels whose value scopes the name (`<scope>/<name>`), first present wins. */
  readonly scope: readonly string[];
}

const NAMESPACE_LABELS = ['namespace', 'k8s.namespace.name', 'kubernetes_namespace'];
const pod: KindRule = { type: 'pod', prefix: 'pod', scope: NAMESPACE_LABELS };
const container: KindRule = { type: 'container', prefix: 'container', scope: NAMESPACE_LABELS };
const host = (prefix: string): KindRule => ({ type: 'host', prefix, scope: [] });
const service: KindRule = { type: 'service', prefix: 'service', scope: ['service.namespace', ...NAMESPACE_LABELS] };
const workload = (type: string): KindRule => ({ type, prefix: type, scope: NAMESPACE_LABELS });

/** Known resource label names (any spelling) and what they identify. Unknown names: `<name>:<value>`. */
const KIND_RULES: Readonly<Record<string, KindRule>> = {
  pod,
  'k8s.pod.name': pod,
  kubernetes_pod_name: pod,
  pod_name: pod,
  container,
  'k8s.container.name': container,
  container_name: container,
  deployment: workload('deployment'),
  'k8s.deployment.name': workload('deployment'),
  statefulset: workload('statefulset'),
  'k8s.statefulset.name': workload('statefulset'),
  daemonset: workload('daemonset'),
  'k8s.daemonset.name': workload('daemonset'),
  persistentvolumeclaim: { type: 'volume', prefix: 'pvc', scope: NAMESPACE_LABELS },
  node: { type: 'node', prefix: 'node', scope: [] },
  'k8s.node.name': { type: 'node', prefix: 'node', scope: [] },
  kubernetes_node: { type: 'node', prefix: 'node', scope: [] },
  instance: host('instance'),
  'host.name': host('host'),
  hostname: host('host'),
  host: host('host'),
  service_name: service,
  'service.name': service,
  service,
  job: { type: 'job', prefix: 'job', scope: [] },
};

/** Labels copied into a resource's tags when present: what places the resource. */
const TAG_LABELS = [
  'namespace',
  'k8s.namespace.name',
  'node',
  'k8s.node.name',
  'host.name',
  'instance',
  'job',
  'service.namespace',
  'cluster',
  'k8s.cluster.name',
  'region',
  'cloud.region',
  'zone',
  'cloud.availability_zone',
];

export function sanitizeLabelName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, '_');
}

/** Compiled ResourceRulesConfig. Construct from a config that passed validateResourceRulesConfig. */
export class ResourceRules {
  private readonly resourceLabels: readonly string[];
  private readonly applicationLabels: readonly string[];
  private readonly applications: readonly { name: string; selector: LabelSelector }[];
  private readonly coverage: readonly LabelSelector[] | null;

  /** Throws RangeError on a selector that does not parse (validate config first for a friendly error). */
  constructor(config: ResourceRulesConfig = DEFAULT_RESOURCE_RULES_CONFIG) {
    const compile = (text: string, what: string): LabelSelector => {
      const r = parseSelector(text);
      if (!r.ok) throw new RangeError(`${what}: ${r.reason} (at ${r.position})`);
      return r.selector;
    };
    this.resourceLabels = [...config.resourceLabels];
    this.applicationLabels = [...config.applicationLabels];
    this.applications = config.applications.map((a, i) => ({ name: a.name, selector: compile(a.selector, `applications[${i}].selector`) }));
    this.coverage = config.coverage === 'all' ? null : config.coverage.map((s, i) => compile(s, `coverage[${i}]`));
  }

  resolve(labels: Labels, resourceAttributes?: Readonly<Record<string, string>>): Resolution {
    const look = (name: string): string | undefined => lookup(labels, resourceAttributes, name);

    // Selectors see resource attributes and labels together; labels win on a clash.
    const merged: Labels = resourceAttributes === undefined ? labels : { ...resourceAttributes, ...labels };
    const covered = this.coverage === null || this.coverage.some((s) => matches(s, merged));

    let application: string | null = null;
    for (const a of this.applications) {
      if (matches(a.selector, merged)) {
        application = a.name;
        break;
      }
    }
    if (application === null) {
      for (const name of this.applicationLabels) {
        const v = look(name);
        if (v !== undefined) {
          application = v;
          break;
        }
      }
    }

    return { covered, resource: this.resourceOf(labels, resourceAttributes, look), application };
  }

  private resourceOf(labels: Labels, attrs: Readonly<Record<string, string>> | undefined, look: (n: string) => string | undefined): ResolvedResource {
    const tags: Record<string, string> = {};
    for (const t of TAG_LABELS) {
      const v = look(t);
      if (v !== undefined && !Object.values(tags).includes(v)) tags[t] = v;
    }
    for (const name of this.resourceLabels) {
      const value = look(name);
      if (value === undefined) continue;
      const rule = KIND_RULES[name] ?? { type: sanitizeLabelName(name), prefix: name, scope: [] };
      let scope: string | undefined;
      for (const s of rule.scope) {
        scope = look(s);
        if (scope !== undefined) break;
      }
      const key = `${rule.prefix}:${scope !== undefined ? scope + '/' : ''}${value}`;
      return { key, type: rule.type, tags };
    }
    // No rule matched: the series' own labels (without the metric name) identify it, so series
    // with the same labels but different metrics still share one resource.
    const own: Record<string, string> = { ...(attrs ?? {}), ...labels };
    delete own.__name__;
    return { key: 'labels:' + seriesKey(own), type: 'other', tags };
  }
}

function lookup(labels: Labels, attrs: Readonly<Record<string, string>> | undefined, name: string): string | undefined {
  const sanitized = sanitizeLabelName(name);
  const candidates = sanitized === name ? [name] : [name, sanitized];
  for (const c of candidates) {
    const v = labels[c];
    if (v !== undefined && v !== '') return v;
  }
  if (attrs !== undefined) {
    for (const c of candidates) {
      const v = attrs[c];
      if (v !== undefined && v !== '') return v;
    }
  }
  return undefined;
}

/**
 * How to reach a Kubernetes API server: from a kubeconfig file (current-context, or a named
 * context) or from inside a pod (service-account files + KUBERNETES_SERVICE_HOST/PORT).
 *
 * Supported kubeconfig auth: `token`, `tokenFile`, `client-certificate(-data)` + `client-key(-data)`,
 * `certificate-authority(-data)` and `insecure-skip-tls-verify`. Exec and auth-provider plugins
 * (EKS `aws eks get-token`, GKE gcloud) are not run — Vigil does not execute programs named in a
 * config file; use a service-account token for those clusters. Relative paths are relative to the
 * kubeconfig's directory, as kubectl resolves them. Failures are values with a reason, never throws.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

export interface KubeConnection {
  /** API server base URL, e.g. https://10.0.0.1:6443 (may carry a path prefix behind a proxy). */
  readonly server: string;
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** A fixed bearer token. */
  readonly token?: string;
  /** A file holding the bearer token; re-read periodically because projected tokens rotate. */
  readonly tokenFile?: string;
  readonly insecureSkipTlsVerify: boolean;
  /** The context's or the pod's own namespace, when known. */
  readonly namespace?: string;
}

export type KubeConnectionResult = { readonly ok: true; readonly connection: KubeConnection } | { readonly ok: false; readonly reason: string };

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const strOf = (o: Obj, k: string): string | undefined => (typeof o[k] === 'string' && o[k] !== '' ? (o[k] as string) : undefined);

function named(list: unknown, name: string, field: string): Obj | undefined {
  if (!Array.isArray(list)) return undefined;
  for (const item of list) {
    if (isObj(item) && item.name === name && isObj(item[field])) return item[field] as Obj;
  }
  return undefined;
}

export async function loadKubeconfig(path: string, contextName?: string): Promise<KubeConnectionResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    return { ok: false, reason: `cannot read kubeconfig ${path}: ${(e as Error).message}` };
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    return { ok: false, reason: `kubeconfig ${path} is not valid YAML: ${(e as Error).message}` };
  }
  if (!isObj(doc)) return { ok: false, reason: `kubeconfig ${path} is empty or not a mapping` };
  const ctxName = contextName ?? strOf(doc, 'current-context');
  if (ctxName === undefined) return { ok: false, reason: `kubeconfig ${path} has no current-context; set one or pass a context name` };
  const ctx = named(doc.contexts, ctxName, 'context');
  if (ctx === undefined) return { ok: false, reason: `kubeconfig ${path}: context "${ctxName}" not found under contexts` };
  const clusterName = strOf(ctx, 'cluster');
  const cluster = clusterName !== undefined ? named(doc.clusters, clusterName, 'cluster') : undefined;
  if (cluster === undefined) return { ok: false, reason: `kubeconfig ${path}: cluster "${clusterName ?? ''}" of context "${ctxName}" not found` };
  const server = strOf(cluster, 'server');
  if (server === undefined || !/^https?:\/\//.test(server)) return { ok: false, reason: `kubeconfig ${path}: cluster "${clusterName}" has no http(s) server URL` };
  const userName = strOf(ctx, 'user');
  const user = userName !== undefined ? (named(doc.users, userName, 'user') ?? {}) : {};
  if (user.exec !== undefined || user['auth-provider'] !== undefined) {
    return { ok: false, reason: `kubeconfig ${path}: user "${userName}" uses an exec/auth-provider plugin, which Vigil does not run; use a service-account token` };
  }
  const base = dirname(resolve(path));
  const file = (p: string): string => (isAbsolute(p) ? p : resolve(base, p));
  const material = async (dataKey: string, fileKey: string, o: Obj, what: string): Promise<Buffer | undefined | string> => {
    const data = strOf(o, dataKey);
    if (data !== undefined) return Buffer.from(data, 'base64');
    const f = strOf(o, fileKey);
    if (f === undefined) return undefined;
    try {
      return await readFile(file(f));
    } catch (e) {
      return `kubeconfig ${path}: cannot read ${what} ${file(f)}: ${(e as Error).message}`;
    }
  };
  const ca = await material('certificate-authority-data', 'certificate-authority', cluster, 'certificate authority');
  const cert = await material('client-certificate-data', 'client-certificate', user, 'client certificate');
  const key = await material('client-key-data', 'client-key', user, 'client key');
  for (const m of [ca, cert, key]) if (typeof m === 'string') return { ok: false, reason: m };
  if ((cert === undefined) !== (key === undefined)) return { ok: false, reason: `kubeconfig ${path}: user "${userName}" needs both a client certificate and a client key` };
  const tokenFile = strOf(user, 'tokenFile');
  return {
    ok: true,
    connection: {
      server: server.replace(/\/+$/, ''),
      ca: ca as Buffer | undefined,
      cert: cert as Buffer | undefined,
      key: key as Buffer | undefined,
      token: strOf(user, 'token'),
      tokenFile: tokenFile !== undefined ? file(tokenFile) : undefined,
      insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
      namespace: strOf(ctx, 'namespace'),
    },
  };
}

/** In-cluster config, as client-go's rest.InClusterConfig reads it. */
export async function loadInClusterConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
  dir: string = SERVICE_ACCOUNT_DIR,
): Promise<KubeConnectionResult> {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (host === undefined || host === '' || port === undefined || port === '') {
    return { ok: false, reason: 'not running in a Kubernetes pod: KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT are not set (use kubeconfigPath)' };
  }
  const tokenFile = resolve(dir, 'token');
  try {
    await readFile(tokenFile, 'utf8');
  } catch (e) {
    return { ok: false, reason: `cannot read service-account token ${tokenFile}: ${(e as Error).message} (is automountServiceAccountToken off?)` };
  }
  let ca: Buffer | undefined;
  try {
    ca = await readFile(resolve(dir, 'ca.crt'));
  } catch (e) {
    return { ok: false, reason: `cannot read service-account CA ${resolve(dir, 'ca.crt')}: ${(e as Error).message}` };
  }
  let namespace: string | undefined;
  try {
    namespace = (await readFile(resolve(dir, 'namespace'), 'utf8')).trim() || undefined;
  } catch {
    namespace = undefined;
  }
  const h = host.includes(':') ? `[${host}]` : host; // IPv6 service IP
  return { ok: true, connection: { server: `https://${h}:${port}`, ca, tokenFile, insecureSkipTlsVerify: false, namespace } };
}

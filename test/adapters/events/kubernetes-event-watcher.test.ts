// KubernetesEventWatcher (src/adapters/events/kubernetes-event-watcher.ts) against a local HTTP
// server that speaks the API server's list + watch protocol, and the kubeconfig / in-cluster loaders.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';

import { KubernetesEventWatcher, loadInClusterConfig, loadKubeconfig } from '../../../src/adapters/events/index.js';
import type { VigilEvent } from '../../../src/core/model/index.js';

const TOKEN = 'test-token';

/** A core/v1 Warning event that the normaliser turns into one INFRASTRUCTURE event. */
function k8sEvent(name: string, rv: string, time: string): unknown {
  return {
    metadata: { name: `${name}.1`, namespace: 'shop', uid: `uid-${name}`, resourceVersion: rv },
    involvedObject: { kind: 'Pod', namespace: 'shop', name },
    reason: 'BackOff',
    message: 'Back-off restarting failed container',
    type: 'Warning',
    source: { component: 'kubelet', host: 'node-1' },
    lastTimestamp: time,
    count: 1,
  };
}

const line = (type: string, object: unknown): string => JSON.stringify({ type, object }) + '\n';

async function waitFor(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Script {
  onList: (n: number, url: URL, res: ServerResponse) => void;
  onWatch: (n: number, url: URL, res: ServerResponse) => void;
}

describe('KubernetesEventWatcher', () => {
  let dir: string;
  let server: Server;
  let port: number;
  let script: Script;
  const requests: { path: string; auth: string | undefined }[] = [];
  let lists = 0;
  let watches = 0;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-kube-'));
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      requests.push({ path: url.pathname + url.search, auth: req.headers.authorization });
      if (req.headers.authorization !== `Bearer ${TOKEN}`) {
        res.writeHead(401, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', code: 401, message: 'Unauthorized' }));
        return;
      }
      if (url.searchParams.get('watch') === '1') script.onWatch(++watches, url, res);
      else script.onList(++lists, url, res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  async function kubeconfig(token: string): Promise<string> {
    const path = join(dir, `config-${token}`);
    await writeFile(
      path,
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: test',
        'clusters:',
        '- name: local',
        '  cluster:',
        `    server: http://127.0.0.1:${port}/`,
        'contexts:',
        '- name: test',
        '  context: { cluster: local, user: tester, namespace: shop }',
        'users:',
        '- name: tester',
        `  user: { token: ${token} }`,
      ].join('\n'),
    );
    return path;
  }

  it('lists, watches, relists on 410 Gone and reconnects after a dropped connection', async () => {
    requests.length = 0;
    lists = 0;
    watches = 0;
    const now = (): string => new Date().toISOString();
    const old = '2020-01-01T00:00:00Z';
    script = {
      onList(n, _url, res) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        if (n === 1) {
          res.end(JSON.stringify({ kind: 'EventList', metadata: { resourceVersion: '100' }, items: [k8sEvent('old', '90', old)] }));
        } else {
          // After the 410: the list holds the old event, one already seen, and one missed in the gap.
          res.end(JSON.stringify({ kind: 'EventList', metadata: { resourceVersion: '200' }, items: [k8sEvent('old', '90', old), k8sEvent('a', '101', now()), k8sEvent('b', '150', now())] }));
        }
      },
      onWatch(n, url, res) {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
        if (n === 1) {
          assert.equal(url.searchParams.get('resourceVersion'), '100');
          res.write(line('ADDED', k8sEvent('a', '101', now())));
          res.write(line('BOOKMARK', { metadata: { resourceVersion: '105' } }));
          res.end(line('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 100 (150)' }));
        } else if (n === 2) {
          assert.equal(url.searchParams.get('resourceVersion'), '200');
          res.write(line('ADDED', k8sEvent('c', '201', now())));
          setTimeout(() => res.socket?.destroy(), 50); // drop the connection mid-stream
        } else {
          // Reconnect resumes from the last resourceVersion seen, without a relist.
          res.write(line('DELETED', k8sEvent('a', '202', now())));
          res.write(line('MODIFIED', k8sEvent('d', '203', now())));
        }
      },
    };

    const emitted: VigilEvent[] = [];
    const watcher = new KubernetesEventWatcher({
      kubeconfigPath: await kubeconfig(TOKEN),
      onEvents: (evs) => emitted.push(...evs),
      initialBackoffMs: 10,
      maxBackoffMs: 50,
    });
    watcher.start();
    await waitFor(() => emitted.length >= 4, 'four events');
    await waitFor(() => watcher.status().resourceVersion === '203', 'resourceVersion 203');

    assert.deepEqual(
      emitted.map((e) => e.attributes.object),
      ['a', 'b', 'c', 'd'],
      'old events are not emitted, a relisted event already seen is not emitted twice',
    );
    assert.ok(emitted.every((e) => e.source === 'kubernetes' && e.class === 'INFRASTRUCTURE'));
    const st = watcher.status();
    assert.equal(st.state, 'watching');
    assert.equal(st.relists, 2);
    assert.equal(lists, 2);
    assert.equal(watches, 3);
    assert.ok(st.reconnects >= 1);
    assert.equal(st.eventsEmitted, 4);
    const watchPaths = requests.filter((r) => r.path.includes('watch=1')).map((r) => r.path);
    assert.ok(watchPaths.every((p) => p.startsWith('/api/v1/events?') && p.includes('allowWatchBookmarks=true')), watchPaths.join('\n'));
    assert.ok(watchPaths[2].includes('resourceVersion=201'), 'the reconnect resumes from the last resourceVersion');
    assert.ok(requests.every((r) => r.auth === `Bearer ${TOKEN}`));

    await watcher.stop();
    assert.equal(watcher.status().state, 'stopped');
  });

  it('backs off with a reason when the token is rejected, and watches one namespace when asked', async () => {
    requests.length = 0;
    script = {
      onList: (_n, _u, res) => res.end('{}'),
      onWatch: (_n, _u, res) => res.end(),
    };
    const errors: string[] = [];
    const watcher = new KubernetesEventWatcher({
      kubeconfigPath: await kubeconfig('wrong-token'),
      namespace: 'shop',
      onEvents: () => assert.fail('no events expected'),
      onError: (r) => errors.push(r),
      initialBackoffMs: 5,
      maxBackoffMs: 20,
    });
    watcher.start();
    await waitFor(() => errors.length >= 3, 'three failed attempts');
    await watcher.stop();
    assert.match(watcher.status().lastError ?? '', /HTTP 401.*Unauthorized/);
    assert.ok(requests.length >= 3);
    assert.ok(requests.every((r) => r.path.startsWith('/api/v1/namespaces/shop/events?')), requests.map((r) => r.path).join('\n'));
  });

  it('re-reads a rotated token file', async () => {
    const tokenFile = join(dir, 'token');
    await writeFile(tokenFile, 'expired-token\n');
    const path = join(dir, 'config-tokenfile');
    await writeFile(path, `current-context: t\nclusters: [{name: c, cluster: {server: "http://127.0.0.1:${port}"}}]\ncontexts: [{name: t, context: {cluster: c, user: u}}]\nusers: [{name: u, user: {tokenFile: token}}]\n`);
    script = {
      onList: (_n, _u, res) => res.end(JSON.stringify({ metadata: { resourceVersion: '7' }, items: [] })),
      onWatch: (_n, _u, res) => {
        res.writeHead(200);
        res.write(line('ADDED', k8sEvent('after-rotation', '8', new Date().toISOString())));
      },
    };
    const emitted: VigilEvent[] = [];
    const errors: string[] = [];
    const watcher = new KubernetesEventWatcher({ kubeconfigPath: path, onEvents: (e) => emitted.push(...e), onError: (r) => errors.push(r), initialBackoffMs: 5, maxBackoffMs: 10, tokenRefreshMs: 60_000 });
    watcher.start();
    await waitFor(() => errors.length >= 1, 'a 401');
    await writeFile(tokenFile, TOKEN + '\n');
    await waitFor(() => emitted.length === 1, 'an event after the token rotated');
    assert.equal(emitted[0].attributes.object, 'after-rotation');
    await watcher.stop();
  });

  it('reports a missing kubeconfig as an error state, not a throw', async () => {
    const errors: string[] = [];
    const watcher = new KubernetesEventWatcher({ kubeconfigPath: join(dir, 'nope'), onEvents: () => {}, onError: (r) => errors.push(r), initialBackoffMs: 1000 });
    watcher.start();
    await waitFor(() => errors.length >= 1, 'an error');
    assert.equal(watcher.status().state, 'backoff');
    assert.match(errors[0], /cannot read kubeconfig/);
    await watcher.stop();
    assert.equal(watcher.status().state, 'stopped');
  });
});

describe('kubeconfig and in-cluster loading', () => {
  it('reads certificates from data fields and files relative to the kubeconfig', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigil-kubecfg-'));
    try {
      await writeFile(join(dir, 'client.key'), 'KEY');
      await writeFile(
        join(dir, 'config'),
        [
          'current-context: prod',
          'clusters:',
          '- name: c',
          '  cluster:',
          '    server: https://k8s.example.com:6443',
          `    certificate-authority-data: ${Buffer.from('CA').toString('base64')}`,
          'contexts:',
          '- name: prod',
          '  context: { cluster: c, user: u }',
          'users:',
          '- name: u',
          '  user:',
          `    client-certificate-data: ${Buffer.from('CERT').toString('base64')}`,
          '    client-key: client.key',
        ].join('\n'),
      );
      const r = await loadKubeconfig(join(dir, 'config'));
      assert.ok(r.ok, !r.ok ? r.reason : '');
      assert.equal(r.connection.server, 'https://k8s.example.com:6443');
      assert.equal(r.connection.ca?.toString(), 'CA');
      assert.equal(r.connection.cert?.toString(), 'CERT');
      assert.equal(r.connection.key?.toString(), 'KEY');
      assert.equal(r.connection.insecureSkipTlsVerify, false);

      const missingCtx = await loadKubeconfig(join(dir, 'config'), 'staging');
      assert.ok(!missingCtx.ok && /context "staging" not found/.test(missingCtx.reason));

      await writeFile(join(dir, 'exec'), 'current-context: x\nclusters: [{name: c, cluster: {server: "https://a"}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\nusers: [{name: u, user: {exec: {command: aws}}}]\n');
      const exec = await loadKubeconfig(join(dir, 'exec'));
      assert.ok(!exec.ok && /exec/.test(exec.reason));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('builds the in-cluster connection from the service-account directory and environment', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigil-sa-'));
    try {
      await writeFile(join(dir, 'token'), 'sa-token\n');
      await writeFile(join(dir, 'ca.crt'), 'CA');
      await writeFile(join(dir, 'namespace'), 'vigil');
      const r = await loadInClusterConfig({ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, dir);
      assert.ok(r.ok, !r.ok ? r.reason : '');
      assert.equal(r.connection.server, 'https://10.96.0.1:443');
      assert.equal(r.connection.tokenFile, join(dir, 'token'));
      assert.equal(r.connection.namespace, 'vigil');
      const v6 = await loadInClusterConfig({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, dir);
      assert.ok(v6.ok && v6.connection.server === 'https://[fd00::1]:443');
      const outside = await loadInClusterConfig({}, dir);
      assert.ok(!outside.ok && /KUBERNETES_SERVICE_HOST/.test(outside.reason));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

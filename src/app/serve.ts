// Starts and stops a whole Vigil server: config -> store -> state restore -> HTTP -> pull sources.
import { mkdirSync } from 'node:fs';
import { pino, type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import type { Store } from '../core/ports/index.js';
import { openStore } from '../adapters/store/index.js';
import { PrometheusClient, PrometheusPuller } from '../adapters/prometheus/index.js';
import { KubernetesEventWatcher } from '../adapters/events/index.js';
import type { ResolvedConfig } from './config.js';
import { buildServer } from './server.js';
import { VigilApp } from './vigil-app.js';
import { loadRecommender } from './recommender.js';
import { notifierFor } from './notify-api.js';

export interface RunningVigil {
  readonly url: string;
  readonly port: number;
  readonly app: VigilApp;
  readonly server: FastifyInstance;
  /** Graceful stop: stop accepting, finish in-flight requests, checkpoint, close the store. */
  stop(reason?: string): Promise<void>;
}

export function createLogger(config: ResolvedConfig, destination?: NodeJS.WritableStream): Logger {
  return pino({ level: config.log.level, base: { service: 'vigil' }, timestamp: pino.stdTimeFunctions.isoTime }, destination as never);
}

export interface StartOptions {
  /** Caller -> callees by resource key, when known (the demo knows its service graph). */
  readonly dependencies?: ReadonlyMap<string, readonly string[]>;
}

export async function startVigil(config: ResolvedConfig, log: Logger = createLogger(config), options: StartOptions = {}): Promise<RunningVigil> {
  let store: Store;
  if (config.store.kind === 'sqlite') {
    mkdirSync(config.dataDir, { recursive: true });
    store = await openStore({ kind: 'sqlite', path: config.resolved.storePath });
  } else {
    store = await openStore({ kind: 'postgres', url: config.resolved.storeUrl!, ...(config.store.schema ? { schema: config.store.schema } : {}) });
  }
  const recommender = await loadRecommender().catch(async (err: Error) => {
    await store.close();
    throw err;
  });
  const app = new VigilApp({ config, store, log, recommender, ...(options.dependencies ? { dependencies: options.dependencies } : {}) });
  let server: FastifyInstance | undefined;
  try {
    await app.restore();
    server = await buildServer({ app, log });
    await server.listen({ port: config.server.port, host: config.resolved.host });
  } catch (err) {
    await server?.close().catch(() => undefined);
    await store.close();
    throw err;
  }
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const url = `http://${config.resolved.host === '0.0.0.0' ? '127.0.0.1' : config.resolved.host}:${port}`;
  log.info({ url, store: config.store.kind, dataDir: config.dataDir, series: app.pipeline.seriesCount }, 'vigil serve listening');
  if (config.resolved.tokens.length === 0) {
    log.warn(`no auth tokens configured (auth.tokens in vigil.yaml): listening on ${config.resolved.host} only, with every endpoint open to local clients`);
  }
  app.startTimers();
  // Notifications and runbooks from the stored transitions (src/app/notifier.ts).
  const notifier = notifierFor(app);
  notifier.start();

  let puller: PrometheusPuller | undefined;
  if (config.prometheus.url) {
    const client = new PrometheusClient({ baseUrl: config.prometheus.url, ...(config.resolved.prometheusBearerToken ? { bearerToken: config.resolved.prometheusBearerToken } : {}) });
    puller = new PrometheusPuller({
      client,
      selectors: config.prometheus.selectors,
      warmStartMs: config.prometheus.warmStart,
      stepSec: config.prometheus.step / 1000,
      pollIntervalMs: config.prometheus.pollInterval,
      sink: {
        onSamples: (labels, metricType, timesMs, values) => app.ingestSeries(labels, normaliseType(metricType), timesMs, values),
        onStatus: (status) => {
          if (status.state !== app.pullStatus.state) log.info({ prometheus: config.prometheus.url, state: status.state, lastError: status.lastError }, 'prometheus pull status');
          app.pullStatus.state = status.state;
        },
      },
    });
    puller.start();
  }
  let watcher: KubernetesEventWatcher | undefined;
  if (config.kubernetes.enabled) {
    const kubeconfigPath = config.kubernetes.kubeconfig ?? process.env.KUBECONFIG;
    watcher = new KubernetesEventWatcher({
      ...(kubeconfigPath ? { kubeconfigPath } : {}),
      inCluster: config.kubernetes.inCluster,
      ...(config.kubernetes.namespace ? { namespace: config.kubernetes.namespace } : {}),
      onEvents: (events) => void app.appendEvents(events).catch((err) => log.error({ err }, 'storing Kubernetes events failed')),
    });
    watcher.start();
  }

  let stopping: Promise<void> | undefined;
  const stop = (reason = 'stop requested') => (stopping ??= (async () => {
    log.info({ reason }, 'vigil serve stopping: finishing requests, writing a checkpoint');
    app.closeStreams();
    await server!.close();
    await puller?.stop();
    watcher?.stop();
    await app.stop();
    await notifier.stop();
    await store.close();
    log.info({ series: app.pipeline.seriesCount }, 'vigil serve stopped');
  })());
  return { url, port, app, server, stop };
}

function normaliseType(t: string): 'gauge' | 'counter' | 'histogram' | 'summary' | 'unknown' {
  return t === 'counter' || t === 'gauge' || t === 'histogram' || t === 'summary' ? t : 'unknown';
}

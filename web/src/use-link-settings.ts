import { useApi } from './api/use-api.js';
import type { ServerStatus } from './api/types.js';
import { useSetting } from './settings-store.js';

/** Prometheus / Grafana bases for query links: this browser's settings, else what the server reports. */
export function useLinkSettings(): { prometheusUrl: string; grafanaUrl: string; grafanaDatasource: string } {
  const status = useApi<ServerStatus>('/api/v1/status');
  const prom = useSetting('prometheusUrl');
  const grafana = useSetting('grafanaUrl');
  const ds = useSetting('grafanaDatasource');
  return {
    prometheusUrl: prom || status.data?.prometheusUrl || '',
    grafanaUrl: grafana || status.data?.grafanaUrl || '',
    grafanaDatasource: ds,
  };
}

// Browser-side settings (this browser only), kept in localStorage: the API token, the theme and the
// Prometheus / Grafana base URLs for "open this query" links.
import { useSyncExternalStore } from 'react';

export interface LocalSettings {
  token: string;
  theme: 'system' | 'light' | 'dark';
  prometheusUrl: string;
  grafanaUrl: string;
  /** Grafana data source uid for Explore links (empty: Grafana's default data source). */
  grafanaDatasource: string;
}

const DEFAULTS: LocalSettings = { token: '', theme: 'system', prometheusUrl: '', grafanaUrl: '', grafanaDatasource: '' };
const PREFIX = 'vigil.';
const listeners = new Set<() => void>();

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null; // disabled storage (privacy mode): settings live for the page only
  }
}
const memory: Partial<LocalSettings> = {};

export function readSetting<K extends keyof LocalSettings>(key: K): LocalSettings[K] {
  const raw = storage()?.getItem(PREFIX + key) ?? (memory[key] as string | undefined) ?? null;
  if (raw === null) return DEFAULTS[key];
  if (key === 'theme' && raw !== 'light' && raw !== 'dark' && raw !== 'system') return DEFAULTS[key];
  return raw as LocalSettings[K];
}

export function writeSetting<K extends keyof LocalSettings>(key: K, value: LocalSettings[K]): void {
  const s = storage();
  if (value === DEFAULTS[key]) {
    s?.removeItem(PREFIX + key);
    delete memory[key];
  } else {
    s?.setItem(PREFIX + key, String(value));
    memory[key] = value;
  }
  for (const l of listeners) l();
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  const onStorage = (e: StorageEvent) => {
    if (e.key?.startsWith(PREFIX)) l();
  };
  window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(l);
    window.removeEventListener('storage', onStorage);
  };
}

export function useSetting<K extends keyof LocalSettings>(key: K): LocalSettings[K] {
  return useSyncExternalStore(subscribe, () => readSetting(key));
}

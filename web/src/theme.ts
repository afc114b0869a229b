// Light and dark themes: the system preference (prefers-color-scheme) unless the user picked one.
// The resolved theme is set as <html data-theme="..."> so CSS custom properties switch at once.
import { useEffect, useSyncExternalStore } from 'react';
import { readSetting, useSetting, writeSetting, type LocalSettings } from './settings-store.js';

export type ResolvedTheme = 'light' | 'dark';

const media = () => window.matchMedia('(prefers-color-scheme: dark)');

function subscribeSystem(l: () => void): () => void {
  const m = media();
  m.addEventListener('change', l);
  return () => m.removeEventListener('change', l);
}

export function resolveTheme(setting: LocalSettings['theme'], systemDark: boolean): ResolvedTheme {
  return setting === 'system' ? (systemDark ? 'dark' : 'light') : setting;
}

/** Before the first render, so the page never flashes the wrong theme. */
export function applyInitialTheme(): void {
  document.documentElement.dataset.theme = resolveTheme(readSetting('theme'), media().matches);
}

export function useTheme(): { setting: LocalSettings['theme']; resolved: ResolvedTheme; set(t: LocalSettings['theme']): void } {
  const setting = useSetting('theme');
  const systemDark = useSyncExternalStore(subscribeSystem, () => media().matches);
  const resolved = resolveTheme(setting, systemDark);
  useEffect(() => {
    document.documentElement.dataset.theme = resolved;
  }, [resolved]);
  return { setting, resolved, set: (t) => writeSetting('theme', t) };
}

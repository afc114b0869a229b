import type { AppHealth, InsightStatus, InsightType, Severity } from '../api/types.js';

export function SeverityBadge({ severity }: { readonly severity: Severity }) {
  return <span className={`badge sev sev-${severity.toLowerCase()}`}>{severity}</span>;
}

export function StatusBadge({ status }: { readonly status: InsightStatus }) {
  return <span className={`badge status-${status.toLowerCase()}`}>{status === 'ONGOING' ? 'Ongoing' : 'Closed'}</span>;
}

export function TypeBadge({ type }: { readonly type: InsightType }) {
  return <span className="badge type">{type === 'REACTIVE' ? 'Reactive' : 'Proactive'}</span>;
}

const HEALTH_TEXT: Record<AppHealth, string> = { HEALTHY: 'Healthy', DEGRADED: 'Degraded', UNHEALTHY: 'Unhealthy' };

export function HealthBadge({ health }: { readonly health: AppHealth }) {
  return <span className={`badge health-${health.toLowerCase()}`}>{HEALTH_TEXT[health]}</span>;
}

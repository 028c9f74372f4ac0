/** Small pieces shared by the incident queue and detail. */
import type { IncidentCategory, IncidentSeverity } from '../../../src-shared/contract-incidents';
import { fmtRisk } from '../format';

const CATEGORY_LABELS: Record<IncidentCategory, string> = {
  auth_attack: 'Auth attack',
  scanner: 'Scanner',
  misconfiguration: 'Misconfiguration',
  app_error: 'App error',
  anomaly: 'Anomaly',
};

export function categoryLabel(c: IncidentCategory): string {
  return CATEGORY_LABELS[c] ?? c;
}

export function patternLabel(p: string): string {
  return p.replace(/_/g, ' ');
}

export function fmtShort(ts: number | null): string {
  if (ts === null) return '—';
  return new Date(ts).toISOString().slice(0, 16).replace('T', ' ');
}

export function SeverityBadge({ severity }: { severity: IncidentSeverity }) {
  return <span className={`badge inc-sev ${severity}`}>{severity}</span>;
}

export function RiskBadge({ risk }: { risk: number }) {
  const level = risk >= 50 ? 'high' : risk >= 15 ? 'medium' : risk >= 1 ? 'low' : 'none';
  return (
    <span className={`inc-risk ${level}`} title={`Peak risk ${risk.toFixed(1)} (the highest it reached; decays with a one-day half-life)`}>
      {fmtRisk(risk)}
    </span>
  );
}

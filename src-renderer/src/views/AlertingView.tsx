/** Live alerts: rules, sinks, outbox and dead letters (issue #12; filled in by the alerting work). */
export function AlertingView() {
  return (
    <div className="view">
      <h1>Alerts</h1>
      <p className="muted">Live alert rules and sinks are not built yet.</p>
    </div>
  );
}

/** The live alerts sent, deduplicated or failed for one incident (issue #12). */
export function IncidentAlertHistory(_props: { incidentId: string }) {
  return null;
}

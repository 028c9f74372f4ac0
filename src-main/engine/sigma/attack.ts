/** ATT&CK references from Sigma tags (spec: tags appendix, namespace `attack`). */

const TACTICS: Record<string, { id: string; name: string }> = {
  reconnaissance: { id: 'TA0043', name: 'Reconnaissance' },
  'resource-development': { id: 'TA0042', name: 'Resource Development' },
  'initial-access': { id: 'TA0001', name: 'Initial Access' },
  execution: { id: 'TA0002', name: 'Execution' },
  persistence: { id: 'TA0003', name: 'Persistence' },
  'privilege-escalation': { id: 'TA0004', name: 'Privilege Escalation' },
  'defense-evasion': { id: 'TA0005', name: 'Defense Evasion' },
  'credential-access': { id: 'TA0006', name: 'Credential Access' },
  discovery: { id: 'TA0007', name: 'Discovery' },
  'lateral-movement': { id: 'TA0008', name: 'Lateral Movement' },
  collection: { id: 'TA0009', name: 'Collection' },
  exfiltration: { id: 'TA0010', name: 'Exfiltration' },
  'command-and-control': { id: 'TA0011', name: 'Command and Control' },
  impact: { id: 'TA0040', name: 'Impact' },
};

export interface AttackRefs {
  /** e.g. T1110, T1110.001 */
  techniques: string[];
  tactics: { id: string; name: string }[];
  /** G0001.. and S0001.. */
  groups: string[];
  software: string[];
}

export function attackFromTags(tags: readonly string[]): AttackRefs {
  const out: AttackRefs = { techniques: [], tactics: [], groups: [], software: [] };
  for (const raw of tags) {
    const tag = raw.toLowerCase();
    if (!tag.startsWith('attack.')) continue;
    const v = tag.slice(7);
    // v1 rules wrote tactics with underscores; v2 uses dashes.
    const tactic = TACTICS[v.replace(/_/g, '-')];
    if (tactic) {
      if (!out.tactics.some((t) => t.id === tactic.id)) out.tactics.push(tactic);
    } else if (/^t\d{4}(\.\d{3})?$/.test(v)) out.techniques.push(v.toUpperCase());
    else if (/^g\d{4}$/.test(v)) out.groups.push(v.toUpperCase());
    else if (/^s\d{4}$/.test(v)) out.software.push(v.toUpperCase());
  }
  return out;
}

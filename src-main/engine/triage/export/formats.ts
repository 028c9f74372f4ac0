/**
 * The export formats, each as pieces of text written in order: a head, per incident a head, its
 * events and a tail, and a tail. No format keeps more than one incident's worth of state.
 *
 * - json: `{"format":"vigil.incidents", ..., "incidents":[{..., "events":[...]}]}` (re-importable)
 * - csv: one row per evidence event (a row with empty event columns for an incident without any)
 * - timesketch: JSON lines with message, datetime, timestamp (µs) and timestamp_desc, plus fields
 * - stix: a STIX 2.1 bundle: a report per incident (label, note, references), observables, observed-data
 *   per event, an indicator and sighting for a true incident's IP
 * - misp: one MISP event (JSON) with attributes per incident, entity and evidence line
 * A campaign carries its members in every format: in JSON as `members`, in CSV as one row per
 * member (the member_ columns), in Timesketch as a line per member, in STIX as a Campaign object
 * with the members' addresses as observables, in MISP as an ip-src attribute per member.
 */
import { stringify } from 'csv-stringify/sync';
import type { ExportFormat, ExportLabel } from '../../../../src-shared/contract-triage';
import { uuidV5 } from '../../parse/entities-uuid';
import type { ExportEvent, ExportIncident } from './source';

export interface ExportMeta {
  caseName: string;
  casePath: string;
  label: ExportLabel;
  exportedAt: number;
  version: string;
  /** Unique per export run (bundle and event ids). */
  runId: string;
}

export interface Counts {
  incidents: number;
  events: number;
}

export interface FormatWriter {
  head(): string;
  /** `evidence`: the ids of the events that follow (at most the export's limit). */
  incident(inc: ExportIncident, first: boolean, evidence: readonly number[]): string;
  event(inc: ExportIncident, ev: ExportEvent, first: boolean): string;
  incidentEnd(inc: ExportIncident, events: number): string;
  tail(counts: Counts): string;
}

/** The STIX 2.1 namespace for deterministic ids of cyber observables (spec §2.9). */
const STIX_SCO_NAMESPACE = '00abedb4-aa42-466c-9c01-fed23315a9b7';
/** Vigil's namespace for the ids of the SDOs it exports: uuidv5(NAMESPACE_URL, "urn:vigil:stix"). */
const VIGIL_STIX_NAMESPACE = 'f6ee798f-c26b-51ac-af4e-99f167429c1b';

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function labelText(l: string | null): string {
  return l === 'true' ? 'true incident' : l === 'benign' ? 'benign' : 'not labelled';
}

/** A label as one word for tags: true-incident, benign, unlabelled. */
function labelTag(l: string | null): string {
  return l === 'true' ? 'true-incident' : l === 'benign' ? 'benign' : 'unlabelled';
}

/** What an export's label choice holds, in words. */
function exportedText(label: ExportLabel): string {
  return label === 'any' ? 'labelled' : label === 'all' ? 'all' : labelText(label);
}

export function createWriter(format: ExportFormat, meta: ExportMeta): FormatWriter {
  switch (format) {
    case 'json':
      return jsonWriter(meta);
    case 'csv':
      return csvWriter();
    case 'timesketch':
      return timesketchWriter();
    case 'stix':
      return stixWriter(meta);
    case 'misp':
      return mispWriter(meta);
  }
}

// ---------------------------------------------------------------------------------------------

function jsonWriter(meta: ExportMeta): FormatWriter {
  return {
    head: () =>
      `{"format":"vigil.incidents","version":1,"exportedAt":${JSON.stringify(iso(meta.exportedAt))},` +
      `"vigil":${JSON.stringify(meta.version)},"case":${JSON.stringify({ name: meta.caseName })},"label":${JSON.stringify(meta.label)},"incidents":[\n`,
    incident: (inc, first) => {
      const body = JSON.stringify({
        ...inc,
        labelledAt: inc.labelledAt === null ? null : iso(inc.labelledAt),
        firstTime: inc.firstTs === null ? null : iso(inc.firstTs),
        lastTime: inc.lastTs === null ? null : iso(inc.lastTs),
      });
      return `${first ? '' : ',\n'}${body.slice(0, -1)},"events":[`;
    },
    event: (_inc, ev, first) => `${first ? '\n' : ',\n'}${JSON.stringify({ ...ev, time: ev.ts === null ? null : iso(ev.ts) })}`,
    incidentEnd: () => ']}',
    tail: (c) => `\n],"counts":${JSON.stringify(c)}}\n`,
  };
}

// ---------------------------------------------------------------------------------------------

const CSV_COLUMNS = [
  'incident_id',
  'incident_title',
  'label',
  'note',
  'labelled_at',
  'labelled_by',
  'category',
  'pattern',
  'severity',
  'status',
  'incident_first',
  'incident_last',
  'entities',
  'event_id',
  'event_time',
  'source',
  'line',
  'host',
  'app',
  'src_ip',
  'user',
  'outcome',
  'message',
  'kind',
  'campaign_id',
  'member_ip',
  'member_first',
  'member_last',
  'member_tries',
  'member_outcome',
];

/**
 * Log lines are attacker-controlled: a cell that starts like a formula (=, +, @, a tab or CR, or
 * a - that does not start a plain number or "- ") would run in a spreadsheet, so it gets a leading '.
 */
export function csvSafe(v: unknown): unknown {
  if (typeof v !== 'string' || v === '') return v;
  const c = v[0]!;
  if (c === '=' || c === '+' || c === '@' || c === '\t' || c === '\r' || (c === '-' && !/^-(\s|$)|^-\d+(\.\d+)?$/.test(v))) return `'${v}`;
  return v;
}

function row(cells: unknown[]): string {
  return stringify([cells.map(csvSafe)]);
}

function csvWriter(): FormatWriter {
  const incidentCells = (inc: ExportIncident) => [
    inc.id,
    inc.title,
    inc.label,
    inc.note ?? '',
    inc.labelledAt === null ? '' : iso(inc.labelledAt),
    inc.labelledBy ?? '',
    inc.category,
    inc.pattern ?? '',
    inc.severity,
    inc.status,
    inc.firstTs === null ? '' : iso(inc.firstTs),
    inc.lastTs === null ? '' : iso(inc.lastTs),
    inc.entities.map((e) => `${e.type}:${e.value}`).join(' '),
  ];
  const campaignCells = (inc: ExportIncident) => [inc.kind, inc.kind === 'campaign' ? inc.id : (inc.campaignId ?? '')];
  const noEvent = ['', '', '', '', '', '', '', '', '', ''];
  return {
    head: () => stringify([CSV_COLUMNS]),
    incident: () => '',
    event: (inc, ev) =>
      row([
        ...incidentCells(inc),
        ev.id,
        ev.ts === null ? '' : iso(ev.ts),
        ev.source,
        ev.lineNo,
        ev.host ?? '',
        ev.app ?? '',
        ev.srcIp ?? '',
        ev.user ?? '',
        ev.outcome,
        ev.message,
        ...campaignCells(inc),
        '',
        '',
        '',
        '',
        '',
      ]),
    incidentEnd: (inc, events) =>
      (events === 0 && inc.members.length === 0 ? row([...incidentCells(inc), ...noEvent, ...campaignCells(inc), '', '', '', '', '']) : '') +
      inc.members
        .map((m) => row([...incidentCells(inc), ...noEvent, ...campaignCells(inc), m.ip, iso(m.firstTs), iso(m.lastTs), m.tries, m.outcome]))
        .join(''),
    tail: () => '',
  };
}

// ---------------------------------------------------------------------------------------------

function timesketchWriter(): FormatWriter {
  const common = (inc: ExportIncident) => ({
    incident_id: inc.id,
    incident_title: inc.title,
    label: inc.label,
    note: inc.note ?? '',
    category: inc.category,
    severity: inc.severity,
    tag: [`vigil_${labelTag(inc.label).replace('-', '_')}`, inc.category, ...(inc.kind === 'campaign' ? ['vigil_campaign'] : []), ...inc.tags],
    ...(inc.kind === 'campaign' ? { campaign_id: inc.id, member_count: inc.memberCount } : inc.campaignId ? { campaign_id: inc.campaignId } : {}),
  });
  return {
    head: () => '',
    incident: (inc) => {
      const ts = inc.firstTs ?? inc.lastTs ?? inc.labelledAt;
      if (ts === null) return '';
      return (
        JSON.stringify({
          message: `[${labelText(inc.label)}] ${inc.title}: ${inc.summary}`,
          datetime: iso(ts),
          timestamp: ts * 1000,
          timestamp_desc: 'Incident First Seen',
          data_type: 'vigil:incident',
          ...common(inc),
          entities: inc.entities.map((e) => `${e.type}:${e.value}`).join(' '),
          detectors: inc.detectors.join(' '),
          labelled_by: inc.labelledBy ?? '',
        }) + '\n'
      );
    },
    event: (inc, ev) => {
      // An event without a time of its own sits at the incident's start, and says so.
      const ts = ev.ts ?? inc.firstTs ?? 0;
      return (
        JSON.stringify({
          message: ev.message,
          datetime: iso(ts),
          timestamp: ts * 1000,
          timestamp_desc: ev.ts === null ? 'Incident First Seen (event has no time)' : 'Event Time',
          data_type: `vigil:log:${ev.parser}`,
          ...common(inc),
          event_id: ev.id,
          source_file: ev.source,
          line_no: ev.lineNo,
          ...(ev.host ? { hostname: ev.host } : {}),
          ...(ev.app ? { app: ev.app } : {}),
          ...(ev.srcIp ? { src_ip: ev.srcIp } : {}),
          ...(ev.user ? { username: ev.user } : {}),
          ...(ev.path ? { url_path: ev.path } : {}),
          ...(ev.status !== null ? { http_status: ev.status } : {}),
          outcome: ev.outcome,
          raw: ev.raw,
        }) + '\n'
      );
    },
    // A campaign's members: one line each, at the time each was first seen.
    incidentEnd: (inc) =>
      inc.members
        .map(
          (m) =>
            JSON.stringify({
              message: `Member of campaign "${inc.title}": ${m.ip}, ${m.tries} tries, ${m.outcome === 'got_in' ? 'got in' : 'failed'}`,
              datetime: iso(m.firstTs),
              timestamp: m.firstTs * 1000,
              timestamp_desc: 'Campaign Member First Seen',
              data_type: 'vigil:campaign_member',
              ...common(inc),
              src_ip: m.ip,
              member_last_seen: iso(m.lastTs),
              tries: m.tries,
              outcome: m.outcome,
              ...(m.tried.length ? { tried: m.tried.join(' ') } : {}),
              ...(m.incidentId ? { member_incident_id: m.incidentId } : {}),
            }) + '\n',
        )
        .join(''),
    tail: () => '',
  };
}

// ---------------------------------------------------------------------------------------------

/** STIX 2.1 observable for one entity, when STIX has a type for it. */
function observable(type: string, value: string): Record<string, unknown> | null {
  const sco = (t: string, props: Record<string, unknown>) => ({
    type: t,
    spec_version: '2.1',
    id: `${t}--${uuidV5(JSON.stringify(props), STIX_SCO_NAMESPACE)}`,
    ...props,
  });
  switch (type) {
    case 'ip':
      return value.includes(':') ? sco('ipv6-addr', { value }) : sco('ipv4-addr', { value });
    case 'user':
      return sco('user-account', { user_id: value });
    case 'domain':
    case 'host':
      return sco('domain-name', { value });
    case 'url':
      return /^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(value) ? sco('url', { value }) : null;
    case 'process':
      return /^\d+$/.test(value) ? null : sco('process', { command_line: value });
    case 'file':
      return sco('file', { name: value.split('/').pop() || value });
    default:
      return null;
  }
}

/**
 * STIX 2.1 has an Incident object, but it is a stub, and the OASIS bundle schema (bundle.json)
 * lists neither `incident` nor `note` among the objects it accepts. So that the bundle validates
 * as a whole, each labelled incident is a Report (its evidence, entities and label as references
 * and properties), made by an Identity for the analyst who labelled it. A true incident's IP also
 * becomes an Indicator with a Sighting over the evidence.
 */
function stixWriter(meta: ExportMeta): FormatWriter {
  const created = iso(meta.exportedAt);
  const system = `identity--${uuidV5(`vigil:${meta.caseName}`, VIGIL_STIX_NAMESPACE)}`;
  // Entity observables and analysts repeat across events and incidents: each is written once (the
  // set is bounded by the case's distinct entities, not by the evidence).
  const written = new Set<string>();
  const obj = (o: Record<string, unknown>) => `,\n${JSON.stringify(o)}`;
  const once = (o: Record<string, unknown> | null): string => {
    if (!o || written.has(o['id'] as string)) return '';
    written.add(o['id'] as string);
    return obj(o);
  };
  const idOf = (type: string, key: string) => `${type}--${uuidV5(`${meta.runId}|${key}`, VIGIL_STIX_NAMESPACE)}`;
  const sdo = (type: string, key: string, props: Record<string, unknown>) => ({
    type,
    spec_version: '2.1',
    id: idOf(type, key),
    created,
    modified: created,
    created_by_ref: system,
    ...props,
  });
  const observedId = (inc: ExportIncident, eventId: number) => idOf('observed-data', `${inc.id}|event|${eventId}`);
  return {
    head: () =>
      `{"type":"bundle","id":"bundle--${uuidV5(meta.runId, VIGIL_STIX_NAMESPACE)}","objects":[\n` +
      JSON.stringify({
        type: 'identity',
        spec_version: '2.1',
        id: system,
        created,
        modified: created,
        name: `Vigil case ${meta.caseName}`,
        identity_class: 'system',
      }),
    incident: (inc, _first, evidence) => {
      let out = '';
      let author = system;
      if (inc.labelledBy) {
        author = `identity--${uuidV5(`analyst:${inc.labelledBy}`, VIGIL_STIX_NAMESPACE)}`;
        out += once({
          type: 'identity',
          spec_version: '2.1',
          id: author,
          created,
          modified: created,
          name: inc.labelledBy,
          identity_class: 'individual',
        });
      }
      const refs: string[] = [];
      for (const e of inc.entities) {
        const o = observable(e.type, e.value);
        if (!o) continue;
        out += once(o);
        refs.push(o['id'] as string);
      }
      const observed = evidence.map((id) => observedId(inc, id));
      const actor = inc.groupKey.startsWith('ip:') ? inc.groupKey.slice(3) : null;
      if (inc.label === 'true' && actor) {
        const indicator = sdo('indicator', `${inc.id}|indicator`, {
          name: `${actor}: ${inc.title}`,
          indicator_types: ['malicious-activity'],
          pattern: `[${actor.includes(':') ? 'ipv6-addr' : 'ipv4-addr'}:value = '${actor}']`,
          pattern_type: 'stix',
          valid_from: iso(inc.firstTs ?? meta.exportedAt),
        });
        out += obj(indicator);
        refs.push(indicator.id);
        const sighting = sdo('sighting', `${inc.id}|sighting`, {
          sighting_of_ref: indicator.id,
          count: Math.max(1, inc.evidenceTotal),
          ...(inc.firstTs !== null ? { first_seen: iso(inc.firstTs) } : {}),
          ...(inc.lastTs !== null ? { last_seen: iso(inc.lastTs) } : {}),
          ...(observed.length ? { observed_data_refs: observed } : {}),
        });
        out += obj(sighting);
        refs.push(sighting.id);
      }
      refs.push(...observed);
      if (inc.kind === 'campaign') {
        // STIX has a Campaign object for exactly this; its members' addresses are observables of the report.
        const campaign = sdo('campaign', `${inc.id}|campaign`, {
          name: inc.title,
          description: inc.summary,
          ...(inc.firstTs !== null ? { first_seen: iso(inc.firstTs) } : {}),
          ...(inc.lastTs !== null ? { last_seen: iso(inc.lastTs) } : {}),
          external_references: [{ source_name: 'vigil', external_id: inc.id }],
          x_vigil_member_count: inc.memberCount,
          x_vigil_members: inc.members.map((m) => ({
            ip: m.ip,
            first_seen: iso(m.firstTs),
            last_seen: iso(m.lastTs),
            tries: m.tries,
            outcome: m.outcome,
            ...(m.incidentId ? { incident: m.incidentId } : {}),
          })),
        });
        out += obj(campaign);
        refs.push(campaign.id);
        for (const m of inc.members) {
          const o = observable('ip', m.ip);
          if (!o) continue;
          out += once(o);
          if (!refs.includes(o['id'] as string)) refs.push(o['id'] as string);
        }
      }
      const word = labelText(inc.label);
      out += obj(
        sdo('report', `${inc.id}|report`, {
          created_by_ref: author,
          name: inc.title,
          description: `${inc.summary}\n\nAnalyst label: ${word}${inc.note ? ` — ${inc.note}` : ''}${inc.labelledBy ? ` (${inc.labelledBy})` : ''}`,
          report_types: ['threat-report'],
          published: iso(inc.labelledAt ?? meta.exportedAt),
          labels: [inc.label === 'true' ? 'true-positive' : labelTag(inc.label), inc.category, ...(inc.pattern ? [inc.pattern] : [])],
          confidence: Math.round(inc.confidence * 100),
          external_references: [{ source_name: 'vigil', external_id: inc.id }],
          object_refs: refs.length ? refs : [author],
          ...(inc.label ? { x_vigil_label: inc.label } : {}),
          ...(inc.note ? { x_vigil_note: inc.note } : {}),
          x_vigil_severity: inc.severity,
          x_vigil_priority: inc.priority,
          x_vigil_status: inc.status,
          x_vigil_detectors: inc.detectors,
          x_vigil_kind: inc.kind,
          ...(inc.campaignId ? { x_vigil_campaign: inc.campaignId } : {}),
          ...(inc.tags.length ? { x_vigil_attack_tags: inc.tags } : {}),
          ...(inc.firstTs !== null ? { x_vigil_first_seen: iso(inc.firstTs) } : {}),
          ...(inc.lastTs !== null ? { x_vigil_last_seen: iso(inc.lastTs) } : {}),
        }),
      );
      return out;
    },
    event: (inc, ev) => {
      // One artifact per incident and event: unique by construction, so nothing has to remember
      // which lines were written (that set would grow with the evidence).
      const artifact = {
        type: 'artifact',
        spec_version: '2.1',
        id: idOf('artifact', `${inc.id}|event|${ev.id}`),
        mime_type: 'text/plain',
        payload_bin: Buffer.from(ev.raw, 'utf8').toString('base64'),
      };
      const refs: string[] = [artifact.id];
      let out = obj(artifact);
      for (const [type, value] of [
        ['ip', ev.srcIp],
        ['user', ev.user],
        ['host', ev.host],
      ] as const) {
        if (!value) continue;
        const o = observable(type, value);
        if (!o) continue;
        out += once(o);
        refs.push(o['id'] as string);
      }
      const at = iso(ev.ts ?? inc.firstTs ?? meta.exportedAt);
      out += obj({
        type: 'observed-data',
        spec_version: '2.1',
        id: observedId(inc, ev.id),
        created,
        modified: created,
        created_by_ref: system,
        first_observed: at,
        last_observed: at,
        number_observed: 1,
        object_refs: refs,
        x_vigil_event_id: ev.id,
        x_vigil_source: `${ev.source}:${ev.lineNo}`,
      });
      return out;
    },
    incidentEnd: () => '',
    tail: () => '\n]}\n',
  };
}

// ---------------------------------------------------------------------------------------------

const MISP_TYPES: Record<string, { type: string; category: string }> = {
  ip: { type: 'ip-src', category: 'Network activity' },
  user: { type: 'target-user', category: 'Targeting data' },
  host: { type: 'hostname', category: 'Network activity' },
  domain: { type: 'domain', category: 'Network activity' },
  url: { type: 'url', category: 'Network activity' },
  user_agent: { type: 'user-agent', category: 'Network activity' },
  file: { type: 'filename', category: 'Artifacts dropped' },
};

function mispWriter(meta: ExportMeta): FormatWriter {
  const stamp = String(Math.floor(meta.exportedAt / 1000));
  const attr = (key: string, a: Record<string, unknown>) =>
    `,\n${JSON.stringify({ uuid: uuidV5(`${meta.runId}|${key}`, VIGIL_STIX_NAMESPACE), timestamp: stamp, distribution: '5', ...a })}`;
  let firstAttr = true;
  const strip = (s: string) => {
    // The attribute list starts without a leading comma.
    if (!firstAttr || s === '') return s;
    firstAttr = false;
    return s.slice(2);
  };
  const tags = (inc: ExportIncident) => [
    { name: `vigil:label="${labelTag(inc.label)}"` },
    { name: `vigil:incident="${inc.id}"` },
    ...(inc.campaignId ? [{ name: `vigil:campaign="${inc.campaignId}"` }] : []),
    ...inc.tags.map((t) => ({ name: `mitre-attack:${t.replace(/^attack\./, '')}` })),
  ];
  return {
    head: () =>
      `{"Event":${JSON.stringify({
        uuid: uuidV5(meta.runId, VIGIL_STIX_NAMESPACE),
        info: `Vigil: ${exportedText(meta.label)} incidents of case ${meta.caseName}`,
        date: iso(meta.exportedAt).slice(0, 10),
        timestamp: stamp,
        threat_level_id: '2',
        analysis: '2',
        distribution: '0',
        published: false,
        Orgc: { name: 'Vigil' },
        Tag: [{ name: 'vigil:export' }, { name: 'tlp:amber' }],
      }).slice(0, -1)},"Attribute":[\n`,
    incident: (inc) => {
      let out = attr(`${inc.id}|incident`, {
        type: 'text',
        category: 'Other',
        value: `${inc.title}: ${inc.summary}`,
        comment: `${inc.id} · ${labelText(inc.label)}${inc.note ? ` · ${inc.note}` : ''}${inc.labelledBy ? ` · by ${inc.labelledBy}` : ''}`,
        to_ids: false,
        ...(inc.firstTs !== null ? { first_seen: iso(inc.firstTs) } : {}),
        ...(inc.lastTs !== null ? { last_seen: iso(inc.lastTs) } : {}),
        Tag: tags(inc),
      });
      for (const m of inc.members) {
        out += attr(`${inc.id}|member:${m.ip}`, {
          ...MISP_TYPES['ip']!,
          value: m.ip,
          comment: `member of campaign ${inc.id}: ${m.tries} tries, ${m.outcome === 'got_in' ? 'got in' : 'failed'}${m.tried.length ? `, tried ${m.tried.slice(0, 5).join(' ')}` : ''}`,
          to_ids: inc.label === 'true',
          first_seen: iso(m.firstTs),
          last_seen: iso(m.lastTs),
          Tag: [...tags(inc), { name: `vigil:campaign="${inc.id}"` }],
        });
      }
      for (const e of inc.entities) {
        const t = MISP_TYPES[e.type];
        if (!t) continue;
        if (e.type === 'ip' && inc.members.some((m) => m.ip === e.value)) continue;
        out += attr(`${inc.id}|${e.type}:${e.value}`, {
          ...t,
          value: e.value,
          comment: `${e.role} of ${inc.id}`,
          // Only what a true incident's actor did is worth detecting elsewhere.
          to_ids: inc.label === 'true' && e.role === 'actor',
          Tag: tags(inc),
        });
      }
      return strip(out);
    },
    event: (inc, ev) =>
      strip(
        attr(`${inc.id}|event|${ev.id}`, {
          type: 'text',
          category: 'Other',
          value: ev.raw,
          comment: `evidence of ${inc.id} · ${ev.source}:${ev.lineNo}`,
          to_ids: false,
          ...(ev.ts !== null ? { first_seen: iso(ev.ts) } : {}),
        }),
      ),
    incidentEnd: () => '',
    tail: () => '\n]}}\n',
  };
}

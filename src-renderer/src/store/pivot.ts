/**
 * Pivots: from any entity (an incident's, a graph vertex, an event's) or any moment (a timeline
 * point) to its events and its place in the graph, and back to where the analyst came from.
 */
import { fieldClause } from '../../../src-shared/query-text';
import { useApp, type View } from './app';
import { useEvents } from './events';
import { useGraph } from './graph';

export interface EntityRef {
  type: string;
  value: string;
}

/** Types an analyst types as a field of their own; the rest go through entity:type:value. */
const FIELD_OF: Record<string, string> = { ip: 'ip', user: 'user', host: 'host' };

/** The query clause that narrows Events to one entity. */
export function entityClause(e: EntityRef): string {
  const field = FIELD_OF[e.type];
  return field ? fieldClause(field, e.value) : fieldClause('entity', `${e.type}:${e.value}`);
}

/** What the Back button says and returns to. */
export interface PivotOrigin {
  view: View;
  label: string;
}

/** Events of an entity (or of a query), optionally within a time range. */
export function openEvents(query: string, from: PivotOrigin, range: { from: number; to: number } | null = null): void {
  useEvents.getState().show(query, range);
  useApp.getState().pivotTo('events', from);
}

export function openEntityEvents(e: EntityRef, from: PivotOrigin, range: { from: number; to: number } | null = null): void {
  openEvents(entityClause(e), from, range);
}

/** The graph, centred on the entity's vertex with its edges drawn, or on a time range. */
export function openGraph(target: { entity?: EntityRef; range?: { from: number; to: number } }, from: PivotOrigin): void {
  useGraph.getState().request(target);
  useApp.getState().pivotTo('graph', from);
}

/** The query language's entry for the engine: a parse error becomes an `invalid_input` that says where. */
import { indexFields, parseQuery, QueryError, type QueryNode } from '../../../src-shared/query';
import { EVENT_FIELDS, INCIDENT_FIELDS } from '../../../src-shared/query-fields';
import { EngineError } from '../errors';

const EVENTS = indexFields(EVENT_FIELDS);
const INCIDENTS = indexFields(INCIDENT_FIELDS);

function parse(text: string, fields: typeof EVENTS): QueryNode | null {
  try {
    return parseQuery(text, fields);
  } catch (err) {
    if (!(err instanceof QueryError)) throw err;
    throw new EngineError('invalid_input', `Query: ${err.message} (at character ${err.position + 1})`, { query: text, ...err.toDetails() });
  }
}

export const parseEventsQuery = (text: string): QueryNode | null => parse(text, EVENTS);
export const parseIncidentsQuery = (text: string): QueryNode | null => parse(text, INCIDENTS);

/**
 * What the engine's parts may know of the engine: its options, the method table's types, and the
 * context a domain's handlers get (the open case's session, the contract's events). Kept apart
 * from engine.ts so that handlers and the parts they use never import the engine itself.
 */
import type { EventName, EventPayload, MethodName, MethodOutput, MethodParsedInput } from '../../src-shared/contract';
import type { CaseSession } from './session/case-session';

export interface EngineOptions {
  /** Folder for app-wide state (recent cases, uploads) and, under cases/, new cases. */
  dataDir: string;
  version: string;
  nativeBinding?: string;
  /** Folder of the bundled Sigma rules (resources/sigma); none in tests that do not need them. */
  rulesDir?: string;
  /** SQLite's page cache for the open case, in MiB (see OpenOptions.pageCacheMiB). */
  pageCacheMiB?: number;
  emit: <E extends EventName>(event: E, payload: EventPayload<E>) => void;
}

export type Handlers = {
  [M in MethodName]: (input: MethodParsedInput<M>) => MethodOutput<M> | Promise<MethodOutput<M>>;
};

/** Handlers of the methods whose names start with a domain prefix, e.g. `rules.`. */
export type DomainHandlers<P extends string> = {
  [M in MethodName as M extends `${P}.${string}` ? M : never]: Handlers[M];
};

/** What a domain's handlers may use of the engine. */
export interface EngineContext {
  /** The open case, or a `no_case_open` error. */
  open(): OpenCase;
  emit: EngineOptions['emit'];
  options(): EngineOptions;
}

/** An open case: everything of it, in its session. */
export type OpenCase = CaseSession;


/** The typed client the renderer uses: types derived from the contract, errors rebuilt. */
import type { Bridge } from './bridge';
import type { EventName, EventPayload, MethodInput, MethodName, MethodOutput } from './contract';
import { VigilError } from './envelope';

export interface VigilClient {
  call<M extends MethodName>(method: M, ...input: {} extends MethodInput<M> ? [MethodInput<M>?] : [MethodInput<M>]): Promise<MethodOutput<M>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
  bridge: Bridge;
}

export function createClient(bridge: Bridge): VigilClient {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  bridge.onEvent((name, payload) => {
    for (const listener of listeners.get(name) ?? []) listener(payload);
  });
  return {
    bridge,
    async call(method, ...rest) {
      const reply = await bridge.request(method, rest[0] ?? {});
      if (!reply.ok) throw VigilError.from(reply.error);
      return reply.value as never;
    },
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const cb = listener as (payload: unknown) => void;
      set.add(cb);
      return () => set.delete(cb);
    },
  };
}

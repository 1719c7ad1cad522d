// Builds the typed API from the contract and a transport: one function per call and per stream,
// nothing generic. Two layers, because only an Error's message survives Electron's contextBridge:
// the bridge API (what the preload exposes as `window.api`) resolves calls to `{ok, result|error}`
// envelopes; `toApi` rebuilds them into results or thrown ApiErrors on the renderer's side.
import type { CallInput, CallName, CallOutput, StreamEvent, StreamName, StreamParams } from './contract';
import { ApiError, type ApiErrorShape, type Envelope } from './errors';
import { CALL_NAMES, STREAM_NAMES } from './names';
import type { ClientTransport } from './protocol';

type NsOf<K> = K extends `${infer NS}.${string}` ? NS : never;

// Calls whose input has no required fields may be called without an argument.
type CallFn<K extends CallName, R> =
  Record<never, never> extends CallInput<K>
    ? (input?: CallInput<K>) => Promise<R>
    : (input: CallInput<K>) => Promise<R>;

/** Handler for a stream batch. Returning a promise delays the acknowledgement until it settles. */
export type StreamHandler<E> = (events: E[]) => void | Promise<void>;
export type Unsubscribe = () => void;

type StreamFn<K extends StreamName> = (
  params: StreamParams<K>,
  onEvents: StreamHandler<StreamEvent<K>>,
  onEnd?: (error?: ApiErrorShape) => void,
) => Unsubscribe;

type CallTree<Wrapped extends boolean> = {
  [NS in NsOf<CallName>]: {
    [K in CallName as K extends `${NS}.${infer M}` ? M : never]: CallFn<
      K,
      Wrapped extends true ? Envelope<CallOutput<K>> : CallOutput<K>
    >;
  };
};

type StreamTree = {
  streams: {
    [NS in NsOf<StreamName>]: {
      [K in StreamName as K extends `${NS}.${infer M}` ? M : never]: StreamFn<K>;
    };
  };
};

/** What the Electron preload exposes as `window.api`: calls resolve to envelopes. */
export type BridgeApi = CallTree<true> & StreamTree;
/** What renderer code uses: calls resolve to results and throw ApiError. */
export type Api = CallTree<false> & StreamTree;

function place(root: Record<string, Record<string, unknown>>, dotted: string, fn: unknown): void {
  const dot = dotted.indexOf('.');
  const ns = dotted.slice(0, dot);
  const method = dotted.slice(dot + 1);
  (root[ns] ??= {})[method] = fn;
}

function lookup(root: unknown, dotted: string): unknown {
  const dot = dotted.indexOf('.');
  return (root as Record<string, Record<string, unknown>>)[dotted.slice(0, dot)]?.[dotted.slice(dot + 1)];
}

/** Rebuilds results and ApiErrors from a bridge API's envelopes. */
export function toApi(bridge: BridgeApi): Api {
  const root: Record<string, Record<string, unknown>> = {};
  for (const name of CALL_NAMES) {
    const fn = lookup(bridge, name) as (input?: unknown) => Promise<Envelope<unknown>>;
    place(root, name, async (input?: unknown) => {
      const env = await fn(input);
      if (env.ok) return env.result;
      throw new ApiError(env.error.code, env.error.message, env.error.field, env.error.details);
    });
  }
  return { ...root, streams: bridge.streams } as unknown as Api;
}

export function buildBridgeApi(transport: ClientTransport): BridgeApi {
  const root: Record<string, Record<string, unknown>> = {};
  for (const name of CALL_NAMES) {
    place(root, name, (input?: unknown) => transport.call(name, input ?? {}));
  }
  const streamsRoot: Record<string, Record<string, unknown>> = {};
  for (const name of STREAM_NAMES) {
    place(
      streamsRoot,
      name,
      (params: unknown, onEvents: StreamHandler<unknown>, onEnd?: (e?: ApiErrorShape) => void) => {
        let closed = false;
        const sub = transport.subscribe(
          name,
          params ?? {},
          (items, bytes) => {
            const ack = (): void => {
              if (!closed) transport.ack(sub, bytes);
            };
            let pending: void | Promise<void> = undefined;
            try {
              pending = onEvents(items);
            } catch (err) {
              console.error(`stream ${name}: handler failed`, err);
            }
            if (pending && typeof pending.then === 'function') {
              pending.then(ack, ack);
            } else {
              ack();
            }
          },
          (error) => {
            closed = true;
            onEnd?.(error);
          },
        );
        return () => {
          if (closed) return;
          closed = true;
          transport.unsubscribe(sub);
        };
      },
    );
  }
  return { ...root, streams: streamsRoot } as unknown as BridgeApi;
}

// The client side of the wire protocol, shared by every transport (Electron preload, browser
// WebSocket, in-process test links): calls in flight by id, subscriptions by id.
import type { ApiErrorShape, Envelope } from './errors';
import type { ClientMessage, ClientTransport, ServerMessage } from './protocol';

export interface ClientPeer {
  transport: ClientTransport;
  /** A message from the server. */
  receive(msg: ServerMessage): void;
  /** The connection dropped: every call in flight fails with this error. */
  failPending(error: ApiErrorShape): void;
  /** `sub` messages for the subscriptions still open, to send again after a reconnect. */
  openSubscriptions(): ClientMessage[];
}

interface Sub {
  name: string;
  params: unknown;
  onBatch: (items: unknown[], bytes: number) => void;
  onEnd: (e?: ApiErrorShape) => void;
}

export function createClientPeer(post: (msg: ClientMessage) => void): ClientPeer {
  let nextId = 1;
  const pending = new Map<number, (env: Envelope<unknown>) => void>();
  const subs = new Map<number, Sub>();
  return {
    transport: {
      call: (name, input) =>
        new Promise((resolve) => {
          const id = nextId++;
          pending.set(id, resolve);
          post({ t: 'call', id, name, input });
        }),
      subscribe: (name, params, onBatch, onEnd) => {
        const sub = nextId++;
        subs.set(sub, { name, params, onBatch, onEnd });
        post({ t: 'sub', sub, name, params });
        return sub;
      },
      unsubscribe: (sub) => {
        subs.delete(sub);
        post({ t: 'unsub', sub });
      },
      ack: (sub, bytes) => post({ t: 'ack', sub, bytes }),
    },
    receive: (msg) => {
      if (msg.t === 'result') {
        pending.get(msg.id)?.(msg.env);
        pending.delete(msg.id);
      } else if (msg.t === 'batch') {
        subs.get(msg.sub)?.onBatch(msg.items, msg.bytes);
      } else {
        subs.get(msg.sub)?.onEnd(msg.error);
        subs.delete(msg.sub);
      }
    },
    failPending: (error) => {
      for (const resolve of pending.values()) resolve({ ok: false, error });
      pending.clear();
    },
    openSubscriptions: () =>
      [...subs].map(([sub, s]): ClientMessage => ({ t: 'sub', sub, name: s.name, params: s.params })),
  };
}

// Browser-mode transport: the API over one WebSocket to the server that served this page (the
// token travels as an HttpOnly cookie). Reconnects with backoff and re-opens live streams.
import type { ApiErrorShape, Envelope } from '../../../shared/api/errors';
import type { ClientMessage, ClientTransport, ServerMessage } from '../../../shared/api/protocol';

export type ConnectionState = 'connecting' | 'open' | 'lost';

interface Sub {
  name: string;
  params: unknown;
  onBatch: (items: unknown[], bytes: number) => void;
  onEnd: (e?: ApiErrorShape) => void;
}

export function createWsTransport(url: string, onState: (state: ConnectionState) => void): ClientTransport {
  let ws: WebSocket | null = null;
  let nextId = 1;
  let retry = 0;
  const pending = new Map<number, (env: Envelope<unknown>) => void>();
  const subs = new Map<number, Sub>();
  const outbox: ClientMessage[] = [];

  const send = (msg: ClientMessage): void => {
    if (ws?.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
    else if (msg.t !== 'ack') outbox.push(msg); // acks are moot after a reconnect
  };

  const connect = (): void => {
    onState('connecting');
    const socket = new WebSocket(url);
    ws = socket;
    socket.onopen = () => {
      retry = 0;
      onState('open');
      for (const [sub, s] of subs)
        socket.send(JSON.stringify({ t: 'sub', sub, name: s.name, params: s.params }));
      for (const msg of outbox.splice(0)) {
        if (msg.t !== 'sub') socket.send(JSON.stringify(msg)); // subs were just re-sent above
      }
    };
    socket.onmessage = (ev: MessageEvent<string>) => {
      const msg = JSON.parse(ev.data) as ServerMessage;
      if (msg.t === 'result') {
        pending.get(msg.id)?.(msg.env);
        pending.delete(msg.id);
      } else if (msg.t === 'batch') {
        subs.get(msg.sub)?.onBatch(msg.items, msg.bytes);
      } else {
        subs.get(msg.sub)?.onEnd(msg.error);
        subs.delete(msg.sub);
      }
    };
    socket.onclose = () => {
      if (ws !== socket) return;
      onState('lost');
      for (const resolve of pending.values()) {
        resolve({
          ok: false,
          error: {
            code: 'UNAVAILABLE',
            message: 'Lost the connection to the Labdeck server. Is "npm run serve" still running? Retrying…',
          },
        });
      }
      pending.clear();
      const delay = Math.min(10_000, 250 * 2 ** retry++) * (0.75 + Math.random() / 2);
      setTimeout(connect, delay);
    };
  };
  connect();

  return {
    call: (name, input) =>
      new Promise((resolve) => {
        const id = nextId++;
        pending.set(id, resolve);
        send({ t: 'call', id, name, input });
      }),
    subscribe: (name, params, onBatch, onEnd) => {
      const sub = nextId++;
      subs.set(sub, { name, params, onBatch, onEnd });
      send({ t: 'sub', sub, name, params });
      return sub;
    },
    unsubscribe: (sub) => {
      subs.delete(sub);
      send({ t: 'unsub', sub });
    },
    ack: (sub, bytes) => send({ t: 'ack', sub, bytes }),
  };
}

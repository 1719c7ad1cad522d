// A client <-> ApiSession link inside one process, with JSON on the wire and an async hop each way,
// as a transport would have: the real session, flow control and typed client, without a socket.
import type { CallContext, Dispatcher } from '../../src/main/api/dispatcher';
import { ApiSession, type StreamFactories } from '../../src/main/api/session';
import { buildBridgeApi, toApi, type Api } from '../../src/shared/api/client';
import type { ApiErrorShape, Envelope } from '../../src/shared/api/errors';
import type { ClientMessage, ClientTransport, ServerMessage } from '../../src/shared/api/protocol';

export function memoryLink(
  dispatcher: Dispatcher,
  streams: StreamFactories,
  ctx: CallContext = { actor: 'tester@link' },
): { api: Api; session: ApiSession } {
  let nextId = 1;
  const pending = new Map<number, (env: Envelope<unknown>) => void>();
  const subs = new Map<
    number,
    { onBatch: (items: unknown[], bytes: number) => void; onEnd: (e?: ApiErrorShape) => void }
  >();
  const session = new ApiSession(dispatcher, streams, ctx, (msg: ServerMessage) => {
    const wire = JSON.stringify(msg);
    setImmediate(() => {
      const m = JSON.parse(wire) as ServerMessage;
      if (m.t === 'result') {
        pending.get(m.id)?.(m.env);
        pending.delete(m.id);
      } else if (m.t === 'batch') subs.get(m.sub)?.onBatch(m.items, m.bytes);
      else {
        subs.get(m.sub)?.onEnd(m.error);
        subs.delete(m.sub);
      }
    });
  });
  const send = (msg: ClientMessage): void => {
    const wire = JSON.stringify(msg);
    setImmediate(() => session.handle(JSON.parse(wire)));
  };
  const transport: ClientTransport = {
    call: (name, input) =>
      new Promise((resolve) => {
        const id = nextId++;
        pending.set(id, resolve);
        send({ t: 'call', id, name, input });
      }),
    subscribe: (name, params, onBatch, onEnd) => {
      const sub = nextId++;
      subs.set(sub, { onBatch, onEnd });
      send({ t: 'sub', sub, name, params });
      return sub;
    },
    unsubscribe: (sub) => {
      subs.delete(sub);
      send({ t: 'unsub', sub });
    },
    ack: (sub, bytes) => send({ t: 'ack', sub, bytes }),
  };
  return { api: toApi(buildBridgeApi(transport)), session };
}

// Exposes exactly one typed `window.api`, built from the contract over a private IPC channel.
// The renderer never sees ipcRenderer.
import { contextBridge, ipcRenderer } from 'electron';
import { buildBridgeApi } from '../shared/api/client';
import type { ApiErrorShape, Envelope } from '../shared/api/errors';
import type { ClientTransport, ServerMessage } from '../shared/api/protocol';

const CHANNEL = 'labdeck:api';
let nextId = 1;
const pending = new Map<number, (env: Envelope<unknown>) => void>();
const subscriptions = new Map<
  number,
  { onBatch: (items: unknown[], bytes: number) => void; onEnd: (e?: ApiErrorShape) => void }
>();

ipcRenderer.on(CHANNEL, (_event, msg: ServerMessage) => {
  if (msg.t === 'result') {
    pending.get(msg.id)?.(msg.env);
    pending.delete(msg.id);
  } else if (msg.t === 'batch') {
    subscriptions.get(msg.sub)?.onBatch(msg.items, msg.bytes);
  } else if (msg.t === 'end') {
    subscriptions.get(msg.sub)?.onEnd(msg.error);
    subscriptions.delete(msg.sub);
  }
});

const transport: ClientTransport = {
  call: (name, input) =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      ipcRenderer.send(CHANNEL, { t: 'call', id, name, input });
    }),
  subscribe: (name, params, onBatch, onEnd) => {
    const sub = nextId++;
    subscriptions.set(sub, { onBatch, onEnd });
    ipcRenderer.send(CHANNEL, { t: 'sub', sub, name, params });
    return sub;
  },
  unsubscribe: (sub) => {
    subscriptions.delete(sub);
    ipcRenderer.send(CHANNEL, { t: 'unsub', sub });
  },
  ack: (sub, bytes) => ipcRenderer.send(CHANNEL, { t: 'ack', sub, bytes }),
};

contextBridge.exposeInMainWorld('api', buildBridgeApi(transport));

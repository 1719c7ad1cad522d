// A minimal Node client for the browser-mode WebSocket API, for integration tests and benchmarks.
import WebSocket from 'ws';
import type { Envelope } from '../../src/shared/api/errors';
import type { ServerMessage } from '../../src/shared/api/protocol';

export interface WsClient {
  ws: WebSocket;
  call(name: string, input?: unknown): Promise<Envelope<unknown>>;
  close(): void;
}

export function connect(url: string, headers: Record<string, string> = {}): Promise<WsClient> {
  const ws = new WebSocket(url, { headers });
  let next = 1;
  const pending = new Map<number, (env: Envelope<unknown>) => void>();
  ws.on('message', (data: Buffer) => {
    const msg = JSON.parse(data.toString('utf8')) as ServerMessage;
    if (msg.t === 'result') {
      pending.get(msg.id)?.(msg.env);
      pending.delete(msg.id);
    }
  });
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
    ws.once('open', () =>
      resolve({
        ws,
        call: (name, input = {}) =>
          new Promise((res) => {
            const id = next++;
            pending.set(id, res);
            ws.send(JSON.stringify({ t: 'call', id, name, input }));
          }),
        close: () => ws.close(),
      }),
    );
  });
}

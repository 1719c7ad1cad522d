// Browser-mode transport: the API over one WebSocket to the server that served this page (the
// token travels as an HttpOnly cookie). Reconnects with backoff and re-opens live streams.
import { createClientPeer } from '../../../shared/api/peer';
import type { ClientMessage, ClientTransport, ServerMessage } from '../../../shared/api/protocol';

export type ConnectionState = 'connecting' | 'open' | 'lost';

export function createWsTransport(url: string, onState: (state: ConnectionState) => void): ClientTransport {
  let ws: WebSocket | null = null;
  let retry = 0;
  const outbox: ClientMessage[] = [];
  const peer = createClientPeer((msg) => {
    if (ws?.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
    // Acks are moot after a reconnect, and subscriptions are re-sent whole on open.
    else if (msg.t !== 'ack' && msg.t !== 'sub') outbox.push(msg);
  });

  const connect = (): void => {
    onState('connecting');
    const socket = new WebSocket(url);
    ws = socket;
    socket.onopen = () => {
      retry = 0;
      onState('open');
      for (const msg of [...peer.openSubscriptions(), ...outbox.splice(0)]) socket.send(JSON.stringify(msg));
    };
    socket.onmessage = (ev: MessageEvent<string>) => peer.receive(JSON.parse(ev.data) as ServerMessage);
    socket.onclose = () => {
      if (ws !== socket) return;
      onState('lost');
      peer.failPending({
        code: 'UNAVAILABLE',
        message: 'Lost the connection to the Labdeck server. Is "npm run serve" still running? Retrying…',
      });
      // Those calls have failed for their callers: never replay them (a delete, a keystroke) later.
      outbox.length = 0;
      const delay = Math.min(10_000, 250 * 2 ** retry++) * (0.75 + Math.random() / 2);
      setTimeout(connect, delay);
    };
  };
  connect();
  return peer.transport;
}

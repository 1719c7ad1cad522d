// Wire messages shared by both transports. A call is a request/response; a stream is a subscription
// whose batches the client acknowledges (by byte count) once it has processed them: that is the
// credit the main side's flow control counts.
import type { ApiErrorShape, Envelope } from './errors';

export type ClientMessage =
  | { t: 'call'; id: number; name: string; input: unknown }
  | { t: 'sub'; sub: number; name: string; params: unknown }
  | { t: 'unsub'; sub: number }
  | { t: 'ack'; sub: number; bytes: number };

export type ServerMessage =
  | { t: 'result'; id: number; env: Envelope<unknown> }
  | { t: 'batch'; sub: number; items: unknown[]; bytes: number }
  | { t: 'end'; sub: number; error?: ApiErrorShape };

/** What the client side of a transport must provide; `buildBridgeApi` turns it into the typed API. */
export interface ClientTransport {
  call(name: string, input: unknown): Promise<Envelope<unknown>>;
  subscribe(
    name: string,
    params: unknown,
    onBatch: (items: unknown[], bytes: number) => void,
    onEnd: (error?: ApiErrorShape) => void,
  ): number;
  unsubscribe(sub: number): void;
  ack(sub: number, bytes: number): void;
}

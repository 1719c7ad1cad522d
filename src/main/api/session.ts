// One client connection (an Electron window or a browser WebSocket), independent of transport:
// routes calls to the dispatcher and owns that client's flow-controlled stream subscriptions.
import { z } from 'zod';
import { isStreamName, streams, type StreamEvent, type StreamName } from '../../shared/api/contract';
import type { ServerMessage } from '../../shared/api/protocol';
import type { CallContext, Dispatcher } from './dispatcher';
import { validationError } from './errors';
import { FlowChannel, type FlowOptions, type StreamSource } from './flow';

export type StreamFactories = {
  [K in StreamName]: (
    params: z.output<(typeof streams)[K]['params']>,
    ctx: CallContext,
  ) => StreamSource<StreamEvent<K>>;
};

const clientMessage = z.discriminatedUnion('t', [
  z.object({ t: z.literal('call'), id: z.number().int(), name: z.string().max(128), input: z.unknown() }),
  z.object({ t: z.literal('sub'), sub: z.number().int(), name: z.string().max(128), params: z.unknown() }),
  z.object({ t: z.literal('unsub'), sub: z.number().int() }),
  z.object({ t: z.literal('ack'), sub: z.number().int(), bytes: z.number() }),
]);

const MAX_SUBSCRIPTIONS = 256;

export class ApiSession {
  private readonly subs = new Map<number, FlowChannel<unknown>>();
  private closed = false;

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly factories: StreamFactories,
    private readonly ctx: CallContext,
    private readonly send: (msg: ServerMessage) => void,
    private readonly flow: FlowOptions = {},
  ) {}

  /** Handles one message from the client; malformed messages are dropped (and reported). */
  handle(raw: unknown): void {
    if (this.closed) return;
    const parsed = clientMessage.safeParse(raw);
    if (!parsed.success) {
      console.warn('[api] dropped a malformed client message');
      return;
    }
    const msg = parsed.data;
    switch (msg.t) {
      case 'call':
        void this.dispatcher.dispatch(msg.name, msg.input, this.ctx).then((env) => {
          if (!this.closed) this.send({ t: 'result', id: msg.id, env });
        });
        return;
      case 'sub':
        this.subscribe(msg.sub, msg.name, msg.params);
        return;
      case 'unsub':
        this.subs.get(msg.sub)?.close();
        this.subs.delete(msg.sub);
        return;
      case 'ack':
        this.subs.get(msg.sub)?.ack(msg.bytes);
        return;
    }
  }

  private subscribe(sub: number, name: string, rawParams: unknown): void {
    const end = (code: 'NOT_FOUND' | 'VALIDATION' | 'UNAVAILABLE', message: string, field?: string): void =>
      this.send({ t: 'end', sub, error: field ? { code, message, field } : { code, message } });
    if (!isStreamName(name)) return end('NOT_FOUND', `Unknown stream "${name.slice(0, 64)}".`);
    if (this.subs.has(sub)) return end('VALIDATION', `Subscription id ${sub} is already in use.`);
    if (this.subs.size >= MAX_SUBSCRIPTIONS) {
      return end('UNAVAILABLE', `Too many open streams (${MAX_SUBSCRIPTIONS}); close some views.`);
    }
    const params = streams[name].params.safeParse(rawParams);
    if (!params.success) {
      const err = validationError(params.error);
      return end('VALIDATION', err.message, err.field);
    }
    const factory = this.factories[name] as (p: unknown, c: CallContext) => StreamSource<unknown>;
    const channel = new FlowChannel(
      factory(params.data, this.ctx),
      (items, bytes) => {
        if (!this.closed) this.send({ t: 'batch', sub, items, bytes });
      },
      this.flow,
    );
    this.subs.set(sub, channel);
    channel.start();
  }

  get openStreams(): number {
    return this.subs.size;
  }

  close(): void {
    this.closed = true;
    for (const ch of this.subs.values()) ch.close();
    this.subs.clear();
  }
}

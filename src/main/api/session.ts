// One client connection (an Electron window or a browser WebSocket), independent of transport:
// routes calls to the dispatcher and owns that client's flow-controlled stream subscriptions.
import { z } from 'zod';
import { calls, isCallName, isStreamName, streams } from '../../shared/api/contract';
import type { ServerMessage } from '../../shared/api/protocol';
import type { CallContext, StreamFactories, StreamSource } from '../lib/area';
import type { Dispatcher } from './dispatcher';
import { toErrorShape, validationError } from './errors';
import { FlowChannel, type FlowOptions } from './flow';

export type { StreamFactories } from '../lib/area';

const clientMessage = z.discriminatedUnion('t', [
  z.object({ t: z.literal('call'), id: z.number().int(), name: z.string().max(128), input: z.unknown() }),
  z.object({ t: z.literal('sub'), sub: z.number().int(), name: z.string().max(128), params: z.unknown() }),
  z.object({ t: z.literal('unsub'), sub: z.number().int() }),
  z.object({ t: z.literal('ack'), sub: z.number().int(), bytes: z.number() }),
]);

const MAX_SUBSCRIPTIONS = 256;

export class ApiSession {
  private readonly subs = new Map<number, FlowChannel<unknown>>();
  /** Things this client opened and has not closed: id -> the call that closes it. */
  private readonly opened = new Map<string, string>();
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
          this.track(msg.name, msg.input, env.ok ? env.result : undefined);
          if (!this.closed) this.send({ t: 'result', id: msg.id, env });
          else if (env.ok) void this.closeLeftovers(); // opened just as the client left
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
    let source: StreamSource<unknown>;
    try {
      source = factory(params.data, this.ctx);
    } catch (err) {
      this.send({ t: 'end', sub, error: toErrorShape(err, name) });
      return;
    }
    const channel = new FlowChannel(
      source,
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

  /** Buffered bytes per stream (queued + unacknowledged), now and at their peak. */
  streamStats(): { sub: number; pending: number; peakBytes: number }[] {
    return [...this.subs].map(([sub, ch]) => ({ sub, pending: ch.pending, peakBytes: ch.peakBytes }));
  }

  private track(name: string, input: unknown, result: unknown): void {
    if (!isCallName(name)) return;
    const closeWith = (calls[name] as { closeWith?: string }).closeWith;
    const id = (result as { id?: unknown } | undefined)?.id;
    if (closeWith && typeof id === 'string') this.opened.set(id, closeWith);
    const closing = (input as { id?: unknown } | null)?.id;
    if (typeof closing === 'string' && this.opened.get(closing) === name) this.opened.delete(closing);
  }

  /** Closes, through the dispatcher (so it is audited), what the client left open. */
  private async closeLeftovers(): Promise<void> {
    const open = [...this.opened];
    this.opened.clear();
    await Promise.all(open.map(([id, call]) => this.dispatcher.dispatch(call, { id }, this.ctx)));
  }

  /** Ends every stream and closes what the client left open; resolves when that is recorded. */
  close(): Promise<void> {
    this.closed = true;
    for (const ch of this.subs.values()) ch.close();
    this.subs.clear();
    return this.closeLeftovers();
  }
}

// What an area module gives the app (its handlers and stream sources), and the types both the API
// layer and the areas' services share. Lives apart from src/main/api so services never import it.
import type { z } from 'zod';
import type {
  CallName,
  CallOutput,
  CallParsed,
  StreamEvent,
  StreamName,
  streams,
} from '../../shared/api/contract';

export interface CallContext {
  /** Who made the call, e.g. "alice@desktop" or "alice@browser(127.0.0.1)". */
  actor: string;
  /** A handler may name what it acted on (e.g. a host's name) for the audit row. */
  target?: string;
  /** Facts a handler adds to the audit row's params (e.g. a terminal's duration and bytes). */
  auditDetails?: Record<string, unknown>;
  /** What the row is about, for filters and timelines. */
  refs?: AuditRefs;
}

export interface AuditRefs {
  hostId?: number | null;
  jobId?: string | null;
  sessionId?: string | null;
  experimentId?: number | null;
}

/** A producer of stream events that can be paused (flow control) and stopped. */
export interface StreamSource<E> {
  start(emit: (event: E) => void): void;
  pause(): void;
  resume(): void;
  stop(): void;
}

export type Handler<K extends CallName> = (
  input: CallParsed<K>,
  ctx: CallContext,
) => CallOutput<K> | Promise<CallOutput<K>>;
export type Handlers = { [K in CallName]: Handler<K> };

export type StreamFactory<K extends StreamName> = (
  params: z.output<(typeof streams)[K]['params']>,
  ctx: CallContext,
) => StreamSource<StreamEvent<K>>;
export type StreamFactories = { [K in StreamName]: StreamFactory<K> };

/**
 * One area's part of the API: a handler for each of its calls (C) and a source for each of its
 * streams (S). The composition root spreads every area's parts into the one dispatcher.
 */
export interface AreaApi<C extends CallName, S extends StreamName = never> {
  handlers: { [K in C]: Handler<K> };
  streams: { [K in S]: StreamFactory<K> };
}

/** What Labdeck does by itself (a lost connection, a job's end) goes to the history through this. */
export interface AutomaticEvent {
  action: string;
  target: string;
  ok: boolean;
  errorCode?: string | null;
  details?: Record<string, unknown>;
  durationMs?: number;
  refs?: AuditRefs;
}
export type RecordEvent = (e: AutomaticEvent) => void;

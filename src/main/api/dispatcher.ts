// The one door into the main process: every call from either transport passes here. It validates
// input against the contract, runs the handler, maps errors to {code, message}, and writes exactly
// one audit row for each mutating call (and for each failed call that reached out to a host).
// What Labdeck does by itself (losing and regaining a host's connection) is recorded here too,
// through record(). Nothing else writes audit rows.
import { calls, isCallName, type CallName } from '../../shared/api/contract';
import { ApiError, type Envelope } from '../../shared/api/errors';
import type { AuditStore } from '../services/audit/audit-store';
import type { OpenItemStore } from '../services/audit/open-items';
import type { AuditRefs, AutomaticEvent, CallContext, Handlers } from '../lib/area';
import { isSecretKey, redactParams } from '../services/audit/redact';
import { toErrorShape, validationError } from './errors';

export type { CallContext, Handlers } from '../lib/area';

type AuditWriter = Pick<AuditStore, 'append'>;
type OpenItemTracker = Pick<OpenItemStore, 'opened' | 'closes' | 'closed'>;

export interface DispatcherOptions {
  now?: () => number;
  log?: (message: string, err?: unknown) => void;
  /** Keeps what calls marked `closeWith` opened until their closing call is recorded. */
  openItems?: OpenItemTracker;
}

/** An audit target from (possibly rejected) input: one line, no control or bidi characters, short. */
export function cleanTarget(value: unknown): string {
  if (typeof value !== 'string') return '';
  // eslint-disable-next-line no-control-regex
  const clean = value.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '?');
  return clean.length > 128 ? `${clean.slice(0, 128)}…` : clean;
}

/**
 * What a rejected call attempted, for its audit row's target when the call names none: its plain
 * fields as `key=value`, secrets left out, each value cleaned (cleanTarget cuts the whole line).
 */
export function attemptedTarget(raw: unknown): string {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(raw).slice(0, 8)) {
    if (isSecretKey(k) || !/^[A-Za-z][A-Za-z0-9_]{0,31}$/.test(k)) continue;
    if (typeof v === 'string') parts.push(`${k}=${JSON.stringify(v.slice(0, 64))}`);
    else if (typeof v === 'number' || typeof v === 'boolean' || v === null) parts.push(`${k}=${String(v)}`);
  }
  return parts.join(' ');
}

/** Rejected input is recorded by shape (an object's fields, redacted), never as a bare value. */
function rejectedParams(raw: unknown): unknown {
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) return raw;
  return { rejectedInput: Array.isArray(raw) ? 'array' : raw === null ? 'null' : typeof raw };
}

/** A row's references: what the handler said, else a `hostId` the input names. */
function refsOf(refs: AuditRefs | undefined, input: unknown): Required<AuditRefs> {
  const fromInput = (input as { hostId?: unknown } | undefined)?.hostId;
  return {
    hostId: refs?.hostId ?? (typeof fromInput === 'number' ? fromInput : null),
    jobId: refs?.jobId ?? null,
    sessionId: refs?.sessionId ?? null,
    experimentId: refs?.experimentId ?? null,
  };
}

/** The actor of rows for what Labdeck did on its own, not on a person's call. */
export const AUTOMATIC_ACTOR = 'labdeck (automatic)';

export class Dispatcher {
  private readonly now: () => number;
  private readonly log: (message: string, err?: unknown) => void;
  private readonly openItems: OpenItemTracker | null;

  constructor(
    private readonly handlers: Handlers,
    private readonly audit: AuditWriter,
    options: DispatcherOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.log = options.log ?? ((m, e) => console.error(m, e ?? ''));
    this.openItems = options.openItems ?? null;
  }

  async dispatch(name: string, rawInput: unknown, ctx: CallContext): Promise<Envelope<unknown>> {
    if (!isCallName(name)) {
      return {
        ok: false,
        error: { code: 'NOT_FOUND', message: `Unknown API call "${String(name).slice(0, 64)}".` },
      };
    }
    const def = calls[name];
    const started = this.now();
    const parsed = def.input.safeParse(rawInput);
    const callCtx: CallContext = { actor: ctx.actor };
    let env: Envelope<unknown>;
    if (!parsed.success) {
      env = { ok: false, error: validationError(parsed.error).toShape() };
    } else {
      try {
        const handler = this.handlers[name] as (i: unknown, c: CallContext) => unknown;
        env = { ok: true, result: await handler(parsed.data, callCtx) };
      } catch (err) {
        const shape = toErrorShape(err, name);
        if (shape.code === 'INTERNAL') this.log(`[api] ${name} failed`, err);
        env = { ok: false, error: shape };
      }
    }
    const auditErrors = 'auditErrors' in def && def.auditErrors === true;
    if (!def.mutating && !(auditErrors && !env.ok)) return env;
    let target: string;
    try {
      // Rejected input still names its target where it can, so the row says what was attempted.
      target = cleanTarget(
        callCtx.target ?? def.target?.((parsed.success ? parsed.data : rawInput) as never) ?? '',
      );
      if (!target && !parsed.success) target = cleanTarget(attemptedTarget(rawInput));
    } catch {
      target = '';
    }
    try {
      this.audit.append({
        ts: started,
        actor: ctx.actor,
        action: name,
        target,
        params: redactParams(
          callCtx.auditDetails && parsed.success && typeof parsed.data === 'object'
            ? { ...(parsed.data as object), ...callCtx.auditDetails }
            : parsed.success
              ? parsed.data
              : rejectedParams(rawInput),
        ),
        result: env.ok ? 'ok' : 'error',
        errorCode: env.ok ? null : env.error.code,
        durationMs: Math.max(0, Math.round(this.now() - started)),
        ...refsOf(callCtx.refs, parsed.success ? parsed.data : undefined),
      });
    } catch (err) {
      this.log(`[audit] could not record ${name}`, err);
      const what = env.ok ? 'succeeded' : 'failed';
      return {
        ok: false,
        error: new ApiError(
          'DB_ERROR',
          `${name} ${what} but could not be recorded in the audit history (${err instanceof Error ? err.message : String(err)}). Check free disk space in the data folder.`,
        ).toShape(),
      };
    }
    try {
      this.trackOpenItems(name, parsed.success ? parsed.data : undefined, env, target, started);
    } catch (err) {
      this.log(`[audit] could not track what ${name} opened or closed`, err);
    }
    return env;
  }

  /**
   * A call that opens something (a terminal) is remembered until the call that closes it is
   * recorded, so a crash can be told apart from a session still open (see OpenItemStore).
   */
  private trackOpenItems(
    name: CallName,
    input: unknown,
    env: Envelope<unknown>,
    target: string,
    started: number,
  ): void {
    if (!this.openItems) return;
    const closeWith = (calls[name] as { closeWith?: string }).closeWith;
    const opened = env.ok ? (env.result as { id?: unknown } | null)?.id : undefined;
    if (closeWith && typeof opened === 'string') {
      this.openItems.opened({ id: opened, closeWith, target, openedAt: started });
    }
    const closing = (input as { id?: unknown } | undefined)?.id;
    // Closed, or already gone (NOT_FOUND): either way no longer open in the history.
    if (typeof closing === 'string' && (env.ok || env.error.code === 'NOT_FOUND')) {
      if (this.openItems.closes(closing, name)) this.openItems.closed(closing);
    }
  }

  /** An audit row for something Labdeck did by itself (e.g. a connection lost and regained). */
  record(e: AutomaticEvent): void {
    try {
      this.audit.append({
        ts: this.now(),
        actor: AUTOMATIC_ACTOR,
        action: e.action,
        target: e.target,
        params: redactParams(e.details ?? {}),
        result: e.ok ? 'ok' : 'error',
        errorCode: e.ok ? null : (e.errorCode ?? 'INTERNAL'),
        durationMs: Math.max(0, Math.round(e.durationMs ?? 0)),
        ...refsOf(e.refs, undefined),
      });
    } catch (err) {
      this.log(`[audit] could not record ${e.action}`, err);
    }
  }
}

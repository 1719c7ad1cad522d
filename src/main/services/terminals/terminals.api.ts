// The terminals area: open, type into, resize and close shells; their output stream.
import type { AreaApi, RecordEvent } from '../../lib/area';
import type { TerminalService } from './terminal-service';

export function terminalsApi(
  terminals: TerminalService,
  nameOf: (hostId: number) => string,
  record: RecordEvent,
): AreaApi<
  'terminals.open' | 'terminals.input' | 'terminals.resize' | 'terminals.close',
  'terminals.output'
> {
  // A shell that ends by itself shows in its session's timeline at once, not only when its tab closes.
  terminals.onEnded = (e) =>
    record({
      action: 'terminals.exited',
      target: `${e.info.hostName} as ${e.info.user}`,
      ok: e.reason === null && (e.code === 0 || e.code === null) && e.signal === null,
      errorCode: e.reason ? 'CONNECTION_LOST' : e.signal ? 'SIGNAL' : e.code ? 'EXIT_STATUS' : null,
      details: { id: e.info.id, code: e.code, signal: e.signal, reason: e.reason },
      durationMs: e.durationMs,
      refs: { hostId: e.info.hostId, sessionId: e.info.id },
    });
  return {
    handlers: {
      'terminals.open': async (i, ctx) => {
        ctx.target = i.asUser ? `${nameOf(i.hostId)} as ${i.asUser}` : nameOf(i.hostId);
        const info = await terminals.open(i);
        // The same id and target as its close row, so the history can pair them.
        ctx.target = `${info.hostName} as ${info.user}`;
        ctx.auditDetails = { id: info.id };
        ctx.refs = { hostId: info.hostId, sessionId: info.id };
        return info;
      },
      'terminals.input': ({ id, data }) => {
        terminals.input(id, data);
        return null;
      },
      'terminals.resize': ({ id, cols, rows }) => {
        terminals.resize(id, cols, rows);
        return null;
      },
      'terminals.close': ({ id }, ctx) => {
        const { hostName, hostId, user, ...summary } = terminals.close(id);
        ctx.target = `${hostName} as ${user}`;
        ctx.refs = { hostId, sessionId: id };
        ctx.auditDetails = summary;
        return summary;
      },
    },
    streams: { 'terminals.output': ({ id }) => terminals.source(id) },
  };
}

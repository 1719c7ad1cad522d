// The terminals area: open, type into, resize and close shells; their output stream.
import type { AreaApi } from '../../lib/area';
import type { TerminalService } from './terminal-service';

export function terminalsApi(
  terminals: TerminalService,
  nameOf: (hostId: number) => string,
): AreaApi<
  'terminals.open' | 'terminals.input' | 'terminals.resize' | 'terminals.close',
  'terminals.output'
> {
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

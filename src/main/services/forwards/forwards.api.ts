// The forwards area: open a loopback port here onto a port on a host (over its pooled SSH
// connection), list them with what they carried, close them. An open forward is an open item in
// the history until its close is recorded (its window closing closes it too).
import type { ForwardsCallName } from '../../../shared/api/contract/forwards.names';
import type { PortForward } from '../../../shared/api/forwards-domain';
import type { AreaApi, CallContext } from '../../lib/area';
import type { ForwardService } from './forward-service';

/** "127.0.0.1:8888 → gpu1:8888" (the host's name, or the address it was given on the host). */
export function forwardTarget(
  f: Pick<PortForward, 'localPort' | 'hostName' | 'remoteHost' | 'remotePort'>,
): string {
  const there = ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(f.remoteHost)
    ? f.hostName
    : `${f.hostName}→${f.remoteHost}`;
  return `127.0.0.1:${f.localPort} → ${there}:${f.remotePort}`;
}

function describe(ctx: CallContext, f: PortForward): void {
  ctx.target = forwardTarget(f);
  ctx.refs = { hostId: f.hostId, experimentId: f.experimentId };
}

export function forwardsApi(
  forwards: ForwardService,
  nameOf: (hostId: number) => string,
): AreaApi<ForwardsCallName> {
  return {
    handlers: {
      'forwards.open': async (input, ctx) => {
        // Named before it opens, so a refused open's row says what was asked for.
        ctx.target = forwardTarget({
          localPort: input.localPort ?? 0,
          hostName: nameOf(input.hostId),
          remoteHost: input.remoteHost,
          remotePort: input.remotePort,
        }).replace(/^127\.0\.0\.1:0 /, '127.0.0.1 ');
        ctx.refs = { hostId: input.hostId, experimentId: input.experimentId ?? null };
        const f = await forwards.open(input);
        describe(ctx, f);
        // The same id as its close row, so the history can pair them.
        ctx.auditDetails = { id: f.id, localPort: f.localPort };
        return f;
      },
      'forwards.list': ({ hostId }) => forwards.list(hostId),
      'forwards.close': async ({ id }, ctx) => {
        const f = await forwards.close(id);
        describe(ctx, f);
        ctx.auditDetails = {
          durationMs: Date.now() - f.createdAt,
          connections: f.totalConnections,
          bytesIn: f.bytesIn,
          bytesOut: f.bytesOut,
          ...(f.lastError ? { lastError: f.lastError } : {}),
        };
        return f;
      },
    },
    streams: {},
  };
}

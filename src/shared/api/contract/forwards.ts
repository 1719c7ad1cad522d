// Port forwards: a host's loopback port reached from a loopback port here, over the pooled SSH
// connection (direct-tcpip). Closed when the window that opened it goes away.
import { z } from 'zod';
import type { PortForward } from '../forwards-domain';
import { call, label, out } from './define';
import { hostId } from './hosts';

const port = z.number().int().min(1).max(65_535);
/** Where the forward goes on the host: its loopback by default; a name or address it can reach. */
const remoteHost = z
  .string()
  .regex(/^[A-Za-z0-9]([A-Za-z0-9.-]{0,252}[A-Za-z0-9])?$|^\[?[0-9a-fA-F:]{2,39}\]?$/, 'must be a host name or address')
  .default('127.0.0.1');

export const forwardsCalls = {
  'forwards.open': call({
    input: z
      .object({
        hostId,
        remotePort: port,
        remoteHost,
        /** A fixed local port; default: any free one. Ports below 1024 are refused. */
        localPort: z.number().int().min(1024).max(65_535).optional(),
        label: label.optional(),
        experimentId: z.number().int().positive().optional(),
      })
      .strict(),
    output: out<PortForward>(),
    mutating: true,
    closeWith: 'forwards.close',
  }),
  'forwards.list': call({
    input: z.object({ hostId: hostId.optional() }).strict(),
    output: out<PortForward[]>(),
    mutating: false,
  }),
  'forwards.close': call({
    input: z.object({ id: z.string().uuid() }).strict(),
    output: out<PortForward>(),
    mutating: true,
  }),
} as const;

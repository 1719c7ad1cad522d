// Terminals: interactive shells on hosts, as the login user or another one.
import { z } from 'zod';
import type { TerminalEvent, TerminalInfo, TerminalSummary } from '../domain';
import { call, out, stream } from './define';
import { hostId, unixUserSchema } from './hosts';

export const terminalsCalls = {
  'terminals.open': call({
    input: z
      .object({
        hostId,
        /** Open the shell as this Linux user (via sudo/su on the host) instead of the login user. */
        asUser: unixUserSchema.optional(),
        cols: z.number().int().min(2).max(1000),
        rows: z.number().int().min(1).max(500),
      })
      .strict(),
    output: out<TerminalInfo>(),
    mutating: true,
    closeWith: 'terminals.close',
  }),

  'terminals.input': call({
    input: z
      .object({
        id: z.string().uuid(),
        data: z
          .string()
          .min(1)
          .max(64 * 1024),
      })
      .strict(),
    output: out<null>(),
    mutating: false,
  }),

  'terminals.resize': call({
    input: z
      .object({
        id: z.string().uuid(),
        cols: z.number().int().min(2).max(1000),
        rows: z.number().int().min(1).max(500),
      })
      .strict(),
    output: out<null>(),
    mutating: false,
  }),

  'terminals.close': call({
    input: z.object({ id: z.string().uuid() }).strict(),
    output: out<TerminalSummary>(),
    mutating: true,
  }),
} as const;

export const terminalsStreams = {
  /** A terminal's output (and its end). One subscriber per terminal. */
  'terminals.output': stream({
    params: z.object({ id: z.string().uuid() }).strict(),
    event: out<TerminalEvent>(),
  }),
} as const;

// The one API contract, assembled from each area's own contract file (contract/<area>.ts): every
// call (zod input + output type) and every stream (params + event type). Both transports and the
// main-side dispatcher derive from it. Adding an area: write contract/<area>.ts and spread it here.
import type { z } from 'zod';
import { appCalls } from './app';
import { auditCalls } from './audit';
import { bootstrapCalls, bootstrapStreams } from './bootstrap';
import type { Out } from './define';
import { dockerCalls, dockerStreams } from './docker';
import { experimentsCalls } from './experiments';
import { forwardsCalls } from './forwards';
import { hostsCalls, hostsStreams } from './hosts';
import { jobsCalls, jobsStreams } from './jobs';
import { metricsCalls, metricsStreams } from './metrics';
import { systemCalls, systemStreams } from './system';
import { terminalsCalls, terminalsStreams } from './terminals';

export type { CallDef, Out, StreamDef } from './define';
export { THEMES, settingsUpdateInput } from './app';
export { auditListInput } from './audit';
export { addressSchema, hostInput, hostNameSchema, hostUpdateInput, isIPv6, unixUserSchema } from './hosts';

export const calls = {
  ...appCalls,
  ...systemCalls,
  ...auditCalls,
  ...hostsCalls,
  ...terminalsCalls,
  ...jobsCalls,
  ...bootstrapCalls,
  ...dockerCalls,
  ...metricsCalls,
  ...experimentsCalls,
  ...forwardsCalls,
} as const;

export const streams = {
  ...systemStreams,
  ...hostsStreams,
  ...terminalsStreams,
  ...jobsStreams,
  ...bootstrapStreams,
  ...dockerStreams,
  ...metricsStreams,
} as const;

export type Calls = typeof calls;
export type CallName = keyof Calls;
export type CallInput<K extends CallName> = z.input<Calls[K]['input']>;
export type CallParsed<K extends CallName> = z.output<Calls[K]['input']>;
export type CallOutput<K extends CallName> = Calls[K]['output'] extends Out<infer O> ? O : never;

export type Streams = typeof streams;
export type StreamName = keyof Streams;
export type StreamParams<K extends StreamName> = z.input<Streams[K]['params']>;
export type StreamEvent<K extends StreamName> = Streams[K]['event'] extends Out<infer E> ? E : never;

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(calls, name);
}
export function isStreamName(name: unknown): name is StreamName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(streams, name);
}

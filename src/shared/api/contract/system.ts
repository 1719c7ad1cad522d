// The workstation itself: what it is, and its live CPU, memory, disk and network.
import type { LocalMetricsSample, SystemStatic } from '../domain';
import { call, empty, out, stream } from './define';

export const systemCalls = {
  'system.static': call({ input: empty, output: out<SystemStatic>(), mutating: false }),
} as const;

export const systemStreams = {
  /** The workstation's CPU, memory, disk and network, one sample per second; history first. */
  'system.metrics': stream({ params: empty, event: out<LocalMetricsSample>() }),
} as const;

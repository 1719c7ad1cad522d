// The contract's call and stream names as plain data, so the preload and the renderer can build the
// API without bundling zod. The compiler checks that these lists match the contract exactly.
import type { CallName, StreamName } from './contract';

export const CALL_NAMES = [
  'app.info',
  'settings.get',
  'settings.update',
  'system.static',
  'audit.list',
  'audit.actions',
  'hosts.list',
  'hosts.add',
  'hosts.update',
  'hosts.remove',
  'hosts.connect',
  'hosts.disconnect',
  'hosts.test',
  'hosts.trustedKey',
  'hosts.trustKey',
  'hosts.untrustKey',
  'hosts.importPreview',
  'hosts.import',
  'terminals.open',
  'terminals.input',
  'terminals.resize',
  'terminals.close',
] as const satisfies readonly CallName[];

export const STREAM_NAMES = [
  'system.metrics',
  'hosts.states',
  'terminals.output',
] as const satisfies readonly StreamName[];

type Missing<All, Listed> = [Exclude<All, Listed>] extends [never] ? true : Exclude<All, Listed>;
const callsComplete: Missing<CallName, (typeof CALL_NAMES)[number]> = true;
const streamsComplete: Missing<StreamName, (typeof STREAM_NAMES)[number]> = true;
void callsComplete;
void streamsComplete;

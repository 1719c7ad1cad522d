// A terminal viewer for tests and benchmarks: a headless xterm that acknowledges output only after
// it has parsed it, exactly as the renderer does.
import { Terminal } from '@xterm/headless';
import type { Api } from '../../src/shared/api/client';
import type { TerminalEvent, TerminalInfo } from '../../src/shared/api/domain';

export interface TerminalClient {
  info: TerminalInfo;
  term: Terminal;
  /** Everything received so far (kept only when `record` is on). */
  text(): string;
  received(): number;
  exited(): Promise<Extract<TerminalEvent, { t: 'exit' }>>;
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  type(data: string): Promise<void>;
  close(): Promise<void>;
}

export async function openTerminal(
  api: Api,
  o: {
    hostId: number;
    asUser?: string;
    cols?: number;
    rows?: number;
    record?: boolean;
    onData?: (d: string) => void;
  },
): Promise<TerminalClient> {
  const cols = o.cols ?? 120;
  const rows = o.rows ?? 30;
  const info = await api.terminals.open({
    hostId: o.hostId,
    cols,
    rows,
    ...(o.asUser ? { asUser: o.asUser } : {}),
  });
  const term = new Terminal({ cols, rows, scrollback: 1000, allowProposedApi: true });
  let log = '';
  let count = 0;
  const record = o.record ?? true;
  let onExit!: (e: Extract<TerminalEvent, { t: 'exit' }>) => void;
  const exited = new Promise<Extract<TerminalEvent, { t: 'exit' }>>((r) => (onExit = r));
  const waiters = new Set<() => void>();
  const unsubscribe = api.streams.terminals.output({ id: info.id }, (events) => {
    let last: Promise<void> = Promise.resolve();
    for (const e of events) {
      if (e.t === 'exit') {
        onExit(e);
        continue;
      }
      count += e.d.length;
      if (record) log += e.d;
      o.onData?.(e.d);
      last = new Promise<void>((resolve) => term.write(e.d, resolve));
    }
    for (const w of waiters) w();
    // Acknowledge after xterm has parsed the batch.
    return last;
  });
  return {
    info,
    term,
    text: () => log,
    received: () => count,
    exited: () => exited,
    waitFor: (re, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const m = re.exec(log);
          if (m) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(m[0]);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `terminal output did not match ${re} within ${timeoutMs} ms; last output: ${JSON.stringify(log.slice(-300))}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    type: async (data) => {
      await api.terminals.input({ id: info.id, data });
    },
    close: async () => {
      unsubscribe();
      await api.terminals.close({ id: info.id }).catch(() => undefined);
      term.dispose();
    },
  };
}

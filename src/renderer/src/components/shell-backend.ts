// Where a terminal pane's shell lives: on a host over SSH, or inside a container (docker exec).
// Both speak the same terminal events with the same flow control; only the calls differ.
import type { TerminalEvent } from '../../../shared/api/domain';
import { api } from '../api';

export interface ShellBackend {
  open(cols: number, rows: number): Promise<{ id: string }>;
  input(id: string, data: string): Promise<unknown>;
  resize(id: string, cols: number, rows: number): Promise<unknown>;
  close(id: string): Promise<unknown>;
  /** Output batches; a returned promise delays the acknowledgement (xterm has parsed it). */
  output(id: string, onEvents: (events: TerminalEvent[]) => void | Promise<void>): () => void;
}

export function hostShell(hostId: number, asUser?: string): ShellBackend {
  return {
    open: (cols, rows) => api.terminals.open({ hostId, cols, rows, ...(asUser ? { asUser } : {}) }),
    input: (id, data) => api.terminals.input({ id, data }),
    resize: (id, cols, rows) => api.terminals.resize({ id, cols, rows }),
    close: (id) => api.terminals.close({ id }),
    output: (id, onEvents) => api.streams.terminals.output({ id }, onEvents),
  };
}

export function containerShell(hostId: number, containerId: string): ShellBackend {
  return {
    open: (cols, rows) => api.docker.shellOpen({ hostId, id: containerId, cols, rows }),
    input: (id, data) => api.docker.shellInput({ id, data }),
    resize: (id, cols, rows) => api.docker.shellResize({ id, cols, rows }),
    close: (id) => api.docker.shellClose({ id }),
    output: (id, onEvents) => api.streams.docker.shellOutput({ id }, onEvents),
  };
}

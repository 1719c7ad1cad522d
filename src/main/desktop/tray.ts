// The tray / menu-bar entry's text and menu (no Electron here): how many hosts are online, how many
// jobs run and which, and the items to show the window or quit. src/main/index.ts owns the Tray.
import type { Host, HostState, JobInfo } from '../../shared/api/domain';
import type { MenuItem } from './menu';

export interface TrayStatus {
  online: number;
  total: number;
  running: { id: string; title: string }[];
}

/** Hosts in the inventory that are online, and the jobs that are running now. */
export function trayStatus(o: {
  hosts: Pick<Host, 'id'>[];
  states: Pick<HostState, 'hostId' | 'state'>[];
  jobs: Pick<JobInfo, 'id' | 'title' | 'state'>[];
}): TrayStatus {
  const ids = new Set(o.hosts.map((h) => h.id));
  const online = new Set(
    o.states.filter((s) => s.state === 'online' && ids.has(s.hostId)).map((s) => s.hostId),
  );
  return {
    online: online.size,
    total: ids.size,
    running: o.jobs.filter((j) => j.state === 'running').map((j) => ({ id: j.id, title: j.title })),
  };
}

export function hostsLine(s: TrayStatus): string {
  return `${s.online} of ${s.total} host${s.total === 1 ? '' : 's'} online`;
}

export function jobsLine(s: TrayStatus): string {
  const n = s.running.length;
  return `${n} job${n === 1 ? '' : 's'} running`;
}

export function trayTooltip(s: TrayStatus): string {
  return `Labdeck\n${hostsLine(s)}\n${jobsLine(s)}`;
}

/** A menu item's label: one line, not too long (job titles carry host and container names). */
function itemLabel(text: string, max = 60): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** The tray's context menu: the counts, Show Labdeck, each running job (disabled), Quit. */
export function trayMenuTemplate(
  s: TrayStatus,
  o: { onShow: () => void; onQuit: () => void; maxJobs?: number },
): MenuItem[] {
  const max = o.maxJobs ?? 10;
  const sep: MenuItem = { type: 'separator' };
  const jobs: MenuItem[] = s.running
    .slice(0, max)
    .map((j) => ({ label: itemLabel(j.title), enabled: false }));
  if (s.running.length > max) jobs.push({ label: `and ${s.running.length - max} more`, enabled: false });
  return [
    { label: hostsLine(s), enabled: false },
    { label: jobsLine(s), enabled: false },
    ...jobs,
    sep,
    { label: 'Show Labdeck', click: o.onShow },
    sep,
    { label: 'Quit', click: o.onQuit },
  ];
}

/**
 * Calls `fn` at most once per `ms`: at once when it has been quiet, else once at the end of the
 * window (so the last change always shows). `cancel` drops a pending call.
 */
export function throttle(fn: () => void, ms: number): { (): void; cancel: () => void } {
  let last = -Infinity;
  let timer: NodeJS.Timeout | null = null;
  const run = (): void => {
    timer = null;
    last = Date.now();
    fn();
  };
  const call = (): void => {
    if (timer) return;
    const wait = last + ms - Date.now();
    if (wait <= 0) run();
    else timer = setTimeout(run, wait);
  };
  call.cancel = (): void => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
  return call;
}

// Every host's latest figures in Prometheus' text exposition format (served as GET /metrics in
// browser mode), so an existing Prometheus/Grafana can scrape Labdeck instead of each host.
import type { FleetEntry, HostMetricsSample } from '../../../shared/api/metrics-domain';

type Labels = Record<string, string>;
interface Family {
  help: string;
  rows: { labels: Labels; value: number }[];
}

/** A label value with backslash, double quote and newline escaped, as the format requires. */
export function labelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

const FAMILIES: [
  string,
  string,
  (s: HostMetricsSample, put: (v: number | null | undefined, l?: Labels) => void) => void,
][] = [
  ['labdeck_cpu_busy_percent', 'CPU busy, all cores, percent.', (s, put) => put(s.cpu?.total)],
  ['labdeck_cpu_iowait_percent', 'CPU waiting on I/O, percent.', (s, put) => put(s.cpu?.iowait)],
  ['labdeck_cpu_steal_percent', 'CPU stolen by the hypervisor, percent.', (s, put) => put(s.cpu?.steal)],
  ['labdeck_load1', 'Load average over 1 minute.', (s, put) => put(s.load?.[0])],
  [
    'labdeck_memory_total_bytes',
    'Memory (the container limit under lxcfs).',
    (s, put) => put(s.memory?.totalBytes),
  ],
  ['labdeck_memory_used_bytes', 'Memory used (not cache).', (s, put) => put(s.memory?.usedBytes)],
  ['labdeck_memory_available_bytes', 'Memory available.', (s, put) => put(s.memory?.availableBytes)],
  ['labdeck_swap_used_bytes', 'Swap used.', (s, put) => put(s.memory?.swapUsedBytes)],
  ['labdeck_disk_read_bytes_per_second', 'Disk reads, all disks.', (s, put) => put(s.diskReadBps)],
  ['labdeck_disk_write_bytes_per_second', 'Disk writes, all disks.', (s, put) => put(s.diskWriteBps)],
  [
    'labdeck_network_receive_bytes_per_second',
    'Received, all interfaces but loopback.',
    (s, put) => put(s.netRxBps),
  ],
  [
    'labdeck_network_transmit_bytes_per_second',
    'Sent, all interfaces but loopback.',
    (s, put) => put(s.netTxBps),
  ],
  ['labdeck_processes', 'Processes.', (s, put) => put(s.processes)],
  ['labdeck_uptime_seconds', 'Uptime.', (s, put) => put(s.uptimeSec)],
  [
    'labdeck_filesystem_size_bytes',
    'Filesystem size.',
    (s, put) => s.mounts.forEach((m) => put(m.totalBytes, { mount: m.mount })),
  ],
  [
    'labdeck_filesystem_avail_bytes',
    'Filesystem space available.',
    (s, put) => s.mounts.forEach((m) => put(m.availableBytes, { mount: m.mount })),
  ],
  [
    'labdeck_gpu_utilization_percent',
    'GPU utilisation.',
    (s, put) => s.gpus.forEach((g) => put(g.utilPercent, { gpu: String(g.index), name: g.name })),
  ],
  [
    'labdeck_gpu_memory_used_bytes',
    'GPU memory used.',
    (s, put) =>
      s.gpus.forEach((g) =>
        put(g.memUsedMiB === null ? null : g.memUsedMiB * 1048576, { gpu: String(g.index) }),
      ),
  ],
  [
    'labdeck_gpu_memory_total_bytes',
    'GPU memory.',
    (s, put) =>
      s.gpus.forEach((g) =>
        put(g.memTotalMiB === null ? null : g.memTotalMiB * 1048576, { gpu: String(g.index) }),
      ),
  ],
  [
    'labdeck_gpu_temperature_celsius',
    'GPU temperature.',
    (s, put) => s.gpus.forEach((g) => put(g.tempC, { gpu: String(g.index) })),
  ],
  [
    'labdeck_gpu_power_watts',
    'GPU power draw.',
    (s, put) => s.gpus.forEach((g) => put(g.powerW, { gpu: String(g.index) })),
  ],
  [
    'labdeck_user_cpu_percent',
    'CPU used by a Linux user, percent of all cores.',
    (s, put) => s.users.forEach((u) => put(u.cpuPercent, { user: u.user })),
  ],
  [
    'labdeck_user_memory_bytes',
    'Memory of a Linux user: its processes’ resident memory, or its user slice.',
    (s, put) => s.users.forEach((u) => put(u.memoryBytes, { user: u.user })),
  ],
];

export function prometheusText(entries: FleetEntry[], nameOf: (hostId: number) => string): string {
  const families = new Map<string, Family>();
  const family = (name: string, help: string): Family => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { help, rows: [] }));
    return f;
  };
  family('labdeck_host_up', 'Whether the host is connected and sending samples (1) or not (0).');
  family('labdeck_alerts_active', 'Threshold alerts active on the host.');
  for (const e of entries) {
    const host = nameOf(e.hostId);
    const up = e.online && e.latest !== null;
    family('labdeck_host_up', '').rows.push({ labels: { host }, value: up ? 1 : 0 });
    family('labdeck_alerts_active', '').rows.push({ labels: { host }, value: e.alerts.length });
    if (!up || !e.latest) continue;
    for (const [name, help, pick] of FAMILIES) {
      const f = family(name, help);
      pick(e.latest, (v, l = {}) => {
        if (v !== null && v !== undefined && Number.isFinite(v))
          f.rows.push({ labels: { host, ...l }, value: v });
      });
    }
  }
  const out: string[] = [];
  for (const [name, f] of families) {
    if (f.rows.length === 0) continue;
    out.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} gauge`);
    for (const r of f.rows) {
      const labels = Object.entries(r.labels)
        .map(([k, v]) => `${k}="${labelValue(v)}"`)
        .join(',');
      out.push(`${name}{${labels}} ${r.value}`);
    }
  }
  return out.join('\n') + '\n';
}

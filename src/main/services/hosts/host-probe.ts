// "Test connection": one fixed script (no user data in it) that reports what the host is, parsed
// into a report.
import type { HostTestReport } from '../../../shared/api/domain';

/** nvidia-smi's per-GPU query (fields: index, uuid, name, ..., memory.total at 5, ...). */
export const NVIDIA_QUERY =
  'index,uuid,name,utilization.gpu,utilization.memory,memory.total,memory.used,memory.free,temperature.gpu,power.draw,power.limit,fan.speed,clocks.sm,pstate';

export const PROBE_SCRIPT = [
  '. /etc/os-release 2>/dev/null; echo "os=${PRETTY_NAME:-$(uname -s)}"',
  'echo "kernel=$(uname -r)"',
  'echo "cpus=$(getconf _NPROCESSORS_ONLN 2>/dev/null || nproc 2>/dev/null)"',
  'echo "mem=$(awk \'/^MemTotal:/ {print $2}\' /proc/meminfo 2>/dev/null)"',
  'echo "uptime=$(cut -d" " -f1 /proc/uptime 2>/dev/null)"',
  'c=$(cat /run/systemd/container 2>/dev/null); [ -n "$c" ] || c=$(systemd-detect-virt -c 2>/dev/null); echo "container=$c"',
  `if command -v nvidia-smi >/dev/null 2>&1; then echo "nvidia=1"; nvidia-smi --query-gpu=${NVIDIA_QUERY} --format=csv,noheader,nounits 2>/dev/null | sed "s/^/gpu=/"; else echo "nvidia=0"; fi`,
].join('\n');

export function parseProbe(out: string): Omit<HostTestReport, 'hostId' | 'rttMs' | 'fingerprint'> {
  const kv = new Map<string, string>();
  const gpus: HostTestReport['gpus'] = [];
  for (const line of out.split('\n')) {
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1).trim();
    if (key === 'gpu') {
      const [index, , name, , , mem] = value.split(',').map((s) => s.trim());
      if (index !== undefined && name)
        gpus.push({ index: Number(index), name, memoryTotalMiB: Number(mem) || 0 });
    } else kv.set(key, value);
  }
  const container = kv.get('container') ?? '';
  return {
    os: kv.get('os') || 'unknown',
    kernel: kv.get('kernel') || 'unknown',
    cpuCount: Number(kv.get('cpus')) || 0,
    memTotalBytes: (Number(kv.get('mem')) || 0) * 1024,
    nvidiaSmi: kv.get('nvidia') === '1',
    gpus,
    container: container && container !== 'none' ? container : null,
    uptimeSeconds: Math.round(Number(kv.get('uptime')) || 0),
  };
}

// Parses nvidia-smi's CSV (`--format=csv,noheader,nounits`): the per-GPU query and the compute
// apps. Any field may be [N/A] or [Not Supported]; a line that is not a GPU's (a driver/library
// mismatch message, garbage) is counted, and an error message is kept for the UI.
import type { GpuFigures, GpuProcess } from '../../../shared/api/metrics-domain';

/** The fields the collector asks for, in this order. */
export const GPU_QUERY_FIELDS = [
  'index',
  'uuid',
  'name',
  'utilization.gpu',
  'utilization.memory',
  'memory.total',
  'memory.used',
  'memory.free',
  'temperature.gpu',
  'power.draw',
  'power.limit',
  'fan.speed',
  'clocks.sm',
  'pstate',
] as const;

export interface GpuParse {
  gpus: GpuFigures[];
  /** What nvidia-smi said instead of figures (e.g. "Failed to initialize NVML: ..."). */
  error: string | null;
  skipped: number;
}

/** A number, or null for [N/A], [Not Supported], "N/A" and anything else that is not one. */
export function smiNumber(field: string | undefined): number | null {
  if (field === undefined) return null;
  const t = field.trim();
  if (t === '' || t.startsWith('[') || /^n\/?a$/i.test(t)) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

const smiText = (field: string | undefined): string | null => {
  const t = field?.trim() ?? '';
  return t === '' || t.startsWith('[') ? null : t;
};

export function parseGpuLine(line: string): GpuFigures | null {
  const f = line.split(',').map((s) => s.trim());
  if (f.length !== GPU_QUERY_FIELDS.length) return null;
  const index = smiNumber(f[0]);
  if (index === null || !Number.isInteger(index) || !f[1]?.startsWith('GPU-')) return null;
  return {
    index,
    uuid: f[1],
    name: f[2] ?? '',
    utilPercent: smiNumber(f[3]),
    memUtilPercent: smiNumber(f[4]),
    memTotalMiB: smiNumber(f[5]),
    memUsedMiB: smiNumber(f[6]),
    tempC: smiNumber(f[8]),
    powerW: smiNumber(f[9]),
    powerLimitW: smiNumber(f[10]),
    fanPercent: smiNumber(f[11]),
    smClockMHz: smiNumber(f[12]),
    pstate: smiText(f[13]),
  };
}

export function parseGpuLines(lines: string[]): GpuParse {
  const gpus: GpuFigures[] = [];
  const said: string[] = [];
  let skipped = 0;
  for (const line of lines) {
    if (line.trim() === '') continue;
    const g = parseGpuLine(line);
    if (g) gpus.push(g);
    else {
      skipped++;
      // Words, not a damaged CSV row: nvidia-smi explaining why it has no figures.
      if (/[a-z]{3,}/i.test(line) && !line.includes(',')) said.push(line.trim());
    }
  }
  return { gpus, error: said.length > 0 ? said.join(' ').slice(0, 300) : null, skipped };
}

/** "pid, process_name, used_memory, gpu_uuid" (names may hold commas: the middle is the name). */
export function parseComputeApp(line: string): Omit<GpuProcess, 'user'> | null {
  const f = line.split(',').map((s) => s.trim());
  if (f.length < 4) return null;
  const pid = smiNumber(f[0]);
  const gpuUuid = f[f.length - 1]!;
  if (pid === null || !Number.isInteger(pid) || pid <= 0 || !gpuUuid.startsWith('GPU-')) return null;
  const name = line.slice(line.indexOf(',') + 1, line.lastIndexOf(',', line.lastIndexOf(',') - 1)).trim();
  return { pid, name, usedMiB: smiNumber(f[f.length - 2]), gpuUuid };
}

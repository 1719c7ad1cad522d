// Reads the workstation's raw counters through systeminformation. Rates are derived by the
// LocalMetricsService from two readings, so a probe only reports totals.
import si from 'systeminformation';
import type { SystemStatic } from '../../../shared/api/domain';

export interface RawSample {
  ts: number;
  cpuPercent: number;
  memUsedBytes: number;
  memTotalBytes: number;
  disk: { mount: string; usedBytes: number; totalBytes: number } | null;
  /** Cumulative bytes read/written by file systems; null where the OS does not report them. */
  diskReadBytes: number | null;
  diskWriteBytes: number | null;
  /** Cumulative bytes over all non-loopback interfaces. */
  netRxBytes: number;
  netTxBytes: number;
}

export interface MetricsProbe {
  sample(): Promise<RawSample>;
  describe(): Promise<SystemStatic>;
}

/** File-system sizes change slowly and `df` is comparatively slow: refresh them every 10 s. */
const FS_REFRESH_MS = 10_000;

export class SystemInformationProbe implements MetricsProbe {
  private fsCache: { at: number; value: RawSample['disk'] } | null = null;

  async sample(): Promise<RawSample> {
    const [load, mem, disk, fsStats, nets] = await Promise.all([
      si.currentLoad(),
      si.mem(),
      this.disk(),
      si.fsStats().catch(() => null),
      si.networkStats('*'),
    ]);
    let rx = 0;
    let tx = 0;
    for (const n of nets) {
      if (n.iface === 'lo' || n.iface.startsWith('lo')) continue;
      rx += n.rx_bytes || 0;
      tx += n.tx_bytes || 0;
    }
    const hasFsStats = fsStats !== null && Number.isFinite(fsStats.rx) && fsStats.rx >= 0;
    return {
      ts: Date.now(),
      cpuPercent: load.currentLoad,
      // "used" as a person means it: what is not available to new programs (cache excluded).
      memUsedBytes: mem.total - mem.available,
      memTotalBytes: mem.total,
      disk,
      diskReadBytes: hasFsStats ? fsStats.rx : null,
      diskWriteBytes: hasFsStats ? fsStats.wx : null,
      netRxBytes: rx,
      netTxBytes: tx,
    };
  }

  private async disk(): Promise<RawSample['disk']> {
    const now = Date.now();
    if (this.fsCache && now - this.fsCache.at < FS_REFRESH_MS) return this.fsCache.value;
    const list = await si.fsSize().catch(() => []);
    const root = list.find((f) => f.mount === '/') ?? [...list].sort((a, b) => b.size - a.size)[0];
    const value = root ? { mount: root.mount, usedBytes: root.used, totalBytes: root.size } : null;
    this.fsCache = { at: now, value };
    return value;
  }

  async describe(): Promise<SystemStatic> {
    const [os, cpu, mem] = await Promise.all([si.osInfo(), si.cpu(), si.mem()]);
    return {
      hostname: os.hostname,
      os: `${os.distro} ${os.release}`.trim(),
      kernel: os.kernel,
      cpuModel: `${cpu.manufacturer} ${cpu.brand}`.trim(),
      cpuCores: cpu.cores,
      memTotalBytes: mem.total,
    };
  }
}

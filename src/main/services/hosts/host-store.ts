// The host inventory in SQLite. Only rows and names here; secrets live in SecretStore, trust in
// HostKeyTrust, connections in SshPool.
import { asc, eq } from 'drizzle-orm';
import type { Host } from '../../../shared/api/domain';
import { ApiError } from '../../../shared/api/errors';
import type { Db } from '../../db/database';
import { hosts } from '../../db/schema';

/** What a person edits about a host (the rest is bookkeeping). */
export type HostFields = Omit<Host, 'id' | 'hasStoredSecret' | 'createdAt' | 'updatedAt'>;

type Row = typeof hosts.$inferSelect;

const toHost = (r: Row): Host => ({
  id: r.id,
  name: r.name,
  address: r.address,
  port: r.port,
  user: r.user,
  kind: r.kind,
  group: r.groupName,
  tags: JSON.parse(r.tags) as string[],
  notes: r.notes,
  authMethod: r.authMethod,
  keyPath: r.keyPath,
  hasStoredSecret: r.secretRef !== null,
  jumpHostId: r.jumpHostId,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
});

const toRow = (f: HostFields) => ({
  name: f.name,
  address: f.address,
  port: f.port,
  user: f.user,
  kind: f.kind,
  groupName: f.group,
  tags: JSON.stringify(f.tags),
  notes: f.notes,
  authMethod: f.authMethod,
  keyPath: f.authMethod === 'key' ? f.keyPath : null,
  jumpHostId: f.jumpHostId,
});

export class HostStore {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  list(): Host[] {
    return this.db.select().from(hosts).orderBy(asc(hosts.groupName), asc(hosts.name)).all().map(toHost);
  }

  get(id: number): Host {
    const row = this.db.select().from(hosts).where(eq(hosts.id, id)).get();
    if (!row) throw new ApiError('NOT_FOUND', `There is no host #${id} (it may have been removed).`);
    return toHost(row);
  }

  findByName(name: string): Host | null {
    const row = this.db.select().from(hosts).where(eq(hosts.name, name)).get();
    return row ? toHost(row) : null;
  }

  secretRef(id: number): string | null {
    return this.db.select({ ref: hosts.secretRef }).from(hosts).where(eq(hosts.id, id)).get()?.ref ?? null;
  }

  setSecretRef(id: number, ref: string | null): void {
    this.db.update(hosts).set({ secretRef: ref }).where(eq(hosts.id, id)).run();
  }

  insert(f: HostFields): Host {
    this.checkName(f.name, null);
    this.checkJump(null, f.jumpHostId);
    const now = this.now();
    const row = this.db
      .insert(hosts)
      .values({ ...toRow(f), createdAt: now, updatedAt: now })
      .returning()
      .get();
    return toHost(row);
  }

  update(id: number, f: HostFields): Host {
    this.get(id);
    this.checkName(f.name, id);
    this.checkJump(id, f.jumpHostId);
    const row = this.db
      .update(hosts)
      .set({ ...toRow(f), updatedAt: this.now() })
      .where(eq(hosts.id, id))
      .returning()
      .get();
    return toHost(row);
  }

  remove(id: number): Host {
    const host = this.get(id);
    const users = this.db.select({ name: hosts.name }).from(hosts).where(eq(hosts.jumpHostId, id)).all();
    if (users.length) {
      throw new ApiError(
        'CONFLICT',
        `${host.name} is the jump host of ${users.map((u) => u.name).join(', ')}: change their jump host first.`,
      );
    }
    this.db.delete(hosts).where(eq(hosts.id, id)).run();
    return host;
  }

  /** Runs fn in one SQLite transaction (all or nothing). */
  atomically<T>(fn: () => T): T {
    return this.db.transaction(() => fn());
  }

  private checkName(name: string, selfId: number | null): void {
    const other = this.findByName(name);
    if (other && other.id !== selfId) {
      throw new ApiError('CONFLICT', `A host named ${name} already exists. Pick another name.`, 'name');
    }
  }

  /** The jump host must exist, and following jump hosts must never lead back here. */
  private checkJump(selfId: number | null, jumpId: number | null): void {
    const seen = new Set<number>(selfId === null ? [] : [selfId]);
    for (let id = jumpId, depth = 0; id !== null; depth++) {
      if (seen.has(id) || depth > 8) {
        throw new ApiError('VALIDATION', 'These jump hosts form a loop.', 'jumpHostId');
      }
      seen.add(id);
      const row = this.db.select({ jump: hosts.jumpHostId }).from(hosts).where(eq(hosts.id, id)).get();
      if (!row) throw new ApiError('VALIDATION', `Jump host #${id} does not exist.`, 'jumpHostId');
      id = row.jump;
    }
  }
}

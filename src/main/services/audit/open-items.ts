// What the history shows as opened and not yet closed (terminal sessions now; jobs later), kept
// beside the audit rows so that a crash cannot leave a session open in the history for ever: the
// next start closes each leftover as "interrupted", with the last time the app was seen running.
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/database';
import { openItems } from '../../db/schema';
import type { RecordEvent } from '../../lib/area';

export interface OpenItem {
  id: string;
  /** The call that closes it (its audit row is what the history needs). */
  closeWith: string;
  target: string;
  openedAt: number;
  /** The last time this run of the app was known to be alive with the item open. */
  lastSeenAt: number;
}

export class OpenItemStore {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  opened(item: Omit<OpenItem, 'lastSeenAt'>): void {
    this.db
      .insert(openItems)
      .values({ ...item, lastSeenAt: item.openedAt })
      .onConflictDoNothing()
      .run();
  }

  /** The item, if `call` is what closes it. */
  closes(id: string, call: string): OpenItem | null {
    const row = this.db.select().from(openItems).where(eq(openItems.id, id)).get();
    return row && row.closeWith === call ? row : null;
  }

  closed(id: string): void {
    this.db.delete(openItems).where(eq(openItems.id, id)).run();
  }

  /** Marks every open item as still alive now (one statement; called every few seconds). */
  heartbeat(): void {
    this.db.update(openItems).set({ lastSeenAt: this.now() }).run();
  }

  list(): OpenItem[] {
    return this.db.select().from(openItems).orderBy(openItems.openedAt).all();
  }

  /** Everything left open, removed from the store in the same transaction. */
  takeAll(): OpenItem[] {
    return this.db.transaction((tx) => {
      const rows = tx.select().from(openItems).orderBy(openItems.openedAt).all();
      tx.delete(openItems)
        .where(sql`1 = 1`)
        .run();
      return rows;
    });
  }
}

/** Items a crash left open in the history get their close, marked interrupted. */
export function closeInterrupted(left: OpenItem[], record: RecordEvent): void {
  for (const item of left) {
    const lastSeen = new Date(item.lastSeenAt).toISOString();
    record({
      action: item.closeWith,
      target: item.target,
      ok: false,
      errorCode: 'INTERRUPTED',
      details: {
        id: item.id,
        interrupted: true,
        openedAt: new Date(item.openedAt).toISOString(),
        lastSeenAt: lastSeen,
        message: `Labdeck stopped without closing it (a crash or a kill); it was last seen open at ${lastSeen}.`,
      },
      durationMs: item.lastSeenAt - item.openedAt,
      refs: { sessionId: item.id },
    });
  }
}

// Opens the app's SQLite file (WAL), applies committed drizzle-kit migrations, and refuses to go on
// (with the file's path in the message) when either fails: never a silent reset.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema';

/** Drizzle over better-sqlite3; `$client` is the raw connection, for FTS5 and hand-written SQL. */
export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export class DatabaseOpenError extends Error {
  readonly file: string;
  constructor(file: string, stage: 'open' | 'migrate', cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      `Cannot ${stage === 'open' ? 'open' : 'migrate'} the Labdeck database ${file}: ${reason}. ` +
        'Nothing was changed. Move the file aside (or restore a backup) and start again, ' +
        'or point Labdeck at another data folder with --data-dir / LABDECK_DATA_DIR.',
    );
    this.name = 'DatabaseOpenError';
    this.file = file;
  }
}

export interface OpenedDatabase {
  file: string;
  sqlite: Database.Database;
  db: Db;
  close(): void;
}

export function openDatabase(file: string, migrationsFolder: string): OpenedDatabase {
  let sqlite: Database.Database;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    sqlite = new Database(file);
    // A damaged or foreign file only shows itself on first read, so read before anything else.
    sqlite.pragma('schema_version');
    sqlite.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a committed transaction survives a process crash (kill -9); only an OS
    // crash or power loss may roll back the last commits.
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
  } catch (err) {
    throw new DatabaseOpenError(file, 'open', err);
  }
  const db = drizzle(sqlite, { schema });
  try {
    migrate(db, { migrationsFolder });
  } catch (err) {
    sqlite.close();
    throw new DatabaseOpenError(file, 'migrate', err);
  }
  return {
    file,
    sqlite,
    db,
    close: () => {
      if (sqlite.open) sqlite.close();
    },
  };
}

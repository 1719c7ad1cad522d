// Real SQLite files in a temp folder, migrated with the committed migrations.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type OpenedDatabase } from '../../src/main/db/database';

export const MIGRATIONS = path.resolve(__dirname, '../../drizzle');

export function tempDir(prefix = 'labdeck-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function tempDb(): OpenedDatabase & { dir: string } {
  const dir = tempDir();
  const opened = openDatabase(path.join(dir, 'labdeck.db'), MIGRATIONS);
  return Object.assign(opened, { dir });
}

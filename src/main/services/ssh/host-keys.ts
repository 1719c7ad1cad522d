// Which host key each host may present. First contact: unknown until the user trusts the
// fingerprint (or ~/.ssh/known_hosts already lists the key). A different key later is refused
// before authentication; only an explicit trust of the new key (an audited call) changes that.
import crypto from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { TrustedHostKey } from '../../../shared/api/domain';
import { ApiError } from '../../../shared/api/errors';
import type { Db } from '../../db/database';
import { hostKeys } from '../../db/schema';
import { readSmallFile } from '../../lib/small-file';
import { fingerprintOf, keyTypeOf } from './fingerprint';

/** A known_hosts file with tens of thousands of hosts is still well under this. */
const MAX_KNOWN_HOSTS_BYTES = 16 * 1024 * 1024;

export interface PresentedKey {
  keyType: string;
  keyData: string;
  fingerprint: string;
}

export type KeyVerdict =
  | { ok: true }
  | { ok: false; code: 'HOSTKEY_UNKNOWN'; presented: PresentedKey }
  | { ok: false; code: 'HOSTKEY_MISMATCH'; presented: PresentedKey; trusted: string; revoked?: true };

export interface KnownHostsEntry {
  patterns: string[];
  keyType: string;
  keyData: string;
  /** `@revoked`: this key must never be accepted for the hosts it names. */
  revoked?: true;
}

/** Parses an OpenSSH known_hosts file (plain and hashed names, @revoked; @cert-authority skipped). */
export function parseKnownHosts(text: string): KnownHostsEntry[] {
  const out: KnownHostsEntry[] = [];
  for (const raw of text.split('\n')) {
    let line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    let revoked = false;
    if (line.startsWith('@')) {
      const marker = line.split(/\s+/, 1)[0]!;
      if (marker !== '@revoked') continue;
      revoked = true;
      line = line.slice(marker.length).trim();
    }
    const [names, keyType, keyData] = line.split(/\s+/);
    if (!names || !keyType || !keyData) continue;
    out.push({
      patterns: names.split(','),
      keyType,
      keyData,
      ...(revoked ? { revoked: true as const } : {}),
    });
  }
  return out;
}

const globRe = (p: string): RegExp =>
  new RegExp(
    `^${p
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );

function patternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    const mac = crypto.createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return mac === hash;
  }
  return globRe(pattern).test(name);
}

/** known_hosts names a host "addr" on port 22 and "[addr]:port" otherwise. */
export function knownHostsName(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

export function lookupKnownHosts(
  entries: KnownHostsEntry[],
  address: string,
  port: number,
): KnownHostsEntry[] {
  const name = knownHostsName(address, port);
  return entries.filter((e) => {
    if (e.patterns.some((p) => p.startsWith('!') && patternMatches(p.slice(1), name))) return false;
    return e.patterns.some((p) => !p.startsWith('!') && patternMatches(p, name));
  });
}

export class HostKeyTrust {
  /** Keys hosts presented that are not (yet) trusted, so "trust" stores exactly what was seen. */
  private readonly pending = new Map<number, PresentedKey>();

  constructor(
    private readonly db: Db,
    private readonly knownHostsFiles: string[],
    private readonly now: () => number = Date.now,
  ) {}

  get(hostId: number): TrustedHostKey | null {
    const row = this.db.select().from(hostKeys).where(eq(hostKeys.hostId, hostId)).get();
    return row
      ? {
          hostId,
          keyType: row.keyType,
          fingerprint: row.fingerprint,
          source: row.source,
          trustedAt: row.trustedAt,
        }
      : null;
  }

  pendingFor(hostId: number): PresentedKey | null {
    return this.pending.get(hostId) ?? null;
  }

  /** Called from ssh2's hostVerifier with the raw key blob, before any authentication. */
  check(hostId: number, address: string, port: number, blob: Buffer): KeyVerdict {
    const presented: PresentedKey = {
      keyType: keyTypeOf(blob),
      keyData: blob.toString('base64'),
      fingerprint: fingerprintOf(blob),
    };
    const known = lookupKnownHosts(this.readKnownHosts(), address, port);
    // A revoked key is refused whatever was trusted before, and cannot be trusted from here.
    if (known.some((k) => k.revoked && k.keyType === presented.keyType && k.keyData === presented.keyData)) {
      this.pending.delete(hostId);
      return {
        ok: false,
        code: 'HOSTKEY_MISMATCH',
        presented,
        trusted: 'none: this key is marked @revoked in ~/.ssh/known_hosts',
        revoked: true,
      };
    }
    const row = this.db.select().from(hostKeys).where(eq(hostKeys.hostId, hostId)).get();
    if (row) {
      if (row.keyData === presented.keyData) {
        this.pending.delete(hostId);
        return { ok: true };
      }
      this.pending.set(hostId, presented);
      return { ok: false, code: 'HOSTKEY_MISMATCH', presented, trusted: row.fingerprint };
    }
    if (known.some((k) => !k.revoked && k.keyType === presented.keyType && k.keyData === presented.keyData)) {
      this.store(hostId, presented, 'known_hosts');
      return { ok: true };
    }
    const conflicting = known.find((k) => !k.revoked && k.keyType === presented.keyType);
    this.pending.set(hostId, presented);
    if (conflicting) {
      return {
        ok: false,
        code: 'HOSTKEY_MISMATCH',
        presented,
        trusted: `${fingerprintOf(Buffer.from(conflicting.keyData, 'base64'))} (in ~/.ssh/known_hosts)`,
      };
    }
    return { ok: false, code: 'HOSTKEY_UNKNOWN', presented };
  }

  /** Trusts the key the host presented, if it is the one the user confirmed. */
  trust(hostId: number, fingerprint: string): TrustedHostKey {
    const presented = this.pending.get(hostId);
    if (!presented) {
      throw new ApiError(
        'NOT_FOUND',
        'No untrusted key is waiting for this host: connect to it first to see its key.',
      );
    }
    if (presented.fingerprint !== fingerprint) {
      throw new ApiError(
        'CONFLICT',
        `The host now presents ${presented.fingerprint}, not the ${fingerprint} you confirmed. Check the fingerprint again.`,
        undefined,
        { presentedFingerprint: presented.fingerprint },
      );
    }
    this.store(hostId, presented, 'user');
    this.pending.delete(hostId);
    return this.get(hostId)!;
  }

  untrust(hostId: number): boolean {
    return this.db.delete(hostKeys).where(eq(hostKeys.hostId, hostId)).run().changes > 0;
  }

  private store(hostId: number, key: PresentedKey, source: 'user' | 'known_hosts'): void {
    const row = { hostId, ...key, source, trustedAt: this.now() };
    this.db.insert(hostKeys).values(row).onConflictDoUpdate({ target: hostKeys.hostId, set: row }).run();
  }

  private readKnownHosts(): KnownHostsEntry[] {
    const entries: KnownHostsEntry[] = [];
    for (const file of this.knownHostsFiles) {
      try {
        // Read on every check: only a regular file, and not an endless one (a FIFO, /dev/zero).
        entries.push(...parseKnownHosts(readSmallFile(file, MAX_KNOWN_HOSTS_BYTES).toString('utf8')));
      } catch {
        /* absent, unreadable or not a file: nothing to honour */
      }
    }
    return entries;
  }
}

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDb, tempDir } from '../../../../tests/support/temp-db';
import type { OpenedDatabase } from '../../db/database';
import { HostStore } from '../hosts/host-store';
import { fingerprintOf } from './fingerprint';
import { HostKeyTrust, knownHostsName, parseKnownHosts } from './host-keys';

/** An SSH wire-format ed25519 public key blob, as a host presents it. */
function hostKey(): { blob: Buffer; line: string } {
  const { publicKey } = crypto.generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const str = (b: Buffer): Buffer => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  const blob = Buffer.concat([str(Buffer.from('ssh-ed25519')), str(raw)]);
  return { blob, line: `ssh-ed25519 ${blob.toString('base64')}` };
}

const dbs: OpenedDatabase[] = [];
afterEach(() => dbs.splice(0).forEach((d) => d.close()));

function setup(knownHosts = '') {
  const d = tempDb();
  dbs.push(d);
  const file = path.join(tempDir('labdeck-kh-'), 'known_hosts');
  fs.writeFileSync(file, knownHosts);
  const store = new HostStore(d.db);
  const host = store.insert({
    name: 'gpu1',
    address: '10.0.0.11',
    port: 2222,
    user: 'me',
    kind: 'gpu',
    group: '',
    tags: [],
    notes: '',
    authMethod: 'agent',
    keyPath: null,
    jumpHostId: null,
  });
  return { trust: new HostKeyTrust(d.db, [file]), id: host.id, file };
}

describe('host key trust', () => {
  it('asks on first contact, trusts exactly the confirmed key, and refuses a changed one', () => {
    const { trust, id } = setup();
    const k1 = hostKey();
    const k2 = hostKey();
    expect(trust.check(id, '10.0.0.11', 2222, k1.blob)).toMatchObject({ ok: false, code: 'HOSTKEY_UNKNOWN' });
    expect(() => trust.trust(id, fingerprintOf(k2.blob))).toThrow(/not the/);
    expect(trust.trust(id, fingerprintOf(k1.blob))).toMatchObject({ source: 'user', keyType: 'ssh-ed25519' });
    expect(trust.check(id, '10.0.0.11', 2222, k1.blob)).toEqual({ ok: true });
    expect(trust.check(id, '10.0.0.11', 2222, k2.blob)).toMatchObject({
      ok: false,
      code: 'HOSTKEY_MISMATCH',
      trusted: fingerprintOf(k1.blob),
    });
  });

  it('honours ~/.ssh/known_hosts, hashed names and [addr]:port included', () => {
    const k = hostKey();
    const salt = crypto.randomBytes(20);
    const mac = crypto.createHmac('sha1', salt).update(knownHostsName('10.0.0.11', 2222)).digest('base64');
    const { trust, id } = setup(`# comment\n|1|${salt.toString('base64')}|${mac} ${k.line}\n`);
    expect(trust.check(id, '10.0.0.11', 2222, k.blob)).toEqual({ ok: true });
    expect(trust.get(id)).toMatchObject({ source: 'known_hosts', fingerprint: fingerprintOf(k.blob) });
  });

  it('refuses a key known_hosts marks @revoked, even one trusted before, and it cannot be trusted', () => {
    const k = hostKey();
    const { trust, id, file } = setup();
    trust.check(id, '10.0.0.11', 2222, k.blob);
    trust.trust(id, fingerprintOf(k.blob));
    fs.writeFileSync(file, `@revoked * ${k.line}\n`);
    expect(trust.check(id, '10.0.0.11', 2222, k.blob)).toMatchObject({
      ok: false,
      code: 'HOSTKEY_MISMATCH',
      revoked: true,
    });
    expect(() => trust.trust(id, fingerprintOf(k.blob))).toThrow(/No untrusted key/);
    expect(parseKnownHosts(`@cert-authority *.lab ${k.line}\n@revoked a,b ${k.line}`)).toEqual([
      { patterns: ['a', 'b'], keyType: 'ssh-ed25519', keyData: k.line.split(' ')[1], revoked: true },
    ]);
  });
});

// Hosts as the API sees them: inventory changes with their secrets, connect/test through the
// pool, host key trust, and ~/.ssh/config import. Secrets the user chose not to save are kept in
// memory for this run only.
import os from 'node:os';
import path from 'node:path';
import type {
  Host,
  HostDraft,
  HostState,
  HostTestReport,
  ImportPreview,
  TrustedHostKey,
} from '../../../shared/api/domain';
import { ApiError } from '../../../shared/api/errors';
import type { SecretStore } from '../secrets/secret-store';
import type { HostKeyTrust } from '../ssh/host-keys';
import type { ConnectTarget, SshPool } from '../ssh/ssh-pool';
import { parseProbe, PROBE_SCRIPT } from './host-probe';
import type { HostFields, HostStore } from './host-store';
import { defaultImportContext, jumpHostsFirst, previewImport, readConfigFile } from './ssh-config-import';

export interface HostInput extends HostFields {
  secret?: string | undefined;
  saveSecret: boolean;
}

const secretRef = (id: number): string => `host:${id}`;

/** The connection details the pool needs, with secrets from memory or the encrypted store. */
export class CredentialResolver {
  private readonly session = new Map<number, string>();

  constructor(
    private readonly store: HostStore,
    private readonly secrets: SecretStore,
  ) {}

  remember(hostId: number, secret: string): void {
    this.session.set(hostId, secret);
  }

  forget(hostId: number): void {
    this.session.delete(hostId);
  }

  secretFor(hostId: number): string | undefined {
    const s = this.session.get(hostId);
    if (s !== undefined) return s;
    const ref = this.store.secretRef(hostId);
    return ref ? (this.secrets.get(ref) ?? undefined) : undefined;
  }

  target(hostId: number): Promise<ConnectTarget> {
    const h = this.store.get(hostId);
    const secret = this.secretFor(hostId);
    const auth: ConnectTarget['auth'] =
      h.authMethod === 'key'
        ? { method: 'key', keyPath: h.keyPath ?? '', passphrase: secret }
        : h.authMethod === 'password'
          ? { method: 'password', password: secret }
          : { method: 'agent' };
    return Promise.resolve({
      hostId,
      name: h.name,
      address: h.address,
      port: h.port,
      user: h.user,
      auth,
      jumpHostId: h.jumpHostId,
    });
  }
}

export class HostService {
  constructor(
    private readonly store: HostStore,
    private readonly secrets: SecretStore,
    private readonly credentials: CredentialResolver,
    private readonly trust: HostKeyTrust,
    private readonly pool: SshPool,
  ) {}

  list(): Host[] {
    return this.store.list();
  }

  add(input: HostInput): Host {
    const host = this.store.insert(input);
    this.applySecret(host.id, input.secret, input.saveSecret, false);
    return this.store.get(host.id);
  }

  update(id: number, input: HostInput & { forgetSecret: boolean }): Host {
    const before = this.store.get(id);
    const after = this.store.update(id, input);
    // A secret belongs to one way of logging in: a passphrase must never be sent as a password.
    const otherLogin =
      before.authMethod !== after.authMethod ||
      (after.authMethod === 'key' && before.keyPath !== after.keyPath);
    const forget = input.forgetSecret || (otherLogin && input.secret === undefined);
    this.applySecret(id, input.secret, input.saveSecret, forget);
    const reach = (h: Host): string =>
      JSON.stringify([h.address, h.port, h.user, h.authMethod, h.keyPath, h.jumpHostId]);
    // New connection details: the next use connects afresh (and re-checks the host key).
    if (reach(before) !== reach(after) || input.secret !== undefined || forget) this.pool.disconnect(id);
    if (before.address !== after.address || before.port !== after.port) this.trust.untrust(id);
    return this.store.get(id);
  }

  remove(id: number): Host {
    const host = this.store.remove(id);
    this.pool.drop(id);
    this.secrets.delete(secretRef(id));
    this.credentials.forget(id);
    return host;
  }

  private applySecret(id: number, secret: string | undefined, save: boolean, forget: boolean): void {
    if (forget) {
      this.secrets.delete(secretRef(id));
      this.store.setSecretRef(id, null);
      this.credentials.forget(id);
    }
    if (secret === undefined) return;
    if (save) {
      this.secrets.put(secretRef(id), secret);
      this.store.setSecretRef(id, secretRef(id));
      this.credentials.forget(id);
    } else {
      // Declined to store: use it for this run only, and drop any stored copy.
      this.secrets.delete(secretRef(id));
      this.store.setSecretRef(id, null);
      this.credentials.remember(id, secret);
    }
  }

  async connect(id: number, secret?: string): Promise<HostState> {
    this.store.get(id);
    if (secret !== undefined) this.credentials.remember(id, secret);
    try {
      return await this.pool.connect(id);
    } catch (err) {
      // A refused secret is not kept for the next attempt: the person is asked again.
      if (secret !== undefined && err instanceof ApiError && err.code === 'AUTH_FAILED')
        this.credentials.forget(id);
      throw err;
    }
  }

  disconnect(id: number): HostState {
    this.store.get(id);
    return this.pool.hold(id);
  }

  async test(id: number, secret?: string): Promise<HostTestReport> {
    await this.connect(id, secret);
    const r = await this.pool.exec(id, PROBE_SCRIPT, { timeoutMs: 20_000 });
    if (r.code !== 0) {
      throw new ApiError(
        'INTERNAL',
        `The test script failed on ${this.store.get(id).name} (exit ${r.code}): ${r.stderr.slice(0, 300)}`,
      );
    }
    const t0 = performance.now();
    await this.pool.exec(id, 'true', { timeoutMs: 10_000 });
    const rttMs = Math.round((performance.now() - t0) * 10) / 10;
    return { hostId: id, ...parseProbe(r.stdout), rttMs, fingerprint: this.trust.get(id)?.fingerprint ?? '' };
  }

  trustedKey(id: number): TrustedHostKey | null {
    this.store.get(id);
    return this.trust.get(id);
  }

  trustKey(id: number, fingerprint: string): TrustedHostKey {
    this.store.get(id);
    const key = this.trust.trust(id, fingerprint);
    // A refused connection may retry now.
    this.pool.disconnect(id);
    return key;
  }

  untrustKey(id: number): boolean {
    this.store.get(id);
    this.pool.disconnect(id);
    return this.trust.untrust(id);
  }

  importPreview(input: { text?: string | undefined; path?: string | undefined }): ImportPreview {
    const existing = new Set(this.store.list().map((h) => h.name));
    const ctx = defaultImportContext(existing);
    if (input.text !== undefined) return previewImport(input.text, 'pasted text', ctx);
    const file = (input.path ?? '~/.ssh/config').replace(/^~\//, `${os.homedir()}${path.sep}`);
    let text: string;
    try {
      text = readConfigFile(file);
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw new ApiError(
        'NOT_FOUND',
        `Cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'}). Paste the file's text instead.`,
      );
    }
    return previewImport(text, file, ctx);
  }

  import(drafts: HostDraft[]): Host[] {
    return this.store.atomically(() => this.importAll(jumpHostsFirst(drafts)));
  }

  private importAll(drafts: HostDraft[]): Host[] {
    const added: Host[] = [];
    for (const d of drafts) {
      const jump = d.jumpHostName ? this.store.findByName(d.jumpHostName) : null;
      if (d.jumpHostName && !jump) {
        throw new ApiError(
          'VALIDATION',
          `Jump host ${d.jumpHostName} of ${d.name} is not in Labdeck; import it first.`,
          'drafts',
        );
      }
      added.push(
        this.store.insert({
          name: d.name,
          address: d.address,
          port: d.port,
          user: d.user,
          kind: 'other',
          group: 'imported',
          tags: [],
          notes: 'Imported from ~/.ssh/config',
          authMethod: d.authMethod,
          keyPath: d.keyPath,
          jumpHostId: jump?.id ?? null,
        }),
      );
    }
    return added;
  }

  states(): HostState[] {
    return this.store.list().map((h) => this.pool.state(h.id));
  }

  onState(listener: (s: HostState) => void): () => void {
    this.pool.events.on('state', listener);
    return () => this.pool.events.off('state', listener);
  }
}

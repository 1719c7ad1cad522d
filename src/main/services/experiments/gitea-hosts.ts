// Which hosts keep their experiments' repositories in a Gitea, and a client for it that travels
// over the host's pooled SSH connection (Gitea usually listens on the host's loopback). The whole
// setting (URL, owner, admin token) is one encrypted secret; the token never comes back out.
import type { Duplex } from 'node:stream';
import type { GiteaHostConfig } from '../../../shared/api/experiments-domain';
import { ApiError } from '../../../shared/api/errors';
import { PooledAgent } from '../docker/agent';
import type { SecretStore } from '../secrets/secret-store';
import { GiteaClient } from './gitea-client';

export interface GiteaSetting {
  url: string;
  owner: string | null;
  token: string;
}

const ref = (hostId: number): string => `gitea:${hostId}`;

export class GiteaHosts {
  private readonly agents = new Map<string, PooledAgent>();

  constructor(
    private readonly secrets: SecretStore,
    /** A TCP stream from the host to host:port (a direct-tcpip channel on its pooled connection). */
    private readonly dial: (hostId: number, host: string, port: number) => Promise<Duplex>,
  ) {}

  setting(hostId: number): GiteaSetting | null {
    const raw = this.secrets.get(ref(hostId));
    if (!raw) return null;
    try {
      const v = JSON.parse(raw) as GiteaSetting;
      return typeof v.url === 'string' && typeof v.token === 'string' ? v : null;
    } catch {
      return null;
    }
  }

  client(hostId: number, s: GiteaSetting | null = this.setting(hostId)): GiteaClient | null {
    if (!s) return null;
    const u = new URL(s.url);
    const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
    const host = u.hostname.replace(/^\[|\]$/g, '');
    // http (Gitea on the host's loopback, the usual case) goes over the host's SSH connection; an
    // https URL is a Gitea published under a name, reached from here directly.
    if (u.protocol !== 'http:') return new GiteaClient({ baseUrl: s.url, token: s.token });
    return new GiteaClient({ baseUrl: s.url, token: s.token, agent: this.agentFor(hostId, host, port) });
  }

  /** The setting without its token; with `check`, what Gitea says about itself and the token. */
  async describe(hostId: number, check: boolean): Promise<GiteaHostConfig> {
    const s = this.setting(hostId);
    const out: GiteaHostConfig = {
      hostId,
      configured: s !== null,
      url: s?.url ?? null,
      owner: s?.owner ?? null,
      version: null,
      user: null,
      error: null,
    };
    if (!s || !check) return out;
    try {
      const c = this.client(hostId, s)!;
      out.version = await c.version();
      const me = await c.currentUser();
      out.user = me.login;
      if (!me.isAdmin)
        out.error = `${me.login} is not a Gitea site administrator: experiments need one (it makes a Gitea user per experiment).`;
    } catch (err) {
      out.error = err instanceof Error ? err.message : String(err);
    }
    return out;
  }

  /** Saved only when Gitea answers and the token is a site administrator's. */
  async set(hostId: number, s: GiteaSetting): Promise<GiteaHostConfig> {
    const c = this.client(hostId, s)!;
    const version = await c.version();
    const me = await c.currentUser();
    if (!me.isAdmin) {
      throw new ApiError(
        'PERMISSION_DENIED',
        `The token belongs to ${me.login}, who is not a Gitea site administrator. Experiments need an administrator's token (Gitea: Site Administration, or a token of the admin user with the write:admin and write:repository scopes).`,
      );
    }
    this.secrets.put(ref(hostId), JSON.stringify(s));
    return { hostId, configured: true, url: s.url, owner: s.owner, version, user: me.login, error: null };
  }

  clear(hostId: number): GiteaHostConfig {
    this.secrets.delete(ref(hostId));
    for (const [k, a] of this.agents) {
      if (k.startsWith(`${hostId}|`)) {
        a.destroy();
        this.agents.delete(k);
      }
    }
    return { hostId, configured: false, url: null, owner: null, version: null, user: null, error: null };
  }

  close(): void {
    for (const a of this.agents.values()) a.destroy();
    this.agents.clear();
  }

  /** One agent per host and address: a kept-alive channel serves the calls of one step. */
  private agentFor(hostId: number, host: string, port: number): PooledAgent {
    const key = `${hostId}|${host}|${port}`;
    let a = this.agents.get(key);
    if (!a) {
      a = new PooledAgent(() => this.dial(hostId, host, port), { maxFreeSockets: 1, idleMs: 5_000 });
      this.agents.set(key, a);
    }
    return a;
  }
}

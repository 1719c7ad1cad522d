// NOT GITEA. A stand-in HTTP server for testing the Gitea client: no Gitea binary can be downloaded
// on this machine, so this small node:http server follows the request and answer shapes of Gitea's
// published REST API v1 (the swagger at /api/swagger) for exactly the endpoints the client uses:
//
//   GET    /api/v1/version
//   GET    /api/v1/user
//   GET    /api/v1/orgs/{org}
//   POST   /api/v1/user/repos
//   POST   /api/v1/orgs/{org}/repos
//   POST   /api/v1/admin/users/{username}/repos
//   GET    /api/v1/repos/{owner}/{repo}
//   DELETE /api/v1/repos/{owner}/{repo}
//   GET    /api/v1/repos/{owner}/{repo}/keys          (page, limit, fingerprint; X-Total-Count)
//   POST   /api/v1/repos/{owner}/{repo}/keys
//   DELETE /api/v1/repos/{owner}/{repo}/keys/{id}
//   PUT    /api/v1/repos/{owner}/{repo}/collaborators/{collaborator}
//
// with Gitea's status codes and error body `{ message, url }` (401 without or with a wrong token,
// 403 for a missing token scope, 404 for an unknown owner/repo, 409 for an existing repository,
// 422 for a duplicate deploy key or unknown collaborator). State lives in memory; every request is
// recorded (method, raw path, query, headers, body) so tests can assert on what was sent.
// It checks less than Gitea does, and agreeing with it proves agreement with the shapes, not with
// a real server.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandinRequest {
  method: string;
  /** The path as sent (still percent-encoded), without the query. */
  path: string;
  query: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

export interface StandinUser {
  id: number;
  login: string;
  isAdmin: boolean;
}

export interface StandinOrg {
  id: number;
  name: string;
  /** Lower-case logins that may create repositories in it. */
  members: Set<string>;
}

export interface StandinDeployKey {
  id: number;
  keyId: number;
  title: string;
  key: string;
  fingerprint: string;
  readOnly: boolean;
  createdAt: string;
}

export interface StandinRepo {
  id: number;
  /** The owner's login as stored (its case). */
  owner: string;
  ownerId: number;
  name: string;
  description: string;
  private: boolean;
  defaultBranch: string;
  empty: boolean;
  createdAt: string;
  /** Lower-case login → permission. */
  collaborators: Map<string, string>;
  keys: StandinDeployKey[];
}

export interface StandinState {
  requests: StandinRequest[];
  /** Lower-case login → user. */
  users: Map<string, StandinUser>;
  /** Lower-case name → organization. */
  orgs: Map<string, StandinOrg>;
  /** `owner/name`, lower case → repository. */
  repos: Map<string, StandinRepo>;
  /** Key identities (`type base64`) in use as users' own SSH keys (not deploy keys). */
  userKeys: Set<string>;
  /** The token's scopes, e.g. ['all'] or ['write:repository', 'read:user']. */
  scopes: string[];
  /** When true, requests are read and recorded but never answered. */
  hang: boolean;
  version: string;
  /** The login the token belongs to. */
  tokenUser: string;
}

export interface GiteaStandinOptions {
  token: string;
  /** When given, the token belongs to this login and it is a site administrator. */
  adminUser?: string;
  /** The token's (non-admin) user when adminUser is not given. Default `labdeck`. */
  user?: string;
  scopes?: string[];
}

export interface GiteaStandin {
  url: string;
  state: StandinState;
  addUser(login: string, opts?: { admin?: boolean }): StandinUser;
  /** An organization; the token's user is a member unless `members` says otherwise. */
  addOrg(name: string, opts?: { members?: string[] }): StandinOrg;
  close(): Promise<void>;
}

const EPOCH = '1970-01-01T00:00:00Z';
const REPO_NAME = /^[A-Za-z0-9_.-]{1,100}$/;
const KEY_LINE = /^((?:ssh|ecdsa|sk-ssh|sk-ecdsa)-[A-Za-z0-9@.-]+) ([A-Za-z0-9+/]+={0,3})(?: [^\r\n]*)?$/;

class Reply {
  constructor(
    readonly status: number,
    readonly body?: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

export async function startGiteaStandin(opts: GiteaStandinOptions): Promise<GiteaStandin> {
  let nextId = 1;
  const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const state: StandinState = {
    requests: [],
    users: new Map(),
    orgs: new Map(),
    repos: new Map(),
    userKeys: new Set(),
    scopes: opts.scopes ?? ['all'],
    hang: false,
    version: '1.22.3',
    tokenUser: opts.adminUser ?? opts.user ?? 'labdeck',
  };
  const addUser = (login: string, o: { admin?: boolean } = {}): StandinUser => {
    const u = { id: nextId++, login, isAdmin: o.admin === true };
    state.users.set(login.toLowerCase(), u);
    return u;
  };
  const addOrg = (name: string, o: { members?: string[] } = {}): StandinOrg => {
    const org = {
      id: nextId++,
      name,
      members: new Set((o.members ?? [state.tokenUser]).map((m) => m.toLowerCase())),
    };
    state.orgs.set(name.toLowerCase(), org);
    return org;
  };
  addUser(state.tokenUser, { admin: opts.adminUser !== undefined });

  let url = '';
  const error = (status: number, message: string): Reply =>
    new Reply(status, { message, url: `${url}/api/swagger` });
  const notFound = (): Reply =>
    new Reply(404, { errors: [], message: "The target couldn't be found.", url: `${url}/api/swagger` });

  const userJson = (u: StandinUser) => ({
    id: u.id,
    login: u.login,
    login_name: '',
    source_id: 0,
    full_name: '',
    email: `${u.login.toLowerCase()}@noreply.localhost`,
    avatar_url: `${url}/avatars/${u.id}`,
    html_url: `${url}/${u.login}`,
    language: 'en-US',
    is_admin: u.isAdmin,
    last_login: EPOCH,
    created: EPOCH,
    restricted: false,
    active: true,
    prohibit_login: false,
    location: '',
    website: '',
    description: '',
    visibility: 'public',
    followers_count: 0,
    following_count: 0,
    starred_repos_count: 0,
    username: u.login,
  });
  const orgJson = (o: StandinOrg) => ({
    id: o.id,
    name: o.name,
    full_name: '',
    email: '',
    avatar_url: `${url}/avatars/${o.id}`,
    description: '',
    website: '',
    location: '',
    visibility: 'public',
    repo_admin_change_team_access: false,
    username: o.name,
  });
  const ownerJson = (r: StandinRepo) => {
    const org = state.orgs.get(r.owner.toLowerCase());
    if (org) return { ...userJson({ id: org.id, login: org.name, isAdmin: false }), email: '' };
    const u = state.users.get(r.owner.toLowerCase());
    return userJson(u ?? { id: r.ownerId, login: r.owner, isAdmin: false });
  };
  const repoJson = (r: StandinRepo, me: StandinUser) => {
    const admin = isRepoAdmin(r, me);
    return {
      id: r.id,
      owner: ownerJson(r),
      name: r.name,
      full_name: `${r.owner}/${r.name}`,
      description: r.description,
      empty: r.empty,
      private: r.private,
      fork: false,
      template: false,
      parent: null,
      mirror: false,
      size: 0,
      language: '',
      languages_url: `${url}/api/v1/repos/${r.owner}/${r.name}/languages`,
      html_url: `${url}/${r.owner}/${r.name}`,
      url: `${url}/api/v1/repos/${r.owner}/${r.name}`,
      link: '',
      ssh_url: `git@127.0.0.1:${r.owner}/${r.name}.git`,
      clone_url: `${url}/${r.owner}/${r.name}.git`,
      original_url: '',
      website: '',
      stars_count: 0,
      forks_count: 0,
      watchers_count: 1,
      open_issues_count: 0,
      open_pr_counter: 0,
      release_counter: 0,
      default_branch: r.defaultBranch,
      archived: false,
      created_at: r.createdAt,
      updated_at: r.createdAt,
      archived_at: EPOCH,
      permissions: { admin, push: admin || canWrite(r, me), pull: true },
      has_issues: true,
      internal_tracker: {
        enable_time_tracker: true,
        allow_only_contributors_to_track_time: true,
        enable_issue_dependencies: true,
      },
      has_wiki: true,
      has_pull_requests: true,
      has_projects: true,
      has_releases: true,
      has_packages: true,
      has_actions: true,
      ignore_whitespace_conflicts: false,
      allow_merge_commits: true,
      allow_rebase: true,
      allow_rebase_explicit: true,
      allow_squash_merge: true,
      allow_fast_forward_only_merge: true,
      allow_rebase_update: true,
      default_delete_branch_after_merge: false,
      default_merge_style: 'merge',
      default_allow_maintainer_edit: false,
      avatar_url: '',
      internal: false,
      mirror_interval: '',
      object_format_name: 'sha1',
      mirror_updated: '0001-01-01T00:00:00Z',
      repo_transfer: null,
      topics: [],
      licenses: [],
    };
  };
  const keyJson = (r: StandinRepo, k: StandinDeployKey) => ({
    id: k.id,
    key_id: k.keyId,
    key: k.key,
    url: `${url}/api/v1/repos/${r.owner}/${r.name}/keys/${k.id}`,
    title: k.title,
    fingerprint: k.fingerprint,
    created_at: k.createdAt,
    read_only: k.readOnly,
  });

  function isOwnerSide(r: StandinRepo, me: StandinUser): boolean {
    if (me.isAdmin) return true;
    if (r.owner.toLowerCase() === me.login.toLowerCase()) return true;
    return state.orgs.get(r.owner.toLowerCase())?.members.has(me.login.toLowerCase()) ?? false;
  }
  function isRepoAdmin(r: StandinRepo, me: StandinUser): boolean {
    return isOwnerSide(r, me) || r.collaborators.get(me.login.toLowerCase()) === 'admin';
  }
  function canWrite(r: StandinRepo, me: StandinUser): boolean {
    const p = r.collaborators.get(me.login.toLowerCase());
    return isRepoAdmin(r, me) || p === 'write';
  }
  function canSee(r: StandinRepo, me: StandinUser): boolean {
    return !r.private || isOwnerSide(r, me) || r.collaborators.has(me.login.toLowerCase());
  }

  /** Gitea's scope rule: `all`, or the category at the level or above (write covers read). */
  function hasScope(needed: string): boolean {
    if (state.scopes.includes('all')) return true;
    const [level, category] = needed.split(':');
    return state.scopes.some((s) => {
      const [l, c] = s.split(':');
      return c === category && (l === level || (l === 'write' && level === 'read'));
    });
  }

  function createRepo(owner: { login: string; id: number }, body: unknown, me: StandinUser): Reply {
    const b = (body ?? {}) as Record<string, unknown>;
    const name = b.name;
    if (typeof name !== 'string' || name === '') return error(422, '[Name]: Required');
    if (!REPO_NAME.test(name)) return error(422, '[Name]: AlphaDashDot');
    if (['.', '..', '-'].includes(name) || /\.(git|wiki|rss|atom)$/i.test(name)) {
      return error(422, `name is reserved [name: ${name}]`);
    }
    const keyName = `${owner.login.toLowerCase()}/${name.toLowerCase()}`;
    if (state.repos.has(keyName)) return error(409, 'The repository with the same name already exists.');
    const autoInit = b.auto_init === true;
    const repo: StandinRepo = {
      id: nextId++,
      owner: owner.login,
      ownerId: owner.id,
      name,
      description: typeof b.description === 'string' ? b.description : '',
      private: b.private === true,
      defaultBranch: typeof b.default_branch === 'string' && b.default_branch ? b.default_branch : 'main',
      empty: !autoInit,
      createdAt: now(),
      collaborators: new Map(),
      keys: [],
    };
    state.repos.set(keyName, repo);
    return new Reply(201, repoJson(repo, me));
  }

  function route(
    method: string,
    seg: string[],
    query: URLSearchParams,
    body: unknown,
    me: StandinUser,
  ): Reply {
    const need = (scope: string): Reply | null =>
      hasScope(scope)
        ? null
        : error(403, `token does not have at least one of required scope(s): [${scope}]`);
    const [a, b, c, d, e] = seg;

    if (seg.length === 1 && a === 'user' && method === 'GET') {
      return need('read:user') ?? new Reply(200, userJson(me));
    }
    if (seg.length === 2 && a === 'orgs' && method === 'GET') {
      const org = state.orgs.get(b!.toLowerCase());
      return need('read:organization') ?? (org ? new Reply(200, orgJson(org)) : notFound());
    }
    if (seg.length === 2 && a === 'user' && b === 'repos' && method === 'POST') {
      return need('write:repository') ?? createRepo(me, body, me);
    }
    if (seg.length === 3 && a === 'orgs' && c === 'repos' && method === 'POST') {
      const denied = need('write:organization');
      if (denied) return denied;
      const org = state.orgs.get(b!.toLowerCase());
      if (!org) return notFound();
      if (!me.isAdmin && !org.members.has(me.login.toLowerCase())) {
        return error(403, 'Given user is not allowed to create repository in organization.');
      }
      return createRepo({ login: org.name, id: org.id }, body, me);
    }
    if (seg.length === 4 && a === 'admin' && b === 'users' && d === 'repos' && method === 'POST') {
      const denied = need('write:admin');
      if (denied) return denied;
      if (!me.isAdmin) return error(403, 'user should be the site admin');
      const u = state.users.get(c!.toLowerCase());
      const org = state.orgs.get(c!.toLowerCase());
      if (u) return createRepo(u, body, me);
      if (org) return createRepo({ login: org.name, id: org.id }, body, me);
      return notFound();
    }
    if (a === 'repos' && seg.length >= 3) {
      const repo = state.repos.get(`${b!.toLowerCase()}/${c!.toLowerCase()}`);
      const writing = method !== 'GET';
      const denied = need(writing ? 'write:repository' : 'read:repository');
      if (denied) return denied;
      if (!repo || !canSee(repo, me)) return notFound();
      const adminOnly = (): Reply | null =>
        isRepoAdmin(repo, me)
          ? null
          : error(403, 'user should be an owner or a collaborator with admin write of a repository');

      if (seg.length === 3 && method === 'GET') return new Reply(200, repoJson(repo, me));
      if (seg.length === 3 && method === 'DELETE') {
        if (!isOwnerSide(repo, me)) return error(403, 'Given user is not owner of organization.');
        state.repos.delete(`${b!.toLowerCase()}/${c!.toLowerCase()}`);
        return new Reply(204);
      }
      if (seg.length === 4 && d === 'keys' && method === 'GET') {
        const fp = query.get('fingerprint');
        const all = repo.keys.filter((k) => !fp || k.fingerprint === fp);
        const limit = Math.min(Math.max(Number(query.get('limit')) || 30, 1), 50);
        const page = Math.max(Number(query.get('page')) || 1, 1);
        const slice = all.slice((page - 1) * limit, page * limit);
        return new Reply(
          200,
          slice.map((k) => keyJson(repo, k)),
          { 'X-Total-Count': String(all.length) },
        );
      }
      if (seg.length === 4 && d === 'keys' && method === 'POST') {
        const denied2 = adminOnly();
        if (denied2) return denied2;
        const bb = (body ?? {}) as Record<string, unknown>;
        if (typeof bb.title !== 'string' || bb.title === '') return error(422, '[Title]: Required');
        if (typeof bb.key !== 'string' || bb.key === '') return error(422, '[Key]: Required');
        const m = KEY_LINE.exec(bb.key.trim());
        if (!m) return error(422, 'Invalid key content: no key found');
        const identity = `${m[1]} ${m[2]}`;
        if (state.userKeys.has(identity)) return error(422, 'Key content has been used as non-deploy key');
        if (repo.keys.some((k) => KEY_LINE.exec(k.key)?.slice(1, 3).join(' ') === identity)) {
          return error(422, 'This key has already been added to this repository');
        }
        if (repo.keys.some((k) => k.title === bb.title))
          return error(422, 'A key with the same name already exists');
        const fingerprint = `SHA256:${createHash('sha256')
          .update(Buffer.from(m[2]!, 'base64'))
          .digest('base64')
          .replace(/=+$/, '')}`;
        // Gitea shares one key row among the repositories a key is deployed to.
        const shared = [...state.repos.values()]
          .flatMap((r) => r.keys)
          .find((k) => k.fingerprint === fingerprint);
        const key: StandinDeployKey = {
          id: nextId++,
          keyId: shared?.keyId ?? nextId++,
          title: bb.title,
          key: bb.key.trim(),
          fingerprint,
          readOnly: bb.read_only === true,
          createdAt: now(),
        };
        repo.keys.push(key);
        return new Reply(201, keyJson(repo, key));
      }
      if (seg.length === 5 && d === 'keys' && method === 'DELETE') {
        const denied2 = adminOnly();
        if (denied2) return denied2;
        // Gitea deletes a key that is not there without complaint.
        repo.keys = repo.keys.filter((k) => String(k.id) !== e);
        return new Reply(204);
      }
      if (seg.length === 5 && d === 'collaborators' && method === 'PUT') {
        const denied2 = adminOnly();
        if (denied2) return denied2;
        const u = state.users.get(e!.toLowerCase());
        if (!u) return error(422, `user does not exist [uid: 0, name: ${e}]`);
        const p = ((body ?? {}) as { permission?: unknown }).permission;
        const perm = p === 'read' || p === 'write' || p === 'admin' ? p : 'write';
        repo.collaborators.set(u.login.toLowerCase(), perm);
        return new Reply(204);
      }
    }
    return notFound();
  }

  function handle(req: http.IncomingMessage, raw: Buffer): Reply | null {
    const parsed = new URL(req.url ?? '/', 'http://standin');
    let body: unknown = undefined;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8')) as unknown;
      } catch {
        body = raw.toString('utf8');
      }
    }
    state.requests.push({
      method: req.method ?? '',
      path: parsed.pathname,
      query: parsed.search,
      headers: req.headers,
      body,
    });
    if (state.hang) return null;
    if (typeof body === 'string') return error(422, 'invalid JSON');

    if (!parsed.pathname.startsWith('/api/v1/')) return notFound();
    let seg: string[];
    try {
      seg = parsed.pathname
        .slice('/api/v1/'.length)
        .split('/')
        .map((s) => decodeURIComponent(s));
    } catch {
      return error(400, 'bad path');
    }

    const auth = req.headers.authorization;
    const m = auth ? /^(?:token|bearer)\s+(.+)$/i.exec(auth) : null;
    if (auth !== undefined && (!m || m[1] !== opts.token)) {
      return error(401, 'invalid username, password or token');
    }
    if (seg.length === 1 && seg[0] === 'version' && req.method === 'GET') {
      return new Reply(200, { version: state.version });
    }
    if (!m) return error(401, 'token is required');
    const me = state.users.get(state.tokenUser.toLowerCase())!;
    return route(req.method ?? '', seg, parsed.searchParams, body, me);
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (ch: Buffer) => chunks.push(ch));
    req.on('end', () => {
      const reply = handle(req, Buffer.concat(chunks));
      if (!reply) return; // hanging: never answered
      const headers: Record<string, string> = { ...reply.headers };
      if (reply.body === undefined) {
        res.writeHead(reply.status, headers);
        res.end();
        return;
      }
      const text = JSON.stringify(reply.body);
      headers['Content-Type'] = 'application/json;charset=utf-8';
      headers['Content-Length'] = String(Buffer.byteLength(text));
      res.writeHead(reply.status, headers);
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    state,
    addUser,
    addOrg,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

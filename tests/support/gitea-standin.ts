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
//   DELETE /api/v1/repos/{owner}/{repo}/collaborators/{collaborator}
//   POST   /api/v1/admin/users                        (site admin)
//   DELETE /api/v1/admin/users/{username}             (site admin; ?purge=true)
//   GET    /api/v1/users/{username}
//   POST   /api/v1/users/{username}/tokens            (Basic auth only, self or admin; Sudo)
//   DELETE /api/v1/users/{username}/tokens/{id|name}  (Basic auth only; deletes the doer's token)
//
// with Gitea's status codes and error body `{ message, url }` (401 without or with a wrong token,
// 403 for a missing token scope or a non-admin on admin routes or Sudo, 404 for an unknown
// owner/repo/user, 409 for an existing repository, 400 for a token name in use, 422 for a duplicate
// deploy key, an existing user or an unknown collaborator). Credentials: `Authorization: token …`,
// or Basic with the token as password (or as user name); the `Sudo` header is honoured for site
// admins only. Tokens created through the API are real here: they work for API calls and as the
// Basic password for git over HTTP.
//
// Git smart HTTP on /{owner}/{repo}.git/… is served by the real `git http-backend` (CGI) over bare
// repositories in a temporary directory (`<root>/<owner>/<repo>.git`, lower case as Gitea stores
// them), created empty (`main`) with each repository and removed with it. Access as Gitea: anonymous
// → 401 `WWW-Authenticate: Basic realm="Gitea"`; reading a private repository needs its owner side
// or a collaborator; pushing needs the owner side or a write/admin collaborator (403 otherwise; real
// Gitea refuses that push from its pre-receive hook or with 404, so the git client fails either way).
//
// State lives in memory; every API request is recorded (method, raw path, query, headers, body) so
// tests can assert on what was sent (git requests are recorded in `gitRequests`). It checks less
// than Gitea does, and agreeing with it proves agreement with the shapes, not with a real server.
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

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
  email?: string;
  fullName?: string;
  /** 'public' unless created otherwise. */
  visibility?: string;
}

export interface StandinToken {
  id: number;
  name: string;
  /** The token's value. */
  sha1: string;
  /** Lower-case login of the user it belongs to. */
  owner: string;
  scopes: string[];
}

export interface StandinGitRequest {
  method: string;
  path: string;
  query: string;
  /** The authenticated login, or null (anonymous or refused credentials). */
  user: string | null;
  status: number;
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
  /** Tokens created through the API (not the configured one), by value. */
  tokens: Map<string, StandinToken>;
  gitRequests: StandinGitRequest[];
  /** GIT_PROJECT_ROOT: the bare repositories are `<gitRoot>/<owner>/<repo>.git`, lower case. */
  gitRoot: string;
}

export interface GiteaStandinOptions {
  token: string;
  /** When given, the token belongs to this login and it is a site administrator. */
  adminUser?: string;
  /** The token's (non-admin) user when adminUser is not given. Default `labdeck`. */
  user?: string;
  scopes?: string[];
  /** What clone_url / html_url are built from (no trailing slash). Default: the server's own URL. */
  rootUrl?: string;
  /** Where to listen. Default 127.0.0.1, a free port. */
  listen?: { host?: string; port?: number };
}

export interface GiteaStandin {
  /** The address it listens at, e.g. http://127.0.0.1:41234. */
  url: string;
  /** The root URL its answers name (rootUrl, or `url`); setRootUrl changes it. */
  readonly rootUrl: string;
  /** Changes the root URL answers name from now on (e.g. once the port is known). */
  setRootUrl(rootUrl: string): void;
  state: StandinState;
  addUser(login: string, opts?: { admin?: boolean; email?: string }): StandinUser;
  /** An organization; the token's user is a member unless `members` says otherwise. */
  addOrg(name: string, opts?: { members?: string[] }): StandinOrg;
  close(): Promise<void>;
}

const EPOCH = '1970-01-01T00:00:00Z';
const REPO_NAME = /^[A-Za-z0-9_.-]{1,100}$/;
// Gitea's IsValidUsername.
const USER_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9]|[-_.](?=[A-Za-z0-9])){0,39}$/;
const SCOPE =
  /^(?:all|(?:read|write):(?:activitypub|admin|issue|misc|notification|organization|package|repository|user))$/;
const GIT_PATH =
  /^\/([^/]+)\/([^/]+?)(?:\.git)?(\/(?:info\/refs|HEAD|git-upload-pack|git-receive-pack|objects\/.+))$/;
/** Git's environment for the stand-in's own git processes: no user or system configuration. */
function gitEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    LANG: 'C',
  };
}
const KEY_LINE = /^((?:ssh|ecdsa|sk-ssh|sk-ecdsa)-[A-Za-z0-9@.-]+) ([A-Za-z0-9+/]+={0,3})(?: [^\r\n]*)?$/;

interface Caller {
  user: StandinUser;
  scopes: string[];
  /** Whether the credentials came as Basic auth (Gitea's token routes want that). */
  basic: boolean;
}

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
    tokens: new Map(),
    gitRequests: [],
    gitRoot: '',
  };
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'labdeck-gitea-standin-'));
  state.gitRoot = path.join(tmp, 'repos');
  const gitHome = path.join(tmp, 'home');
  mkdirSync(state.gitRoot);
  mkdirSync(gitHome);
  const barePath = (owner: string, name: string): string =>
    path.join(state.gitRoot, owner.toLowerCase(), `${name.toLowerCase()}.git`);
  const addUser = (login: string, o: { admin?: boolean; email?: string } = {}): StandinUser => {
    const u: StandinUser = {
      id: nextId++,
      login,
      isAdmin: o.admin === true,
      email: o.email ?? `${login.toLowerCase()}@noreply.localhost`,
      visibility: 'public',
    };
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

  let root = '';
  const error = (status: number, message: string): Reply =>
    new Reply(status, { message, url: `${root}/api/swagger` });
  const notFound = (): Reply =>
    new Reply(404, { errors: [], message: "The target couldn't be found.", url: `${root}/api/swagger` });

  const userJson = (u: StandinUser) => ({
    id: u.id,
    login: u.login,
    login_name: '',
    source_id: 0,
    full_name: u.fullName ?? '',
    email: u.email ?? `${u.login.toLowerCase()}@noreply.localhost`,
    avatar_url: `${root}/avatars/${u.id}`,
    html_url: `${root}/${u.login}`,
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
    visibility: u.visibility ?? 'public',
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
    avatar_url: `${root}/avatars/${o.id}`,
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
      languages_url: `${root}/api/v1/repos/${r.owner}/${r.name}/languages`,
      html_url: `${root}/${r.owner}/${r.name}`,
      url: `${root}/api/v1/repos/${r.owner}/${r.name}`,
      link: '',
      ssh_url: `git@127.0.0.1:${r.owner}/${r.name}.git`,
      clone_url: `${root}/${r.owner}/${r.name}.git`,
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
    url: `${root}/api/v1/repos/${r.owner}/${r.name}/keys/${k.id}`,
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
  function hasScope(scopes: string[], needed: string): boolean {
    if (scopes.includes('all')) return true;
    const [level, category] = needed.split(':');
    return scopes.some((s) => {
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
    const bare = barePath(owner.login, name);
    rmSync(bare, { recursive: true, force: true });
    mkdirSync(path.dirname(bare), { recursive: true });
    execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch=main', bare], {
      env: gitEnv(gitHome),
      stdio: 'ignore',
    });
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

  function deleteRepo(r: StandinRepo): void {
    state.repos.delete(`${r.owner.toLowerCase()}/${r.name.toLowerCase()}`);
    rmSync(barePath(r.owner, r.name), { recursive: true, force: true });
  }

  function adminCreateUser(body: unknown): Reply {
    const b = (body ?? {}) as Record<string, unknown>;
    const username = b.username;
    const email = b.email;
    if (typeof username !== 'string' || username === '') return error(422, '[Username]: Required');
    if (typeof email !== 'string' || email === '') return error(422, '[Email]: Required');
    if (typeof b.password !== 'string' || b.password.length < 8) {
      return error(400, 'PasswordTooShort: password is too short');
    }
    if (!USER_NAME.test(username)) {
      return error(
        422,
        `name is invalid [${username}]: must be valid alpha or numeric or dash(-_) or dot characters`,
      );
    }
    const lower = username.toLowerCase();
    if (state.users.has(lower) || state.orgs.has(lower)) {
      return error(422, `user already exists [name: ${username}]`);
    }
    if (!/^[^\s@]+@[^\s@]+$/.test(email)) return error(422, `e-mail invalid [email: ${email}]`);
    if ([...state.users.values()].some((u) => u.email?.toLowerCase() === email.toLowerCase())) {
      return error(422, `e-mail already in use [email: ${email}]`);
    }
    const u = addUser(username, { email });
    if (typeof b.full_name === 'string') u.fullName = b.full_name;
    if (b.visibility === 'private' || b.visibility === 'limited') u.visibility = b.visibility;
    return new Reply(201, userJson(u));
  }

  function adminDeleteUser(name: string, query: URLSearchParams, me: StandinUser): Reply {
    const lower = name.toLowerCase();
    const org = state.orgs.get(lower);
    if (org) return error(422, `${org.name} is an organization not a user`);
    const u = state.users.get(lower);
    if (!u) return notFound();
    if (u.id === me.id) return error(422, 'you cannot delete yourself');
    const owned = [...state.repos.values()].filter((r) => r.owner.toLowerCase() === lower);
    const purge = query.get('purge') === 'true';
    if (owned.length > 0 && !purge) {
      return error(422, `user still has ownership of repositories [uid: ${u.id}]`);
    }
    for (const r of owned) deleteRepo(r);
    for (const r of state.repos.values()) r.collaborators.delete(lower);
    for (const o of state.orgs.values()) o.members.delete(lower);
    for (const [sha, t] of state.tokens) if (t.owner === lower) state.tokens.delete(sha);
    state.users.delete(lower);
    return new Reply(204);
  }

  function route(method: string, seg: string[], query: URLSearchParams, body: unknown, who: Caller): Reply {
    const me = who.user;
    const need = (scope: string): Reply | null =>
      hasScope(who.scopes, scope)
        ? null
        : error(403, `token does not have at least one of required scope(s): [${scope}]`);
    const [a, b, c, d, e] = seg;

    if (a === 'admin') {
      const denied = need(method === 'GET' ? 'read:admin' : 'write:admin');
      if (denied) return denied;
      if (!me.isAdmin) return error(403, 'user should be the site admin');
      if (seg.length === 2 && b === 'users' && method === 'POST') return adminCreateUser(body);
      if (seg.length === 3 && b === 'users' && method === 'DELETE') return adminDeleteUser(c!, query, me);
    }
    if (a === 'users' && seg.length >= 2) {
      const denied = need(method === 'GET' ? 'read:user' : 'write:user');
      if (denied) return denied;
      const u = state.users.get(b!.toLowerCase());
      const visible = u && (u.visibility !== 'private' || me.isAdmin || u.id === me.id);
      if (seg.length === 2 && method === 'GET') {
        const org = state.orgs.get(b!.toLowerCase());
        if (org)
          return new Reply(200, { ...userJson({ id: org.id, login: org.name, isAdmin: false }), email: '' });
        return visible ? new Reply(200, userJson(u)) : notFound();
      }
      if (c === 'tokens' && (seg.length === 3 || seg.length === 4)) {
        if (!u || !visible) return notFound();
        if (!me.isAdmin && u.id !== me.id) {
          return error(403, 'doer should be the site admin or be same as the contextUser');
        }
        if (!who.basic) return error(401, 'auth required');
        if (seg.length === 3 && method === 'POST') {
          const bb = (body ?? {}) as Record<string, unknown>;
          if (typeof bb.name !== 'string' || bb.name === '') return error(422, '[Name]: Required');
          const name = bb.name;
          const owner = u.login.toLowerCase();
          if ([...state.tokens.values()].some((t) => t.owner === owner && t.name === name)) {
            return error(400, 'access token name has been used already');
          }
          const scopes: unknown[] = Array.isArray(bb.scopes) ? (bb.scopes as unknown[]) : [];
          const badScope = scopes.find((s) => typeof s !== 'string' || !SCOPE.test(s));
          if (badScope !== undefined) {
            return error(
              400,
              `invalid access token scope provided: invalid access token scope: ${JSON.stringify(badScope)}`,
            );
          }
          const t: StandinToken = {
            id: nextId++,
            name,
            sha1: randomBytes(20).toString('hex'),
            owner,
            scopes: scopes as string[],
          };
          state.tokens.set(t.sha1, t);
          return new Reply(201, {
            id: t.id,
            name: t.name,
            sha1: t.sha1,
            token_last_eight: t.sha1.slice(-8),
            scopes: t.scopes,
          });
        }
        if (seg.length === 4 && method === 'DELETE') {
          const owner = u.login.toLowerCase();
          const byId = /^[1-9]\d*$/.test(d!) ? Number(d) : 0;
          const matches = [...state.tokens.values()].filter((t) =>
            byId ? t.id === byId : t.owner === owner && t.name === d,
          );
          if (matches.length === 0) return notFound();
          if (matches.length > 1) return error(422, `multiple matches for token name '${d}'`);
          const t = matches[0]!;
          // Gitea deletes only the doer's own token (DeleteAccessTokenByID(id, doer)).
          if (t.owner !== me.login.toLowerCase()) return notFound();
          state.tokens.delete(t.sha1);
          return new Reply(204);
        }
      }
      return notFound();
    }

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
        deleteRepo(repo);
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
      if (seg.length === 5 && d === 'collaborators' && method === 'DELETE') {
        const denied2 = adminOnly();
        if (denied2) return denied2;
        const u = state.users.get(e!.toLowerCase());
        if (!u) return error(422, `user does not exist [uid: 0, name: ${e}]`);
        repo.collaborators.delete(u.login.toLowerCase());
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

    const who = authenticate(req.headers.authorization);
    if (who === 'bad') return error(401, 'invalid username, password or token');
    if (seg.length === 1 && seg[0] === 'version' && req.method === 'GET') {
      return new Reply(200, { version: state.version });
    }
    if (who === null) return error(401, 'token is required');
    const sudo = parsed.searchParams.get('sudo') ?? req.headers.sudo;
    if (typeof sudo === 'string' && sudo !== '') {
      if (!who.user.isAdmin) return error(403, 'Only administrators allowed to sudo.');
      const as = state.users.get(sudo.toLowerCase());
      if (!as) return notFound();
      who.user = as;
    }
    return route(req.method ?? '', seg, parsed.searchParams, body, who);
  }

  /**
   * The caller behind an Authorization header: null when there is none, 'bad' when it names no
   * valid token. Basic: the token as password (the user name must be its owner's), or as user name
   * with an empty or `x-oauth-basic` password.
   */
  function authenticate(auth: string | undefined): Caller | 'bad' | null {
    if (auth === undefined) return null;
    let value: string;
    let claimed: string | null = null;
    let basic = false;
    const t = /^(?:token|bearer)\s+(\S+)$/i.exec(auth);
    const b = /^basic\s+([A-Za-z0-9+/=]+)$/i.exec(auth);
    if (t) value = t[1]!;
    else if (b) {
      basic = true;
      const text = Buffer.from(b[1]!, 'base64').toString('utf8');
      const i = text.indexOf(':');
      const user = i < 0 ? text : text.slice(0, i);
      const pass = i < 0 ? '' : text.slice(i + 1);
      if (pass === '' || pass === 'x-oauth-basic') value = user;
      else {
        value = pass;
        claimed = user.toLowerCase();
      }
    } else return 'bad';
    let login: string;
    let scopes: string[];
    if (value === opts.token) {
      login = state.tokenUser.toLowerCase();
      scopes = state.scopes;
    } else {
      const tok = state.tokens.get(value);
      if (!tok) return 'bad';
      login = tok.owner;
      scopes = tok.scopes;
    }
    const user = state.users.get(login);
    if (!user || (claimed !== null && claimed !== login)) return 'bad';
    return { user, scopes, basic };
  }

  // -------------------------------------------------------------------------------------------
  // Git smart HTTP through `git http-backend`.

  function gitReply(
    res: http.ServerResponse,
    status: number,
    text: string,
    headers: Record<string, string> = {},
  ): void {
    res.writeHead(status, { 'Content-Type': 'text/plain;charset=utf-8', ...headers });
    res.end(`${text}\n`);
  }

  function serveGit(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    m: RegExpExecArray,
    parsed: URL,
    raw: Buffer,
  ): void {
    const [, owner, name, rest] = m as unknown as [string, string, string, string];
    const push =
      rest === '/git-receive-pack' ||
      (rest === '/info/refs' && parsed.searchParams.get('service') === 'git-receive-pack');
    const record = (user: string | null, status: number): void => {
      state.gitRequests.push({
        method: req.method ?? '',
        path: parsed.pathname,
        query: parsed.search,
        user,
        status,
      });
    };
    let key: string;
    try {
      key = `${decodeURIComponent(owner)}/${decodeURIComponent(name)}`.toLowerCase();
    } catch {
      record(null, 400);
      gitReply(res, 400, 'bad path');
      return;
    }
    const repo = state.repos.get(key);
    if (!repo) {
      record(null, 404);
      gitReply(res, 404, 'Repository not found');
      return;
    }
    const who = authenticate(req.headers.authorization);
    if (who === 'bad' || (who === null && (push || repo.private))) {
      record(null, 401);
      gitReply(res, 401, 'Unauthorized', { 'WWW-Authenticate': 'Basic realm="Gitea"' });
      return;
    }
    const me = who?.user ?? null;
    const login = me?.login ?? null;
    if (who && !hasScope(who.scopes, push ? 'write:repository' : 'read:repository')) {
      record(login, 403);
      gitReply(res, 403, 'user should have scope for repository');
      return;
    }
    if (me && !canSee(repo, me)) {
      record(login, 404);
      gitReply(res, 404, 'Repository not found');
      return;
    }
    if (push && me && !canWrite(repo, me)) {
      record(login, 403);
      gitReply(res, 403, 'User permission denied for writing.');
      return;
    }
    const env: NodeJS.ProcessEnv = {
      ...gitEnv(gitHome),
      GIT_PROJECT_ROOT: state.gitRoot,
      GIT_HTTP_EXPORT_ALL: '1',
      GATEWAY_INTERFACE: 'CGI/1.1',
      REQUEST_METHOD: req.method ?? 'GET',
      PATH_INFO: `/${repo.owner.toLowerCase()}/${repo.name.toLowerCase()}.git${rest}`,
      QUERY_STRING: parsed.search.replace(/^\?/, ''),
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      CONTENT_LENGTH: String(raw.length),
      REMOTE_ADDR: req.socket.remoteAddress ?? '',
      ...(login ? { REMOTE_USER: login } : {}),
      ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: req.headers['content-encoding'] } : {}),
      ...(typeof req.headers['git-protocol'] === 'string'
        ? { GIT_PROTOCOL: req.headers['git-protocol'] }
        : {}),
    };
    const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(child);
    let head = Buffer.alloc(0);
    let headersDone = false;
    let status = 200;
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    child.stdout.on('data', (c: Buffer) => {
      if (headersDone) {
        res.write(c);
        return;
      }
      head = Buffer.concat([head, c]);
      const crlf = head.indexOf('\r\n\r\n');
      const lf = head.indexOf('\n\n');
      const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf + 4 : lf >= 0 ? lf + 2 : -1;
      if (end < 0) return;
      headersDone = true;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString('latin1').split(/\r?\n/)) {
        const i = line.indexOf(':');
        if (i <= 0) continue;
        const k = line.slice(0, i).trim();
        const v = line.slice(i + 1).trim();
        if (k.toLowerCase() === 'status') status = Number.parseInt(v, 10) || 200;
        else headers[k] = v;
      }
      record(login, status);
      res.writeHead(status, headers);
      res.write(head.subarray(end));
    });
    child.on('error', (err) => {
      children.delete(child);
      if (!headersDone) {
        headersDone = true;
        record(login, 500);
        gitReply(res, 500, `git http-backend: ${err.message}`);
      } else res.destroy();
    });
    child.on('close', (code) => {
      children.delete(child);
      if (!headersDone) {
        headersDone = true;
        record(login, 500);
        gitReply(res, 500, `git http-backend failed (${code}): ${stderr.trim()}`);
        return;
      }
      if (push && code === 0) {
        try {
          const refs = execFileSync('git', ['for-each-ref', '--count=1'], {
            cwd: barePath(repo.owner, repo.name),
            env: gitEnv(gitHome),
          });
          repo.empty = refs.length === 0;
        } catch {
          // the repository was deleted meanwhile
        }
      }
      res.end();
    });
    child.stdin.on('error', () => {
      // http-backend may exit before reading all input (e.g. on a refused request)
    });
    child.stdin.end(raw);
  }

  const children = new Set<ReturnType<typeof spawn>>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (ch: Buffer) => chunks.push(ch));
    req.on('end', () => {
      const parsed = new URL(req.url ?? '/', 'http://standin');
      const git = GIT_PATH.exec(parsed.pathname);
      if (git && !parsed.pathname.startsWith('/api/')) {
        serveGit(req, res, git, parsed, Buffer.concat(chunks));
        return;
      }
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
  const host = opts.listen?.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.listen?.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${(server.address() as AddressInfo).port}`;
  root = (opts.rootUrl ?? url).replace(/\/+$/, '');

  return {
    url,
    get rootUrl() {
      return root;
    },
    setRootUrl: (rootUrl: string) => {
      root = rootUrl.replace(/\/+$/, '');
    },
    state,
    addUser,
    addOrg,
    close: () =>
      new Promise<void>((resolve) => {
        for (const child of children) child.kill('SIGKILL');
        server.closeAllConnections();
        server.close(() => {
          rmSync(tmp, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}

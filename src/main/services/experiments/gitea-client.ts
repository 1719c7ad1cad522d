// A small client for Gitea's REST API (v1): the few calls experiment creation needs — repositories,
// deploy keys, collaborators, and (with a site-admin token) users and their access tokens. It
// speaks node:http / node:https so a custom Agent can carry it (e.g. over an SSH forward), and every
// step that creates something is safe to repeat.
//
// The token travels only in the Authorization header: it never appears in an error message.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { ApiError } from '../../../shared/api/errors';

export interface GiteaClientOptions {
  /** Gitea's root URL, e.g. `https://git.example.org` or `http://127.0.0.1:3000/gitea`. */
  baseUrl: string;
  /** An access token (Gitea: Settings → Applications). */
  token: string;
  /** Carries the requests (e.g. over an SSH forward); must suit the URL's protocol. */
  agent?: http.Agent;
  /** Whole-request limit in milliseconds (connect, send, answer). Default 15 s. */
  timeoutMs?: number;
}

export interface GiteaRepo {
  id: number;
  /** The owner's login (a user or an organization). */
  owner: string;
  name: string;
  fullName: string;
  cloneUrl: string;
  sshUrl: string;
  htmlUrl: string;
  private: boolean;
  defaultBranch: string;
  empty: boolean;
}

export interface GiteaDeployKey {
  id: number;
  title: string;
  key: string;
  fingerprint: string;
  readOnly: boolean;
}

export interface CreateRepoInput {
  /** An organization, or (with an admin token) another user; omitted: the token's own user. */
  owner?: string;
  name: string;
  description: string;
  private: boolean;
}

export type CollaboratorPermission = 'read' | 'write' | 'admin';

export interface EnsureUserInput {
  username: string;
  email: string;
  fullName?: string;
}

export interface GiteaUser {
  id: number;
  login: string;
}

export interface GiteaToken {
  id: number;
  name: string;
  /** The token's value: Gitea shows it only in the answer that creates it. */
  sha1: string;
}

export const GITEA_TIMEOUT_MS = 15_000;
/** Answers larger than this are cut off: none of the calls here returns anything near it. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;
const KEYS_PAGE = 50;

// ---------------------------------------------------------------------------------------------
// Validation: names go into URL paths, so they are checked before any request is made.

// Gitea allows a leading '-' in repository names; refused here so a name can never read as an option.
const REPO_NAME = /^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,99}$/;
// Gitea's user and organization names: letters, digits, '-', '_', '.', starting with a letter or
// digit; at most 40.
const OWNER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$/;
const RESERVED_REPO_NAMES = new Set(['.', '..', '-']);
const RESERVED_REPO_SUFFIXES = ['.git', '.wiki', '.rss', '.atom'];
// Gitea reserves these endings for user names (they are routes); .git and .wiki would read wrongly in a clone URL.
const RESERVED_OWNER_SUFFIXES = ['.git', '.wiki', '.keys', '.gpg', '.rss', '.atom', '.png'];
// Gitea's rule for new user names (IsValidUsername): starts with a letter or digit, no two of
// '-', '_', '.' in a row, and none of them at the end; at most 40.
const USER_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9]|[-_.](?=[A-Za-z0-9])){0,39}$/;
// Names Gitea reserves for users (they are its routes).
const RESERVED_USER_NAMES = new Set([
  'admin',
  'api',
  'assets',
  'attachments',
  'avatar',
  'avatars',
  'captcha',
  'commits',
  'debug',
  'error',
  'explore',
  'favicon.ico',
  'ghost',
  'gitea-actions',
  'issues',
  'login',
  'manifest.json',
  'metrics',
  'milestones',
  'new',
  'notifications',
  'org',
  'pulls',
  'raw',
  'repo',
  'repo-avatars',
  'robots.txt',
  'search',
  'serviceworker.js',
  'ssh_info',
  'swagger.v1.json',
  'user',
  'v2',
]);
// A token name: Gitea deletes a token "by id, else by name", so a name must never read as a number.
const TOKEN_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,99}$/;
const TOKEN_SCOPE =
  /^(?:all|(?:read|write):(?:activitypub|admin|issue|misc|notification|organization|package|repository|user))$/;
// An OpenSSH public key line: type, base64 blob, optional comment.
const PUBLIC_KEY = /^((?:ssh|ecdsa|sk-ssh|sk-ecdsa)-[A-Za-z0-9@.-]+) ([A-Za-z0-9+/]+={0,3})(?: [^\r\n]*)?$/;

function describe(value: string): string {
  const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return JSON.stringify(shown);
}

export function validateRepoName(name: unknown, field = 'name'): string {
  if (typeof name !== 'string' || !REPO_NAME.test(name)) {
    throw new ApiError(
      'VALIDATION',
      `The repository name ${typeof name === 'string' ? describe(name) : ''} is not usable on Gitea: use 1 to 100 letters, digits, '-', '_' or '.', not starting with '-'.`,
      field,
    );
  }
  const lower = name.toLowerCase();
  if (RESERVED_REPO_NAMES.has(name) || RESERVED_REPO_SUFFIXES.some((s) => lower.endsWith(s))) {
    throw new ApiError(
      'VALIDATION',
      `The repository name ${describe(name)} is reserved on Gitea (not '.', '..', '-', nor ending in ${RESERVED_REPO_SUFFIXES.join(', ')}).`,
      field,
    );
  }
  return name;
}

export function validateOwnerName(owner: unknown, field = 'owner'): string {
  if (typeof owner !== 'string' || !OWNER_NAME.test(owner)) {
    throw new ApiError(
      'VALIDATION',
      `The Gitea user or organization name ${typeof owner === 'string' ? describe(owner) : ''} is not valid: use 1 to 40 letters, digits, '-', '_' or '.', starting with a letter or digit.`,
      field,
    );
  }
  const lower = owner.toLowerCase();
  if (RESERVED_OWNER_SUFFIXES.some((s) => lower.endsWith(s))) {
    throw new ApiError(
      'VALIDATION',
      `The Gitea user or organization name ${describe(owner)} is reserved (it may not end in ${RESERVED_OWNER_SUFFIXES.join(', ')}).`,
      field,
    );
  }
  return owner;
}

/** A name for a new Gitea user (stricter than validateOwnerName: Gitea's rule for creating one). */
export function validateUserName(username: unknown, field = 'username'): string {
  if (typeof username !== 'string' || !USER_NAME.test(username)) {
    throw new ApiError(
      'VALIDATION',
      `The Gitea user name ${typeof username === 'string' ? describe(username) : ''} is not valid: use 1 to 40 letters, digits, '-', '_' or '.', starting and ending with a letter or digit, without two of '-', '_', '.' in a row.`,
      field,
    );
  }
  const lower = username.toLowerCase();
  if (RESERVED_USER_NAMES.has(lower) || RESERVED_OWNER_SUFFIXES.some((s) => lower.endsWith(s))) {
    throw new ApiError(
      'VALIDATION',
      `The Gitea user name ${describe(username)} is reserved by Gitea.`,
      field,
    );
  }
  return username;
}

function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** Checks a createRepo input whole, before any request; answers the repository name. */
function validateCreate(input: CreateRepoInput): string {
  const name = validateRepoName(input.name);
  if (input.owner !== undefined) validateOwnerName(input.owner);
  if (typeof input.description !== 'string' || input.description.length > 2048) {
    throw new ApiError(
      'VALIDATION',
      'The repository description must be text of at most 2048 characters.',
      'description',
    );
  }
  return name;
}

/** The key's type and base64 blob (the comment dropped): what identifies an SSH key. */
function keyIdentity(key: string): string | null {
  const m = PUBLIC_KEY.exec(key.trim());
  return m ? `${m[1]} ${m[2]}` : null;
}

// ---------------------------------------------------------------------------------------------
// Gitea's JSON (snake_case), as much of it as is read here.

interface RawUser {
  id?: number;
  login?: string;
  is_admin?: boolean;
}
interface RawRepo {
  id?: number;
  owner?: RawUser;
  name?: string;
  full_name?: string;
  clone_url?: string;
  ssh_url?: string;
  html_url?: string;
  private?: boolean;
  default_branch?: string;
  empty?: boolean;
}
interface RawDeployKey {
  id?: number;
  title?: string;
  key?: string;
  fingerprint?: string;
  read_only?: boolean;
}

/** How a call authenticates, when not plainly with the token header. */
interface As {
  /** Act as this user (site admins only): Gitea's `Sudo` header. */
  sudo?: string;
  /** Send the token as the password of Basic auth for this login (Gitea's token routes want Basic). */
  basicUser?: string;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

/** What a call is about, for error sentences and for the scope a 403 points at. */
interface Ctx {
  /** e.g. `repository alice/notes`. */
  what: string;
  /** The token scope the call needs, named when Gitea refuses it. */
  scope: string;
  /** Statuses handed back to the caller instead of thrown. */
  accept?: number[];
  /** The sentence for a 404, when it is about something other than `what`. */
  notFound?: string;
}

export class GiteaClient {
  private readonly base: URL;
  /** The path Gitea is mounted under: '' at the root, or e.g. '/gitea'. */
  private readonly basePath: string;
  /** The URL as shown in messages: no credentials, no trailing slash. */
  readonly displayUrl: string;
  private readonly token: string;
  private readonly agent: http.Agent | undefined;
  private readonly timeoutMs: number;
  private me: Promise<{ login: string; isAdmin: boolean }> | null = null;

  constructor(opts: GiteaClientOptions) {
    let url: URL;
    try {
      url = new URL(opts.baseUrl);
    } catch {
      throw new ApiError(
        'VALIDATION',
        'The Gitea URL is not a valid URL (expected e.g. https://git.example.org).',
        'baseUrl',
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ApiError('VALIDATION', 'The Gitea URL must start with http:// or https://.', 'baseUrl');
    }
    if (url.username || url.password) {
      throw new ApiError(
        'VALIDATION',
        'The Gitea URL must not carry a user name or password; give a token instead.',
        'baseUrl',
      );
    }
    url.search = '';
    url.hash = '';
    this.base = url;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.displayUrl = `${url.origin}${this.basePath}`;
    if (typeof opts.token !== 'string' || opts.token.length === 0 || /[^\x21-\x7e]/.test(opts.token)) {
      // Never echo the token: it may be a real one with a stray newline.
      throw new ApiError(
        'VALIDATION',
        'The Gitea token is empty or has spaces or control characters in it.',
        'token',
      );
    }
    this.token = opts.token;
    this.agent = opts.agent;
    this.timeoutMs = opts.timeoutMs ?? GITEA_TIMEOUT_MS;
  }

  // -------------------------------------------------------------------------------------------
  // Calls

  async version(): Promise<string> {
    const a = await this.call('GET', ['version'], undefined, { what: 'the version', scope: 'none' });
    const v = (a.body as { version?: unknown } | null)?.version;
    if (typeof v !== 'string') throw this.notGitea('/api/v1/version');
    return v;
  }

  async currentUser(): Promise<{ login: string; isAdmin: boolean }> {
    const a = await this.call('GET', ['user'], undefined, { what: 'the token’s user', scope: 'read:user' });
    const u = a.body as RawUser | null;
    if (!u || typeof u.login !== 'string') throw this.notGitea('/api/v1/user');
    return { login: u.login, isAdmin: u.is_admin === true };
  }

  async getRepo(owner: string, name: string): Promise<GiteaRepo | null> {
    validateOwnerName(owner);
    validateRepoName(name);
    const a = await this.call('GET', ['repos', owner, name], undefined, {
      what: `repository ${owner}/${name}`,
      scope: 'read:repository',
      accept: [404],
    });
    return a.status === 404 ? null : this.toRepo(a.body);
  }

  /**
   * Creates an empty repository (no README, default branch `main`). With `owner`: an organization
   * the token's user may create in, the token's user itself, or (admin token) any other user.
   * An existing repository is a CONFLICT: use ensureRepo to get-or-create.
   */
  async createRepo(input: CreateRepoInput): Promise<GiteaRepo> {
    const name = validateCreate(input);
    const body = {
      name,
      description: input.description,
      private: input.private === true,
      auto_init: false,
      default_branch: 'main',
    };
    const what = `repository ${input.owner ?? '(your user)'}/${name}`;
    if (input.owner === undefined) {
      const a = await this.call('POST', ['user', 'repos'], body, { what, scope: 'write:repository' });
      return this.toRepo(a.body);
    }
    const owner = input.owner;
    const org = await this.call('GET', ['orgs', owner], undefined, {
      what: `organization ${owner}`,
      scope: 'read:organization',
      accept: [404],
    });
    if (org.status !== 404) {
      const a = await this.call('POST', ['orgs', owner, 'repos'], body, {
        what: `repository ${owner}/${name}`,
        scope: 'write:organization',
        notFound: `Gitea at ${this.displayUrl} has no organization named ${owner}.`,
      });
      return this.toRepo(a.body);
    }
    const me = await this.whoAmI();
    if (me.login.toLowerCase() === owner.toLowerCase()) {
      const a = await this.call('POST', ['user', 'repos'], body, {
        what: `repository ${owner}/${name}`,
        scope: 'write:repository',
      });
      return this.toRepo(a.body);
    }
    if (!me.isAdmin) {
      throw new ApiError(
        'PERMISSION_DENIED',
        `Gitea at ${this.displayUrl} has no organization ${owner}, and the token's user ${me.login} is not a site administrator, so it cannot create repositories for the user ${owner}.`,
      );
    }
    const a = await this.call('POST', ['admin', 'users', owner, 'repos'], body, {
      what: `repository ${owner}/${name}`,
      scope: 'write:admin',
      notFound: `Gitea at ${this.displayUrl} has no user or organization named ${owner}.`,
    });
    return this.toRepo(a.body);
  }

  /** Gets the repository, creating it when missing (repeating this is safe, also when racing). */
  async ensureRepo(input: CreateRepoInput): Promise<GiteaRepo> {
    validateCreate(input);
    const owner = input.owner === undefined ? (await this.whoAmI()).login : validateOwnerName(input.owner);
    const found = await this.getRepo(owner, input.name);
    if (found) return found;
    try {
      return await this.createRepo(input);
    } catch (err) {
      // Created meanwhile by someone else (or a retried request that did land): take it.
      if (err instanceof ApiError && err.code === 'CONFLICT') {
        const again = await this.getRepo(owner, input.name);
        if (again) return again;
      }
      throw err;
    }
  }

  /** Deletes the repository; one already gone counts as deleted. */
  async deleteRepo(owner: string, name: string): Promise<void> {
    validateOwnerName(owner);
    validateRepoName(name);
    await this.call('DELETE', ['repos', owner, name], undefined, {
      what: `repository ${owner}/${name}`,
      scope: 'write:repository',
      accept: [404],
    });
  }

  async listDeployKeys(owner: string, name: string): Promise<GiteaDeployKey[]> {
    validateOwnerName(owner);
    validateRepoName(name);
    const out: GiteaDeployKey[] = [];
    for (let page = 1; page <= 100; page++) {
      const a = await this.call(
        'GET',
        ['repos', owner, name, 'keys'],
        undefined,
        { what: `repository ${owner}/${name}`, scope: 'read:repository' },
        { page: String(page), limit: String(KEYS_PAGE) },
      );
      if (!Array.isArray(a.body)) throw this.notGitea(`/api/v1/repos/${owner}/${name}/keys`);
      const batch = (a.body as RawDeployKey[]).map((k) => this.toDeployKey(k));
      out.push(...batch);
      const total = Number(a.headers['x-total-count']);
      if (batch.length === 0 || (Number.isFinite(total) && out.length >= total)) break;
      if (!Number.isFinite(total) && batch.length < KEYS_PAGE) break;
    }
    return out;
  }

  /**
   * Adds a deploy key. The same key already on the repository (same type and blob, any comment)
   * is returned as it is: repeating this is safe. The same key with other access is a CONFLICT.
   */
  async addDeployKey(
    owner: string,
    name: string,
    input: { title: string; key: string; readOnly: boolean },
  ): Promise<GiteaDeployKey> {
    validateOwnerName(owner);
    validateRepoName(name);
    if (
      typeof input.title !== 'string' ||
      input.title.trim() === '' ||
      input.title.length > 255 ||
      hasControl(input.title)
    ) {
      throw new ApiError(
        'VALIDATION',
        'The deploy key title must be 1 to 255 characters, without control characters.',
        'title',
      );
    }
    const identity = typeof input.key === 'string' ? keyIdentity(input.key) : null;
    if (identity === null) {
      throw new ApiError(
        'VALIDATION',
        'The deploy key is not an OpenSSH public key line (e.g. "ssh-ed25519 AAAA… comment").',
        'key',
      );
    }
    const what = `repository ${owner}/${name}`;
    const a = await this.call(
      'POST',
      ['repos', owner, name, 'keys'],
      { title: input.title, key: input.key.trim(), read_only: input.readOnly },
      { what, scope: 'write:repository', accept: [422] },
    );
    if (a.status !== 422) return this.toDeployKey(a.body as RawDeployKey);
    // Gitea says 422 for a key already on this repository (and for other refusals): look for it.
    const existing = (await this.listDeployKeys(owner, name)).find((k) => keyIdentity(k.key) === identity);
    if (existing) {
      if (existing.readOnly !== input.readOnly) {
        throw new ApiError(
          'CONFLICT',
          `This key is already a ${existing.readOnly ? 'read-only' : 'read-write'} deploy key of ${what} on Gitea (titled ${describe(existing.title)}); remove it there to add it with other access.`,
        );
      }
      return existing;
    }
    throw this.statusError(a, { what, scope: 'write:repository' });
  }

  /** Removes a deploy key; one already gone counts as removed. */
  async deleteDeployKey(owner: string, name: string, id: number): Promise<void> {
    validateOwnerName(owner);
    validateRepoName(name);
    if (!Number.isSafeInteger(id) || id <= 0) {
      throw new ApiError('VALIDATION', 'A deploy key id is a positive whole number.', 'id');
    }
    await this.call('DELETE', ['repos', owner, name, 'keys', String(id)], undefined, {
      what: `deploy key ${id} of repository ${owner}/${name}`,
      scope: 'write:repository',
      accept: [404],
    });
  }

  /** Adds the user as a collaborator, or sets their permission if already one (safe to repeat). */
  async addCollaborator(
    owner: string,
    name: string,
    user: string,
    permission: CollaboratorPermission,
  ): Promise<void> {
    validateOwnerName(owner);
    validateRepoName(name);
    validateOwnerName(user, 'user');
    if (permission !== 'read' && permission !== 'write' && permission !== 'admin') {
      throw new ApiError('VALIDATION', "A collaborator's permission is read, write or admin.", 'permission');
    }
    const what = `repository ${owner}/${name}`;
    const a = await this.call(
      'PUT',
      ['repos', owner, name, 'collaborators', user],
      { permission },
      { what, scope: 'write:repository', accept: [422] },
    );
    if (a.status === 422) {
      const msg = this.giteaMessage(a.body);
      // Gitea answers 422 "user does not exist [...]" for an unknown collaborator.
      if (/user does not exist/i.test(msg)) {
        throw new ApiError('NOT_FOUND', `Gitea at ${this.displayUrl} has no user ${user} to add to ${what}.`);
      }
      throw this.statusError(a, { what, scope: 'write:repository' });
    }
  }

  /** Removes the user from the repository's collaborators; one not there (or gone) counts as removed. */
  async removeCollaborator(owner: string, name: string, user: string): Promise<void> {
    validateOwnerName(owner);
    validateRepoName(name);
    validateOwnerName(user, 'user');
    const what = `repository ${owner}/${name}`;
    const a = await this.call('DELETE', ['repos', owner, name, 'collaborators', user], undefined, {
      what,
      scope: 'write:repository',
      accept: [404, 422],
    });
    // Gitea answers 422 "user does not exist [...]" for an unknown user: nothing to remove then.
    if (a.status === 422 && !/user does not exist/i.test(this.giteaMessage(a.body))) {
      throw this.statusError(a, { what, scope: 'write:repository' });
    }
  }

  /**
   * Site admin: gets the user, creating it when missing (private, a random password nobody knows,
   * no e-mail sent). Safe to repeat. A name taken by an organization is a CONFLICT.
   */
  async ensureUser(input: EnsureUserInput): Promise<GiteaUser> {
    const username = validateUserName(input.username);
    const email = input.email;
    if (
      typeof email !== 'string' ||
      email.length > 254 ||
      !/^[^\s@<>()[\],;:"\\]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(email)
    ) {
      throw new ApiError('VALIDATION', 'The e-mail address for the Gitea user is not valid.', 'email');
    }
    const fullName = input.fullName;
    if (
      fullName !== undefined &&
      (typeof fullName !== 'string' || fullName.length > 100 || hasControl(fullName))
    ) {
      throw new ApiError(
        'VALIDATION',
        "The Gitea user's full name must be at most 100 characters, without control characters.",
        'fullName',
      );
    }
    const what = `user ${username}`;
    const body = {
      username,
      email,
      ...(fullName === undefined ? {} : { full_name: fullName }),
      password: randomBytes(16).toString('hex'),
      must_change_password: false,
      send_notify: false,
      visibility: 'private',
    };
    const a = await this.call('POST', ['admin', 'users'], body, {
      what,
      scope: 'write:admin',
      accept: [422],
    });
    if (a.status !== 422) return this.toUser(a.body);
    const msg = this.giteaMessage(a.body);
    if (!/user already exists/i.test(msg)) throw this.statusError(a, { what, scope: 'write:admin' });
    // Users and organizations share names: one that is an organization is not ours to use.
    const org = await this.call('GET', ['orgs', username], undefined, {
      what: `organization ${username}`,
      scope: 'read:organization',
      accept: [404],
    });
    if (org.status !== 404) {
      throw new ApiError(
        'CONFLICT',
        `Gitea at ${this.displayUrl} has an organization named ${username}, so no user can have that name.`,
      );
    }
    const u = await this.call('GET', ['users', username], undefined, { what, scope: 'read:user' });
    return this.toUser(u.body);
  }

  /**
   * Site admin: deletes the user; one already gone counts as deleted. `purge` also deletes what it
   * owns (repositories, organization memberships) instead of refusing.
   */
  async deleteUser(username: string, opts: { purge?: boolean } = {}): Promise<void> {
    validateOwnerName(username, 'username');
    await this.call(
      'DELETE',
      ['admin', 'users', username],
      undefined,
      { what: `user ${username}`, scope: 'write:admin', accept: [404] },
      opts.purge === true ? { purge: 'true' } : undefined,
    );
  }

  /**
   * Site admin: creates an access token for the user (acting as them with the Sudo header; Gitea
   * takes token calls only with Basic auth). A token of that name already there is deleted first,
   * so repeating this is safe and always answers a fresh value (the old one stops working).
   */
  async createToken(username: string, input: { name: string; scopes: string[] }): Promise<GiteaToken> {
    validateOwnerName(username, 'username');
    if (typeof input.name !== 'string' || !TOKEN_NAME.test(input.name)) {
      throw new ApiError(
        'VALIDATION',
        "A Gitea token name is 1 to 100 letters, digits, '-', '_' or '.', starting with a letter.",
        'name',
      );
    }
    if (
      !Array.isArray(input.scopes) ||
      input.scopes.length === 0 ||
      !input.scopes.every((s) => typeof s === 'string' && TOKEN_SCOPE.test(s))
    ) {
      throw new ApiError(
        'VALIDATION',
        "A Gitea token needs one or more scopes such as 'write:repository' or 'read:user'.",
        'scopes',
      );
    }
    const me = await this.whoAmI();
    const as = { sudo: username, basicUser: me.login };
    const what = `the access tokens of user ${username}`;
    const ctx: Ctx = {
      what,
      scope: 'write:user',
      notFound: `Gitea at ${this.displayUrl} has no user ${username}.`,
    };
    const body = { name: input.name, scopes: input.scopes };
    for (let attempt = 0; ; attempt++) {
      const a = await this.call(
        'POST',
        ['users', username, 'tokens'],
        body,
        { ...ctx, accept: [400, 422] },
        undefined,
        as,
      );
      if (a.status === 400 || a.status === 422) {
        // Gitea says 400 "access token name has been used already": replace that token.
        if (attempt === 0 && /name has been used already/i.test(this.giteaMessage(a.body))) {
          await this.call(
            'DELETE',
            ['users', username, 'tokens', input.name],
            undefined,
            { ...ctx, accept: [404] },
            undefined,
            as,
          );
          continue;
        }
        throw a.status === 400
          ? new ApiError(
              'VALIDATION',
              `Gitea at ${this.displayUrl} refused the token for ${username}: ${this.giteaMessage(a.body) || 'HTTP 400'}.`,
            )
          : this.statusError(a, ctx);
      }
      return this.toToken(a.body);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Plumbing

  private whoAmI(): Promise<{ login: string; isAdmin: boolean }> {
    if (!this.me) {
      this.me = this.currentUser();
      this.me.catch(() => {
        this.me = null;
      });
    }
    return this.me;
  }

  private toRepo(body: unknown): GiteaRepo {
    const r = body as RawRepo | null;
    if (!r || typeof r.id !== 'number' || typeof r.name !== 'string' || typeof r.owner?.login !== 'string') {
      throw this.notGitea('a repository answer');
    }
    return {
      id: r.id,
      owner: r.owner.login,
      name: r.name,
      fullName: r.full_name ?? `${r.owner.login}/${r.name}`,
      cloneUrl: r.clone_url ?? '',
      sshUrl: r.ssh_url ?? '',
      htmlUrl: r.html_url ?? '',
      private: r.private === true,
      defaultBranch: r.default_branch ?? '',
      empty: r.empty === true,
    };
  }

  private toUser(body: unknown): GiteaUser {
    const u = body as RawUser | null;
    if (!u || typeof u.id !== 'number' || typeof u.login !== 'string') throw this.notGitea('a user answer');
    return { id: u.id, login: u.login };
  }

  private toToken(body: unknown): GiteaToken {
    const t = body as { id?: unknown; name?: unknown; sha1?: unknown } | null;
    if (
      !t ||
      typeof t.id !== 'number' ||
      typeof t.name !== 'string' ||
      typeof t.sha1 !== 'string' ||
      t.sha1 === ''
    ) {
      throw this.notGitea('an access token answer');
    }
    return { id: t.id, name: t.name, sha1: t.sha1 };
  }

  private toDeployKey(k: RawDeployKey | null): GiteaDeployKey {
    if (!k || typeof k.id !== 'number' || typeof k.key !== 'string')
      throw this.notGitea('a deploy key answer');
    return {
      id: k.id,
      title: k.title ?? '',
      key: k.key,
      fingerprint: k.fingerprint ?? '',
      readOnly: k.read_only === true,
    };
  }

  private notGitea(where: string): ApiError {
    return new ApiError(
      'UNAVAILABLE',
      `${this.displayUrl} answered ${where} with something that is not Gitea's API: check that the URL points at Gitea's root (the address its web pages are at).`,
    );
  }

  private giteaMessage(body: unknown): string {
    const m = (body as { message?: unknown } | null)?.message;
    const text = typeof m === 'string' ? m : typeof body === 'string' ? body.slice(0, 300) : '';
    return this.scrub(text.trim());
  }

  /** Belt and braces: the token never leaves in a message, whatever a server echoes. */
  private scrub(text: string): string {
    return text.split(this.token).join('[token]');
  }

  private statusError(a: Answer, ctx: Ctx): ApiError {
    const msg = this.giteaMessage(a.body);
    const said = msg ? `: “${msg}”` : '';
    const at = `Gitea at ${this.displayUrl}`;
    switch (a.status) {
      case 401:
        return new ApiError(
          'UNAUTHORIZED',
          `${at} did not accept the access token (HTTP 401${said}): check that the token is copied whole and has not been deleted or expired.`,
        );
      case 403:
        return new ApiError(
          'PERMISSION_DENIED',
          `${at} refused access to ${ctx.what} (HTTP 403${said}): the token lacks the ${ctx.scope} scope, or its user lacks the rights there.`,
        );
      case 404:
        return new ApiError(
          'NOT_FOUND',
          ctx.notFound ?? `${at} has no ${ctx.what}, or the token's user cannot see it.`,
        );
      case 409:
      case 422:
        return new ApiError(
          'CONFLICT',
          `${at} refused this for ${ctx.what}${msg ? `: ${msg}` : ` (HTTP ${a.status})`}.`,
        );
      default:
        return new ApiError('UNAVAILABLE', `${at} failed with HTTP ${a.status} for ${ctx.what}${said}.`);
    }
  }

  private async call(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    segments: string[],
    body: unknown,
    ctx: Ctx,
    query?: Record<string, string>,
    as?: As,
  ): Promise<Answer> {
    const path = `${this.basePath}/api/v1/${segments.map((s) => encodeURIComponent(s)).join('/')}`;
    const qs = query ? `?${new URLSearchParams(query).toString()}` : '';
    const a = await this.send(method, path + qs, body, as);
    if (a.status >= 200 && a.status < 300) return a;
    if (ctx.accept?.includes(a.status)) return a;
    throw this.statusError(a, ctx);
  }

  private send(method: string, path: string, body: unknown, as?: As): Promise<Answer> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), 'utf8');
    const headers: http.OutgoingHttpHeaders = {
      Accept: 'application/json',
      Authorization: as?.basicUser
        ? `Basic ${Buffer.from(`${as.basicUser}:${this.token}`, 'utf8').toString('base64')}`
        : `token ${this.token}`,
      'User-Agent': 'Labdeck',
    };
    if (as?.sudo) headers.Sudo = as.sudo;
    if (payload) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = payload.length;
    }
    const isHttps = this.base.protocol === 'https:';
    const request = isHttps ? https.request : http.request;
    const options: http.RequestOptions = {
      method,
      protocol: this.base.protocol,
      hostname: this.base.hostname.replace(/^\[|\]$/g, ''),
      port: this.base.port || (isHttps ? 443 : 80),
      path,
      headers,
      ...(this.agent ? { agent: this.agent } : {}),
    };
    return new Promise<Answer>((resolve, reject) => {
      let settled = false;
      // Events from the request only ever come on later ticks, after `timer` below is set.
      const finish = (err: ApiError | null, answer?: Answer): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(answer as Answer);
      };
      const req = request(options, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY_BYTES) {
            req.destroy();
            finish(
              new ApiError(
                'UNAVAILABLE',
                `Gitea at ${this.displayUrl} sent an answer larger than ${MAX_BODY_BYTES} bytes; check that the URL points at Gitea.`,
              ),
            );
            return;
          }
          chunks.push(c);
        });
        res.on('error', (e) => finish(this.networkError(e)));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = null;
          if (text.length > 0) {
            try {
              parsed = JSON.parse(text) as unknown;
            } catch {
              parsed = text;
            }
          }
          const status = res.statusCode ?? 0;
          // A success that is not JSON is not Gitea (a proxy's login page, a web server's index).
          if (status >= 200 && status < 300 && status !== 204 && typeof parsed === 'string') {
            finish(this.notGitea(path.replace(/\?.*$/, '')));
            return;
          }
          finish(null, { status, headers: res.headers, body: parsed });
        });
      });
      req.on('error', (e) => finish(this.networkError(e)));
      const timer = setTimeout(() => {
        finish(
          new ApiError(
            'TIMEOUT',
            `Gitea at ${this.displayUrl} did not answer within ${Math.round(this.timeoutMs / 100) / 10} s: check that Gitea is running and reachable at that address (and, when it is reached through an SSH forward, that the forward is up).`,
          ),
        );
        req.destroy();
      }, this.timeoutMs);
      req.end(payload);
    });
  }

  private networkError(e: Error): ApiError {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    const why: Record<string, string> = {
      ECONNREFUSED: 'the connection was refused',
      ENOTFOUND: 'the host name does not resolve',
      EAI_AGAIN: 'the host name could not be looked up',
      ECONNRESET: 'the connection was reset',
      EHOSTUNREACH: 'the host is unreachable',
      ENETUNREACH: 'the network is unreachable',
      ETIMEDOUT: 'the connection timed out',
      DEPTH_ZERO_SELF_SIGNED_CERT: 'its TLS certificate is self-signed',
      SELF_SIGNED_CERT_IN_CHAIN: 'its TLS certificate chain is self-signed',
      UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its TLS certificate cannot be verified',
      CERT_HAS_EXPIRED: 'its TLS certificate has expired',
      ERR_TLS_CERT_ALTNAME_INVALID: 'its TLS certificate is for another name',
    };
    const reason = why[code] ?? (code ? `error ${code}` : this.scrub(e.message));
    return new ApiError(
      'UNAVAILABLE',
      `Could not reach Gitea at ${this.displayUrl} (${reason}): check that Gitea is running, that the URL, port and protocol are right, and (when it is reached through an SSH forward) that the forward is up.`,
    );
  }
}

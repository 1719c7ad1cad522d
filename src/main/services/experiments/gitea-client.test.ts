// The Gitea client against tests/support/gitea-standin.ts: a stand-in server that follows Gitea's
// published v1 API shapes (no Gitea binary can be downloaded here), not Gitea itself.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../../shared/api/errors';
import {
  type GiteaStandin,
  type GiteaStandinOptions,
  startGiteaStandin,
} from '../../../../tests/support/gitea-standin';
import { HOSTILE } from '../../../../tests/support/hostile-strings';
import { GiteaClient, type GiteaClientOptions } from './gitea-client';

const TOKEN = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';

const open: GiteaStandin[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function setup(
  o: Partial<GiteaStandinOptions> = {},
  c: Partial<GiteaClientOptions> = {},
): Promise<{ gitea: GiteaStandin; client: GiteaClient }> {
  const gitea = await startGiteaStandin({ token: TOKEN, ...o });
  open.push(gitea);
  const client = new GiteaClient({ baseUrl: gitea.url, token: TOKEN, ...c });
  return { gitea, client };
}

async function failure(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error('expected the call to fail');
}

function sshKey(comment = 'labdeck'): string {
  return `ssh-ed25519 ${randomBytes(51).toString('base64')} ${comment}`;
}

const posts = (g: GiteaStandin) => g.state.requests.filter((r) => r.method === 'POST');

const temps: string[] = [];
afterEach(() => {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
});

const execFileAsync = promisify(execFile);

/**
 * Runs git with no user or system configuration (HOME is a fresh temporary directory). Async: the
 * stand-in answers from this same process, so a synchronous git would wait on it forever.
 */
function gitRunner(): (args: string[], cwd?: string) => Promise<string> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'labdeck-gitea-home-'));
  temps.push(home);
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: path.join(home, '.gitconfig'),
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '',
    SSH_ASKPASS: '',
    LANG: 'C',
  };
  return async (args, cwd = home) =>
    (
      await execFileAsync(
        'git',
        ['-c', 'user.name=Labdeck Test', '-c', 'user.email=test@labdeck.invalid', ...args],
        { cwd, env, encoding: 'utf8', timeout: 30_000 },
      )
    ).stdout;
}

async function gitFails(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (err) {
    return String((err as { stderr?: unknown }).stderr ?? err);
  }
  throw new Error('expected git to fail');
}

describe('GiteaClient', () => {
  it('reads the version and the token’s user, sending the token header and JSON', async () => {
    const { gitea, client } = await setup({ adminUser: 'root' });
    expect(await client.version()).toBe('1.22.3');
    expect(await client.currentUser()).toEqual({ login: 'root', isAdmin: true });
    const [v, u] = gitea.state.requests;
    expect(v).toMatchObject({ method: 'GET', path: '/api/v1/version' });
    expect(u).toMatchObject({ method: 'GET', path: '/api/v1/user' });
    expect(u!.headers.authorization).toBe(`token ${TOKEN}`);
    expect(u!.headers.accept).toBe('application/json');
  });

  it('creates a repository for the token’s own user (POST /user/repos, empty, main)', async () => {
    const { gitea, client } = await setup();
    const repo = await client.createRepo({ name: 'exp-1', description: 'first', private: true });
    expect(repo).toEqual({
      id: expect.any(Number) as number,
      owner: 'labdeck',
      name: 'exp-1',
      fullName: 'labdeck/exp-1',
      cloneUrl: `${gitea.url}/labdeck/exp-1.git`,
      sshUrl: 'git@127.0.0.1:labdeck/exp-1.git',
      htmlUrl: `${gitea.url}/labdeck/exp-1`,
      private: true,
      defaultBranch: 'main',
      empty: true,
    });
    const [post] = posts(gitea);
    expect(post!.path).toBe('/api/v1/user/repos');
    expect(post!.headers['content-type']).toBe('application/json');
    expect(post!.body).toEqual({
      name: 'exp-1',
      description: 'first',
      private: true,
      auto_init: false,
      default_branch: 'main',
    });
  });

  it('creates a repository in an organization (POST /orgs/{org}/repos)', async () => {
    const { gitea, client } = await setup();
    gitea.addOrg('lab-team');
    const repo = await client.createRepo({
      owner: 'lab-team',
      name: 'exp-2',
      description: '',
      private: false,
    });
    expect(repo).toMatchObject({ owner: 'lab-team', fullName: 'lab-team/exp-2', private: false });
    expect(posts(gitea).map((r) => r.path)).toEqual(['/api/v1/orgs/lab-team/repos']);
    expect(gitea.state.requests[0]).toMatchObject({ method: 'GET', path: '/api/v1/orgs/lab-team' });
  });

  it('as an admin, creates a repository for another user (POST /admin/users/{user}/repos)', async () => {
    const { gitea, client } = await setup({ adminUser: 'root' });
    gitea.addUser('alice');
    const repo = await client.createRepo({ owner: 'alice', name: 'exp-3', description: 'd', private: true });
    expect(repo).toMatchObject({ owner: 'alice', name: 'exp-3', cloneUrl: `${gitea.url}/alice/exp-3.git` });
    expect(posts(gitea).map((r) => r.path)).toEqual(['/api/v1/admin/users/alice/repos']);
  });

  it('names the own user as owner: uses /user/repos, not the admin path', async () => {
    const { gitea, client } = await setup({ adminUser: 'root' });
    await client.createRepo({ owner: 'root', name: 'mine', description: '', private: true });
    expect(posts(gitea).map((r) => r.path)).toEqual(['/api/v1/user/repos']);
  });

  it('without admin rights, refuses to create for another user before posting', async () => {
    const { gitea, client } = await setup();
    gitea.addUser('alice');
    const err = await failure(
      client.createRepo({ owner: 'alice', name: 'x', description: '', private: true }),
    );
    expect(err.code).toBe('PERMISSION_DENIED');
    expect(err.message).toMatch(/not a site administrator/);
    expect(posts(gitea)).toHaveLength(0);
  });

  it('an unknown owner for the admin path is NOT_FOUND naming it', async () => {
    const { client } = await setup({ adminUser: 'root' });
    const err = await failure(
      client.createRepo({ owner: 'nobody', name: 'x', description: '', private: true }),
    );
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toContain('nobody');
  });

  it('creating an existing repository is a CONFLICT carrying Gitea’s message', async () => {
    const { client } = await setup();
    await client.createRepo({ name: 'dup', description: '', private: true });
    const err = await failure(client.createRepo({ name: 'dup', description: '', private: true }));
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toContain('The repository with the same name already exists.');
  });

  it('ensureRepo is idempotent: the second call finds the repository and posts nothing', async () => {
    const { gitea, client } = await setup();
    gitea.addOrg('lab-team');
    const input = { owner: 'lab-team', name: 'exp-4', description: 'x', private: true };
    const first = await client.ensureRepo(input);
    expect(posts(gitea)).toHaveLength(1);
    const second = await client.ensureRepo(input);
    expect(second).toEqual(first);
    expect(posts(gitea)).toHaveLength(1);
    // Own user, owner left out: same.
    const mine = await client.ensureRepo({ name: 'exp-5', description: '', private: true });
    expect(await client.ensureRepo({ name: 'exp-5', description: '', private: true })).toEqual(mine);
    expect(posts(gitea)).toHaveLength(2);
  });

  it('ensureRepo takes a repository created between its look and its create', async () => {
    const { gitea, client } = await setup();
    const other = new GiteaClient({ baseUrl: gitea.url, token: TOKEN });
    const [a, b] = await Promise.all([
      client.ensureRepo({ name: 'race', description: '', private: true }),
      other.ensureRepo({ name: 'race', description: '', private: true }),
    ]);
    expect(a.id).toBe(b.id);
    expect(gitea.state.repos.size).toBe(1);
  });

  it('getRepo answers null for a missing repository or owner', async () => {
    const { client } = await setup();
    expect(await client.getRepo('labdeck', 'missing')).toBeNull();
    expect(await client.getRepo('no-such-owner', 'missing')).toBeNull();
  });

  it('deleteRepo removes it, and deleting again is fine', async () => {
    const { gitea, client } = await setup();
    await client.createRepo({ name: 'gone', description: '', private: true });
    await client.deleteRepo('labdeck', 'gone');
    expect(await client.getRepo('labdeck', 'gone')).toBeNull();
    await client.deleteRepo('labdeck', 'gone');
    const deletes = gitea.state.requests.filter((r) => r.method === 'DELETE');
    expect(deletes.map((r) => r.path)).toEqual(['/api/v1/repos/labdeck/gone', '/api/v1/repos/labdeck/gone']);
  });

  it('adding the same deploy key twice leaves one key (other comment too), and removal is idempotent', async () => {
    const { gitea, client } = await setup();
    await client.createRepo({ name: 'keys', description: '', private: true });
    const key = sshKey('first');
    const a = await client.addDeployKey('labdeck', 'keys', { title: 'runner', key, readOnly: true });
    expect(a).toMatchObject({ title: 'runner', readOnly: true, key });
    expect(a.fingerprint).toMatch(/^SHA256:/);
    const again = await client.addDeployKey('labdeck', 'keys', { title: 'runner', key, readOnly: true });
    expect(again).toEqual(a);
    const otherComment = key.replace(/ first$/, ' other');
    expect(
      await client.addDeployKey('labdeck', 'keys', { title: 'runner-2', key: otherComment, readOnly: true }),
    ).toEqual(a);
    expect(await client.listDeployKeys('labdeck', 'keys')).toEqual([a]);
    expect(gitea.state.repos.get('labdeck/keys')!.keys).toHaveLength(1);

    await client.deleteDeployKey('labdeck', 'keys', a.id);
    expect(await client.listDeployKeys('labdeck', 'keys')).toEqual([]);
    await client.deleteDeployKey('labdeck', 'keys', a.id);
    const del = gitea.state.requests.filter((r) => r.method === 'DELETE');
    expect(del.map((r) => r.path)).toEqual([
      `/api/v1/repos/labdeck/keys/keys/${a.id}`,
      `/api/v1/repos/labdeck/keys/keys/${a.id}`,
    ]);
  });

  it('the same deploy key with other access, or used as a user key, is a CONFLICT', async () => {
    const { gitea, client } = await setup();
    await client.createRepo({ name: 'keys', description: '', private: true });
    const key = sshKey();
    await client.addDeployKey('labdeck', 'keys', { title: 'ro', key, readOnly: true });
    const rw = await failure(client.addDeployKey('labdeck', 'keys', { title: 'rw', key, readOnly: false }));
    expect(rw.code).toBe('CONFLICT');
    expect(rw.message).toMatch(/read-only/);

    const personal = sshKey('me');
    gitea.state.userKeys.add(personal.split(' ').slice(0, 2).join(' '));
    const used = await failure(
      client.addDeployKey('labdeck', 'keys', { title: 'p', key: personal, readOnly: true }),
    );
    expect(used.code).toBe('CONFLICT');
    expect(used.message).toContain('Key content has been used as non-deploy key');
  });

  it('lists deploy keys over several pages', async () => {
    const { client } = await setup();
    await client.createRepo({ name: 'many', description: '', private: true });
    for (let i = 0; i < 57; i++) {
      await client.addDeployKey('labdeck', 'many', { title: `k${i}`, key: sshKey(), readOnly: true });
    }
    const keys = await client.listDeployKeys('labdeck', 'many');
    expect(keys).toHaveLength(57);
    expect(new Set(keys.map((k) => k.id)).size).toBe(57);
  });

  it('addCollaborator PUTs the permission; an unknown user is NOT_FOUND', async () => {
    const { gitea, client } = await setup();
    gitea.addUser('bob');
    await client.createRepo({ name: 'shared', description: '', private: true });
    await client.addCollaborator('labdeck', 'shared', 'bob', 'write');
    await client.addCollaborator('labdeck', 'shared', 'bob', 'write');
    const puts = gitea.state.requests.filter((r) => r.method === 'PUT');
    expect(puts[0]).toMatchObject({
      path: '/api/v1/repos/labdeck/shared/collaborators/bob',
      body: { permission: 'write' },
    });
    expect(gitea.state.repos.get('labdeck/shared')!.collaborators.get('bob')).toBe('write');

    const err = await failure(client.addCollaborator('labdeck', 'shared', 'carol', 'read'));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toContain('carol');
  });

  it('ensureUser creates a private user once (admin POST), then finds it', async () => {
    const { gitea, client } = await setup({ adminUser: 'root' });
    const a = await client.ensureUser({
      username: 'exp-demo',
      email: 'exp-demo@labdeck.invalid',
      fullName: 'Demo',
    });
    expect(a).toEqual({ id: expect.any(Number) as number, login: 'exp-demo' });
    const b = await client.ensureUser({ username: 'exp-demo', email: 'exp-demo@labdeck.invalid' });
    expect(b).toEqual(a);
    expect([...gitea.state.users.keys()].filter((k) => k === 'exp-demo')).toHaveLength(1);
    const [post] = posts(gitea);
    expect(post!.path).toBe('/api/v1/admin/users');
    const body = post!.body as Record<string, unknown>;
    expect(body).toMatchObject({
      username: 'exp-demo',
      email: 'exp-demo@labdeck.invalid',
      full_name: 'Demo',
      must_change_password: false,
      send_notify: false,
      visibility: 'private',
    });
    expect(body.password).toMatch(/^[0-9a-f]{32}$/);
    expect(gitea.state.requests.some((r) => r.method === 'GET' && r.path === '/api/v1/users/exp-demo')).toBe(
      true,
    );
    // A name an organization holds is not taken as a user.
    gitea.addOrg('lab-team');
    expect((await failure(client.ensureUser({ username: 'lab-team', email: 'x@y.z' }))).code).toBe(
      'CONFLICT',
    );
  });

  it('deleteUser purges the user; deleting again is fine', async () => {
    const { gitea, client } = await setup({ adminUser: 'root' });
    await client.ensureUser({ username: 'exp-gone', email: 'g@labdeck.invalid' });
    await client.deleteUser('exp-gone', { purge: true });
    expect(gitea.state.users.has('exp-gone')).toBe(false);
    await client.deleteUser('exp-gone', { purge: true });
    const del = gitea.state.requests.filter((r) => r.method === 'DELETE');
    expect(del.map((r) => `${r.path}${r.query}`)).toEqual([
      '/api/v1/admin/users/exp-gone?purge=true',
      '/api/v1/admin/users/exp-gone?purge=true',
    ]);
  });

  it('createToken acts as the user (Sudo, Basic auth); again: a fresh value, the old one dead', async () => {
    const { gitea, client } = await setup({ adminUser: 'root' });
    await client.ensureUser({ username: 'exp-demo', email: 'd@labdeck.invalid' });
    const scopes = ['write:repository', 'read:user'];
    const first = await client.createToken('exp-demo', { name: 'labdeck', scopes });
    expect(first).toEqual({
      id: expect.any(Number) as number,
      name: 'labdeck',
      sha1: expect.stringMatching(/^[0-9a-f]{40}$/) as string,
    });
    const post = posts(gitea).find((r) => r.path === '/api/v1/users/exp-demo/tokens')!;
    expect(post.headers.sudo).toBe('exp-demo');
    expect(post.headers.authorization).toMatch(/^Basic /);
    expect(post.body).toEqual({ name: 'labdeck', scopes });

    const asUser = (token: string) => new GiteaClient({ baseUrl: gitea.url, token });
    expect((await asUser(first.sha1).currentUser()).login).toBe('exp-demo');

    const second = await client.createToken('exp-demo', { name: 'labdeck', scopes });
    expect(second.sha1).not.toBe(first.sha1);
    expect((await failure(asUser(first.sha1).currentUser())).code).toBe('UNAUTHORIZED');
    expect((await asUser(second.sha1).currentUser()).login).toBe('exp-demo');
    expect(
      gitea.state.requests.some(
        (r) => r.method === 'DELETE' && r.path === '/api/v1/users/exp-demo/tokens/labdeck',
      ),
    ).toBe(true);
    expect([...gitea.state.tokens.values()].filter((t) => t.owner === 'exp-demo')).toHaveLength(1);
  });

  it('a non-admin token gets PERMISSION_DENIED for the admin calls', async () => {
    const { gitea, client } = await setup();
    gitea.addUser('someone');
    for (const call of [
      () => client.ensureUser({ username: 'exp-x', email: 'x@labdeck.invalid' }),
      () => client.deleteUser('someone', { purge: true }),
      () => client.createToken('someone', { name: 'labdeck', scopes: ['write:repository'] }),
    ]) {
      const err = await failure(call());
      expect(err.code).toBe('PERMISSION_DENIED');
      expect(err.message).not.toContain(TOKEN);
    }
    expect(gitea.state.users.has('someone')).toBe(true);
    expect(gitea.state.tokens.size).toBe(0);
  });

  it('removeCollaborator removes; again, or for a user gone, is fine', async () => {
    const { gitea, client } = await setup();
    gitea.addUser('bob');
    await client.createRepo({ name: 'shared', description: '', private: true });
    await client.addCollaborator('labdeck', 'shared', 'bob', 'write');
    await client.removeCollaborator('labdeck', 'shared', 'bob');
    expect(gitea.state.repos.get('labdeck/shared')!.collaborators.has('bob')).toBe(false);
    await client.removeCollaborator('labdeck', 'shared', 'bob');
    await client.removeCollaborator('labdeck', 'shared', 'nobody');
    await client.removeCollaborator('labdeck', 'missing', 'bob');
  });

  it('rejects bad user, e-mail, token names and scopes before sending anything', async () => {
    const { gitea, client } = await setup({ adminUser: 'root' });
    for (const username of [
      '',
      '-exp',
      'exp-',
      'exp.',
      '.exp',
      'a--b',
      'a b',
      'x'.repeat(41),
      'admin',
      'x.git',
      'ünï',
      '../x',
    ]) {
      expect((await failure(client.ensureUser({ username, email: 'a@b.c' }))).code).toBe('VALIDATION');
    }
    for (const email of ['', 'no-at', 'a@b\nc', 'a b@c.d']) {
      expect((await failure(client.ensureUser({ username: 'exp-demo', email }))).code).toBe('VALIDATION');
    }
    expect(
      (await failure(client.ensureUser({ username: 'exp-demo', email: 'a@b.c', fullName: 'a\nb' }))).code,
    ).toBe('VALIDATION');
    for (const name of ['', '123', '0x1', 'a/b', 'a b']) {
      expect(
        (await failure(client.createToken('exp-demo', { name, scopes: ['write:repository'] }))).code,
      ).toBe('VALIDATION');
    }
    for (const scopes of [[], ['write:everything'], ['sudo']]) {
      expect((await failure(client.createToken('exp-demo', { name: 'labdeck', scopes }))).code).toBe(
        'VALIDATION',
      );
    }
    for (const bad of ['a/b', '..', 'x y']) {
      expect((await failure(client.deleteUser(bad, { purge: true }))).code).toBe('VALIDATION');
      expect((await failure(client.removeCollaborator('labdeck', 'r', bad))).code).toBe('VALIDATION');
    }
    expect(gitea.state.requests).toHaveLength(0);
  });

  it('git over HTTP: the experiment user clones, pushes with its token; wrong token and read-only fail', async () => {
    const { gitea, client } = await setup({ adminUser: 'root' });
    const git = gitRunner();
    const port = new URL(gitea.url).port;
    const repo = await client.ensureRepo({ owner: 'root', name: 'demo', description: '', private: true });
    const user = await client.ensureUser({ username: 'exp-demo', email: 'exp-demo@labdeck.invalid' });
    await client.addCollaborator('root', 'demo', user.login, 'write');
    const token = await client.createToken(user.login, { name: 'labdeck', scopes: ['write:repository'] });
    expect(repo.cloneUrl).toBe(`${gitea.url}/root/demo.git`);

    const work = mkdtempSync(path.join(os.tmpdir(), 'labdeck-gitea-work-'));
    temps.push(work);
    const remote = `http://exp-demo:${token.sha1}@127.0.0.1:${port}/root/demo.git`;
    await git(['clone', '--quiet', remote, 'demo'], work);
    const dir = path.join(work, 'demo');
    writeFileSync(path.join(dir, 'README.md'), '# demo\n');
    await git(['add', 'README.md'], dir);
    await git(['commit', '--quiet', '-m', 'first'], dir);
    await git(['push', '--quiet', 'origin', 'HEAD:main'], dir);
    const head = (await git(['rev-parse', 'HEAD'], dir)).trim();
    expect(await git(['ls-remote', remote, 'refs/heads/main'])).toBe(`${head}\trefs/heads/main\n`);
    expect((await client.getRepo('root', 'demo'))!.empty).toBe(false);

    // A push larger than git's 1 MiB post buffer goes as a chunked request body.
    writeFileSync(path.join(dir, 'blob.bin'), randomBytes(3 * 1024 * 1024));
    await git(['add', 'blob.bin'], dir);
    await git(['commit', '--quiet', '-m', 'big'], dir);
    await git(['push', '--quiet', 'origin', 'HEAD:main'], dir);
    const big = (await git(['rev-parse', 'HEAD'], dir)).trim();
    expect(await git(['ls-remote', remote, 'refs/heads/main'])).toBe(`${big}\trefs/heads/main\n`);
    expect(
      gitea.state.gitRequests.some(
        (r) => r.path === '/root/demo.git/git-receive-pack' && r.user === 'exp-demo' && r.status === 200,
      ),
    ).toBe(true);

    // Anonymous: 401 asking for Basic auth, as Gitea does.
    const anon = await fetch(`${gitea.url}/root/demo.git/info/refs?service=git-upload-pack`);
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toBe('Basic realm="Gitea"');

    // A wrong token cannot push (nor read).
    const wrong = `http://exp-demo:${'0'.repeat(40)}@127.0.0.1:${port}/root/demo.git`;
    expect(await gitFails(() => git(['push', wrong, 'HEAD:other'], dir))).toMatch(
      /Authentication failed|401/,
    );

    // A read-only collaborator reads but cannot push.
    await client.ensureUser({ username: 'exp-reader', email: 'exp-reader@labdeck.invalid' });
    await client.addCollaborator('root', 'demo', 'exp-reader', 'read');
    const rt = await client.createToken('exp-reader', { name: 'labdeck', scopes: ['write:repository'] });
    const readerUrl = `http://exp-reader:${rt.sha1}@127.0.0.1:${port}/root/demo.git`;
    expect(await git(['ls-remote', readerUrl, 'refs/heads/main'])).toContain(big);
    expect(await gitFails(() => git(['push', readerUrl, 'HEAD:other'], dir))).toMatch(/403/);
    // A token of another user, under this user's name: refused.
    const mixed = `http://exp-demo:${rt.sha1}@127.0.0.1:${port}/root/demo.git`;
    expect(await gitFails(() => git(['ls-remote', mixed]))).toMatch(/Authentication failed|401/);
    expect(await git(['ls-remote', remote, 'refs/heads/other'])).toBe('');

    // Archive: the repository and the user go; the bare repository with them.
    await client.removeCollaborator('root', 'demo', 'exp-demo');
    await client.deleteRepo('root', 'demo');
    await client.deleteUser('exp-demo', { purge: true });
    expect(await gitFails(() => git(['ls-remote', remote]))).toMatch(/not found/);
    expect(existsSync(path.join(gitea.state.gitRoot, 'root', 'demo.git'))).toBe(false);
    expect(gitea.state.users.has('exp-demo')).toBe(false);
  });

  it('builds clone URLs from rootUrl, and close() removes its repositories', async () => {
    const gitea = await startGiteaStandin({
      token: TOKEN,
      rootUrl: 'http://10.0.0.1:3000/',
      listen: { host: '127.0.0.1' },
    });
    open.push(gitea);
    const client = new GiteaClient({ baseUrl: gitea.url, token: TOKEN });
    const repo = await client.createRepo({ name: 'r', description: '', private: true });
    expect(repo.cloneUrl).toBe('http://10.0.0.1:3000/labdeck/r.git');
    expect(repo.htmlUrl).toBe('http://10.0.0.1:3000/labdeck/r');
    const dir = path.dirname(gitea.state.gitRoot);
    await gitea.close();
    open.splice(open.indexOf(gitea), 1);
    expect(existsSync(dir)).toBe(false);
  });

  it('a wrong token: the error says so and never contains the token', async () => {
    const { gitea } = await setup();
    const wrong = `${TOKEN.slice(0, -4)}ffff`;
    const client = new GiteaClient({ baseUrl: gitea.url, token: wrong });
    for (const call of [
      () => client.currentUser(),
      () => client.getRepo('labdeck', 'x'),
      () => client.version(),
    ]) {
      const err = await failure(call());
      expect(err.code).toBe('UNAUTHORIZED');
      expect(err.message).toMatch(/token/);
      expect(err.message).toContain(gitea.url);
      for (const t of [wrong, TOKEN]) {
        expect(err.message).not.toContain(t);
        expect(err.stack ?? '').not.toContain(t);
        expect(JSON.stringify(err.toShape())).not.toContain(t);
      }
    }
  });

  it('a token without the scope: 403 names the scope needed', async () => {
    const { gitea, client } = await setup({
      adminUser: 'root',
      scopes: ['read:user', 'read:organization', 'read:repository'],
    });
    gitea.addUser('alice');
    const own = await failure(client.createRepo({ name: 'x', description: '', private: true }));
    expect(own.code).toBe('PERMISSION_DENIED');
    expect(own.message).toContain('write:repository');
    const admin = await failure(
      client.createRepo({ owner: 'alice', name: 'x', description: '', private: true }),
    );
    expect(admin.message).toContain('write:admin');
    expect(admin.message).not.toContain(TOKEN);
  });

  it('rejects hostile names before sending anything', async () => {
    const { gitea, client } = await setup();
    const bad = [
      ...HOSTILE.filter((s) => s !== 'plain'),
      '../x',
      'a b',
      'x.git',
      'X.GIT',
      'x.wiki',
      '.',
      '..',
      'a/b',
      '%2e%2e',
      'r\u0435po', // Cyrillic е
      '\uff52epo', // fullwidth ｒ
      'repo\u200b', // zero-width space
      'x'.repeat(101),
      'y'.repeat(10 * 1024),
    ];
    for (const name of bad) {
      const calls: (() => Promise<unknown>)[] = [
        () => client.getRepo('labdeck', name),
        () => client.createRepo({ name, description: '', private: true }),
        () => client.ensureRepo({ owner: 'labdeck', name, description: '', private: true }),
        () => client.deleteRepo('labdeck', name),
        () => client.listDeployKeys('labdeck', name),
        () => client.addDeployKey('labdeck', name, { title: 't', key: sshKey(), readOnly: true }),
        () => client.deleteDeployKey('labdeck', name, 1),
        () => client.addCollaborator('labdeck', name, 'bob', 'read'),
        // As an owner or a collaborator's login, too.
        () => client.getRepo(name, 'ok'),
        () => client.createRepo({ owner: name, name: 'ok', description: '', private: true }),
        () => client.addCollaborator('labdeck', 'ok', name, 'read'),
      ];
      for (const c of calls) {
        const err = await failure(c());
        expect(err.code, JSON.stringify(name.slice(0, 20))).toBe('VALIDATION');
        expect(err.message.length).toBeLessThan(400);
      }
    }
    expect(gitea.state.requests).toHaveLength(0);
  });

  it('rejects a bad key, title or permission before sending anything', async () => {
    const { gitea, client } = await setup();
    for (const key of ['', 'not a key', `${sshKey()}\nssh-rsa AAAA second`, 'ssh-ed25519']) {
      expect(
        (await failure(client.addDeployKey('labdeck', 'r', { title: 't', key, readOnly: true }))).code,
      ).toBe('VALIDATION');
    }
    for (const title of ['', 'a\nb', 'x'.repeat(256)]) {
      expect(
        (await failure(client.addDeployKey('labdeck', 'r', { title, key: sshKey(), readOnly: true }))).code,
      ).toBe('VALIDATION');
    }
    const perm = 'owner' as unknown as 'read';
    expect((await failure(client.addCollaborator('labdeck', 'r', 'bob', perm))).code).toBe('VALIDATION');
    expect((await failure(client.deleteDeployKey('labdeck', 'r', -1))).code).toBe('VALIDATION');
    expect(gitea.state.requests).toHaveLength(0);
  });

  it('rejects a token with a newline without echoing it, and a URL with credentials', () => {
    const bad = `${TOKEN}\r\nX-Evil: 1`;
    let err: unknown;
    try {
      new GiteaClient({ baseUrl: 'http://127.0.0.1:1', token: bad });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).message).not.toContain(TOKEN);
    expect(() => new GiteaClient({ baseUrl: 'http://u:p@127.0.0.1:1', token: TOKEN })).toThrow(ApiError);
    expect(() => new GiteaClient({ baseUrl: 'ftp://127.0.0.1', token: TOKEN })).toThrow(ApiError);
  });

  it('a Gitea that never answers: TIMEOUT within the set limit, naming the URL', async () => {
    const { gitea, client } = await setup({}, { timeoutMs: 300 });
    gitea.state.hang = true;
    const t0 = Date.now();
    const err = await failure(client.getRepo('labdeck', 'x'));
    const took = Date.now() - t0;
    expect(err.code).toBe('TIMEOUT');
    expect(err.message).toContain(gitea.url);
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(2000);
    expect(err.message).not.toContain(TOKEN);
  });

  it('nobody listening: UNAVAILABLE naming the URL and what to check', async () => {
    const gitea = await startGiteaStandin({ token: TOKEN });
    const url = gitea.url;
    await gitea.close();
    const client = new GiteaClient({ baseUrl: url, token: TOKEN, timeoutMs: 2000 });
    const err = await failure(client.version());
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toContain(url);
    expect(err.message).toMatch(/connection was refused/);
    expect(err.message).not.toContain(TOKEN);
  });

  it('uses the given http.Agent for its connections', async () => {
    class CountingAgent extends http.Agent {
      made = 0;
      override createConnection(
        options: http.ClientRequestArgs,
        callback?: (err: Error | null, socket: Duplex) => void,
      ): Duplex | null | undefined {
        this.made++;
        return super.createConnection(options, callback);
      }
    }
    const agent = new CountingAgent({ keepAlive: true });
    try {
      const { gitea, client } = await setup({}, { agent });
      expect(await client.version()).toBe('1.22.3');
      await client.createRepo({ name: 'via-agent', description: '', private: true });
      expect(agent.made).toBeGreaterThanOrEqual(1);
      expect(gitea.state.requests).toHaveLength(2);
    } finally {
      agent.destroy();
    }
  });

  it('accepts a base URL with a trailing slash', async () => {
    const { gitea } = await setup();
    const client = new GiteaClient({ baseUrl: `${gitea.url}/`, token: TOKEN });
    expect(await client.version()).toBe('1.22.3');
    expect(gitea.state.requests[0]!.path).toBe('/api/v1/version');
  });

  it('a URL that is not Gitea (a web page answering 200) is UNAVAILABLE saying so', async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<html>login</html>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const client = new GiteaClient({ baseUrl: `http://127.0.0.1:${port}`, token: TOKEN });
      const err = await failure(client.version());
      expect(err.code).toBe('UNAVAILABLE');
      expect(err.message).toMatch(/not Gitea's API/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

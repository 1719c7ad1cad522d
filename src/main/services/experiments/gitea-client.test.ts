// The Gitea client against tests/support/gitea-standin.ts: a stand-in server that follows Gitea's
// published v1 API shapes (no Gitea binary can be downloaded here), not Gitea itself.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
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

// Docker against the lab's real dockerd, reached over the Docker host's sshd (which sets
// DOCKER_HOST to a non-default socket): list, actions, logs followed, exec and an interactive
// shell, stats, inspect, prune preview = actual prune, pull from a local registry with progress,
// the errors for hosts without Docker or without socket rights — and no new SSH login per call.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ApiSession } from '../../src/main/api/session';
import { DockerService } from '../../src/main/services/docker/docker-service';
import { DockerEngines } from '../../src/main/services/docker/engines';
import type { Api } from '../../src/shared/api/client';
import type { DockerLogEvent, DockerStatsEvent } from '../../src/shared/api/docker-domain';
import type { JobInfo, JobLogEvent, TerminalEvent } from '../../src/shared/api/domain';
import { NAMES } from '../lab/config';
import { readState } from '../lab/faults';
import { REGISTRY, startRegistry, type Registry } from '../lab/registry';
import { attempt, run } from '../lab/sh';
import type { LabHost } from '../lab/types';
import { addOnlineLabHost, harness, type Harness } from '../support/app-harness';
import { memoryLink } from '../support/memory-link';

inject('lab');
const lab = readState();
const labHost = (name: string): LabHost => lab.hosts.find((x) => x.name === name)!;
const dockerHost = labHost('docker');
const sock = dockerHost.dockerSocket!;
/** The engine as root on this machine sees it, to set things up and check behind Labdeck's back. */
const cli = (...args: string[]): string => run('docker', ['-H', `unix://${sock}`, ...args]).trim();
const IMAGE = NAMES.dockerImage;
const PREFIX = `ldt-${process.pid}`;

let h: Harness;
let api: Api;
let session: ApiSession;
let hostId: number;
let docker: DockerService;

beforeAll(async () => {
  h = harness();
  ({ api, session } = memoryLink(h.app.dispatcher, h.app.streams));
  hostId = await addOnlineLabHost(h, dockerHost, 't-docker');
  // The same service the app builds, over the app's own pool, for what the API does not expose.
  docker = new DockerService(
    new DockerEngines(h.app.pool, () => 't-docker'),
    () => [],
    () => true,
  );
});
afterAll(async () => {
  for (const c of cli('ps', '-aq', '--filter', `name=${PREFIX}`).split('\n').filter(Boolean)) {
    attempt('docker', ['-H', `unix://${sock}`, 'rm', '-f', c]);
  }
  docker.engines.close();
  await session.close();
  await h.close();
});

/** A test container from the lab image, with an init (so stopping it is quick). */
function create(name: string, script: string, start = true): string {
  const id = cli(
    'create',
    '--init',
    '--network',
    'none',
    '--name',
    `${PREFIX}-${name}`,
    IMAGE,
    'sh',
    '-c',
    script,
  );
  if (start) cli('start', id);
  return id;
}

async function until<T>(what: string, fn: () => T | Promise<T>, ms = 15_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function followJob(id: string): Promise<{ lines: string[]; job: JobInfo }> {
  return new Promise((resolve) => {
    const lines: string[] = [];
    const off = api.streams.jobs.log({ id }, (events: JobLogEvent[]) => {
      for (const e of events) {
        if (e.t === 'line') lines.push(e.text);
        else if (['succeeded', 'failed', 'cancelled', 'interrupted'].includes(e.job.state)) {
          off();
          resolve({ lines, job: e.job });
        }
      }
    });
  });
}

describe('docker over the pooled SSH connection', () => {
  it('finds the engine through DOCKER_HOST and lists the lab container; N calls open no new SSH connection', async () => {
    const status = await api.docker.status({ hostId });
    expect(status).toMatchObject({ via: 'socket', endpoint: sock, hostName: 't-docker' });
    expect(status.containers.running).toBeGreaterThanOrEqual(1);
    const list = await api.docker.containers({ hostId });
    const sleeper = list.find((c) => c.name === NAMES.dockerContainer);
    expect(sleeper).toMatchObject({ image: IMAGE, state: 'running', project: null, gpus: 0 });
    expect(sleeper!.startedAt).toBeGreaterThan(0);

    const before = h.app.pool.state(hostId).connections;
    expect(before).toBe(1);
    for (let i = 0; i < 25; i++) {
      await api.docker.containers({ hostId });
      await api.docker.inspect({ hostId, id: NAMES.dockerContainer });
    }
    await api.docker.images({ hostId });
    await api.docker.networks({ hostId });
    expect(h.app.pool.state(hostId).connections).toBe(before);
    // Kept alive: the engine's channels are few and counted in the pool's accounting.
    const engine = await docker.engines.get(hostId);
    await engine.docker.listContainers();
    expect(engine.agent.opened).toBeLessThanOrEqual(2);
    expect(h.app.pool.channelCount(hostId)).toBeGreaterThanOrEqual(1);
    expect(h.app.pool.channelCount(hostId)).toBeLessThanOrEqual(4);
  });

  it('starts, stops, restarts, pauses and removes a container; each action audited with host and container', async () => {
    const id = create('cycle', 'sleep infinity', false);
    const name = `${PREFIX}-cycle`;
    const state = (): string => cli('inspect', '-f', '{{.State.Status}}', id);
    expect((await api.docker.action({ hostId, id, action: 'start' }))?.state).toBe('running');
    expect(state()).toBe('running');
    expect((await api.docker.action({ hostId, id: name, action: 'stop', timeoutS: 2 }))?.state).toBe(
      'exited',
    );
    expect(state()).toBe('exited');
    await api.docker.action({ hostId, id, action: 'restart', timeoutS: 1 });
    expect(state()).toBe('running');
    await api.docker.action({ hostId, id, action: 'pause' });
    expect(state()).toBe('paused');
    await api.docker.action({ hostId, id, action: 'unpause' });
    expect(state()).toBe('running');
    await api.docker.remove({ hostId, id, force: true, removeVolumes: true });
    expect(attempt('docker', ['-H', `unix://${sock}`, 'inspect', id])).toBe(false);

    const rows = (await api.audit.list({ action: 'docker.action', limit: 20 })).rows;
    expect(rows.length).toBeGreaterThanOrEqual(5);
    for (const r of rows.slice(0, 5)) {
      expect(r).toMatchObject({ target: `${name} on t-docker`, result: 'ok', hostId });
      expect(JSON.parse(r.params)).toMatchObject({ container: name });
    }
    expect(rows.slice(0, 5).map((r) => (JSON.parse(r.params) as { action: string }).action)).toEqual([
      'unpause',
      'pause',
      'restart',
      'stop',
      'start',
    ]);
    const removed = (await api.audit.list({ action: 'docker.remove', limit: 1 })).rows[0]!;
    expect(removed).toMatchObject({ target: `${name} on t-docker`, result: 'ok', hostId });
    // A failed action is recorded as failed, with the engine's reason.
    const err = await h.fail('docker.action', { hostId, id: `${PREFIX}-nonesuch`, action: 'start' });
    expect(err.code).toBe('NOT_FOUND');
    expect((await api.audit.list({ action: 'docker.action', limit: 1 })).rows[0]).toMatchObject({
      result: 'error',
      errorCode: 'NOT_FOUND',
    });
  });

  it('follows a log live, stdout and stderr told apart, with timestamps', async () => {
    const id = create(
      'talker',
      'i=0; while true; do echo "out-$i"; echo "err-$i" >&2; i=$((i+1)); sleep 0.1; done',
    );
    const got: { s: string; ts: string; text: string }[] = [];
    let ended: string | null | undefined;
    const off = api.streams.docker.logs({ hostId, id, follow: true, tail: 0 }, (events: DockerLogEvent[]) => {
      for (const e of events) {
        if (e.t === 'end') ended = e.reason;
        else for (const [ts, text] of e.lines) got.push({ s: e.s, ts, text });
      }
    });
    // Lines written after we subscribed arrive as they are written.
    await until('20 live lines', () => got.length >= 20);
    const outs = got.filter((l) => l.s === 'out').map((l) => l.text);
    const errs = got.filter((l) => l.s === 'err').map((l) => l.text);
    expect(outs.every((t) => /^out-\d+$/.test(t))).toBe(true);
    expect(errs.every((t) => /^err-\d+$/.test(t))).toBe(true);
    const n = outs.map((t) => Number(t.slice(4)));
    expect(n).toEqual([...n].sort((a, b) => a - b));
    expect(Date.parse(got[0]!.ts)).toBeGreaterThan(Date.now() - 60_000);
    // Stopping the container ends a followed log, and says so.
    cli('stop', '-t', '1', id);
    await until('the end of the log', () => ended !== undefined);
    expect(ended).toMatch(/stopped/);
    off();
    // Past lines by "since": the whole history is there, in order.
    const past: string[] = [];
    let done = false;
    api.streams.docker.logs({ hostId, id, follow: false, since: 0 }, (events: DockerLogEvent[]) => {
      for (const e of events) {
        if (e.t === 'end') done = true;
        else if (e.s === 'out') past.push(...e.lines.map(([, t]) => t));
      }
    });
    await until('the past log', () => done);
    expect(past[0]).toBe('out-0');
    expect(past.length).toBeGreaterThanOrEqual(outs.length);
  });

  it('runs echo in a container (exec) and an interactive shell with a tty that resizes and ends on close', async () => {
    const r = await docker.exec(hostId, NAMES.dockerContainer, [
      'sh',
      '-c',
      'echo hello-$((40+2)); echo oops >&2; exit 3',
    ]);
    expect(r).toEqual({ code: 3, stdout: 'hello-42\n', stderr: 'oops\n' });

    const info = await api.docker.shellOpen({ hostId, id: NAMES.dockerContainer, cols: 80, rows: 24 });
    expect(info).toMatchObject({ containerName: NAMES.dockerContainer, hostName: 't-docker' });
    let out = '';
    const off = api.streams.docker.shellOutput({ id: info.id }, (events: TerminalEvent[]) => {
      for (const e of events) if (e.t === 'data') out += e.d;
    });
    await api.docker.shellResize({ id: info.id, cols: 101, rows: 33 });
    await api.docker.shellInput({ id: info.id, data: 'echo "in-$((6*7))"; tty; stty size\r' });
    await until('the shell to answer', () => /in-42[\s\S]*\/dev\/pts\/\d+[\s\S]*33 101/.test(out)).catch((e: Error) => {
      throw new Error(`${e.message}; it printed ${JSON.stringify(out.slice(-400))}`);
    });
    const marker = (): string =>
      run('docker', [
        '-H',
        `unix://${sock}`,
        'exec',
        NAMES.dockerContainer,
        'sh',
        '-c',
        'grep -l LABDECK_SHELL= /proc/[0-9]*/environ 2>/dev/null | grep -v self || true',
      ]).trim();
    expect(marker()).not.toBe('');
    off();
    const summary = await api.docker.shellClose({ id: info.id });
    expect(summary.bytesIn).toBeGreaterThan(0);
    expect(summary.bytesOut).toBeGreaterThan(0);
    // The engine has no "kill exec": the shell is hung up by its marker, not left running.
    await until('the shell to end in the container', () => marker() === '', 10_000);
    const rows = (await api.audit.list({ sessionId: info.id, limit: 5 })).rows.map((x) => x.action);
    expect(rows).toEqual(['docker.shellClose', 'docker.shellOpen']);
  });

  it('streams live stats with CPU % and memory for running containers', async () => {
    const id = create('busy', 'while true; do :; done');
    const samples: DockerStatsEvent[] = [];
    const off = api.streams.docker.stats(
      { hostId },
      (events: DockerStatsEvent[]) => void samples.push(...events),
    );
    const full = await until(
      'a second sample with CPU %',
      () =>
        samples
          .flatMap((e) => (e.t === 'stats' ? e.items : []))
          .find((s) => s.id === id && s.cpuPct !== null),
      20_000,
    );
    off();
    expect(full.cpuPct).toBeGreaterThan(20);
    expect(full.memBytes).toBeGreaterThan(0);
    expect(full.pids).toBeGreaterThanOrEqual(1);
    cli('rm', '-f', id);
  });

  it('inspects: a readable summary and the raw JSON', async () => {
    const r = await api.docker.inspect({ hostId, id: NAMES.dockerContainer });
    expect(Object.fromEntries(r.summary)).toMatchObject({
      Name: NAMES.dockerContainer,
      TTY: 'no',
      GPUs: 'none',
    });
    expect((JSON.parse(r.raw) as { Id: string }).Id).toBe(
      cli('inspect', '-f', '{{.Id}}', NAMES.dockerContainer),
    );
  });

  it('prunes exactly what the preview listed', async () => {
    create('stopped-a', 'true', false);
    create('stopped-b', 'exit 0');
    await until(
      'stopped-b to exit',
      () => cli('inspect', '-f', '{{.State.Status}}', `${PREFIX}-stopped-b`) === 'exited',
    );
    cli('network', 'create', `${PREFIX}-net`);
    cli('volume', 'create', `${PREFIX}-vol`);
    // An untagged (dangling) image: an import without a name.
    const tar = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ldt-')), 'x.tar');
    run('sh', [
      '-c',
      'd=$(mktemp -d) && echo "$2" > "$d/f" && tar -C "$d" -cf "$1" .',
      'sh',
      tar,
      randomBytes(8).toString('hex'),
    ]);
    const dangling = run('sh', ['-c', 'docker -H "unix://$1" import - < "$2"', 'sh', sock, tar]).trim();

    const selection = { containers: true, images: 'dangling', volumes: true, networks: true } as const;
    const preview = await api.docker.prunePreview({ hostId, selection });
    const keys = new Set(preview.items.map((i) => `${i.kind}:${i.name}`));
    for (const k of [
      `container:${PREFIX}-stopped-a`,
      `container:${PREFIX}-stopped-b`,
      `network:${PREFIX}-net`,
      `volume:${PREFIX}-vol`,
    ]) {
      expect(keys).toContain(k);
    }
    expect(preview.items.find((i) => i.kind === 'image' && i.id === dangling)).toBeTruthy();
    expect(keys).not.toContain(`container:${NAMES.dockerContainer}`);
    expect(preview.items.some((i) => i.kind === 'image' && i.name.includes(IMAGE))).toBe(false);

    const snapshot = (): Set<string> =>
      new Set([
        ...cli('ps', '-aq', '--no-trunc')
          .split('\n')
          .filter(Boolean)
          .map((x) => `container:${x}`),
        ...cli('images', '-q', '--no-trunc')
          .split('\n')
          .filter(Boolean)
          .map((x) => `image:${x}`),
        ...cli('volume', 'ls', '-q')
          .split('\n')
          .filter(Boolean)
          .map((x) => `volume:${x}`),
        ...cli('network', 'ls', '-q', '--no-trunc')
          .split('\n')
          .filter(Boolean)
          .map((x) => `network:${x}`),
      ]);
    const before = snapshot();
    const job = await api.docker.prune({ hostId, selection });
    const { job: end, lines } = await followJob(job.id);
    expect(end.state).toBe('succeeded');
    const after = snapshot();
    const gone = [...before].filter((k) => !after.has(k)).sort();
    expect(gone).toEqual(preview.items.map((i) => `${i.kind}:${i.id}`).sort());
    expect(lines.filter((l) => l.includes('not in the preview'))).toEqual([]);
    expect(lines.filter((l) => l.startsWith('removed ')).length).toBe(preview.items.length);
    expect((await api.audit.list({ action: 'docker.prune', limit: 1 })).rows[0]).toMatchObject({
      result: 'ok',
      hostId,
      jobId: job.id,
    });
  });

  it('pulls an image from a local registry as a job, with per-layer progress', async () => {
    let registry: Registry | null = null;
    const ref = `${REGISTRY}/ldtest/pull:${randomBytes(4).toString('hex')}`;
    try {
      registry = await startRegistry(dockerHost.namespace!);
      // An image of 8 MB of random bytes (nothing the engine has already), pushed, then dropped.
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ldt-'));
      fs.writeFileSync(path.join(dir, 'blob'), randomBytes(8 * 1024 * 1024));
      run('sh', [
        '-c',
        'tar -C "$1" -c blob | docker -H "unix://$2" import - "$3" >/dev/null',
        'sh',
        dir,
        sock,
        ref,
      ]);
      cli('push', ref);
      cli('rmi', ref);
      expect(attempt('docker', ['-H', `unix://${sock}`, 'image', 'inspect', ref])).toBe(false);

      const progress: number[] = [];
      const onJob = (j: JobInfo): void => void (j.kind === 'docker.pull' && progress.push(j.progress));
      h.app.jobs.events.on('job', onJob);
      const job = await api.docker.pull({ hostId, ref });
      const { job: end, lines } = await followJob(job.id);
      h.app.jobs.events.off('job', onJob);
      expect(end.state).toBe('succeeded');
      expect(attempt('docker', ['-H', `unix://${sock}`, 'image', 'inspect', ref])).toBe(true);
      expect(lines.some((l) => /^layer [0-9a-f]+: downloading/.test(l))).toBe(true);
      expect(lines.some((l) => /^layer [0-9a-f]+: done$/.test(l))).toBe(true);
      // Per-layer sizes in the log; the job's progress only ever grows, and ends full.
      expect(lines.some((l) => /^layer [0-9a-f]+: downloading .* of 8\.\d MiB$/.test(l))).toBe(true);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
      expect(end.progress).toBe(1);
      expect((await api.audit.list({ action: 'docker.pull', limit: 1 })).rows[0]).toMatchObject({
        target: `${ref} on t-docker`,
        result: 'ok',
      });
      // A reference the registry does not have fails with its words.
      const bad = await api.docker.pull({ hostId, ref: `${REGISTRY}/ldtest/none:nope` });
      const failed = await followJob(bad.id);
      expect(failed.job.state).toBe('failed');
      expect(failed.job.message).toMatch(/not found|unknown/i);
    } finally {
      registry?.stop();
      attempt('docker', ['-H', `unix://${sock}`, 'rmi', ref]);
    }
  });
});

describe('when Docker cannot be reached, the error says why and what to do', () => {
  it('a host without the daemon running, and a container without Docker installed', async () => {
    const h1 = await addOnlineLabHost(h, labHost('h1'), 't-h1');
    const e1 = await h.fail('docker.status', { hostId: h1 });
    expect(e1.code).toBe('DOCKER_NOT_RUNNING');
    expect(e1.message).toMatch(
      /Docker is installed on t-h1 but its daemon is not running: there is no socket at \/var\/run\/docker\.sock/,
    );
    const ct1 = await addOnlineLabHost(h, labHost('ct1'), 't-ct1');
    const e2 = await h.fail('docker.containers', { hostId: ct1 });
    expect(e2.code).toBe('DOCKER_NOT_INSTALLED');
    expect(e2.message).toMatch(/^Docker is not installed on t-ct1/);
    // The fleet lists the containers of the host that has Docker, and says why the others have none.
    const fleet = await api.docker.fleet({ onlineOnly: false });
    expect(
      fleet.find((x) => x.hostId === hostId)?.containers.some((c) => c.name === NAMES.dockerContainer),
    ).toBe(true);
    expect(fleet.find((x) => x.hostId === h1)).toMatchObject({ ok: false, errorCode: 'DOCKER_NOT_RUNNING' });
    expect(fleet.find((x) => x.hostId === ct1)).toMatchObject({
      ok: false,
      errorCode: 'DOCKER_NOT_INSTALLED',
    });
  });

  it('a user who is not in the docker group', async () => {
    run('gpasswd', ['-d', NAMES.user, NAMES.dockerGroup]);
    const other = harness();
    try {
      const id = await addOnlineLabHost(other, dockerHost, 'nogroup');
      const e = await other.fail('docker.status', { hostId: id });
      expect(e.code).toBe('PERMISSION_DENIED');
      expect(e.message).toMatch(
        new RegExp(
          `^user ${NAMES.user} cannot reach the Docker socket on nogroup .*add it to the ${NAMES.dockerGroup} group \\(the docker role does\\)`,
        ),
      );
    } finally {
      run('gpasswd', ['-a', NAMES.user, NAMES.dockerGroup]);
      await other.close();
    }
  });
});

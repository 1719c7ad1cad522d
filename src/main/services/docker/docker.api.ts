// The docker area: each host's engine over its pooled SSH connection. Every mutating call names the
// host and container (or image, volume) it acted on for its audit row; prune and pull are jobs.
import type { AreaApi, RecordEvent } from '../../lib/area';
import type { JobRunner } from '../jobs/job-runner';
import type { DockerService } from './docker-service';
import { logSource } from './logs';
import { pruneJob } from './prune';
import { pullJob } from './pull-job';
import type { ContainerShells } from './shells';
import { statsSource } from './stats';

export interface DockerAreaDeps {
  docker: DockerService;
  shells: ContainerShells;
  runner: JobRunner;
  nameOf: (hostId: number) => string;
  record: RecordEvent;
}

type DockerCalls =
  | 'docker.status'
  | 'docker.containers'
  | 'docker.fleet'
  | 'docker.inspect'
  | 'docker.action'
  | 'docker.remove'
  | 'docker.images'
  | 'docker.removeImage'
  | 'docker.volumes'
  | 'docker.removeVolume'
  | 'docker.networks'
  | 'docker.prunePreview'
  | 'docker.prune'
  | 'docker.pull'
  | 'docker.shellOpen'
  | 'docker.shellInput'
  | 'docker.shellResize'
  | 'docker.shellClose';

export function dockerApi({
  docker,
  shells,
  runner,
  nameOf,
  record,
}: DockerAreaDeps): AreaApi<DockerCalls, 'docker.logs' | 'docker.stats' | 'docker.shellOutput'> {
  shells.onEnded = (info, end, durationMs) =>
    record({
      action: 'docker.shellExited',
      target: `${info.containerName} on ${info.hostName}`,
      ok: end.reason === null && (end.code === 0 || end.code === null),
      errorCode: end.reason ? 'CONNECTION_LOST' : end.code ? 'EXIT_STATUS' : null,
      details: { id: info.id, container: info.containerId, code: end.code, reason: end.reason },
      durationMs,
      refs: { hostId: info.hostId, sessionId: info.id },
    });
  return {
    handlers: {
      'docker.status': ({ hostId }) => docker.status(hostId),
      'docker.containers': ({ hostId }) => docker.containers(hostId),
      'docker.fleet': ({ onlineOnly }) => docker.fleet(onlineOnly),
      'docker.inspect': ({ hostId, id }) => docker.inspect(hostId, id),
      'docker.action': async ({ hostId, id, action, timeoutS }, ctx) => {
        const name = await docker.nameOf(hostId, id);
        ctx.target = `${name} on ${nameOf(hostId)}`;
        ctx.refs = { hostId };
        ctx.auditDetails = { container: name };
        const after = await docker.action(hostId, id, action, timeoutS);
        if (after) ctx.auditDetails = { container: name, state: after.state };
        return after;
      },
      'docker.remove': async ({ hostId, id, force, removeVolumes }, ctx) => {
        const name = await docker.nameOf(hostId, id);
        ctx.target = `${name} on ${nameOf(hostId)}`;
        ctx.refs = { hostId };
        ctx.auditDetails = { container: name };
        await docker.remove(hostId, id, force, removeVolumes);
        return null;
      },
      'docker.images': ({ hostId }) => docker.images(hostId),
      'docker.removeImage': async ({ hostId, ref, force }, ctx) => {
        ctx.target = `image ${ref} on ${nameOf(hostId)}`;
        ctx.refs = { hostId };
        const r = await docker.removeImage(hostId, ref, force);
        ctx.auditDetails = { untagged: r.untagged.length, deleted: r.deleted.length };
        return r;
      },
      'docker.volumes': ({ hostId }) => docker.volumes(hostId),
      'docker.removeVolume': async ({ hostId, name }, ctx) => {
        ctx.target = `volume ${name} on ${nameOf(hostId)}`;
        ctx.refs = { hostId };
        await docker.removeVolume(hostId, name);
        return null;
      },
      'docker.networks': ({ hostId }) => docker.networks(hostId),
      'docker.prunePreview': ({ hostId, selection }) => docker.prunePreview(hostId, selection),
      'docker.prune': async ({ hostId, selection }, ctx) => {
        ctx.target = nameOf(hostId);
        ctx.refs = { hostId };
        const job = runner.start(pruneJob(await docker.engine(hostId), selection), ctx.actor);
        ctx.auditDetails = { id: job.id };
        ctx.refs = { hostId, jobId: job.id };
        return job;
      },
      'docker.pull': async ({ hostId, ref }, ctx) => {
        ctx.target = `${ref} on ${nameOf(hostId)}`;
        ctx.refs = { hostId };
        const job = runner.start(pullJob(await docker.engine(hostId), ref), ctx.actor);
        ctx.auditDetails = { id: job.id };
        ctx.refs = { hostId, jobId: job.id };
        return job;
      },
      'docker.shellOpen': async ({ hostId, id, cols, rows }, ctx) => {
        ctx.target = `${id} on ${nameOf(hostId)}`;
        ctx.refs = { hostId };
        const info = await shells.open(await docker.engine(hostId), id, cols, rows);
        // The same target and id as its close row, so the history pairs them.
        ctx.target = `${info.containerName} on ${info.hostName}`;
        ctx.auditDetails = { id: info.id, container: info.containerName };
        ctx.refs = { hostId, sessionId: info.id };
        return info;
      },
      'docker.shellInput': ({ id, data }) => {
        shells.input(id, data);
        return null;
      },
      'docker.shellResize': ({ id, cols, rows }) => {
        shells.resize(id, cols, rows);
        return null;
      },
      'docker.shellClose': ({ id }, ctx) => {
        const { info, ...summary } = shells.close(id);
        ctx.target = `${info.containerName} on ${info.hostName}`;
        ctx.refs = { hostId: info.hostId, sessionId: id };
        ctx.auditDetails = summary;
        return summary;
      },
    },
    streams: {
      'docker.logs': ({ hostId, id, follow, since, tail }) => {
        let inner: ReturnType<typeof logSource> | null = null;
        let stopped = false;
        let paused = false;
        // The engine is found asynchronously; the source starts once it is.
        return {
          start(emit) {
            docker.engine(hostId).then(
              (e) => {
                if (stopped) return;
                inner = logSource(e, id, { follow, since, tail });
                inner.start(emit);
                if (paused) inner.pause();
              },
              (err: Error) => emit({ t: 'end', reason: err.message }),
            );
          },
          pause: () => {
            paused = true;
            inner?.pause();
          },
          resume: () => {
            paused = false;
            inner?.resume();
          },
          stop: () => {
            stopped = true;
            inner?.stop();
          },
        };
      },
      'docker.stats': ({ hostId }) => statsSource(() => docker.engine(hostId), nameOf(hostId)),
      'docker.shellOutput': ({ id }) => shells.source(id),
    },
  };
}

// The experiments area: create (a job with live steps), resume, roll back, secrets, usage, archive
// and restore. Each call names its experiment for the history (refs.experimentId).
import type { ExperimentsCallName } from '../../../shared/api/contract/experiments.names';
import type { AreaApi, CallContext } from '../../lib/area';
import type { ExperimentService } from './experiment-service';
import type { GiteaHosts } from './gitea-hosts';

export function experimentsApi(
  service: ExperimentService,
  gitea: GiteaHosts,
  nameOf: (hostId: number) => string,
): AreaApi<ExperimentsCallName, never> {
  const giteaOf = (ctx: CallContext, hostId: number): void => {
    ctx.target = `Gitea for experiments on ${nameOf(hostId)}`;
    ctx.refs = { hostId };
  };
  const about = (ctx: CallContext, id: number, jobId?: string): void => {
    const e = service.get(id);
    ctx.target = `experiment ${e.name} on ${e.hostName}`;
    ctx.refs = { hostId: e.hostId, experimentId: e.id, ...(jobId ? { jobId } : {}) };
  };
  return {
    handlers: {
      'experiments.list': ({ hostId, includeArchived }) => service.list(hostId, includeArchived),
      'experiments.get': ({ id }) => service.get(id),
      'experiments.create': (input, ctx) => {
        const r = service.create(input, ctx.actor);
        about(ctx, r.experiment.id, r.jobId);
        return r;
      },
      'experiments.resume': ({ id }, ctx) => {
        about(ctx, id);
        const r = service.resume(id, ctx.actor);
        about(ctx, id, r.jobId);
        return r;
      },
      'experiments.rollback': ({ id }, ctx) => {
        about(ctx, id);
        const r = service.rollback(id, ctx.actor);
        about(ctx, id, r.jobId);
        return r;
      },
      'experiments.usage': ({ hostId }) => service.usage(hostId),
      'experiments.setSecret': ({ id, name, secret }, ctx) => {
        about(ctx, id);
        ctx.auditDetails = { secretName: name };
        return service.setSecret(id, name, secret);
      },
      'experiments.removeSecret': ({ id, name }, ctx) => {
        about(ctx, id);
        return service.removeSecret(id, name);
      },
      'experiments.archive': ({ id, includeHome }, ctx) => {
        about(ctx, id);
        const r = service.archive(id, includeHome, ctx.actor);
        about(ctx, id, r.jobId);
        return r;
      },
      'experiments.archives': () => service.archives(),
      'experiments.gitea': ({ hostId, check }) => gitea.describe(hostId, check),
      'experiments.setGitea': ({ hostId, url, owner, token }, ctx) => {
        giteaOf(ctx, hostId);
        return gitea.set(hostId, { url, owner, token });
      },
      'experiments.clearGitea': ({ hostId }, ctx) => {
        giteaOf(ctx, hostId);
        return gitea.clear(hostId);
      },
      'experiments.restore': ({ archive, hostId, name }, ctx) => {
        ctx.target = `archive ${archive}`;
        const r = service.restore(archive, hostId, name, ctx.actor);
        about(ctx, r.experiment.id, r.jobId);
        ctx.auditDetails = { archive };
        return r;
      },
    },
    streams: {},
  };
}

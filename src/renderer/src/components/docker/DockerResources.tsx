// A host's images (size, tags, used by; remove), volumes (size, used by; remove) and networks.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { ImageSummary } from '../../../../shared/api/docker-domain';
import { api } from '../../api';
import { errorText } from '../../lib/errors';
import { formatAgo, formatBytes } from '../../lib/format';

function Failure({ error }: { error: unknown }): React.JSX.Element {
  return <div className="banner error">{errorText(error)}</div>;
}

export function ImagesView({ hostId }: { hostId: number }): React.JSX.Element {
  const qc = useQueryClient();
  const q = useQuery({
    queryKey: ['docker', 'images', hostId],
    queryFn: () => api.docker.images({ hostId }),
  });
  const [err, setErr] = useState<unknown>(null);
  const remove = useMutation({
    mutationFn: (o: { ref: string; force: boolean }) => api.docker.removeImage({ hostId, ...o }),
    onSuccess: () => setErr(null),
    onError: (e) => setErr(e),
    onSettled: () => void qc.invalidateQueries({ queryKey: ['docker'] }),
  });
  const ask = (i: ImageSummary, ref: string): void => {
    const what =
      ref === i.id ? `image ${i.id.slice(7, 19)} (${i.tags.join(', ') || 'untagged'})` : `tag ${ref}`;
    const users = i.usedBy.length
      ? ` It is used by ${i.usedBy.join(', ')}: those containers must be removed first.`
      : '';
    const more = ref === i.id && i.tags.length > 1 ? ' Every tag goes with it.' : '';
    if (window.confirm(`Remove ${what}?${more}${users}`))
      remove.mutate({ ref, force: ref === i.id && i.tags.length > 1 });
  };
  if (q.error) return <Failure error={q.error} />;
  const total = (q.data ?? []).reduce((s, i) => s + i.sizeBytes, 0);
  return (
    <div className="table-wrap" data-testid="docker-images">
      {err != null && <Failure error={err} />}
      <table className="grid compact">
        <thead>
          <tr>
            <th style={{ width: '34%' }}>Tags</th>
            <th style={{ width: '13%' }}>Id</th>
            <th className="num" style={{ width: '10%' }}>
              Size
            </th>
            <th style={{ width: '10%' }}>Created</th>
            <th>Used by</th>
            <th style={{ width: 120 }} />
          </tr>
        </thead>
        <tbody>
          {(q.data ?? []).map((i) => (
            <tr key={i.id} data-testid="docker-image-row">
              <td title={i.tags.join('\n')}>
                {i.tags.length ? (
                  i.tags.map((t) => (
                    <span key={t} className="dk-tag">
                      {t}
                      <button className="link-btn" title={`Remove the tag ${t}`} onClick={() => ask(i, t)}>
                        ×
                      </button>
                    </span>
                  ))
                ) : (
                  <span className="dim">&lt;untagged&gt;{i.dangling ? ' dangling' : ''}</span>
                )}
              </td>
              <td className="mono">{i.id.slice(7, 19)}</td>
              <td className="num">{formatBytes(i.sizeBytes)}</td>
              <td>{formatAgo(i.createdAt)}</td>
              <td title={i.usedBy.join(', ')}>
                {i.usedBy.length ? i.usedBy.join(', ') : <span className="dim">none</span>}
              </td>
              <td>
                <button className="btn small danger" disabled={remove.isPending} onClick={() => ask(i, i.id)}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="dk-foot dim small">
        {q.data
          ? `${q.data.length} images, ${formatBytes(total)} (shared layers counted in each)`
          : 'Loading…'}
      </div>
    </div>
  );
}

export function VolumesView({ hostId }: { hostId: number }): React.JSX.Element {
  const qc = useQueryClient();
  const q = useQuery({
    queryKey: ['docker', 'volumes', hostId],
    queryFn: () => api.docker.volumes({ hostId }),
  });
  const remove = useMutation({
    mutationFn: (name: string) => api.docker.removeVolume({ hostId, name }),
    onSettled: () => void qc.invalidateQueries({ queryKey: ['docker', 'volumes', hostId] }),
  });
  if (q.error) return <Failure error={q.error} />;
  return (
    <div className="table-wrap" data-testid="docker-volumes">
      {remove.error && <Failure error={remove.error} />}
      <table className="grid compact">
        <thead>
          <tr>
            <th style={{ width: '30%' }}>Name</th>
            <th style={{ width: '9%' }}>Driver</th>
            <th className="num" style={{ width: '10%' }}>
              Size
            </th>
            <th>Used by</th>
            <th style={{ width: '26%' }}>Mountpoint</th>
            <th style={{ width: 90 }} />
          </tr>
        </thead>
        <tbody>
          {(q.data ?? []).map((v) => (
            <tr key={v.name}>
              <td className="mono" title={v.name}>
                {v.name} {v.anonymous && <span className="pill">anonymous</span>}
              </td>
              <td>{v.driver}</td>
              <td className="num">{v.sizeBytes >= 0 ? formatBytes(v.sizeBytes) : '—'}</td>
              <td>{v.usedBy.length ? v.usedBy.join(', ') : <span className="dim">unused</span>}</td>
              <td className="mono dim" title={v.mountpoint}>
                {v.mountpoint}
              </td>
              <td>
                <button
                  className="btn small danger"
                  disabled={v.usedBy.length > 0 || remove.isPending}
                  title={
                    v.usedBy.length
                      ? 'In use: remove those containers first'
                      : 'Delete this volume and its data'
                  }
                  onClick={() => {
                    if (
                      window.confirm(`Delete volume ${v.name} and all the data in it? This cannot be undone.`)
                    )
                      remove.mutate(v.name);
                  }}
                >
                  Remove
                </button>
              </td>
            </tr>
          ))}
          {q.data?.length === 0 && (
            <tr>
              <td colSpan={6} className="dim">
                No volumes.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}

export function NetworksView({ hostId }: { hostId: number }): React.JSX.Element {
  const q = useQuery({
    queryKey: ['docker', 'networks', hostId],
    queryFn: () => api.docker.networks({ hostId }),
  });
  if (q.error) return <Failure error={q.error} />;
  return (
    <div className="table-wrap" data-testid="docker-networks">
      <table className="grid compact">
        <thead>
          <tr>
            <th style={{ width: '22%' }}>Name</th>
            <th style={{ width: '10%' }}>Driver</th>
            <th style={{ width: '8%' }}>Scope</th>
            <th style={{ width: '16%' }}>Subnet</th>
            <th>Containers</th>
            <th style={{ width: '12%' }}>Id</th>
          </tr>
        </thead>
        <tbody>
          {(q.data ?? []).map((n) => (
            <tr key={n.id}>
              <td>
                {n.name} {n.builtin && <span className="pill">built-in</span>}{' '}
                {n.internal && <span className="pill">internal</span>}
              </td>
              <td>{n.driver}</td>
              <td>{n.scope}</td>
              <td className="mono">{n.subnet ?? '—'}</td>
              <td>{n.containers.length ? n.containers.join(', ') : <span className="dim">none</span>}</td>
              <td className="mono dim">{n.id.slice(0, 12)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

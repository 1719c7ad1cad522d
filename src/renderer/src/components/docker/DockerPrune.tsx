// Prune with a preview: choose what kinds to prune, see exactly which containers, images, volumes
// and networks would go and the space they free, then prune (a job) — or not.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { PruneSelection } from '../../../../shared/api/docker-domain';
import { api } from '../../api';
import { errorText } from '../../lib/errors';
import { formatBytes } from '../../lib/format';
import { addStartedJob } from '../../state/jobs';
import { JobLine } from '../JobProgress';
import { Modal } from '../Modal';

const KIND_LABEL = { container: 'Container', image: 'Image', volume: 'Volume', network: 'Network' } as const;

export function PruneDialog(props: {
  hostId: number;
  hostName: string;
  onClose: () => void;
}): React.JSX.Element {
  const qc = useQueryClient();
  const [sel, setSel] = useState<PruneSelection>({
    containers: true,
    images: 'dangling',
    volumes: false,
    networks: true,
  });
  const [jobId, setJobId] = useState<string | null>(null);
  const nothing = !sel.containers && sel.images === 'none' && !sel.volumes && !sel.networks;
  const preview = useQuery({
    queryKey: ['docker', 'prune-preview', props.hostId, sel],
    queryFn: () => api.docker.prunePreview({ hostId: props.hostId, selection: sel }),
    enabled: !nothing && !jobId,
  });
  const prune = useMutation({
    mutationFn: () => api.docker.prune({ hostId: props.hostId, selection: sel }),
    onSuccess: (job) => {
      addStartedJob(job);
      setJobId(job.id);
    },
    onSettled: () => void qc.invalidateQueries({ queryKey: ['docker'] }),
  });
  const items = preview.data?.items ?? [];
  return (
    <Modal
      title={`Prune Docker on ${props.hostName}`}
      onClose={props.onClose}
      wide
      testId="docker-prune-dialog"
    >
      <div className="dk-prune">
        <div className="row dk-prune-kinds">
          <label className="check">
            <input
              type="checkbox"
              checked={sel.containers}
              disabled={!!jobId}
              onChange={(e) => setSel({ ...sel, containers: e.target.checked })}
            />{' '}
            stopped containers
          </label>
          <label>
            images{' '}
            <select
              value={sel.images}
              disabled={!!jobId}
              data-testid="docker-prune-images"
              onChange={(e) => setSel({ ...sel, images: e.target.value as PruneSelection['images'] })}
            >
              <option value="none">none</option>
              <option value="dangling">dangling (untagged, unused)</option>
              <option value="unused">every image no container uses</option>
            </select>
          </label>
          <label className="check">
            <input
              type="checkbox"
              checked={sel.volumes}
              disabled={!!jobId}
              data-testid="docker-prune-volumes"
              onChange={(e) => setSel({ ...sel, volumes: e.target.checked })}
            />{' '}
            unused volumes (their data is deleted)
          </label>
          <label className="check">
            <input
              type="checkbox"
              checked={sel.networks}
              disabled={!!jobId}
              onChange={(e) => setSel({ ...sel, networks: e.target.checked })}
            />{' '}
            unused networks
          </label>
        </div>
        {preview.error && <div className="banner error">{errorText(preview.error)}</div>}
        {!jobId && (
          <>
            <div className="dk-prune-total" data-testid="docker-prune-total">
              {nothing
                ? 'Pick something to prune.'
                : preview.isFetching && !preview.data
                  ? 'Working out what would go…'
                  : items.length === 0
                    ? 'Nothing to prune: everything selected is in use.'
                    : `${items.length} item${items.length === 1 ? '' : 's'} would go, freeing about ${formatBytes(preview.data!.totalBytes)}.`}
            </div>
            {preview.data?.notes.map((n) => (
              <p key={n} className="dim small">
                {n}
              </p>
            ))}
            {items.length > 0 && (
              <div className="table-wrap dk-prune-list">
                <table className="grid compact" data-testid="docker-prune-preview">
                  <thead>
                    <tr>
                      <th style={{ width: 90 }}>Kind</th>
                      <th>Name</th>
                      <th style={{ width: 130 }}>Id</th>
                      <th className="num" style={{ width: 100 }}>
                        Frees
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {items.map((i) => (
                      <tr key={`${i.kind}:${i.id}`}>
                        <td>{KIND_LABEL[i.kind]}</td>
                        <td title={i.name}>{i.name}</td>
                        <td className="mono dim">{i.id.replace(/^sha256:/, '').slice(0, 12)}</td>
                        <td className="num">{i.bytes >= 0 ? formatBytes(i.bytes) : '—'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </>
        )}
        {prune.error && <div className="banner error">{errorText(prune.error)}</div>}
        {jobId && <JobLine id={jobId} testId="docker-prune-job" />}
        <div className="actions">
          <button className="btn" onClick={props.onClose}>
            {jobId ? 'Close' : 'Cancel'}
          </button>
          {!jobId && (
            <button
              className="btn danger"
              data-testid="docker-prune-confirm"
              disabled={nothing || items.length === 0 || preview.isFetching || prune.isPending}
              onClick={() => prune.mutate()}
            >
              Prune {items.length || ''}
            </button>
          )}
        </div>
      </div>
    </Modal>
  );
}

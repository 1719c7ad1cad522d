// Pull an image as a job; its layers' progress shown here from the job's live log.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { JobLogEvent } from '../../../../shared/api/domain';
import { api } from '../../api';
import { errorText, fieldError } from '../../lib/errors';
import { addStartedJob } from '../../state/jobs';
import { JobLine } from '../JobProgress';
import { Modal } from '../Modal';

/** layer id -> its latest line ("downloading 3.1 MiB of 8.0 MiB", "done"). */
function useLayers(jobId: string | null): [string, string][] {
  const [layers, setLayers] = useState<Map<string, string>>(new Map());
  useEffect(() => {
    if (!jobId) return;
    return api.streams.jobs.log({ id: jobId }, (events: JobLogEvent[]) => {
      const found: [string, string][] = [];
      for (const e of events) {
        if (e.t !== 'line') continue;
        const m = /^layer ([0-9a-f]+): (.*)$/.exec(e.text);
        if (m) found.push([m[1]!, m[2]!]);
      }
      if (found.length) setLayers((prev) => new Map([...prev, ...found]));
    });
  }, [jobId]);
  return [...layers.entries()];
}

export function PullDialog(props: {
  hostId: number;
  hostName: string;
  onClose: () => void;
}): React.JSX.Element {
  const qc = useQueryClient();
  const [ref, setRef] = useState('');
  const [jobId, setJobId] = useState<string | null>(null);
  const pull = useMutation({
    mutationFn: () => api.docker.pull({ hostId: props.hostId, ref: ref.trim() }),
    onSuccess: (job) => {
      addStartedJob(job);
      setJobId(job.id);
    },
  });
  const layers = useLayers(jobId);
  useEffect(
    () => () => void qc.invalidateQueries({ queryKey: ['docker', 'images', props.hostId] }),
    [qc, props.hostId],
  );
  return (
    <Modal
      title={`Pull an image to ${props.hostName}`}
      onClose={props.onClose}
      wide
      testId="docker-pull-dialog"
    >
      <form
        className="dk-pull"
        onSubmit={(e) => {
          e.preventDefault();
          if (ref.trim()) pull.mutate();
        }}
      >
        <div className="row">
          <input
            className="grow mono"
            autoFocus
            placeholder="registry:5000/name:tag"
            aria-label="Image reference"
            data-testid="docker-pull-ref"
            value={ref}
            disabled={!!jobId}
            onChange={(e) => setRef(e.target.value)}
          />
          {!jobId && (
            <button
              className="btn primary"
              type="submit"
              data-testid="docker-pull-start"
              disabled={!ref.trim() || pull.isPending}
            >
              Pull
            </button>
          )}
        </div>
        {pull.error && (
          <div className="field-error">{fieldError(pull.error, 'ref') ?? errorText(pull.error)}</div>
        )}
        {jobId && <JobLine id={jobId} testId="docker-pull-job" />}
        {layers.length > 0 && (
          <table className="grid compact dk-layers" data-testid="docker-pull-layers">
            <tbody>
              {layers.map(([id, what]) => (
                <tr key={id}>
                  <td className="mono" style={{ width: 130 }}>
                    {id}
                  </td>
                  <td>{what}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <div className="actions">
          <button type="button" className="btn" onClick={props.onClose}>
            {jobId ? 'Close' : 'Cancel'}
          </button>
        </div>
      </form>
    </Modal>
  );
}

// Run a shell command on one or more hosts as a job: the job connects to each host as needed, so
// any host can be picked whatever its state. On success the Jobs page opens on the new job.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api';
import { errorText, fieldError, nextStep } from '../lib/errors';
import { addStartedJob, openJob } from '../state/jobs';
import { HostChecklist } from './HostChecklist';
import { CancelButton, Modal } from './Modal';

export function RunCommandDialog(props: {
  /** The host whose page this was opened from: always included, the others are extras. */
  hostId?: number;
  onClose: () => void;
}): React.JSX.Element {
  const { hostId, onClose } = props;
  const qc = useQueryClient();
  const hosts = useQuery({ queryKey: ['hosts'], queryFn: () => api.hosts.list() });
  const [command, setCommand] = useState('');
  const [picked, setPicked] = useState<number[]>([]);
  const fixed = hosts.data?.find((h) => h.id === hostId);
  const others = (hosts.data ?? []).filter((h) => h.id !== hostId);
  const targets = [...(hostId !== undefined ? [hostId] : []), ...picked];

  const run = useMutation({
    mutationFn: () => api.jobs.runCommand({ hostIds: targets, command }),
    onSuccess: (job) => {
      addStartedJob(job);
      openJob(job.id);
      onClose();
    },
    // Started or refused, the call is in the audit history.
    onSettled: () => void qc.invalidateQueries({ queryKey: ['audit'] }),
  });
  const canRun = command.trim() !== '' && targets.length > 0 && !run.isPending;
  const submit = (): void => {
    if (canRun) run.mutate();
  };
  const commandError = fieldError(run.error, 'command');
  const hostsError = fieldError(run.error, 'hostIds');
  const otherError = run.error && !commandError && !hostsError ? run.error : null;

  return (
    <Modal
      title={fixed ? `Run a command on ${fixed.name}` : 'Run a command'}
      onClose={onClose}
      testId="run-command-dialog"
      dirty={command.trim() !== ''}
    >
      <form
        className="form-grid run-command"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <label htmlFor="f-run-command">Command</label>
        <div>
          <textarea
            id="f-run-command"
            className="mono"
            data-testid="command-input"
            rows={5}
            spellCheck={false}
            autoFocus
            value={command}
            placeholder="uptime; df -h /"
            onChange={(e) => setCommand(e.target.value)}
            onKeyDown={(e) => {
              // Enter adds a line (scripts are welcome); Ctrl+Enter runs.
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                e.preventDefault();
                submit();
              }
            }}
          />
          <div className="hint">
            Runs with <code>sh -c</code> as each host's login user; output goes to the job's log. Ctrl+Enter
            runs.
          </div>
          {commandError && <div className="field-error inline">{commandError}</div>}
        </div>
        <label>{fixed ? 'Also on' : 'Hosts'}</label>
        <div>
          {others.length === 0 ? (
            <div className="dim run-hosts-empty">
              {hosts.isPending
                ? 'Loading the hosts…'
                : fixed
                  ? 'No other hosts.'
                  : 'No hosts yet: add one in the sidebar first.'}
            </div>
          ) : (
            <HostChecklist
              hosts={others}
              picked={picked}
              onChange={setPicked}
              testIdPrefix="command-host"
              testId="command-hosts"
            />
          )}
          {hostsError && <div className="field-error inline">{hostsError}</div>}
          {!fixed && others.length > 0 && picked.length === 0 && (
            <div className="hint">Pick at least one host.</div>
          )}
        </div>
        {otherError && (
          <div className="banner error span2" data-testid="command-error">
            {errorText(otherError)}
            {nextStep(otherError) && <div className="next">{nextStep(otherError)}</div>}
          </div>
        )}
        <div className="actions span2">
          <span className="dim small run-summary">
            {targets.length === 0
              ? ''
              : `${targets.length} host${targets.length === 1 ? '' : 's'}; hosts not connected are connected first.`}
          </span>
          <CancelButton />
          <button className="btn primary" type="submit" data-testid="command-run" disabled={!canRun}>
            {run.isPending ? 'Starting…' : 'Run'}
          </button>
        </div>
      </form>
    </Modal>
  );
}

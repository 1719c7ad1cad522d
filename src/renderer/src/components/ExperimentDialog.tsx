// A new experiment on a host: a name (checked as it is typed, with the Linux user and database it
// makes), a description, a template (python: pip packages for ~/.venv) and optional limits. It is
// created as a job; the experiment's page opens to follow its steps.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { EXPERIMENT_NAME_MAX, type ExperimentTemplate } from '../../../shared/api/experiments-domain';
import { api, ApiError } from '../api';
import { errorText, nextStep } from '../lib/errors';
import {
  CPU_WEIGHT_RANGE,
  derivedNames,
  MEMORY_MIB_RANGE,
  nameProblem,
  parseLimit,
  parsePackages,
} from '../lib/experiments-view';
import { addStartedJob } from '../state/jobs';
import { useUi } from '../state/ui-store';
import { CancelButton, Modal } from './Modal';

/** The API's complaint about one field (or any field under it, e.g. "packages.3"), without its prefix. */
function apiFieldError(err: unknown, field: string): string | null {
  if (!(err instanceof ApiError) || err.code !== 'VALIDATION' || !err.field) return null;
  if (err.field !== field && !err.field.startsWith(`${field}.`)) return null;
  const m = err.message.replace(/^Invalid input: [\w.]+: /, '');
  return m.charAt(0).toUpperCase() + m.slice(1);
}

const FIELDS = ['hostId', 'name', 'description', 'template', 'packages', 'limits'] as const;

/** Follows a job an experiments call started: shown at once, before the jobs stream has it. */
export function followJob(jobId: string): Promise<boolean> {
  return api.jobs.get({ id: jobId }).then(
    (job) => {
      addStartedJob(job);
      return true;
    },
    () => false,
  );
}

export function ExperimentDialog(props: { hostId?: number; onClose: () => void }): React.JSX.Element {
  const qc = useQueryClient();
  const openExperiment = useUi((s) => s.openExperiment);
  const hosts = useQuery({ queryKey: ['hosts'], queryFn: () => api.hosts.list() });
  const [hostId, setHostId] = useState<number | null>(props.hostId ?? null);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [template, setTemplate] = useState<ExperimentTemplate>('base');
  const [packagesText, setPackagesText] = useState('');
  const [memory, setMemory] = useState('');
  const [cpu, setCpu] = useState('');
  const [touched, setTouched] = useState(false);

  const host = hostId ?? (hosts.data?.length === 1 ? hosts.data[0]!.id : null);
  const problem = nameProblem(name);
  const pk = parsePackages(template === 'python' ? packagesText : '');
  const mem = parseLimit(memory, ...MEMORY_MIB_RANGE);
  const weight = parseLimit(cpu, ...CPU_WEIGHT_RANGE);
  const derived = derivedNames(name || '<name>');

  const create = useMutation({
    mutationFn: () =>
      api.experiments.create({
        hostId: host!,
        name,
        description: description.trim(),
        template,
        packages: pk.packages,
        limits: {
          memoryMiB: mem instanceof Error ? null : mem,
          cpuWeight: weight instanceof Error ? null : weight,
        },
      }),
    onSuccess: (r) => {
      void followJob(r.jobId);
      qc.setQueryData(['experiments', 'get', r.experiment.id], r.experiment);
      void qc.invalidateQueries({ queryKey: ['experiments'] });
      openExperiment(r.experiment.id);
      props.onClose();
    },
    onSettled: () => void qc.invalidateQueries({ queryKey: ['audit'] }),
  });

  const ok =
    host !== null &&
    problem === null &&
    pk.problem === null &&
    !(mem instanceof Error) &&
    !(weight instanceof Error) &&
    !create.isPending;
  const err = create.error;
  const fieldErr = (f: string): string | null => apiFieldError(err, f);
  const otherError = err && !FIELDS.some((f) => fieldErr(f)) ? err : null;
  const hostName = hosts.data?.find((h) => h.id === host)?.name;

  return (
    <Modal
      title={hostName && props.hostId !== undefined ? `New experiment on ${hostName}` : 'New experiment'}
      onClose={props.onClose}
      testId="experiment-dialog"
      dirty={name !== '' || description !== '' || packagesText !== ''}
    >
      <form
        className="form-grid"
        onSubmit={(e) => {
          e.preventDefault();
          setTouched(true);
          if (ok) create.mutate();
        }}
      >
        <label htmlFor="f-exp-host">Host</label>
        <div>
          <select
            id="f-exp-host"
            data-testid="experiment-host"
            value={host ?? ''}
            onChange={(e) => setHostId(e.target.value ? Number(e.target.value) : null)}
          >
            <option value="">pick a host…</option>
            {(hosts.data ?? []).map((h) => (
              <option key={h.id} value={h.id}>
                {h.name}
              </option>
            ))}
          </select>
          <div className="hint">
            The host needs the postgresql and experiments bootstrap roles applied (python too for the python
            template).
          </div>
          {touched && host === null && (
            <div className="field-error inline">Pick the host to create it on.</div>
          )}
          {fieldErr('hostId') && <div className="field-error inline">{fieldErr('hostId')}</div>}
        </div>

        <label htmlFor="f-exp-name">Name</label>
        <div>
          <input
            id="f-exp-name"
            className="mono"
            data-testid="experiment-name"
            autoFocus
            autoComplete="off"
            spellCheck={false}
            maxLength={EXPERIMENT_NAME_MAX + 8}
            value={name}
            placeholder="llm-eval"
            onChange={(e) => {
              setName(e.target.value);
              // The API's word on the old name no longer applies.
              if (create.error) create.reset();
            }}
            onBlur={() => name && setTouched(true)}
          />
          {(touched || name !== '') && problem && (
            <div className="field-error inline" data-testid="experiment-name-problem">
              Name {problem}.
            </div>
          )}
          {fieldErr('name') && <div className="field-error inline">{fieldErr('name')}</div>}
          <div className="hint" data-testid="experiment-derived">
            Linux user <code>{derived.linuxUser}</code> · database <code>{derived.database}</code> ·{' '}
            {name.length}/{EXPERIMENT_NAME_MAX}
          </div>
        </div>

        <label htmlFor="f-exp-desc">Description</label>
        <div>
          <textarea
            id="f-exp-desc"
            rows={2}
            maxLength={500}
            value={description}
            placeholder="What it is for (optional)"
            onChange={(e) => setDescription(e.target.value)}
          />
          {fieldErr('description') && <div className="field-error inline">{fieldErr('description')}</div>}
        </div>

        <label htmlFor="f-exp-template">Template</label>
        <div>
          <select
            id="f-exp-template"
            data-testid="experiment-template"
            value={template}
            onChange={(e) => setTemplate(e.target.value as ExperimentTemplate)}
          >
            <option value="base">base — a shell, Git and the database</option>
            <option value="python">python — plus a venv in ~/.venv</option>
          </select>
          {fieldErr('template') && <div className="field-error inline">{fieldErr('template')}</div>}
        </div>

        {template === 'python' && (
          <>
            <label htmlFor="f-exp-packages">Packages</label>
            <div>
              <input
                id="f-exp-packages"
                className="mono"
                data-testid="experiment-packages"
                spellCheck={false}
                value={packagesText}
                placeholder="numpy pandas torch==2.4.1"
                onChange={(e) => setPackagesText(e.target.value)}
              />
              {pk.problem && <div className="field-error inline">Packages: {pk.problem}.</div>}
              {fieldErr('packages') && <div className="field-error inline">{fieldErr('packages')}</div>}
              <div className="hint">
                pip requirements, separated by commas or spaces; installed into <code>~/.venv</code> from the
                host's configured index.
              </div>
            </div>
          </>
        )}

        <label>Limits</label>
        <div>
          <div className="row exp-limits">
            <input
              aria-label="Memory limit in MiB"
              data-testid="experiment-memory"
              inputMode="numeric"
              value={memory}
              placeholder="none"
              onChange={(e) => setMemory(e.target.value)}
            />
            <span className="dim">MiB memory</span>
            <input
              aria-label="CPU weight"
              data-testid="experiment-cpu"
              inputMode="numeric"
              value={cpu}
              placeholder="none"
              onChange={(e) => setCpu(e.target.value)}
            />
            <span className="dim">CPU weight</span>
          </div>
          {mem instanceof Error && <div className="field-error inline">Memory {mem.message}.</div>}
          {weight instanceof Error && <div className="field-error inline">CPU weight {weight.message}.</div>}
          {fieldErr('limits') && <div className="field-error inline">{fieldErr('limits')}</div>}
          <div className="hint">
            A systemd slice for the user: MemoryMax in MiB (≥ 64), CPUWeight 1–10000 (100 is a normal share).
            Empty: no limit.
          </div>
        </div>

        {otherError && (
          <div className="banner error span2" data-testid="experiment-create-error">
            {hostName ? `Could not create the experiment on ${hostName}: ` : ''}
            {errorText(otherError)}
            {nextStep(otherError) && <div className="next">{nextStep(otherError)}</div>}
          </div>
        )}
        <div className="actions span2">
          <CancelButton />
          <button
            className="btn primary"
            type="submit"
            data-testid="experiment-create"
            disabled={create.isPending}
          >
            {create.isPending ? 'Starting…' : 'Create'}
          </button>
        </div>
      </form>
    </Modal>
  );
}

// Bootstrap one or more hosts with the bundled roles: pick hosts and roles, adjust the roles'
// documented variables, and start with a preview (check mode: nothing changes) or straight away.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import type { BootstrapRole, BootstrapRoleVar } from '../../../shared/api/bootstrap-domain';
import { api } from '../api';
import { errorText, nextStep } from '../lib/errors';
import { addStartedJob } from '../state/jobs';
import { useUi } from '../state/ui-store';
import { HostChecklist } from './HostChecklist';
import { CancelButton, Modal } from './Modal';

type VarValue = string | number | boolean | string[];

function shown(v: unknown): string {
  if (Array.isArray(v)) return v.join(', ');
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return v === null || v === undefined ? '' : JSON.stringify(v);
}

function parse(def: BootstrapRoleVar, text: string): VarValue | Error {
  switch (def.type) {
    case 'int': {
      const n = Number(text);
      return text.trim() !== '' && Number.isInteger(n) ? n : new Error('a whole number');
    }
    case 'list':
      return text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    case 'bool':
      return text === 'true';
    default:
      return text;
  }
}

function VarField(props: {
  def: BootstrapRoleVar;
  value: string | undefined;
  onChange: (text: string | undefined) => void;
}): React.JSX.Element {
  const { def, value } = props;
  const id = `bv-${def.name}`;
  const edited = value !== undefined;
  const bad = edited && parse(def, value) instanceof Error;
  return (
    <div className={`bootstrap-var ${edited ? 'edited' : ''}`} data-testid={`var-${def.name}`}>
      <label htmlFor={id} className="mono small">
        {def.name}
      </label>
      {def.type === 'bool' ? (
        <input
          id={id}
          type="checkbox"
          checked={edited ? value === 'true' : def.default === true}
          onChange={(e) =>
            props.onChange(
              String(e.target.checked) === String(def.default) ? undefined : String(e.target.checked),
            )
          }
        />
      ) : (
        <input
          id={id}
          className="mono"
          type={def.secret ? 'password' : 'text'}
          autoComplete="off"
          value={edited ? value : ''}
          placeholder={def.secret ? '(not set)' : shown(def.default) || '(empty)'}
          onChange={(e) => props.onChange(e.target.value === '' ? undefined : e.target.value)}
        />
      )}
      <span className="dim small bootstrap-var-doc">
        {def.doc}
        {def.type === 'list' ? ' (comma-separated)' : ''}
        {bad ? <b className="field-error"> must be {(parse(def, value) as Error).message}</b> : null}
      </span>
    </div>
  );
}

function VarList(props: {
  defs: BootstrapRoleVar[];
  values: Record<string, string>;
  set: (name: string, text: string | undefined) => void;
}): React.JSX.Element {
  return (
    <div className="bootstrap-vars">
      {props.defs.map((def) => (
        <VarField
          key={def.name}
          def={def}
          value={props.values[def.name]}
          onChange={(t) => props.set(def.name, t)}
        />
      ))}
    </div>
  );
}

export function BootstrapDialog(props: { hostIds: number[]; onClose: () => void }): React.JSX.Element {
  const qc = useQueryClient();
  const openBootstrap = useUi((s) => s.openBootstrap);
  const hosts = useQuery({ queryKey: ['hosts'], queryFn: () => api.hosts.list() });
  const catalog = useQuery({ queryKey: ['bootstrap', 'catalog'], queryFn: () => api.bootstrap.catalog() });
  const [picked, setPicked] = useState<number[]>(props.hostIds);
  const [roles, setRoles] = useState<string[] | null>(null);
  const [vars, setVars] = useState<Record<string, string>>({});
  const [openRole, setOpenRole] = useState<string | null>(null);
  /** A variable set by the person, or back to its default (undefined). */
  const setVar = (name: string, text: string | undefined): void =>
    setVars((v) => {
      const next = { ...v };
      if (text === undefined) delete next[name];
      else next[name] = text;
      return next;
    });
  const first = props.hostIds[0];
  const summary = useQuery({
    queryKey: ['bootstrap', 'host', first],
    queryFn: () => api.bootstrap.hostSummary({ hostId: first! }),
    enabled: first !== undefined,
  });
  const [preview, setPreview] = useState<boolean | null>(null);
  const [remember, setRemember] = useState(false);
  const previewFirst = preview ?? !(summary.data?.skipPreview ?? false);
  const allRoles = useMemo(() => catalog.data?.roles ?? [], [catalog.data]);
  const shared = catalog.data?.vars ?? [];
  const chosen = roles ?? allRoles.filter((r) => r.default).map((r) => r.name);
  const byName = useMemo(() => new Map(allRoles.map((r) => [r.name, r])), [allRoles]);

  const input = (): { vars: Record<string, VarValue> } | Error => {
    const out: Record<string, VarValue> = {};
    for (const defs of [shared, ...chosen.map((r) => byName.get(r)?.vars ?? [])]) {
      for (const def of defs) {
        const text = vars[def.name];
        if (text === undefined) continue;
        const v = parse(def, text);
        if (v instanceof Error) return new Error(`${def.name} must be ${v.message}.`);
        out[def.name] = v;
      }
    }
    return { vars: out };
  };
  const start = useMutation({
    mutationFn: async () => {
      const i = input();
      if (i instanceof Error) throw i;
      if (remember && first !== undefined) {
        await api.bootstrap.setSkipPreview({ hostId: first, skip: !previewFirst });
      }
      return api.bootstrap.start({
        hostIds: picked,
        roles: chosen,
        vars: i.vars,
        mode: previewFirst ? 'check' : 'apply',
      });
    },
    onSuccess: (run) => {
      void api.jobs.get({ id: run.jobId }).then(addStartedJob, () => undefined);
      void qc.invalidateQueries({ queryKey: ['bootstrap'] });
      openBootstrap({ runId: run.id });
      props.onClose();
    },
    onSettled: () => void qc.invalidateQueries({ queryKey: ['audit'] }),
  });
  const canStart = picked.length > 0 && chosen.length > 0 && !start.isPending && !(input() instanceof Error);
  const names = (hosts.data ?? []).filter((h) => picked.includes(h.id)).map((h) => h.name);
  const toggleRole = (r: BootstrapRole, on: boolean): void =>
    setRoles(on ? [...chosen, r.name] : chosen.filter((x) => x !== r.name));

  return (
    <Modal
      title={names.length === 1 ? `Bootstrap ${names[0]}` : `Bootstrap ${names.length} hosts`}
      onClose={props.onClose}
      testId="bootstrap-dialog"
      dirty={Object.keys(vars).length > 0 || roles !== null}
      wide
    >
      <form
        className="form-grid bootstrap-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (canStart) start.mutate();
        }}
      >
        <label>Hosts</label>
        <HostChecklist
          hosts={hosts.data ?? []}
          picked={picked}
          onChange={setPicked}
          testIdPrefix="bootstrap-host"
          testId="bootstrap-hosts"
        />
        <label>Roles</label>
        <div className="bootstrap-roles" data-testid="bootstrap-roles">
          {catalog.isPending && <div className="dim">Reading the bundled roles…</div>}
          {catalog.error && <div className="banner error">{errorText(catalog.error)}</div>}
          {shared.length > 0 && (
            <div className="bootstrap-role on">
              <div className="bootstrap-role-head">
                <b>For every role</b>
                <span className="dim small bootstrap-role-desc">Variables the roles share.</span>
              </div>
              <VarList defs={shared} values={vars} set={setVar} />
            </div>
          )}
          {allRoles.map((r) => {
            const on = chosen.includes(r.name);
            const changed = r.vars.filter((v) => vars[v.name] !== undefined).length;
            return (
              <div key={r.name} className={`bootstrap-role ${on ? 'on' : ''}`}>
                <div className="bootstrap-role-head">
                  <label>
                    <input
                      type="checkbox"
                      data-testid={`role-${r.name}`}
                      checked={on}
                      onChange={(e) => toggleRole(r, e.target.checked)}
                    />
                    <b>{r.title}</b> <span className="mono dim small">{r.name}</span>
                  </label>
                  <span className="dim small bootstrap-role-desc">{r.description}</span>
                  {r.vars.length > 0 && (
                    <button
                      type="button"
                      className="link small"
                      data-testid={`role-vars-${r.name}`}
                      onClick={() => setOpenRole(openRole === r.name ? null : r.name)}
                    >
                      {openRole === r.name ? 'Hide' : 'Variables'} ({r.vars.length}
                      {changed ? `, ${changed} changed` : ''})
                    </button>
                  )}
                </div>
                {openRole === r.name && <VarList defs={r.vars} values={vars} set={setVar} />}
              </div>
            );
          })}
        </div>
        <label>Mode</label>
        <div className="bootstrap-mode">
          <label>
            <input
              type="checkbox"
              data-testid="bootstrap-preview"
              checked={previewFirst}
              onChange={(e) => setPreview(e.target.checked)}
            />{' '}
            Preview first: a check run (Ansible's check mode, with diffs) shows what each task would change;
            nothing changes until you approve it
          </label>
          {first !== undefined && (
            <label className="dim small">
              <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} />{' '}
              Remember this choice for {names[0] ?? 'this host'}
            </label>
          )}
          <div className="hint">
            Runs on the host itself (<code>ansible-playbook -c local</code>): when python3 or ansible-core is
            missing, bootstrap installs them first from the host's own apt sources, also for a preview. The
            run goes on if Labdeck closes or the link drops; Labdeck follows it again when it is back.
          </div>
        </div>
        {start.error && (
          <div className="banner error span2" data-testid="bootstrap-error">
            {errorText(start.error)}
            {nextStep(start.error) && <div className="next">{nextStep(start.error)}</div>}
          </div>
        )}
        <div className="actions span2">
          <span className="dim small run-summary">
            {chosen.length} role{chosen.length === 1 ? '' : 's'} on {picked.length} host
            {picked.length === 1 ? '' : 's'}
          </span>
          <CancelButton />
          <button className="btn primary" type="submit" data-testid="bootstrap-start" disabled={!canStart}>
            {start.isPending ? 'Starting…' : previewFirst ? 'Preview' : 'Bootstrap'}
          </button>
        </div>
      </form>
    </Modal>
  );
}

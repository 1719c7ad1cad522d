// Add or edit a host: address and login, how to authenticate, optional jump host, and labels.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { AuthMethod, Host, HostKind } from '../../../shared/api/domain';
import { api } from '../api';
import { errorText, fieldError } from '../lib/errors';
import { useUi } from '../state/ui-store';
import { CancelButton, Modal } from './Modal';

interface Form {
  name: string;
  address: string;
  port: string;
  user: string;
  kind: HostKind;
  group: string;
  tags: string;
  notes: string;
  authMethod: AuthMethod;
  keyPath: string;
  secret: string;
  saveSecret: boolean;
  forgetSecret: boolean;
  jumpHostId: string;
}

const fromHost = (h: Host | null): Form => ({
  name: h?.name ?? '',
  address: h?.address ?? '',
  port: String(h?.port ?? 22),
  user: h?.user ?? 'root',
  kind: h?.kind ?? 'lxc',
  group: h?.group ?? '',
  tags: h?.tags.join(' ') ?? '',
  notes: h?.notes ?? '',
  authMethod: h?.authMethod ?? 'key',
  keyPath: h?.keyPath ?? '~/.ssh/id_ed25519',
  secret: '',
  saveSecret: h?.hasStoredSecret ?? false,
  forgetSecret: false,
  jumpHostId: h?.jumpHostId ? String(h.jumpHostId) : '',
});

export function HostDialog({ host, onClose }: { host: Host | null; onClose: () => void }): React.JSX.Element {
  const qc = useQueryClient();
  const openHost = useUi((s) => s.openHost);
  const hosts = useQuery({ queryKey: ['hosts'], queryFn: () => api.hosts.list() });
  const [f, setF] = useState<Form>(() => fromHost(host));
  const [pristine] = useState<Form>(() => fromHost(host));
  const set = <K extends keyof Form>(k: K, v: Form[K]): void => setF((prev) => ({ ...prev, [k]: v }));

  const save = useMutation({
    mutationFn: () => {
      const body = {
        name: f.name.trim(),
        address: f.address.trim(),
        port: Number(f.port),
        user: f.user.trim(),
        kind: f.kind,
        group: f.group,
        tags: f.tags.split(/[\s,]+/).filter(Boolean),
        notes: f.notes,
        authMethod: f.authMethod,
        keyPath: f.authMethod === 'key' ? f.keyPath.trim() : null,
        ...(f.secret && f.authMethod !== 'agent' ? { secret: f.secret } : {}),
        saveSecret: f.saveSecret,
        jumpHostId: f.jumpHostId ? Number(f.jumpHostId) : null,
      };
      return host
        ? api.hosts.update({ ...body, id: host.id, forgetSecret: f.forgetSecret })
        : api.hosts.add(body);
    },
    onSuccess: (saved) => {
      // The list has the saved host before its page opens; the refetch (which cancels a list
      // request still in flight from before the save) then brings the server's own copy.
      qc.setQueryData<Host[]>(['hosts'], (old = []) =>
        [...old.filter((h) => h.id !== saved.id), saved].sort(
          (a, b) => a.group.localeCompare(b.group) || a.name.localeCompare(b.name),
        ),
      );
      void qc.invalidateQueries({ queryKey: ['hosts'] });
      void qc.invalidateQueries({ queryKey: ['audit'] });
      openHost(saved.id, saved.name);
      onClose();
    },
    onError: () => void qc.invalidateQueries({ queryKey: ['audit'] }),
  });
  const err = (field: string): React.ReactNode => {
    const m = fieldError(save.error, field);
    return m ? <div className="field-error inline">{m}</div> : null;
  };
  const secretLabel = f.authMethod === 'password' ? 'Password' : 'Key passphrase';

  return (
    <Modal
      title={host ? `Edit ${host.name}` : 'Add a host'}
      onClose={onClose}
      testId="host-dialog"
      dirty={JSON.stringify(f) !== JSON.stringify(pristine)}
    >
      <form
        className="form-grid"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <label htmlFor="f-host-name">Name</label>
        <div>
          <input
            id="f-host-name"
            data-testid="host-name"
            value={f.name}
            onChange={(e) => set('name', e.target.value)}
            placeholder="gpu-box"
            autoFocus
          />
          {err('name')}
        </div>
        <label htmlFor="f-host-address">Address</label>
        <div className="row">
          <input
            id="f-host-address"
            data-testid="host-address"
            value={f.address}
            onChange={(e) => set('address', e.target.value)}
            placeholder="10.0.0.5 or host.lan"
          />
          <span className="dim">port</span>
          <input
            data-testid="host-port"
            aria-label="Port"
            className="narrow"
            value={f.port}
            onChange={(e) => set('port', e.target.value)}
            inputMode="numeric"
          />
        </div>
        {err('address') || err('port') ? (
          <>
            <span />
            {err('address') ?? err('port')}
          </>
        ) : null}
        <label htmlFor="f-host-user">User</label>
        <div>
          <input
            id="f-host-user"
            data-testid="host-user"
            value={f.user}
            onChange={(e) => set('user', e.target.value)}
          />
          {err('user')}
        </div>
        <label htmlFor="f-host-kind">Kind</label>
        <select
          id="f-host-kind"
          data-testid="host-kind"
          value={f.kind}
          onChange={(e) => set('kind', e.target.value as HostKind)}
        >
          <option value="lxc">LXC container</option>
          <option value="gpu">GPU desktop</option>
          <option value="other">Other</option>
        </select>
        <label id="f-auth-label">Authentication</label>
        <div className="segmented" role="radiogroup" aria-labelledby="f-auth-label">
          {(['key', 'agent', 'password'] as AuthMethod[]).map((m) => (
            <button
              type="button"
              key={m}
              role="radio"
              aria-checked={f.authMethod === m}
              className={f.authMethod === m ? 'on' : ''}
              data-testid={`auth-${m}`}
              onClick={() => set('authMethod', m)}
            >
              {m === 'key' ? 'Key file' : m === 'agent' ? 'SSH agent' : 'Password'}
            </button>
          ))}
        </div>
        {f.authMethod === 'key' && (
          <>
            <label htmlFor="f-host-keypath">Private key</label>
            <div>
              <input
                id="f-host-keypath"
                data-testid="host-keypath"
                value={f.keyPath}
                onChange={(e) => set('keyPath', e.target.value)}
                placeholder="~/.ssh/id_ed25519"
              />
              {err('keyPath')}
            </div>
          </>
        )}
        {f.authMethod !== 'agent' && (
          <>
            <label htmlFor="f-host-secret">{secretLabel}</label>
            <div>
              <input
                id="f-host-secret"
                data-testid="host-secret"
                type="password"
                autoComplete="off"
                value={f.secret}
                onChange={(e) => set('secret', e.target.value)}
                placeholder={
                  host?.hasStoredSecret
                    ? '(stored — leave empty to keep)'
                    : f.authMethod === 'key'
                      ? 'only if the key is encrypted'
                      : ''
                }
              />
              <label className="check">
                <input
                  type="checkbox"
                  checked={f.saveSecret}
                  onChange={(e) => set('saveSecret', e.target.checked)}
                />
                Remember it, encrypted (otherwise it is kept in memory until Labdeck quits)
              </label>
              {host?.hasStoredSecret && (
                <label className="check">
                  <input
                    type="checkbox"
                    checked={f.forgetSecret}
                    onChange={(e) => set('forgetSecret', e.target.checked)}
                  />
                  Forget the stored {secretLabel.toLowerCase()}
                </label>
              )}
            </div>
          </>
        )}
        <label htmlFor="f-host-jump">Jump host</label>
        <select
          id="f-host-jump"
          data-testid="host-jump"
          value={f.jumpHostId}
          onChange={(e) => set('jumpHostId', e.target.value)}
        >
          <option value="">None (direct)</option>
          {hosts.data
            ?.filter((h) => h.id !== host?.id)
            .map((h) => (
              <option key={h.id} value={h.id}>
                {h.name} ({h.user}@{h.address})
              </option>
            ))}
        </select>
        {err('jumpHostId') ? (
          <>
            <span />
            {err('jumpHostId')}
          </>
        ) : null}
        <label htmlFor="f-group">Group</label>
        <input
          id="f-group"
          value={f.group}
          onChange={(e) => set('group', e.target.value)}
          placeholder="e.g. proxmox-1"
        />
        <label htmlFor="f-tags">Tags</label>
        <input
          id="f-tags"
          value={f.tags}
          onChange={(e) => set('tags', e.target.value)}
          placeholder="space separated"
        />
        <label htmlFor="f-notes">Notes</label>
        <textarea id="f-notes" rows={2} value={f.notes} onChange={(e) => set('notes', e.target.value)} />
        {save.error &&
          !(['name', 'address', 'port', 'user', 'keyPath', 'jumpHostId'] as const).some((k) =>
            fieldError(save.error, k),
          ) && <div className="banner error span2">{errorText(save.error)}</div>}
        <div className="actions span2">
          <CancelButton />
          <button type="submit" className="btn primary" data-testid="host-save" disabled={save.isPending}>
            {save.isPending ? 'Saving…' : host ? 'Save' : 'Add host'}
          </button>
        </div>
      </form>
    </Modal>
  );
}

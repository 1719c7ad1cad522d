// A host's Gitea for experiment repositories: shown on the host page's Experiments panel. Set up:
// Gitea's URL as the host sees it (reached over the host's SSH connection), an owner, and a site
// administrator's token (kept encrypted; never shown again). Not set up: bare repositories on the host.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api';
import { errorText, fieldError, nextStep } from '../lib/errors';
import { CancelButton, Modal } from './Modal';

export function GiteaSettings({ hostId, hostName }: { hostId: number; hostName: string }): React.JSX.Element {
  const qc = useQueryClient();
  const key = ['experiments.gitea', hostId];
  const config = useQuery({ queryKey: key, queryFn: () => api.experiments.gitea({ hostId }) });
  const [editing, setEditing] = useState(false);
  const clear = useMutation({
    mutationFn: () => api.experiments.clearGitea({ hostId }),
    onSuccess: (c) => qc.setQueryData(key, c),
  });
  const c = config.data;
  return (
    <div className="exp-gitea small" data-testid="gitea-settings">
      <span className="dim">Repositories: </span>
      {!c ? (
        <span className="dim">…</span>
      ) : c.configured ? (
        <>
          <span data-testid="gitea-configured">
            Gitea at <code>{c.url}</code>
            {c.owner ? (
              <>
                {' '}
                owned by <code>{c.owner}</code>
              </>
            ) : null}
          </span>{' '}
          <button className="link-btn" onClick={() => setEditing(true)}>
            change
          </button>{' '}
          <button
            className="link-btn"
            onClick={() => {
              if (
                confirm(
                  `New experiments on ${hostName} get a bare repository on the host instead of Gitea. Existing ones keep theirs.`,
                )
              )
                clear.mutate();
            }}
          >
            stop using it
          </button>
        </>
      ) : (
        <>
          <span>a bare Git repository on the host</span>{' '}
          <button className="link-btn" data-testid="gitea-setup" onClick={() => setEditing(true)}>
            use a Gitea…
          </button>
        </>
      )}
      {clear.error && <div className="field-error inline">{errorText(clear.error)}</div>}
      {editing && (
        <GiteaDialog
          hostId={hostId}
          hostName={hostName}
          initialUrl={c?.url ?? 'http://127.0.0.1:3000'}
          initialOwner={c?.owner ?? ''}
          onClose={() => setEditing(false)}
          onSaved={(saved) => {
            qc.setQueryData(key, saved);
            setEditing(false);
          }}
        />
      )}
    </div>
  );
}

function GiteaDialog(props: {
  hostId: number;
  hostName: string;
  initialUrl: string;
  initialOwner: string;
  onClose: () => void;
  onSaved: (c: Awaited<ReturnType<typeof api.experiments.setGitea>>) => void;
}): React.JSX.Element {
  const [url, setUrl] = useState(props.initialUrl);
  const [owner, setOwner] = useState(props.initialOwner);
  const [token, setToken] = useState('');
  const save = useMutation({
    mutationFn: () =>
      api.experiments.setGitea({
        hostId: props.hostId,
        url: url.trim(),
        owner: owner.trim() || null,
        token: token.trim(),
      }),
    onSuccess: props.onSaved,
  });
  const fieldErr = (f: string): string | null => (save.error ? fieldError(save.error, f) : null);
  const general = save.error && !['url', 'owner', 'token'].some((f) => fieldErr(f)) ? save.error : null;
  return (
    <Modal
      title={`Gitea for experiments on ${props.hostName}`}
      onClose={props.onClose}
      testId="gitea-dialog"
      dirty={token !== ''}
    >
      <form
        className="form-grid"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <label htmlFor="f-gitea-url">URL</label>
        <div>
          <input
            id="f-gitea-url"
            className="mono"
            data-testid="gitea-url"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
          />
          <div className="hint">
            As {props.hostName} sees it (Gitea on the host itself: http://127.0.0.1:3000). Labdeck reaches it
            over the host&apos;s SSH connection; the experiments push to it from the host.
          </div>
          {fieldErr('url') && <div className="field-error inline">{fieldErr('url')}</div>}
        </div>
        <label htmlFor="f-gitea-owner">Owner</label>
        <div>
          <input
            id="f-gitea-owner"
            className="mono"
            data-testid="gitea-owner"
            value={owner}
            placeholder="the token's own user"
            onChange={(e) => setOwner(e.target.value)}
          />
          <div className="hint">The user or organisation that owns the experiments&apos; repositories.</div>
          {fieldErr('owner') && <div className="field-error inline">{fieldErr('owner')}</div>}
        </div>
        <label htmlFor="f-gitea-token">Admin token</label>
        <div>
          <input
            id="f-gitea-token"
            type="password"
            className="mono"
            data-testid="gitea-token"
            autoComplete="off"
            value={token}
            onChange={(e) => setToken(e.target.value)}
          />
          <div className="hint">
            A site administrator&apos;s access token: each experiment gets its own Gitea user (a write
            collaborator) and token, kept only in its 0600 files on the host. Stored encrypted here; never
            shown again.
          </div>
          {fieldErr('token') && <div className="field-error inline">{fieldErr('token')}</div>}
        </div>
        {general && (
          <div className="banner error span2" data-testid="gitea-error">
            Could not use this Gitea for {props.hostName}: {errorText(general)}
            {nextStep(general) && <div className="next">{nextStep(general)}</div>}
          </div>
        )}
        <div className="actions span2">
          <CancelButton />
          <button
            className="btn primary"
            data-testid="gitea-save"
            disabled={save.isPending || !token.trim() || !url.trim()}
          >
            {save.isPending ? 'Checking…' : 'Check and save'}
          </button>
        </div>
      </form>
    </Modal>
  );
}

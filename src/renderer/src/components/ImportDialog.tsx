// Import hosts from an OpenSSH client config: preview what will be added and what is skipped (and
// why), then import the chosen ones.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { ImportPreview } from '../../../shared/api/domain';
import { api } from '../api';
import { errorText, nextStep } from '../lib/errors';
import { Modal } from './Modal';

export function ImportDialog({ onClose }: { onClose: () => void }): React.JSX.Element {
  const qc = useQueryClient();
  const [path, setPath] = useState('~/.ssh/config');
  const [text, setText] = useState('');
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const preview = useMutation({
    mutationFn: (input: { text: string } | { path: string }) => api.hosts.importPreview(input),
    onSuccess: (p: ImportPreview) => setChosen(new Set(p.add.map((d) => d.name))),
  });
  const run = useMutation({
    mutationFn: () => api.hosts.import({ drafts: preview.data!.add.filter((d) => chosen.has(d.name)) }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['hosts'] });
      void qc.invalidateQueries({ queryKey: ['audit'] });
      onClose();
    },
  });
  const p = preview.data;
  return (
    <Modal title="Import hosts from ~/.ssh/config" onClose={onClose} wide testId="import-dialog">
      <div className="import-source">
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            preview.mutate({ path });
          }}
        >
          <input value={path} onChange={(e) => setPath(e.target.value)} aria-label="Config file" />
          <button className="btn" type="submit" data-testid="import-read" disabled={preview.isPending}>
            {preview.isPending && preview.variables && 'path' in preview.variables ? 'Reading…' : 'Read file'}
          </button>
        </form>
        <div className="dim small">…or paste a config:</div>
        <textarea
          rows={5}
          className="mono"
          data-testid="import-text"
          value={text}
          placeholder={'Host gpu1\n  HostName 10.0.0.11\n  User me\n  IdentityFile ~/.ssh/id_ed25519'}
          onChange={(e) => setText(e.target.value)}
        />
        <button
          className="btn"
          data-testid="import-preview"
          onClick={() => preview.mutate({ text })}
          disabled={!text.trim() || preview.isPending}
        >
          {preview.isPending && preview.variables && 'text' in preview.variables
            ? 'Reading…'
            : 'Preview pasted text'}
        </button>
      </div>
      {preview.error && (
        <div className="banner error">
          {errorText(preview.error)} {nextStep(preview.error)}
        </div>
      )}
      {p && (
        <div className="import-preview" data-testid="import-result">
          <h3>
            Will add ({chosen.size} of {p.add.length}) <span className="dim">from {p.source}</span>
          </h3>
          {p.add.length === 0 ? (
            <div className="dim">Nothing new to add.</div>
          ) : (
            <table className="grid compact">
              <thead>
                <tr>
                  <th style={{ width: 28 }} />
                  <th>Name</th>
                  <th>Login</th>
                  <th>Auth</th>
                  <th>Jump host</th>
                </tr>
              </thead>
              <tbody>
                {p.add.map((d) => (
                  <tr key={d.name} data-testid="import-add-row">
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`Import ${d.name}`}
                        checked={chosen.has(d.name)}
                        onChange={(e) => {
                          const next = new Set(chosen);
                          if (e.target.checked) next.add(d.name);
                          else next.delete(d.name);
                          setChosen(next);
                        }}
                      />
                    </td>
                    <td>{d.name}</td>
                    <td className="mono">
                      {d.user}@{d.address}
                      {d.port !== 22 ? `:${d.port}` : ''}
                    </td>
                    <td className="mono">{d.authMethod === 'key' ? d.keyPath : 'SSH agent'}</td>
                    <td>{d.jumpHostName ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {p.skip.length > 0 && (
            <>
              <h3>Skipped ({p.skip.length})</h3>
              <ul className="skips" data-testid="import-skips">
                {p.skip.map((s) => (
                  <li key={s.alias}>
                    <span className="mono">{s.alias}</span> — {s.reason}
                  </li>
                ))}
              </ul>
            </>
          )}
          {p.notes.length > 0 && (
            <>
              <h3>Notes</h3>
              <ul className="skips" data-testid="import-notes">
                {p.notes.map((n) => (
                  <li key={n}>{n}</li>
                ))}
              </ul>
            </>
          )}
          {run.error && <div className="banner error">{errorText(run.error)}</div>}
          <div className="actions">
            <button className="btn" onClick={onClose}>
              Cancel
            </button>
            <button
              className="btn primary"
              data-testid="import-run"
              disabled={chosen.size === 0 || run.isPending}
              onClick={() => run.mutate()}
            >
              {run.isPending ? 'Importing…' : `Import ${chosen.size} host${chosen.size === 1 ? '' : 's'}`}
            </button>
          </div>
        </div>
      )}
    </Modal>
  );
}

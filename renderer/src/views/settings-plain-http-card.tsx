import { useEffect, useState, type FormEvent } from 'react';
import type { PlainHttpSource } from '../../../core/contract/plain-http.js';
import { Card, ErrorNotice } from '../components/card.js';
import { TextField } from '../components/text-field.js';
import { useAppStore } from '../store/provider.js';

const SOURCE_WORDS: Record<PlainHttpSource, string> = {
  settings: 'You added it here',
  builder: 'Marked plain-HTTP on the builder',
  engine: 'The engine\'s insecure-registries (daemon.json)',
  'engine-cidr': 'The engine\'s insecure address blocks',
  loopback: 'Loopback',
  request: 'One call',
};

/**
 * The one list of registries the app reaches over plain HTTP, with where each entry comes from. Only the
 * entries added here can be removed here; the others belong to their builder or to the engine.
 */
export function PlainHttpCard() {
  const { list, error, busy } = useAppStore((s) => s.plainHttp);
  const load = useAppStore((s) => s.loadPlainHttp);
  const add = useAppStore((s) => s.addPlainHttp);
  const remove = useAppStore((s) => s.removePlainHttp);
  const [draft, setDraft] = useState('');
  useEffect(() => {
    void load();
  }, [load]);

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void add(draft.trim()).then((d) => {
      if (d) setDraft('');
    });
  };

  return (
    <Card title="Plain-HTTP registries" labelId="plain-http-title">
      <p className="small">
        Every part of the app (the registry browser, builds, inspect, runs) reaches these registries over plain HTTP and every other one
        over HTTPS. Loopback (localhost, 127.0.0.0/8, ::1) is always plain HTTP. A registry you mark plain-HTTP on a builder is on this
        list too, and so is every registry the Docker engine itself treats as insecure. A registry that is on no list and answers in
        plain HTTP is never tried over HTTP on its own: the error offers to add it.
      </p>
      {list ? (
        <table className="table compact" data-testid="plain-http-list">
          <thead>
            <tr>
              <th scope="col">Registry</th>
              <th scope="col">Why</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.registries.map((e) => (
              <tr key={`${e.source}-${e.registry}-${e.detail}`}>
                <td>
                  <code>{e.registry}</code>
                </td>
                <td>
                  {SOURCE_WORDS[e.source]}
                  {e.source === 'builder' ? ` ${e.detail}` : ''}
                </td>
                <td>
                  {e.source === 'settings' ? (
                    <button type="button" className="button" disabled={busy} onClick={() => void remove(e.registry)} aria-label={`Remove ${e.registry}`}>
                      Remove
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
            {list.cidrs.map((c) => (
              <tr key={c.cidr}>
                <td>
                  <code>{c.cidr}</code>
                </td>
                <td>{SOURCE_WORDS[c.source]}: any registry whose address is in it</td>
                <td />
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {list?.unread.map((u) => (
        <p key={u.source} className="small muted">
          Not read: {SOURCE_WORDS[u.source]} ({u.message}). The list may be missing its entries.
        </p>
      ))}
      <form className="form" onSubmit={onSubmit} noValidate>
        <TextField
          id="plain-http-add"
          label="Add a registry"
          help="host:port, e.g. 192.168.1.20:5000 or registry.lan:5000. Only for a network you trust: nothing is encrypted."
          value={draft}
          onChange={setDraft}
        />
        <div className="form-actions">
          <button type="submit" className="button" disabled={busy || draft.trim() === ''}>
            Add
          </button>
        </div>
      </form>
      {error ? <ErrorNotice title="The plain-HTTP list" message={error.message} hint={error.hint} /> : null}
    </Card>
  );
}

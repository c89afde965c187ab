import { useState } from 'react';
import type { PlainHttpDecision } from '../../../core/contract/plain-http.js';
import { useAppStore } from '../store/provider.js';

/**
 * The one action for a registry that answered in plain HTTP: put it on the plain-HTTP list (Settings). Nothing
 * is sent to it over HTTP before this button is pressed; afterwards the user tries again.
 */
export function PlainHttpAddButton({ registry }: { registry: string }) {
  const add = useAppStore((s) => s.addPlainHttp);
  const busy = useAppStore((s) => s.plainHttp.busy);
  const failed = useAppStore((s) => s.plainHttp.error);
  const [done, setDone] = useState<PlainHttpDecision | null>(null);
  if (done) {
    return (
      <p className="small" role="status" data-testid="plain-http-added">
        {done.reason}. Try again.
      </p>
    );
  }
  return (
    <>
      <button
        type="button"
        className="button"
        data-testid="plain-http-add"
        disabled={busy}
        onClick={() => {
          void add(registry).then((d) => setDone(d));
        }}
      >
        Reach {registry} over plain HTTP
      </button>
      <span className="small muted">Only for a registry on a network you trust: nothing is encrypted.</span>
      {failed ? <span className="small">{failed.message}</span> : null}
    </>
  );
}

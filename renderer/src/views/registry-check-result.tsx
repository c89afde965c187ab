import type { RegistryCheckResult } from '../../../core/contract/registry-check.js';
import { shortDigest } from '../components/manifest-tree-model.js';

/** The registry check: one line when all is whole, otherwise each broken tag with what is missing and what to do. */
export function RegistryCheckResultView({ check }: { check: RegistryCheckResult }) {
  const broken = check.tags.filter((t) => !t.ok);
  return (
    <div className={`notice ${check.ok ? 'notice-success' : 'notice-warning'}`} role="status" data-testid="registry-check-result">
      <strong>{check.ok ? 'Registry check: every tag is whole' : `Registry check: ${broken.length} broken ${broken.length === 1 ? 'tag' : 'tags'}`}</strong>
      <p>{check.summary}</p>
      {broken.length ? (
        <ul className="check-problems">
          {broken.map((t) => (
            <li key={`${t.repository}:${t.tag}`} data-testid="registry-broken-tag">
              <code>
                {t.repository}:{t.tag}
              </code>
              <ul>
                {t.problems.map((p, i) => (
                  <li key={`${p.digest ?? 'tag'}-${i}`}>
                    {p.platform ? <strong>{p.platform}: </strong> : null}
                    {p.kind} {p.digest ? <code title={p.digest}>{shortDigest(p.digest, 12)}</code> : null} — {p.message}
                    <br />
                    <span className="small">What to do: {p.hint}</span>
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

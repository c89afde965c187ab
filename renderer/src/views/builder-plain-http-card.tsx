import { Card } from '../components/card.js';

/**
 * Why a registry by another name than localhost needs a word on the builder, in our own words: k3d's
 * `*.localhost` names, the builder's own name lookup, and what `registry.insecure=true` changes in a push.
 */
export function BuilderPlainHttpCard() {
  return (
    <Card title="Registries by another name" labelId="builder-plain-http-title" className="explain">
      <p className="small">
        <strong>k3d&apos;s names.</strong> k3d gives its registries names such as <code>registry.localhost:5000</code> or{' '}
        <code>k3d-myregistry.localhost:12345</code>. On many desktops every name ending in <code>.localhost</code> resolves to this
        machine through the system&apos;s resolver, so the name works in a browser or with <code>docker push</code> from the host. The
        builder is a container with its own, much smaller resolver: it looks names up in its own <code>/etc/hosts</code> and DNS, and
        knows nothing of the <code>.localhost</code> rule. A host-networked builder gets a copy of this machine&apos;s{' '}
        <code>/etc/hosts</code> when its container is created, so a name listed there works in the builder too; a name added later is seen
        only after the builder is created again.
      </p>
      <p className="small">
        <strong>Plain HTTP.</strong> BuildKit reaches <code>localhost</code> and <code>127.0.0.1</code> over plain HTTP on its own; any other
        name is HTTPS unless the builder&apos;s <code>buildkitd.toml</code> says <code>http = true</code> for it. That file is what the
        plain-HTTP registries above write. It covers everything the builder does with that registry: pulling base images from it, reading
        its cache, pushing to it.
      </p>
      <p className="small">
        <strong>
          <code>registry.insecure=true</code>.
        </strong>{' '}
        Written in a build&apos;s <code>--output</code>, it lets that one push try HTTPS without checking the certificate and then fall back
        to plain HTTP. It applies to the push only, not to base images pulled from the same registry. Multiarch Lab adds it only for
        registries on its plain-HTTP list, so a push to any other registry keeps its certificate check.
      </p>
      <p className="small">
        A registry marked plain-HTTP on a builder is plain HTTP for the whole app (browser, inspect, runs), and Settings lists it. The
        old-school way pushes with <code>docker push</code>, which follows the Docker engine&apos;s own <code>insecure-registries</code>: the
        app checks that before building and says what to add.
      </p>
    </Card>
  );
}

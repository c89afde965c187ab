/**
 * Docker endpoint strings (DOCKER_HOST, context hosts) parsed into something we can dial.
 * Pure functions: no I/O here, so every accepted and refused form is unit tested.
 */

export type ParsedEndpoint =
  | { kind: 'unix'; path: string; url: string }
  | { kind: 'tcp'; host: string; port: number; tls: boolean; url: string }
  | { kind: 'npipe'; path: string; url: string }
  | { kind: 'ssh'; host: string; user?: string; port?: number; url: string };

export type EndpointParse = { ok: true; endpoint: ParsedEndpoint } | { ok: false; reason: string };

const DEFAULT_TCP_PORT = 2375;
const DEFAULT_TLS_PORT = 2376;

/**
 * Parses an endpoint the way the docker CLI writes them: unix:///path, tcp://host:port, npipe:////./pipe/name, ssh://user@host.
 * `tls` says whether plain tcp should use TLS (DOCKER_TLS_VERIFY or a context with TLS material).
 */
export function parseEndpoint(raw: string, options: { tls?: boolean } = {}): EndpointParse {
  const value = raw.trim();
  if (!value) return { ok: false, reason: 'the endpoint is empty' };
  const match = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(value);
  if (!match) {
    return { ok: false, reason: `"${value}" has no scheme; write it as unix:///path/to/docker.sock or tcp://host:port` };
  }
  const scheme = (match[1] ?? '').toLowerCase();
  const rest = match[2] ?? '';
  switch (scheme) {
    case 'unix': {
      if (!rest) return { ok: false, reason: 'unix:// needs a socket path, e.g. unix:///var/run/docker.sock' };
      const path = rest.startsWith('/') ? rest : `/${rest}`;
      return { ok: true, endpoint: { kind: 'unix', path, url: `unix://${path}` } };
    }
    case 'npipe': {
      // npipe:////./pipe/docker_engine → //./pipe/docker_engine; Docker also accepts backslashes.
      const path = rest.replace(/\\/g, '/').replace(/^\/*/, '//');
      if (!/^\/\/[^/]+\/pipe\/[^/]+$/.test(path)) {
        return { ok: false, reason: `"${value}" is not a named pipe path; expected npipe:////./pipe/docker_engine` };
      }
      return { ok: true, endpoint: { kind: 'npipe', path, url: `npipe://${path}` } };
    }
    case 'tcp':
    case 'http':
    case 'https': {
      const tls = scheme === 'https' || (scheme === 'tcp' && options.tls === true);
      const hostPort = parseHostPort(rest);
      if (!hostPort.ok) return { ok: false, reason: `"${value}": ${hostPort.reason}` };
      const port = hostPort.port ?? (tls ? DEFAULT_TLS_PORT : DEFAULT_TCP_PORT);
      const hostForUrl = hostPort.host.includes(':') ? `[${hostPort.host}]` : hostPort.host;
      return { ok: true, endpoint: { kind: 'tcp', host: hostPort.host, port, tls, url: `tcp://${hostForUrl}:${port}` } };
    }
    case 'ssh': {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        return { ok: false, reason: `"${value}" is not a valid ssh:// address` };
      }
      if (!url.hostname) return { ok: false, reason: `"${value}" names no host` };
      const endpoint: ParsedEndpoint = { kind: 'ssh', host: url.hostname, url: value };
      if (url.username) endpoint.user = decodeURIComponent(url.username);
      if (url.port) endpoint.port = Number(url.port);
      return { ok: true, endpoint };
    }
    case 'fd':
      return { ok: false, reason: 'fd:// endpoints only work for a daemon started by systemd socket activation, not for clients' };
    default:
      return { ok: false, reason: `the scheme "${scheme}://" is not one Docker uses (unix, tcp, npipe or ssh)` };
  }
}

function parseHostPort(rest: string): { ok: true; host: string; port?: number } | { ok: false; reason: string } {
  const authority = rest.split('/')[0] ?? '';
  if (!authority) return { ok: false, reason: 'no host given' };
  let host: string;
  let portText: string | undefined;
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    if (end < 0) return { ok: false, reason: 'unclosed "[" in an IPv6 address' };
    host = authority.slice(1, end);
    const after = authority.slice(end + 1);
    if (after && !after.startsWith(':')) return { ok: false, reason: 'unexpected text after the IPv6 address' };
    portText = after ? after.slice(1) : undefined;
  } else {
    const parts = authority.split(':');
    if (parts.length > 2) return { ok: false, reason: 'an IPv6 address must be written in [brackets]' };
    host = parts[0] ?? '';
    portText = parts[1];
  }
  if (!host) return { ok: false, reason: 'no host given' };
  if (portText === undefined || portText === '') return { ok: true, host };
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
    return { ok: false, reason: `"${portText}" is not a port number` };
  }
  return { ok: true, host, port: Number(portText) };
}

/** Why a parsed endpoint cannot be used from this process at all (before dialing). */
export function unsupportedReason(endpoint: ParsedEndpoint, platform: NodeJS.Platform): string | undefined {
  if (endpoint.kind === 'ssh') {
    return 'ssh:// endpoints are not supported for discovery yet; forward the socket instead (ssh -nNT -L /tmp/docker.sock:/var/run/docker.sock host) and use unix:///tmp/docker.sock';
  }
  if (endpoint.kind === 'npipe' && platform !== 'win32') return 'named pipes only exist on Windows';
  if (endpoint.kind === 'unix' && platform === 'win32') return 'unix sockets are not used by Docker on Windows; use npipe:////./pipe/docker_engine';
  return undefined;
}

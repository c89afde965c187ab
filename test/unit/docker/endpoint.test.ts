import { describe, expect, test } from 'vitest';
import { parseEndpoint, unsupportedReason } from '../../../core/docker/endpoint.js';

describe('parseEndpoint', () => {
  test.each([
    ['unix:///var/run/docker.sock', { kind: 'unix', path: '/var/run/docker.sock', url: 'unix:///var/run/docker.sock' }],
    ['unix://relative/docker.sock', { kind: 'unix', path: '/relative/docker.sock', url: 'unix:///relative/docker.sock' }],
    ['  unix:///tmp/x.sock  ', { kind: 'unix', path: '/tmp/x.sock', url: 'unix:///tmp/x.sock' }],
    ['tcp://10.0.0.5:2375', { kind: 'tcp', host: '10.0.0.5', port: 2375, tls: false, url: 'tcp://10.0.0.5:2375' }],
    ['tcp://docker.example', { kind: 'tcp', host: 'docker.example', port: 2375, tls: false, url: 'tcp://docker.example:2375' }],
    ['tcp://[::1]:2376', { kind: 'tcp', host: '::1', port: 2376, tls: false, url: 'tcp://[::1]:2376' }],
    ['https://docker.example', { kind: 'tcp', host: 'docker.example', port: 2376, tls: true, url: 'tcp://docker.example:2376' }],
    ['http://127.0.0.1:2375/', { kind: 'tcp', host: '127.0.0.1', port: 2375, tls: false, url: 'tcp://127.0.0.1:2375' }],
    ['npipe:////./pipe/docker_engine', { kind: 'npipe', path: '//./pipe/docker_engine', url: 'npipe:////./pipe/docker_engine' }],
    ['npipe://\\\\.\\pipe\\docker_engine', { kind: 'npipe', path: '//./pipe/docker_engine', url: 'npipe:////./pipe/docker_engine' }],
  ])('%s', (raw, expected) => {
    const r = parseEndpoint(raw);
    expect(r).toEqual({ ok: true, endpoint: expected });
  });

  test('tcp with TLS asked for defaults to port 2376', () => {
    expect(parseEndpoint('tcp://host', { tls: true })).toEqual({ ok: true, endpoint: { kind: 'tcp', host: 'host', port: 2376, tls: true, url: 'tcp://host:2376' } });
  });

  test('ssh parses but is refused for discovery with a way out', () => {
    const r = parseEndpoint('ssh://me@build-box:2222');
    expect(r).toEqual({ ok: true, endpoint: { kind: 'ssh', host: 'build-box', user: 'me', port: 2222, url: 'ssh://me@build-box:2222' } });
    if (!r.ok) throw new Error('unreachable');
    expect(unsupportedReason(r.endpoint, 'linux')).toMatch(/ssh:\/\/ endpoints are not supported for discovery yet/);
  });

  test.each([
    ['', /empty/],
    ['/var/run/docker.sock', /no scheme/],
    ['unix://', /needs a socket path/],
    ['tcp://', /no host/],
    ['tcp://host:notaport', /not a port number/],
    ['tcp://host:70000', /not a port number/],
    ['tcp://::1:2375', /IPv6 address must be written in \[brackets\]/],
    ['npipe://nothing', /not a named pipe path/],
    ['fd://', /systemd socket activation/],
    ['ftp://host', /not one Docker uses/],
  ])('refuses %j', (raw, reason) => {
    const r = parseEndpoint(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  test('named pipes are refused off Windows, unix sockets on Windows', () => {
    const pipe = parseEndpoint('npipe:////./pipe/docker_engine');
    const sock = parseEndpoint('unix:///var/run/docker.sock');
    if (!pipe.ok || !sock.ok) throw new Error('unreachable');
    expect(unsupportedReason(pipe.endpoint, 'linux')).toMatch(/only exist on Windows/);
    expect(unsupportedReason(pipe.endpoint, 'win32')).toBeUndefined();
    expect(unsupportedReason(sock.endpoint, 'win32')).toMatch(/not used by Docker on Windows/);
    expect(unsupportedReason(sock.endpoint, 'darwin')).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { digestOf, parseLinkNext, RegistryClient, summarizeErrorBody } from '../../../core/registry/client.js';

describe('parseLinkNext', () => {
  it.each([
    ['</v2/_catalog?last=b&n=2>; rel="next"', '/v2/_catalog?last=b&n=2'],
    ['</v2/_catalog?last=b&n=2>; rel=next', '/v2/_catalog?last=b&n=2'],
    ['<https://r.example/v2/x/tags/list?last=t>;rel="next"', 'https://r.example/v2/x/tags/list?last=t'],
    ['</v2/a?last=1>; rel="prev", </v2/a?last=3>; rel="next"', '/v2/a?last=3'],
    ['</v2/a?last=3>; title="x, y"; rel="next"', '/v2/a?last=3'],
    ['</v2/a?last=3>; rel="first next"', '/v2/a?last=3'],
  ])('%s', (header, next) => {
    expect(parseLinkNext(header)).toBe(next);
  });

  it.each([[null], [''], ['</v2/a?last=1>; rel="prev"'], ['garbage'], ['</v2/a>; rel="nextpage"']])('no next in %j', (header) => {
    expect(parseLinkNext(header)).toBeUndefined();
  });
});

describe('summarizeErrorBody', () => {
  it('joins the codes and messages of a registry error body', () => {
    expect(summarizeErrorBody('{"errors":[{"code":"UNKNOWN","message":"disk full"},{"code":"X","message":"y"}]}')).toBe('UNKNOWN: disk full; X: y');
  });
  it('shortens text bodies to one line', () => {
    const s = summarizeErrorBody(`<html>\n<body>${'x'.repeat(500)}</body></html>`);
    expect(s.startsWith('<html> <body>')).toBe(true);
    expect(s.length).toBeLessThanOrEqual(201);
  });
  it('is empty for an empty body', () => {
    expect(summarizeErrorBody('  ')).toBe('');
  });
});

describe('digestOf', () => {
  it('is the sha256 of the bytes, as sha256sum prints it', () => {
    expect(digestOf(Buffer.from('hello\n'))).toBe('sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03');
  });
});

describe('which scheme a client uses', () => {
  it.each([
    ['localhost:5000', undefined, 'http://localhost:5000'],
    ['127.0.0.1:5000', undefined, 'http://127.0.0.1:5000'],
    ['[::1]:5000', undefined, 'http://[::1]:5000'],
    ['registry.example.com', undefined, 'https://registry.example.com'],
    ['10.0.0.5:5000', undefined, 'https://10.0.0.5:5000'],
    ['10.0.0.5:5000', true, 'http://10.0.0.5:5000'],
    ['docker.io', undefined, 'https://registry-1.docker.io'],
    ['index.docker.io', undefined, 'https://registry-1.docker.io'],
  ])('%s (insecure: %s) -> %s', (registry, insecure, baseUrl) => {
    expect(new RegistryClient({ registry, ...(insecure !== undefined ? { insecure } : {}) }).baseUrl).toBe(baseUrl);
  });

  it('refuses a URL where an address belongs', () => {
    expect(() => new RegistryClient({ registry: 'https://localhost:5000' })).toThrow(/not a registry address/);
  });
});

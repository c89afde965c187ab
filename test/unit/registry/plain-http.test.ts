import { describe, expect, it, test } from 'vitest';
import type { PlainHttpList } from '../../../core/contract/plain-http.js';
import {
  decidePlainHttp,
  engineInsecureConfig,
  engineNeedsInsecureRegistryError,
  engineTreatsAsInsecure,
  ipInCidr,
  plainHttpNotListedError,
  plainHttpRegistriesOfBuildkitdToml,
  registryKey,
} from '../../../core/registry/plain-http.js';
import { renderBuildkitdConfig } from '../../../core/builder/buildkitd-config.js';

const empty: PlainHttpList = { registries: [], cidrs: [], unread: [] };
const engineDefault: PlainHttpList = { registries: [], cidrs: [{ cidr: '127.0.0.0/8', source: 'engine-cidr' }], unread: [] };

describe('ipInCidr', () => {
  test.each([
    ['127.0.0.1', '127.0.0.0/8', true],
    ['127.255.1.2', '127.0.0.0/8', true],
    ['128.0.0.1', '127.0.0.0/8', false],
    ['192.168.1.20', '192.168.1.0/24', true],
    ['192.168.2.20', '192.168.1.0/24', false],
    ['10.1.2.3', '0.0.0.0/0', true],
    ['10.1.2.3', '10.1.2.3/32', true],
    ['fd00::1', 'fd00::/8', true],
    ['fe80::1', 'fd00::/8', false],
    ['::ffff:10.0.0.1', '::ffff:10.0.0.0/104', true],
    ['10.0.0.1', 'fd00::/8', false],
    ['10.0.0.1', '10.0.0.0', false],
    ['10.0.0.1', '10.0.0.0/33', false],
    ['not-an-ip', '10.0.0.0/8', false],
  ])('%s in %s: %s', (ip, cidr, expected) => {
    expect(ipInCidr(ip, cidr)).toBe(expected);
  });
});

describe('decidePlainHttp', () => {
  it('loopback is plain HTTP without any list', () => {
    for (const r of ['localhost:5000', '127.0.0.1:5000', '127.1.2.3:80', '[::1]:5000', 'LOCALHOST:5000']) {
      expect(decidePlainHttp(r, empty)).toMatchObject({ plainHttp: true, source: 'loopback' });
    }
  });

  it('a name in no list is HTTPS, even one that looks local (k3d names are not loopback to us until a list says so)', () => {
    for (const r of ['registry.localhost:5000', 'k3d-myregistry.localhost:12345', '192.168.1.20:5000', 'docker.io']) {
      const d = decidePlainHttp(r, empty);
      expect(d.plainHttp).toBe(false);
      expect(d.reason).toBe(`${registryKey(r)} is not in the plain-HTTP registries, so it is reached over HTTPS`);
    }
  });

  it('says which source put it on the list, the user first, then the builder, then the engine', () => {
    const list: PlainHttpList = {
      registries: [
        { registry: 'registry.test:5056', source: 'engine', detail: 'daemon.json insecure-registries' },
        { registry: 'Registry.Test:5056', source: 'builder', detail: '"k3d"' },
      ],
      cidrs: [],
      unread: [],
    };
    const d = decidePlainHttp('registry.test:5056', list);
    expect(d).toEqual({
      registry: 'registry.test:5056',
      plainHttp: true,
      source: 'builder',
      sources: ['builder', 'engine'],
      reason: 'registry.test:5056 is reached over plain HTTP: the builder "k3d" marks it plain-HTTP (http = true in its buildkitd.toml)',
    });
    const withUser = decidePlainHttp('registry.test:5056', { ...list, registries: [...list.registries, { registry: 'registry.test:5056', source: 'settings', detail: 'Settings' }] });
    expect(withUser.source).toBe('settings');
  });

  it('matches host and port exactly, as dockerd and BuildKit do', () => {
    const list: PlainHttpList = { registries: [{ registry: 'registry.test:5056', source: 'settings', detail: 'Settings' }], cidrs: [], unread: [] };
    expect(decidePlainHttp('registry.test:5057', list).plainHttp).toBe(false);
    expect(decidePlainHttp('registry.test', list).plainHttp).toBe(false);
  });

  it('an engine CIDR covers IP literals, and names by what they resolve to; Docker Hub never', () => {
    const lan: PlainHttpList = { registries: [], cidrs: [{ cidr: '192.168.1.0/24', source: 'engine-cidr' }], unread: [] };
    expect(decidePlainHttp('192.168.1.20:5000', lan)).toMatchObject({ plainHttp: true, source: 'engine-cidr' });
    expect(decidePlainHttp('pi.lan:5000', lan, ['192.168.1.20']).reason).toBe(
      'pi.lan:5000 is reached over plain HTTP: the Docker engine treats the addresses in 192.168.1.0/24 as insecure, and pi.lan resolves to 192.168.1.20 here',
    );
    expect(decidePlainHttp('pi.lan:5000', lan, ['10.0.0.1']).plainHttp).toBe(false);
    expect(decidePlainHttp('docker.io', { ...lan, cidrs: [{ cidr: '0.0.0.0/0', source: 'engine-cidr' }] }, ['1.2.3.4']).plainHttp).toBe(false);
  });

  it('one call may ask for plain HTTP itself (--insecure), and the reason says so', () => {
    expect(decidePlainHttp('registry.lan:5000', empty, [], true)).toMatchObject({ plainHttp: true, source: 'request' });
  });
});

describe('engineTreatsAsInsecure', () => {
  it('follows the engine only: a builder or Settings entry does not make docker push use HTTP', () => {
    const list: PlainHttpList = { ...engineDefault, registries: [{ registry: 'pi.lan:5000', source: 'builder', detail: '"b"' }] };
    expect(engineTreatsAsInsecure('pi.lan:5000', list, ['192.168.1.20'])).toBe(false);
    expect(engineTreatsAsInsecure('registry.test:5056', list, ['127.0.0.1'])).toBe(true);
    expect(engineTreatsAsInsecure('pi.lan:5000', { ...list, registries: [{ registry: 'pi.lan:5000', source: 'engine', detail: '' }] }, [])).toBe(true);
  });
});

describe('buildkitd.toml', () => {
  it('reads back what the app writes, and what buildx stores (re-indented, under [registry])', () => {
    expect(plainHttpRegistriesOfBuildkitdToml(renderBuildkitdConfig('b', ['registry.test:5056', '192.168.1.20:5000']))).toEqual(['registry.test:5056', '192.168.1.20:5000']);
    const stored = '\n[registry]\n\n  [registry."foo.test:5056"]\n    http = true\n    insecure = true\n\n  [registry."tls-only.test"]\n    insecure = true\n  [registry.bare]\n    http = true # comment\n';
    expect(plainHttpRegistriesOfBuildkitdToml(stored)).toEqual(['foo.test:5056', 'bare']);
  });
});

describe('engineInsecureConfig', () => {
  it('reads docker info\'s RegistryConfig: CIDRs, and index configs with Secure=false', () => {
    const info = {
      RegistryConfig: {
        InsecureRegistryCIDRs: ['127.0.0.0/8', '10.0.0.0/8'],
        IndexConfigs: { 'docker.io': { Name: 'docker.io', Secure: true }, 'pi.lan:5000': { Name: 'pi.lan:5000', Secure: false } },
      },
    };
    expect(engineInsecureConfig(info)).toEqual({ registries: ['pi.lan:5000'], cidrs: ['127.0.0.0/8', '10.0.0.0/8'] });
    expect(engineInsecureConfig({})).toEqual({ registries: [], cidrs: [] });
    expect(engineInsecureConfig(null)).toEqual({ registries: [], cidrs: [] });
  });
});

describe('the errors', () => {
  it('not listed: names the one action, as data for a button and as a command', () => {
    const e = plainHttpNotListedError('Pi.Lan:5000', 'https://pi.lan:5000');
    expect(e.code).toBe('registry-error');
    expect(e.details).toEqual({ action: 'add-plain-http-registry', registry: 'pi.lan:5000', command: ['multiarch-lab', 'settings', 'plain-http', 'add', 'pi.lan:5000'], url: 'https://pi.lan:5000' });
    expect(e.hint).toContain('multiarch-lab settings plain-http add pi.lan:5000');
  });

  it('old-school to a registry the engine does not know: the whole daemon.json entry, keeping what is there', () => {
    const d = decidePlainHttp('pi.lan:5000', { registries: [{ registry: 'pi.lan:5000', source: 'settings', detail: 'Settings' }], cidrs: [], unread: [] });
    const e = engineNeedsInsecureRegistryError('pi.lan:5000', d, ['old.lan:5000']);
    expect(e.code).toBe('unsupported');
    expect(e.hint).toContain('{\n  "insecure-registries": [\n    "old.lan:5000",\n    "pi.lan:5000"\n  ]\n}');
    expect(e.hint).toContain('Docker Desktop: Settings, then Docker Engine');
    expect(e.details).toEqual({ registry: 'pi.lan:5000', daemonJson: { 'insecure-registries': ['old.lan:5000', 'pi.lan:5000'] } });
  });
});

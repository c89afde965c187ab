import { describe, expect, it } from 'vitest';
import { registryBrowserChannels } from '../../../core/contract/registry.js';

describe('registry-browser channel inputs', () => {
  it.each([
    ['registry:catalog', { registry: 'localhost:5000' }],
    ['registry:catalog', { registry: 'registry.example.com', insecure: true, limit: 10 }],
    ['registry:tags', { registry: '[::1]:5000', repository: 'team/app' }],
    ['registry:inspect', { reference: 'localhost:5000/hello:1.0', platform: 'linux/arm/v7' }],
    ['registry:delete', { reference: `localhost:5000/hello@sha256:${'a'.repeat(64)}` }],
  ] as const)('%s accepts %j', (channel, input) => {
    expect(registryBrowserChannels[channel].input.safeParse(input).success).toBe(true);
  });

  it.each([
    ['registry:catalog', {}],
    ['registry:catalog', { registry: 'http://localhost:5000' }],
    ['registry:catalog', { registry: 'localhost:5000', extra: 1 }],
    ['registry:catalog', { registry: 'localhost:5000', limit: 0 }],
    ['registry:tags', { registry: 'localhost:5000', repository: 'Team/App' }],
    ['registry:tags', { registry: 'localhost:5000', repository: '../etc' }],
    ['registry:inspect', { reference: 'not a reference' }],
    ['registry:inspect', { reference: 'localhost:5000/a:1', platform: 'arm64' }],
    ['registry:delete', { reference: 'a@sha256:short' }],
  ] as const)('%s refuses %j', (channel, input) => {
    expect(registryBrowserChannels[channel].input.safeParse(input).success).toBe(false);
  });
});

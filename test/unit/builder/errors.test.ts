import { describe, expect, test } from 'vitest';
import {
  binfmtPullFailedError, bootstrapFailedError, bootstrapImage, isNameTaken, isNoSuchBuilder, registryUnreachable, runPullFailed,
} from '../../../core/builder/errors.js';
import { fixture } from '../../helpers/fixtures.js';

const command = ['docker', 'buildx', 'inspect', '--bootstrap', 'mybuilder'];

describe('bootstrap failures', () => {
  test('offline (captured here): pull-failed naming the BuildKit image, saying the builder exists but did not start', () => {
    const stderr = fixture('buildx', 'bootstrap-0.13-offline.stderr.txt');
    const error = bootstrapFailedError('mybuilder', { code: 1, stdout: '', stderr }, command);
    expect(error.code).toBe('pull-failed');
    expect(error.message).toContain('moby/buildkit:buildx-stable-1');
    expect(error.message).toMatch(/was created but could not start/);
    expect(error.message).toBe(
      'The builder "mybuilder" was created but could not start: pulling the BuildKit image moby/buildkit:buildx-stable-1 failed: Docker Hub could not be reached.',
    );
    expect(error.hint).toMatch(/docker load/);
    expect(error.hint).toMatch(/default builder/);
  });

  test('the image comes from the output, so a custom driver image is named correctly', () => {
    expect(bootstrapImage('#1 pulling image registry.example/buildkit:v0.12.5 0.1s done\n#1 ERROR: pull access denied')).toBe('registry.example/buildkit:v0.12.5');
    expect(bootstrapImage('ERROR: failed to resolve reference "docker.io/moby/buildkit:v0.13.0": not found')).toBe('moby/buildkit:v0.13.0');
  });

  test('a start failure that is not about pulling stays a command failure with buildx words', () => {
    const stderr = '#1 [b0 internal] booting buildkit\n#1 creating container buildx_buildkit_b0 0.2s done\n#1 ERROR: failed to create container: port is already allocated\nERROR: failed to create container: port is already allocated\n';
    const error = bootstrapFailedError('b', { code: 1, stdout: '', stderr }, command);
    expect(error.code).toBe('command-failed');
    expect(error.message).toBe('The builder "b" was created but could not start: failed to create container: port is already allocated.');
  });
});

describe('buildx words', () => {
  test.each([
    ['ERROR: no builder "nope-xyz" found', true],
    ['ERROR: failed to find instance "nope-xyz": open /root/.docker/buildx/instances/nope-xyz: no such file or directory', true],
    ['failed to remove nope-xyz: no builder "nope-xyz" found', true],
    ['ERROR: permission denied', false],
  ])('no such builder: %s', (text, expected) => {
    expect(isNoSuchBuilder(text)).toBe(expected);
  });

  test.each([
    ['ERROR: existing instance for "mal-test-bld-cap14451" but no append mode, specify the node name to make changes for existing instances', true],
    ['ERROR: instance name "mal-test-ctx-cap7716" already exists as context builder', true],
    ['ERROR: invalid driver option network for kubernetes driver', false],
  ])('name taken: %s', (text, expected) => {
    expect(isNameTaken(text)).toBe(expected);
  });

  test('registry unreachable', () => {
    expect(registryUnreachable('dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: no such host')).toBe(true);
    expect(registryUnreachable('toomanyrequests: You have reached your pull rate limit')).toBe(false);
  });
});

describe('binfmt pull failures', () => {
  test('offline: names the pinned image and says Docker Hub could not be reached, with the distribution packages as a way out', () => {
    const stderr = 'Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: no such host\n';
    const error = binfmtPullFailedError({ code: 1, stdout: '', stderr }, ['docker', 'pull', 'tonistiigi/binfmt:qemu-v8.1.5']);
    expect(error.code).toBe('pull-failed');
    expect(error.message).toBe('Could not pull the emulator installer image tonistiigi/binfmt:qemu-v8.1.5: Docker Hub could not be reached.');
    expect(error.hint).toMatch(/qemu-user-static binfmt-support/);
  });

  test('another refusal keeps the registry words', () => {
    const error = binfmtPullFailedError({ code: 1, stdout: '', stderr: 'Error response from daemon: toomanyrequests: You have reached your pull rate limit.\n' }, ['docker', 'pull']);
    expect(error.message).toMatch(/toomanyrequests/);
  });

  test('docker run says when its own pull failed', () => {
    expect(runPullFailed("Unable to find image 'tonistiigi/binfmt:qemu-v8.1.5' locally\ndocker: Error response from daemon: ...")).toBe(true);
    expect(runPullFailed('installing: arm64 cannot register "/usr/bin/qemu-aarch64" to /proc/sys/fs/binfmt_misc/register: write /proc/sys/fs/binfmt_misc/register: file exists')).toBe(false);
  });
});

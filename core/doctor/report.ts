/**
 * The Doctor's judgement: from gathered facts to checks with plain-words fixes. Pure, so every situation
 * (no engine, no buildx, classic store, no emulators…) is unit tested without breaking a real machine.
 */
import type { BuildxInfo, DoctorCheck, DoctorReport, EndpointAttempt, EngineInfo, PlatformStatus } from '../contract/doctor.js';
import type { BinfmtState } from '../docker/parsers/binfmt.js';
import { buildxInstallHint } from '../docker/docker-cli.js';
import { engineStartHint, unreachableMessage } from '../docker/engine.js';
import { hostNetworkBuilderCommand } from '../commands/builder.js';
import { normalizeArch } from '../platform.js';
import { classifyPlatforms } from './platforms.js';

export interface DoctorFacts {
  generatedAt: string;
  host: { os: string; arch: string; user?: string };
  attempts: EndpointAttempt[];
  engine: EngineInfo | null;
  /** The engine answered the ping but describing itself failed. */
  engineError?: string;
  buildx: BuildxInfo;
  /** binfmt_misc as read from /proc, when the engine runs on this machine's kernel. */
  binfmt: BinfmtState | null;
}

/** The builder `docker buildx create` makes in the tutorial: host networking so it can push to a registry on localhost. */
export const HOST_NETWORK_BUILDER_COMMAND = hostNetworkBuilderCommand('mybuilder');
export const BINFMT_INSTALL_COMMAND = ['docker', 'run', '--privileged', '--rm', 'tonistiigi/binfmt', '--install', 'all'];

export function buildReport(facts: DoctorFacts): DoctorReport {
  const checks: DoctorCheck[] = [engineCheck(facts), buildxCheck(facts)];
  let platforms: PlatformStatus[] = [];
  let emulationSource: DoctorReport['emulationSource'] = 'none';

  const engine = facts.engine;
  if (engine && engine.osType && engine.osType !== 'linux') {
    checks.push({
      id: 'engine-os',
      title: 'Linux containers',
      status: 'missing',
      summary: `The engine runs ${engine.osType} containers; multi-architecture Linux images need an engine running Linux containers.`,
      fix: 'Switch Docker Desktop to Linux containers (right-click the Docker icon → "Switch to Linux containers…").',
    });
  } else if (engine) {
    const currentBuilder = facts.buildx.builders.find((b) => b.current);
    const builderPlatforms = currentBuilder
      ? { name: currentBuilder.name, platforms: [...new Set(currentBuilder.nodes.filter((n) => !n.error).flatMap((n) => n.platforms))] }
      : undefined;
    const outcome = classifyPlatforms({ engineArch: engine.arch, binfmt: facts.binfmt, builder: builderPlatforms });
    platforms = outcome.platforms;
    emulationSource = outcome.source;
    checks.push(containerdCheck(engine, facts.buildx));
    checks.push(emulationCheck(facts, engine, platforms));
  }

  return {
    generatedAt: facts.generatedAt,
    host: { os: facts.host.os, arch: facts.host.arch },
    attempts: facts.attempts,
    engine,
    buildx: facts.buildx,
    platforms,
    checks,
    ready: !checks.some((c) => c.status === 'missing'),
    emulationSource,
  };
}

function engineCheck(facts: DoctorFacts): DoctorCheck {
  const e = facts.engine;
  if (e) {
    return {
      id: 'engine',
      title: 'Docker Engine',
      status: 'ok',
      summary: `Docker Engine ${e.version} (API ${e.apiVersion}) on ${e.os}/${e.arch}${e.operatingSystem ? `, ${e.operatingSystem}` : ''}, reached at ${e.endpoint} (${e.source}).`,
    };
  }
  const os = facts.host.os as NodeJS.Platform;
  const check: DoctorCheck = {
    id: 'engine',
    title: 'Docker Engine',
    status: 'missing',
    summary: facts.engineError ?? unreachableMessage(facts.attempts).split('\n')[0] ?? 'No Docker engine answered.',
    fix: engineStartHint(facts.attempts, os),
  };
  const commands: string[][] = [];
  const env = facts.attempts.find((a) => a.kind === 'env');
  const elsewhere = facts.attempts.find((a) => a.ok && !a.selected);
  if (env && !env.ok && elsewhere) {
    // Nothing to run: unsetting a variable is a shell matter; the fix text says it.
  } else if (facts.attempts.some((a) => /permission denied/.test(a.reason ?? ''))) {
    commands.push(['sudo', 'usermod', '-aG', 'docker', facts.host.user ?? 'YOUR_USER']);
  } else if (os === 'linux') {
    commands.push(['sudo', 'systemctl', 'start', 'docker']);
  } else if (os === 'darwin') {
    commands.push(['open', '-a', 'Docker']);
  }
  if (commands.length) check.fixCommands = commands;
  return check;
}

function buildxCheck(facts: DoctorFacts): DoctorCheck {
  const b = facts.buildx;
  const os = facts.host.os as NodeJS.Platform;
  if (!b.cliPath) {
    return {
      id: 'buildx',
      title: 'docker CLI and buildx',
      status: 'missing',
      summary: 'The docker command-line tool was not found on PATH, so there is no buildx either.',
      fix:
        os === 'linux'
          ? 'Install the Docker CLI and buildx: sudo apt-get install docker-cli docker-buildx (Debian/Ubuntu), or docker-ce-cli docker-buildx-plugin from Docker\'s repository. Or set MULTIARCH_LAB_DOCKER_CLI to the docker binary.'
          : 'Install Docker Desktop (it brings the docker CLI and buildx), or set MULTIARCH_LAB_DOCKER_CLI to the docker binary.',
      ...(os === 'linux' ? { fixCommands: [['sudo', 'apt-get', 'install', '-y', 'docker-cli', 'docker-buildx']] } : {}),
    };
  }
  if (!b.available) {
    return {
      id: 'buildx',
      title: 'docker buildx',
      status: 'missing',
      summary: `docker buildx is not available for ${b.cliPath}${b.error ? `: ${b.error}` : ''}. Multi-platform builds need it.`,
      fix: buildxInstallHint(os),
      ...(os === 'linux' ? { fixCommands: [['sudo', 'apt-get', 'install', '-y', 'docker-buildx']] } : {}),
    };
  }
  const current = b.builders.find((x) => x.current);
  const version = b.version ?? 'unknown version';
  const old = /^0\.(\d+)\./.exec(version);
  const summary = `buildx ${version} (${b.cliPath})${current ? `; current builder "${current.name}" (${current.driver || 'unknown driver'})` : ''}.`;
  if (old && Number(old[1]) < 10) {
    return {
      id: 'buildx',
      title: 'docker buildx',
      status: 'warning',
      summary: `${summary} This version is old; some output Multiarch Lab reads may differ.`,
      fix: `Update buildx to 0.10 or newer. ${buildxInstallHint(os)}`,
    };
  }
  if (b.error) {
    return { id: 'buildx', title: 'docker buildx', status: 'warning', summary: `${summary} Listing builders failed: ${b.error}`, fix: 'Run docker buildx ls to see the error; a broken builder can be removed with docker buildx rm NAME.' };
  }
  return { id: 'buildx', title: 'docker buildx', status: 'ok', summary };
}

function containerdCheck(engine: EngineInfo, buildx: BuildxInfo): DoctorCheck {
  if (engine.containerdImageStore) {
    return {
      id: 'containerd-store',
      title: 'Image store',
      status: 'ok',
      summary: 'The engine keeps images in the containerd image store, so its default builder can build and keep multi-platform images.',
    };
  }
  const current = buildx.builders.find((b) => b.current);
  const store = `the classic image store${engine.storageDriver ? ` (storage driver ${engine.storageDriver})` : ''}`;
  if (current && current.driver && current.driver !== 'docker') {
    return {
      id: 'containerd-store',
      title: 'Image store',
      status: 'ok',
      summary: `The engine uses ${store}, but the current builder "${current.name}" uses the ${current.driver} driver, which builds multi-platform images; push them to a registry to keep them.`,
    };
  }
  return {
    id: 'containerd-store',
    title: 'Image store',
    status: 'warning',
    summary: `The engine uses ${store}. Its default builder (the docker driver) refuses multi-platform builds there ("Multi-platform build is not supported for the docker driver").`,
    fix:
      'Either create a builder with the docker-container driver on the host network, which builds every platform and pushes to a registry on localhost; ' +
      'or switch the engine to the containerd image store (Docker Desktop: Settings → General → "Use containerd for pulling and storing images"; ' +
      'Docker Engine: add {"features": {"containerd-snapshotter": true}} to /etc/docker/daemon.json and restart dockerd; images stored before are not carried over).',
    fixCommands: [HOST_NETWORK_BUILDER_COMMAND],
  };
}

function emulationCheck(facts: DoctorFacts, engine: EngineInfo, platforms: PlatformStatus[]): DoctorCheck {
  const emulated = platforms.filter((p) => p.support === 'emulated');
  const unavailable = platforms.filter((p) => p.support === 'unavailable');
  const native = platforms.filter((p) => p.support === 'native').map((p) => p.platform);
  const os = facts.host.os;
  const local = facts.binfmt !== null;
  const commands: string[][] = [];
  if (local && facts.binfmt && !facts.binfmt.mounted) commands.push(['sudo', 'mount', '-t', 'binfmt_misc', 'binfmt_misc', '/proc/sys/fs/binfmt_misc']);
  if (local && os === 'linux') commands.push(['sudo', 'apt-get', 'install', '-y', 'qemu-user-static', 'binfmt-support']);
  commands.push(BINFMT_INSTALL_COMMAND);
  const installFix = local
    ? 'Install QEMU user-mode emulators and register them with the kernel: sudo apt-get install qemu-user-static binfmt-support (Debian/Ubuntu; Fedora: sudo dnf install qemu-user-static), or let Docker register them: docker run --privileged --rm tonistiigi/binfmt --install all. Registrations made that way last until the next reboot.'
    : 'Register QEMU emulators in the engine\'s machine: docker run --privileged --rm tonistiigi/binfmt --install all (Docker Desktop ships them already; restarting it restores them).';

  if (emulated.length === 0) {
    let summary: string;
    if (local && facts.binfmt && !facts.binfmt.mounted) summary = 'binfmt_misc is not mounted, so the kernel cannot hand foreign binaries to an emulator.';
    else if (local && facts.binfmt && !facts.binfmt.enabled) summary = 'binfmt_misc is switched off (its status file says disabled).';
    else if (!local && facts.buildx.builders.length === 0) summary = 'The engine is not on this machine and there is no builder to ask which platforms it emulates.';
    else summary = `No emulators are registered: this engine runs only ${native.join(', ') || `its own architecture (${engine.arch})`} images.`;
    const fix = local && facts.binfmt && !facts.binfmt.enabled
      ? 'Switch binfmt_misc on: echo 1 | sudo tee /proc/sys/fs/binfmt_misc/status, then install emulators if none are registered.'
      : installFix;
    return { id: 'emulation', title: 'Emulation (QEMU)', status: 'missing', summary, fix, fixCommands: commands };
  }

  const named = emulated.map((p) => p.platform).join(', ');
  const noFixFlag = local && facts.binfmt
    ? facts.binfmt.handlers.filter((h) => h.enabled && h.platform && !h.flags.includes('F') && emulated.some((p) => p.via?.startsWith(`${h.name} `)))
    : [];
  if (noFixFlag.length) {
    return {
      id: 'emulation',
      title: 'Emulation (QEMU)',
      status: 'warning',
      summary: `Emulated: ${named}. But ${noFixFlag.map((h) => h.name).join(', ')} ${noFixFlag.length === 1 ? 'is' : 'are'} registered without the F flag, so containers only work if the emulator is inside them.`,
      fix: 'Re-register the emulators with the F (fix binary) flag: docker run --privileged --rm tonistiigi/binfmt --install all, or a qemu-user-static package that registers them that way.',
      fixCommands: [BINFMT_INSTALL_COMMAND],
    };
  }
  const arch = normalizeArch(engine.arch);
  const counterpart = arch === 'amd64' ? 'linux/arm64' : arch === 'arm64' ? 'linux/amd64' : undefined;
  const missingCounterpart = counterpart ? unavailable.find((p) => p.platform === counterpart) : undefined;
  if (missingCounterpart) {
    return {
      id: 'emulation',
      title: 'Emulation (QEMU)',
      status: 'warning',
      summary: `Emulated: ${named}; but not ${missingCounterpart.platform}, the platform most multi-arch images pair with ${engine.arch}.`,
      fix: installFix,
      fixCommands: commands,
    };
  }
  return {
    id: 'emulation',
    title: 'Emulation (QEMU)',
    status: 'ok',
    summary: `Emulated: ${named}${unavailable.length ? `. Not available: ${unavailable.map((p) => p.platform).join(', ')}` : ''}.`,
  };
}

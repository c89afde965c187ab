/**
 * What each platform should print for `uname -m`, how to find a machine name in a run's output, and the
 * verdict on one run (pass, fail and why, or unverified when nothing recognisable was printed). Pure functions.
 */
import type { ExpectedMachine, PlatformRun, RunExecution } from '../contract/runs.js';
import { normalizePlatform } from '../platform.js';

/** Machine names as `uname -m` (and Go's GOARCH, which some programs print) spell them, and the platform they mean. */
const MACHINE_FAMILY: Record<string, string> = {
  x86_64: 'amd64',
  amd64: 'amd64',
  i386: '386',
  i486: '386',
  i586: '386',
  i686: '386',
  aarch64: 'arm64',
  arm64: 'arm64',
  armv8l: 'arm (32-bit on a 64-bit ARM CPU)',
  armv7l: 'arm/v7',
  armv6l: 'arm/v6',
  armv5tel: 'arm/v5',
  armv5tejl: 'arm/v5',
  riscv64: 'riscv64',
  ppc64le: 'ppc64le',
  ppc64: 'ppc64',
  s390x: 's390x',
  mips64: 'mips64',
  mips: 'mips',
  loongarch64: 'loong64',
};

const GO_NAMES = new Set(['amd64', 'arm64']);

function tokenPattern(names: string[], before: string): RegExp {
  // Longest first, so `ppc64le` wins over `ppc64` and `mips64` over `mips`.
  return new RegExp(`(?<![${before}])(${names.sort((a, b) => b.length - a.length).join('|')})(?![A-Za-z0-9_])`);
}

const UNAME_PATTERN = tokenPattern(Object.keys(MACHINE_FAMILY).filter((m) => !GO_NAMES.has(m)), 'A-Za-z0-9_');
// Go names also appear in kernel release strings (6.1.0-18-amd64), so they count only as words of their own.
const GO_PATTERN = tokenPattern([...GO_NAMES], 'A-Za-z0-9_.\\-');

/**
 * The machine name in the output (`uname -m`, `uname -a`, or a program printing its GOARCH), or null.
 * uname's names win over Go's, which a kernel release string may contain.
 */
export function findMachine(stdout: string): string | null {
  return UNAME_PATTERN.exec(stdout)?.[1] ?? GO_PATTERN.exec(stdout)?.[1] ?? null;
}

/** The architecture a printed machine name stands for, in platform words: `x86_64` → `amd64`. */
export function machineFamily(machine: string): string | undefined {
  return MACHINE_FAMILY[machine];
}

export interface ExpectationContext {
  execution?: RunExecution;
  /** The engine's own architecture, e.g. x86_64 or aarch64. */
  engineArch?: string;
}

const SHARED_KERNEL_NOTE =
  'a 32-bit container on a 64-bit kernel reports the kernel\'s machine unless the container switches its "personality", which Docker does not; uname -m cannot tell the two apart here';

/** What `uname -m` prints on this platform: its own name first, then answers that also count, each with why. */
export function expectedMachines(platform: string, context: ExpectationContext = {}): ExpectedMachine[] {
  const p = normalizePlatform(platform);
  const emulated = context.execution === 'emulated';
  const enginePlatform = context.engineArch ? normalizePlatform(`linux/${context.engineArch}`) : undefined;
  const engine = enginePlatform?.architecture;
  const onArm64 = context.execution === 'native' && engine === 'arm64';
  const armOn64: ExpectedMachine[] = onArm64
    ? [
        { machine: 'armv8l', note: 'a 64-bit ARM CPU running 32-bit ARM code reports armv8l' },
        { machine: 'aarch64', note: SHARED_KERNEL_NOTE },
      ]
    : [];
  switch (p.architecture) {
    case 'amd64':
      return [{ machine: 'x86_64' }, { machine: 'amd64', note: 'Go programs print amd64 for x86_64' }];
    case '386': {
      const out: ExpectedMachine[] = [{ machine: 'i686' }, { machine: 'i386' }, { machine: 'i586' }];
      if (context.execution === 'native' && engine === 'amd64') out.push({ machine: 'x86_64', note: SHARED_KERNEL_NOTE });
      return out;
    }
    case 'arm64':
      return [{ machine: 'aarch64' }, { machine: 'arm64', note: 'Go programs and macOS print arm64 for aarch64' }];
    case 'arm':
      if (p.variant === 'v8') return [{ machine: 'armv8l' }, ...armOn64.slice(1)];
      if (p.variant === 'v7') return [{ machine: 'armv7l' }, ...armOn64];
      if (p.variant === 'v6') {
        return [
          { machine: 'armv6l' },
          ...(emulated ? [{ machine: 'armv7l', note: 'QEMU emulates an ARMv7 CPU, which runs armv6 code and reports armv7l; this shows the binaries are 32-bit ARM, not that they need only v6' }] : []),
          ...(context.execution === 'native' && engine === 'arm' && enginePlatform?.variant === 'v7' ? [{ machine: 'armv7l', note: 'this ARMv7 CPU runs armv6 code and reports its own name' }] : []),
          ...armOn64,
        ];
      }
      if (p.variant === 'v5') {
        return [
          { machine: 'armv5tel' },
          { machine: 'armv5tejl' },
          ...(emulated ? [{ machine: 'armv7l', note: 'QEMU emulates an ARMv7 CPU, which runs armv5 code and reports armv7l' }] : []),
          ...armOn64,
        ];
      }
      return [];
    case 'riscv64':
      return [{ machine: 'riscv64' }];
    case 'ppc64le':
      return [{ machine: 'ppc64le' }];
    case 'ppc64':
      return [{ machine: 'ppc64' }];
    case 's390x':
      return [{ machine: 's390x' }];
    case 'mips64le':
    case 'mips64':
      // uname -m says mips64 for both byte orders
      return [{ machine: 'mips64' }];
    case 'mipsle':
    case 'mips':
      return [{ machine: 'mips' }];
    case 'loong64':
      return [{ machine: 'loongarch64' }];
    default:
      return [];
  }
}

/** `x86_64`, `i686 or i386`: the platform's own answers, without the caveated ones. */
export function expectedText(expected: readonly ExpectedMachine[]): string {
  const plain = expected.filter((e) => !e.note).map((e) => e.machine);
  const words = plain.length ? plain : expected.map((e) => e.machine);
  if (words.length === 0) return 'unknown';
  return words.length === 1 ? words[0]! : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}

export interface RunObservation {
  platform: string;
  stdout: string;
  stderr: string;
  exitCode: number | null;
  timedOut: boolean;
  timeoutMs?: number;
  execution: RunExecution;
  engineArch?: string;
  /** The index labels the entry `platform`, but the image config says this. */
  configPlatform?: string;
  /** Starting the container failed with this message. */
  startError?: string;
}

/** The judged part of a PlatformRun: the contract documents each field. */
export type RunVerdict = Pick<PlatformRun, 'expected' | 'expectedText' | 'printed' | 'result' | 'failure' | 'explanation' | 'note'>;

const EMULATOR_FIX =
  'Install QEMU user emulation: on Debian/Ubuntu apt-get install qemu-user-static binfmt-support, or docker run --privileged --rm tonistiigi/binfmt --install all (see Builder → Emulators).';

/** The verdict on one run, from what it printed and how it ended. */
export function judgeRun(o: RunObservation): RunVerdict {
  const expected = expectedMachines(o.platform, { execution: o.execution, ...(o.engineArch ? { engineArch: o.engineArch } : {}) });
  const base = { expected, expectedText: expectedText(expected) };
  const printed = findMachine(o.stdout);
  const output = `${o.stderr}\n${o.startError ?? ''}`;
  const labelMismatch = o.configPlatform !== undefined && configContradictsLabel(o.configPlatform, o.platform);

  if (/exec format error/i.test(output)) {
    return { ...base, printed, result: 'fail', failure: 'exec-format', explanation: execFormatExplanation(o) };
  }
  if (o.timedOut) {
    const seconds = o.timeoutMs ? `${Math.round(o.timeoutMs / 1000)} s` : 'the time limit';
    return {
      ...base,
      printed,
      result: 'fail',
      failure: 'timeout',
      explanation: `It did not finish within ${seconds}, so it was stopped. ${o.execution === 'emulated' ? 'Emulated runs are many times slower: raise the timeout. ' : ''}If the command waits for input (a shell as CMD needs a terminal), give a command that exits, such as uname -m.`,
    };
  }
  if (labelMismatch) {
    const family = printed ? machineFamily(printed) : undefined;
    return {
      ...base,
      printed,
      result: 'fail',
      failure: 'label-mismatch',
      explanation:
        `The index labels this entry ${o.platform}, but its image config says ${o.configPlatform}` +
        (printed ? ` and it printed ${printed}${family ? ` (${family})` : ''}` : '') +
        `: the ${o.platform} slot points at the ${o.configPlatform} image. The index was assembled with the wrong digest; ` +
        'recreate it (docker buildx imagetools create, or docker manifest create) with each platform\'s own manifest.',
    };
  }
  if (printed && !expected.some((e) => e.machine === printed)) {
    const family = machineFamily(printed) ?? printed;
    const explanation = expected.length
      ? `The ${o.platform} entry printed ${printed}: its binaries are ${family}. The image was probably built without --platform, or from ${article(family)} ${family}-only base image, or the build copied binaries made for the build machine.`
      : `Multiarch Lab does not know what ${o.platform} should print; it printed ${printed} (${family}).`;
    return { ...base, printed, result: expected.length ? 'fail' : 'unverified', ...(expected.length ? { failure: 'mismatch' as const } : {}), explanation };
  }
  if (o.exitCode !== 0) {
    return {
      ...base,
      printed,
      result: 'fail',
      failure: 'exit-code',
      explanation: o.startError
        ? `The container did not start: ${o.startError}`
        : `The command exited with code ${o.exitCode ?? 'unknown'}${o.stderr.trim() ? `: ${lastLine(o.stderr)}` : ''}.`,
    };
  }
  if (!printed) {
    return {
      ...base,
      printed,
      result: 'unverified',
      note: 'It ran and exited 0, but printed no machine name, so its architecture was not checked. Run it with the command uname -m to check.',
    };
  }
  const match = expected.find((e) => e.machine === printed);
  return { ...base, printed, result: 'pass', ...(match?.note ? { note: `Printed ${printed}: ${match.note}.` } : {}) };
}

function execFormatExplanation(o: RunObservation): string {
  if (o.execution === 'unavailable' || o.execution === 'unknown') {
    return `The kernel could not run ${o.platform} binaries ("exec format error"): no emulator is registered for that platform${o.execution === 'unknown' ? ' (or none that this engine uses)' : ''}. ${EMULATOR_FIX}`;
  }
  if (o.execution === 'native') {
    return `"exec format error" on ${o.platform}, which this CPU runs natively: the entry's binaries are for another architecture and no emulator is registered for it. Check how the image was built (--platform), or install emulators. ${EMULATOR_FIX}`;
  }
  return `"exec format error" although an emulator is registered for ${o.platform}: the binary is not a valid ${o.platform} executable (broken, or built for yet another CPU). Rebuild the image for ${o.platform}.`;
}

/** "an amd64", "a riscv64": names read letter by letter or as words. */
function article(word: string): string {
  return /^(?:[aeiou]|s390)/i.test(word) ? 'an' : 'a';
}

function lastLine(text: string): string {
  const lines = text.trim().split(/\r?\n/);
  const last = lines[lines.length - 1] ?? '';
  return last.length > 200 ? `${last.slice(0, 200)}…` : last;
}

/**
 * Does the image config name another platform than the index entry? Variants count only when both spell one
 * out: many configs leave the variant empty, which says nothing against the label.
 */
export function configContradictsLabel(configPlatform: string, label: string): boolean {
  const config = normalizePlatform(configPlatform);
  const entry = normalizePlatform(label);
  if (config.os !== entry.os || config.architecture !== entry.architecture) return true;
  const explicit = (text: string) => text.split('/').length > 2;
  return explicit(configPlatform) && explicit(label) && config.variant !== entry.variant;
}

/**
 * Linux binfmt_misc handler files (/proc/sys/fs/binfmt_misc/<name>): which foreign binaries the kernel hands
 * to an emulator, and so which container platforms run emulated. The platform comes from the ELF header in
 * the handler's magic (class, byte order, machine), which works whatever the handler is named; the name is
 * only a fallback.
 */

export interface BinfmtHandler {
  name: string;
  enabled: boolean;
  interpreter?: string;
  /** Letters such as P, O, C, F. F (fix binary) lets containers use the handler without the emulator inside them. */
  flags: string;
  offset?: number;
  magic?: string;
  mask?: string;
  extension?: string;
  /** The container platform this handler runs, e.g. linux/arm64; linux/arm covers arm/v6 and arm/v7. */
  platform?: string;
}

export interface BinfmtState {
  /** binfmt_misc is mounted (its status file exists). */
  mounted: boolean;
  /** The global switch in the status file. */
  enabled: boolean;
  handlers: BinfmtHandler[];
}

/** Parses one handler file. */
export function parseBinfmtHandler(name: string, text: string): BinfmtHandler {
  const handler: BinfmtHandler = { name, enabled: false, flags: '' };
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === 'enabled') handler.enabled = true;
    else if (line === 'disabled') handler.enabled = false;
    else if (line.startsWith('interpreter ')) handler.interpreter = line.slice('interpreter '.length).trim();
    else if (line.startsWith('flags:')) handler.flags = line.slice('flags:'.length).trim();
    else if (line.startsWith('offset ')) handler.offset = Number(line.slice('offset '.length).trim());
    else if (line.startsWith('magic ')) handler.magic = line.slice('magic '.length).trim().toLowerCase();
    else if (line.startsWith('mask ')) handler.mask = line.slice('mask '.length).trim().toLowerCase();
    else if (line.startsWith('extension ')) handler.extension = line.slice('extension '.length).trim();
  }
  const platform = platformFromMagic(handler.magic, handler.offset) ?? platformFromName(name);
  if (platform) handler.platform = platform;
  return handler;
}

/** The global status file holds "enabled" or "disabled". */
export function parseBinfmtStatus(text: string | undefined): { mounted: boolean; enabled: boolean } {
  if (text === undefined) return { mounted: false, enabled: false };
  return { mounted: true, enabled: text.trim() === 'enabled' };
}

const EM = {
  I386: 3,
  MIPS: 8,
  PPC: 20,
  PPC64: 21,
  S390: 22,
  ARM: 40,
  X86_64: 62,
  AARCH64: 183,
  RISCV: 243,
  LOONGARCH: 258,
} as const;

/**
 * Reads the ELF identification and e_machine out of a magic string (hex). Handlers for ELF binaries match
 * the first 20 bytes: "\x7fELF", class (1 = 32-bit, 2 = 64-bit), data (1 = little, 2 = big endian), …, e_type, e_machine.
 */
export function platformFromMagic(magic: string | undefined, offset = 0): string | undefined {
  if (!magic || offset !== 0 || !/^[0-9a-f]+$/.test(magic) || magic.length < 40) return undefined;
  if (!magic.startsWith('7f454c46')) return undefined;
  const byte = (i: number) => parseInt(magic.slice(i * 2, i * 2 + 2), 16);
  const elfClass = byte(4);
  const little = byte(5) === 1;
  const machine = little ? byte(18) | (byte(19) << 8) : (byte(18) << 8) | byte(19);
  const is64 = elfClass === 2;
  switch (machine) {
    case EM.AARCH64:
      return little ? 'linux/arm64' : 'linux/arm64be';
    case EM.ARM:
      return little ? 'linux/arm' : 'linux/armbe';
    case EM.X86_64:
      return 'linux/amd64';
    case EM.I386:
      return 'linux/386';
    case EM.RISCV:
      return is64 ? 'linux/riscv64' : 'linux/riscv32';
    case EM.PPC64:
      return little ? 'linux/ppc64le' : 'linux/ppc64';
    case EM.PPC:
      return 'linux/ppc';
    case EM.S390:
      return is64 ? 'linux/s390x' : 'linux/s390';
    case EM.MIPS:
      if (is64) return little ? 'linux/mips64le' : 'linux/mips64';
      return little ? 'linux/mipsle' : 'linux/mips';
    case EM.LOONGARCH:
      return is64 ? 'linux/loong64' : undefined;
    default:
      return undefined;
  }
}

const NAME_TO_PLATFORM: Record<string, string> = {
  aarch64: 'linux/arm64',
  arm: 'linux/arm',
  x86_64: 'linux/amd64',
  i386: 'linux/386',
  i486: 'linux/386',
  riscv64: 'linux/riscv64',
  ppc64le: 'linux/ppc64le',
  ppc64: 'linux/ppc64',
  s390x: 'linux/s390x',
  mips64el: 'linux/mips64le',
  mips64: 'linux/mips64',
  loongarch64: 'linux/loong64',
  rosetta: 'linux/amd64',
};

/** Fallback for handlers whose magic we do not read (qemu-aarch64, aarch64, rosetta…). */
export function platformFromName(name: string): string | undefined {
  const bare = name.replace(/^qemu-/, '').replace(/-static$/, '');
  return NAME_TO_PLATFORM[bare];
}

/**
 * True when a handler runs binaries of `platform` (os/arch[/variant]).
 * One ARM handler covers every 32-bit ARM variant; variants of amd64 (v2, v3) are the same machine.
 */
export function handlerRuns(handler: BinfmtHandler, platform: string): boolean {
  if (!handler.platform) return false;
  const [os, arch] = platform.split('/');
  return handler.platform === `${os}/${arch}`;
}

/**
 * The CLI loads a command's module only when that command runs; the top-level help comes from a table in
 * program.ts. These tests pin that table to the modules: the light help must be exactly the one commander prints
 * with every module loaded, and every command still gets its full definition when named.
 */
import { describe, expect, test } from 'vitest';
import { buildFullProgram, buildProgram, COMMANDS, requestedCommand } from '../../../cli/program.js';
import { staticAnswer } from '../../../cli/static-answers.js';
import { TOP_LEVEL_HELP } from '../../../cli/help-text.js';

describe('the CLI loads per command', () => {
  test('the top-level help from the table is the help with every command loaded', async () => {
    const light = await buildProgram(['node', 'multiarch-lab', '--help']);
    const full = await buildFullProgram();
    expect(light.helpInformation()).toBe(full.helpInformation());
    expect(light.commands.map((c) => c.name())).toEqual(full.commands.map((c) => c.name()));
  });

  test.each(COMMANDS.map((c) => c.name))('naming %s loads that command with its own options and no other', async (name) => {
    const program = await buildProgram(['node', 'multiarch-lab', name, '--help']);
    const full = await buildFullProgram();
    expect(program.commands.map((c) => c.name())).toEqual([name]);
    const loaded = program.commands[0]!;
    const reference = full.commands.find((c) => c.name() === name)!;
    expect(loaded.helpInformation()).toBe(reference.helpInformation());
  });

  test('`help X` loads X; options, typos and no command load nothing', () => {
    expect(requestedCommand(['help', 'doctor'])?.name).toBe('doctor');
    expect(requestedCommand(['--json', 'doctor'])?.name).toBe('doctor');
    expect(requestedCommand(['--help'])).toBeUndefined();
    expect(requestedCommand(['doctr'])).toBeUndefined();
    expect(requestedCommand([])).toBeUndefined();
  });

  test('the stored top-level help is what commander prints off a terminal (else: node scripts/cli-help-text.mjs)', async () => {
    const full = await buildFullProgram();
    full.configureOutput({ getOutHelpWidth: () => 80 });
    expect(TOP_LEVEL_HELP).toBe(full.helpInformation());
  });

  test('the answers given without commander are what commander prints for the same arguments', async () => {
    for (const args of [['--help'], ['-h'], ['help'], ['--version'], ['-V']]) {
      const program = await buildProgram(['node', 'multiarch-lab', ...args]);
      let out = '';
      program.configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += `stderr:${s}`), getOutHelpWidth: () => 80 });
      let exitCode: number | undefined;
      try {
        await program.parseAsync(['node', 'multiarch-lab', ...args]);
      } catch (error) {
        exitCode = (error as { exitCode?: number }).exitCode;
      }
      expect(exitCode).toBe(0);
      expect(staticAnswer(args, false)).toBe(out);
    }
  });

  test('commander decides everything else, and the help on a terminal (it wraps to the width)', () => {
    expect(staticAnswer(['--help'], true)).toBeUndefined();
    expect(staticAnswer(['--version'], true)).toBe(staticAnswer(['--version'], false));
    for (const args of [[], ['doctor'], ['--help', 'doctor'], ['help', 'doctor'], ['doctor', '--help'], ['--helpx'], ['-Vh'], ['--version', '--help']]) {
      expect(staticAnswer(args, false)).toBeUndefined();
    }
  });
});

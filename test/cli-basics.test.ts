import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, hasTerminalCodes, runCli, tempDir } from './helpers/cli-run.js';

const tmp = tempDir();
afterAll(() => tmp.remove());

const COMMANDS = ['validate', 'import', 'check', 'dig', 'keys', 'prune', 'serve'];

/** An error report is one line with a code, never a stack trace. */
function expectOneLineError(stderr: string, code: string | RegExp): void {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(code);
  expect(stderr).not.toMatch(/^\s+at /m);
}

describe('ler: command line', () => {
  it('without a command prints the usage on stderr and exits 2', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Usage: ler <command>');
    for (const c of COMMANDS) expect(r.stderr).toContain(`  ${c}`);
  });

  it('gives every command a --help with examples, on stdout, exit 0', async () => {
    const results = await Promise.all(COMMANDS.map((c) => runCli([c, '--help'])));
    results.forEach((r, i) => {
      expect(r.code, COMMANDS[i]).toBe(0);
      expect(r.stdout).toContain(`Usage: ler ${COMMANDS[i]}`);
      expect(r.stdout).toContain('Examples:');
      expect(r.stdout).toContain(`ler ${COMMANDS[i]} `);
    });
    // Where coordinates go in or out, --crs is offered.
    for (const i of [0, 1, 2, 3]) expect(results[i].stdout).toContain('--crs');
  });

  it('answers an unknown command, an unknown flag or a bad value with the usage and exit 2', async () => {
    const [command, flag, format, number, missing] = await Promise.all([
      runCli(['frobnicate']),
      runCli(['validate', '--colour', 'x.geojson']),
      runCli(['check', '--format', 'xml', 'x.geojson']),
      runCli(['dig', '--info-zone', 'two', 'x.geojson']),
      runCli(['import', 'dk-el'])
    ]);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('Unknown command "frobnicate"');
    expect(command.stderr).toContain('Usage: ler <command>');
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('--colour');
    expect(flag.stderr).toContain('Usage: ler validate');
    expect(format.code).toBe(2);
    expect(format.stderr).toContain('--format is one of ndjson, csv, geojson');
    expect(number.code).toBe(2);
    expect(number.stderr).toContain('--info-zone takes a number');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Missing <network.geojson>');
    for (const r of [command, flag, format, number, missing]) {
      expect(r.stdout).toBe('');
      expect(hasTerminalCodes(r.stderr)).toBe(false);
    }
  });

  it('is the package\'s bin: the compiled main, which keeps its shebang', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin?: Record<string, string>; files: string[] };
    expect(pkg.bin?.ler).toBe('./dist/src/cli/main.js');
    // Packed with the package (files), and runnable as a command.
    expect(pkg.files.some((f) => pkg.bin?.ler.replace('./', '').startsWith(`${f}/`))).toBe(true);
    expect(readFileSync(join(ROOT, 'src/cli/main.ts'), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('reports a missing file on one line with what went wrong, exit 1', async () => {
    const path = tmp.file('nowhere.geojson');
    const [validate, dig] = await Promise.all([runCli(['validate', path]), runCli(['dig', '--data-dir', tmp.file('data'), path])]);
    expect(validate.code).toBe(1);
    expectOneLineError(validate.stderr, /^ler validate: ENOENT: .*nowhere\.geojson: no such file or directory$/);
    expect(dig.code).toBe(1);
    expectOneLineError(dig.stderr, /^ler dig: ENOENT: /);
  });
});


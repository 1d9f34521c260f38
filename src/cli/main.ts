#!/usr/bin/env node
/**
 * The `ler` command: the engine for utilities and planners on their own machine.
 *
 *   ler <command> [options]      (ler --help, ler <command> --help)
 *
 * Each command is a module of src/cli/commands; this file only picks one, reports errors on one
 * line (exit 1), wrong command lines with the usage (exit 2), and sets the exit status.
 */
import { check } from './commands/check.js';
import { dig } from './commands/dig.js';
import { importCommand } from './commands/import.js';
import { keys } from './commands/keys.js';
import { prune } from './commands/prune.js';
import { serve } from './commands/serve.js';
import { validate } from './commands/validate.js';
import { EXIT, UsageError, describeError, parseCommandArgs, type CommandSpec, type Io } from './common.js';

const COMMANDS: readonly CommandSpec[] = [validate, importCommand, check, dig, keys, prune, serve];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Usage: ler <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run 'ler <command> --help' for its options and examples.`;
}

export async function main(argv: string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    (name === undefined ? io.stderr : io.stdout).write(`${topic?.help ?? usage()}\n`);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  try {
    if (command === undefined) throw new UsageError(`Unknown command ${JSON.stringify(name)}.`);
    const args = parseCommandArgs(command, rest);
    if (args.values.help === true) {
      io.stdout.write(`${command.help}\n`);
      return EXIT.ok;
    }
    return await command.run(args, io);
  } catch (error) {
    // The reader of stdout went away (ler check ... | head): nothing is wrong, nothing to say.
    if ((error as NodeJS.ErrnoException)?.code === 'EPIPE') return EXIT.ok;
    if (error instanceof UsageError) {
      const spec = COMMANDS.find((c) => c.name === error.command);
      const first = spec ? spec.help.split('\n\n')[0] : usage();
      io.stderr.write(`ler${spec ? ` ${spec.name}` : ''}: ${error.message}\n${first}\nRun 'ler ${spec ? `${spec.name} ` : ''}--help' for more.\n`);
      return EXIT.usage;
    }
    io.stderr.write(`ler${command ? ` ${command.name}` : ''}: ${describeError(error)}\n`);
    if (io.env.LER_DEBUG === '1' && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return EXIT.failed;
  }
}

process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(EXIT.ok);
});
const code = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
// Let stdout drain (a pipe) before leaving; the engine's pool and store are closed by now.
process.exitCode = code;

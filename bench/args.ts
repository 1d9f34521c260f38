/**
 * The benchmarks' options: `--name value` or `--name` (true), after `LER_BENCH_<NAME>` from the
 * environment (`0` or `false` sets `no-<name>`), so that a CI job can set them without a command line.
 */
export function readArgs(argv: string[], env: Record<string, string | undefined> = process.env): Map<string, string> {
  const args = new Map<string, string>();
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith('LER_BENCH_') && value !== undefined) {
      const name = key.slice('LER_BENCH_'.length).toLowerCase().replace(/_/g, '-');
      if (value === '0' || value === 'false') args.set(`no-${name}`, 'true');
      else args.set(name, value === '1' ? 'true' : value);
    }
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`Unexpected argument ${a}: options start with --.`);
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('--')) {
      args.set(a.slice(2), next);
      i++;
    } else args.set(a.slice(2), 'true');
  }
  return args;
}

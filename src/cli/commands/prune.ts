/** `ler prune`: removes the dig requests of the local store that have passed their retention, at once. */
import { DEFAULT_RETENTION_DAYS, pruneAll, pruneAudit, retentionCutoff } from '../../store/retention.js';
import { DATA_DIR_OPTION, EXIT, UsageError, openLocalStore, positionals, str, write, type CommandSpec } from '../common.js';

export const prune: CommandSpec = {
  name: 'prune',
  summary: 'remove dig requests past their retention from the local store',
  options: { ...DATA_DIR_OPTION, 'retention-days': { type: 'string' } },
  help: `Usage: ler prune [options]

Removes from the store every dig request made more than the retention period
ago, with its package and its maps, in small transactions (a running service
goes on answering), and prints how many it removed. The service does the same
when it starts and once a day; this is for doing it now, or with a shorter
period. The removal is written to the audit log.

Options:
  --data-dir <dir>          the store; default $LER_DATA_DIR or ./data
  --retention-days <days>   keep dig requests this many days; default
                            $LER_RETENTION_DAYS or ${DEFAULT_RETENTION_DAYS} (five years)

Examples:
  ler prune
  ler prune --retention-days 3650 --data-dir /srv/ler`,
  async run(args, io) {
    positionals(args, [], 'prune');
    const days = retentionDays(str(args, 'retention-days') ?? io.env.LER_RETENTION_DAYS);
    const store = await openLocalStore(args, io);
    let line: string;
    try {
      const before = retentionCutoff(new Date(), days);
      const totals = await pruneAll(store, before, pruneAudit('cli', before, days));
      line = `removed ${totals.requests} dig request${totals.requests === 1 ? '' : 's'} made before ${totals.before} (retention ${days} days), with ${totals.pictures} kept map${totals.pictures === 1 ? '' : 's'}`;
    } finally {
      await store.close();
    }
    await write(io.stdout, `${line}\n`);
    return EXIT.ok;
  }
};

function retentionDays(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return DEFAULT_RETENTION_DAYS;
  const v = value.trim();
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 36_525) throw new UsageError(`--retention-days (or LER_RETENTION_DAYS) is a whole number of days from 1 to 36525, got ${JSON.stringify(value)}.`, 'prune');
  return Number(v);
}

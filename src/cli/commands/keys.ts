/** `ler keys`: API keys of the local store (tokens shown once, stored as SHA-256 only). */
import { hashToken, keyId, newToken } from '../../store/tokens.js';
import type { ApiKeyRecord } from '../../store/store.js';
import { DATA_DIR_OPTION, EXIT, UsageError, openLocalStore, oneOf, str, write, type CommandSpec } from '../common.js';

const ROLES = ['admin', 'owner', 'contractor', 'planner'] as const;

export const keys: CommandSpec = {
  name: 'keys',
  summary: 'create and list API keys in the local store',
  options: { ...DATA_DIR_OPTION, role: { type: 'string' }, owner: { type: 'string' }, name: { type: 'string' } },
  help: `Usage: ler keys create --role <role> [--owner <owner>] [--name <name>] [options]
       ler keys list [options]

create: makes an API key for the HTTP service and prints its token on stdout,
once: the store keeps only its SHA-256. Roles: admin; owner (give --owner: the
key may touch only that owner's data); contractor (dig requests); planner
(batches).
list: the keys in the store (id = the first 16 hex digits of the hash, role,
owner, name, created), never the tokens.

Options:
  --data-dir <dir>     the store; default $LER_DATA_DIR or ./data
  --role <role>        admin, owner, contractor or planner
  --owner <owner>      the owner an owner key is bound to
  --name <name>        a note: who or what the key is for

Examples:
  ler keys create --role contractor --name "Graveselskabet A/S"
  ler keys create --role owner --owner dk-el --name "dk-el upload job"
  ler keys list`,
  async run(args, io) {
    const [action, ...rest] = args.positionals;
    if (action === undefined) throw new UsageError('Missing <action>: create or list.', 'keys');
    if (rest.length > 0) throw new UsageError(`Unexpected argument ${JSON.stringify(rest[0])}.`, 'keys');
    if (action === 'list') {
      const store = await openLocalStore(args, io);
      let list: ApiKeyRecord[];
      try {
        list = await store.listApiKeys();
      } finally {
        await store.close();
      }
      const lines = list.map((k) => [keyId(k.hash), k.role, k.owner ?? '-', k.name ?? '-', k.createdAt].join('\t'));
      await write(io.stdout, lines.length > 0 ? `${['id', 'role', 'owner', 'name', 'created'].join('\t')}\n${lines.join('\n')}\n` : '');
      if (list.length === 0) io.stderr.write('no keys\n');
      return EXIT.ok;
    }
    if (action !== 'create') throw new UsageError(`Unknown action ${JSON.stringify(action)}: create or list.`, 'keys');
    if (str(args, 'role') === undefined) throw new UsageError('Missing --role (admin, owner, contractor or planner).', 'keys');
    const role = oneOf(args, 'role', ROLES, 'contractor', 'keys');
    const owner = str(args, 'owner') ?? null;
    if (role === 'owner' && (owner === null || owner.trim() === '')) throw new UsageError('An owner key needs --owner <owner>.', 'keys');
    if (role !== 'owner' && owner !== null) throw new UsageError(`--owner is for owner keys; a ${role} key is not bound to an owner.`, 'keys');
    const token = newToken();
    const hash = hashToken(token);
    const store = await openLocalStore(args, io);
    try {
      await store.putApiKey({ hash, role, owner, name: str(args, 'name') ?? null }, { actor: 'cli', action: 'key.create', owner, detail: { id: keyId(hash), role } });
    } finally {
      await store.close();
    }
    io.stderr.write(`Created ${role === 'admin' || role === 'owner' ? 'an' : 'a'} ${role} key${owner !== null ? ` for ${owner}` : ''} (id ${keyId(hash)}). The token is shown this once; keep it:\n`);
    await write(io.stdout, `${token}\n`);
    return EXIT.ok;
  }
};

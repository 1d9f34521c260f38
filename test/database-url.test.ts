import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/http/config.js';
import { openStore } from '../src/store/open.js';

describe('LER_DATABASE_URL', () => {
  it('takes a postgres:// URL (the store is then PostgreSQL) and refuses anything else, for the service and the command line alike', async () => {
    expect(loadConfig({}).databaseUrl).toBeNull();
    expect(loadConfig({ LER_DATABASE_URL: ' ' }).databaseUrl).toBeNull();
    expect(loadConfig({ LER_DATABASE_URL: 'postgres://ler@db:5432/ler' }).databaseUrl).toBe('postgres://ler@db:5432/ler');
    expect(loadConfig({ LER_DATABASE_URL: 'postgresql://ler@db/ler' }).databaseUrl).toBe('postgresql://ler@db/ler');
    for (const bad of ['mysql://db/ler', './data', 'postgres://']) expect(() => loadConfig({ LER_DATABASE_URL: bad })).toThrow(/LER_DATABASE_URL/);
    await expect(openStore({ databaseUrl: 'sqlite:///tmp/x', dataDir: '/nonexistent', history: 5 })).rejects.toThrow(/LER_DATABASE_URL/);
  });
});

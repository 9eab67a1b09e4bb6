// `nudge keys create|list|revoke`: the firm's API keys, through the API (owners and admins only).
import type { Command } from 'commander';
import { api, globals, printJson } from '../options';
import { fields, table } from '../table';

interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  key?: string;
}

export function keyCommands(program: Command) {
  const keys = program.command('keys').description('the firm’s API keys');
  keys
    .command('create')
    .description('create an API key; the key is shown once')
    .requiredOption('--name <name>', 'what the key is for')
    .action(async (opts: { name: string }, cmd: Command) => {
      const key = await api(cmd).post<ApiKey>('/v1/api-keys', { name: opts.name });
      if (globals(cmd).json) return printJson(key);
      console.log(
        fields([
          ['id', key.id],
          ['name', key.name],
          ['key', `${key.key}  (shown once)`],
        ]),
      );
    });
  keys
    .command('list')
    .description('list the firm’s API keys')
    .action(async (_opts: unknown, cmd: Command) => {
      const { items } = await api(cmd).get<{ items: ApiKey[] }>('/v1/api-keys');
      if (globals(cmd).json) return printJson(items);
      console.log(
        table(
          ['id', 'name', 'prefix', 'created', 'last used', 'revoked'],
          items.map((k) => [k.id, k.name, k.prefix, k.createdAt, k.lastUsedAt, k.revokedAt]),
        ),
      );
    });
  keys
    .command('revoke')
    .description('revoke an API key (the firm’s last working key cannot be revoked)')
    .argument('<keyId>', 'the key’s id (see `nudge keys list`)')
    .action(async (keyId: string, _opts: unknown, cmd: Command) => {
      const key = await api(cmd).post<ApiKey>(`/v1/api-keys/${encodeURIComponent(keyId)}/revoke`);
      if (globals(cmd).json) return printJson(key);
      console.log(`revoked ${key.name} (${key.prefix}…) at ${key.revokedAt}`);
    });
}

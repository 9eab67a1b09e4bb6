// Idempotent setup after npm dependencies: the Temporal CLI binary (unless TEMPORAL_ADDRESS names a
// server), the generated Prisma client, and with --db the configured database's migrations (`npm start`
// does its own, since it may have to start an embedded server first). One line per step, with its time.
import { existsSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { prepareTemporalCli } from './temporal-cli';
import { ensureDatabase, migrate } from '../prisma/migration-runner';
import { configuredDatabase } from './database';
import { step } from './step';

const root = path.resolve(__dirname, '..');
const mtime = (p: string) => (existsSync(p) ? statSync(p).mtimeMs : 0);

function ensurePrismaClient(): string {
  const schema = path.join(root, 'prisma', 'schema.prisma');
  const generated = path.join(root, 'generated', 'prisma', 'index.js');
  if (mtime(generated) >= mtime(schema)) return 'up to date';
  const r = spawnSync(path.join(root, 'node_modules', '.bin', 'prisma'), ['generate'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.status !== 0) throw new Error(`prisma generate failed:\n${r.stdout}${r.stderr}`);
  return 'generated';
}

async function main() {
  if (!process.env.TEMPORAL_ADDRESS || process.argv.includes('--temporal')) {
    await step('setup', 'Temporal CLI', async () => {
      const cli = await prepareTemporalCli();
      return [`${cli.path} (${cli.how})`, ...cli.notices.map((n) => `; ${n}`)].join('');
    });
  }
  await step('setup', 'Prisma client', ensurePrismaClient);
  if (process.argv.includes('--db')) {
    await step('setup', 'migrations', async () => {
      const db = await configuredDatabase();
      if (!db) throw new Error('no DATABASE_URL and nothing at 127.0.0.1:5432 (`npm start` runs an embedded server)');
      await ensureDatabase(db.url);
      const applied = await migrate(db.url, path.join(root, 'prisma', 'migrations'));
      return applied.length ? `applied ${applied.join(', ')}` : 'up to date';
    });
  }
}

main().catch((err) => {
  console.error(`[setup] ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});

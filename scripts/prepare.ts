// Idempotent setup after npm dependencies: the Temporal CLI binary (unless TEMPORAL_ADDRESS names a
// server), the generated Prisma client, and with --db the database and its migrations.
import { existsSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ensureTemporalCli } from './temporal-cli';
import { ensureDatabase, migrate } from '../prisma/migration-runner';
import { loadConfig } from '../config/config';

const root = path.resolve(__dirname, '..');
const mtime = (p: string) => (existsSync(p) ? statSync(p).mtimeMs : 0);

function ensurePrismaClient() {
  const schema = path.join(root, 'prisma', 'schema.prisma');
  const generated = path.join(root, 'generated', 'prisma', 'index.js');
  if (mtime(generated) >= mtime(schema)) return;
  console.log('[setup] generating the Prisma client');
  const r = spawnSync(path.join(root, 'node_modules', '.bin', 'prisma'), ['generate'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('prisma generate failed');
}

async function main() {
  if (!process.env.TEMPORAL_ADDRESS || process.argv.includes('--temporal')) ensureTemporalCli();
  ensurePrismaClient();
  if (process.argv.includes('--db')) {
    const { databaseUrl } = loadConfig();
    await ensureDatabase(databaseUrl);
    const applied = await migrate(databaseUrl, path.join(root, 'prisma', 'migrations'));
    if (applied.length) console.log(`[setup] applied migrations: ${applied.join(', ')}`);
  }
}

main().catch((err) => {
  console.error(`[setup] ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});

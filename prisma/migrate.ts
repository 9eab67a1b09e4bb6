// `npm run db:migrate`: create the database if needed and apply pending migrations.
import path from 'node:path';
import { ensureDatabase, migrate } from './migration-runner';
import { loadConfig } from '../config/config';

async function main() {
  const { databaseUrl } = loadConfig();
  await ensureDatabase(databaseUrl);
  const applied = await migrate(databaseUrl, path.join(__dirname, 'migrations'));
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

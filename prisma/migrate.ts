// `npm run db:migrate`: create the database if needed and apply pending migrations. The database is the one
// `npm start` uses: DATABASE_URL, else the server at 127.0.0.1:5432, else the embedded one a running `npm start`
// announced (scripts/database.ts).
import path from 'node:path';
import { migrate } from './migration-runner';
import { ensureDatabaseOn, findDatabase } from '../scripts/database';

async function main() {
  const db = await findDatabase();
  await ensureDatabaseOn(db);
  const applied = await migrate(db.url, path.join(__dirname, 'migrations'));
  console.log(`${db.description}: ${applied.length ? `applied ${applied.join(', ')}` : 'up to date'}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

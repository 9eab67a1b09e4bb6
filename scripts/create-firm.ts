// `npm run firm:create -- --name "Acme" --owner-email owner@acme.test [--owner-name "Ada Owner"]`:
// creates a firm with its owner and prints the API key (shown once; only its hash is stored). The same as
// `npx nudge firm create` (cli/), kept for existing scripts; the database is found as `npm start` finds it.
import { parseArgs } from 'node:util';
import { createDb } from '../prisma/client';
import { createFirm } from '../domain/firms/firms';
import { findDatabaseUrl } from './database';

async function main() {
  const { values } = parseArgs({
    options: { name: { type: 'string' }, 'owner-email': { type: 'string' }, 'owner-name': { type: 'string' } },
  });
  if (!values.name || !values['owner-email']) {
    console.error(
      'usage: npm run firm:create -- --name "Acme" --owner-email owner@acme.test [--owner-name "Ada Owner"]',
    );
    process.exit(2);
  }
  const db = createDb(await findDatabaseUrl());
  const { firm, owner, apiKey } = await createFirm(db, {
    name: values.name,
    owner: { email: values['owner-email'], name: values['owner-name'] ?? values['owner-email'] },
  });
  console.log(JSON.stringify({ firmId: firm.id, ownerUserId: owner.id, apiKey }, null, 2));
  console.log(
    `\ncurl -H "Authorization: Bearer ${apiKey}" -H "X-Acting-User: ${owner.id}" http://localhost:3000/v1/users`,
  );
  await db.$disconnect();
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

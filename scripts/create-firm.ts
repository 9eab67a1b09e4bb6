// `npm run firm:create -- --name "Acme" --owner-email owner@acme.test [--owner-name "Ada Owner"]`:
// creates a firm with its owner and prints the API key (shown once; only its hash is stored). The same as
// `npx nudge firm create` (cli/), kept for existing scripts and for the Docker image, which ships scripts/ but
// not cli/: so the checks both share live here. The database is found as `npm start` finds it.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createDb } from '../prisma/client';
import { createFirm } from '../domain/firms/firms';
import { text } from '../api/schemas/common';
import { newFirmUser } from '../api/schemas/index';
import { findDatabaseUrl } from './database';

// The rules of POST /v1/users for the owner (email, name ≤ 200), and the same for the firm's name: a firm made
// here is one the API takes as it is.
const newFirm = z.object({ name: text(200), owner: newFirmUser.pick({ email: true, name: true }) });
/** The option a field comes from, for the message. */
const OPTION_OF: Record<string, string> = {
  name: '--name',
  'owner.email': '--owner-email',
  'owner.name': '--owner-name (default: the email address)',
};

/** The firm to create from the options (email trimmed, the owner named by it by default), or one message per
 * bad option, joined. */
export function firmFromOptions(opts: {
  name: string;
  ownerEmail: string;
  ownerName?: string;
}): { data: z.infer<typeof newFirm> } | { problems: string } {
  const email = opts.ownerEmail.trim();
  const input = newFirm.safeParse({ name: opts.name, owner: { email, name: opts.ownerName?.trim() || email } });
  if (input.success) return { data: input.data };
  const problems = input.error.issues.map((i) => `${OPTION_OF[i.path.join('.')] ?? i.path.join('.')}: ${i.message}`);
  return { problems: problems.join('; ') };
}

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
  const input = firmFromOptions({
    name: values.name,
    ownerEmail: values['owner-email'],
    ownerName: values['owner-name'],
  });
  if ('problems' in input) {
    console.error(`error: ${input.problems}`); // as `nudge firm create` says it
    process.exit(2);
  }
  const db = createDb(await findDatabaseUrl());
  const { firm, owner, apiKey } = await createFirm(db, input.data);
  console.log(JSON.stringify({ firmId: firm.id, ownerUserId: owner.id, apiKey }, null, 2));
  console.log(
    `\ncurl -H "Authorization: Bearer ${apiKey}" -H "X-Acting-User: ${owner.id}" http://localhost:3000/v1/users`,
  );
  await db.$disconnect();
}

// Run as a script; imported by cli/commands/firm.ts for its checks.
if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}

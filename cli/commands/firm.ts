// `nudge firm create`: a firm, its owner and its first API key, written to the database directly (the same
// domain call as scripts/create-firm.ts). The database is found as `npm start` finds it (scripts/database.ts).
import type { Command } from 'commander';
import { z } from 'zod';
import { createFirm } from '../../domain/firms/firms';
import { text } from '../../api/schemas/common';
import { newFirmUser } from '../../api/schemas/index';
import { createDb } from '../../prisma/client';
import { findDatabaseUrl } from '../../scripts/database';
import { fields } from '../table';
import { globals, printJson } from '../options';
import { CliError } from '../api-client';

// The rules of POST /v1/users for the owner (email, name ≤ 200), and the same for the firm's name: a firm made
// here is one the API takes as it is.
const newFirm = z.object({ name: text(200), owner: newFirmUser.pick({ email: true, name: true }) });
/** The option a field comes from, for the message. */
const OPTION_OF: Record<string, string> = {
  name: '--name',
  'owner.email': '--owner-email',
  'owner.name': '--owner-name (default: the email address)',
};

export function firmCommands(program: Command) {
  const firm = program.command('firm').description('firms');
  firm
    .command('create')
    .description('create a firm with its owner; prints the first API key (shown once)')
    .requiredOption('--name <name>', 'the firm’s name')
    .requiredOption('--owner-email <email>', 'the owner’s email address')
    .option('--owner-name <name>', 'the owner’s name (default: the email address)')
    .action(async (opts: { name: string; ownerEmail: string; ownerName?: string }, cmd: Command) => {
      const email = opts.ownerEmail.trim();
      const input = newFirm.safeParse({
        name: opts.name,
        owner: { email, name: opts.ownerName?.trim() || email },
      });
      if (!input.success) {
        const problems = input.error.issues.map(
          (i) => `${OPTION_OF[i.path.join('.')] ?? i.path.join('.')}: ${i.message}`,
        );
        throw new CliError(problems.join('; '), 2);
      }
      const db = createDb(await findDatabaseUrl());
      try {
        const { firm, owner, apiKey } = await createFirm(db, input.data);
        const out = { firmId: firm.id, ownerUserId: owner.id, apiKey };
        if (globals(cmd).json) return printJson(out);
        console.log(`Firm “${firm.name}” created.\n`);
        console.log(
          fields([
            ['firm id', firm.id],
            ['owner user id', owner.id],
            ['API key', `${apiKey}  (shown once: only its hash is stored)`],
          ]),
        );
        console.log(`\nexport NUDGE_API_KEY=${apiKey} NUDGE_ACTING_USER=${owner.id}`);
      } finally {
        await db.$disconnect();
      }
    });
}

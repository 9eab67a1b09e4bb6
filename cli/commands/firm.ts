// `nudge firm create`: a firm, its owner and its first API key, written to the database directly (the same
// domain call and checks as scripts/create-firm.ts). The database is found as `npm start` finds it
// (scripts/database.ts).
import type { Command } from 'commander';
import { createFirm } from '../../domain/firms/firms';
import { createDb } from '../../prisma/client';
import { findDatabaseUrl } from '../../scripts/database';
import { firmFromOptions } from '../../scripts/create-firm';
import { fields } from '../table';
import { globals, printJson } from '../options';
import { CliError } from '../api-client';

export function firmCommands(program: Command) {
  const firm = program.command('firm').description('firms');
  firm
    .command('create')
    .description('create a firm with its owner; prints the first API key (shown once)')
    .requiredOption('--name <name>', 'the firm’s name')
    .requiredOption('--owner-email <email>', 'the owner’s email address')
    .option('--owner-name <name>', 'the owner’s name (default: the email address)')
    .action(async (opts: { name: string; ownerEmail: string; ownerName?: string }, cmd: Command) => {
      // The checks scripts/create-firm.ts makes too (the rules of POST /v1/users for the owner).
      const input = firmFromOptions(opts);
      if ('problems' in input) throw new CliError(input.problems, 2);
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

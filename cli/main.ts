// `npx nudge …`: the operator CLI. `firm create` works on the database directly (there is no API call to
// create a firm: it is how the first API key comes to be); every other command calls the HTTP API with a firm
// API key, like a firm app, so it goes through the same permissions, validation and audit.
import { Command, CommanderError, Option } from 'commander';
import { CliError } from './api-client';
import { firmCommands } from './commands/firm';
import { keyCommands } from './commands/keys';
import { bulkCommands } from './commands/bulk';
import { reminderCommands } from './commands/reminders';

const program = new Command('nudge')
  .description('Operate Nudge: firms, API keys, bulk actions, reminders')
  .addOption(new Option('--url <url>', 'Nudge API base URL').env('NUDGE_API_URL').default('http://localhost:3000'))
  .addOption(new Option('--api-key <key>', 'a firm API key').env('NUDGE_API_KEY'))
  .addOption(new Option('--as <userId>', 'the firm user acting (X-Acting-User)').env('NUDGE_ACTING_USER'))
  .option('--json', 'print the API answer as JSON instead of tables')
  .showHelpAfterError()
  // Commander exits 1 on its own usage errors (missing option, unknown command, excess arguments): throw
  // instead, so they exit 2 like ours. Set before the commands are added: each inherits it.
  .exitOverride();

for (const add of [firmCommands, keyCommands, bulkCommands, reminderCommands]) add(program);

program.parseAsync().catch((err: unknown) => {
  // Commander has printed its message (or the help) already; exit code 0 is help shown on request.
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  if (!(err instanceof CliError)) process.stderr.write(`${err instanceof Error ? err.stack : ''}\n`);
  process.exit(err instanceof CliError ? err.exitCode : 1);
});

// `nudge bulk watch <id>`: follows a bulk action until it ends, with a live progress bar on a terminal
// (cli-progress) and one line per change otherwise (logs, CI), then its final counts.
import type { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { api, globals, printJson } from '../options';
import { CliError } from '../api-client';
import { fields } from '../table';

interface Counts {
  total: number;
  pending: number;
  done: number;
  skipped: number;
  failed: number;
  notReached: number;
}
interface BulkAction {
  id: string;
  kind: string;
  status: string;
  dryRun: boolean;
  total: number;
  progress: Counts;
  finishedAt: string | null;
}

const OPEN = new Set(['queued', 'running']);
const processed = (c: Counts) => c.done + c.skipped + c.failed + c.notReached;
const summary = (c: Counts) =>
  `done ${c.done}, skipped ${c.skipped}, failed ${c.failed}, not reached ${c.notReached}, pending ${c.pending}`;

export function bulkCommands(program: Command) {
  const bulk = program.command('bulk').description('bulk actions');
  bulk
    .command('watch')
    .description('follow a bulk action until it ends: a live progress bar, then its counts')
    .argument('<bulkActionId>', 'the bulk action’s id')
    .option('--interval <ms>', 'how often to ask', '1000')
    .action(async (id: string, opts: { interval: string }, cmd: Command) => {
      const interval = Number(opts.interval);
      if (!Number.isInteger(interval) || interval < 100) throw new CliError('--interval: at least 100 (ms)', 2);
      const client = api(cmd);
      const path = `/v1/bulk-actions/${encodeURIComponent(id)}`;
      const read = () => client.get<BulkAction>(path);
      const live = process.stdout.isTTY && !globals(cmd).json;

      let action = await read();
      const bar = live
        ? new SingleBar(
            {
              format: `${action.kind} {bar} {percentage}% | {value}/{total} accounts | {counts} | {status}`,
              hideCursor: true,
            },
            Presets.shades_classic,
          )
        : undefined;
      bar?.start(action.total, processed(action.progress), { counts: summary(action.progress), status: action.status });
      let last = '';
      for (;;) {
        const line = `${action.status}: ${processed(action.progress)}/${action.total} accounts (${summary(action.progress)})`;
        if (bar) bar.update(processed(action.progress), { counts: summary(action.progress), status: action.status });
        else if (line !== last && !globals(cmd).json) console.log(line);
        last = line;
        if (!OPEN.has(action.status)) break;
        await new Promise((r) => setTimeout(r, interval));
        action = await read();
      }
      bar?.stop();
      if (globals(cmd).json) return printJson(action);
      console.log(
        `\n${fields([
          ['bulk action', `${action.id} (${action.kind}${action.dryRun ? ', dry run' : ''})`],
          ['status', action.status],
          ['finished', action.finishedAt],
          ['accounts', action.total],
          ['counts', summary(action.progress)],
        ])}`,
      );
    });
}

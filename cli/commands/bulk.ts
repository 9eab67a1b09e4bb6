// `nudge bulk watch <id>`: follows a bulk action until it ends, with a live progress bar on a terminal
// (cli-progress) and one line per change otherwise (logs, CI), then its final counts.
import type { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { api, globals, printJson } from '../options';
import { ApiError, CliError } from '../api-client';
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
/** Failed polls in a row a watch rides out, and the longest it waits before the next (a Retry-After asking
 * for more ends the watch, as the typed client returns such an answer). */
const POLL_RETRIES = 5;
const MAX_POLL_WAIT_MS = 60_000;
/** No answer, or the API asking to come back later (503, 429): the action runs on meanwhile. */
const transient = (err: unknown): err is ApiError =>
  err instanceof ApiError && (err.status === undefined || err.status === 503 || err.status === 429);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
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

      // The first read is not retried: a wrong --url, key or id is told at once.
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
      try {
        let last = '';
        for (;;) {
          const line = `${action.status}: ${processed(action.progress)}/${action.total} accounts (${summary(action.progress)})`;
          if (bar) bar.update(processed(action.progress), { counts: summary(action.progress), status: action.status });
          else if (line !== last && !globals(cmd).json) console.log(line);
          last = line;
          if (!OPEN.has(action.status)) break;
          await sleep(interval);
          action = await ridingOut(read, interval, (note) =>
            bar ? bar.update({ status: note }) : console.error(note),
          );
        }
      } finally {
        // Also when the watch fails: the terminal gets its cursor back.
        bar?.stop();
      }
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

/** `read`, asked again after a transient failure (after its Retry-After, else a growing wait), a few times in a
 * row: one lost answer must not end the watch of an action that runs on. */
async function ridingOut<T>(read: () => Promise<T>, interval: number, note: (line: string) => void): Promise<T> {
  for (let failures = 1; ; failures++) {
    try {
      return await read();
    } catch (err) {
      if (!transient(err) || failures > POLL_RETRIES) throw err;
      const wait = err.retryAfterMs ?? Math.min(MAX_POLL_WAIT_MS, interval * 2 ** failures);
      if (wait > MAX_POLL_WAIT_MS) throw err;
      note(`${err.message.split('\n')[0]}; asking again in ${+(wait / 1000).toFixed(1)} s`);
      await sleep(wait);
    }
  }
}

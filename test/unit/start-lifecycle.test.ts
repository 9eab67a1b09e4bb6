// How `npm start` (scripts/start.ts) runs and stops our apps: started as it starts them (spawnTypeScript), a
// busy app still gets to run its SIGTERM handler when stopped (terminate). Through the `tsx` command, whose relay
// SIGKILLs a child that has not reported the signal within about 30 ms, it was killed before it could drain.
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { forwardLines, signalGroup, spawnTypeScript, terminate } from '../../scripts/temporal-dev';

const BUSY_APP = path.join(__dirname, '..', 'fixtures', 'busy-app.ts');

/** Resolves once `child` has printed `line`; rejects if it exits first. */
const printed = (child: ChildProcess, lines: string[], line: string) =>
  new Promise<void>((resolve, reject) => {
    const poll = setInterval(() => lines.includes(line) && (clearInterval(poll), resolve()), 20);
    child.once('exit', (code) => (clearInterval(poll), reject(new Error(`exited (${code}): ${lines.join('\n')}`))));
  });

test('a busy app started as npm start starts it runs its SIGTERM handler when stopped, and exits 0', async () => {
  const child = spawnTypeScript(BUSY_APP);
  const lines: string[] = [];
  forwardLines(child, (line) => lines.push(line));
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('close', (code, signal) => r({ code, signal })),
  );
  try {
    await printed(child, lines, 'ready');
    await terminate(child, 5_000);
    expect({ ...(await closed), lines }).toEqual({ code: 0, signal: null, lines: ['ready', 'drained'] });
  } finally {
    signalGroup(child, 'SIGKILL');
  }
});

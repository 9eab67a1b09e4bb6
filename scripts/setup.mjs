// First step of `npm start`, `npm test` and `npm run bench`: installs npm dependencies when they are
// missing or stale, then hands over to scripts/prepare.ts (Temporal CLI, Prisma client, database).
// Plain Node with no dependencies, because it runs before `npm ci`.
import { existsSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);

const installed = path.join(root, 'node_modules', '.package-lock.json');
if (!existsSync(installed) || mtime(path.join(root, 'package-lock.json')) > mtime(installed)) {
  // `npm install --no-save` installs exactly the lock file's versions without rewriting it. Not `npm ci`:
  // npm 11 refuses this lock file for lacking other platforms' optional @swc/core binaries.
  console.log('[setup] installing npm dependencies');
  run('npm', ['install', '--no-save', '--no-audit', '--no-fund']);
}
run(path.join(root, 'node_modules', '.bin', 'tsx'), [
  path.join(root, 'scripts', 'prepare.ts'),
  ...process.argv.slice(2),
]);

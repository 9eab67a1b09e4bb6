// Writes the OpenAPI document the API serves (/openapi.json) to a file, without a database or Temporal:
// `npm run lint:openapi` lints it with Redocly. The routes register themselves when the app is built, so the
// app is built over inert dependencies that nothing here calls.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createApp } from './app';
import { buildOpenApi } from './openapi';

const out = process.argv[2] ?? path.join('dist', 'openapi.json');
const inert = {} as never;
createApp({
  db: inert,
  temporal: inert,
  mailer: inert,
  log: { debug() {}, info() {}, warn() {}, error() {} } as never,
  taskQueue: 'openapi',
  reminderDaySeconds: 1,
});
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(buildOpenApi(), null, 2) + '\n');
console.log(`OpenAPI document written to ${out}`);
// The app's timers (rate-limit sweeps) would keep the process alive.
process.exit(0);

// What an operator's first deployment relies on: the worker registers Nudge's search attributes on a Temporal that
// lacks them (one the operator runs), and says how when it may not (Temporal Cloud); the migration runner leaves
// no failed row behind once a retried migration succeeds (Prisma would refuse the database, P3009); and
// scripts/create-firm.ts (the Docker way to make a firm) checks the owner as `nudge firm create` does.
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import pg from 'pg';
import { dropDatabase, ensureDatabase, migrate } from '../prisma/migration-runner';
import { ensureTemporalCli } from '../scripts/temporal-cli';
import { ALL_SEARCH_ATTRIBUTE_KEYS, SEARCH_ATTRIBUTES } from '../shared/contracts/search-attributes';
import { ensureSearchAttributes } from '../worker/search-attributes';

const root = path.join(__dirname, '..');
const databaseUrl = process.env.NUDGE_TEST_DATABASE_URL!;
const NAMES = Object.keys(SEARCH_ATTRIBUTES);

async function query<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** A logger that keeps what it is told. */
function capture() {
  const lines: string[] = [];
  return { lines, log: { log: (m: string) => lines.push(m), error: (m: string) => lines.push(`ERROR ${m}`) } };
}

describe('search attributes on a Temporal without them', () => {
  let env: TestWorkflowEnvironment;
  // A bare dev server: test/support/temporal-server.ts registers the attributes, as scripts/temporal-dev.ts does.
  beforeAll(async () => {
    env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: ensureTemporalCli() },
        ip: '127.0.0.1',
        log: { format: 'pretty', level: 'warn' },
      },
    });
  });
  afterAll(() => env?.teardown());

  const registered = async () => {
    const { customAttributes } = await env.connection.operatorService.listSearchAttributes({ namespace: 'default' });
    return NAMES.filter((name) => customAttributes?.[name] != null);
  };
  const startWithAttributes = (workflowId: string) =>
    env.client.workflow.start('noSuchWorkflow', {
      taskQueue: 'deploy-setup',
      workflowId,
      typedSearchAttributes: ALL_SEARCH_ATTRIBUTE_KEYS.map((key) => ({ key, value: 'x' })),
    });

  test('the worker registers the missing ones (two at once too), then workflows carrying them start', async () => {
    // What every start of the API's outbox met on such a server.
    await expect(startWithAttributes('before')).rejects.toMatchObject({
      cause: { details: expect.stringMatching(/^Namespace default has no mapping defined for search attribute Nudge/) },
    });
    expect(await registered()).toEqual([]);

    const [first, second] = [capture(), capture()];
    await Promise.all([
      ensureSearchAttributes(env.connection, 'default', first.log),
      ensureSearchAttributes(env.connection, 'default', second.log),
    ]);
    expect(await registered()).toEqual(NAMES);
    expect([...first.lines, ...second.lines]).toContain(
      `registered search attributes ${NAMES.join(', ')} in namespace default`,
    );
    expect([...first.lines, ...second.lines].filter((l) => l.startsWith('ERROR'))).toEqual([]);
    await expect(startWithAttributes('after')).resolves.toBeDefined();

    // Present already: nothing to do, nothing said.
    const again = capture();
    await ensureSearchAttributes(env.connection, 'default', again.log);
    expect(again.lines).toEqual([]);
  });

  test('permission denied (Temporal Cloud): one error naming the commands, and the worker goes on', async () => {
    const denied = Object.assign(new Error('7 PERMISSION_DENIED: Request unauthorized.'), {
      code: 7,
      details: 'Request unauthorized.',
      metadata: {}, // what makes it a gRPC error to the SDK's isGrpcServiceError
    });
    const cloud = {
      operatorService: {
        listSearchAttributes: () => Promise.reject(denied),
        addSearchAttributes: () => Promise.reject(denied),
      },
    } as unknown as Parameters<typeof ensureSearchAttributes>[0];
    const out = capture();
    await expect(ensureSearchAttributes(cloud, 'acme.a1b2c', out.log)).resolves.toBeUndefined();
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]).toMatch(
      /^ERROR .*could not be registered in namespace acme\.a1b2c \(Request unauthorized\.\)/,
    );
    for (const name of NAMES)
      expect(out.lines[0]).toContain(
        `temporal operator search-attribute create --namespace acme.a1b2c --name ${name} --type Keyword`,
      );
  });
});

test('a migration that failed, then succeeds on the next run, leaves no failed row (as `migrate resolve --rolled-back`)', async () => {
  const url = new URL(databaseUrl);
  url.pathname = `/nudge_test_retry_${Date.now()}_${process.pid}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nudge-migrations-'));
  mkdirSync(path.join(dir, '001_x'));
  const file = path.join(dir, '001_x', 'migration.sql');
  try {
    await ensureDatabase(url.toString());
    writeFileSync(file, 'SELECT 1/0;');
    await expect(migrate(url.toString(), dir)).rejects.toThrow(/Migration 001_x failed: division by zero/);
    writeFileSync(file, 'CREATE TABLE t (id int);');
    expect(await migrate(url.toString(), dir)).toEqual(['001_x']);

    const rows = await query<{ finished: boolean; rolledBack: boolean; logs: string | null }>(
      url.toString(),
      `SELECT finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS "rolledBack", logs
         FROM "_prisma_migrations" WHERE migration_name = '001_x' ORDER BY started_at`,
    );
    // What Prisma reads as failed: finished_at and rolled_back_at both null.
    expect(rows).toEqual([
      { finished: false, rolledBack: true, logs: expect.stringMatching(/division by zero/) },
      { finished: true, rolledBack: false, logs: null },
    ]);
    expect(await migrate(url.toString(), dir)).toEqual([]);
  } finally {
    await dropDatabase(url.toString());
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('scripts/create-firm.ts (the Docker way to make a firm)', () => {
  /** `npm run firm:create -- <args>` against the run's database: exit code and output. */
  async function createFirm(args: string[]) {
    try {
      const { stdout, stderr } = await promisify(execFile)(
        path.join(root, 'node_modules', '.bin', 'tsx'),
        ['scripts/create-firm.ts', ...args],
        { cwd: root, env: { ...process.env, DATABASE_URL: databaseUrl }, timeout: 60_000 },
      );
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  }
  const firmsNamed = (name: string) => query(databaseUrl, 'SELECT id FROM "Firm" WHERE name = $1', [name]);

  test('bad options exit 2 with `nudge firm create`’s messages and write nothing; the email is stored trimmed', async () => {
    const name = `Script firm ${Date.now()}`;
    const refused = await Promise.all([
      createFirm(['--name', name, '--owner-email', 'owner@rossi']),
      createFirm(['--name', name, '--owner-email', 'o@rossi.test', '--owner-name', 'y'.repeat(201)]),
    ]);
    expect(refused).toEqual([
      { code: 2, stdout: '', stderr: 'error: --owner-email: must be an email address\n' },
      { code: 2, stdout: '', stderr: 'error: --owner-name (default: the email address): at most 200 characters\n' },
    ]);
    expect(await firmsNamed(name)).toEqual([]);

    const made = await createFirm(['--name', name, '--owner-email', '  o@rossi.test ']);
    expect(made.code).toBe(0);
    const { ownerUserId } = JSON.parse(made.stdout.slice(0, made.stdout.indexOf('\n}') + 2));
    expect(await query(databaseUrl, 'SELECT email, name FROM "FirmUser" WHERE id = $1', [ownerUserId])).toEqual([
      { email: 'o@rossi.test', name: 'o@rossi.test' },
    ]);
  });
});

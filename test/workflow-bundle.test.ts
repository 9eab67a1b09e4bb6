// The workflow bundle `npm run build` writes (worker/workflow-bundle.ts), on a copy of a compiled tree in a
// temporary folder: both bundles are written, a worker runs a workflow from the plain one, and a bundle whose
// compiled inputs changed since is not used (the worker then bundles the code itself).
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import { startStack, type Stack } from './support/stack';
import { prebuiltWorkflowBundle, workflowCode, writeWorkflowBundles } from '../worker/workflow-bundle';

let stack: Stack;
let dist: string;

beforeAll(async () => {
  stack = await startStack({ worker: false });
  dist = mkdtempSync(path.join(tmpdir(), 'nudge-dist-'));
  mkdirSync(path.join(dist, 'workflows'));
  mkdirSync(path.join(dist, 'shared'));
  // As dist/ sits in the project: the bundler finds the SDK in node_modules.
  symlinkSync(path.join(__dirname, '..', 'node_modules'), path.join(dist, 'node_modules'));
  writeFileSync(path.join(dist, 'shared', 'greeting.js'), "exports.greeting = (name) => 'hello ' + name;\n");
  writeFileSync(
    path.join(dist, 'workflows', 'index.js'),
    "const { greeting } = require('../shared/greeting');\nexports.greet = async (name) => greeting(name);\n",
  );
});
afterAll(async () => {
  await stack?.stop();
  if (dist) rmSync(dist, { recursive: true, force: true });
});

test('npm run build bundles the compiled workflows both ways, and a worker runs them from the bundle', async () => {
  const files = await writeWorkflowBundles(dist);
  expect(files.map((f) => path.basename(f))).toEqual(['workflow-bundle.js', 'workflow-bundle.traced.js']);
  const plain = prebuiltWorkflowBundle(dist, false);
  expect(plain).toBe(files[0]);
  expect(prebuiltWorkflowBundle(dist, true)).toBe(files[1]);

  const connection = await NativeConnection.connect({ address: stack.temporalAddress });
  const taskQueue = `${stack.taskQueue}-bundle`;
  const worker = await Worker.create({ connection, taskQueue, workflowBundle: { codePath: plain! } });
  try {
    const result = await worker.runUntil(
      stack.client.workflow.execute('greet', { taskQueue, workflowId: `greet-${Date.now()}`, args: ['firm'] }),
    );
    expect(result).toBe('hello firm');
  } finally {
    await connection.close();
  }
});

test('a bundle is not used once the compiled code it came from changed', async () => {
  await writeWorkflowBundles(dist);
  writeFileSync(path.join(dist, 'shared', 'greeting.js'), "exports.greeting = (name) => 'hi ' + name;\n");
  expect(prebuiltWorkflowBundle(dist, false)).toBeUndefined();
  expect(prebuiltWorkflowBundle(dist, true)).toBeUndefined();

  await writeWorkflowBundles(dist);
  expect(prebuiltWorkflowBundle(dist, false)).toBeDefined();
  writeFileSync(path.join(dist, 'workflows', 'extra.js'), 'exports.extra = 1;\n');
  expect(prebuiltWorkflowBundle(dist, false)).toBeUndefined();
});

test('from source the worker bundles workflows/ itself', () => {
  const code = workflowCode(false);
  expect(code.prebuilt).toBe(false);
  expect(code.options.workflowsPath).toMatch(/workflows[/\\]index\.ts$/);
});

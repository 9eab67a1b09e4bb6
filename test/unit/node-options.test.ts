// How `npm start` runs Node: its apps get Node 20's young generation on every Node, unless the operator chose
// one, and the worker its heap flag on the command line.
import { execFileSync } from 'node:child_process';
import { WORKER_NODE_FLAGS, withYoungGeneration } from '../../scripts/node-options';

test('added to NODE_OPTIONS, after what is there; an operator-chosen size is kept', () => {
  expect(withYoungGeneration({}).NODE_OPTIONS).toBe('--max-semi-space-size=16');
  expect(withYoungGeneration({ NODE_OPTIONS: ' ' }).NODE_OPTIONS).toBe('--max-semi-space-size=16');
  expect(withYoungGeneration({ NODE_OPTIONS: '--enable-source-maps' }).NODE_OPTIONS).toBe(
    '--enable-source-maps --max-semi-space-size=16',
  );
  for (const chosen of ['--max-semi-space-size=64', '--trace-gc --max_semi_space_size=8'])
    expect(withYoungGeneration({ NODE_OPTIONS: chosen }).NODE_OPTIONS).toBe(chosen);
  expect(withYoungGeneration({ PATH: '/bin' }).PATH).toBe('/bin');
});

test('this Node takes both: the young generation from NODE_OPTIONS, the worker flags from its command line', () => {
  const out = execFileSync(process.execPath, [...WORKER_NODE_FLAGS, '-e', 'console.log("ok")'], {
    env: withYoungGeneration({ PATH: process.env.PATH }),
    encoding: 'utf8',
  });
  expect(out.trim()).toBe('ok');
});

// How a worker gets its workflow code. `npm run build` bundles it once next to the compiled code
// (scripts/bundle-workflows.ts), and a worker running from dist/ loads that bundle instead of running webpack
// at every start, which took about 1.8 s more and left it about 65 MiB larger (bench/worker-start.ts). From
// source (tsx, tests) the worker bundles workflows/ itself.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, type WorkerOptions } from '@temporalio/worker';
import { WORKFLOW_INTERCEPTORS_MODULE } from '../observability/temporal-tracing';

const WORKFLOWS_PATH = path.join(__dirname, '..', 'workflows', 'index.ts');
/** Exists when this file runs from dist/. */
const COMPILED_WORKFLOWS_PATH = path.join(__dirname, '..', 'workflows', 'index.js');
const DIST_DIR = path.join(__dirname, '..');

/**
 * How Nudge's workflow bundle is built. Its modules (workflows/, shared/) keep no state of their own (lint
 * forbids module-level `let` there), so the worker evaluates them once for every workflow it runs instead of
 * once per workflow it keeps in its cache: about 30 KiB of heap less per cached workflow (bench/README.md).
 */
export function workflowBundleOptions(workflowsPath = resolveWorkflowsPath()) {
  return { workflowsPath, preloadModules: [workflowsPath] };
}

/**
 * The workflow code of a worker given no bundle: `npm run build`'s when it runs from dist/ and the build
 * wrote one from the code compiled there, else the sources, bundled by the worker at start. `prebuilt` says
 * which (a prebuilt traced bundle already holds the tracing interceptors).
 */
export function workflowCode(traced: boolean): {
  options: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath' | 'bundlerOptions'>;
  prebuilt: boolean;
} {
  const codePath = existsSync(COMPILED_WORKFLOWS_PATH) ? prebuiltWorkflowBundle(DIST_DIR, traced) : undefined;
  if (codePath) return { options: { workflowBundle: { codePath } }, prebuilt: true };
  const { workflowsPath, preloadModules } = workflowBundleOptions();
  return { options: { workflowsPath, bundlerOptions: { preloadModules } }, prebuilt: false };
}

function resolveWorkflowsPath(): string {
  return existsSync(COMPILED_WORKFLOWS_PATH) ? COMPILED_WORKFLOWS_PATH : WORKFLOWS_PATH;
}

/** One bundle without and one with the tracing interceptors, which only a traced worker registers. */
const BUNDLE_FILES = { plain: 'workflow-bundle.js', traced: 'workflow-bundle.traced.js' } as const;
const MANIFEST_FILE = 'workflow-bundle.json';
/** Everything the workflows import from the project (lint keeps them to these two folders). */
const INPUT_FOLDERS = ['workflows', 'shared'];

interface Manifest {
  inputs: string;
}

/** Bundles the compiled workflows of `distDir` both ways and records what they were built from. */
export async function writeWorkflowBundles(distDir = DIST_DIR): Promise<string[]> {
  // No record while the bundles are rewritten: a build that fails halfway leaves none to trust.
  rmSync(path.join(distDir, MANIFEST_FILE), { force: true });
  const manifest: Manifest = { inputs: inputsDigest(distDir) };
  const written: string[] = [];
  for (const traced of [false, true]) {
    const { code } = await bundleWorkflowCode({
      ...workflowBundleOptions(path.join(distDir, 'workflows', 'index.js')),
      ...(traced ? { workflowInterceptorModules: [WORKFLOW_INTERCEPTORS_MODULE] } : {}),
      logger: quietLogger,
    });
    const file = path.join(distDir, BUNDLE_FILES[traced ? 'traced' : 'plain']);
    writeFileSync(file, code);
    written.push(file);
  }
  writeFileSync(path.join(distDir, MANIFEST_FILE), JSON.stringify(manifest));
  return written;
}

/**
 * The prebuilt bundle, if `npm run build` wrote one from the compiled code now in `distDir`; undefined
 * otherwise (never built, or compiled again since without bundling).
 */
export function prebuiltWorkflowBundle(distDir: string, traced: boolean): string | undefined {
  const file = path.join(distDir, BUNDLE_FILES[traced ? 'traced' : 'plain']);
  const manifestFile = path.join(distDir, MANIFEST_FILE);
  if (!existsSync(file) || !existsSync(manifestFile)) return undefined;
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
  return manifest.inputs === inputsDigest(distDir) ? file : undefined;
}

/** A digest of the compiled workflow and shared modules and of the workflow SDK's version. */
function inputsDigest(distDir: string): string {
  const hash = createHash('sha256');
  hash.update(`@temporalio/workflow ${workflowSdkVersion()}\n`);
  for (const folder of INPUT_FOLDERS) {
    for (const file of jsFiles(path.join(distDir, folder))) {
      hash.update(`${path.relative(distDir, file)}\n`);
      hash.update(readFileSync(file));
    }
  }
  return hash.digest('hex');
}

function jsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.js'))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

function workflowSdkVersion(): string {
  const manifest = require.resolve('@temporalio/workflow/package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

const quietLogger = { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never;

// ESLint flat config: eslint recommended + typescript-eslint recommended, two type-aware promise rules,
// and the layer rules of the architecture (issue 8) as import restrictions.
// Formatting (line length included) belongs to Prettier, not to ESLint.
import { builtinModules } from 'node:module';
import { defineConfig, globalIgnores } from 'eslint/config';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// ---- Import restrictions ---------------------------------------------------------------------------
// Every project import is relative (tsconfig has no path aliases), so a project folder is matched as a
// segment of a relative specifier: '../domain/errors', '../../prisma/client', './api'. Regexes rather
// than gitignore globs, because a glob such as '**/worker' also matches the package '@temporalio/worker'
// and '**/config' would match 'some-lib/config'.
const folder = (name) => `^\\.{1,2}/(?:.*/)?${name}(?:/.*)?$`;
const pkg = (...names) => `^(?:${names.join('|')})(?:/.*)?$`;
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const nodeBuiltins = {
  regex: `^(?:node:.*|(?:${builtinModules.map(escape).join('|')})(?:/.*)?)$`,
  message: 'Node built-ins are not available in the workflow sandbox: keep workflow and shared code pure.',
};
const nodeOnlyPackages = {
  regex: pkg(
    '@temporalio/client',
    '@temporalio/worker',
    '@temporalio/activity',
    '@temporalio/testing',
    '@prisma/[^/]+',
    'prisma',
    'pg',
    'nodemailer',
    'express',
    'swagger-ui-express',
    'pino',
  ),
  message:
    'Workflow and shared code may only use @temporalio/workflow, @temporalio/common and pure libraries (zod): this package does I/O or needs Node.',
};
const nodeOnlyFolders = {
  regex: folder('(?:prisma|generated|api|domain|config|worker|observability)'),
  message:
    'Workflow and shared code may not import Node-only project code (prisma, generated, api, domain, config, worker, observability).',
};
const express = {
  regex: pkg('express'),
  message: 'Only api/ speaks HTTP: return data or throw a domain error instead.',
};
const apiFolder = {
  regex: folder('api'),
  message: 'Only the API imports api/: move the shared piece to domain/ or shared/.',
};

/** One `@typescript-eslint/no-restricted-imports` entry (the TypeScript version, for `allowTypeImports`).
 * Flat config replaces (does not merge) a rule's options when several blocks match a file, so each block
 * lists every pattern that applies to its files. `import()` is not checked: tracing uses it to load its SDK only when it starts. */
const restrict = (...patterns) => ['error', { patterns }];

const workflowRules = [
  nodeBuiltins,
  nodeOnlyPackages,
  nodeOnlyFolders,
  {
    regex: folder('activities'),
    allowTypeImports: true,
    message: 'Workflows reach activities only through proxyActivities: use `import type` from activities/.',
  },
];
const sharedRules = [
  nodeBuiltins,
  nodeOnlyPackages,
  nodeOnlyFolders,
  {
    regex: folder('(?:activities|workflows)'),
    message: 'shared/ sits below activities/ and workflows/: they import it, not the reverse.',
  },
];
const activityRules = [apiFolder, express];
const domainRules = [
  apiFolder,
  express,
  {
    regex: pkg('@temporalio/worker', '@temporalio/activity'),
    message: 'domain/ knows nothing of Temporal workers: activity context belongs in activities/.',
  },
  {
    regex: folder('(?:activities|worker|workflows)'),
    message:
      'domain/ sits below activities/, worker/ and workflows/: put shared contracts (workflow inputs, payloads) in shared/contracts/.',
  },
];
const apiRules = [
  {
    regex: folder('(?:activities|workflows|worker)'),
    message: 'api/ goes through domain/ (workflow contracts live in shared/contracts/).',
  },
];
// observability/ (metrics, tracing) sits beside config/: api/, activities/ and worker/ call into it; it knows
// the domain's types only (the mailer it wraps), never its code.
const observabilityRules = [
  apiFolder,
  express,
  {
    regex: pkg('@opentelemetry/(?:sdk-[^/]+|exporter-[^/]+|resources)', '@temporalio/interceptors-opentelemetry'),
    allowTypeImports: true,
    message:
      'The OpenTelemetry SDK costs a process about 40 MiB and 0.7 s to load: import() it where tracing starts (observability/tracing.ts).',
  },
  {
    regex: folder('(?:activities|workflows|worker)'),
    message: 'observability/ sits below api/, activities/ and worker/: they call it, not the reverse.',
  },
  {
    regex: folder('(?:domain|prisma|generated)'),
    allowTypeImports: true,
    message: 'observability/ takes what it measures as arguments: `import type` only from domain/ and prisma/.',
  },
];
const routeRules = [
  ...apiRules,
  { regex: pkg('@prisma/[^/]+'), message: 'Routes call domain/: no Prisma in api/routes/.' },
  { regex: folder('(?:prisma|generated)'), message: 'Routes call domain/: no Prisma in api/routes/.' },
  { regex: pkg('@temporalio/[^/]+'), message: 'Routes call domain/: Temporal is reached through the domain gateway.' },
];

export default defineConfig(
  globalIgnores([
    'dist/',
    'generated/',
    '.data/',
    'coverage/',
    'bench/results/',
    'test/histories/',
    'prisma/migrations/',
  ]),

  js.configs.recommended,
  tseslint.configs.recommended,

  {
    name: 'nudge/typescript',
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // A leading underscore marks a deliberately unused binding: Express's 4-argument error handler,
      // `const { omitted: _omitted, ...rest } = row`.
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
    },
  },
  {
    // Tests feed deliberately malformed input through `as any`; benches poke at internals.
    name: 'nudge/tests-and-benches',
    files: ['test/**', 'bench/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    name: 'nudge/javascript',
    files: ['**/*.{js,mjs,cjs}'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },
  { name: 'nudge/commonjs', files: ['**/*.{js,cjs}'], languageOptions: { sourceType: 'commonjs' } },

  // ---- Layers ----
  {
    name: 'nudge/layers/workflows',
    files: ['workflows/**'],
    rules: { '@typescript-eslint/no-restricted-imports': restrict(...workflowRules) },
  },
  {
    // The worker evaluates these modules once for all workflows (worker/workflow-bundle.ts workflowBundleOptions):
    // state at module level would be shared between workflows and break their determinism.
    name: 'nudge/workflow-bundle/no-module-state',
    files: ['workflows/**', 'shared/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "Program > VariableDeclaration[kind!='const'], ExportNamedDeclaration > VariableDeclaration[kind!='const']",
          message: 'Workflow bundle modules are shared by every workflow: no module-level let or var.',
        },
      ],
    },
  },
  {
    name: 'nudge/layers/shared',
    files: ['shared/**'],
    rules: { '@typescript-eslint/no-restricted-imports': restrict(...sharedRules) },
  },
  {
    name: 'nudge/layers/activities',
    files: ['activities/**'],
    rules: { '@typescript-eslint/no-restricted-imports': restrict(...activityRules) },
  },
  {
    name: 'nudge/layers/domain',
    files: ['domain/**'],
    rules: { '@typescript-eslint/no-restricted-imports': restrict(...domainRules) },
  },
  {
    name: 'nudge/layers/observability',
    files: ['observability/**'],
    rules: { '@typescript-eslint/no-restricted-imports': restrict(...observabilityRules) },
  },
  {
    name: 'nudge/layers/api',
    files: ['api/**'],
    ignores: ['api/routes/**'],
    rules: { '@typescript-eslint/no-restricted-imports': restrict(...apiRules) },
  },
  {
    // The client pages (api/portal/) are an edge like the routes: domain calls only, no Prisma or Temporal.
    name: 'nudge/layers/api-routes',
    files: ['api/routes/**', 'api/portal/**'],
    rules: { '@typescript-eslint/no-restricted-imports': restrict(...routeRules) },
  },
);

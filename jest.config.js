// Two projects, both run by a plain `jest --runInBand` (npm test):
// - real-stack: a Temporal dev server and a fresh PostgreSQL database per run (test/*.test.ts);
// - fast: pure unit tests (test/unit) and workflow tests with fake activities on a Temporal dev server,
//   no database (test/workflows). Alone: `jest --runInBand --selectProjects fast`, a few seconds.
// intl-messageformat and its @formatjs parts ship ES modules only: compiled to CommonJS like our own code.
const transform = {
  '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  '^.+/node_modules/(intl-messageformat|@formatjs)/.+\\.js$': [
    'ts-jest',
    { diagnostics: false, tsconfig: { allowJs: true, module: 'commonjs' } },
  ],
};
const transformIgnorePatterns = ['/node_modules/(?!(intl-messageformat|@formatjs)/)'];

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 90_000,
  verbose: true,
  // The workflow tests (test.concurrent) mostly wait on timers: let a whole file's tests wait together.
  maxConcurrency: 16,
  projects: [
    {
      displayName: 'real-stack',
      rootDir: __dirname,
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/unit/', '<rootDir>/test/workflows/'],
      transform,
      transformIgnorePatterns,
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    {
      displayName: 'fast',
      rootDir: __dirname,
      testEnvironment: 'node',
      roots: ['<rootDir>/test/unit', '<rootDir>/test/workflows'],
      testMatch: ['**/*.test.ts'],
      transform,
      transformIgnorePatterns,
      globalSetup: '<rootDir>/test/support/temporal-only-setup.ts',
      globalTeardown: '<rootDir>/test/support/temporal-only-teardown.ts',
    },
  ],
};

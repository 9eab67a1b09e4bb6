#!/usr/bin/env node
// `npx nudge …`: the operator CLI (cli/main.ts), run through tsx like the project's other TypeScript scripts.
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS entry: require loads tsx, then main.ts */
require('tsx/cjs');
require('./main.ts');

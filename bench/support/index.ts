// Shared pieces of the benchmarks, one module per concern; this index keeps one import path for them.
export * from './env';
export * from './stack';
export * from './worker';
export * from './api-process';
export * from './load';
export * from './cpu';
export * from './seed';
export * from './table';
export * from './sql';
export * from './scratch-db';

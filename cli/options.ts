// The global options every command reads (commander keeps them on the root command).
import type { Command } from 'commander';
import { apiClient, type ApiClient } from './api-client';

export interface GlobalOptions {
  url: string;
  apiKey?: string;
  as?: string;
  json?: boolean;
}

export const globals = (cmd: Command) => cmd.optsWithGlobals<GlobalOptions>();

/** An API client from the command's global options. */
export const api = (cmd: Command): ApiClient => apiClient(globals(cmd));

export const printJson = (value: unknown) => console.log(JSON.stringify(value, null, 2));

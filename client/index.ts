// The typed client for firm apps: openapi-fetch calls typed by client/schema.d.ts (generated from the
// API's OpenAPI document by `npm run client:generate`), with the firm's credentials on every call and the
// retrying transport of client/retry.ts. It imports nothing from the service, so it can be copied as is.
//
//   const nudge = createNudgeClient({ baseUrl, apiKey, actingUser });
//   const { data, error } = await nudge.GET('/v1/accounts/{accountId}', { params: { path: { accountId } } });
import createClient, { type Client } from 'openapi-fetch';
import type { components, operations, paths } from './schema';
import { retryingFetch, type RetryOptions } from './retry';

export type { components, operations, paths } from './schema';
export type { RetryOptions } from './retry';

/** A problem+json error answer (`error` of a failed call): type, title, status, detail, errors per field. */
export type NudgeProblem = components['schemas']['Problem'];
export type NudgeClient = Client<paths>;
/** An operation's JSON request body, by operationId: `Body<'createAccount'>`. */
export type Body<Op extends keyof operations> = operations[Op] extends {
  requestBody?: { content: { 'application/json': infer B } };
}
  ? B
  : never;

export interface NudgeClientOptions {
  /** Where the API answers, e.g. http://localhost:3000. */
  baseUrl: string;
  /** The firm's API key (`npx nudge firm create`, `POST /v1/api-keys`). */
  apiKey: string;
  /** The firm user acting, recorded in the audit trail; a call may name another in its X-Acting-User header. */
  actingUser: string;
  /** The transport (default: the global fetch); the client retries around it. */
  fetch?: (input: Request) => Promise<Response>;
  retry?: RetryOptions;
}

export function createNudgeClient(options: NudgeClientOptions): NudgeClient {
  const transport = options.fetch ?? ((input: Request) => globalThis.fetch(input));
  return createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: { Authorization: `Bearer ${options.apiKey}`, 'X-Acting-User': options.actingUser },
    fetch: retryingFetch(transport, options.retry),
  });
}

// Builds the OpenAPI 3.1 description from the registered routes' zod schemas.
import { z } from 'zod';
import { registeredRoutes, type ProblemStatus, type RouteSpec } from './route';
import { operationIdOf } from './operation-ids';

const problemSchema = {
  type: 'object',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    errors: {
      type: 'array',
      items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } },
    },
  },
};

/** The problem responses every operation may answer, by status (components.responses). */
const PROBLEM_RESPONSES: Record<ProblemStatus, { name: string; description: string; retryAfter?: boolean }> = {
  400: { name: 'BadRequest', description: 'The body is not valid JSON, or a header is malformed.' },
  401: { name: 'Unauthorized', description: 'No API key, or an unknown or revoked one.' },
  403: { name: 'Forbidden', description: 'The acting user is unknown or deactivated, or may not do this.' },
  404: { name: 'NotFound', description: 'No such resource in this firm (an id of another firm, or a malformed one).' },
  409: {
    name: 'Conflict',
    description: 'The resource is not in a state that allows this, or the Idempotency-Key is in use.',
  },
  410: { name: 'Gone', description: 'The link or token has expired, or was withdrawn.' },
  413: { name: 'PayloadTooLarge', description: 'The body is larger than the API reads.' },
  415: { name: 'UnsupportedMediaType', description: 'The body is not application/json.' },
  422: { name: 'ValidationError', description: 'The request is not valid; `errors` names each field.' },
  429: { name: 'RateLimited', description: 'Too many requests for this API key.', retryAfter: true },
  503: {
    name: 'ServiceUnavailable',
    description: 'A dependency is down, the API is overloaded, or the request missed its deadline.',
    retryAfter: true,
  },
};

/**
 * The problem statuses a route may answer, from what it declares: authentication, rate limit and the
 * admission control apply to every /v1 route; ids to 404; a JSON body to the body checks; the
 * Idempotency-Key to its own checks; a change to a state conflict.
 */
export function problemStatuses(r: RouteSpec): ProblemStatus[] {
  const statuses: ProblemStatus[] = [503, ...(r.problems ?? [])];
  if (!r.public) statuses.push(401, 403, 429);
  if (r.params || r.body) statuses.push(404);
  if (r.body) statuses.push(400, 413, 415, 422);
  if (r.query) statuses.push(422);
  if (r.idempotent) statuses.push(400, 409, 422);
  if (r.method !== 'get' && !r.public) statuses.push(409);
  return [...new Set(statuses)].sort((a, b) => a - b);
}

const problemResponses = () =>
  Object.fromEntries(
    Object.values(PROBLEM_RESPONSES).map(({ name, description, retryAfter }) => [
      name,
      {
        description,
        ...(retryAfter
          ? {
              headers: {
                'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer' } },
              },
            }
          : {}),
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      },
    ]),
  );

const jsonSchema = (s: z.ZodType, io: 'input' | 'output') => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

/**
 * A route's success answers. Without a declared body schema the body is JSON of an undescribed shape; a route
 * without a declared status answers 200 with its result, or 204 when it has none (api/route.ts).
 */
function successResponses(r: (typeof registeredRoutes)[number], status: string): Record<string, unknown> {
  if (r.csv === 'response')
    return { [status]: { description: 'OK', content: { 'text/csv': { schema: { type: 'string' } } } } };
  if (r.response)
    return {
      [status]: { description: 'OK', content: { 'application/json': { schema: jsonSchema(r.response, 'output') } } },
    };
  const json = { description: 'OK', content: { 'application/json': { schema: {} } } };
  return r.status ? { [status]: json } : { '200': json, '204': { description: 'Done; no content' } };
}

export function buildOpenApi(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const operationIds = new Set<string>();
  for (const r of registeredRoutes) {
    const operationId = operationIdOf(r);
    if (operationIds.has(operationId))
      throw new Error(`operationId ${operationId} is used twice (${r.method} ${r.path})`);
    operationIds.add(operationId);
    const path = r.path.replace(/:(\w+)/g, '{$1}');
    const parameters: unknown[] = [];
    for (const [name, schema] of Object.entries(r.params?.shape ?? {})) {
      parameters.push({ name, in: 'path', required: true, schema: jsonSchema(schema as z.ZodType, 'input') });
    }
    for (const [name, schema] of Object.entries(r.query?.shape ?? {})) {
      parameters.push({
        name,
        in: 'query',
        required: !(schema as z.ZodType).safeParse(undefined).success,
        schema: jsonSchema(schema as z.ZodType, 'input'),
      });
    }
    if (!r.public)
      parameters.push({
        name: 'X-Acting-User',
        in: 'header',
        required: true,
        schema: { type: 'string', format: 'uuid' },
        description: 'Id of the firm user acting; recorded in the audit trail.',
      });
    if (r.idempotent)
      parameters.push({
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        schema: { type: 'string', maxLength: 200 },
        description: 'A retried call with the same key returns the first result and does nothing again.',
      });
    const status = String(r.status ?? 200);
    paths[path] ??= {};
    paths[path][r.method] = {
      operationId,
      summary: r.summary,
      tags: [r.tag],
      ...(r.public ? { security: [] } : {}),
      parameters,
      ...(r.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(r.body, 'input') } } } }
        : {}),
      ...(r.csv === 'request'
        ? { requestBody: { required: true, content: { 'text/csv': { schema: { type: 'string' } } } } }
        : {}),
      responses: {
        ...successResponses(r, status),
        ...Object.fromEntries(
          problemStatuses(r).map((s) => [String(s), { $ref: `#/components/responses/${PROBLEM_RESPONSES[s].name}` }]),
        ),
        default: {
          description: 'Error',
          content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
        },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Nudge API',
      version: '1.0.0',
      description:
        'Client records, durable reminders and bulk actions for accounting firms. Errors are application/problem+json.',
    },
    servers: [{ url: '/' }],
    security: [{ firmApiKey: [] }],
    components: {
      securitySchemes: {
        firmApiKey: { type: 'http', scheme: 'bearer', description: 'The firm API key (npm run firm:create).' },
      },
      schemas: { Problem: problemSchema },
      responses: problemResponses(),
    },
    paths,
  };
}

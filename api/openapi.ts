// Builds the OpenAPI 3.1 description from the registered routes' zod schemas.
import { z } from 'zod';
import { registeredRoutes } from './route';

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

const jsonSchema = (s: z.ZodType, io: 'input' | 'output') => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

export function buildOpenApi(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of registeredRoutes) {
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
    const status = String(r.status ?? (r.response ? 200 : 204));
    paths[path] ??= {};
    paths[path][r.method] = {
      summary: r.summary,
      tags: [r.tag],
      ...(r.public ? { security: [] } : {}),
      parameters,
      ...(r.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(r.body, 'input') } } } }
        : {}),
      responses: {
        [status]: r.response
          ? { description: 'OK', content: { 'application/json': { schema: jsonSchema(r.response, 'output') } } }
          : { description: 'OK' },
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
    },
    paths,
  };
}

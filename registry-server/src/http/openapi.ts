import { ERROR_STATUS, errorBody } from '@cws/shared';
import { z } from 'zod';
import type { DefinedRoute } from './route.js';

const STATUS_TEXT: Record<number, string> = {
  400: 'Invalid input (validation_failed or bad_request)',
  401: 'No token, or the token is unknown, revoked or expired',
  403: 'The token may not do this',
  404: 'Not found (not_found), or nothing matches the policy (no_match)',
  409: 'Conflicts with what exists',
  413: 'Body too large',
  415: 'Body is not JSON',
  429: 'Rate limited; see Retry-After',
  503: 'Database unreachable',
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output') {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    target: 'draft-2020-12',
  }) as Record<string, unknown>;
  return rest;
}

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const json = jsonSchema(schema, 'input') as {
    properties?: Record<string, Record<string, unknown>>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, prop]) => {
    const { description, ...schemaOnly } = prop;
    return {
      name,
      in: where,
      required: where === 'path' || (json.required ?? []).includes(name),
      ...(description ? { description } : {}),
      schema: schemaOnly,
    };
  });
}

/** OpenAPI 3.1 built from the routes' contracts: the zod schemas that validate are the ones documented. */
export function buildOpenApi(routes: DefinedRoute[], serverUrl: string | null, version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const { contract: spec } of routes) {
    const responses: Record<string, unknown> = {
      [spec.response.status]: spec.response.schema
        ? {
            description: spec.response.description,
            content: { 'application/json': { schema: jsonSchema(spec.response.schema, 'output') } },
          }
        : { description: spec.response.description },
    };
    for (const status of [...spec.errors, 503]) {
      responses[status] = { $ref: `#/components/responses/E${status}` };
    }
    const operation: Record<string, unknown> = {
      operationId: `${spec.method}${spec.path
        .replace(/[{}]/g, '')
        .replace(/\/(\w)/g, (_m, c: string) => c.toUpperCase())
        .replace(/[^A-Za-z0-9]/g, '')}`,
      summary: spec.summary,
      tags: [spec.tag],
      parameters: [...parameters(spec.params, 'path'), ...parameters(spec.query, 'query')],
      responses,
      ...(spec.auth === 'none' ? {} : { security: spec.auth === 'optional' ? [{}, { bearer: [] }] : [{ bearer: [] }] }),
    };
    if (spec.body) {
      const content: Record<string, unknown> = { 'application/json': { schema: jsonSchema(spec.body, 'input') } };
      for (const type of spec.bodyTypes ?? []) content[type] = { schema: { type: 'string' } };
      operation.requestBody = { required: true, content };
    }
    const path = `/api/v1${spec.path}`;
    paths[path] = { ...(paths[path] ?? {}), [spec.method]: operation };
  }
  const errorSchema = jsonSchema(errorBody, 'output');
  const statuses = [...new Set(Object.values(ERROR_STATUS))].filter((s) => STATUS_TEXT[s]);
  return {
    openapi: '3.1.0',
    info: {
      title: 'cws-registry',
      version,
      description:
        'Community registry of Amazon Machine Images for research environments. Errors are {error: {code, message}}.',
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API token (cws_...)' } },
      schemas: { Error: errorSchema },
      responses: Object.fromEntries(
        statuses.map((s) => [
          `E${s}`,
          {
            description: STATUS_TEXT[s],
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          },
        ]),
      ),
    },
  };
}

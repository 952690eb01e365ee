import type { AddressInfo } from 'node:net';
import { defineContract } from '@cws/shared';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { createLogger } from '../logger.js';
import { errorHandler } from './error-handler.js';
import { defineRoute } from './route.js';

// A contract of this test only, to see what the response check does with an answer that breaks it.
const thing = defineContract({
  name: 'thing',
  method: 'get',
  path: '/things/{id}',
  summary: 'test',
  tag: 'test',
  auth: 'none',
  scopes: [],
  params: z.strictObject({ id: z.string() }),
  response: { status: 200, schema: z.object({ id: z.string(), size: z.number() }), description: 'a thing' },
  errors: [],
});

function appWith(checkResponses: boolean, answer: unknown) {
  const ctx = { checkResponses } as AppContext;
  const route = defineRoute(thing, async () => answer as { id: string; size: number });
  const app = express();
  app.use((req, _res, next) => {
    req.principal = null;
    next();
  });
  const router = express.Router();
  route.register(router, ctx);
  app.use(router);
  app.use(errorHandler(createLogger('silent'), checkResponses));
  return app;
}

/** GET path from a throwaway server running app. */
async function get(app: express.Express, path: string) {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`);
    return { status: res.status, body: (await res.json()) as { error: { message: string } } };
  } finally {
    server.close();
  }
}

describe('response checks against the contract', () => {
  it('sends an answer that matches its contract as it is', async () => {
    const res = await get(appWith(true, { id: 'a', size: 3 }), '/things/a');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: 'a', size: 3 });
  });

  it('turns an answer its contract does not describe into a 500 naming the field, when checking', async () => {
    const res = await get(appWith(true, { id: 'a', size: 'big' }), '/things/a');
    expect(res.status).toBe(500);
    expect(res.body.error.message).toContain('thing does not match its contract: size');
  });

  it('leaves answers alone when not checking (production)', async () => {
    const res = await get(appWith(false, { id: 'a', size: 'big' }), '/things/a');
    expect(res.status).toBe(200);
  });
});

import type { AddressInfo } from 'node:net';
import { inflateSync } from 'node:zlib';
import { ERROR_STATUS, ratingBody } from '@cws/shared';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { ConflictError, DomainError, RateLimitedError } from '../errors.js';
import { classifyError } from './error-classifier.js';

/** The error a real body parser throws for `body` sent with `headers`. */
async function bodyParserError(parser: express.RequestHandler, body: string, headers: Record<string, string>) {
  let caught: unknown;
  const app = express();
  app.post('/', parser, (_req, res) => res.end());
  app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    caught = err;
    res.status(599).end();
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    const { port } = server.address() as AddressInfo;
    await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers, body });
  } finally {
    await new Promise((r) => server.close(r));
  }
  return caught;
}

describe('classifyError', () => {
  it('keeps a domain error code, status and details; logs only faults', () => {
    const conflict = classifyError(new ConflictError('taken'));
    expect(conflict).toMatchObject({ kind: 'domain', code: 'conflict', status: 409, message: 'taken', headers: {} });
    expect(conflict.log).toBeUndefined();
    const details = [{ path: 'body.x', message: 'bad' }];
    expect(classifyError(new DomainError('validation_failed', 'x', details)).details).toEqual(details);
    expect(classifyError(new DomainError('upstream_failed', 'AWS said no')).log?.level).toBe('error');
  });

  it('sends Retry-After with a rate limit', () => {
    const c = classifyError(new RateLimitedError('too many reads; retry in 7 s', 7));
    expect(c).toMatchObject({ kind: 'rate_limited', status: 429, headers: { 'Retry-After': '7' } });
  });

  it('treats a zod refusal as the caller input (400 with details), never a 500', () => {
    const parsed = ratingBody.safeParse({ rating: 9 });
    expect(parsed.success).toBe(false);
    const c = classifyError(parsed.error);
    expect(c).toMatchObject({ kind: 'validation', code: 'validation_failed', status: 400 });
    expect(c.details?.[0]?.path).toBe('rating');
  });

  it('classifies what the body parsers refuse', async () => {
    const json = express.json({ limit: 10 });
    const tooLarge = await bodyParserError(json, JSON.stringify({ long: 'x'.repeat(100) }), {
      'Content-Type': 'application/json',
    });
    expect(classifyError(tooLarge)).toMatchObject({ kind: 'body_too_large', code: 'payload_too_large', status: 413 });
    const notJson = await bodyParserError(express.json(), '{nope', { 'Content-Type': 'application/json' });
    expect(classifyError(notJson)).toMatchObject({ code: 'bad_request', message: 'the body is not valid JSON' });
    const charset = await bodyParserError(express.json(), '{}', {
      'Content-Type': 'application/json; charset=klingon',
    });
    expect(classifyError(charset)).toMatchObject({ kind: 'body_unreadable', code: 'unsupported_media_type' });
    const form = await bodyParserError(express.urlencoded({ extended: false, parameterLimit: 2 }), 'a=1&b=2&c=3', {
      'Content-Type': 'application/x-www-form-urlencoded',
    });
    expect(classifyError(form)).toMatchObject({ kind: 'body_unreadable', code: 'bad_request', status: 400 });
  });

  it('classifies bad encodings, bad URLs, refused values and an unreachable database', () => {
    let zlib: unknown;
    try {
      inflateSync(Buffer.from('not deflate'));
    } catch (e) {
      zlib = e;
    }
    expect(classifyError(zlib)).toMatchObject({ kind: 'body_encoding', status: 400 });
    let uri: unknown;
    try {
      decodeURIComponent('%');
    } catch (e) {
      uri = e;
    }
    expect(classifyError(uri)).toMatchObject({ kind: 'bad_url', status: 400 });
    const outOfRange = Object.assign(new Error('value out of range'), { code: '22003' });
    expect(classifyError(outOfRange)).toMatchObject({ kind: 'bad_value', status: 400, log: { level: 'warn' } });
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(classifyError(refused)).toMatchObject({
      kind: 'db_unavailable',
      status: ERROR_STATUS.unavailable,
      headers: { 'Retry-After': '5' },
      log: { level: 'error' },
    });
  });

  it('answers anything else with a generic 500 and logs it', () => {
    const c = classifyError(new TypeError('x is undefined'));
    expect(c).toMatchObject({ kind: 'internal', status: 500, message: 'internal error; the registry logged it' });
    expect(c.log?.level).toBe('error');
    expect(classifyError(undefined).status).toBe(500);
  });
});

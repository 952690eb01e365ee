import { readFileSync } from 'node:fs';
import { ERROR_STATUS, type ErrorCode, RegistryError } from '@cws/shared';
import { describe, expect, it } from 'vitest';
import { CwsError, ERROR_EXIT, EXIT, REGISTRY_CODE_EXIT, wrappedCode } from './errors.js';
import { registryFailure } from './registries.js';

const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const exits = new Set<number>(Object.values(EXIT));
const entry = { name: 'community', url: 'https://registry.example.org', priority: 100 };

function httpError(status: number, code?: string): RegistryError {
  return new RegistryError({ kind: 'http', status, code, message: 'no', method: 'POST', url: `${entry.url}/x` });
}

describe('error codes and exit codes', () => {
  it('keeps the documented exit numbers (scripts rely on them; never renumber)', () => {
    expect(EXIT).toMatchObject({
      ok: 0,
      failure: 1,
      usage: 2,
      invalidInput: 3,
      notFound: 4,
      noAmi: 5,
      registry: 6,
      auth: 7,
      aws: 8,
      checks: 9,
      revoked: 10,
    });
    expect(new Set(Object.values(EXIT)).size).toBe(Object.keys(EXIT).length);
    const documented = [...README.split('### Exit codes')[1]!.matchAll(/^\| (\d+) +\|/gm)].map((m) => Number(m[1]));
    expect(documented.sort((a, b) => a - b)).toEqual([...exits].sort((a, b) => a - b));
  });

  it('gives every code an exit the README documents', () => {
    for (const [code, exit] of Object.entries(ERROR_EXIT)) {
      expect(exits.has(exit), `${code} -> ${exit}`).toBe(true);
      expect(exit, `${code} is an error, not a success`).not.toBe(EXIT.ok);
    }
  });

  it('maps every registry error code, by the meaning of its HTTP status', () => {
    const byStatus = (status: number) =>
      status === 401 || status === 403
        ? EXIT.auth
        : status === 404
          ? EXIT.notFound
          : status === 409
            ? EXIT.conflict
            : status === 429 || status >= 502
              ? EXIT.registry
              : status === 500
                ? EXIT.failure
                : null;
    for (const code of Object.keys(ERROR_STATUS) as ErrorCode[]) {
      expect(ERROR_EXIT[code], code).toBe(REGISTRY_CODE_EXIT[code]);
      const expected = byStatus(ERROR_STATUS[code]);
      if (expected !== null) expect(REGISTRY_CODE_EXIT[code], code).toBe(expected);
    }
  });

  it('derives the exit from the code', () => {
    expect(new CwsError('x', { code: 'conflict' }).exit).toBe(11);
    expect(new CwsError('x', { code: 'tests_failed' }).exit).toBe(EXIT.checks);
    expect(new CwsError('x', { code: 'interrupted' }).exit).toBe(130);
  });

  it('keeps the cause code of a wrapped failure only when it means something else', () => {
    expect(wrappedCode(new CwsError('x', { code: 'timeout' }), 'save_failed')).toBe('save_failed');
    expect(wrappedCode(new CwsError('x', { code: 'interrupted' }), 'save_failed')).toBe('interrupted');
    expect(wrappedCode(new Error('x'), 'save_failed')).toBe('save_failed');
  });
});

describe('registryFailure', () => {
  it('keeps the registry code and exits by it', () => {
    const conflict = registryFailure(httpError(409, 'conflict'), entry, 'publish') as CwsError;
    expect(conflict).toMatchObject({ code: 'conflict', exit: EXIT.conflict });
    expect(registryFailure(httpError(404, 'no_match'), entry, 'resolve')).toMatchObject({ code: 'no_match', exit: 4 });
    expect(registryFailure(httpError(400, 'validation_failed'), entry, 'rate')).toMatchObject({ exit: EXIT.usage });
    expect(registryFailure(httpError(413, 'payload_too_large'), entry, 'x')).toMatchObject({ exit: EXIT.usage });
  });

  it('falls back by status when the code is unknown or does not go with the status', () => {
    expect(registryFailure(httpError(409), entry, 'x')).toMatchObject({ code: 'conflict', exit: EXIT.conflict });
    expect(registryFailure(httpError(404, 'conflict'), entry, 'x')).toMatchObject({ code: 'not_found', exit: 4 });
    expect(registryFailure(httpError(400, 'made_up'), entry, 'x')).toMatchObject({ code: 'bad_request', exit: 2 });
    expect(registryFailure(httpError(503, 'unavailable'), entry, 'x')).toMatchObject({
      code: 'registry_http',
      exit: EXIT.registry,
    });
  });
});

import { type AnyContract, contracts } from '@cws/shared';
import { describe, expect, it } from 'vitest';
import { routes } from './index.js';

describe('endpoint contracts', () => {
  it('every route serves a contract of @cws/shared, and every contract has exactly one route', () => {
    const all = Object.values(contracts) as AnyContract[];
    const served = routes.map((r) => r.contract);
    for (const contract of served) expect(all, `route ${contract.method} ${contract.path}`).toContain(contract);
    for (const contract of all) {
      expect(served.filter((c) => c === contract).length, `routes serving ${contract.name}`).toBe(1);
    }
  });

  it('names each contract by its key, and no two share a method and path', () => {
    for (const [key, contract] of Object.entries(contracts)) expect(contract.name).toBe(key);
    const endpoints = Object.values(contracts).map((c) => `${c.method} ${c.path}`);
    expect(new Set(endpoints).size).toBe(endpoints.length);
  });

  it('declares the path parameters its path uses, and a schema for every answer with a body', () => {
    for (const contract of Object.values(contracts) as AnyContract[]) {
      const inPath = [...contract.path.matchAll(/\{([a-z_]+)\}/g)].map((m) => m[1]).sort();
      const declared = Object.keys((contract.params as { shape?: object } | undefined)?.shape ?? {}).sort();
      expect(declared, contract.name).toEqual(inPath);
      expect(contract.response.schema === undefined, contract.name).toBe(contract.response.status === 204);
    }
  });
});

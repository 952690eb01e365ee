import { describe, expect, it } from 'vitest';
import { buildGraph, cycles, sqlOutsideDb, violations } from './import-graph.js';

/**
 * CONVENTIONS.md rule 1, checked on every test run: cli -> shared <- registry-server (-> migrations); in the server
 * http -> services -> db | aws | cache; only http/ knows Express; only aws/ (the CLI: lib/aws/) imports the AWS SDK;
 * only db/ builds SQL; no import cycles. `CWS_GRAPH_REPORT=1` prints the numbers.
 */
const graph = buildGraph();

describe('import graph', () => {
  if (process.env.CWS_GRAPH_REPORT) {
    it('reports', () => {
      const v = violations(graph);
      console.log(
        JSON.stringify(
          {
            files: graph.files.length,
            imports: graph.edges.length,
            cycles: cycles(graph),
            violations: v,
            sql: sqlOutsideDb(graph),
          },
          null,
          2,
        ),
      );
    });
  }

  it('reads the sources', () => {
    expect(graph.files.length).toBeGreaterThan(100);
    expect(graph.edges.some((e) => e.to === '@cws/shared')).toBe(true);
  });

  it('has no import cycles', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('has no wrong-way imports', () => {
    expect(violations(graph).map((v) => `${v.rule}: ${v.from} -> ${v.to}`)).toEqual([]);
  });

  it('builds SQL only in db/', () => {
    expect(sqlOutsideDb(graph)).toEqual([]);
  });
});

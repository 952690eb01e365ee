import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** The repository root (this file is test/architecture/import-graph.ts). */
export const ROOT = process.env.CWS_GRAPH_ROOT ?? resolve(dirname(new URL(import.meta.url).pathname), '../..');
const SOURCES = ['shared/src', 'registry-server/src', 'cli/src'];

export interface Edge {
  from: string;
  /** A repository path for relative imports, else the bare specifier (`express`, `@cws/shared`). */
  to: string;
  typeOnly: boolean;
}

export interface Graph {
  files: string[];
  edges: Edge[];
}

function walk(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'dist' ? [] : walk(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every import, export-from and dynamic import() of the packages' sources (tests included, marked by name). */
export function buildGraph(): Graph {
  const files = SOURCES.flatMap(walk).sort();
  const edges: Edge[] = [];
  for (const file of files) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
    const add = (specifier: string, typeOnly: boolean) => {
      const to = specifier.startsWith('.')
        ? relative(ROOT, resolve(ROOT, dirname(file), specifier)).replace(/\.js$/, '.ts')
        : specifier;
      edges.push({ from: file, to, typeOnly });
    };
    const visit = (node: ts.Node) => {
      if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
        const clause = node.importClause;
        const typeOnly =
          !!clause &&
          (clause.isTypeOnly ||
            (!clause.name &&
              !!clause.namedBindings &&
              ts.isNamedImports(clause.namedBindings) &&
              clause.namedBindings.elements.length > 0 &&
              clause.namedBindings.elements.every((e) => e.isTypeOnly)));
        add(node.moduleSpecifier.text, typeOnly);
      } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
        add(node.moduleSpecifier.text, node.isTypeOnly);
      } else if (
        ts.isCallExpression(node) &&
        node.expression.kind === ts.SyntaxKind.ImportKeyword &&
        node.arguments[0] &&
        ts.isStringLiteral(node.arguments[0])
      ) {
        add(node.arguments[0].text, false);
      } else if (
        ts.isImportTypeNode(node) &&
        ts.isLiteralTypeNode(node.argument) &&
        ts.isStringLiteral(node.argument.literal)
      ) {
        add(node.argument.literal.text, true);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return { files, edges };
}

export const isTest = (file: string) => file.endsWith('.test.ts');
export const packageOf = (file: string) => file.split('/')[0] ?? '';

/** Cycles among the source files (strongly connected components of more than one file, or a self-import). */
export function cycles(graph: Graph): string[][] {
  const next = new Map<string, string[]>();
  const known = new Set(graph.files);
  for (const e of graph.edges) if (known.has(e.to)) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  let index = 0;
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (v: string) => {
    order.set(v, index);
    low.set(v, index);
    index += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!order.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, order.get(w)!));
    }
    if (low.get(v) === order.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (next.get(v) ?? []).includes(v)) found.push(scc.sort());
    }
  };
  for (const f of graph.files) if (!order.has(f)) connect(f);
  return found;
}

/** The server's layers, lowest first; a file may import its own layer or lower ones (CONVENTIONS.md rule 1). */
const SERVER = 'registry-server/src/';
export function serverLayer(file: string): { name: string; rank: number } | null {
  if (!file.startsWith(SERVER)) return null;
  const path = file.slice(SERVER.length);
  const top = path.split('/')[0]!;
  if (['config', 'auth'].includes(top) || ['logger.ts', 'errors.ts', 'metrics.ts'].includes(path)) {
    return { name: 'base', rank: 1 };
  }
  // The job queue and runner are infrastructure services use to enqueue; job kinds call services.
  if (['db', 'aws', 'cache'].includes(top) || path === 'jobs/queue.ts' || path === 'jobs/runner.ts') {
    return { name: 'db|aws|cache', rank: 2 };
  }
  if (top === 'services') return { name: 'services', rank: 3 };
  if (top === 'http' || top === 'jobs') return { name: 'http', rank: 4 };
  return { name: 'root', rank: 5 }; // context.ts, server.ts, main.ts, index.ts: the composition root
}

export interface Violation {
  rule: string;
  from: string;
  to: string;
}

/** Imports that break the rules of CONVENTIONS.md rule 1 (tests excepted: they may reach anything). */
export function violations(graph: Graph): Violation[] {
  const out: Violation[] = [];
  for (const e of graph.edges) {
    if (isTest(e.from)) continue;
    const pkg = packageOf(e.from);
    // A package's entry or one of its subpath exports (@cws/shared/severities).
    const target = e.to.startsWith('@cws/')
      ? e.to.slice('@cws/'.length).split('/')[0]!
      : graph.files.includes(e.to)
        ? packageOf(e.to)
        : null;
    if (target && target !== pkg) {
      // The server runs the migrations; nothing else reaches another package but shared.
      const allowed =
        ((pkg === 'cli' || pkg === 'registry-server') && target === 'shared') ||
        (pkg === 'registry-server' && target === 'migrations');
      if (!allowed) out.push({ rule: `${pkg} -> ${target}: packages depend on shared only`, from: e.from, to: e.to });
    }
    const from = serverLayer(e.from);
    const to = serverLayer(e.to);
    // The composition root's AppContext type is what routes and job kinds are written against.
    const contextType = e.typeOnly && e.to === `${SERVER}context.ts` && from?.name === 'http';
    if (from && to && to.rank > from.rank && !contextType) {
      out.push({ rule: `${from.name} -> ${to.name}: layers point down`, from: e.from, to: e.to });
    }
    if (
      from &&
      (e.to === 'express' || e.to.startsWith('express/')) &&
      from.name !== 'http' &&
      !(from.name === 'root' && e.typeOnly)
    ) {
      out.push({ rule: 'only http/ knows Express', from: e.from, to: e.to });
    }
    if (e.to.startsWith('@aws-sdk/') || e.to.startsWith('@smithy/')) {
      const home = pkg === 'cli' ? 'cli/src/lib/aws/' : `${SERVER}aws/`;
      if (!e.from.startsWith(home)) out.push({ rule: `only ${home} imports the AWS SDK`, from: e.from, to: e.to });
    }
  }
  return out;
}

/** Query building outside db/: Kysely builders or sql`` in a server file that is not under db/ (tests excepted). */
export function sqlOutsideDb(graph: Graph): string[] {
  return graph.files.filter((f) => {
    if (!f.startsWith(SERVER) || f.startsWith(`${SERVER}db/`) || isTest(f)) return false;
    const text = readFileSync(join(ROOT, f), 'utf8');
    return /\.(selectFrom|insertInto|updateTable|deleteFrom|mergeInto)\(|\bsql(<[^>]*>)?`/.test(text);
  });
}

/**
 * Reader for AWS query-protocol parameters (EC2 and STS): flat `Key=Value` pairs where lists are
 * `Name.1`, `Name.2` and structures are `Name.1.Member`. Indexes are sorted numerically
 * (the SDK starts at 1 and never skips, but hand-written clients may).
 */
export class QueryParams {
  constructor(private readonly map: Map<string, string>) {}

  static fromParts(...parts: URLSearchParams[]): QueryParams {
    const map = new Map<string, string>();
    for (const p of parts) for (const [k, v] of p) if (!k.startsWith('X-Amz-')) map.set(k, v);
    return new QueryParams(map);
  }

  get(key: string): string | undefined {
    return this.map.get(key);
  }

  bool(key: string): boolean {
    return this.map.get(key)?.toLowerCase() === 'true';
  }

  int(key: string): number | undefined {
    const v = this.map.get(key);
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    return Number.isInteger(n) ? n : Number.NaN;
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  /** Values of `Prefix.N` in index order. */
  list(prefix: string): string[] {
    const re = new RegExp(`^${escapeRe(prefix)}\\.(\\d+)$`);
    const found: Array<[number, string]> = [];
    for (const [k, v] of this.map) {
      const m = re.exec(k);
      if (m) found.push([Number(m[1]), v]);
    }
    return found.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
  }

  /** Sub-readers for `Prefix.N.*`, one per index, with `Prefix.N.` stripped. */
  members(prefix: string): QueryParams[] {
    const re = new RegExp(`^${escapeRe(prefix)}\\.(\\d+)\\.(.+)$`);
    const groups = new Map<number, Map<string, string>>();
    for (const [k, v] of this.map) {
      const m = re.exec(k);
      if (!m) continue;
      const idx = Number(m[1]);
      let g = groups.get(idx);
      if (!g) {
        g = new Map();
        groups.set(idx, g);
      }
      g.set(m[2] as string, v);
    }
    return [...groups.entries()].sort((a, b) => a[0] - b[0]).map(([, g]) => new QueryParams(g));
  }

  /** Sub-reader for `Prefix.*` (a nested structure such as `LaunchPermission.Add...`). */
  sub(prefix: string): QueryParams {
    const map = new Map<string, string>();
    const p = `${prefix}.`;
    for (const [k, v] of this.map) if (k.startsWith(p)) map.set(k.slice(p.length), v);
    return new QueryParams(map);
  }

  get size(): number {
    return this.map.size;
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

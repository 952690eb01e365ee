/**
 * Typo tolerance. A query word that is a known word or a prefix of one stands for the words it
 * begins; otherwise for the vocabulary words within a small edit distance
 * (Damerau-Levenshtein: a swap of two letters counts once), so "pyhton" finds "python".
 */

export function queryWords(q: string): string[] {
  return [
    ...new Set(
      q
        .toLowerCase()
        .split(/[^\p{L}\p{N}\p{M}]+/u)
        .filter((w) => w.length > 0 && w.length <= 40),
    ),
  ].slice(0, 8);
}

export function maxTypos(word: string): number {
  return word.length <= 3 ? 0 : word.length <= 5 ? 1 : 2;
}

export function editDistance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) > cap) return cap + 1;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    let rowMin = Number.POSITIVE_INFINITY;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin > cap) return cap + 1;
  }
  return d[a.length]![b.length]!;
}

/**
 * The vocabulary words a query word the vocabulary lacks (as a word or a prefix) stands for:
 * the nearest (at most 5) within its typo allowance. Null when none is near (the whole query
 * then matches nothing).
 */
export function nearWords(word: string, vocabulary: string[]): string[] | null {
  const cap = maxTypos(word);
  const near = vocabulary
    .map((v) => ({ v, d: editDistance(word, v, cap) }))
    .filter((x) => x.d <= cap)
    .sort((x, y) => x.d - y.d || (x.v < y.v ? -1 : x.v > y.v ? 1 : 0))
    .slice(0, 5)
    .map((x) => x.v);
  return near.length === 0 ? null : near.sort();
}

import { describe, expect, it } from 'vitest';
import { editDistance, queryWords, termQuery } from './search-terms.js';

describe('typo tolerance', () => {
  it('counts a swap of two letters as one edit', () => {
    expect(editDistance('pyhton', 'python', 2)).toBe(1);
    expect(editDistance('genomcs', 'genomics', 2)).toBe(1);
    expect(editDistance('abc', 'xyz', 1)).toBe(2);
  });

  it('splits queries into at most 8 lower-case words', () => {
    expect(queryWords('PyTorch-CUDA  jupyter!')).toEqual(['pytorch', 'cuda', 'jupyter']);
    expect(queryWords('a b c d e f g h i j')).toHaveLength(8);
  });

  it('uses a prefix when a word starts a known one, near words otherwise, nothing when none', () => {
    expect(termQuery('pyt', ['python', 'pytorch'])).toBe('pyt:*');
    expect(termQuery('pyhton', ['python', 'photon', 'rust'])).toBe('(python | photon)');
    expect(termQuery('pyhton', ['python', 'rust'])).toBe('python');
    expect(termQuery('zzz', ['python'])).toBeNull();
    // Short words get no typo allowance: "cdu" is not "cuda".
    expect(termQuery('cdu', ['cuda'])).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { editDistance, nearWords, queryWords } from './search-terms.js';

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

  it('replaces an unknown word by the near words of the vocabulary, nothing when none', () => {
    expect(nearWords('pyhton', ['python', 'photon', 'rust'])).toEqual(['photon', 'python']);
    expect(nearWords('pyhton', ['python', 'rust'])).toEqual(['python']);
    expect(nearWords('zzz', ['python'])).toBeNull();
    // Short words get no typo allowance: "cdu" is not "cuda".
    expect(nearWords('cdu', ['cuda'])).toBeNull();
  });
});

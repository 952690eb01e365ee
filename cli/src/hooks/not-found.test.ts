import { describe, expect, it } from 'vitest';
import { closestCommand, editDistance } from './not-found.js';

const IDS = [
  'ami:resolve',
  'ami:rate',
  'ami:info',
  'registry:list',
  'registry:add',
  'launch',
  'list',
  'login',
  'logout',
];

describe('did you mean', () => {
  it('counts a swap of neighbours as one slip', () => {
    expect(editDistance('reslove', 'resolve')).toBe(1);
    expect(editDistance('launhc', 'launch')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('finds the command and keeps the arguments typed after it', () => {
    expect(closestCommand(['ami', 'reslove', 'python-ml'], IDS)).toEqual({ id: 'ami:resolve', rest: ['python-ml'] });
    expect(closestCommand(['regsitry', 'lst'], IDS)).toEqual({ id: 'registry:list', rest: [] });
    expect(closestCommand(['ami', 'res'], IDS)).toEqual({ id: 'ami:resolve', rest: [] });
    expect(closestCommand(['lougout'], IDS)).toEqual({ id: 'logout', rest: [] });
  });

  it('suggests nothing for words far from every command', () => {
    expect(closestCommand(['bogus'], IDS)).toBeUndefined();
    expect(closestCommand(['deploy', 'everything'], IDS)).toBeUndefined();
  });
});

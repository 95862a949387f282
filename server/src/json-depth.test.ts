import { describe, expect, it } from 'vitest';
import { jsonNestsDeeperThan } from './json-depth.ts';

describe('jsonNestsDeeperThan', () => {
  it.each([
    ['{}', 1, false],
    ['{"a":[1,{"b":[]}]}', 4, false],
    ['{"a":[1,{"b":[]}]}', 3, true],
    ['"[[[[[[[["', 1, false],
    ['{"a":"\\"[[[[["}', 1, false],
    ['[{"x":"\\\\"},[]]', 2, false],
    ['[{"x":"\\\\"},[[]]]', 2, true],
  ])('%s with at most %i levels: %s', (text, max, deeper) => {
    expect(jsonNestsDeeperThan(text, max)).toBe(deeper);
  });

  it('finds a body nested 5,000 deep without recursing', () => {
    expect(jsonNestsDeeperThan(`${'['.repeat(5000)}${']'.repeat(5000)}`, 64)).toBe(true);
  });
});

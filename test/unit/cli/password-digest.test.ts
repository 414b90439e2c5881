import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { passwordDigest, passwordMatches } from '../../../src/cli/edges/password-digest.js';

describe('the password digest --mock keeps for a password-grant user', () => {
  it('is salted: the same password gives two different digests, each matching only that password', async () => {
    const [a, b] = [await passwordDigest('hunter2'), await passwordDigest('hunter2')];
    expect(a).not.toBe(b);
    expect(await passwordMatches(a, 'hunter2')).toEqual({ matches: true, needsUpgrade: false });
    expect(await passwordMatches(b, 'hunter2')).toEqual({ matches: true, needsUpgrade: false });
    expect(await passwordMatches(a, 'hunter3')).toEqual({ matches: false, needsUpgrade: false });
  });

  it('reads the unsalted SHA-256 of earlier versions and asks for an upgrade; a damaged entry matches nothing', async () => {
    const legacy = createHash('sha256').update('hunter2').digest('hex');
    expect(await passwordMatches(legacy, 'hunter2')).toEqual({ matches: true, needsUpgrade: true });
    expect(await passwordMatches(legacy, 'hunter3')).toEqual({ matches: false, needsUpgrade: true });
    expect((await passwordMatches('scrypt$only-salt', 'hunter2')).matches).toBe(false);
  });
});

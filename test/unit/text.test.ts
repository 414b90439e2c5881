import { describe, expect, it } from 'vitest';
import { displayUrl, oneLine } from '../../src/shared/text.js';

describe('displayUrl', () => {
  it.each([
    ['https://provider.example.com/oauth/token?client_secret=s#frag', 'https://provider.example.com/oauth/token'],
    ['https://user:pass@provider.example.com/token', 'https://provider.example.com/token'],
    ['javascript:alert(1)', 'javascript:alert(1)'],
    ['file:///etc/passwd', 'file:///etc/passwd'],
    ['data:text/html,<b>x</b>?q', 'data:text/html,<b>x</b>'],
    ['not a url?x=1', 'not a url'],
  ])('shows %j as %j (no query, no credentials)', (value, shown) => {
    expect(displayUrl(value)).toBe(shown);
  });

  it('cuts a very long value and keeps it on one line', () => {
    const shown = displayUrl(`data:text/plain,${'a'.repeat(10_000)}\nsecond line`);
    expect(shown.length).toBeLessThanOrEqual(201);
    expect(shown).not.toContain('\n');
  });
});

describe('oneLine', () => {
  it('escapes a forged second line into one line', () => {
    expect(oneLine('name\n✔ Saved tokens to testAccounts.x')).toBe('name ✔ Saved tokens to testAccounts.x');
  });
});

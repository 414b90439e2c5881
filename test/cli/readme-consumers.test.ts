import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

describe('README: what a consumer needs', () => {
  it("states the package's engines, one install line, and that examples/connector/ lives in the repository", async () => {
    const readme = await readFile(path.join(root, 'README.md'), 'utf8');
    const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
    expect(pkg.engines.node).toBe('>=22.12');
    expect(readme).toContain('Node >= 22.12');
    expect(readme).not.toMatch(/Node 20 or newer/);
    expect(readme).toContain('npm i -D oauth2-testkit msw@3 nock@15 vitest@5');
    expect(readme).toMatch(/`examples\/connector\/` \(in this repository/);
  });
});

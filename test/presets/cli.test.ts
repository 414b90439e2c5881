/** `integration-cli mock-provider --preset`: the preset's endpoints under the issuer, and an unknown name is a usage error listing the names. */
import { describe, expect, it } from 'vitest';
import { PRESET_NAMES } from '../../src/mock-provider/presets/index.js';
import { runCli, startCli } from '../helpers/cli.js';

describe('integration-cli mock-provider --preset', () => {
  it('serves GitHub at /github.com/login/oauth/access_token under the issuer, with GitHub-shaped errors', async () => {
    const run = startCli(['mock-provider', '--port', '0', '--preset', 'github', '--json', '--quiet']);
    const [, tokenUrl] = await run.waitForStderr(/^ {2}token\s+(\S+)/m);
    const [, userUrl] = await run.waitForStderr(/^ {2}user\s+(\S+)/m);
    await run.waitForStderr(/ready on/);
    try {
      expect(tokenUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/github\.com\/login\/oauth\/access_token$/);
      expect(userUrl).toMatch(/\/api\.github\.com\/user$/);
      const bad = await fetch(tokenUrl as string, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: 'nope',
          client_id: 'mock-client',
          client_secret: 'mock-secret',
          redirect_uri: 'http://127.0.0.1/callback',
        }),
      });
      expect(bad.status).toBe(200);
      expect(await bad.json()).toMatchObject({ error: 'bad_verification_code' });
      expect((await fetch(userUrl as string)).status).toBe(401);
    } finally {
      run.kill('SIGINT');
    }
    const result = await run.done;
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout.split('\n')[0] ?? '')).toMatchObject({ preset: 'github', endpoints: { token: tokenUrl } });
  });

  it('refuses an unknown preset with exit 2 and the list of names', async () => {
    const result = await runCli(['mock-provider', '--port', '0', '--preset', 'gitbub']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`Unknown preset "gitbub". Known presets: ${PRESET_NAMES.join(', ')}.`);
  });
});

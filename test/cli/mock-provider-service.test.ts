/** `integration-cli mock-provider` as a test service: control token, --json, the control API, graceful SIGTERM. */
import { describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.js';

describe('integration-cli mock-provider as a service', () => {
  it('takes its control token from MOCK_PROVIDER_CONTROL_TOKEN, prints it, and finishes a request in flight on SIGTERM', async () => {
    const run = startCli(['mock-provider', '--port', '0', '--json'], { env: { MOCK_PROVIDER_CONTROL_TOKEN: 'ci-control-token' } });
    const [, controlUrl] = await run.waitForStderr(/control API (\S+) token ci-control-token/);
    const [, tokenUrl] = await run.waitForStderr(/tokenUrl\s+(\S+)/);
    await run.waitForStderr(/inspector\s+\S+\?token=ci-control-token/);
    const control = (path: string, init: RequestInit = {}) =>
      fetch(`${controlUrl}${path}`, { ...init, headers: { authorization: 'Bearer ci-control-token', 'content-type': 'application/json' } });
    expect((await fetch(`${controlUrl}health`)).status).toBe(200);
    expect((await fetch(`${controlUrl}requests`)).status).toBe(401);
    expect((await control('fail-next', { method: 'POST', body: JSON.stringify({ endpoint: 'token', fault: { delayMs: 600_000 } }) })).status).toBe(200);
    const inFlight = fetch(tokenUrl ?? '', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    for (let i = 0; i < 1000; i += 1) {
      const { requests } = (await (await control('requests')).json()) as { requests: unknown[] };
      if (requests.length > 0) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    run.kill('SIGTERM');
    const response = await inFlight;
    expect(response.status).toBe(400);
    const result = await run.done;
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/POST \/token 400 \d+ ms/);
    expect(JSON.parse(result.stdout.split('\n')[0] ?? '')).toMatchObject({ controlUrl, controlToken: 'ci-control-token', tokenUrl });
  });

  it('prefers --control-token, draws a random token otherwise, and refuses a token with spaces (exit 2)', async () => {
    const chosen = startCli(['mock-provider', '--port', '0', '--control-token', 'from-flag'], { env: { MOCK_PROVIDER_CONTROL_TOKEN: 'from-env' } });
    const [, chosenControl] = await chosen.waitForStderr(/ready on .* control API (\S+) token from-flag \(/);
    expect((await fetch(`${chosenControl}requests`, { headers: { authorization: 'Bearer from-flag' } })).status).toBe(200);
    chosen.kill('SIGINT');
    const r = await chosen.done;
    expect(r.code, r.stderr).toBe(0);
    const random = startCli(['mock-provider', '--port', '0', '--json'], { env: { MOCK_PROVIDER_CONTROL_TOKEN: undefined } });
    const [, token] = await random.waitForStderr(/ready on .* token (\S+) \(/);
    expect(token).toMatch(/^[\w-]{43}$/);
    random.kill('SIGINT');
    expect(JSON.parse((await random.done).stdout.split('\n')[0] ?? '').controlToken).toBe(token);
    const bad = await runCli(['mock-provider', '--port', '0', '--control-token', 'has space']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--control-token must be 1 to 512 visible ASCII characters');
  });
});

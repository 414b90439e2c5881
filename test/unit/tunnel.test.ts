import { describe, expect, it } from 'vitest';
import { createNgrokTunnel, resolveNgrokOptions } from '../../src/flow/tunnel.js';
import type { NgrokModule } from '../../src/flow/tunnel.js';
import { TestkitError } from '../../src/shared/errors.js';

const AUTHTOKEN = '2abcDEFghiJKLmnoPQRstu_3vwxYZ0123456789abcdef';

function fakeNgrok(behaviour: { url?: string | null; forwardError?: Error; closeError?: Error } = {}) {
  const calls: unknown[] = [];
  let closed = 0;
  const module: NgrokModule = {
    async forward(config) {
      calls.push(config);
      if (behaviour.forwardError) throw behaviour.forwardError;
      return {
        url: () => (behaviour.url === undefined ? 'https://abcd-1-2-3-4.ngrok-free.app' : behaviour.url),
        close: async () => {
          closed++;
          if (behaviour.closeError) throw behaviour.closeError;
        },
      };
    },
  };
  return { calls, closedCount: () => closed, loadNgrok: async () => module };
}

async function failure(promise: Promise<unknown>): Promise<TestkitError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TestkitError);
  return error as TestkitError;
}

describe('resolveNgrokOptions', () => {
  it('reads the authtoken and the optional domain', () => {
    expect(resolveNgrokOptions({ NGROK_AUTHTOKEN: 'tok' })).toEqual({ authtoken: 'tok' });
    expect(resolveNgrokOptions({ NGROK_AUTHTOKEN: 'tok', NGROK_DOMAIN: 'me.ngrok.app' })).toEqual({ authtoken: 'tok', domain: 'me.ngrok.app' });
  });

  it.each([
    ['missing', {}],
    ['empty', { NGROK_AUTHTOKEN: '' }],
    ['blank', { NGROK_AUTHTOKEN: '   ' }],
  ])('fails with TUNNEL_AUTHTOKEN_MISSING when NGROK_AUTHTOKEN is %s, pointing at the dashboard and --no-tunnel', (_label, env) => {
    let caught: unknown;
    try {
      resolveNgrokOptions(env);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'TUNNEL_AUTHTOKEN_MISSING' });
    expect((caught as Error).message).toContain('NGROK_AUTHTOKEN');
    expect((caught as Error).message).toContain('dashboard.ngrok.com');
    expect((caught as Error).message).toContain('--no-tunnel');
  });
});

describe('createNgrokTunnel', () => {
  it('does not load ngrok until a tunnel is opened', () => {
    let loaded = false;
    createNgrokTunnel({ authtoken: AUTHTOKEN, loadNgrok: async () => ((loaded = true), fakeNgrok().loadNgrok()) });
    expect(loaded).toBe(false);
  });

  it('forwards 127.0.0.1:<port> with the authtoken and domain, and reports the public URL', async () => {
    const fake = fakeNgrok({ url: 'https://me.ngrok.app' });
    const tunnel = await createNgrokTunnel({ authtoken: AUTHTOKEN, domain: 'me.ngrok.app', loadNgrok: fake.loadNgrok })(9002);
    expect(fake.calls).toEqual([{ addr: '127.0.0.1:9002', authtoken: AUTHTOKEN, domain: 'me.ngrok.app' }]);
    expect(tunnel.url).toBe('https://me.ngrok.app');
  });

  it('leaves the domain out when none is set', async () => {
    const fake = fakeNgrok();
    await createNgrokTunnel({ authtoken: AUTHTOKEN, loadNgrok: fake.loadNgrok })(4000);
    expect(fake.calls).toEqual([{ addr: '127.0.0.1:4000', authtoken: AUTHTOKEN }]);
  });

  it('closes the ngrok listener on close', async () => {
    const fake = fakeNgrok();
    const tunnel = await createNgrokTunnel({ authtoken: AUTHTOKEN, loadNgrok: fake.loadNgrok })(9002);
    expect(fake.closedCount()).toBe(0);
    await tunnel.close();
    expect(fake.closedCount()).toBe(1);
  });

  it("maps a forward failure to TUNNEL_FAILED with ngrok's message, never the authtoken", async () => {
    const fake = fakeNgrok({ forwardError: new Error(`authentication failed: The authtoken you specified (${AUTHTOKEN}) is invalid. ERR_NGROK_107`) });
    const error = await failure(createNgrokTunnel({ authtoken: AUTHTOKEN, loadNgrok: fake.loadNgrok })(9002));
    expect(error.code).toBe('TUNNEL_FAILED');
    expect(error.message).toContain('ERR_NGROK_107');
    expect(error.message).toContain('127.0.0.1:9002');
    expect(error.message).toContain('NGROK_AUTHTOKEN');
    expect(error.message).not.toContain(AUTHTOKEN);
    expect(error.cause).toBeUndefined();
    expect(JSON.stringify(error.details)).not.toContain(AUTHTOKEN);
  });

  it('maps a failure to load the native module to TUNNEL_FAILED', async () => {
    const error = await failure(
      createNgrokTunnel({ authtoken: AUTHTOKEN, loadNgrok: async () => Promise.reject(new Error('Cannot find module @ngrok/ngrok-linux-x64-gnu')) })(9002),
    );
    expect(error.code).toBe('TUNNEL_FAILED');
    expect(error.message).toContain('ngrok-linux-x64-gnu');
  });

  it('fails with TUNNEL_FAILED and closes the listener when ngrok reports no URL', async () => {
    const fake = fakeNgrok({ url: null });
    const error = await failure(createNgrokTunnel({ authtoken: AUTHTOKEN, loadNgrok: fake.loadNgrok })(9002));
    expect(error.code).toBe('TUNNEL_FAILED');
    expect(fake.closedCount()).toBe(1);
  });

  it('maps a close failure to TUNNEL_FAILED without the authtoken', async () => {
    const fake = fakeNgrok({ closeError: new Error(`session ${AUTHTOKEN} gone`) });
    const tunnel = await createNgrokTunnel({ authtoken: AUTHTOKEN, loadNgrok: fake.loadNgrok })(9002);
    const error = await failure(tunnel.close());
    expect(error.code).toBe('TUNNEL_FAILED');
    expect(error.message).not.toContain(AUTHTOKEN);
  });
});

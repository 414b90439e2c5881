import { DEFAULT_CALLBACK_PORT } from '../shared/defaults.js';
import type { Config as NgrokConfig } from '@ngrok/ngrok';
import { TestkitError } from '../shared/errors.js';

/** A public URL forwarding to the local callback server. */
export interface Tunnel {
  url: string;
  close(): Promise<void>;
}

/** Opens a tunnel to `127.0.0.1:<port>`; injected into the flow (ngrok for real runs, none under --mock). */
export type OpenTunnel = (port: number) => Promise<Tunnel>;

/** The part of `@ngrok/ngrok` the tunnel uses (so tests can inject a fake without network). */
export interface NgrokModule {
  forward(config: NgrokConfig): Promise<{ url(): string | null; close(): Promise<void> }>;
}

export interface NgrokOptions {
  authtoken: string;
  domain?: string;
}

/**
 * Reads the ngrok settings from the environment (`NGROK_AUTHTOKEN`, optional `NGROK_DOMAIN`).
 * The flow calls it before opening anything, so a missing token fails before the browser opens.
 *
 * Throws `TUNNEL_AUTHTOKEN_MISSING` when `NGROK_AUTHTOKEN` is missing or empty.
 *
 * @example
 * const openTunnel = createNgrokTunnel(resolveNgrokOptions(process.env));
 * @see https://ngrok.com/docs/agent/#authtokens
 */
export function resolveNgrokOptions(env: NodeJS.ProcessEnv): NgrokOptions {
  const authtoken = env.NGROK_AUTHTOKEN?.trim();
  if (!authtoken) {
    throw new TestkitError(
      'TUNNEL_AUTHTOKEN_MISSING',
      'NGROK_AUTHTOKEN is not set, so no tunnel can expose the local callback server. ' +
        'Set NGROK_AUTHTOKEN (copy it from https://dashboard.ngrok.com/get-started/your-authtoken), ' +
        `or use --no-tunnel with a loopback --redirect-url such as http://127.0.0.1:${DEFAULT_CALLBACK_PORT}/callback.`,
    );
  }
  const domain = env.NGROK_DOMAIN?.trim();
  return domain ? { authtoken, domain } : { authtoken };
}

/**
 * Creates an {@link OpenTunnel} backed by ngrok. `@ngrok/ngrok` (a native module) is imported only when a
 * tunnel is actually opened, so the CLI starts fast and `--mock`/`--no-tunnel` runs never load it.
 *
 * The returned function throws `TUNNEL_FAILED` with ngrok's message (authtoken stripped) and a hint.
 *
 * @example
 * const tunnel = await createNgrokTunnel({ authtoken })(9002);
 * console.error(tunnel.url); // https://abcd-1-2-3-4.ngrok-free.app
 * await tunnel.close();
 * @see https://ngrok.github.io/ngrok-javascript/functions/forward.html
 */
export function createNgrokTunnel(options: NgrokOptions & { loadNgrok?: () => Promise<NgrokModule> }): OpenTunnel {
  const loadNgrok = options.loadNgrok ?? (async () => (await import('@ngrok/ngrok')) as NgrokModule);
  const scrub = (text: string): string => (options.authtoken.length > 0 ? text.replaceAll(options.authtoken, '***') : text);
  const failed = (what: string, error: unknown, hint: string): TestkitError => {
    const reason = scrub(error instanceof Error ? error.message : String(error));
    // The cause is not chained: ngrok errors can carry the session config, authtoken included.
    return new TestkitError('TUNNEL_FAILED', `${what}: ${reason}. ${hint}`);
  };

  return async (port) => {
    let ngrok: NgrokModule;
    try {
      ngrok = await loadNgrok();
    } catch (error) {
      throw failed(
        'Could not load @ngrok/ngrok',
        error,
        'Reinstall the CLI so its native ngrok binary is present, or use --no-tunnel with a loopback --redirect-url.',
      );
    }
    let listener: Awaited<ReturnType<NgrokModule['forward']>>;
    try {
      listener = await ngrok.forward({
        // An explicit IPv4 address: the callback server binds 127.0.0.1, and "localhost" may resolve to ::1.
        addr: `127.0.0.1:${port}`,
        authtoken: options.authtoken,
        ...(options.domain ? { domain: options.domain } : {}),
      });
    } catch (error) {
      throw failed(
        `Could not open an ngrok tunnel to 127.0.0.1:${port}`,
        error,
        options.domain
          ? `Check that NGROK_AUTHTOKEN is valid and that NGROK_DOMAIN "${options.domain}" belongs to that account.`
          : 'Check that NGROK_AUTHTOKEN is valid and that no other ngrok session of the free plan is running.',
      );
    }
    const url = listener.url();
    if (!url) {
      await listener.close().catch(() => undefined);
      throw new TestkitError('TUNNEL_FAILED', `ngrok opened a tunnel to 127.0.0.1:${port} but reported no public URL. Run the command again.`);
    }
    return {
      url,
      async close() {
        try {
          await listener.close();
        } catch (error) {
          throw failed(`Could not close the ngrok tunnel ${url}`, error, 'It will close when this process exits.');
        }
      },
    };
  };
}

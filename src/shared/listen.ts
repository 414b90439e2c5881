import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TestkitError, type TestkitErrorCode } from './errors.js';

/**
 * Binds `server` to `host:port` and resolves with the port actually bound (port 0 picks a free one).
 *
 * Throws `PORT_IN_USE` on EADDRINUSE and `otherCode` (default `USAGE`) when the address cannot be bound otherwise;
 * `what` names the server and `portHint` says how the user picks another port. The flow's servers and the mock
 * provider's listener share it.
 *
 * @example
 * const port = await listen(server, 0, '127.0.0.1', 'OAuth 2 relay', 'choose another port');
 */
export function listen(server: Server, port: number, host: string, what: string, portHint: string, otherCode: TestkitErrorCode = 'USAGE'): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE') {
        reject(
          new TestkitError('PORT_IN_USE', `Port ${port} on ${host} is already in use, so the ${what} cannot start.`, {
            next: `Free the port (stop the other integration-cli run or program) or ${portHint}.`,
            cause: error,
            details: { port, host, server: what },
          }),
        );
        return;
      }
      reject(
        new TestkitError(otherCode, `The ${what} cannot listen on ${host}:${port} (${error.code ?? error.message}). ${capitalize(portHint)}.`, {
          cause: error,
          details: { port, host },
        }),
      );
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/** The host to put in a URL for a bound address: wildcard and IPv4 loopback show as 127.0.0.1, IPv6 in brackets. */
export function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '127.0.0.1') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

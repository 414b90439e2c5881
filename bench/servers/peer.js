// The peer: axa's oauth2-mock-server, configured the way its README shows (one RS256 key, HTTP on loopback).
// It does not store refresh tokens (any string is accepted), so there is no rotation to switch off.
import { OAuth2Server } from 'oauth2-mock-server';

export async function start() {
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256');
  await server.start(0, '127.0.0.1');
  const base = server.issuer.url;
  return {
    info: { name: 'oauth2-mock-server', authorizationUrl: `${base}/authorize`, tokenUrl: `${base}/token` },
    close: () => server.stop(),
  };
}

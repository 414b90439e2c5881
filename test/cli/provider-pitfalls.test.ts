import { describe, expect, it } from 'vitest';
import { providerPitfalls } from '../../src/cli/edges/provider-pitfalls.js';
import type { OAuth2Settings } from '../../src/flow/types.js';

const base = { clientId: 'id', clientSecret: 'secret' };
const google: OAuth2Settings = {
  ...base,
  authorizationUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
  tokenUrl: 'https://oauth2.googleapis.com/token',
};
const microsoft: OAuth2Settings = {
  ...base,
  authorizationUrl: 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize',
  tokenUrl: 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token',
};

const fixes = (settings: OAuth2Settings) => providerPitfalls(settings).map((pitfall) => [pitfall.provider, pitfall.fix]);

describe('providerPitfalls: the known pitfalls of the provider a config points at', () => {
  it('tells a Google config to add access_type=offline and prompt=consent, and nothing once both are there', () => {
    expect(fixes(google)).toEqual([
      ['google', 'add access_type=offline to the authorizationUrl query'],
      ['google', 'add prompt=consent to the authorizationUrl query'],
    ]);
    expect(fixes({ ...google, authorizationUrl: `${google.authorizationUrl}?access_type=offline&prompt=consent` })).toEqual([]);
  });

  it('tells a templated Microsoft config to add offline_access and to drop a JSON request body', () => {
    expect(fixes({ ...microsoft, requestContentType: 'application/json' })).toEqual([
      ['microsoft', 'add { "name": "offline_access" } to oauth2.scopes'],
      ['microsoft', 'drop "requestContentType": "application/json" from the oauth2 block'],
    ]);
    expect(fixes({ ...microsoft, scopes: [{ name: 'User.Read' }, { name: 'offline_access' }] })).toEqual([]);
  });

  it('covers Atlassian, Dropbox and Salesforce refresh-token triggers, each with a source URL', () => {
    const atlassian = { ...base, authorizationUrl: 'https://auth.atlassian.com/authorize', tokenUrl: 'https://auth.atlassian.com/oauth/token' };
    const dropbox = { ...base, authorizationUrl: 'https://www.dropbox.com/oauth2/authorize', tokenUrl: 'https://api.dropboxapi.com/oauth2/token' };
    const salesforce = {
      ...base,
      authorizationUrl: 'https://login.salesforce.com/services/oauth2/authorize',
      tokenUrl: 'https://login.salesforce.com/services/oauth2/token',
    };
    const found = [atlassian, dropbox, salesforce].flatMap(providerPitfalls);
    expect(found.map((pitfall) => pitfall.provider)).toEqual(['atlassian', 'dropbox', 'salesforce']);
    for (const pitfall of found) expect(pitfall.source).toMatch(/^https:\/\//);
    expect(fixes({ ...atlassian, scopes: [{ name: 'read:jira-work' }, { name: 'offline_access' }] })).toEqual([]);
  });

  it('says nothing for a provider no preset matches', () => {
    expect(providerPitfalls({ ...base, authorizationUrl: 'https://auth.acme.example.com/authorize', tokenUrl: 'https://auth.acme.example.com/token' })).toEqual(
      [],
    );
  });
});

import { describe, expect, it } from 'vitest';
import { TestkitError } from '../../src/shared/errors.js';
import { expandRequestParameters, expandTemplate, templateContext } from '../../src/flow/template.js';
import type { OAuth2Authorization } from '../../src/flow/types.js';

const context = {
  clientId: 'my-client',
  clientSecret: 's3cr3t',
  domain: 'acme',
  query: 'a b&c=d/é',
  accessToken: 'at-9f2c',
  instanceUrl: 'https://jira.acme.example.com/base path',
};
const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

function thrown(fn: () => unknown): TestkitError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TestkitError);
    return error as TestkitError;
  }
  throw new Error('expected a TestkitError, nothing was thrown');
}

describe('expandTemplate', () => {
  it.each<[string, string, boolean, string]>([
    ['returns a string without braces unchanged', 'https://provider.example.com/token', true, 'https://provider.example.com/token'],
    ['inserts a value', 'Bearer {+accessToken}', false, 'Bearer at-9f2c'],
    ['inserts several values', '{+clientId}/{+domain}', false, 'my-client/acme'],
    ['base64-encodes clientId:clientSecret', 'Basic {!base64({+clientId}:{+clientSecret})}', false, `Basic ${b64('my-client:s3cr3t')}`],
    ['base64-encodes literal text with parentheses', '{!base64(f(x) {+domain})}', false, b64('f(x) acme')],
    ['nests base64 calls', '{!base64({!base64({+domain})})}', false, b64(b64('acme'))],
    ['keeps a value raw outside URLs', '{+query}', false, 'a b&c=d/é'],
    ['URL-encodes a value inside a URL', 'https://x.example.com/?q={+query}', true, `https://x.example.com/?q=${encodeURIComponent('a b&c=d/é')}`],
    ['URL-encodes a subdomain value but not the literal URL', 'https://{+domain}.example.com/a?b=c', true, 'https://acme.example.com/a?b=c'],
    [
      'URL-encodes base64 output inside a URL only',
      'https://x.example.com/?h={!base64(??>)}',
      true,
      `https://x.example.com/?h=${encodeURIComponent(b64('??>'))}`,
    ],
    ['does not URL-encode values inside a base64 argument', 'https://x/?h={!base64({+query})}', true, `https://x/?h=${encodeURIComponent(b64('a b&c=d/é'))}`],
    [
      'keeps a base URL at the start of a URL whole (self-hosted providers)',
      '{+instanceUrl}/oauth/token',
      true,
      'https://jira.acme.example.com/base%20path/oauth/token',
    ],
    [
      'encodes a base URL anywhere else in a URL as one component',
      'https://x.example.com/?next={+instanceUrl}',
      true,
      `https://x.example.com/?next=${encodeURIComponent('https://jira.acme.example.com/base path')}`,
    ],
    ['leaves a literal { that starts JSON alone', '{"domain":"{+domain}"}', false, '{"domain":"acme"}'],
    ['leaves { followed by another character alone', 'a{b}c{ +x}', false, 'a{b}c{ +x}'],
  ])('%s', (_case, template, url, expected) => {
    expect(expandTemplate(template, context, { url, where: 'here' })).toBe(expected);
  });

  it('names a missing variable, where it was used and the known names, without leaking values', () => {
    const error = thrown(() => expandTemplate('https://{+tenant}.example.com', context, { url: true, where: 'authorizations[0].oauth2.tokenUrl' }));
    expect(error.code).toBe('TEMPLATE_VARIABLE_MISSING');
    expect(error.message).toContain('"tenant"');
    expect(error.message).toContain('authorizations[0].oauth2.tokenUrl');
    expect(error.message).toContain('accessToken, clientId, clientSecret, domain, instanceUrl, query');
    for (const value of Object.values(context)) expect(error.message).not.toContain(value);
    expect(JSON.stringify(error.details)).not.toContain('s3cr3t');
    expect(error.details).toMatchObject({ variable: 'tenant', where: 'authorizations[0].oauth2.tokenUrl' });
  });

  it('treats an inherited property name as missing', () => {
    expect(thrown(() => expandTemplate('{+constructor}', context, { where: 'x' })).code).toBe('TEMPLATE_VARIABLE_MISSING');
  });

  it.each([
    ['an unclosed variable', 'Bearer {+accessToken', 'not closed with "}"'],
    ['an empty variable name', 'Bearer {+}', 'is not valid'],
    ['a variable name with a space', '{+client Id}', 'is not valid'],
    ['an unknown function', '{!md5({+clientId})}', 'unknown function "md5"'],
    ['a function without parentheses', '{!base64}', 'must be followed by a function call'],
    ['an unclosed function call', '{!base64({+clientId}', 'not closed with ")}"'],
  ])('rejects %s as TEMPLATE_INVALID naming where', (_case, template, problem) => {
    const error = thrown(() => expandTemplate(template, context, { where: 'authorizations[0].oauth2.authorizationUrl' }));
    expect(error.code).toBe('TEMPLATE_INVALID');
    expect(error.message).toContain('authorizations[0].oauth2.authorizationUrl');
    expect(error.message).toContain(problem);
  });
});

describe('templateContext', () => {
  const authorization: OAuth2Authorization = {
    name: 'oauth2',
    method: 'oauth2',
    variables: { region: 'eu', domain: 'default-domain', apiKey: { type: 'string', required: true } },
    oauth2: { clientId: 'id', clientSecret: 'secret', authorizationUrl: 'https://a', tokenUrl: 'https://t' },
  };

  it('combines scalar variables, scalar account values and the client credentials', () => {
    const account = { domain: 'acme', port: 8443, sandbox: true, accessToken: 'tok', nested: { a: 1 }, nothing: null, clientId: 'other' };
    expect(templateContext(authorization, account)).toEqual({
      region: 'eu',
      domain: 'acme',
      port: '8443',
      sandbox: 'true',
      accessToken: 'tok',
      clientId: 'id',
      clientSecret: 'secret',
    });
  });

  it('works without a test account', () => {
    expect(templateContext(authorization)).toEqual({ region: 'eu', domain: 'default-domain', clientId: 'id', clientSecret: 'secret' });
  });
});

describe('expandRequestParameters', () => {
  it('expands headers and string body values raw and keeps numbers and booleans', () => {
    const result = expandRequestParameters(
      {
        header: { Authorization: 'Basic {!base64({+clientId}:{+clientSecret})}', 'X-Query': '{+query}' },
        body: { audience: 'https://{+domain}.example.com/api', limit: 10, offline: false },
      },
      context,
      'authorizations[0].oauth2.tokenRequestParameters',
    );
    expect(result).toEqual({
      headers: { Authorization: `Basic ${b64('my-client:s3cr3t')}`, 'X-Query': 'a b&c=d/é' },
      body: { audience: 'https://acme.example.com/api', limit: 10, offline: false },
    });
  });

  it('returns empty headers and body when there are no parameters', () => {
    expect(expandRequestParameters(undefined, context, 'x')).toEqual({ headers: {}, body: {} });
  });

  it('labels a missing variable with the header name', () => {
    const error = thrown(() => expandRequestParameters({ header: { 'X-Api-Key': '{+apiKey}' } }, context, 'authorizations[0].oauth2.refreshRequestParameters'));
    expect(error.message).toContain('authorizations[0].oauth2.refreshRequestParameters.header["X-Api-Key"]');
  });

  it('rejects a body value that is an object', () => {
    const error = thrown(() => expandRequestParameters({ body: { nested: { a: 1 } } }, context, 'p'));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('p.body.nested');
  });
});

describe('template bounds', () => {
  it.each([[70], [20_000]])('refuses {!base64( nested %i deep with TEMPLATE_INVALID and the location, at once', (depth) => {
    const template = `${'{!base64('.repeat(depth)}{+clientId}${')}'.repeat(depth)}`;
    const error = thrown(() => expandTemplate(template, context, { where: 'authorizations[0].oauth2.tokenRequestParameters.header.Authorization' }));
    expect(error.code).toBe('TEMPLATE_INVALID');
    expect(error.message).toContain('authorizations[0].oauth2.tokenRequestParameters.header.Authorization');
    expect(error.message).toContain('nested more than 8 deep at character 73');
  });

  it('still expands functions nested eight deep', () => {
    const template = `${'{!base64('.repeat(8)}x${')}'.repeat(8)}`;
    let expected = 'x';
    for (let i = 0; i < 8; i++) expected = b64(expected);
    expect(expandTemplate(template, context, { where: 'w' })).toBe(expected);
  });

  it('refuses a template that expands past 64 KiB', () => {
    const big = { ...context, blob: 'x'.repeat(40 * 1024) };
    const error = thrown(() => expandTemplate('{+blob}{+blob}', big, { where: 'w' }));
    expect(error.message).toContain('expands to more than 64 KiB');
  });
});

describe('a missing template variable', () => {
  it('names the real test account, never a literal <name>', () => {
    let caught: unknown;
    try {
      expandTemplate('https://{+domain}.example.com', {}, { url: true, where: 'authorizations[0].oauth2.tokenUrl', account: 'mock' });
    } catch (error) {
      caught = error;
    }
    expect((caught as Error).message).toContain('Add "domain" to testAccounts.mock');
    expect((caught as Error).message).not.toContain('<name>');
  });
});

/**
 * A generated corpus of malformed and hostile `.unito.json` files, derived from a valid one: truncations, broken
 * bytes, wrong types at every oauth2 key, odd test-account shapes, deep nesting, prototype keys, duplicate keys and
 * malformed UTF-8. Each case says whether the flow must refuse it or may accept it; either way it must end in a
 * TestkitError with a bounded message, never a crash. The client secret is a marker no message may contain.
 */
export interface HostileConfig {
  name: string;
  text: string | Buffer;
  /** 'refused': loading, selecting or reading the account must throw; 'either': any clean outcome. */
  expect: 'refused' | 'either';
  account?: string;
}

export const SECRET_MARKER = 'A-SECRET-104-zq9';

const OAUTH2_KEYS = [
  'clientId',
  'clientSecret',
  'authorizationUrl',
  'tokenUrl',
  'scopes',
  'grantType',
  'requestContentType',
  'tokenRequestParameters',
  'refreshRequestParameters',
];
const WRONG_VALUES: Array<[string, unknown]> = [
  ['null', null],
  ['number', 42],
  ['boolean', true],
  ['array', []],
  ['object', {}],
  ['empty string', ''],
];

export function hostileConfigs(base: Record<string, unknown>): HostileConfig[] {
  const valid = structuredClone(base) as { authorizations: Array<{ oauth2?: Record<string, unknown> }>; testAccounts?: unknown };
  (valid.authorizations[0]?.oauth2 as Record<string, unknown>).clientSecret = SECRET_MARKER;
  const text = JSON.stringify(valid, null, 2);
  const cases: HostileConfig[] = [];
  const add = (name: string, body: string | Buffer, expect: HostileConfig['expect'] = 'refused', account?: string): void => {
    cases.push({ name, text: body, expect, ...(account === undefined ? {} : { account }) });
  };
  const variant = (mutate: (config: typeof valid) => void): string => {
    const copy = structuredClone(valid);
    mutate(copy);
    return JSON.stringify(copy, null, 2);
  };

  for (let i = 1; i <= 20; i++) add(`truncated at ${i * 5}%`, text.slice(0, Math.floor((text.length * i * 5) / 100) - (i === 20 ? 1 : 0)));
  for (const [name, body] of [
    ['empty file', ''],
    ['whitespace only', ' \n\t '],
    ['null', 'null'],
    ['a number', '42'],
    ['a string', '"config"'],
    ['an array', '[]'],
    ['BOM before the object', `\uFEFF${text}`],
    ['line comment', text.replace('{', '{ // comment')],
    ['block comment', text.replace('{', '{ /* comment */')],
    ['trailing comma', text.replace(/\n}$/, ',\n}')],
    ['single quotes', text.replace('"name"', "'name'")],
    ['unquoted key', text.replace('"name"', 'name')],
    ['NaN value', text.replace('"Acme Tasks"', 'NaN')],
    ['raw control character in a string', text.replace('Acme Tasks', 'Acme\u0001Tasks')],
    ['bad escape', text.replace('Acme Tasks', 'Acme \\q Tasks')],
    ['two top-level values', `${text}\n{}`],
  ] as const) {
    add(name, body);
  }

  for (const key of OAUTH2_KEYS) {
    for (const [label, value] of WRONG_VALUES) {
      const required = ['clientId', 'clientSecret', 'authorizationUrl', 'tokenUrl'].includes(key);
      const expect = required || label === 'null' || label === 'number' || label === 'boolean' ? 'refused' : 'either';
      add(
        `oauth2.${key} as ${label}`,
        variant((c) => {
          (c.authorizations[0]?.oauth2 as Record<string, unknown>)[key] = value;
        }),
        expect,
      );
    }
  }
  add(
    'oauth2 block missing',
    variant((c) => void delete c.authorizations[0]?.oauth2),
  );
  add(
    'oauth2 block as a string',
    variant((c) => {
      (c.authorizations[0] as Record<string, unknown>).oauth2 = 'oauth2';
    }),
  );
  add(
    'authorizations as an object',
    variant((c) => {
      (c as Record<string, unknown>).authorizations = {};
    }),
  );
  add(
    'authorizations as null',
    variant((c) => {
      (c as Record<string, unknown>).authorizations = null;
    }),
  );
  add(
    'a scope without name',
    variant((c) => {
      (c.authorizations[0]?.oauth2 as Record<string, unknown>).scopes = [{ help: 'x' }];
    }),
  );
  add(
    'a scope with a numeric name',
    variant((c) => {
      (c.authorizations[0]?.oauth2 as Record<string, unknown>).scopes = [{ name: 7 }];
    }),
  );
  add(
    'an unknown grant type',
    variant((c) => {
      (c.authorizations[0]?.oauth2 as Record<string, unknown>).grantType = 'implicit';
    }),
    'either',
  );
  add(
    'a header value that is a number',
    variant((c) => {
      (c.authorizations[0]?.oauth2 as Record<string, unknown>).tokenRequestParameters = { header: { 'X-N': 1 } };
    }),
  );

  for (const [label, value] of [
    ['an array', []],
    ['a string', 'dev'],
    ['null', null],
    ['a number', 1],
  ] as const) {
    add(
      `testAccounts as ${label}`,
      variant((c) => {
        c.testAccounts = value;
      }),
    );
    add(
      `the development account as ${label}`,
      variant((c) => {
        c.testAccounts = { development: value };
      }),
    );
  }
  add('an account named "constructor"', text, 'either', 'constructor');
  add('an account named "__proto__"', text, 'refused', '__proto__');
  add('an account name with a newline', text, 'refused', 'dev\nelopment');

  for (const depth of [MAX_DEPTH_PLUS_ONE, 1000, 100_000]) {
    add(`arrays ${depth} deep at the top level`, text.replace(/\n}$/, `,\n"deep": ${'['.repeat(depth)}${']'.repeat(depth)}\n}`));
    add(`objects ${depth} deep in a test account`, text.replace('"accountLabel"', `"deep": ${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}, "accountLabel"`));
  }
  add('unbalanced brackets deep', `{"a": ${'['.repeat(5000)}`);
  add('brackets inside strings are not nesting', text.replace('Acme Tasks', '[[[[{{{{'.repeat(100)), 'either');

  add('"__proto__" in an authorization', text.replace('"name": "oauth2-development"', '"__proto__": {"method": "oauth2"}, "name": "oauth2-development"'));
  add('"__proto__" in oauth2', text.replace('"clientId"', '"__proto__": {"x": 1}, "clientId"'));
  add('"__proto__" in testAccounts', text.replace('"development": {', '"__proto__": {}, "development": {'));
  add('"__proto__" at the top level', text.replace('"name": "acme-tasks"', '"__proto__": {"testAccounts": {}}, "name": "acme-tasks"'));
  add('"__proto__" as an escaped key', text.replace('"name": "acme-tasks"', '"\\u005f_proto__": {}, "name": "acme-tasks"'));
  add('duplicate "testAccounts"', text.replace(/\n}$/, ',\n"testAccounts": {}\n}'));
  add('duplicate account', text.replace('"development": {', '"development": {}, "development": {'));
  add('duplicate clientId', text.replace('"clientId"', '"clientId": "other", "clientId"'));
  add('duplicate "authorizations"', text.replace(/\n}$/, ',\n"authorizations": []\n}'));
  add('duplicate keys in an unrelated block', text.replace('"logo"', '"logo": "a", "logo"'), 'either');

  const bytes = Buffer.from(text);
  const at = bytes.indexOf('Acme Tasks');
  for (const [label, bad] of [
    ['a lone continuation byte', [0x80]],
    ['an overlong "/"', [0xc0, 0xaf]],
    ['a UTF-16 surrogate', [0xed, 0xa0, 0x80]],
    ['a truncated sequence', [0xe2, 0x82]],
    ['a byte over F4', [0xf5, 0x80, 0x80, 0x80]],
    ['Latin-1 é', [0xe9]],
  ] as const) {
    add(`${label} in a string`, Buffer.concat([bytes.subarray(0, at), Buffer.from(bad), bytes.subarray(at)]));
  }
  add('a NUL byte outside strings', Buffer.concat([bytes.subarray(0, 1), Buffer.from([0]), bytes.subarray(1)]));
  return cases;
}

const MAX_DEPTH_PLUS_ONE = 65;

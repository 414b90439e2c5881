/**
 * The published package, as a consumer gets it: `npm pack` of the dist/ the suite built (a clean build: `npm run build` empties dist/ first), installed into throw-away
 * projects. Slow (builds, installs from the npm cache): 30 s to a minute.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const SLOW = 180_000;
// npm and node from the pinned toolchain: `process.execPath` is the Node 22 running this test.
const env = { ...process.env, PATH: `${resolve(process.execPath, '..')}:${process.env.PATH ?? ''}`, npm_config_update_notifier: 'false' };

let work: string;
let tarball: string;

async function npm(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await run('npm', args, { cwd, env, maxBuffer: 32 * 1024 * 1024 });
  return stdout;
}

async function node(cwd: string, script: string): Promise<{ stdout: string; stderr: string }> {
  await writeFile(join(cwd, 'script.mjs'), script);
  return run(process.execPath, ['script.mjs'], { cwd, env, timeout: 60_000 });
}

async function project(name: string, dependencies: string[]): Promise<string> {
  const dir = join(work, name);
  await run('mkdir', ['-p', dir]);
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }));
  await npm(dir, ['install', tarball, ...dependencies, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error']);
  return dir;
}

/** Imports `specifier` with a resolve hook that lists every package it pulls in (first path segment(s) of bare specifiers). */
const IMPORT_SPY = (specifier: string): string => `
import { registerHooks } from 'node:module';
const seen = new Set();
registerHooks({ resolve(spec, context, next) {
  if (!spec.startsWith('.') && !spec.startsWith('/') && !spec.startsWith('node:') && !spec.startsWith('file:') && !spec.startsWith('#')) {
    const parts = spec.split('/');
    seen.add(spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]);
  }
  return next(spec, context);
} });
await import(${JSON.stringify(specifier)});
console.log(JSON.stringify([...seen].sort()));
`;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'oauth2-testkit-pack-'));
  // The suite built dist/ before it started (npm run test:slow); prepack's clean rebuild would pull it from under
  // the other files running now.
  await npm(ROOT, ['pack', '--ignore-scripts', '--pack-destination', work, '--loglevel=error']);
  const file = (await readdir(work)).find((entry) => entry.endsWith('.tgz'));
  if (file === undefined) throw new Error('npm pack produced no tarball');
  tarball = join(work, file);
}, SLOW);

afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('packaging (slow: npm pack + npm install)', () => {
  let fullConsumer: Promise<string>;
  beforeAll(async () => {
    fullConsumer = project('consumer-full', ['msw@3', 'nock@15', 'vitest@5', 'typescript@5.9', '@types/node@22']);
    const dir = await fullConsumer;
    await writeFile(
      join(dir, 'index.ts'),
      [
        "import * as root from 'oauth2-testkit';",
        "import { createMockProvider, startMockProvider, type MockProvider } from 'oauth2-testkit/mock-provider';",
        "import { mockProviderHandlers, withBearer } from 'oauth2-testkit/msw';",
        "import { interceptMockProvider, withBearer as nockWithBearer } from 'oauth2-testkit/nock';",
        "import { test, mockProviderFixtures, type MockProviderFixtures } from 'oauth2-testkit/vitest';",
        'export const surface = [root, createMockProvider, startMockProvider, mockProviderHandlers, withBearer, interceptMockProvider, nockWithBearer, test, mockProviderFixtures];',
        'export type Surface = [MockProvider, MockProviderFixtures];',
      ].join('\n'),
    );
  }, SLOW);

  // Issue 15: a stack trace through a source map must name a file the package ships.
  it(
    'ships the sources every source map names, and a map for every script',
    async () => {
      const { stdout } = await run('tar', ['-tzf', tarball], { maxBuffer: 32 * 1024 * 1024 });
      const shipped = new Set(stdout.split('\n').filter((entry) => entry !== '' && !entry.endsWith('/')));
      const maps = [...shipped].filter((entry) => entry.endsWith('.map'));
      expect(maps.length).toBeGreaterThan(0);
      for (const script of [...shipped].filter((entry) => entry.endsWith('.js'))) expect(shipped, script).toContain(`${script}.map`);
      const unresolved: string[] = [];
      for (const map of maps) {
        const { stdout: text } = await run('tar', ['-xzOf', tarball, map], { maxBuffer: 32 * 1024 * 1024 });
        const { sources, sourceRoot = '' } = JSON.parse(text) as { sources: string[]; sourceRoot?: string };
        for (const source of sources) {
          const target = posix.normalize(posix.join(posix.dirname(map), sourceRoot, source));
          if (!shipped.has(target)) unresolved.push(`${map} → ${target}`);
        }
      }
      expect(unresolved).toEqual([]);
    },
    SLOW,
  );

  it(
    "points a consumer's stack trace (node --enable-source-maps) at files inside the installed package",
    async () => {
      const dir = await fullConsumer;
      await writeFile(
        join(dir, 'throws.mjs'),
        "import { createMockProvider } from 'oauth2-testkit/mock-provider';\nawait createMockProvider({ accessTokenTtl: -1 });\n",
      );
      const failure = await run(process.execPath, ['--enable-source-maps', 'throws.mjs'], { cwd: dir, env }).then(
        () => undefined,
        (error: { stderr: string }) => error,
      );
      const frames = [...(failure?.stderr ?? '').matchAll(/\((\/[^():]+node_modules\/oauth2-testkit\/[^():]+):\d+:\d+\)/g)].map((match) => match[1]!);
      expect(failure?.stderr).toContain('MockProviderOptionsError');
      expect(frames.length).toBeGreaterThan(0);
      expect(frames.some((frame) => frame.endsWith('.ts'))).toBe(true);
      for (const frame of frames) await expect(stat(frame), frame).resolves.toBeDefined();
    },
    SLOW,
  );

  async function typecheck(skipLibCheck: boolean): Promise<string> {
    const dir = await fullConsumer;
    await writeFile(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2023', strict: true, noEmit: true, skipLibCheck, types: ['node'] },
        include: ['index.ts'],
      }),
    );
    return run(process.execPath, [join(dir, 'node_modules/typescript/bin/tsc'), '-p', dir], { cwd: dir, env }).then(
      () => '',
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
  }

  it(
    'type-checks every subpath export in a strict NodeNext consumer with the optional peers installed (skipLibCheck)',
    async () => {
      expect(await typecheck(true)).toBe('');
    },
    SLOW,
  );

  // The public declarations must not lean on typings oidc-provider does not ship (the engine is typed structurally).
  it(
    'type-checks the published declarations themselves (no skipLibCheck)',
    async () => {
      expect(await typecheck(false)).toBe('');
    },
    SLOW,
  );

  it(
    'runs the published fixtures under vitest, loading neither msw nor nock for mockProvider and tokens',
    async () => {
      const dir = await fullConsumer;
      // Every node process (vitest and its workers) records the packages whose files it loads into spy-<pid>.txt.
      await writeFile(
        join(dir, 'spy.mjs'),
        `
      import { registerHooks } from 'node:module';
      import { appendFileSync } from 'node:fs';
      const seen = new Set();
      const out = new URL('./spy-' + process.pid + '.txt', import.meta.url);
      registerHooks({ load(url, context, next) {
        const name = /\\/node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(url)?.[1];
        if (name !== undefined && !seen.has(name)) {
          seen.add(name);
          appendFileSync(out, name + '\\n');
        }
        return next(url, context);
      } });
    `,
      );
      await writeFile(
        join(dir, 'consumer.test.ts'),
        [
          "import { test } from 'oauth2-testkit/vitest';",
          "test('gets a token the provider accepts', async ({ mockProvider, tokens, expect }) => {",
          // biome-ignore lint/suspicious/noTemplateCurlyInString: this is the source of a test file, template literal included.
          '  const me = await fetch(mockProvider.resourceUrl, { headers: { authorization: `Bearer ${tokens.access_token}` } });',
          '  expect(me.status).toBe(200);',
          '});',
        ].join('\n'),
      );
      await run(process.execPath, [join(dir, 'node_modules/vitest/vitest.mjs'), 'run', 'consumer.test.ts'], {
        cwd: dir,
        env: { ...env, NODE_OPTIONS: `--import=${join(dir, 'spy.mjs')}` },
        timeout: 120_000,
      });
      const seen = new Set<string>();
      for (const file of (await readdir(dir)).filter((entry) => entry.startsWith('spy-'))) {
        for (const name of (await readFile(join(dir, file), 'utf8')).split('\n')) if (name !== '') seen.add(name);
      }
      expect(seen).toContain('oauth2-testkit');
      expect(seen).toContain('vitest');
      expect(seen).not.toContain('msw');
      expect(seen).not.toContain('nock');
    },
    SLOW,
  );

  it(
    'loads none of msw, nock or vitest when importing the root or mock-provider exports',
    async () => {
      const dir = await fullConsumer;
      for (const specifier of ['oauth2-testkit', 'oauth2-testkit/mock-provider']) {
        const imports = JSON.parse((await node(dir, IMPORT_SPY(specifier))).stdout) as string[];
        expect(imports).toContain('oauth2-testkit');
        expect(imports).toEqual(expect.not.arrayContaining(['msw', 'nock', 'vitest']));
      }
    },
    SLOW,
  );

  it(
    'runs the root and mock-provider exports without msw, nock or vitest installed',
    async () => {
      const dir = await project('consumer-bare', []);
      const { stdout } = await node(
        dir,
        `
      import * as root from 'oauth2-testkit';
      import { startMockProvider } from 'oauth2-testkit/mock-provider';
      const provider = await startMockProvider();
      try {
        const tokens = await provider.getTokens();
        const me = await fetch(provider.resourceUrl, { headers: { authorization: 'Bearer ' + tokens.access_token } });
        console.log(JSON.stringify({ rootExports: Object.keys(root).length, issuer: provider.issuer, status: me.status, tokenType: tokens.token_type }));
      } finally {
        await provider.close();
      }
    `,
      );
      const result = JSON.parse(stdout) as { rootExports: number; issuer: string; status: number; tokenType: string };
      expect(result).toMatchObject({ status: 200, tokenType: 'Bearer' });
      expect(result.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(result.rootExports).toBeGreaterThan(0);
      await expect(node(dir, "await import('oauth2-testkit/msw');")).rejects.toThrow(/Cannot find package 'msw'/);
    },
    SLOW,
  );
});

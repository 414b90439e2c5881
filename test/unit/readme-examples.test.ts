/**
 * Issue 15: every TypeScript example in the README is a file under examples/readme/ that the fast suite runs (vitest's
 * `include`) and `npm run typecheck` checks (tsconfig's `include`), importing `oauth2-testkit/...` as a consumer does
 * (the package's `exports`, resolved to dist/ by its own name). The README shows each file whole, byte for byte, after
 * a marker line `<!-- example: examples/readme/<file> -->`.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import vitestConfig from '../../vitest.config.js';

const root = path.resolve(import.meta.dirname, '../..');
const EXAMPLES = 'examples/readme';

interface ReadmeExample {
  /** The path named by the marker, or undefined for a TypeScript block without one. */
  file: string | undefined;
  /** 1-based line of the opening fence. */
  line: number;
  body: string;
}

/** Every fenced TypeScript block of `markdown`, with the example file named by the marker line just above it. */
function readmeExamples(markdown: string): ReadmeExample[] {
  const lines = markdown.split('\n');
  const examples: ReadmeExample[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const fence = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/.exec(lines[i]!);
    if (fence === null) continue;
    const [, indent, marks, lang] = fence;
    let end = i + 1;
    while (end < lines.length && !lines[end]!.startsWith(`${indent}${marks}`)) end += 1;
    if (['ts', 'typescript', 'tsx', 'mts'].includes(lang!.toLowerCase())) {
      let above = i - 1;
      while (above >= 0 && lines[above]!.trim() === '') above -= 1;
      const marker = above >= 0 ? /^<!-- example: (\S+) -->$/.exec(lines[above]!.trim()) : null;
      examples.push({ file: marker?.[1], line: i + 1, body: `${lines.slice(i + 1, end).join('\n')}\n` });
    }
    i = end;
  }
  return examples;
}

describe('readmeExamples', () => {
  it('finds each TypeScript block with its marker, and a block without one', () => {
    const markdown = [
      '<!-- example: examples/readme/a.test.ts -->',
      '',
      '```ts',
      'const a = 1;',
      '```',
      '```sh',
      'npm test',
      '```',
      '```typescript',
      'const b = 2;',
      '```',
    ].join('\n');
    expect(readmeExamples(markdown)).toEqual([
      { file: 'examples/readme/a.test.ts', line: 3, body: 'const a = 1;\n' },
      { file: undefined, line: 9, body: 'const b = 2;\n' },
    ]);
  });
});

describe('README examples', async () => {
  const readme = await readFile(path.join(root, 'README.md'), 'utf8');
  const examples = readmeExamples(readme);
  const files = (await readdir(path.join(root, EXAMPLES))).map((name) => `${EXAMPLES}/${name}`).sort();

  it('names an example file above every TypeScript block', () => {
    expect(examples.length).toBeGreaterThan(0);
    expect(examples.filter((example) => example.file === undefined).map((example) => `README.md:${example.line}`)).toEqual([]);
  });

  it.each(examples.filter((example) => example.file !== undefined).map((example) => [example.file!, example] as const))(
    'shows %s byte for byte',
    async (file, example) => {
      expect(file.startsWith(`${EXAMPLES}/`), `README.md:${example.line} names ${file}, outside ${EXAMPLES}/`).toBe(true);
      expect(example.body, `README.md:${example.line} differs from ${file}: copy the file into the README`).toBe(await readFile(path.join(root, file), 'utf8'));
    },
  );

  it(`shows every file of ${EXAMPLES}/, each once`, () => {
    expect(examples.map((example) => example.file).sort()).toEqual(files);
  });

  it('runs every example in the fast suite and type-checks it in npm run typecheck', async () => {
    for (const file of files) expect(file).toMatch(/\.test\.ts$/);
    expect(vitestConfig.test?.include).toContain('examples/**/*.test.ts');
    const tsconfig = JSON.parse(await readFile(path.join(root, 'tsconfig.json'), 'utf8')) as { include: string[] };
    expect(tsconfig.include).toContain('examples');
    const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    // The examples import the package by its own name, whose types are dist/'s: typecheck builds first, as test does.
    expect(pkg.scripts.pretypecheck).toBe('npm run build');
    expect(pkg.scripts.pretest).toBe('npm run build');
  });

  it('imports the package the way a consumer does, never its sources', async () => {
    for (const file of files) {
      const text = await readFile(path.join(root, file), 'utf8');
      expect(text, file).toMatch(/from 'oauth2-testkit(\/[a-z-]+)?'/);
      expect(text, file).not.toMatch(/from '\.\.?\//);
    }
  });
});

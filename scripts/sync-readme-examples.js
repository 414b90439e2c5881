// Rewrites each README block that follows `<!-- example: path -->` with that file's content (the readme-examples
// test holds them equal byte for byte; run this after editing an example).
import { readFileSync, writeFileSync } from 'node:fs';

const readme = readFileSync('README.md', 'utf8');
const synced = readme.replace(
  /<!-- example: (\S+) -->\n\n```ts\n[\s\S]*?```\n/g,
  (_, path) => `<!-- example: ${path} -->\n\n\`\`\`ts\n${readFileSync(path, 'utf8')}\`\`\`\n`,
);
writeFileSync('README.md', synced);

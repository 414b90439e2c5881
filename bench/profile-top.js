#!/usr/bin/env node
// Reads a V8 .cpuprofile (from `npm run bench -- --cpu-prof --only <case>`), busy time only (idle excluded):
//   node bench/profile-top.js <file> [count]              top self-time frames
//   node bench/profile-top.js <file> [count] --by-package self time grouped by package / our dist file
//   node bench/profile-top.js <file> [count] --inclusive <regex>  inclusive (self + callees) time of matching functions
// Used to explain a missed target (see BENCHMARKS.md).
import { readFileSync } from 'node:fs';

const [file, rawCount = '25', mode, pattern] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const self = new Map();
for (let i = 0; i < profile.samples.length; i += 1) {
  self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
const isIdle = (node) => node.callFrame.functionName === '(idle)';
let busy = 0;
for (const [id, time] of self) if (!isIdle(byId.get(id))) busy += time;

const where = (url) => {
  if (!url) return '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm !== -1) {
    const rest = url.slice(nm + 13).split('/');
    return rest.slice(0, rest[0].startsWith('@') ? 2 : 1).join('/');
  }
  if (url.includes('/dist/')) return `ours:${url.slice(url.indexOf('/dist/') + 6)}`;
  if (url.includes('/bench/')) return `bench:${url.slice(url.indexOf('/bench/') + 7)}`;
  return url.startsWith('node:') ? url : url.split('/').slice(-2).join('/');
};
const label = (frame) => `${frame.functionName || '(anonymous)'}  ${where(frame.url)}:${frame.lineNumber + 1}`;

const buckets = new Map();
if (mode === '--inclusive') {
  const re = new RegExp(pattern);
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  for (const [id, time] of self) {
    if (isIdle(byId.get(id))) continue;
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const key = label(byId.get(at).callFrame);
      if (re.test(key) && !seen.has(key)) {
        seen.add(key);
        buckets.set(key, (buckets.get(key) ?? 0) + time);
      }
    }
  }
} else {
  for (const [id, time] of self) {
    const node = byId.get(id);
    if (isIdle(node)) continue;
    const key = mode === '--by-package' ? where(node.callFrame.url) : label(node.callFrame);
    buckets.set(key, (buckets.get(key) ?? 0) + time);
  }
}
console.log(`${file}: ${(busy / 1000).toFixed(0)} ms busy (idle excluded)`);
for (const [key, time] of [...buckets].sort((a, b) => b[1] - a[1]).slice(0, Number(rawCount))) {
  console.log(`${((time / busy) * 100).toFixed(1).padStart(5)}%  ${(time / 1000).toFixed(0).padStart(6)} ms  ${key}`);
}

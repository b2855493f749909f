/**
 * Links in the README and docs/ resolve: every relative link names a file or folder of the
 * repository, and every #anchor a heading of the page it points to (GitHub's slugs).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const pages = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** GitHub's heading anchor: lower case, punctuation dropped, spaces → '-'. */
export function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[`*_]/g, '').replace(/[^\p{L}\p{N}\s-]/gu, '').replace(/\s/g, '-');
}

function anchors(markdown: string): Set<string> {
  const text = markdown.replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => slug(m[1])));
}

/** [text](target) and <img src="target"> outside code blocks, with their line numbers. */
export function links(markdown: string): { target: string; line: number }[] {
  const out: { target: string; line: number }[] = [];
  let inCode = false;
  markdown.split('\n').forEach((l, i) => {
    if (l.startsWith('```')) inCode = !inCode;
    if (inCode) return;
    const plain = l.replace(/`[^`]*`/g, '');
    for (const m of plain.matchAll(/\]\(([^)\s]+)\)/g)) out.push({ target: m[1], line: i + 1 });
    for (const m of plain.matchAll(/<img [^>]*src="([^"]+)"/g)) out.push({ target: m[1], line: i + 1 });
  });
  return out;
}

describe('documentation links', () => {
  it('finds links and anchors as GitHub renders them', () => {
    expect(slug('Results (measured here, 2026-11-24 — runs on a 2-core CPU)')).toBe('results-measured-here-2026-11-24--runs-on-a-2-core-cpu');
    expect(slug('The `webgan` command line')).toBe('the-webgan-command-line');
    expect(links('see [a](x.md#y) and `[b](no)`\n```\n[c](no)\n```\n<img src="p.png" width="3">')).toEqual([{ target: 'x.md#y', line: 1 }, { target: 'p.png', line: 5 }]);
  });

  for (const page of pages) {
    it(`${page}: every relative link and anchor resolves`, () => {
      const text = readFileSync(join(root, page), 'utf8');
      const broken: string[] = [];
      for (const { target, line } of links(text)) {
        if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
        const [path, anchor] = target.split('#');
        const file = path ? resolve(dirname(join(root, page)), decodeURIComponent(path)) : join(root, page);
        if (!file.startsWith(root) || !existsSync(file)) { broken.push(`${page}:${line}: ${target} (no such file)`); continue; }
        if (anchor && statSync(file).isFile() && file.endsWith('.md') && !anchors(readFileSync(file, 'utf8')).has(anchor)) {
          broken.push(`${page}:${line}: ${target} (no heading #${anchor})`);
        }
      }
      expect(broken).toEqual([]);
    });
  }
});

/**
 * Reads the examples out of README.md, so that every example the README shows is run by the suite
 * (test/readme/readme-examples.test.ts) and a new one is tested the day it is written:
 * - every fenced `graphql` block is a GraphQL example; a fenced `json` block that follows it with only
 *   prose in between is the output it shows;
 * - every `npx serviceatlas …` line of a fenced `sh` block is a CLI example (`\` continuations joined,
 *   the trailing `# comment` dropped); the `#   …` lines right under it are the output it shows.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const README = resolve(import.meta.dirname, '../../README.md');

export interface FencedBlock {
  lang: string;
  text: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The `##`/`###` heading the block sits under. */
  heading: string;
  /** The prose between the previous fenced block and this one. */
  before: string;
}

export function fencedBlocks(markdown: string): FencedBlock[] {
  const lines = markdown.split('\n');
  const blocks: FencedBlock[] = [];
  let heading = '';
  let prose: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heading2 = /^#{1,4} (.*)$/.exec(line);
    if (heading2) {
      heading = heading2[1]!;
      prose.push(line);
      continue;
    }
    const fence = /^```(\w*)\s*$/.exec(line);
    if (!fence) {
      prose.push(line);
      continue;
    }
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    blocks.push({
      lang: fence[1]!,
      text: body.join('\n'),
      line: start + 1,
      heading,
      before: prose.join('\n'),
    });
    prose = [];
  }
  return blocks;
}

export interface GraphqlExample {
  query: string;
  line: number;
  heading: string;
  /** The output the README shows for it (a `json` block right after it), parsed. */
  expected?: unknown;
  /** The expected output's text (numbers keep the digits the README prints). */
  expectedText?: string;
}

export function graphqlExamples(markdown: string): GraphqlExample[] {
  const blocks = fencedBlocks(markdown);
  const out: GraphqlExample[] = [];
  blocks.forEach((b, i) => {
    if (b.lang !== 'graphql') return;
    const next = blocks[i + 1];
    const example: GraphqlExample = { query: b.text, line: b.line, heading: b.heading };
    if (next?.lang === 'json') {
      example.expected = JSON.parse(next.text);
      example.expectedText = next.text;
    }
    out.push(example);
  });
  return out;
}

export interface ShellLine {
  /** The command as written (continuations joined, comment dropped). */
  command: string;
  /** Its words, shell-quoting removed. */
  words: string[];
  /** `> file`: where stdout goes. */
  stdoutTo?: string;
  /** The `#   …` lines under it: the output the README shows. */
  shownOutput: string[];
  line: number;
  heading: string;
}

/** Drops a trailing `# comment` (a `#` after whitespace, outside quotes). */
function stripComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i).trimEnd();
  }
  return line.trimEnd();
}

/** Splits a command into words: whitespace outside quotes; quotes removed. */
export function shellWords(command: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: string | null = null;
  for (const c of command) {
    if (quote) {
      if (c === quote) quote = null;
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unbalanced quote in: ${command}`);
  if (inWord) words.push(word);
  return words;
}

/** Every command line of the README's `sh` blocks (serviceatlas or not), with the output shown under it. */
export function shellLines(markdown: string): ShellLine[] {
  const out: ShellLine[] = [];
  for (const b of fencedBlocks(markdown)) {
    if (b.lang !== 'sh') continue;
    const lines = b.text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const raw = lines[i]!;
      if (/^\s*#/.test(raw)) {
        // "#   …" under a command: its output; a "# …" line on its own is a comment.
        const last = out[out.length - 1];
        const shown = /^#\s{2,}(.*)$/.exec(raw);
        if (shown && last && last.line >= b.line) last.shownOutput.push(shown[1]!);
        continue;
      }
      if (raw.trim() === '') continue;
      const first = i;
      let joined = stripComment(raw);
      while (joined.endsWith('\\') && i + 1 < lines.length) {
        i++;
        joined = `${joined.slice(0, -1).trimEnd()} ${stripComment(lines[i]!).trim()}`;
      }
      let words = shellWords(joined);
      let stdoutTo: string | undefined;
      const redirect = words.indexOf('>');
      if (redirect >= 0) {
        stdoutTo = words[redirect + 1];
        words = words.slice(0, redirect);
      }
      out.push({
        command: joined,
        words,
        stdoutTo,
        shownOutput: [],
        line: b.line + 1 + first,
        heading: b.heading,
      });
    }
  }
  return out;
}

/**
 * A line of output the README shows, as a pattern: a word holding `…` stands for any word (ids and keys
 * differ on every run), and an annotation after `←` is the README talking, not the program.
 */
export function shownOutputPattern(shown: string): RegExp {
  const text = shown.replace(/\s+←.*$/, '').trim();
  const words = text
    .split(/\s+/)
    .map((w) => (w.includes('…') ? '\\S*' : w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${words.join('\\s+')}$`, 'm');
}

export function readReadme(): string {
  return readFileSync(README, 'utf8');
}

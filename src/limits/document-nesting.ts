import { Lexer, Source, TokenKind } from 'graphql';

/**
 * How deep a GraphQL document nests once its fragments are followed, read from its tokens without
 * parsing (no recursion, O(tokens)): brackets (`{`, `(`, `[`) opened and not closed, plus — at each
 * `...Name` spread — the nesting of the fragment it spreads, recursively.
 *
 * graphql-js parses and validates recursively: selections nested ~3,000 deep overflow the parser's stack,
 * and a chain of ~4,000 fragments each spreading the next overflows the NoFragmentCycles rule (a 500, as
 * it happens inside Apollo). Refusing a document nested deeper than a bound before Apollo sees it keeps
 * every later recursive walk (parser, validation, the limits' walks, execution) far from the stack limit.
 *
 * Returns null when the text does not lex (Apollo then reports the syntax error).
 */
export function documentNesting(query: string, maxTokens: number): number | null {
  return scanDocument(query, maxTokens)?.nesting ?? null;
}

/**
 * One pass over a document's tokens: its nesting (as documentNesting) and its first number literal that is
 * not finite (`1e999`, which graphql-js's Float reads as Infinity), or null when the text does not lex.
 */
export function scanDocument(
  query: string,
  maxTokens: number,
): { nesting: number; nonFinite: string | null } | null {
  let nonFinite: string | null = null;
  interface Definition {
    own: number;
    spreads: { name: string; at: number }[];
  }
  const fragments = new Map<string, Definition>();
  const operations: Definition[] = [];
  let current: Definition | null = null;
  let level = 0;
  let bodyOpened = false;
  let previous: { kind: TokenKind; value?: string } | null = null;
  let pendingFragmentName = false;
  try {
    const lexer = new Lexer(new Source(query));
    let tokens = 0;
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      if (++tokens > maxTokens) return null; // Apollo's parser refuses it by maxTokens
      const kind = token.kind;
      if (kind === TokenKind.FLOAT && nonFinite === null && !Number.isFinite(Number(token.value)))
        nonFinite = token.value;
      if (level === 0 && !bodyOpened && current === null) {
        // The start of a definition: `fragment Name on Type {…}`, or an operation.
        current = { own: 0, spreads: [] };
        if (kind === TokenKind.NAME && token.value === 'fragment') pendingFragmentName = true;
        else operations.push(current);
      } else if (pendingFragmentName && kind === TokenKind.NAME && current) {
        if (!fragments.has(token.value)) fragments.set(token.value, current);
        pendingFragmentName = false;
      }
      if (kind === TokenKind.BRACE_L || kind === TokenKind.PAREN_L || kind === TokenKind.BRACKET_L) {
        if (level === 0 && kind === TokenKind.BRACE_L) bodyOpened = true;
        level++;
        if (current && level > current.own) current.own = level;
      } else if (kind === TokenKind.BRACE_R || kind === TokenKind.PAREN_R || kind === TokenKind.BRACKET_R) {
        level = Math.max(0, level - 1);
        if (level === 0 && bodyOpened) {
          current = null;
          bodyOpened = false;
        }
      } else if (kind === TokenKind.NAME && previous?.kind === TokenKind.SPREAD && token.value !== 'on') {
        current?.spreads.push({ name: token.value, at: level });
      }
      previous = { kind, value: token.value };
    }
  } catch {
    return null;
  }

  // Nesting of each fragment with its spreads followed, iteratively (a cycle counts 0 — validation
  // refuses it), memoised: O(fragments + spreads).
  const done = new Map<string, number>();
  const state = new Map<string, 'open' | 'done'>();
  const nestingOf = (root: string): number => {
    const stack = [root];
    while (stack.length > 0) {
      const name = stack[stack.length - 1]!;
      const definition = fragments.get(name);
      if (state.get(name) === 'done' || !definition) {
        if (!definition) done.set(name, 0);
        state.set(name, 'done');
        stack.pop();
        continue;
      }
      if (state.get(name) !== 'open') {
        state.set(name, 'open');
        for (const s of definition.spreads) if (!state.has(s.name)) stack.push(s.name);
        continue;
      }
      let n = definition.own;
      for (const s of definition.spreads) n = Math.max(n, s.at + (done.get(s.name) ?? 0));
      done.set(name, n);
      state.set(name, 'done');
      stack.pop();
    }
    return done.get(root) ?? 0;
  };
  let deepest = 0;
  for (const op of operations) {
    let n = op.own;
    for (const s of op.spreads) n = Math.max(n, s.at + nestingOf(s.name));
    deepest = Math.max(deepest, n);
  }
  return { nesting: deepest, nonFinite };
}

/**
 * How deep a parsed JSON value nests (arrays and objects), counted without recursion; stops counting at
 * `stopAt` + 1. JSON.parse builds any depth, but JSON.stringify (the response cache's key) and graphql's
 * variable coercion recurse and overflow the stack on a body nested ~10,000 deep.
 */
export function jsonNesting(value: unknown, stopAt: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    const d = depth + 1;
    if (d > deepest) deepest = d;
    if (deepest > stopAt) return deepest;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === 'object') stack.push([child, d]);
    }
  }
  return deepest;
}

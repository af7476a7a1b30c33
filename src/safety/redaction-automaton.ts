/**
 * Aho–Corasick over rule keywords: one pass over the text finds, for every line, which
 * rules' keywords occur on it. It replaces one `indexOf` sweep per keyword (dozens of
 * passes, and a lower-cased copy of the text) with a single table-driven pass.
 *
 * Matching folds ASCII case only, exactly like a non-unicode `/i` regex: `K` (Kelvin
 * sign) or `ſ` never match `k` or `s` there either, so the keyword test stays a superset
 * of what the rule's regex can match. Non-ASCII characters reset the automaton.
 */
const ALPHABET = 128;

/** Lines that hold at least one keyword, with a bitmask of the rules they concern. */
interface KeywordLines {
  /** Start offset of each line, increasing. */
  starts: number[];
  /** Bit r set when rule r's keyword occurs on that line. */
  masks: number[];
}

export interface KeywordAutomaton {
  scan(text: string): KeywordLines;
  /** True when any keyword occurs anywhere in `text`. */
  containsAny(text: string): boolean;
}

/** Max rules per automaton: their bits share one 32-bit mask. */
export const MAX_AUTOMATON_RULES = 32;

/** Builds an automaton for `keywordsByRule[r]` (lower-case ASCII), r < 32. */
export function buildKeywordAutomaton(
  keywordsByRule: readonly (readonly string[])[],
): KeywordAutomaton {
  if (keywordsByRule.length > MAX_AUTOMATON_RULES) {
    throw new RangeError(`at most ${MAX_AUTOMATON_RULES} rules per keyword automaton`);
  }
  // Trie, as a growable list of child tables.
  const children: Int32Array[] = [new Int32Array(ALPHABET).fill(-1)];
  const output: number[] = [0];
  keywordsByRule.forEach((keywords, rule) => {
    for (const keyword of keywords) {
      if (!/^[\x20-\x40\x5b-\x7e]+$/.test(keyword)) {
        throw new RangeError(`keyword '${keyword}' must be non-empty printable lower-case ASCII`);
      }
      let state = 0;
      for (let i = 0; i < keyword.length; i++) {
        const c = keyword.charCodeAt(i);
        let next = children[state]![c]!;
        if (next === -1) {
          next = children.length;
          children.push(new Int32Array(ALPHABET).fill(-1));
          output.push(0);
          children[state]![c] = next;
        }
        state = next;
      }
      output[state]! |= 1 << rule;
    }
  });

  // Breadth-first: failure links, and the trie completed into a full transition table.
  const states = children.length;
  const delta = new Int32Array(states * ALPHABET);
  const fail = new Int32Array(states);
  const queue: number[] = [];
  for (let c = 0; c < ALPHABET; c++) {
    const child = children[0]![c]!;
    if (child === -1) {
      delta[c] = 0;
    } else {
      delta[c] = child;
      fail[child] = 0;
      queue.push(child);
    }
  }
  for (let head = 0; head < queue.length; head++) {
    const state = queue[head]!;
    output[state]! |= output[fail[state]!]!;
    for (let c = 0; c < ALPHABET; c++) {
      const child = children[state]![c]!;
      const viaFail = delta[fail[state]! * ALPHABET + c]!;
      if (child === -1) {
        delta[state * ALPHABET + c] = viaFail;
      } else {
        delta[state * ALPHABET + c] = child;
        fail[child] = viaFail;
        queue.push(child);
      }
    }
  }
  const outputs = Int32Array.from(output);

  return {
    scan(text) {
      const starts: number[] = [];
      const masks: number[] = [];
      let state = 0;
      let mask = 0;
      let lineStart = 0;
      for (let i = 0; i < text.length; i++) {
        let c = text.charCodeAt(i);
        if (c === 10) {
          if (mask !== 0) {
            starts.push(lineStart);
            masks.push(mask);
            mask = 0;
          }
          lineStart = i + 1;
          state = 0;
          continue;
        }
        if (c >= 65 && c <= 90) c |= 32;
        else if (c >= ALPHABET) c = 0;
        state = delta[state * ALPHABET + c]!;
        mask |= outputs[state]!;
      }
      if (mask !== 0) {
        starts.push(lineStart);
        masks.push(mask);
      }
      return { starts, masks };
    },

    containsAny(text) {
      let state = 0;
      for (let i = 0; i < text.length; i++) {
        let c = text.charCodeAt(i);
        if (c >= 65 && c <= 90) c |= 32;
        else if (c >= ALPHABET) c = 0;
        state = delta[state * ALPHABET + c]!;
        if (outputs[state] !== 0) return true;
      }
      return false;
    },
  };
}

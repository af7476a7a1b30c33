/**
 * The Go syntax the gitleaks corpus extractor reads: a tokenizer (literals with Go's
 * escapes, raw strings, runes, identifiers, operators, comments, line breaks for
 * semicolon insertion), top-level `func` and `var` declarations, and statement splitting.
 * scripts/gitleaks-corpus.go-eval.ts evaluates what this finds.
 */

export class Unsupported extends Error {}

export interface Tok {
  t: "str" | "ident" | "num" | "op";
  v: string;
  /** A line break precedes this token. */
  nl: boolean;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
  "'": "'",
  '"': '"',
};

function unescapeGo(body: string): string {
  return body.replace(
    /\\(?:([abfnrtv\\'"])|x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|([0-7]{3}))/g,
    (_m, simple, x, u, big, oct) => {
      if (simple) return SIMPLE_ESCAPES[simple]!;
      if (x) return String.fromCharCode(Number.parseInt(x, 16));
      if (u) return String.fromCharCode(Number.parseInt(u, 16));
      if (big) return String.fromCodePoint(Number.parseInt(big, 16));
      return String.fromCharCode(Number.parseInt(oct, 8));
    },
  );
}

const OPS = ["...", ":=", "==", "!=", "&&", "||", "<=", ">=", "++", "--", "+=", "<-"];

export function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let nl = false;
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === "\n") {
      nl = true;
      i++;
    } else if (c === " " || c === "\t" || c === "\r") {
      i++;
    } else if (src.startsWith("//", i)) {
      const end = src.indexOf("\n", i);
      i = end === -1 ? src.length : end;
    } else if (src.startsWith("/*", i)) {
      const end = src.indexOf("*/", i + 2);
      if (src.slice(i, end).includes("\n")) nl = true;
      i = end + 2;
    } else if (c === "`") {
      const end = src.indexOf("`", i + 1);
      toks.push({ t: "str", v: src.slice(i + 1, end).replace(/\r/g, ""), nl });
      i = end + 1;
      nl = false;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (src[j] !== c) j += src[j] === "\\" ? 2 : 1;
      const v = unescapeGo(src.slice(i + 1, j));
      toks.push(c === '"' ? { t: "str", v, nl } : { t: "num", v: String(v.codePointAt(0)), nl });
      i = j + 1;
      nl = false;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i, i + 200))!;
      toks.push({ t: "ident", v: m[0], nl });
      i += m[0].length;
      nl = false;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9][0-9a-fA-FxX_.]*/.exec(src.slice(i, i + 64))!;
      toks.push({ t: "num", v: m[0], nl });
      i += m[0].length;
      nl = false;
    } else {
      const op = OPS.find((o) => src.startsWith(o, i)) ?? c;
      toks.push({ t: "op", v: op, nl });
      i += op.length;
      nl = false;
    }
  }
  return toks;
}

/** Index just past the bracket that closes the one at `open`. */
export function skipBalanced(toks: readonly Tok[], open: number): number {
  let depth = 0;
  for (let i = open; i < toks.length; i++) {
    const v = toks[i]!.t === "op" ? toks[i]!.v : "";
    if (v === "(" || v === "[" || v === "{") depth++;
    else if (v === ")" || v === "]" || v === "}") {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  throw new Unsupported("unbalanced brackets");
}

export interface GoFunc {
  name: string;
  params: string[];
  body: Tok[];
  file: string;
  returnsRule: boolean;
}

/**
 * Top-level `func Name(params) result { body }` declarations of one file, and its
 * package-level `var` declarations (run with {@link declareGlobals}).
 */
export function parseFuncs(src: string, file: string): { funcs: GoFunc[]; vars: Tok[][] } {
  const toks = tokenize(src);
  const funcs: GoFunc[] = [];
  const vars: Tok[][] = [];
  for (let i = 0; i < toks.length; i++) {
    if (toks[i]!.v === "var" && toks[i]!.t === "ident") {
      let end = i + 1;
      if (toks[end]?.v === "(") end = skipBalanced(toks, end);
      else {
        while (end < toks.length && !(toks[end]!.nl && toks[end]!.t === "ident")) {
          end =
            toks[end]!.t === "op" && "([{".includes(toks[end]!.v)
              ? skipBalanced(toks, end)
              : end + 1;
        }
      }
      vars.push(toks.slice(i, end));
      i = end - 1;
      continue;
    }
    if (toks[i]!.v !== "func" || toks[i]!.t !== "ident" || toks[i + 1]?.t !== "ident") continue;
    const name = toks[i + 1]!.v;
    const paramsEnd = skipBalanced(toks, i + 2);
    const params = toks
      .slice(i + 3, paramsEnd - 1)
      .filter((t, k, all) => t.t === "ident" && (k === 0 || all[k - 1]!.v === ","))
      .map((t) => t.v);
    let open = paramsEnd;
    while (toks[open]!.v !== "{") open++;
    const close = skipBalanced(toks, open);
    const result = toks.slice(paramsEnd, open).map((t) => t.v);
    funcs.push({
      name,
      params,
      body: toks.slice(open + 1, close - 1),
      file,
      returnsRule: result.join("") === "*config.Rule",
    });
    i = close - 1;
  }
  return { funcs, vars };
}

const ENDS_STATEMENT = new Set([")", "]", "}", "++", "--"]);

export function splitStatements(toks: readonly Tok[]): Tok[][] {
  const out: Tok[][] = [];
  let cur: Tok[] = [];
  let depth = 0;
  for (const tok of toks) {
    const prev = cur[cur.length - 1];
    const ends =
      prev !== undefined &&
      (prev.t !== "op" || ENDS_STATEMENT.has(prev.v)) &&
      !(prev.t === "ident" && prev.v === "else");
    if (depth === 0 && tok.nl && ends && !(tok.t === "ident" && tok.v === "else")) {
      out.push(cur);
      cur = [];
    }
    if (tok.t === "op" && "([{".includes(tok.v)) depth++;
    if (tok.t === "op" && ")]}".includes(tok.v)) depth--;
    if (depth === 0 && tok.t === "op" && tok.v === ";") {
      out.push(cur);
      cur = [];
      continue;
    }
    cur.push(tok);
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/**
 * A tiny evaluator for the subset of Go that gitleaks' rule generators use to build their
 * test cases (`cmd/generate/config/rules/*.go` and the helpers in `utils/`): string and
 * raw literals, `+`, `[]string{…}` and map literals, `append`, `fmt.Sprintf`, the
 * `strings` and `base64` helpers they call, `for … range`, `return`, and calls into the
 * Go functions it parsed. Anything else throws {@link Unsupported}; the caller counts the
 * case it was building as skipped. Randomness (`secrets.NewSecret`) is injected.
 *
 * Strings carry the secrets they were built from (`secrets.NewSecret` output, or the
 * `secret` argument of a sample generator), so the corpus knows which part of a true
 * positive must disappear.
 */

export class Unsupported extends Error {}

export interface GoStr {
  kind: "str";
  text: string;
  secrets: string[];
}
type GoVal =
  | GoStr
  | { kind: "num"; value: number }
  | { kind: "bool"; value: boolean }
  | { kind: "list"; items: GoVal[] }
  | { kind: "map"; entries: [GoVal, GoVal][] }
  | { kind: "rule"; id: string }
  | { kind: "replacer"; pairs: [GoStr, GoStr][] }
  | { kind: "cases"; id: string; tps: GoStr[]; fps: GoStr[] }
  | { kind: "nil" };

export type { GoVal };

interface Tok {
  t: "str" | "ident" | "num" | "op";
  v: string;
  /** A line break precedes this token. */
  nl: boolean;
}

const str = (text: string, secrets: string[] = []): GoStr => ({ kind: "str", text, secrets });

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
function skipBalanced(toks: readonly Tok[], open: number): number {
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

/** Runs package-level `var` declarations into `host.globals`; failures are skipped. */
export function declareGlobals(host: Host, vars: readonly Tok[][]): void {
  for (const decl of vars) {
    try {
      execStatement(host, decl, host.globals);
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
    }
  }
}

const ENDS_STATEMENT = new Set([")", "]", "}", "++", "--"]);

function splitStatements(toks: readonly Tok[]): Tok[][] {
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

/** What the evaluator needs from outside: generators, and where to report skips. */
export interface Host {
  funcs: Map<string, GoFunc>;
  /** Package-level `var`s of the files read. */
  globals: Map<string, GoVal>;
  newSecret(regex: string): string;
  /** Native stand-ins for helpers whose Go body uses what this evaluator lacks. */
  natives: Map<string, (args: GoVal[]) => GoVal>;
  skip(reason: string): void;
}

type Env = Map<string, GoVal>;

function asStr(v: GoVal | undefined): GoStr {
  if (v?.kind === "str") return v;
  if (v?.kind === "num") return str(String(v.value));
  throw new Unsupported(`expected a string, got ${v?.kind}`);
}

function asItems(v: GoVal): GoVal[] {
  if (v.kind === "list") return v.items;
  if (v.kind === "nil") return [];
  if (v.kind === "map") return v.entries.map(([, value]) => value);
  throw new Unsupported(`expected a list, got ${v.kind}`);
}

function concat(a: GoStr, b: GoStr): GoStr {
  return str(a.text + b.text, [...a.secrets, ...b.secrets]);
}

export function call(host: Host, fn: GoFunc, args: GoVal[]): GoVal {
  const env: Env = new Map();
  fn.params.forEach((p, k) => {
    let arg = args[k] ?? { kind: "nil" };
    // The value a sample generator is asked to embed is the secret of every sample.
    if (p === "secret" && arg.kind === "str") arg = str(arg.text, [arg.text]);
    env.set(p, arg);
  });
  const result = execBlock(host, fn.body, env);
  return result ?? { kind: "nil" };
}

function execBlock(host: Host, body: readonly Tok[], env: Env): GoVal | undefined {
  for (const stmt of splitStatements(body)) {
    try {
      const r = execStatement(host, stmt, env);
      if (r !== undefined) return r;
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
      host.skip(
        `${e.message}: ${stmt
          .map((t) => t.v)
          .join(" ")
          .slice(0, 80)}`,
      );
    }
  }
  return undefined;
}

function execStatement(host: Host, s: Tok[], env: Env): GoVal | undefined {
  const head = s[0]?.v;
  if (head === "return")
    return s.length === 1 ? { kind: "nil" } : new Parser(host, s, env, 1).full();
  if (head === "var" && s[1]?.v === "(") {
    const inner = s.slice(2, skipBalanced(s, 1) - 1);
    for (const decl of splitStatements(inner)) execStatement(host, [s[0]!, ...decl], env);
    return undefined;
  }
  if (head === "var") {
    const eq = s.findIndex((t) => t.v === "=");
    if (eq === -1) {
      const isList = s[2]?.v === "[";
      env.set(s[1]!.v, isList ? { kind: "list", items: [] } : str(""));
    } else env.set(s[1]!.v, new Parser(host, s, env, eq + 1).full());
    return undefined;
  }
  if (head === "for") return execFor(host, s, env);
  const assign = s.findIndex((t) => t.t === "op" && (t.v === ":=" || t.v === "="));
  if (assign > 0 && s.slice(0, assign).every((t) => t.t === "ident" || t.v === ",")) {
    const names = s.slice(0, assign).filter((t) => t.t === "ident");
    if (names.length !== 1) throw new Unsupported("multiple assignment");
    env.set(names[0]!.v, new Parser(host, s, env, assign + 1).full());
    return undefined;
  }
  throw new Unsupported(`statement '${head}'`);
}

function execFor(host: Host, s: Tok[], env: Env): GoVal | undefined {
  const open = s.findIndex((t) => t.v === "{");
  const header = s.slice(1, open);
  const range = header.findIndex((t) => t.v === "range");
  if (range === -1 || header[range - 1]?.v !== ":=") throw new Unsupported("for loop");
  const names = header.slice(0, range - 1).filter((t) => t.t === "ident");
  const over = new Parser(host, header, env, range + 1).full();
  const body = s.slice(open + 1, skipBalanced(s, open) - 1);
  const pairs: [GoVal, GoVal][] =
    over.kind === "map"
      ? [...over.entries].sort(([a], [b]) => (asStr(a).text < asStr(b).text ? -1 : 1))
      : asItems(over).map((v, k) => [{ kind: "num", value: k }, v]);
  for (const [key, value] of pairs) {
    if (names[0] && names[0].v !== "_") env.set(names[0].v, key);
    if (names[1] && names[1].v !== "_") env.set(names[1].v, value);
    const r = execBlock(host, body, env);
    if (r !== undefined) return r;
  }
  return undefined;
}

function sprintf(format: GoStr, args: GoVal[]): GoStr {
  let k = 0;
  const secrets = [...format.secrets];
  const text = format.text.replace(/%([sdvq%])/g, (_m, verb: string) => {
    if (verb === "%") return "%";
    const a = args[k++];
    if (a?.kind === "num") return String(a.value);
    const s = asStr(a);
    secrets.push(...s.secrets);
    return verb === "q" ? JSON.stringify(s.text) : s.text;
  });
  return str(text, secrets);
}

const BASE64: Record<string, (b: Buffer) => string> = {
  StdEncoding: (b) => b.toString("base64"),
  RawStdEncoding: (b) => b.toString("base64").replace(/=+$/, ""),
  URLEncoding: (b) => b.toString("base64").replace(/\+/g, "-").replace(/\//g, "_"),
  RawURLEncoding: (b) => b.toString("base64url"),
};

class Parser {
  constructor(
    private readonly host: Host,
    private readonly toks: readonly Tok[],
    private readonly env: Env,
    private pos: number,
  ) {}

  full(): GoVal {
    const v = this.expr();
    if (this.pos !== this.toks.length) throw new Unsupported(`trailing '${this.peek()}'`);
    return v;
  }

  private peek(): string | undefined {
    return this.toks[this.pos]?.v;
  }

  private expect(v: string): void {
    if (this.peek() !== v) throw new Unsupported(`expected '${v}', got '${this.peek()}'`);
    this.pos++;
  }

  private expr(): GoVal {
    let left = this.postfix();
    while (this.peek() === "+" && this.toks[this.pos]!.t === "op") {
      this.pos++;
      const right = this.postfix();
      if (left.kind === "num" && right.kind === "num") {
        left = { kind: "num", value: left.value + right.value };
      } else left = concat(asStr(left), asStr(right));
    }
    return left;
  }

  /** A dotted name, literal, composite literal or parenthesised expression, then calls. */
  private postfix(): GoVal {
    const tok = this.toks[this.pos];
    if (!tok) throw new Unsupported("unexpected end");
    if (tok.t === "str") {
      this.pos++;
      return str(tok.v);
    }
    if (tok.t === "num") {
      this.pos++;
      return { kind: "num", value: Number(tok.v) };
    }
    if (tok.v === "(") {
      this.pos++;
      const v = this.expr();
      this.expect(")");
      return v;
    }
    if (tok.v === "[" || tok.v === "map") return this.composite();
    if (tok.t !== "ident") throw new Unsupported(`unexpected '${tok.v}'`);
    let name = tok.v;
    this.pos++;
    while (this.peek() === "." && this.toks[this.pos + 1]?.t === "ident") {
      name += `.${this.toks[this.pos + 1]!.v}`;
      this.pos += 2;
    }
    if (this.peek() === "{" && name.includes(".")) return this.structLiteral();
    if (this.peek() !== "(") return this.variable(name);
    if (name === "make") {
      this.pos = skipBalanced(this.toks, this.pos);
      return { kind: "list", items: [] };
    }
    this.pos++;
    const args: GoVal[] = [];
    while (this.peek() !== ")") {
      const arg = this.expr();
      if (this.peek() === "...") {
        this.pos++;
        args.push(...asItems(arg));
      } else args.push(arg);
      if (this.peek() === ",") this.pos++;
    }
    this.pos++;
    let value = this.invoke(name, args);
    // A method call on the result: `strings.NewReplacer(…).Replace(…)` style chains.
    while (this.peek() === "." && this.toks[this.pos + 2]?.v === "(") {
      const method = this.toks[this.pos + 1]!.v;
      this.pos += 3;
      const margs: GoVal[] = [];
      while (this.peek() !== ")") {
        margs.push(this.expr());
        if (this.peek() === ",") this.pos++;
      }
      this.pos++;
      value = this.method(value, method, margs);
    }
    return value;
  }

  private variable(name: string): GoVal {
    if (name === "nil") return { kind: "nil" };
    if (name === "true" || name === "false") return { kind: "bool", value: name === "true" };
    const dot = name.indexOf(".");
    const head = dot === -1 ? name : name.slice(0, dot);
    const v = this.env.get(head) ?? this.host.globals.get(head);
    if (v === undefined || dot !== -1) throw new Unsupported(`unknown name ${name}`);
    return v;
  }

  private method(target: GoVal, method: string, args: GoVal[]): GoVal {
    if (target.kind === "replacer" && method === "Replace") return replace(target, asStr(args[0]));
    throw new Unsupported(`method ${method}`);
  }

  private invoke(name: string, args: GoVal[]): GoVal {
    const base = name.slice(name.lastIndexOf(".") + 1);
    const variable = this.env.get(name.split(".")[0]!);
    if (variable?.kind === "replacer" && base === "Replace")
      return replace(variable, asStr(args[0]));
    switch (name) {
      case "append":
        return { kind: "list", items: [...asItems(args[0]!), ...args.slice(1)] };
      case "string":
      case "[]byte":
        return asStr(args[0]);
      case "make":
        return { kind: "list", items: [] };
      case "fmt.Sprintf":
        return sprintf(asStr(args[0]), args.slice(1));
      case "strings.Repeat":
        return str(asStr(args[0]).text.repeat(Number((args[1] as { value: number }).value)));
      case "strings.ToUpper":
        return { ...asStr(args[0]), text: asStr(args[0]).text.toUpperCase() };
      case "strings.ToLower":
        return { ...asStr(args[0]), text: asStr(args[0]).text.toLowerCase() };
      case "strings.NewReplacer": {
        const pairs: [GoStr, GoStr][] = [];
        for (let k = 0; k + 1 < args.length; k += 2)
          pairs.push([asStr(args[k]), asStr(args[k + 1])]);
        return { kind: "replacer", pairs };
      }
      case "secrets.NewSecret": {
        const text = this.host.newSecret(asStr(args[0]).text);
        return str(text, [text]);
      }
      case "utils.Validate":
      case "utils.ValidateWithPaths": {
        const id = args[0]?.kind === "rule" ? args[0].id : "?";
        return {
          kind: "cases",
          id,
          tps: asItems(args[1]!).map(asStr),
          fps: asItems(args[2]!).map(asStr),
        };
      }
      default:
        break;
    }
    const encoding = /(\w+Encoding)\.EncodeToString$/.exec(name)?.[1];
    if (encoding && BASE64[encoding]) {
      const s = asStr(args[0]);
      return str(BASE64[encoding](Buffer.from(s.text, "utf8")), s.secrets);
    }
    const native = this.host.natives.get(base);
    if (native) return native(args);
    const fn = this.host.funcs.get(base);
    if (fn && !fn.returnsRule) return call(this.host, fn, args);
    throw new Unsupported(`call ${name}`);
  }

  /** `config.Rule{…}`: only its RuleID matters here. */
  private structLiteral(): GoVal {
    const close = skipBalanced(this.toks, this.pos);
    const body = this.toks.slice(this.pos, close);
    this.pos = close;
    const at = body.findIndex((t, k) => t.v === "RuleID" && body[k + 1]?.v === ":");
    return { kind: "rule", id: at === -1 ? "?" : (body[at + 2]?.v ?? "?") };
  }

  /** `[]string{…}`, `map[string]string{…}`, `map[string][]string{…}`, `[]byte(…)`. */
  private composite(): GoVal {
    const start = this.pos;
    while (this.peek() !== "{" && this.peek() !== "(") this.pos++;
    const type = this.toks
      .slice(start, this.pos)
      .map((t) => t.v)
      .join("");
    if (this.peek() === "(") return this.invokeConversion(type);
    return this.literalBody(type.startsWith("map"));
  }

  private invokeConversion(type: string): GoVal {
    this.pos++;
    const v = this.expr();
    this.expect(")");
    if (type !== "[]byte") throw new Unsupported(`conversion to ${type}`);
    return v;
  }

  /** `{ a, b, }` or `{ k: v, }`; an element that fails is skipped and counted. */
  private literalBody(isMap: boolean): GoVal {
    this.expect("{");
    const items: GoVal[] = [];
    const entries: [GoVal, GoVal][] = [];
    while (this.peek() !== "}") {
      const elementStart = this.pos;
      try {
        const first = this.peek() === "{" ? this.literalBody(false) : this.expr();
        if (isMap) {
          this.expect(":");
          entries.push([first, this.peek() === "{" ? this.literalBody(false) : this.expr()]);
        } else items.push(first);
      } catch (e) {
        if (!(e instanceof Unsupported)) throw e;
        this.host.skip(e.message);
        this.pos = this.nextElement(elementStart);
      }
      if (this.peek() === ",") this.pos++;
    }
    this.pos++;
    return isMap ? { kind: "map", entries } : { kind: "list", items };
  }

  /** The `,` or closing `}` that ends the element starting at `from`. */
  private nextElement(from: number): number {
    let k = from;
    while (k < this.toks.length) {
      const v = this.toks[k]!.v;
      if (this.toks[k]!.t === "op" && (v === "," || v === "}")) return k;
      k = this.toks[k]!.t === "op" && "([{".includes(v) ? skipBalanced(this.toks, k) : k + 1;
    }
    return k;
  }
}

function replace(replacer: Extract<GoVal, { kind: "replacer" }>, input: GoStr): GoStr {
  const secrets = [...input.secrets];
  let text = "";
  let i = 0;
  outer: while (i < input.text.length) {
    for (const [from, to] of replacer.pairs) {
      if (from.text.length > 0 && input.text.startsWith(from.text, i)) {
        text += to.text;
        secrets.push(...to.secrets);
        i += from.text.length;
        continue outer;
      }
    }
    text += input.text[i];
    i++;
  }
  return str(text, [...new Set(secrets)]);
}

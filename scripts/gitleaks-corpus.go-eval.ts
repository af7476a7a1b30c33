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
import {
  type GoFunc,
  skipBalanced,
  splitStatements,
  type Tok,
  Unsupported,
} from "./gitleaks-corpus.go-syntax.ts";

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

const str = (text: string, secrets: string[] = []): GoStr => ({ kind: "str", text, secrets });

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

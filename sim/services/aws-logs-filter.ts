/**
 * The `filter` half of the Logs Insights subset (see aws-logs-query.ts): a tokenizer and a
 * recursive-descent parser for `and` / `or` / `not`, `like` / `=~` with regex or text,
 * comparisons, `in [...]` and `ispresent(...)`, and their evaluation over one row.
 */

export class MalformedQueryError extends Error {}

export type Value = string | number | boolean | null | undefined;
export type Row = Record<string, Value>;

type Expr =
  | { op: "and" | "or"; left: Expr; right: Expr }
  | { op: "not"; expr: Expr }
  | { op: "like"; field: string; pattern: RegExp }
  | { op: "cmp"; field: string; cmp: string; value: string | number }
  | { op: "in"; field: string; values: (string | number)[] }
  | { op: "present"; field: string };

const TOKEN =
  /\s*(?:(\/(?:\\.|[^/])*\/[a-z]*)|("(?:\\.|[^"])*"|'(?:\\.|[^'])*')|(-?\d+(?:\.\d+)?)|(!=|<=|>=|=~|=|<|>|\(|\)|\[|\]|,)|(`[^`]+`|@?[A-Za-z_][\w.@-]*|\*))/y;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let index = 0;
  while (index < text.length) {
    if (/^\s*$/.test(text.slice(index))) break;
    TOKEN.lastIndex = index;
    const match = TOKEN.exec(text);
    if (!match)
      throw new MalformedQueryError(`unexpected input at "${text.slice(index, index + 20)}"`);
    tokens.push(match.slice(1).find((g) => g !== undefined)!);
    index = TOKEN.lastIndex;
  }
  return tokens;
}

export function unquoteToken(token: string): string {
  return token.slice(1, -1).replace(/\\(.)/g, "$1");
}

export function fieldName(token: string | undefined): string {
  if (!token || !/^(`[^`]+`|@?[A-Za-z_][\w.@-]*)$/.test(token)) {
    throw new MalformedQueryError(`expected a field name, got "${token ?? "end of query"}"`);
  }
  return token.startsWith("`") ? token.slice(1, -1) : token;
}

export function regexOf(token: string): RegExp {
  const end = token.lastIndexOf("/");
  try {
    return new RegExp(token.slice(1, end), token.slice(end + 1));
  } catch (error) {
    throw new MalformedQueryError(`invalid regular expression ${token}: ${String(error)}`);
  }
}

function literal(token: string | undefined): string | number {
  if (token === undefined) throw new MalformedQueryError("expected a value");
  if (/^["']/.test(token)) return unquoteToken(token);
  if (/^-?\d/.test(token)) return Number(token);
  throw new MalformedQueryError(`expected a number or a quoted string, got "${token}"`);
}

export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

export function parseFilter(text: string): Expr {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos]?.toLowerCase();
  const next = () => tokens[pos++];
  const expect = (token: string) => {
    if (next()?.toLowerCase() !== token) throw new MalformedQueryError(`expected "${token}"`);
  };

  const primary = (): Expr => {
    if (peek() === "(") {
      next();
      const inner = or();
      expect(")");
      return inner;
    }
    if (peek() === "ispresent") {
      next();
      expect("(");
      const field = fieldName(next());
      expect(")");
      return { op: "present", field };
    }
    const field = fieldName(next());
    const negate = peek() === "not";
    if (negate) next();
    const op = next();
    let expr: Expr;
    if (op?.toLowerCase() === "like" || op === "=~") {
      const pattern = next();
      if (pattern?.startsWith("/")) expr = { op: "like", field, pattern: regexOf(pattern) };
      else expr = { op: "like", field, pattern: new RegExp(escapeRegex(String(literal(pattern)))) };
    } else if (op?.toLowerCase() === "in") {
      expect("[");
      const values: (string | number)[] = [];
      while (peek() !== "]") {
        values.push(literal(next()));
        if (peek() === ",") next();
        else if (peek() !== "]") throw new MalformedQueryError('expected "," or "]"');
      }
      next();
      expr = { op: "in", field, values };
    } else if (op && ["=", "!=", "<", "<=", ">", ">="].includes(op) && !negate) {
      expr = { op: "cmp", field, cmp: op, value: literal(next()) };
    } else {
      throw new MalformedQueryError(`unsupported filter operator "${op ?? "end of query"}"`);
    }
    return negate ? { op: "not", expr } : expr;
  };
  const unary = (): Expr => {
    if (peek() === "not") {
      next();
      return { op: "not", expr: unary() };
    }
    return primary();
  };
  const and = (): Expr => {
    let left = unary();
    while (peek() === "and") {
      next();
      left = { op: "and", left, right: unary() };
    }
    return left;
  };
  const or = (): Expr => {
    let left = and();
    while (peek() === "or") {
      next();
      left = { op: "or", left, right: and() };
    }
    return left;
  };
  const expr = or();
  if (pos < tokens.length) throw new MalformedQueryError(`unexpected "${tokens[pos]}" in filter`);
  return expr;
}

function compare(a: Value, cmp: string, b: string | number): boolean {
  if (a === undefined || a === null) return cmp === "!=";
  const left = typeof b === "number" ? Number(a) : String(a);
  switch (cmp) {
    case "=":
      return left === b;
    case "!=":
      return left !== b;
    case "<":
      return left < b;
    case "<=":
      return left <= b;
    case ">":
      return left > b;
    default:
      return left >= b;
  }
}

export function evaluateFilter(expr: Expr, row: Row): boolean {
  switch (expr.op) {
    case "and":
      return evaluateFilter(expr.left, row) && evaluateFilter(expr.right, row);
    case "or":
      return evaluateFilter(expr.left, row) || evaluateFilter(expr.right, row);
    case "not":
      return !evaluateFilter(expr.expr, row);
    case "present":
      return row[expr.field] !== undefined && row[expr.field] !== null;
    case "like": {
      const value = row[expr.field];
      return value !== undefined && value !== null && expr.pattern.test(String(value));
    }
    case "in":
      return expr.values.some((v) => compare(row[expr.field], "=", v));
    case "cmp":
      return compare(row[expr.field], expr.cmp, expr.value);
    default: {
      const never: never = expr;
      throw new MalformedQueryError(`unknown expression ${JSON.stringify(never)}`);
    }
  }
}

import {
  ALLOWED_FUNCTIONS,
  ALLOWED_OPERATORS,
  ALLOWED_SAMPLE_METHODS,
  ALLOWED_TYPES,
  MAX_SERIES_ROWS,
  SENSITIVE_RELATIONS,
} from "./sql-guard-allowlists.ts";
import { describeRefusedNode, refusalHint, statementVerb } from "./sql-guard-statements.ts";

/**
 * The generic walk over a libpg-query parse tree (JSON). Every object is visited; every
 * key that names a node type (PascalCase, e.g. `FuncCall`) must be on the node allowlist
 * below, so a construct the guard does not understand is refused instead of skipped.
 * Functions hidden in ORDER BY, FILTER, window frames, LATERAL, VALUES, casts or CTEs are
 * found because nothing is walked selectively.
 */

export type JsonObject = { [key: string]: unknown };

/**
 * Thrown inside the walk to stop at the first refusal; never escapes the guard. Not an
 * Error on purpose: capturing a stack trace per refusal was an eighth of the guard's time.
 */
export class SqlRefusal {
  constructor(readonly reason: string) {}
}

function refuse(reason: string): never {
  throw new SqlRefusal(reason);
}

/** What the walk collects for checks that need the whole statement. */
interface WalkFacts {
  /**
   * Names whose bare use is a whole-row reference to table data: table names and their
   * aliases, and join aliases, anywhere in the statement. Subquery and function aliases
   * are left out: their whole row holds only columns the statement names itself.
   */
  relationNames: Set<string>;
  /** Unqualified column references (`x`, not `t.x`). */
  bareColumnRefs: string[];
  /** Current nesting of syntax nodes, capped at {@link MAX_NODE_DEPTH}. */
  depth: number;
}

/** Deeper trees are refused: no triage query nests this far, and the walk recurses. */
const MAX_NODE_DEPTH = 1000;

type Handler = (body: JsonObject, facts: WalkFacts) => void;

/** Node types that need no check of their own beyond visiting their children. */
const PLAIN_NODES = [
  "ResTarget",
  "String",
  "Integer",
  "Float",
  "Boolean",
  "BitString",
  "A_Const",
  "BoolExpr",
  "CaseExpr",
  "CaseWhen",
  "CoalesceExpr",
  "MinMaxExpr",
  "NullTest",
  "BooleanTest",
  "WindowDef",
  "WithClause",
  "CTESearchClause",
  "CTECycleClause",
  "A_Indirection",
  "A_Indices",
  "A_ArrayExpr",
  "RowExpr",
  "SQLValueFunction",
  "Alias",
  "List",
  "GroupingSet",
  "GroupingFunc",
  "CollateClause",
  "NamedArgExpr", // make_interval(hours => 2)
];

const HANDLERS: Record<string, Handler> = {
  SelectStmt: visitSelect,
  CommonTableExpr: visitCommonTableExpr,
  RangeVar: visitRangeVar,
  RangeSubselect: visitChildren,
  RangeFunction: visitChildren,
  JoinExpr: visitJoin,
  RangeTableSample: visitTableSample,
  FuncCall: visitFuncCall,
  A_Expr: visitAExpr,
  SubLink: visitSubLink,
  SortBy: visitSortBy,
  TypeCast: visitTypeCast,
  TypeName: (body, facts) => {
    checkTypeName(body);
    visitChildren(body, facts);
  },
  ColumnRef: visitColumnRef,
  A_Star: () => refuse("SELECT * is not allowed: name the columns"),
  ParamRef: () => refuse("parameters ($1) are not allowed: inline the values"),
};
for (const type of PLAIN_NODES) HANDLERS[type] = visitChildren;

/** Walks one top-level SelectStmt body; throws {@link SqlRefusal} on the first problem. */
export function walkSelect(select: JsonObject): WalkFacts {
  const facts: WalkFacts = { relationNames: new Set(), bareColumnRefs: [], depth: 0 };
  visitSelect(select, facts);
  return facts;
}

function isNodeType(key: string): boolean {
  const c = key.charCodeAt(0);
  return c >= 65 && c <= 90; // node types are PascalCase; fields are snake/camel case
}

function visit(value: unknown, facts: WalkFacts): void {
  if (Array.isArray(value)) {
    for (const item of value) visit(item, facts);
    return;
  }
  if (typeof value !== "object" || value === null) return;
  const obj = value as JsonObject;
  for (const key in obj) {
    const child = obj[key];
    if (isNodeType(key)) visitNode(key, child as JsonObject, facts);
    else visit(child, facts);
  }
}

function visitChildren(body: JsonObject, facts: WalkFacts): void {
  for (const key in body) visit(body[key], facts);
}

function visitNode(type: string, body: JsonObject, facts: WalkFacts): void {
  const handler = HANDLERS[type];
  if (!handler) refuse(describeRefusedNode(type, body));
  if (++facts.depth > MAX_NODE_DEPTH) refuse("statement is too deeply nested");
  handler(body, facts);
  facts.depth--;
}

const LOCK_STRENGTHS: Record<string, string> = {
  LCS_FORUPDATE: "FOR UPDATE",
  LCS_FORNOKEYUPDATE: "FOR NO KEY UPDATE",
  LCS_FORSHARE: "FOR SHARE",
  LCS_FORKEYSHARE: "FOR KEY SHARE",
};

function visitSelect(body: JsonObject, facts: WalkFacts): void {
  if (body.intoClause) refuse("SELECT INTO is not allowed");
  if (Array.isArray(body.lockingClause) && body.lockingClause.length > 0) {
    const first = (body.lockingClause[0] as { LockingClause?: { strength?: string } })
      .LockingClause;
    const strength = LOCK_STRENGTHS[first?.strength ?? ""] ?? "a locking clause";
    refuse(`SELECT ... ${strength} is not allowed`);
  }
  for (const key in body) {
    const child = body[key];
    // UNION/INTERSECT/EXCEPT arms are SelectStmt bodies without the wrapper key.
    if ((key === "larg" || key === "rarg") && child) visitSelect(child as JsonObject, facts);
    else visit(child, facts);
  }
}

function visitCommonTableExpr(body: JsonObject, facts: WalkFacts): void {
  const query = body.ctequery as JsonObject | undefined;
  const type = query ? Object.keys(query)[0] : undefined;
  if (type !== "SelectStmt") {
    refuse(`data-modifying WITH (${statementVerb(type ?? "unknown", {})}) is not allowed`);
  }
  visitChildren(body, facts);
}

function addAlias(body: JsonObject, facts: WalkFacts): void {
  const alias = body.alias as { aliasname?: string } | undefined;
  if (alias?.aliasname) facts.relationNames.add(alias.aliasname);
}

function visitRangeVar(body: JsonObject, facts: WalkFacts): void {
  const name = String(body.relname ?? "");
  if (body.catalogname) refuse(`cross-database reference to ${name} is not allowed`);
  if (SENSITIVE_RELATIONS.has(name)) refuse(`relation ${name} is not allowed`);
  facts.relationNames.add(name);
  addAlias(body, facts);
  visitChildren(body, facts);
}

/** `(a JOIN b USING (id)) j` makes `j` a whole-row name for both tables' columns. */
function visitJoin(body: JsonObject, facts: WalkFacts): void {
  addAlias(body, facts);
  visitChildren(body, facts);
}

function visitTableSample(body: JsonObject, facts: WalkFacts): void {
  const method = names(body.method);
  const name = method[method.length - 1] ?? "";
  if (method.length !== 1 || !ALLOWED_SAMPLE_METHODS.has(name)) {
    refuse(`TABLESAMPLE method ${displayName(method)} is not allowed`);
  }
  visitChildren(body, facts);
}

/** The `sval`s of a list of String nodes (function, type and operator names). */
export function names(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.map((item) => {
    const s = (item as { String?: { sval?: string } }).String;
    return s?.sval ?? "";
  });
}

/** A name as the user would write it: quoted when Postgres would not fold it to itself. */
function displayName(parts: string[]): string {
  return parts
    .map((p) => (/^[a-z_][a-z0-9_$]*$/.test(p) ? p : `"${p.replace(/"/g, '""')}"`))
    .join(".");
}

/** The function's own name when it is unqualified or `pg_catalog.`-qualified, else undefined. */
export function catalogName(parts: string[]): string | undefined {
  if (parts.length === 1) return parts[0];
  if (parts.length === 2 && parts[0] === "pg_catalog") return parts[1];
  return undefined;
}

function visitFuncCall(body: JsonObject, facts: WalkFacts): void {
  const parts = names(body.funcname);
  const name = catalogName(parts);
  if (name === undefined || !ALLOWED_FUNCTIONS.has(name)) {
    const hint = refusalHint(name ?? parts[parts.length - 1] ?? "");
    refuse(`function ${displayName(parts)} is not allowed${hint ? `: ${hint}` : ""}`);
  }
  if (name === "generate_series") checkSeries(body.args);
  visitChildren(body, facts);
}

function numericConst(node: unknown): number | undefined {
  const c = (node as { A_Const?: JsonObject } | undefined)?.A_Const;
  if (!c) return undefined;
  const ival = c.ival as { ival?: number } | undefined;
  if (ival) return ival.ival ?? 0;
  const fval = c.fval as { fval?: string } | undefined;
  if (fval?.fval !== undefined) return Number(fval.fval);
  return undefined;
}

function isIntervalLiteral(node: unknown): boolean {
  const cast = (node as { TypeCast?: JsonObject } | undefined)?.TypeCast;
  if (!cast) return false;
  const type = catalogName(names((cast.typeName as JsonObject | undefined)?.names));
  const arg = (cast.arg as { A_Const?: { sval?: unknown } } | undefined)?.A_Const;
  return type === "interval" && arg?.sval !== undefined;
}

function containsColumnOrSubquery(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(containsColumnOrSubquery);
  if (typeof value !== "object" || value === null) return false;
  for (const key in value as JsonObject) {
    if (key === "ColumnRef" || key === "SubLink") return true;
    if (containsColumnOrSubquery((value as JsonObject)[key])) return true;
  }
  return false;
}

/**
 * generate_series is allowed with numeric literal bounds producing at most
 * MAX_SERIES_ROWS rows, or as a time series with a literal interval step and constant
 * bounds (bounded by the statement timeout). A set-returning function in FROM is
 * materialised in full before LIMIT applies, so the bound matters.
 */
function checkSeries(args: unknown): void {
  const list = Array.isArray(args) ? args : [];
  if (list.length < 2 || list.length > 3) refuse("generate_series needs 2 or 3 arguments");
  const values = list.map(numericConst);
  if (values.every((v) => v !== undefined && Number.isFinite(v))) {
    const [start, stop, step = 1] = values as number[];
    if (step === 0) refuse("generate_series step must not be zero");
    const rows = Math.floor((stop! - start!) / step) + 1;
    if (rows > MAX_SERIES_ROWS) {
      refuse(`generate_series would produce ${rows} rows (at most ${MAX_SERIES_ROWS})`);
    }
    return;
  }
  if (list.length === 3 && isIntervalLiteral(list[2]) && !containsColumnOrSubquery(list)) return;
  refuse("generate_series needs numeric literal bounds, or constant bounds and an interval step");
}

const KEYWORD_EXPR_KINDS = new Set([
  "AEXPR_BETWEEN",
  "AEXPR_NOT_BETWEEN",
  "AEXPR_BETWEEN_SYM",
  "AEXPR_NOT_BETWEEN_SYM",
]);

function checkOperator(list: unknown): void {
  const parts = names(list);
  const symbol = catalogName(parts);
  if (symbol === undefined || !ALLOWED_OPERATORS.has(symbol)) {
    refuse(`operator ${parts.join(".")} is not allowed`);
  }
}

function visitAExpr(body: JsonObject, facts: WalkFacts): void {
  // BETWEEN carries the keyword as its "name"; every other kind names a real operator.
  if (!KEYWORD_EXPR_KINDS.has(String(body.kind))) checkOperator(body.name);
  visitChildren(body, facts);
}

function visitSubLink(body: JsonObject, facts: WalkFacts): void {
  if (body.subLinkType === "ARRAY_SUBLINK") {
    refuse("ARRAY(subquery) is not allowed: it folds many rows into one value");
  }
  if (body.operName !== undefined) checkOperator(body.operName);
  visitChildren(body, facts);
}

function visitSortBy(body: JsonObject, facts: WalkFacts): void {
  if (body.useOp !== undefined) checkOperator(body.useOp);
  visitChildren(body, facts);
}

function checkTypeName(typeName: JsonObject | undefined): void {
  if (!typeName) return;
  const parts = names(typeName.names);
  const name = catalogName(parts);
  if (typeName.pct_type || typeName.setof) refuse(`type ${displayName(parts)} is not allowed`);
  if (name === undefined || !ALLOWED_TYPES.has(name)) {
    refuse(`cast to ${displayName(parts)} is not allowed`);
  }
}

function visitTypeCast(body: JsonObject, facts: WalkFacts): void {
  checkTypeName(body.typeName as JsonObject | undefined);
  visitChildren(body, facts);
}

function visitColumnRef(body: JsonObject, facts: WalkFacts): void {
  const fields = Array.isArray(body.fields) ? (body.fields as JsonObject[]) : [];
  const last = fields[fields.length - 1];
  if (last && "A_Star" in last) {
    // `TABLE x` is parsed as SELECT * with no source location for the star.
    if (fields.length === 1 && body.location === -1) {
      refuse("TABLE is not allowed: write SELECT with named columns");
    }
    refuse("SELECT * is not allowed: name the columns");
  }
  if (fields.length === 1) {
    const s = (last as { String?: { sval?: string } } | undefined)?.String?.sval;
    if (s !== undefined) facts.bareColumnRefs.push(s);
  }
}

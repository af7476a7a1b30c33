import {
  ALLOWED_FUNCTIONS,
  ALLOWED_OPERATORS,
  ALLOWED_SAMPLE_METHODS,
  ALLOWED_TYPES,
} from "./sql-guard-allowlists.ts";
import { catalogRule } from "./sql-guard-catalogs.ts";
import { checkFoldingCall, checkFoldingExpr, isValueSubquery } from "./sql-guard-folding.ts";
import {
  catalogName,
  displayName,
  type JsonObject,
  names,
  refuse,
  stringLiteral,
} from "./sql-guard-names.ts";
import { checkFromProducts } from "./sql-guard-products.ts";
import {
  checkJsonpathCast,
  checkRegexCall,
  checkRegexOperator,
  checkRegexText,
  checkReplaceCall,
} from "./sql-guard-regex-use.ts";
import { checkSeries } from "./sql-guard-series.ts";
import { describeRefusedNode, refusalHint, statementVerb } from "./sql-guard-statements.ts";

export { catalogName, type JsonObject, names, SqlRefusal } from "./sql-guard-names.ts";

/**
 * The generic walk over a libpg-query parse tree (JSON). Every object is visited; every
 * key that names a node type (PascalCase, e.g. `FuncCall`) must be on the node allowlist
 * below, so a construct the guard does not understand is refused instead of skipped.
 * Functions hidden in ORDER BY, FILTER, window frames, LATERAL, VALUES, casts or CTEs are
 * found because nothing is walked selectively.
 */

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
  /**
   * Every column name the statement mentions: the last name of each reference (`t.query`
   * → `query`), output names (`… as query`), alias column lists and USING lists — a
   * NATURAL or USING join compares a column without referencing it.
   */
  columnNames: Set<string>;
  /** Columns refused because a catalog that holds them is read, with the reason. */
  forbiddenColumns: Map<string, string>;
  /** Scalar subqueries that pick a row's value (sql-guard-folding.ts). */
  valueSubqueries: number;
  /** Scalar subqueries of any kind: numbers can encode a row's value too. */
  scalarSubqueries: number;
  /** The product of every generate_series' rows in the statement: the walk cannot tell
   * which series multiply each other (a correlated subquery runs once per outer row). */
  seriesRows: number;
  /** Current nesting of syntax nodes, capped at {@link MAX_NODE_DEPTH}. */
  depth: number;
}

/** Deeper trees are refused: no triage query nests this far, and the walk recurses. */
const MAX_NODE_DEPTH = 1000;

type Handler = (body: JsonObject, facts: WalkFacts) => void;

/** Node types that need no check of their own beyond visiting their children. */
const PLAIN_NODES = [
  "String",
  "Integer",
  "Float",
  "Boolean",
  "BitString",
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
  A_Const: visitConst,
  A_ArrayExpr: (body, facts) => {
    checkFoldingExpr("A_ArrayExpr", body);
    visitChildren(body, facts);
  },
  RowExpr: (body, facts) => {
    checkFoldingExpr("RowExpr", body);
    visitChildren(body, facts);
  },
  CommonTableExpr: visitCommonTableExpr,
  RangeVar: visitRangeVar,
  ResTarget: (body, facts) => {
    if (typeof body.name === "string") facts.columnNames.add(body.name);
    visitChildren(body, facts);
  },
  RangeSubselect: visitAliased,
  RangeFunction: visitAliased,
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
  const facts: WalkFacts = {
    relationNames: new Set(),
    bareColumnRefs: [],
    columnNames: new Set(),
    forbiddenColumns: new Map(),
    valueSubqueries: 0,
    scalarSubqueries: 0,
    seriesRows: 1,
    depth: 0,
  };
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
  const withClause = body.withClause as JsonObject | undefined;
  if (withClause?.recursive) {
    refuse(
      "WITH RECURSIVE is not allowed: a recursive query can fold every row into one value or recurse until the timeout",
    );
  }
  for (const key in body) {
    const child = body[key];
    // UNION/INTERSECT/EXCEPT arms are SelectStmt bodies without the wrapper key.
    if ((key === "larg" || key === "rarg") && child) visitSelect(child as JsonObject, facts);
    else visit(child, facts);
  }
  // After the children, so a refused function or catalog inside is named first.
  checkFromProducts(body);
}

/** A string literal may be a jsonpath with `like_regex`: its pattern is checked too. */
function visitConst(body: JsonObject): void {
  const text = stringLiteral({ A_Const: body });
  if (text?.includes("like_regex")) checkRegexText(text);
}

function visitCommonTableExpr(body: JsonObject, facts: WalkFacts): void {
  const query = body.ctequery as JsonObject | undefined;
  const type = query ? Object.keys(query)[0] : undefined;
  if (type !== "SelectStmt") {
    refuse(`data-modifying WITH (${statementVerb(type ?? "unknown", {})}) is not allowed`);
  }
  for (const name of names(body.aliascolnames)) facts.columnNames.add(name);
  visitChildren(body, facts);
}

function addAlias(body: JsonObject, facts: WalkFacts): void {
  const alias = body.alias as { aliasname?: string } | undefined;
  if (alias?.aliasname) facts.relationNames.add(alias.aliasname);
}

function visitRangeVar(body: JsonObject, facts: WalkFacts): void {
  const name = String(body.relname ?? "");
  if (body.catalogname) refuse(`cross-database reference to ${name} is not allowed`);
  const schema = typeof body.schemaname === "string" ? body.schemaname : undefined;
  const verdict = catalogRule(schema, name);
  if ("refused" in verdict) refuse(verdict.refused);
  if (verdict.catalog) {
    const colnames = (body.alias as { colnames?: unknown } | undefined)?.colnames;
    if (Array.isArray(colnames) && colnames.length > 0) {
      refuse(`column aliases on ${name} are not allowed: name its columns instead`);
    }
    for (const column of verdict.rule.forbiddenColumns ?? []) {
      facts.forbiddenColumns.set(
        column,
        `column ${column} of ${name} is not allowed: ${verdict.rule.why}`,
      );
    }
  }
  facts.relationNames.add(name);
  addAlias(body, facts);
  visitChildren(body, facts);
}

/** `(a JOIN b USING (id)) j` makes `j` a whole-row name for both tables' columns. */
function visitJoin(body: JsonObject, facts: WalkFacts): void {
  addAlias(body, facts);
  for (const name of names(body.usingClause)) facts.columnNames.add(name);
  visitAliased(body, facts);
}

/** A FROM item whose alias may rename its columns: `(…) v(query)`. */
function visitAliased(body: JsonObject, facts: WalkFacts): void {
  const colnames = (body.alias as { colnames?: unknown } | undefined)?.colnames;
  for (const name of names(colnames)) facts.columnNames.add(name);
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

function visitFuncCall(body: JsonObject, facts: WalkFacts): void {
  const parts = names(body.funcname);
  const name = catalogName(parts);
  if (name === undefined || !ALLOWED_FUNCTIONS.has(name)) {
    const hint = refusalHint(name ?? parts[parts.length - 1] ?? "");
    refuse(`function ${displayName(parts)} is not allowed${hint ? `: ${hint}` : ""}`);
  }
  if (name === "generate_series") facts.seriesRows *= checkSeries(body.args);
  checkFoldingCall(name, body);
  checkRegexCall(name, body);
  checkReplaceCall(name, body);
  visitChildren(body, facts);
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
  checkFoldingExpr("A_Expr", body);
  checkRegexOperator(body);
  visitChildren(body, facts);
}

function visitSubLink(body: JsonObject, facts: WalkFacts): void {
  if (body.subLinkType === "ARRAY_SUBLINK") {
    refuse("ARRAY(subquery) is not allowed: it folds many rows into one value");
  }
  if (body.operName !== undefined) checkOperator(body.operName);
  if (body.subLinkType === "EXPR_SUBLINK") facts.scalarSubqueries++;
  if (isValueSubquery(body)) facts.valueSubqueries++;
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
  checkJsonpathCast(body);
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
  const s = (last as { String?: { sval?: string } } | undefined)?.String?.sval;
  if (s !== undefined) {
    facts.columnNames.add(s);
    if (fields.length === 1) facts.bareColumnRefs.push(s);
  }
}

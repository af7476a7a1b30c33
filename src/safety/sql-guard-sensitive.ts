import { sensitiveColumn } from "../domain/sensitive-columns.ts";
import { catalogName, type JsonObject, names, refuse, stringLiteral } from "./sql-guard-names.ts";

/**
 * Sensitive columns by name: {@link SENSITIVE_COLUMN_PATTERNS}, {@link METADATA_SUFFIXES}
 * and {@link sensitiveColumn} live in src/domain/sensitive-columns.ts (specialists read
 * them too); what follows is how the guard refuses reading their values.
 */
export {
  METADATA_SUFFIXES,
  SENSITIVE_COLUMN_PATTERNS,
  sensitiveColumn,
} from "../domain/sensitive-columns.ts";

/** Functions whose result says nothing about the value beyond its presence or size. */
const NON_REVEALING_FUNCTIONS: ReadonlySet<string> = new Set([
  "count",
  "length",
  "char_length",
  "character_length",
  "octet_length",
  "bit_length",
  "pg_column_size",
]);

/** Operators whose result is a boolean: a comparison, as a WHERE would make. */
const PREDICATE_OPERATORS: ReadonlySet<string> = new Set([
  ...["=", "<>", "!=", "<", ">", "<=", ">="],
  ...["~~", "!~~", "~~*", "!~~*", "~", "!~", "~*", "!~*"],
  ...["@>", "<@", "?", "?|", "?&", "&&", "@?", "@@"],
]);
const PREDICATE_KINDS: ReadonlySet<string> = new Set([
  "AEXPR_DISTINCT",
  "AEXPR_NOT_DISTINCT",
  "AEXPR_IN",
  "AEXPR_LIKE",
  "AEXPR_ILIKE",
  "AEXPR_SIMILAR",
  "AEXPR_BETWEEN",
  "AEXPR_NOT_BETWEEN",
  "AEXPR_BETWEEN_SYM",
  "AEXPR_NOT_BETWEEN_SYM",
  "AEXPR_OP_ANY",
  "AEXPR_OP_ALL",
]);
const JSON_FIELD_OPERATORS: ReadonlySet<string> = new Set(["->", "->>", "#>", "#>>"]);

/** Where an expression's value goes: into the result, or only into a yes/no. */
type Mode = "value" | "predicate";

/** SELECT keys whose contents reach the result as values (the rest only filter or order). */
const OUTPUT_KEYS = new Set([
  "targetList",
  "fromClause",
  "withClause",
  "valuesLists",
  "larg",
  "rarg",
]);

function refuseColumn(name: string, what: string): never {
  refuse(
    `column ${name} is not allowed in a result: its name marks ${what} (compare or count it instead)`,
  );
}

function scanSelect(select: JsonObject, mode: Mode): void {
  for (const key in select) scan(select[key], OUTPUT_KEYS.has(key) ? mode : "predicate");
}

function scanFuncCall(call: JsonObject, mode: Mode): void {
  const name = catalogName(names(call.funcname));
  const inner = name !== undefined && NON_REVEALING_FUNCTIONS.has(name) ? "predicate" : mode;
  scan(call.args, inner);
  scan(call.agg_order, inner);
  // FILTER and OVER (PARTITION BY, ORDER BY) choose and order rows; they return nothing.
  scan(call.agg_filter, "predicate");
  scan(call.over, "predicate");
}

function scanAExpr(expr: JsonObject, mode: Mode): void {
  const op = catalogName(names(expr.name));
  const kind = String(expr.kind);
  // NULLIF also names "=", but returns its first argument: only a plain operator counts.
  const comparison = kind === "AEXPR_OP" && op !== undefined && PREDICATE_OPERATORS.has(op);
  if (PREDICATE_KINDS.has(kind) || comparison) {
    scan(expr.lexpr, "predicate");
    scan(expr.rexpr, "predicate");
    return;
  }
  if (mode === "value" && op !== undefined && JSON_FIELD_OPERATORS.has(op)) {
    const key = stringLiteral(expr.rexpr);
    const what = key === undefined ? undefined : sensitiveColumn(key);
    if (key !== undefined && what) refuseColumn(`key ${key}`, what);
  }
  scan(expr.lexpr, mode);
  scan(expr.rexpr, mode);
}

function scanSubLink(link: JsonObject, mode: Mode): void {
  scan(link.testexpr, "predicate");
  // EXISTS, IN and = ANY turn the subquery's rows into a yes/no; a scalar one returns its value.
  const select = (link.subselect as { SelectStmt?: JsonObject } | undefined)?.SelectStmt;
  if (select) scanSelect(select, link.subLinkType === "EXPR_SUBLINK" ? mode : "predicate");
}

function scanCase(expr: JsonObject, mode: Mode): void {
  scan(expr.arg, "predicate");
  for (const when of Array.isArray(expr.args) ? expr.args : []) {
    const w = (when as { CaseWhen?: JsonObject }).CaseWhen ?? {};
    scan(w.expr, "predicate");
    scan(w.result, mode);
  }
  scan(expr.defresult, mode);
}

function scan(value: unknown, mode: Mode): void {
  if (Array.isArray(value)) {
    for (const item of value) scan(item, mode);
    return;
  }
  if (typeof value !== "object" || value === null) return;
  const obj = value as JsonObject;
  for (const key in obj) {
    const child = obj[key] as JsonObject;
    switch (key) {
      case "SelectStmt":
        scanSelect(child, mode);
        break;
      case "JoinExpr":
        scan({ ...child, quals: undefined }, mode);
        scan(child.quals, "predicate");
        break;
      case "FuncCall":
        scanFuncCall(child, mode);
        break;
      case "A_Expr":
        scanAExpr(child, mode);
        break;
      case "SubLink":
        scanSubLink(child, mode);
        break;
      case "CaseExpr":
        scanCase(child, mode);
        break;
      case "NullTest":
      case "BooleanTest":
      case "BoolExpr":
        scan(child, "predicate");
        break;
      case "ColumnRef": {
        const fields = names((child as { fields?: unknown }).fields);
        const name = fields[fields.length - 1];
        const what = mode === "value" && name ? sensitiveColumn(name) : undefined;
        if (name && what) refuseColumn(name, what);
        break;
      }
      default:
        scan(child, mode);
    }
  }
}

/** Refuses a statement that reads a sensitive column's value out (module comment). */
export function checkSensitiveColumns(select: JsonObject): void {
  scanSelect(select, "value");
}

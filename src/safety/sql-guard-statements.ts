/**
 * Names for what the guard refuses: statement types as SQL words (`ExplainStmt` →
 * "EXPLAIN ANALYZE" when it analyses), constructs outside the node allowlist, and why a
 * well-known dangerous function is refused, so a reason reads like SQL rather than like
 * the parser's structs or a bare "not allowed".
 */

type JsonObject = { [key: string]: unknown };

const NODE_REFUSALS: Record<string, string> = {
  IntoClause: "SELECT INTO is not allowed",
  LockingClause: "a locking clause is not allowed",
  XmlExpr: "XML functions are not allowed",
  XmlSerialize: "XML functions are not allowed",
  RangeTableFunc: "XMLTABLE is not allowed",
  JsonTable: "JSON_TABLE is not allowed",
  ColumnDef: "column definition lists are not allowed",
};

export function describeRefusedNode(type: string, body: JsonObject): string {
  const known = NODE_REFUSALS[type];
  if (known) return known;
  if (type.endsWith("Stmt")) return `${statementVerb(type, body)} is not allowed here`;
  if (type.startsWith("Json")) return "SQL/JSON functions are not allowed";
  return `unsupported syntax (${type}) is not allowed`;
}

const STATEMENT_VERBS: Record<string, string> = {
  InsertStmt: "INSERT",
  UpdateStmt: "UPDATE",
  DeleteStmt: "DELETE",
  MergeStmt: "MERGE",
  CallStmt: "CALL",
  DoStmt: "DO",
  CopyStmt: "COPY",
  VariableShowStmt: "SHOW",
  LockStmt: "LOCK",
  ListenStmt: "LISTEN",
  NotifyStmt: "NOTIFY",
  UnlistenStmt: "UNLISTEN",
  PrepareStmt: "PREPARE",
  ExecuteStmt: "EXECUTE",
  DeallocateStmt: "DEALLOCATE",
  DeclareCursorStmt: "DECLARE CURSOR",
  FetchStmt: "FETCH",
  ClosePortalStmt: "CLOSE",
  TransactionStmt: "transaction control",
  CreateStmt: "CREATE TABLE",
  CreateTableAsStmt: "CREATE TABLE AS",
  TruncateStmt: "TRUNCATE",
  VacuumStmt: "VACUUM/ANALYZE",
  DiscardStmt: "DISCARD",
  LoadStmt: "LOAD",
  CheckPointStmt: "CHECKPOINT",
  GrantStmt: "GRANT/REVOKE",
  GrantRoleStmt: "GRANT/REVOKE role",
};

/** A statement type as SQL words: `ExplainStmt` → "EXPLAIN", `SET ROLE` for VariableSetStmt… */
export function statementVerb(type: string, body: JsonObject): string {
  if (type === "ExplainStmt") {
    const options = JSON.stringify(body.options ?? []);
    return options.includes('"defname":"analyze"') ? "EXPLAIN ANALYZE" : "EXPLAIN";
  }
  if (type === "VariableSetStmt") {
    if (body.kind === "VAR_RESET" || body.kind === "VAR_RESET_ALL") return "RESET";
    if (body.name === "role") return "SET ROLE";
    if (body.name === "session_authorization") return "SET SESSION AUTHORIZATION";
    if (body.name === "TRANSACTION") return "SET TRANSACTION";
    if (body.name === "SESSION CHARACTERISTICS") return "SET SESSION CHARACTERISTICS";
    return body.is_local ? "SET LOCAL" : "SET";
  }
  const known = STATEMENT_VERBS[type];
  if (known) return known;
  // AlterTableStmt → "ALTER TABLE", CreateFunctionStmt → "CREATE FUNCTION"
  return type
    .replace(/Stmt$/, "")
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toUpperCase();
}

/** Aggregates refused because one result cell can hold every row of the table. */
const FOLDING_AGGREGATES: ReadonlySet<string> = new Set([
  "array_agg",
  "string_agg",
  "json_agg",
  "jsonb_agg",
  "json_agg_strict",
  "jsonb_agg_strict",
  "json_object_agg",
  "jsonb_object_agg",
  "json_object_agg_strict",
  "jsonb_object_agg_strict",
  "json_object_agg_unique",
  "jsonb_object_agg_unique",
  "json_object_agg_unique_strict",
  "jsonb_object_agg_unique_strict",
  "xmlagg",
  "range_agg",
  "multirange_agg",
]);

/**
 * Why a well-known dangerous function is refused, so the reason says more than "not
 * allowed". Matching is by exact name or by prefix (entries ending in `*`). Anything not
 * on the allowlist is refused whether or not it appears here.
 */
const REFUSAL_HINTS: ReadonlyArray<readonly [string, string]> = [
  ["nextval", "it advances a sequence"],
  ["setval", "it changes a sequence"],
  ["currval", "sequence functions are not allowed"],
  ["lastval", "sequence functions are not allowed"],
  ["pg_advisory_*", "it takes an advisory lock"],
  ["pg_try_advisory_*", "it takes an advisory lock"],
  ["pg_terminate_backend", "it kills a session"],
  ["pg_cancel_backend", "it cancels a session's query"],
  ["pg_sleep*", "it holds a replica connection"],
  ["dblink*", "it opens another connection that is not read-only"],
  ["lo_*", "it touches large objects"],
  ["set_config", "it changes session settings"],
  ["current_setting", "settings can hold secrets"],
  ["pg_read_*", "it reads server files"],
  ["pg_ls_*", "it lists server files"],
  ["pg_stat_file", "it reads server files"],
  ["query_to_xml*", "it executes SQL text"],
  ["query_to_json*", "it executes SQL text"],
  ["cursor_to_xml*", "it executes SQL text"],
  ["table_to_xml*", "it dumps a whole table"],
  ["schema_to_xml*", "it dumps whole tables"],
  ["database_to_xml*", "it dumps whole tables"],
  ["pg_notify", "it sends a notification"],
  ["txid_*", "it can assign a transaction id"],
  ["pg_current_xact_id*", "it can assign a transaction id"],
  ["pg_reload_conf", "it reloads server configuration"],
  ["pg_rotate_logfile", "it rotates server logs"],
  ["pg_switch_wal", "it forces a WAL switch"],
  ["pg_create_*", "it creates server objects"],
  ["pg_drop_replication_slot", "it drops a replication slot"],
];

/** A short explanation for refusing `name`, or undefined when there is nothing to add. */
export function refusalHint(name: string): string | undefined {
  if (FOLDING_AGGREGATES.has(name)) {
    return "it folds many rows into one value, bypassing the row cap";
  }
  for (const [pattern, hint] of REFUSAL_HINTS) {
    const matches = pattern.endsWith("*")
      ? name.startsWith(pattern.slice(0, -1))
      : name === pattern;
    if (matches) return hint;
  }
  return undefined;
}

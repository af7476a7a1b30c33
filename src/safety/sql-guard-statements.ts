/**
 * Names for what the guard refuses by syntax node: statement types as SQL words
 * (`ExplainStmt` → "EXPLAIN ANALYZE" when it analyses) and constructs outside the
 * node allowlist, so a reason reads like SQL rather than like the parser's structs.
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

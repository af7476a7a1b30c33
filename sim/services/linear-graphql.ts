import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLError,
  Kind,
  type OperationDefinitionNode,
  parse,
  type SelectionSetNode,
  valueFromASTUntyped,
} from "graphql";

/**
 * A small GraphQL executor for the simulated Linear API. There is no schema: root fields
 * are resolver functions, and every other field is read from plain "node" objects whose
 * relation and connection fields are functions of the field's arguments. The SDK's
 * documents ask for far more fields than the world models; a field a node does not carry
 * answers null (the node builders supply every non-null list the SDK maps over). An
 * unknown *root* field is a validation error, as it would be against Linear.
 */

/** A GraphQL error in Linear's shape: `extensions.type` drives the SDK's error classes. */
export class GraphQLSimError extends Error {
  constructor(
    message: string,
    readonly extensions: Record<string, unknown>,
    readonly status = 200,
  ) {
    super(message);
  }
}

export function notFound(entity: string): GraphQLSimError {
  return new GraphQLSimError(`Entity not found: ${entity}`, {
    code: "INPUT_ERROR",
    type: "invalid input",
    userError: true,
    userPresentableMessage: `Could not find referenced ${entity}.`,
  });
}

export function invalidInput(message: string): GraphQLSimError {
  return new GraphQLSimError(message, {
    code: "INPUT_ERROR",
    type: "invalid input",
    userError: true,
    userPresentableMessage: message,
  });
}

function validationError(message: string, status = 400): GraphQLSimError {
  return new GraphQLSimError(
    message,
    { code: "GRAPHQL_VALIDATION_FAILED", type: "graphql error", userError: false },
    status,
  );
}

export type Args = Record<string, unknown>;
export type RootResolvers = Record<string, (args: Args) => unknown>;

export interface GraphQLRequestBody {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

/** A request parsed and its operation selected, ready for {@link execute}. */
export interface Prepared {
  operation: OperationDefinitionNode;
  fragments: Map<string, FragmentDefinitionNode>;
  variables: Args;
  rootFields: FieldNode[];
}

const ALWAYS_MATCHING_TYPES = new Set(["Node", "Entity"]);

function typeMatches(node: Record<string, unknown>, typeCondition: string | undefined): boolean {
  if (typeCondition === undefined || ALWAYS_MATCHING_TYPES.has(typeCondition)) return true;
  return node.__typename === undefined || node.__typename === typeCondition;
}

function argsOf(field: FieldNode, variables: Args): Args {
  const args: Args = {};
  for (const arg of field.arguments ?? []) {
    const value = valueFromASTUntyped(arg.value, variables);
    if (value !== undefined) args[arg.name.value] = value;
  }
  return args;
}

function mergeInto(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (
      existing &&
      value &&
      typeof existing === "object" &&
      typeof value === "object" &&
      !Array.isArray(existing) &&
      !Array.isArray(value)
    ) {
      mergeInto(existing as Record<string, unknown>, value as Record<string, unknown>);
    } else {
      target[key] = value;
    }
  }
}

class Projector {
  constructor(private readonly p: Prepared) {}

  value(raw: unknown, selectionSet: SelectionSetNode | undefined): unknown {
    if (raw === undefined || raw === null) return null;
    if (raw instanceof Date) return raw.toISOString();
    if (!selectionSet) return raw;
    if (Array.isArray(raw)) return raw.map((item) => this.value(item, selectionSet));
    if (typeof raw !== "object") return raw;
    return this.object(raw as Record<string, unknown>, selectionSet);
  }

  object(node: Record<string, unknown>, selectionSet: SelectionSetNode): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        const key = selection.alias?.value ?? name;
        let raw: unknown = name === "__typename" ? node.__typename : node[name];
        if (typeof raw === "function") raw = raw(argsOf(selection, this.p.variables));
        const projected = this.value(raw, selection.selectionSet);
        if (key in out) mergeInto(out, { [key]: projected });
        else out[key] = projected;
      } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = this.p.fragments.get(selection.name.value);
        if (!fragment) throw validationError(`Unknown fragment "${selection.name.value}".`);
        if (typeMatches(node, fragment.typeCondition.name.value)) {
          mergeInto(out, this.object(node, fragment.selectionSet));
        }
      } else if (typeMatches(node, selection.typeCondition?.name.value)) {
        mergeInto(out, this.object(node, selection.selectionSet));
      }
    }
    return out;
  }
}

const parsed = new Map<string, DocumentNode>();

function parseCached(query: string): DocumentNode {
  const hit = parsed.get(query);
  if (hit) return hit;
  let doc: DocumentNode;
  try {
    doc = parse(query);
  } catch (error) {
    const message = error instanceof GraphQLError ? error.message : String(error);
    throw new GraphQLSimError(
      message,
      { code: "GRAPHQL_PARSE_FAILED", type: "graphql error", userError: false },
      400,
    );
  }
  if (parsed.size > 500) parsed.clear();
  parsed.set(query, doc);
  return doc;
}

/** Parses the request and selects its operation; throws GraphQLSimError when malformed. */
export function prepare(body: GraphQLRequestBody): Prepared {
  if (typeof body?.query !== "string") throw validationError("Must provide query string.");
  const doc = parseCached(body.query);
  const operations = doc.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const wanted = typeof body.operationName === "string" ? body.operationName : undefined;
  const operation = wanted ? operations.find((o) => o.name?.value === wanted) : operations[0];
  if (!operation || (!wanted && operations.length > 1)) {
    throw validationError(
      wanted ? `Unknown operation named "${wanted}".` : "Must provide operation name.",
    );
  }
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of doc.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  }
  const variables: Args = {};
  for (const def of operation.variableDefinitions ?? []) {
    if (def.defaultValue)
      variables[def.variable.name.value] = valueFromASTUntyped(def.defaultValue);
  }
  if (body.variables && typeof body.variables === "object") {
    Object.assign(variables, body.variables);
  }
  const rootFields = operation.selectionSet.selections.filter(
    (s): s is FieldNode => s.kind === Kind.FIELD,
  );
  return { operation, fragments, variables, rootFields };
}

interface ExecutionResult {
  status: number;
  body: { data: Record<string, unknown> | null; errors?: unknown[] };
}

/** Runs a prepared operation against root resolvers for queries and mutations. */
export function execute(
  p: Prepared,
  roots: { query: RootResolvers; mutation: RootResolvers },
): ExecutionResult {
  const kind = p.operation.operation;
  const typeName = kind === "mutation" ? "Mutation" : kind === "query" ? "Query" : "Subscription";
  const resolvers = kind === "mutation" ? roots.mutation : kind === "query" ? roots.query : {};
  for (const field of p.rootFields) {
    const name = field.name.value;
    if (name !== "__typename" && !Object.hasOwn(resolvers, name)) {
      const e = validationError(`Cannot query field "${name}" on type "${typeName}".`);
      return { status: e.status, body: { data: null, errors: [errorJson(e, [])] } };
    }
  }
  const projector = new Projector(p);
  const data: Record<string, unknown> = {};
  const errors: unknown[] = [];
  let status = 200;
  for (const field of p.rootFields) {
    const key = field.alias?.value ?? field.name.value;
    if (field.name.value === "__typename") {
      data[key] = typeName;
      continue;
    }
    try {
      const resolved = resolvers[field.name.value]?.(argsOf(field, p.variables));
      data[key] = projector.value(resolved, field.selectionSet);
    } catch (error) {
      if (!(error instanceof GraphQLSimError)) throw error;
      status = Math.max(status, error.status);
      errors.push(errorJson(error, [key]));
      data[key] = null;
    }
  }
  const allFailed = errors.length > 0 && errors.length === p.rootFields.length;
  return {
    status,
    body: errors.length > 0 ? { data: allFailed ? null : data, errors } : { data },
  };
}

export function errorJson(error: GraphQLSimError, path: string[]): Record<string, unknown> {
  return {
    message: error.message,
    ...(path.length > 0 ? { path } : {}),
    extensions: error.extensions,
  };
}

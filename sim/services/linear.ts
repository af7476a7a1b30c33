import type {
  SimContext,
  SimHandled,
  SimRequest,
  SimService,
  SimServiceInstance,
} from "../types.ts";
import { type LinearData, linearDataSchema } from "./linear-data.ts";
import {
  type Args,
  errorJson,
  execute,
  type GraphQLRequestBody,
  GraphQLSimError,
  invalidInput,
  notFound,
  type Prepared,
  prepare,
  type RootResolvers,
} from "./linear-graphql.ts";
import { LinearNodes } from "./linear-nodes.ts";
import { type CommentRec, type IssueRec, type LinearState, LinearStore } from "./linear-store.ts";

/**
 * Linear's GraphQL API at `POST {mount}/graphql`, enough for `@linear/sdk`'s LinearClient
 * (`apiUrl: world.urls.linear`) to read issues with their labels, state, team, comments
 * and attachments, and to create and update comments and issues. Requests need the
 * `Authorization` header (a personal API key as is, or "Bearer <token>").
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function authenticationError(): GraphQLSimError {
  return new GraphQLSimError(
    "Authentication required, not authenticated",
    {
      code: "AUTHENTICATION_ERROR",
      type: "authentication error",
      userError: true,
      userPresentableMessage: "You need to authenticate to access this operation.",
    },
    400,
  );
}

function input(args: Args): Args {
  const value = args.input;
  if (!value || typeof value !== "object") throw invalidInput("Argument input is required");
  return value as Args;
}

function requiredString(obj: Args, key: string): string {
  const value = obj[key];
  if (typeof value !== "string" || value.length === 0) {
    throw invalidInput(`${key} must be a non-empty string`);
  }
  return value;
}

class LinearSim implements SimServiceInstance {
  readonly store: LinearStore;
  readonly state: LinearState;
  readonly #nodes: LinearNodes;
  readonly #query: RootResolvers;
  readonly #mutation: RootResolvers;
  /**
   * Each request's parsed operation, or why it has none: the server identifies a request
   * (to match faults) before handling it, and both need the parse.
   */
  readonly #parsed = new WeakMap<SimRequest, { prepared: Prepared } | { error: unknown }>();

  constructor(data: LinearData, ctx: SimContext) {
    this.store = new LinearStore(data, ctx);
    this.state = this.store;
    const s = this.store;
    const n = new LinearNodes(s);
    this.#nodes = n;
    const byId =
      <T>(map: Map<string, T>, entity: string, build: (v: T) => unknown) =>
      (args: Args) => {
        const v = map.get(String(args.id));
        if (!v) throw notFound(entity);
        return build(v);
      };
    this.#query = {
      viewer: () => n.user(s.viewer),
      organization: () => n.organization(),
      issue: (args) => n.issue(this.#issue(args.id)),
      issues: (args) =>
        n.conn(
          "Issue",
          [...s.issues.values()].map((i) => n.issue(i)),
          args,
        ),
      comment: byId(s.commentRecs, "Comment", (c) => n.comment(c)),
      comments: (args) =>
        n.conn(
          "Comment",
          [...s.commentRecs.values()].map((c) => n.comment(c)),
          args,
        ),
      team: (args) => {
        const t = s.teams.get(String(args.id)) ?? s.teamByKey(String(args.id));
        if (!t) throw notFound("Team");
        return n.team(t);
      },
      teams: (args) =>
        n.conn(
          "Team",
          [...s.teams.values()].map((t) => n.team(t)!),
          args,
        ),
      workflowState: byId(s.states, "WorkflowState", (v) => n.state(v)),
      workflowStates: (args) =>
        n.conn(
          "WorkflowState",
          [...s.states.values()].map((v) => n.state(v)!),
          args,
        ),
      issueLabel: byId(s.labels, "IssueLabel", (l) => n.label(l)),
      issueLabels: (args) =>
        n.conn(
          "IssueLabel",
          [...s.labels.values()].map((l) => n.label(l)),
          args,
        ),
      user: byId(s.users, "User", (u) => n.user(u)),
      users: (args) =>
        n.conn(
          "User",
          [...s.users.values()].map((u) => n.user(u)!),
          args,
        ),
      attachment: byId(s.attachments, "Attachment", (a) => n.attachment(a)),
    };
    this.#mutation = {
      commentCreate: (args) => this.#commentCreate(input(args)),
      commentUpdate: (args) => this.#commentUpdate(String(args.id), input(args)),
      issueUpdate: (args) => this.#issueUpdate(this.#issue(args.id), input(args)),
      issueAddLabel: (args) =>
        this.#issueUpdate(this.#issue(args.id), { addedLabelIds: [args.labelId] }),
      issueRemoveLabel: (args) =>
        this.#issueUpdate(this.#issue(args.id), { removedLabelIds: [args.labelId] }),
    };
  }

  #issue(id: unknown): IssueRec {
    const issue = typeof id === "string" ? this.store.findIssue(id) : undefined;
    if (!issue) throw notFound("Issue");
    return issue;
  }

  #parse(req: SimRequest): { prepared: Prepared } | { error: unknown } {
    let parsed = this.#parsed.get(req);
    if (!parsed) {
      try {
        parsed = { prepared: prepare((req.body ?? {}) as GraphQLRequestBody) };
      } catch (error) {
        parsed = { error };
      }
      this.#parsed.set(req, parsed);
    }
    return parsed;
  }

  identify(req: SimRequest): string {
    if (req.path !== "/graphql") return `${req.method} ${req.path}`;
    const parsed = this.#parse(req);
    if ("error" in parsed) return "graphql";
    return parsed.prepared.rootFields.map((f) => f.name.value).join(",") || "graphql";
  }

  handle(req: SimRequest): SimHandled {
    const method = this.identify(req);
    if (req.path !== "/graphql" || req.method !== "POST") {
      return {
        method,
        status: 404,
        body: { errors: [{ message: `No route ${req.method} ${req.path}; POST /graphql` }] },
      };
    }
    const body = (req.body ?? {}) as GraphQLRequestBody;
    const recordedBody = { operationName: body.operationName, variables: body.variables };
    try {
      const auth = req.headers.authorization ?? "";
      const key = auth.startsWith("Bearer ") ? auth.slice("Bearer ".length) : auth;
      // Authentication is checked before the document: a bad key hides a bad query.
      if (key !== this.store.data.apiKey) throw authenticationError();
      const parsed = this.#parse(req);
      if ("error" in parsed) throw parsed.error;
      const result = execute(parsed.prepared, { query: this.#query, mutation: this.#mutation });
      return { method, status: result.status, body: result.body, recordedBody };
    } catch (error) {
      if (!(error instanceof GraphQLSimError)) throw error;
      return {
        method,
        status: error.status,
        body: { data: null, errors: [errorJson(error, [])] },
        recordedBody,
      };
    }
  }

  #payload(kind: "comment" | "issue", value: unknown) {
    return {
      __typename: kind === "comment" ? "CommentPayload" : "IssuePayload",
      success: true,
      lastSyncId: this.store.nextSyncId(),
      [kind]: value,
    };
  }

  #commentCreate(input: Args) {
    const s = this.store;
    const issue = this.#issue(input.issueId);
    const body = requiredString(input, "body");
    // Linear lets clients choose the comment id, which makes creation idempotent.
    const id = typeof input.id === "string" ? input.id : s.newId("comment");
    if (!UUID.test(id)) throw invalidInput("id must be a UUID");
    if (s.commentRecs.has(id)) throw invalidInput("Comment with this id already exists");
    const parentId = typeof input.parentId === "string" ? input.parentId : undefined;
    if (parentId !== undefined && !s.commentRecs.has(parentId)) throw notFound("Comment");
    const now = s.nowIso();
    const comment: CommentRec = {
      id,
      issueId: issue.id,
      body,
      userId: s.viewer.id,
      ...(parentId ? { parentId } : {}),
      createdAt: now,
      updatedAt: now,
    };
    s.commentRecs.set(id, comment);
    issue.updatedAt = now;
    return this.#payload("comment", this.#nodes.comment(comment));
  }

  #commentUpdate(id: string, input: Args) {
    const s = this.store;
    const comment = s.commentRecs.get(id);
    if (!comment) throw notFound("Comment");
    if (comment.userId !== s.viewer.id) {
      throw new GraphQLSimError("Forbidden: only the author can edit a comment", {
        code: "FORBIDDEN",
        type: "forbidden",
        userError: true,
        userPresentableMessage: "You can only edit your own comments.",
      });
    }
    if (input.body !== undefined) comment.body = requiredString(input, "body");
    const now = s.nowIso();
    comment.updatedAt = now;
    comment.editedAt = now;
    return this.#payload("comment", this.#nodes.comment(comment));
  }

  #issueUpdate(issue: IssueRec, input: Args) {
    const s = this.store;
    if (typeof input.title === "string") issue.title = input.title;
    if (typeof input.description === "string") issue.description = input.description;
    if (typeof input.priority === "number") issue.priority = input.priority;
    if (input.stateId !== undefined) {
      const state = s.states.get(String(input.stateId));
      if (!state || state.teamId !== issue.teamId) throw notFound("WorkflowState");
      issue.stateId = state.id;
    }
    if (input.assigneeId !== undefined) {
      if (input.assigneeId !== null && !s.users.has(String(input.assigneeId)))
        throw notFound("User");
      issue.assigneeId = input.assigneeId === null ? undefined : String(input.assigneeId);
    }
    const labelIds = (v: unknown): string[] => {
      if (!Array.isArray(v)) throw invalidInput("label ids must be a list");
      for (const id of v) if (!s.labels.has(String(id))) throw notFound("IssueLabel");
      return v.map(String);
    };
    if (input.labelIds !== undefined) issue.labelIds = [...new Set(labelIds(input.labelIds))];
    if (input.addedLabelIds !== undefined) {
      issue.labelIds = [...new Set([...issue.labelIds, ...labelIds(input.addedLabelIds)])];
    }
    if (input.removedLabelIds !== undefined) {
      const removed = new Set(labelIds(input.removedLabelIds));
      issue.labelIds = issue.labelIds.filter((id) => !removed.has(id));
    }
    issue.updatedAt = s.nowIso();
    return this.#payload("issue", this.#nodes.issue(issue));
  }
}

export const linearService: SimService<LinearData> = {
  name: "linear",
  mount: "/linear",
  sdkPath: "/graphql",
  dataSchema: linearDataSchema,
  create: (data, ctx) => new LinearSim(data, ctx),
};

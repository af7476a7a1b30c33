import { type Args, invalidInput } from "./linear-graphql.ts";
import type {
  AttachmentRec,
  CommentRec,
  IssueRec,
  LabelRec,
  LinearStore,
  StateRec,
  TeamRec,
  UserRec,
} from "./linear-store.ts";

/**
 * Builds the GraphQL-facing objects of the simulated Linear API from the store's records.
 * Relations and connections are functions (called with the field's arguments by the
 * executor), so nothing is computed unless a query asks for it. Every non-null list the
 * SDK's model constructors map over (reactions, sharedAccess.sharedWithUsers, …) is set.
 */
type Node = Record<string, unknown>;

const PRIORITY_LABELS = ["No priority", "Urgent", "High", "Medium", "Low"];
const COMPARATORS = new Set([
  "eq",
  "neq",
  "in",
  "nin",
  "gt",
  "gte",
  "lt",
  "lte",
  "contains",
  "containsIgnoreCase",
  "notContains",
  "startsWith",
  "endsWith",
  "null",
]);

/** Linear filters accept ISO-8601 durations ("-P2W") relative to now for date fields. */
function resolveRelativeDate(value: unknown, now: Date): unknown {
  if (typeof value !== "string") return value;
  const m = /^(-)?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(value);
  if (!m || value === "P" || value === "-P") return value;
  const [, minus, w = "0", d = "0", h = "0", min = "0"] = m;
  const ms = ((Number(w) * 7 + Number(d)) * 24 * 60 + Number(h) * 60 + Number(min)) * 60_000;
  return new Date(now.getTime() + (minus ? -ms : ms)).toISOString();
}

function compare(value: unknown, op: string, expected: unknown): boolean {
  const s = (v: unknown) => (v === null || v === undefined ? v : String(v));
  switch (op) {
    case "eq":
      return value === expected;
    case "neq":
      return value !== expected;
    case "in":
      return Array.isArray(expected) && expected.includes(value);
    case "nin":
      return Array.isArray(expected) && !expected.includes(value);
    case "gt":
      return value !== null && value !== undefined && (value as string) > (expected as string);
    case "gte":
      return value !== null && value !== undefined && (value as string) >= (expected as string);
    case "lt":
      return value !== null && value !== undefined && (value as string) < (expected as string);
    case "lte":
      return value !== null && value !== undefined && (value as string) <= (expected as string);
    case "contains":
      return typeof value === "string" && value.includes(String(expected));
    case "notContains":
      return typeof value === "string" && !value.includes(String(expected));
    case "containsIgnoreCase":
      return String(s(value) ?? "")
        .toLowerCase()
        .includes(String(expected).toLowerCase());
    case "startsWith":
      return typeof value === "string" && value.startsWith(String(expected));
    case "endsWith":
      return typeof value === "string" && value.endsWith(String(expected));
    case "null":
      return (value === null || value === undefined) === expected;
    default:
      throw invalidInput(`Unsupported filter comparator ${op}`);
  }
}

function fieldValue(node: Node, key: string): unknown {
  let v = node[key];
  if (typeof v === "function") v = v({});
  if (v && typeof v === "object" && "nodes" in v) v = (v as { nodes: unknown }).nodes;
  return v;
}

function matchValue(value: unknown, cond: unknown, now: Date): boolean {
  if (!cond || typeof cond !== "object") return true;
  const entries = Object.entries(cond as Record<string, unknown>);
  if (entries.every(([k]) => COMPARATORS.has(k))) {
    return entries.every(([op, expected]) =>
      compare(value, op, op === "null" ? expected : resolveRelativeDate(expected, now)),
    );
  }
  if (Array.isArray(value)) {
    const c = cond as Record<string, unknown>;
    if (c.some) return value.some((el) => matchesFilter(el as Node, c.some, now));
    if (c.every) return value.every((el) => matchesFilter(el as Node, c.every, now));
    return value.some((el) => matchesFilter(el as Node, cond, now));
  }
  if (value === null || value === undefined) return false;
  return matchesFilter(value as Node, cond, now);
}

/** Evaluates the subset of Linear's filter language prode uses (comparators, and/or, some/every). */
export function matchesFilter(node: Node, filter: unknown, now: Date): boolean {
  if (!filter || typeof filter !== "object") return true;
  return Object.entries(filter as Record<string, unknown>).every(([key, cond]) => {
    if (key === "and") return (cond as unknown[]).every((f) => matchesFilter(node, f, now));
    if (key === "or") return (cond as unknown[]).some((f) => matchesFilter(node, f, now));
    return matchValue(fieldValue(node, key), cond, now);
  });
}

/**
 * A Relay-style connection (`nodes`, `edges`, `pageInfo`) with Linear's arguments:
 * first/after, last/before (cursors are node ids), filter, orderBy (createdAt|updatedAt).
 * Default page size 50, as Linear's.
 */
export function connection(typename: string, items: Node[], args: Args, now: Date): Node {
  const orderBy = args.orderBy === "updatedAt" ? "updatedAt" : "createdAt";
  let list = items
    .filter((n) => matchesFilter(n, args.filter, now))
    .sort((a, b) => String(a[orderBy]).localeCompare(String(b[orderBy])));
  const indexOf = (cursor: unknown) => list.findIndex((n) => n.id === cursor);
  if (typeof args.after === "string") {
    const i = indexOf(args.after);
    if (i < 0) throw invalidInput("Invalid cursor for after");
    list = list.slice(i + 1);
  }
  if (typeof args.before === "string") {
    const i = indexOf(args.before);
    if (i < 0) throw invalidInput("Invalid cursor for before");
    list = list.slice(0, i);
  }
  const total = list.length;
  const first = typeof args.first === "number" ? args.first : undefined;
  const last = typeof args.last === "number" ? args.last : undefined;
  let start = 0;
  let end = total;
  if (last !== undefined && first === undefined) start = Math.max(0, total - last);
  else end = Math.min(total, first ?? 50);
  const page = list.slice(start, end);
  return {
    __typename: `${typename}Connection`,
    nodes: page,
    edges: page.map((node) => ({ __typename: `${typename}Edge`, node, cursor: node.id })),
    pageInfo: {
      __typename: "PageInfo",
      startCursor: page[0]?.id ?? null,
      endCursor: page[page.length - 1]?.id ?? null,
      hasNextPage: end < total,
      hasPreviousPage: start > 0 || typeof args.after === "string",
    },
  };
}

export class LinearNodes {
  constructor(private readonly store: LinearStore) {}

  #now(): Date {
    return this.store.ctx.now();
  }

  conn(typename: string, items: Node[], args: Args): Node {
    return connection(typename, items, args, this.#now());
  }

  user(u: UserRec | undefined): Node | null {
    if (!u) return null;
    const { urlKey } = this.store.data.organization;
    return {
      __typename: "User",
      id: u.id,
      name: u.name,
      displayName: u.displayName,
      email: u.email ?? null,
      initials: u.name.slice(0, 2).toUpperCase(),
      active: true,
      admin: false,
      owner: false,
      guest: false,
      app: u.isViewer,
      isMe: u.isViewer,
      isAssignable: true,
      isMentionable: true,
      supportsAgentSessions: false,
      canAccessAnyPublicTeam: true,
      createdIssueCount: 0,
      timezone: "Etc/UTC",
      url: `https://linear.app/${urlKey}/profiles/${u.displayName}`,
      createdAt: "2025-01-06T09:00:00.000Z",
      updatedAt: "2025-01-06T09:00:00.000Z",
      assignedIssues: (args: Args) =>
        this.conn(
          "Issue",
          this.#issuesWhere((i) => i.assigneeId === u.id),
          args,
        ),
    };
  }

  team(t: TeamRec | undefined): Node | null {
    if (!t) return null;
    return {
      __typename: "Team",
      id: t.id,
      key: t.key,
      name: t.name,
      displayName: t.name,
      private: false,
      timezone: "Etc/UTC",
      triageEnabled: true,
      cyclesEnabled: false,
      issueCount: [...this.store.issues.values()].filter((i) => i.teamId === t.id).length,
      createdAt: "2025-01-06T09:00:00.000Z",
      updatedAt: "2025-01-06T09:00:00.000Z",
      states: (args: Args) =>
        this.conn(
          "WorkflowState",
          [...this.store.states.values()]
            .filter((s) => s.teamId === t.id)
            .map((s) => this.state(s)!),
          args,
        ),
      labels: (args: Args) =>
        this.conn(
          "IssueLabel",
          [...this.store.labels.values()].map((l) => this.label(l)),
          args,
        ),
      issues: (args: Args) =>
        this.conn(
          "Issue",
          this.#issuesWhere((i) => i.teamId === t.id),
          args,
        ),
      members: (args: Args) =>
        this.conn(
          "User",
          [...this.store.users.values()].map((u) => this.user(u)!),
          args,
        ),
    };
  }

  state(s: StateRec | undefined): Node | null {
    if (!s) return null;
    return {
      __typename: "WorkflowState",
      id: s.id,
      name: s.name,
      type: s.type,
      color: s.color,
      position: s.position,
      description: null,
      createdAt: "2025-01-06T09:00:00.000Z",
      updatedAt: "2025-01-06T09:00:00.000Z",
      team: () => this.team(this.store.teams.get(s.teamId)),
      issues: (args: Args) =>
        this.conn(
          "Issue",
          this.#issuesWhere((i) => i.stateId === s.id),
          args,
        ),
    };
  }

  label(l: LabelRec): Node {
    return {
      __typename: "IssueLabel",
      id: l.id,
      name: l.name,
      color: l.color,
      description: null,
      isGroup: false,
      createdAt: "2025-01-06T09:00:00.000Z",
      updatedAt: "2025-01-06T09:00:00.000Z",
      team: null,
      parent: null,
      issues: (args: Args) =>
        this.conn(
          "Issue",
          this.#issuesWhere((i) => i.labelIds.includes(l.id)),
          args,
        ),
      children: (args: Args) => this.conn("IssueLabel", [], args),
    };
  }

  #issuesWhere(predicate: (i: IssueRec) => boolean): Node[] {
    return [...this.store.issues.values()].filter(predicate).map((i) => this.issue(i));
  }

  issue(i: IssueRec): Node {
    const store = this.store;
    return {
      __typename: "Issue",
      id: i.id,
      identifier: i.identifier,
      number: i.number,
      title: i.title,
      description: i.description,
      priority: i.priority,
      priorityLabel: PRIORITY_LABELS[i.priority] ?? "No priority",
      url: store.issueUrl(i),
      branchName: `prode/${i.identifier.toLowerCase()}`,
      labelIds: [...i.labelIds],
      previousIdentifiers: [],
      reactions: [],
      reactionData: [],
      customerTicketCount: 0,
      sortOrder: -i.number,
      boardOrder: 0,
      prioritySortOrder: -i.number,
      trashed: false,
      inheritsSharedAccess: true,
      sharedAccess: {
        __typename: "IssueSharedAccess",
        isShared: false,
        sharedWithCount: 0,
        sharedWithUsers: [],
        disallowedIssueFields: [],
        viewerHasOnlySharedAccess: false,
      },
      createdAt: i.createdAt,
      updatedAt: i.updatedAt,
      team: () => this.team(store.teams.get(i.teamId)),
      state: () => this.state(store.states.get(i.stateId)),
      assignee: () => this.user(i.assigneeId ? store.users.get(i.assigneeId) : undefined),
      creator: () => this.user(i.creatorId ? store.users.get(i.creatorId) : undefined),
      labels: (args: Args) =>
        this.conn(
          "IssueLabel",
          i.labelIds.flatMap((id) => {
            const l = store.labels.get(id);
            return l ? [this.label(l)] : [];
          }),
          args,
        ),
      comments: (args: Args) =>
        this.conn(
          "Comment",
          store.commentsOf(i.id).map((c) => this.comment(c)),
          args,
        ),
      attachments: (args: Args) =>
        this.conn(
          "Attachment",
          [...store.attachments.values()]
            .filter((a) => a.issueId === i.id)
            .map((a) => this.attachment(a)),
          args,
        ),
      children: (args: Args) => this.conn("Issue", [], args),
      parent: null,
      project: null,
      cycle: null,
    };
  }

  comment(c: CommentRec): Node {
    const store = this.store;
    const issue = store.issues.get(c.issueId);
    return {
      __typename: "Comment",
      id: c.id,
      body: c.body,
      issueId: c.issueId,
      parentId: c.parentId ?? null,
      url: issue ? `${store.issueUrl(issue)}#comment-${c.id.slice(0, 8)}` : null,
      reactions: [],
      reactionData: [],
      createdAt: c.createdAt,
      updatedAt: c.updatedAt,
      editedAt: c.editedAt ?? null,
      issue: () => (issue ? this.issue(issue) : null),
      user: () => this.user(store.users.get(c.userId)),
      parent: () => {
        const p = c.parentId ? store.commentRecs.get(c.parentId) : undefined;
        return p ? this.comment(p) : null;
      },
      children: (args: Args) =>
        this.conn(
          "Comment",
          [...store.commentRecs.values()]
            .filter((x) => x.parentId === c.id)
            .map((x) => this.comment(x)),
          args,
        ),
    };
  }

  attachment(a: AttachmentRec): Node {
    const issue = this.store.issues.get(a.issueId);
    return {
      __typename: "Attachment",
      id: a.id,
      title: a.title,
      subtitle: a.subtitle ?? null,
      url: a.url,
      sourceType: a.sourceType ?? null,
      metadata: a.metadata,
      groupBySource: false,
      createdAt: a.createdAt,
      updatedAt: a.createdAt,
      issue: () => (issue ? this.issue(issue) : null),
    };
  }

  organization(): Node {
    const o = this.store.data.organization;
    return {
      __typename: "Organization",
      id: o.id,
      name: o.name,
      urlKey: o.urlKey,
      projectStatuses: [],
      createdAt: "2025-01-06T09:00:00.000Z",
      updatedAt: "2025-01-06T09:00:00.000Z",
    };
  }
}

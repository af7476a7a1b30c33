import { connection } from "./linear-connection.ts";
import { PRIORITY_LABELS } from "./linear-data.ts";
import type { Args } from "./linear-graphql.ts";
import {
  type AttachmentRec,
  type CommentRec,
  type IssueRec,
  type LabelRec,
  type LinearStore,
  type StateRec,
  stableUuid,
  type TeamRec,
  type UserRec,
} from "./linear-store.ts";

/**
 * Builds the GraphQL-facing objects of the simulated Linear API from the store's records.
 * Relations and connections are functions (called with the field's arguments by the
 * executor), so nothing is computed unless a query asks for it. Every non-null list the
 * SDK's model constructors map over (reactions, sharedAccess.sharedWithUsers, …) is set.
 */
type Node = Record<string, unknown>;

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
      project: i.project
        ? {
            __typename: "Project",
            id: stableUuid(`project:${i.project}`),
            name: i.project,
            slugId: i.project
              .toLowerCase()
              .replace(/[^a-z0-9]+/g, "-")
              .replace(/^-|-$/g, ""),
            createdAt: i.createdAt,
            updatedAt: i.updatedAt,
          }
        : null,
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

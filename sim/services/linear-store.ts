import { createHash } from "node:crypto";
import type { SimContext } from "../types.ts";
import { type LinearData, PRIORITY_LABELS, type WorkflowStateType } from "./linear-data.ts";

/** A UUID derived from a seed, so scenario ids and created ids replay identically. */
export function stableUuid(seed: string): string {
  const h = createHash("sha256").update(seed).digest("hex");
  const variant = ((Number.parseInt(h[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function slugify(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 60);
}

export interface UserRec {
  id: string;
  key: string;
  name: string;
  displayName: string;
  email?: string;
  isViewer: boolean;
}
export interface TeamRec {
  id: string;
  key: string;
  name: string;
}
export interface StateRec {
  id: string;
  teamId: string;
  name: string;
  type: WorkflowStateType;
  color: string;
  position: number;
}
export interface LabelRec {
  id: string;
  name: string;
  color: string;
}
export interface IssueRec {
  id: string;
  identifier: string;
  number: number;
  teamId: string;
  title: string;
  description: string;
  priority: number;
  stateId: string;
  labelIds: string[];
  /** The project's name, when the issue belongs to one. */
  project?: string;
  assigneeId?: string;
  creatorId?: string;
  createdAt: string;
  updatedAt: string;
}
export interface CommentRec {
  id: string;
  issueId: string;
  body: string;
  userId: string;
  parentId?: string;
  createdAt: string;
  updatedAt: string;
  editedAt?: string;
}
export interface AttachmentRec {
  id: string;
  issueId: string;
  title: string;
  subtitle?: string;
  url: string;
  sourceType?: string;
  metadata: Record<string, unknown>;
  createdAt: string;
}

/** What tests read back: an issue as a human sees it, with names instead of ids. */
interface LinearIssueView {
  id: string;
  identifier: string;
  title: string;
  description: string;
  state: string;
  labels: string[];
  priority: number;
  updatedAt: string;
}
interface LinearCommentView {
  id: string;
  issue: string;
  body: string;
  user: string;
  createdAt: string;
  updatedAt: string;
  editedAt?: string;
}

export interface LinearState {
  issue(idOrIdentifier: string): LinearIssueView | undefined;
  /** Comments on an issue, oldest first. */
  comments(idOrIdentifier: string): LinearCommentView[];
  /** The `data` object of a webhook delivery for an Issue (id or identifier) or a Comment id. */
  webhookData(type: "Issue" | "Comment", id: string): Record<string, unknown> | undefined;
  readonly data: LinearData;
}

/** The mutable Linear workspace of one world. */
export class LinearStore implements LinearState {
  readonly data: LinearData;
  readonly ctx: SimContext;
  readonly users = new Map<string, UserRec>();
  readonly teams = new Map<string, TeamRec>();
  readonly states = new Map<string, StateRec>();
  readonly labels = new Map<string, LabelRec>();
  readonly issues = new Map<string, IssueRec>();
  readonly commentRecs = new Map<string, CommentRec>();
  readonly attachments = new Map<string, AttachmentRec>();
  readonly viewer: UserRec;
  #syncId = 1000;
  #created = 0;

  constructor(data: LinearData, ctx: SimContext) {
    this.data = data;
    this.ctx = ctx;
    this.viewer = { ...data.viewer, key: "__viewer", isViewer: true };
    this.users.set(this.viewer.id, this.viewer);
    for (const u of data.users) {
      const id = u.id ?? stableUuid(`user:${u.key}`);
      this.users.set(id, { ...u, id, displayName: u.displayName ?? u.name, isViewer: false });
    }
    for (const t of data.teams) {
      const team = { id: stableUuid(`team:${t.key}`), key: t.key, name: t.name };
      this.teams.set(team.id, team);
      data.states.forEach((s, position) => {
        const id = stableUuid(`state:${t.key}:${s.name}`);
        this.states.set(id, { id, teamId: team.id, position, ...s });
      });
    }
    for (const l of data.labels) this.labelByName(l.name, l.color);
    for (const issue of data.issues) this.#seedIssue(issue);
  }

  #seedIssue(issue: LinearData["issues"][number]): void {
    const [teamKey = "", num = "0"] = issue.identifier.split("-");
    const team = this.teamByKey(teamKey);
    const state = [...this.states.values()].find(
      (s) => s.teamId === team?.id && s.name === issue.state,
    );
    if (!team || !state) return;
    const id = issue.id ?? stableUuid(`issue:${issue.identifier}`);
    this.issues.set(id, {
      id,
      identifier: issue.identifier,
      number: Number(num),
      teamId: team.id,
      title: issue.title,
      description: issue.description,
      priority: issue.priority,
      stateId: state.id,
      labelIds: issue.labels.map((name) => this.labelByName(name).id),
      ...(issue.project ? { project: issue.project } : {}),
      assigneeId: this.userByKey(issue.assignee)?.id,
      creatorId: this.userByKey(issue.creator)?.id,
      createdAt: issue.createdAt,
      updatedAt: issue.updatedAt ?? issue.createdAt,
    });
    issue.comments.forEach((c, i) => {
      const cid = c.id ?? stableUuid(`comment:${issue.identifier}:${i}`);
      this.commentRecs.set(cid, {
        id: cid,
        issueId: id,
        body: c.body,
        userId: this.userByKey(c.user)?.id ?? this.viewer.id,
        createdAt: c.createdAt,
        updatedAt: c.createdAt,
      });
    });
    issue.attachments.forEach((a, i) => {
      const aid = a.id ?? stableUuid(`attachment:${issue.identifier}:${i}`);
      this.attachments.set(aid, {
        id: aid,
        issueId: id,
        title: a.title,
        subtitle: a.subtitle,
        url: a.url,
        sourceType: a.sourceType,
        metadata: a.metadata,
        createdAt: a.createdAt ?? issue.createdAt,
      });
    });
  }

  teamByKey(key: string): TeamRec | undefined {
    return [...this.teams.values()].find((t) => t.key === key);
  }

  userByKey(key: string | undefined): UserRec | undefined {
    if (key === undefined) return undefined;
    return [...this.users.values()].find((u) => u.key === key);
  }

  labelByName(name: string, color = "#bec2c8"): LabelRec {
    const existing = [...this.labels.values()].find((l) => l.name === name);
    if (existing) return existing;
    const label = { id: stableUuid(`label:${name}`), name, color };
    this.labels.set(label.id, label);
    return label;
  }

  /** Linear accepts an issue's UUID or its identifier ("ENG-123") wherever an id goes. */
  findIssue(idOrIdentifier: string): IssueRec | undefined {
    return (
      this.issues.get(idOrIdentifier) ??
      [...this.issues.values()].find((i) => i.identifier === idOrIdentifier.toUpperCase())
    );
  }

  nowIso(): string {
    return this.ctx.now().toISOString();
  }

  nextSyncId(): number {
    this.#syncId += 1;
    return this.#syncId;
  }

  newId(kind: string): string {
    this.#created += 1;
    return stableUuid(`${kind}:created:${this.#created}`);
  }

  issueUrl(issue: IssueRec): string {
    return `https://linear.app/${this.data.organization.urlKey}/issue/${issue.identifier}/${slugify(issue.title)}`;
  }

  issue(idOrIdentifier: string): LinearIssueView | undefined {
    const i = this.findIssue(idOrIdentifier);
    if (!i) return undefined;
    return {
      id: i.id,
      identifier: i.identifier,
      title: i.title,
      description: i.description,
      state: this.states.get(i.stateId)?.name ?? "",
      labels: i.labelIds.map((l) => this.labels.get(l)?.name ?? l),
      priority: i.priority,
      updatedAt: i.updatedAt,
    };
  }

  commentsOf(issueId: string): CommentRec[] {
    return [...this.commentRecs.values()]
      .filter((c) => c.issueId === issueId)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  comments(idOrIdentifier: string): LinearCommentView[] {
    const issue = this.findIssue(idOrIdentifier);
    if (!issue) return [];
    return this.commentsOf(issue.id).map((c) => ({
      id: c.id,
      issue: issue.identifier,
      body: c.body,
      user: this.users.get(c.userId)?.name ?? c.userId,
      createdAt: c.createdAt,
      updatedAt: c.updatedAt,
      ...(c.editedAt ? { editedAt: c.editedAt } : {}),
    }));
  }

  webhookData(type: "Issue" | "Comment", id: string): Record<string, unknown> | undefined {
    if (type === "Comment") {
      const c = this.commentRecs.get(id);
      const issue = c ? this.issues.get(c.issueId) : undefined;
      if (!c || !issue) return undefined;
      const user = this.users.get(c.userId);
      return {
        id: c.id,
        createdAt: c.createdAt,
        updatedAt: c.updatedAt,
        body: c.body,
        issueId: issue.id,
        userId: c.userId,
        issue: {
          id: issue.id,
          identifier: issue.identifier,
          title: issue.title,
          teamId: issue.teamId,
          url: this.issueUrl(issue),
        },
        ...(user ? { user: { id: user.id, name: user.name } } : {}),
      };
    }
    const i = this.findIssue(id);
    if (!i) return undefined;
    const state = this.states.get(i.stateId);
    const team = this.teams.get(i.teamId);
    return {
      id: i.id,
      createdAt: i.createdAt,
      updatedAt: i.updatedAt,
      number: i.number,
      title: i.title,
      description: i.description,
      priority: i.priority,
      priorityLabel: PRIORITY_LABELS[i.priority],
      identifier: i.identifier,
      url: this.issueUrl(i),
      teamId: i.teamId,
      stateId: i.stateId,
      assigneeId: i.assigneeId ?? null,
      creatorId: i.creatorId ?? null,
      labelIds: [...i.labelIds],
      subscriberIds: [],
      previousIdentifiers: [],
      state: state
        ? { id: state.id, name: state.name, type: state.type, color: state.color }
        : null,
      team: team ? { id: team.id, key: team.key, name: team.name } : null,
      labels: i.labelIds.flatMap((l) => {
        const label = this.labels.get(l);
        return label ? [{ id: label.id, name: label.name, color: label.color }] : [];
      }),
    };
  }
}

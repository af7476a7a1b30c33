/**
 * Every renderer by the kind name `prode render` uses, with the schema of its view model
 * and the surface it is shown on. A plain table: add one entry per renderer.
 */
import type { z } from "zod";
import { renderAppHome } from "./app-home.ts";
import { renderApprovalDecided } from "./approval-decided.ts";
import { renderApprovalRequest } from "./approval-request.ts";
import { renderEvidenceBundle } from "./evidence-bundle.ts";
import { renderHelp } from "./help.ts";
import type { RenderedMessage } from "./kit.ts";
import type { Surface } from "./limits.ts";
import { renderMilestone } from "./milestone.ts";
import { renderParentMessage } from "./parent-message.ts";
import {
  appHomeSchema,
  approvalDecidedSchema,
  approvalRequestSchema,
  evidenceBundleSchema,
  helpSchema,
  milestoneSchema,
  parentMessageSchema,
  statusSchema,
} from "./schemas.ts";
import { renderStatus } from "./status.ts";

/** A renderer with the schema of its input and where its output is shown. */
interface RenderKind<T> {
  schema: z.ZodType<T>;
  render: (view: T, now: Date) => RenderedMessage;
  surface: Surface;
}

function kind<T>(
  schema: z.ZodType<T>,
  render: RenderKind<T>["render"],
  surface: Surface = "message",
) {
  // The generic is erased in the table below; this keeps each entry's pairing checked.
  return { schema, render, surface } as RenderKind<unknown>;
}

/** The kinds of `prode render`, each with its schema, renderer and surface. */
export const RENDER_KINDS = {
  parent: kind(parentMessageSchema, renderParentMessage),
  milestone: kind(milestoneSchema, renderMilestone),
  evidence: kind(evidenceBundleSchema, renderEvidenceBundle),
  approval: kind(approvalRequestSchema, renderApprovalRequest),
  "approval-decided": kind(approvalDecidedSchema, renderApprovalDecided),
  status: kind(statusSchema, renderStatus),
  help: kind(helpSchema, renderHelp),
  home: kind(appHomeSchema, renderAppHome, "home"),
} as const satisfies Record<string, RenderKind<unknown>>;

/** "parent", "milestone", … */
type RenderKindName = keyof typeof RENDER_KINDS;

/** Whether `name` is one of {@link RENDER_KINDS}. */
export function isRenderKindName(name: string): name is RenderKindName {
  return Object.hasOwn(RENDER_KINDS, name);
}

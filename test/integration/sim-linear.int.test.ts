import {
  AuthenticationLinearError,
  GraphqlLinearError,
  InvalidInputLinearError,
  LinearClient,
} from "@linear/sdk";
import { LinearWebhookClient } from "@linear/sdk/webhooks";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startWorld, type World } from "../../sim/server.ts";
import { linearWebhook } from "../../sim/services/linear-webhook.ts";

let world: World;
let linear: LinearClient;

beforeEach(async () => {
  world = await startWorld({ scenario: "backend-500-pr" });
  linear = new LinearClient({ apiKey: world.scenario.linear.apiKey, apiUrl: world.urls.linear });
});
afterEach(async () => {
  await world.close();
});

describe("the simulated Linear GraphQL API with the real LinearClient", () => {
  it("reads the ticket by identifier with its labels, state, team, comments and attachments", async () => {
    const issue = await linear.issue("ENG-4821");
    expect(issue.identifier).toBe("ENG-4821");
    expect(issue.title).toBe("Onboarding completion fails with 500 after today's deploy");
    expect(issue.description).toContain("https://acme-sim.sentry.io/issues/4502117730/");
    expect(issue.createdAt.toISOString()).toBe("2026-11-20T14:19:27.000Z");
    expect(issue.url).toMatch(/^https:\/\/linear\.app\/acme-sim\/issue\/ENG-4821\//);

    expect((await issue.labels()).nodes.map((l) => l.name)).toEqual([
      "prode",
      "sentry-issue",
      "bug",
    ]);
    expect((await issue.state)?.name).toBe("Triage");
    expect((await issue.state)?.type).toBe("triage");
    expect((await issue.team)?.key).toBe("ENG");
    const comments = await issue.comments();
    expect(comments.nodes).toHaveLength(2);
    expect(comments.nodes[0]?.body).toContain("req_01JD9QB1E3G5J7L9N1Q3S5U7W9");
    expect((await comments.nodes[0]?.user)?.name).toBe("Jamal Okafor");
    const attachments = await issue.attachments();
    expect(attachments.nodes[0]).toMatchObject({
      url: "https://acme-sim.sentry.io/issues/4502117730/",
      sourceType: "sentry",
    });

    // The same issue by UUID.
    expect((await linear.issue(issue.id)).identifier).toBe("ENG-4821");
  });

  it("creates a comment as the viewer and updates it in place", async () => {
    const viewer = await linear.viewer;
    expect(viewer).toMatchObject({ name: "prode", isMe: true });

    const created = await linear.createComment({
      issueId: "ENG-4821",
      body: "prode: triage started (run r1)",
    });
    expect(created.success).toBe(true);
    const comment = await created.comment;
    expect(comment?.body).toBe("prode: triage started (run r1)");
    expect((await comment?.user)?.id).toBe(viewer.id);

    const updated = await linear.updateComment(comment!.id, {
      body: "prode: classified code_defect (run r1)",
    });
    expect(updated.success).toBe(true);
    expect(updated.lastSyncId).toBeGreaterThan(created.lastSyncId);

    const mine = world.state.linear.comments("ENG-4821").filter((c) => c.user === "prode");
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      id: comment!.id,
      body: "prode: classified code_defect (run r1)",
    });
    expect(mine[0]?.editedAt).toBeDefined();
    expect(world.calls({ service: "linear" }).map((c) => c.method)).toEqual([
      "viewer",
      "commentCreate",
      "comment",
      "user",
      "commentUpdate",
    ]);
    expect(world.calls({ method: "commentCreate" })[0]?.body).toMatchObject({
      variables: { input: { issueId: "ENG-4821", body: "prode: triage started (run r1)" } },
    });
  });

  it("creates idempotently with a client-chosen id: the second create is refused", async () => {
    const id = "3b5f3a5e-8c1d-4f6e-9a2b-7c8d9e0f1a2b";
    await linear.createComment({ id, issueId: "ENG-4821", body: "once" });
    const again = await linear
      .createComment({ id, issueId: "ENG-4821", body: "twice" })
      .catch((e: unknown) => e);
    expect(again).toBeInstanceOf(InvalidInputLinearError);
    expect(
      world.state.linear
        .comments("ENG-4821")
        .filter((c) => c.id === id)
        .map((c) => c.body),
    ).toEqual(["once"]);
  });

  it("pages through an issue's comments as the SDK asks", async () => {
    for (let i = 0; i < 3; i += 1)
      await linear.createComment({ issueId: "ENG-4821", body: `note ${i}` });
    const issue = await linear.issue("ENG-4821");
    const page = await issue.comments({ first: 2 });
    expect(page.nodes).toHaveLength(2);
    expect(page.pageInfo.hasNextPage).toBe(true);
    await page.fetchNext();
    await page.fetchNext();
    expect(page.nodes.map((c) => c.body.slice(0, 6))).toEqual([
      "Two mo",
      "Acking",
      "note 0",
      "note 1",
      "note 2",
    ]);
    expect(page.pageInfo.hasNextPage).toBe(false);
  });

  it("updates the issue's state and labels", async () => {
    const team = await (await linear.issue("ENG-4821")).team;
    const states = await team!.states();
    const inProgress = states.nodes.find((s) => s.name === "In Progress");
    const labels = await linear.issueLabels({ filter: { name: { eq: "infra" } } });
    expect(labels.nodes).toHaveLength(1);
    await linear.updateIssue("ENG-4821", {
      stateId: inProgress!.id,
      addedLabelIds: [labels.nodes[0]!.id],
    });
    expect(world.state.linear.issue("ENG-4821")).toMatchObject({
      state: "In Progress",
      labels: ["prode", "sentry-issue", "bug", "infra"],
    });
  });

  it("finds issues by label for the polling fallback", async () => {
    const found = await linear.issues({
      filter: { labels: { some: { name: { in: ["prode"] } } } },
    });
    expect(found.nodes.map((i) => i.identifier)).toEqual(["ENG-4821"]);
    const none = await linear.issues({ filter: { labels: { some: { name: { eq: "billing" } } } } });
    expect(none.nodes).toEqual([]);
  });

  it("refuses requests without the API key and unknown operations with GraphQL errors", async () => {
    const anonymous = new LinearClient({ apiKey: "lin_api_wrong", apiUrl: world.urls.linear });
    await expect(anonymous.viewer).rejects.toBeInstanceOf(AuthenticationLinearError);

    const response = await fetch(world.urls.linear, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: world.scenario.linear.apiKey },
      body: JSON.stringify({ query: "query { roadmaps { nodes { id } } }" }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      data: null,
      errors: [
        {
          message: 'Cannot query field "roadmaps" on type "Query".',
          extensions: {
            code: "GRAPHQL_VALIDATION_FAILED",
            type: "graphql error",
            userError: false,
          },
        },
      ],
    });
    await expect(
      linear.client.rawRequest("query { roadmaps { nodes { id } } }"),
    ).rejects.toBeInstanceOf(GraphqlLinearError);
    await expect(linear.issue("ENG-9999")).rejects.toBeInstanceOf(InvalidInputLinearError);
    expect(world.calls({ service: "linear" }).at(-1)).toMatchObject({
      method: "issue",
      status: 200,
    });
  });
});

describe("linearWebhook", () => {
  it("builds a delivery that Linear's own verifier accepts, with the issue's data", async () => {
    const delivery = linearWebhook(world, {
      action: "update",
      type: "Issue",
      data: { identifier: "ENG-4821" },
      updatedFrom: { labelIds: [] },
    });
    const verifier = new LinearWebhookClient(world.scenario.linear.webhookSecret);
    const payload = verifier.parseData(
      Buffer.from(delivery.body),
      delivery.headers["linear-signature"]!,
    );
    expect(payload).toMatchObject({
      action: "update",
      type: "Issue",
      data: {
        identifier: "ENG-4821",
        labels: [{ name: "prode" }, { name: "sentry-issue" }, { name: "bug" }],
        team: { key: "ENG" },
        state: { name: "Triage" },
      },
    });
    expect(delivery.headers["linear-delivery"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(delivery.headers["linear-event"]).toBe("Issue");
  });

  it("is rejected with the wrong secret or an old timestamp, and reuses a delivery id on request", () => {
    const verifier = new LinearWebhookClient(world.scenario.linear.webhookSecret);
    const forged = linearWebhook(
      world,
      { action: "create", type: "Issue", data: { id: "x" } },
      "not-the-secret",
    );
    expect(() =>
      verifier.verify(Buffer.from(forged.body), forged.headers["linear-signature"]!),
    ).toThrow("Invalid webhook signature");
    const stale = linearWebhook(world, {
      action: "create",
      type: "Issue",
      data: { identifier: "ENG-4821" },
      webhookTimestamp: Date.now() - 120_000,
    });
    expect(() =>
      verifier.verify(Buffer.from(stale.body), stale.headers["linear-signature"]!),
    ).toThrow("Invalid webhook timestamp");
    const a = linearWebhook(world, {
      action: "create",
      type: "Issue",
      data: { identifier: "ENG-4821" },
      deliveryId: "d-1",
    });
    expect(a.headers["linear-delivery"]).toBe("d-1");
  });
});

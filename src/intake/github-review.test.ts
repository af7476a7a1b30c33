import { describe, expect, it } from "vitest";
import { MAX_STORED_BODY, reviewNoteOf } from "./github-review.ts";

const pull_request = { number: 7, html_url: "https://github.com/acme/api/pull/7" };
const review = {
  id: 11,
  user: { login: "ana" },
  state: "APPROVED",
  body: "LGTM",
  html_url: "https://github.com/acme/api/pull/7#pullrequestreview-11",
  submitted_at: "2025-03-04T03:10:00Z",
};
const comment = {
  id: 12,
  user: { login: "bo" },
  body: "nit",
  path: "src/a.ts",
  line: null,
  original_line: 3,
  start_line: null,
  html_url: "https://github.com/acme/api/pull/7#discussion_r12",
};

describe("reviewNoteOf", () => {
  it("a submitted review becomes one note keyed by the review's id, its state in lower case", () => {
    expect(
      reviewNoteOf("pull_request_review", { action: "submitted", pull_request, review }),
    ).toEqual({
      note: {
        ref: "review.11",
        kind: "review",
        pr: { number: 7, url: pull_request.html_url },
        login: "ana",
        state: "approved",
        body: "LGTM",
        url: review.html_url,
        at: review.submitted_at,
      },
    });
  });

  it("a created comment names its file and, on an outdated diff, the line it was written on", () => {
    const made = reviewNoteOf("pull_request_review_comment", {
      action: "created",
      pull_request,
      comment,
    });
    expect(made).toMatchObject({
      note: { ref: "comment.12", kind: "comment", login: "bo", path: "src/a.ts", line: 3 },
    });
  });

  it("edits, dismissals, deletions and a text-less comments-only review post nothing", () => {
    const skip = (made: ReturnType<typeof reviewNoteOf>) => "skip" in made;
    expect(
      skip(reviewNoteOf("pull_request_review", { action: "edited", pull_request, review })),
    ).toBe(true);
    expect(
      skip(reviewNoteOf("pull_request_review", { action: "dismissed", pull_request, review })),
    ).toBe(true);
    expect(
      skip(
        reviewNoteOf("pull_request_review", {
          action: "submitted",
          pull_request,
          review: { ...review, state: "commented", body: null },
        }),
      ),
    ).toBe(true);
    expect(
      skip(
        reviewNoteOf("pull_request_review_comment", { action: "deleted", pull_request, comment }),
      ),
    ).toBe(true);
  });

  it("the stored body is capped and redacted, a login null on a deleted account reads ghost", () => {
    const made = reviewNoteOf("pull_request_review", {
      action: "submitted",
      pull_request,
      review: {
        ...review,
        user: null,
        body: `token ghp_Q7s9dK2mP4xZ8vB1nR6tY3wE5uI0oA2cL9fH, mail jane.doe@acme-corp.io ${"x".repeat(10_000)}`,
      },
    });
    if (!("note" in made)) throw new Error("no note");
    expect(made.note.login).toBe("ghost");
    expect(made.note.body.length).toBeLessThanOrEqual(MAX_STORED_BODY);
    expect(made.note.body).toContain("[REDACTED:github_token]");
    expect(made.note.body).not.toContain("jane.doe");
  });
});

import { describe, expect, it } from "vitest";
import { connection, matchesFilter } from "./linear-connection.ts";
import { execute, notFound, prepare } from "./linear-graphql.ts";

const now = new Date("2026-11-20T12:00:00Z");
const issue = {
  __typename: "Issue",
  id: "i1",
  identifier: "ENG-1",
  title: "Broken",
  labels: () => ({ nodes: [{ __typename: "IssueLabel", id: "l1", name: "prode" }] }),
  team: () => ({ __typename: "Team", id: "t1", key: "ENG" }),
  reactions: [],
  comments: (args: Record<string, unknown>) =>
    connection(
      "Comment",
      [1, 2, 3].map((n) => ({
        __typename: "Comment",
        id: `c${n}`,
        createdAt: `2026-11-20T0${n}:00:00Z`,
      })),
      args,
      now,
    ),
};
const roots = {
  query: {
    issue: (args: Record<string, unknown>) => {
      if (args.id !== "ENG-1") throw notFound("Issue");
      return issue;
    },
  },
  mutation: {},
};

describe("the schema-less GraphQL executor", () => {
  it("resolves fragments, aliases, variables and field arguments; unknown fields answer null", () => {
    const p = prepare({
      query: `query q($id: String!, $n: Int) {
        issue(id: $id) {
          ...IssueFields
          name: title
          unknownField
          page: comments(first: $n) { nodes { id } pageInfo { hasNextPage endCursor } }
        }
      }
      fragment IssueFields on Issue { __typename id identifier team { key } reactions { id } }`,
      variables: { id: "ENG-1", n: 2 },
    });
    expect(execute(p, roots)).toEqual({
      status: 200,
      body: {
        data: {
          issue: {
            __typename: "Issue",
            id: "i1",
            identifier: "ENG-1",
            team: { key: "ENG" },
            reactions: [],
            name: "Broken",
            unknownField: null,
            page: {
              nodes: [{ id: "c1" }, { id: "c2" }],
              pageInfo: { hasNextPage: true, endCursor: "c2" },
            },
          },
        },
      },
    });
  });

  it("skips fragments on another type", () => {
    const p = prepare({
      query: `{ issue(id: "ENG-1") { id ... on Comment { body } ...P } } fragment P on Project { name }`,
    });
    expect(execute(p, roots).body.data).toEqual({ issue: { id: "i1" } });
  });

  it("answers an unknown root field with a validation error in Linear's shape", () => {
    const result = execute(
      prepare({ query: '{ issueVcsBranchSearch(branchName: "x") { id } }' }),
      roots,
    );
    expect(result.status).toBe(400);
    expect(result.body).toEqual({
      data: null,
      errors: [
        {
          message: 'Cannot query field "issueVcsBranchSearch" on type "Query".',
          extensions: {
            code: "GRAPHQL_VALIDATION_FAILED",
            type: "graphql error",
            userError: false,
          },
        },
      ],
    });
  });

  it("reports a missing entity as an INPUT_ERROR at its path", () => {
    const result = execute(prepare({ query: `{ issue(id: "ENG-404") { id } }` }), roots);
    expect(result.body.data).toBeNull();
    expect(result.body.errors).toEqual([
      expect.objectContaining({
        message: "Entity not found: Issue",
        path: ["issue"],
        extensions: expect.objectContaining({ type: "invalid input", code: "INPUT_ERROR" }),
      }),
    ]);
  });

  it("refuses a syntax error with GRAPHQL_PARSE_FAILED", () => {
    expect(() => prepare({ query: "{ issue(" })).toThrow(/Syntax Error/);
  });
});

describe("Linear filters and connections", () => {
  it("matches comparators, nested relations, collections (some/every) and and/or", () => {
    expect(matchesFilter(issue, { identifier: { eq: "ENG-1" } }, now)).toBe(true);
    expect(matchesFilter(issue, { team: { key: { in: ["OPS"] } } }, now)).toBe(false);
    expect(matchesFilter(issue, { labels: { name: { eq: "prode" } } }, now)).toBe(true);
    expect(matchesFilter(issue, { labels: { some: { name: { eq: "sentry-issue" } } } }, now)).toBe(
      false,
    );
    expect(
      matchesFilter(
        issue,
        { or: [{ title: { containsIgnoreCase: "BROKEN" } }, { id: { eq: "x" } }] },
        now,
      ),
    ).toBe(true);
  });

  it("resolves relative dates (-P1D) against the world clock", () => {
    const node = { updatedAt: "2026-11-19T18:00:00Z" };
    expect(matchesFilter(node, { updatedAt: { gt: "-P1D" } }, now)).toBe(true);
    expect(matchesFilter(node, { updatedAt: { gt: "-PT2H" } }, now)).toBe(false);
  });

  it("pages forward with after and backward with last, by createdAt", () => {
    const items = ["c", "a", "b"].map((id, i) => ({
      id,
      createdAt: `2026-11-20T0${3 - i}:00:00Z`,
    }));
    const first = connection("Comment", items, { first: 2 }, now) as {
      nodes: { id: string }[];
      pageInfo: { endCursor: string; hasNextPage: boolean };
    };
    expect(first.nodes.map((n) => n.id)).toEqual(["b", "a"]);
    const next = connection(
      "Comment",
      items,
      { first: 2, after: first.pageInfo.endCursor },
      now,
    ) as {
      nodes: { id: string }[];
      pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean };
    };
    expect(next.nodes.map((n) => n.id)).toEqual(["c"]);
    expect(next.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const last = connection("Comment", items, { last: 1 }, now) as { nodes: { id: string }[] };
    expect(last.nodes.map((n) => n.id)).toEqual(["c"]);
  });
});

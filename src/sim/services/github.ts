import type { SimService } from "../types.ts";
import { type GithubData, githubDataSchema } from "./github-data.ts";

export type { GithubData };
export { githubDataSchema };

/** Placeholder until the routes land; keeps the scenario schema composable. */
export const githubService: SimService<GithubData> = {
  name: "github",
  mount: "/github",
  dataSchema: githubDataSchema,
  create: () => ({
    handle: () => ({ status: 501, body: { message: "not implemented" }, method: "unimplemented" }),
  }),
};

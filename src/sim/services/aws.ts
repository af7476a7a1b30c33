import type { SimService } from "../types.ts";
import { type AwsData, awsDataSchema } from "./aws-data.ts";

export type { AwsData };
export { awsDataSchema };

/** Placeholder until the routes land; keeps the scenario schema composable. */
export const awsService: SimService<AwsData> = {
  name: "aws",
  mount: "/aws",
  dataSchema: awsDataSchema,
  create: () => ({
    handle: () => ({ status: 501, body: { message: "not implemented" }, method: "unimplemented" }),
  }),
};

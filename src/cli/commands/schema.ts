import {
  evidenceJsonSchema,
  isPublishedSchemaName,
  PUBLISHED_SCHEMA_NAMES,
} from "../../domain/evidence.ts";
import { type Command, UsageError } from "../command.ts";

const schema: Command = {
  usage: `Usage: prode schema <name>\n\nNames: ${PUBLISHED_SCHEMA_NAMES.join(", ")}\nPrints the JSON Schema (draft 2020-12) to stdout.`,
  async run(args, io) {
    const name = args[0];
    if (name === undefined || args.length > 1 || !isPublishedSchemaName(name)) {
      const got = name === undefined ? "no schema name" : `unknown schema '${args.join(" ")}'`;
      throw new UsageError(`${got}; known: ${PUBLISHED_SCHEMA_NAMES.join(", ")}`);
    }
    io.stdout.write(`${JSON.stringify(evidenceJsonSchema(name), null, 2)}\n`);
    return 0;
  },
};
export default schema;

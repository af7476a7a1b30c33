import { eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { approvals } from "../db/schema.ts";

export async function approvalRow(db: Db, id: string) {
  const [row] = await db.select().from(approvals).where(eq(approvals.id, id));
  return row;
}

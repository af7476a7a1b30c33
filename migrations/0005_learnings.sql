CREATE TABLE "learnings" (
	"run_id" text PRIMARY KEY NOT NULL,
	"ticket" text NOT NULL,
	"outcome" text NOT NULL,
	"class" text,
	"confidence" integer,
	"decision" text,
	"reasons" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"helped" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"gaps" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"wiki_pages" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"monitor_verdict" text,
	"pr_url" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "learnings" ADD CONSTRAINT "learnings_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "learnings_created" ON "learnings" USING btree ("created_at");
CREATE TABLE "verdict_feedback" (
	"run_id" text NOT NULL,
	"user_id" text NOT NULL,
	"verdict" text NOT NULL,
	"prode_outcome" text,
	"correct_outcome" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "verdict_feedback_run_id_user_id_pk" PRIMARY KEY("run_id","user_id")
);
--> statement-breakpoint
ALTER TABLE "verdict_feedback" ADD CONSTRAINT "verdict_feedback_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE no action ON UPDATE no action;
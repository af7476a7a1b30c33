import { randomUUID } from "node:crypto";
import type { AwsData } from "./aws-data.ts";
import {
  type LogRecord,
  MalformedQueryError,
  type QueryOutcome,
  runInsightsQuery,
} from "./aws-logs-query.ts";

/**
 * CloudWatch Logs (JSON 1.1, `X-Amz-Target: Logs_20140328.<Operation>`): Logs Insights
 * `StartQuery` / `GetQueryResults` / `StopQuery`, and `DescribeLogGroups` for health checks
 * (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/). A query is
 * evaluated when it starts and reported `Running` for `queryRunningPolls` polls first, so
 * clients exercise their polling loop.
 */

export class LogsError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface QueryState {
  outcome: QueryOutcome;
  pollsLeft: number;
  status: "Running" | "Complete" | "Cancelled";
  logGroups: string[];
}

type Input = Record<string, unknown>;

export class SimLogs {
  private readonly queries = new Map<string, QueryState>();

  constructor(private readonly data: AwsData) {}

  private groupName(identifier: string): string {
    // Identifiers may be ARNs: arn:aws:logs:region:account:log-group:NAME[:*]
    const arn = /^arn:aws:logs:[^:]*:[^:]*:log-group:([^:]+)(?::\*)?$/.exec(identifier);
    return arn ? arn[1]! : identifier;
  }

  run(operation: string, input: Input): unknown {
    switch (operation) {
      case "StartQuery":
        return this.startQuery(input);
      case "GetQueryResults":
        return this.getQueryResults(input);
      case "StopQuery":
        return this.stopQuery(input);
      case "DescribeLogGroups":
        return this.describeLogGroups(input);
      default:
        throw new LogsError(
          "UnknownOperationException",
          `Operation ${operation} is not simulated.`,
        );
    }
  }

  private startQuery(input: Input) {
    const names = [
      ...(typeof input.logGroupName === "string" ? [input.logGroupName] : []),
      ...(Array.isArray(input.logGroupNames) ? input.logGroupNames : []),
      ...(Array.isArray(input.logGroupIdentifiers) ? input.logGroupIdentifiers : []),
    ].map((n) => this.groupName(String(n)));
    if (names.length === 0) {
      throw new LogsError(
        "InvalidParameterException",
        "One of logGroupName, logGroupNames or logGroupIdentifiers is required.",
      );
    }
    const { startTime, endTime, queryString } = input;
    if (
      typeof startTime !== "number" ||
      typeof endTime !== "number" ||
      typeof queryString !== "string"
    ) {
      throw new LogsError(
        "InvalidParameterException",
        "startTime, endTime and queryString are required.",
      );
    }
    if (endTime < startTime)
      throw new LogsError("InvalidParameterException", "endTime must not be before startTime.");
    const groups = names.map((name) => {
      const group = this.data.logGroups.find((g) => g.name === name);
      if (!group)
        throw new LogsError(
          "ResourceNotFoundException",
          `Log group '${name}' does not exist for account ID '${this.data.accountId}'`,
        );
      return group;
    });
    // startTime/endTime are epoch seconds; both ends are inclusive.
    const records: LogRecord[] = groups.flatMap((group) =>
      group.events
        .map((e) => ({
          timestamp: Date.parse(e.timestamp),
          message: e.message,
          logStream: e.logStream,
          logGroup: group.name,
        }))
        .filter((r) => r.timestamp >= startTime * 1000 && r.timestamp <= endTime * 1000 + 999),
    );
    let outcome: QueryOutcome;
    try {
      outcome = runInsightsQuery(
        queryString,
        records,
        this.data.accountId,
        typeof input.limit === "number" ? input.limit : 1000,
      );
    } catch (error) {
      if (error instanceof MalformedQueryError)
        throw new LogsError("MalformedQueryException", error.message);
      throw error;
    }
    const queryId = randomUUID();
    this.queries.set(queryId, {
      outcome,
      pollsLeft: this.data.queryRunningPolls,
      status: "Running",
      logGroups: names,
    });
    return { queryId };
  }

  private getQueryResults(input: Input) {
    const query = typeof input.queryId === "string" ? this.queries.get(input.queryId) : undefined;
    if (!query) throw new LogsError("ResourceNotFoundException", "Query does not exist.");
    if (query.status === "Running") {
      if (query.pollsLeft > 0) {
        query.pollsLeft -= 1;
        return {
          results: [],
          statistics: { recordsMatched: 0, recordsScanned: 0, bytesScanned: 0 },
          status: "Running",
        };
      }
      query.status = "Complete";
    }
    const { results, recordsMatched, recordsScanned, bytesScanned } = query.outcome;
    return {
      results: query.status === "Complete" ? results : [],
      statistics: { recordsMatched, recordsScanned, bytesScanned },
      status: query.status,
    };
  }

  private stopQuery(input: Input) {
    const query = typeof input.queryId === "string" ? this.queries.get(input.queryId) : undefined;
    if (!query) throw new LogsError("ResourceNotFoundException", "Query does not exist.");
    if (query.status !== "Running")
      throw new LogsError("InvalidParameterException", "Query is not running.");
    query.status = "Cancelled";
    return { success: true };
  }

  private describeLogGroups(input: Input) {
    const prefix = typeof input.logGroupNamePrefix === "string" ? input.logGroupNamePrefix : "";
    // logGroupNamePattern: a case-sensitive substring anywhere in the name.
    const pattern =
      typeof input.logGroupNamePattern === "string" ? input.logGroupNamePattern : undefined;
    if (pattern !== undefined && prefix) {
      throw new LogsError(
        "InvalidParameterException",
        "logGroupNamePrefix and logGroupNamePattern are mutually exclusive.",
      );
    }
    return {
      logGroups: this.data.logGroups
        .filter(
          (g) => g.name.startsWith(prefix) && (pattern === undefined || g.name.includes(pattern)),
        )
        .map((g) => ({
          logGroupName: g.name,
          arn: `arn:aws:logs:${this.data.region}:${this.data.accountId}:log-group:${g.name}:*`,
          logGroupArn: `arn:aws:logs:${this.data.region}:${this.data.accountId}:log-group:${g.name}`,
          creationTime: Math.min(
            ...g.events.map((e) => Date.parse(e.timestamp)),
            Date.parse("2024-01-01T00:00:00Z"),
          ),
          storedBytes: g.events.reduce((sum, e) => sum + Buffer.byteLength(e.message), 0),
          logGroupClass: "STANDARD",
        })),
    };
  }
}

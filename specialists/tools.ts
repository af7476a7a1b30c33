/**
 * The read-only capability objects specialists receive (invariant 3). Each is a small
 * interface of reads; adapters in src/adapters/ implement them over the real SDKs and
 * never expose the client underneath. A specialist module imports these types, the
 * domain, and nothing that can write (test/integration/specialists-readonly checks it).
 */

export interface SentryIssueSummary {
  id: string;
  shortId: string;
  title: string;
  culprit: string;
  level: string;
  status: string;
  count: number;
  userCount: number;
  firstSeen: string;
  lastSeen: string;
  project: string;
  /** Hourly event counts, oldest first: [unix seconds, count]. */
  stats24h?: [number, number][];
  /** Daily event counts over 30 days, oldest first (the issue form's `stats["30d"]`). */
  stats30d?: [number, number][];
  permalink?: string;
  /** Sentry's isUnhandled: an event of the issue was not caught by the code; absent when unknown. */
  unhandled?: boolean;
}

export interface SentryEventSummary {
  eventId: string;
  dateCreated: string;
  release?: string;
  environment?: string;
  tags: { key: string; value: string }[];
  exception?: {
    type: string;
    value: string;
    /** The exception mechanism's `handled`: the code caught it; absent when unknown. */
    handled?: boolean;
    /** Innermost last, as Sentry sends them. */
    frames: { filename: string; function?: string; lineno?: number; inApp: boolean }[];
  };
  /**
   * Method, URL path and User-Agent only; other headers, cookies and bodies never leave
   * the adapter.
   */
  request?: { method?: string; path?: string; userAgent?: string };
  /**
   * The event's HTTP breadcrumbs (`fetch`, `xhr`, `http`) before the error, oldest first,
   * one per call: who this service called. Host and status only: the paths, queries and
   * bodies of those calls never leave the adapter.
   */
  outboundCalls?: OutboundCall[];
}

/** One outbound HTTP call from an event's breadcrumbs. */
export interface OutboundCall {
  host: string;
  /** The response's status; absent when the breadcrumb records none (no response). */
  status?: number;
}

export interface SentryReleaseSummary {
  version: string;
  dateCreated: string;
  dateReleased?: string;
  lastDeployAt?: string;
  environment?: string;
  commitCount?: number;
}

export interface SentryReader {
  getIssue(issueId: string): Promise<SentryIssueSummary>;
  getEvent(
    issueId: string,
    which: "latest" | "recommended" | "oldest",
  ): Promise<SentryEventSummary>;
  listEvents(issueId: string, limit: number): Promise<SentryEventSummary[]>;
  /**
   * A tag's top values with their event counts, and `totalValues`, the events carrying the
   * tag at all (Sentry's own count): the top values are a subset, so shares are taken over
   * `totalValues` when it is given.
   */
  getTagValues(
    issueId: string,
    key: string,
  ): Promise<{ key: string; values: { value: string; count: number }[]; totalValues?: number }>;
  listReleases(limit: number): Promise<SentryReleaseSummary[]>;
  /**
   * A project's unresolved issues seen in the last 24h, most recently seen first, each
   * with its hourly `stats24h` (Sentry's "List a Project's Issues", `statsPeriod=24h`).
   * For a ticket that links no issue. Optional: readers that cannot search omit it.
   */
  searchProjectIssues?(project: string, limit: number): Promise<SentryIssueSummary[]>;
  /** The organization's project slugs (service discovery). Optional like the search. */
  listProjects?(): Promise<string[]>;
}

export interface MetricQuery {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  stat: "Sum" | "Average" | "Maximum" | "Minimum" | "SampleCount" | "p95" | "p99";
  periodSeconds: number;
  start: Date;
  end: Date;
}

export interface MetricSeries {
  label: string;
  /** ISO timestamps, oldest first, paired with values. */
  timestamps: string[];
  values: number[];
}

/** One metric that exists (ListMetrics): what a later GetMetricData may ask for. */
export interface MetricDescriptor {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
}

/** ListMetrics filters; a dimension filter without a value matches any value. */
export interface MetricListQuery {
  namespace?: string;
  metricName?: string;
  dimensions?: { name: string; value?: string }[];
  /** Only metrics with a datapoint in the last three hours. */
  recentlyActive?: boolean;
}

export type AlarmState = "OK" | "ALARM" | "INSUFFICIENT_DATA";

/** A CloudWatch metric alarm (DescribeAlarms), what it watches and its state. */
export interface MetricAlarm {
  name: string;
  state: AlarmState;
  stateReason: string;
  /** When the alarm last changed state. */
  stateUpdatedAt: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  /** Sum, Average, Maximum, …, or an extended statistic such as p99. */
  statistic?: string;
  threshold?: number;
  comparisonOperator?: string;
  periodSeconds?: number;
  evaluationPeriods?: number;
}

/** One state change of an alarm (DescribeAlarmHistory, StateUpdate items). */
export interface AlarmStateChange {
  alarmName: string;
  at: string;
  from?: AlarmState;
  to?: AlarmState;
  summary: string;
}

/** An AWS Health event in the reader's region (or a global one). */
export interface ProviderHealthEvent {
  /** The AWS service as Health names it: EC2, ELASTICLOADBALANCING, RDS, … */
  service: string;
  eventTypeCode: string;
  category: string;
  region: string;
  availabilityZone?: string;
  startTime: string;
  endTime?: string;
  status: "open" | "closed" | "upcoming";
}

/**
 * Read-only AWS observability: CloudWatch metrics (series, what exists, alarms and their
 * history), Logs Insights, and AWS Health's provider events. Every method is a read
 * (Get*, List*, Describe*, StartQuery/GetQueryResults/StopQuery); nothing here can write.
 */
export interface CloudWatchReader {
  getMetricSeries(query: MetricQuery): Promise<MetricSeries>;
  /** ListMetrics, all pages up to a bound. */
  listMetrics(query: MetricListQuery): Promise<MetricDescriptor[]>;
  /** DescribeAlarms (metric alarms), optionally in one state or by name (at most 100). */
  describeAlarms(input: { state?: AlarmState; names?: string[] }): Promise<MetricAlarm[]>;
  /** DescribeAlarmHistory: one alarm's state changes in [start, end], newest first. */
  describeAlarmHistory(input: {
    alarmName: string;
    start: Date;
    end: Date;
  }): Promise<AlarmStateChange[]>;
  /** DescribeLogGroups: names of the log groups whose name contains `pattern`. */
  listLogGroups(pattern: string): Promise<string[]>;
  /** AWS Health DescribeEvents in the reader's region, starting or open in [start, end]. */
  describeHealthEvents(input: { start: Date; end: Date }): Promise<ProviderHealthEvent[]>;
  /** CloudWatch Logs Insights; rows are field → value, already redacted by the adapter. */
  queryLogs(input: {
    logGroupNames: string[];
    query: string;
    start: Date;
    end: Date;
    limit: number;
  }): Promise<Record<string, string>[]>;
}

export interface ReplicaQueryResult {
  columns: string[];
  rows: unknown[][];
  rowCount: number;
  truncated: boolean;
}

/** The production read replica, reached only through the SQL guard (src/safety). */
export interface ReplicaReader {
  query(statement: string): Promise<ReplicaQueryResult>;
}

export interface GitHubReader {
  /** Commits and changed files between two refs (oldest commit first). */
  compare(
    base: string,
    head: string,
  ): Promise<{
    commits: { sha: string; message: string; author: string; date: string }[];
    files: { filename: string; status: string; additions: number; deletions: number }[];
  }>;
  listDeployments(input: { environment?: string; limit: number }): Promise<
    {
      id: number;
      sha: string;
      ref: string;
      environment: string;
      createdAt: string;
      state?: string;
      /** When its first `success` status was posted: the rollout finished. */
      finishedAt?: string;
    }[]
  >;
  /**
   * One file's text at `ref` (GitHub "Get repository content"), or null when the path
   * does not exist there. The adapter decodes it, refuses a file over its size cap
   * (AppError bad_input) and redacts it line by line, so line numbers still match the
   * repository. Optional: readers that cannot read contents omit it.
   */
  getFile?(path: string, ref: string): Promise<RepoFileText | null>;
  /**
   * One commit (Git Data API "Get a commit"): its parents, first author date and message,
   * or null when the SHA is unknown. Optional like {@link GitHubReader.getFile}.
   */
  getCommit?(sha: string): Promise<RepoCommit | null>;
}

/** A file of the repository as {@link GitHubReader.getFile} returns it. */
export interface RepoFileText {
  path: string;
  /** The blob's SHA. */
  sha: string;
  /** Bytes as stored. */
  size: number;
  /** The text, redacted line by line (line n is still line n). */
  content: string;
}

/** A commit as {@link GitHubReader.getCommit} returns it (no author emails). */
export interface RepoCommit {
  sha: string;
  parents: string[];
  message: string;
  /** The author date, ISO 8601; empty when GitHub gave none. */
  date: string;
}

export interface VendorStatus {
  vendor: string;
  /** Statuspage's indicator: none | minor | major | critical. */
  indicator: string;
  description: string;
  incidents: {
    name: string;
    status: string;
    impact: string;
    startedAt: string;
    components: string[];
  }[];
  sourceUrl: string;
}

/** One configured status source and how evidence implicates it (no vendor is built in). */
export interface VendorSource {
  vendor: string;
  /** `cloud`: a cloud provider's status, matched to our region and zones. */
  kind: "vendor" | "cloud";
  /** Domains whose hosts (and subdomains) are the vendor's. */
  hosts: string[];
  /** Regex sources matched against exception types (case-insensitive). */
  errorTypes: string[];
  /** Regex sources of the vendor's request or event ids. */
  requestIds: string[];
  /** For `cloud`: the region we run in, when configured. */
  region?: string;
}

export interface VendorStatusReader {
  /** The configured sources, so a specialist can tell which vendor the evidence implicates. */
  sources(): VendorSource[];
  getStatus(vendor: string): Promise<VendorStatus>;
}

/** The tools a specialist may need; the router hands each only the ones it declared. */
export interface SpecialistTools {
  sentry?: SentryReader;
  cloudwatch?: CloudWatchReader;
  replica?: ReplicaReader;
  github?: GitHubReader;
  vendorStatus?: VendorStatusReader;
}
export type ToolName = keyof SpecialistTools;

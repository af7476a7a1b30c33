import { randomBytes } from "node:crypto";
import { matchRoute, type RoutePattern } from "../http.ts";
import type {
  SimContext,
  SimRequest,
  SimResponse,
  SimService,
  SimServiceInstance,
} from "../types.ts";
import {
  checkAppJwt,
  installationPermissions,
  looksLikeJwt,
  renderApp,
  renderInstallation,
} from "./github-app.ts";
import { type GithubData, githubDataSchema } from "./github-data.ts";
import {
  createBlob,
  createCommit,
  createRef,
  createTree,
  deleteRef,
  getRef,
  matchingRefs,
  updateRef,
} from "./github-git-data.ts";
import { getBlob, getContents, getGitCommit, getTree } from "./github-git-read.ts";
import { GithubHooks, type WebhookDelivery } from "./github-hooks.ts";
import type { Urls } from "./github-render.ts";
import { type Body, ghError, notFound, SimRepo } from "./github-repo.ts";

/**
 * Simulated GitHub REST API: the repository, compare, deployment, git ref, Git Data
 * (commits, trees, blobs), contents, pull request and label endpoints prode uses, and the App endpoints @octokit/app needs. Mounted at
 * "/github": Octokit's `baseUrl` is `<world>/github`. Test hooks (`/_sim/…` and the
 * instance methods) stand in for humans: merging or closing a pull request by hand,
 * pushing a commit, recording a deployment.
 */

const MOUNT = "/github";
const DEFAULT_PER_PAGE = 30;
const MAX_PER_PAGE = 100;

type Handler = (match: string[], req: SimRequest, caller: Caller) => SimResponse;
interface Route extends RoutePattern {
  /** "app" routes need an app JWT; "repo" routes an installation or personal token. */
  auth: "app" | "repo";
  run: Handler;
}
interface Caller {
  /** Login the world attributes writes to. */
  login: string;
  /** Account an installation token is limited to; undefined for personal tokens. */
  account?: string;
}

interface GithubSimInstance extends SimServiceInstance {
  /** Merges an open pull request as a human would; returns the webhook GitHub would send. */
  mergePull(fullName: string, number: number, by?: string): WebhookDelivery;
  /** Closes a pull request without merging; returns the webhook GitHub would send. */
  closePull(fullName: string, number: number, by?: string): WebhookDelivery;
  /** Pushes a commit onto a branch (fast-forward), as a developer or CI would. */
  pushCommit(fullName: string, branch: string, commit: unknown): string;
  /** The live repositories, for assertions. */
  repo(fullName: string): SimRepo | undefined;
  /** Exposed to tests through `world.state.github`. */
  readonly state: { data: GithubData; repos: Map<string, SimRepo> };
}

/**
 * Octokit percent-encodes `/` inside parameters (`git/ref/heads%2Fmain`), which GitHub
 * treats like a plain slash; route on the decoded form.
 */
function routingPath(req: SimRequest): string {
  return req.path.replace(/%2F/gi, "/");
}

function bodyOf(req: SimRequest): Body {
  if (req.body && typeof req.body === "object") return req.body as Body;
  if (!req.rawBody) return {};
  try {
    return JSON.parse(req.rawBody) as Body;
  } catch {
    return {};
  }
}

/** GitHub's `page`/`per_page` paging with a `Link` header of next/last/first/prev. */
function paginate(items: unknown[], req: SimRequest, publicUrl: string): SimResponse {
  const perPage = Math.min(Number(req.query.get("per_page")) || DEFAULT_PER_PAGE, MAX_PER_PAGE);
  const page = Math.max(1, Number(req.query.get("page")) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = (n: number, rel: string) => {
    const query = new URLSearchParams(req.query);
    query.set("per_page", String(perPage));
    query.set("page", String(n));
    return `<${publicUrl}?${query.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1) links.push(link(page - 1, "prev"), link(1, "first"));
  if (page < last) links.push(link(page + 1, "next"), link(last, "last"));
  return {
    status: 200,
    body: items.slice((page - 1) * perPage, page * perPage),
    ...(links.length > 0 ? { headers: { Link: links.join(", ") } } : {}),
  };
}

export function createGithubInstance(state: GithubData, ctx: SimContext): GithubSimInstance {
  // The server learns its port after creating the services: read the base URL lazily.
  const urls: Urls = {
    get api() {
      return `${ctx.baseUrl}${MOUNT}`;
    },
    get web() {
      return `${ctx.baseUrl}${MOUNT}`;
    },
  };
  const nowIso = () => ctx.now().toISOString();
  const bootTime = nowIso();
  const repos = new Map<string, SimRepo>();
  for (const repo of state.repos)
    repos.set(`${repo.owner}/${repo.name}`, new SimRepo(repo, urls, nowIso));
  /** Installation tokens the world minted: token → installation and expiry. */
  const minted = new Map<string, { installationId: number; account: string; expiresAt: number }>();

  const findRoute = (req: SimRequest) => matchRoute(routes, req.method, routingPath(req));
  const publicUrl = (req: SimRequest) => `${urls.api}${req.path}`;

  const withRepo = (
    match: string[],
    caller: Caller,
    then: (repo: SimRepo, rest: string[]) => SimResponse,
  ) => {
    const [owner, name, ...rest] = match;
    const repo = repos.get(`${owner}/${name}`);
    // An installation sees only its account's repositories; others look absent, as on GitHub.
    if (!repo || (caller.account !== undefined && caller.account !== repo.data.owner))
      return notFound();
    return then(repo, rest);
  };
  const repoRoute = (
    method: string,
    suffix: string,
    name: string,
    run: (repo: SimRepo, rest: string[], req: SimRequest, caller: Caller) => SimResponse,
  ): Route => ({
    method,
    pattern: new RegExp(`^/repos/([^/]+)/([^/]+)${suffix}/?$`),
    name: `${method} /repos/{owner}/{repo}${name}`,
    auth: "repo",
    run: (match, req, caller) =>
      withRepo(match, caller, (repo, rest) => run(repo, rest, req, caller)),
  });
  const list = (items: unknown[] | undefined, req: SimRequest) =>
    items ? paginate(items, req, publicUrl(req)) : notFound();

  const routes: Route[] = [
    {
      method: "GET",
      pattern: /^\/app\/?$/,
      name: "GET /app",
      auth: "app",
      run: () => ({
        status: 200,
        body: renderApp(state.app, state.installations.length, urls, bootTime),
      }),
    },
    {
      method: "GET",
      pattern: /^\/app\/installations\/?$/,
      name: "GET /app/installations",
      auth: "app",
      run: (_m, req) =>
        list(
          state.installations.map((i) => renderInstallation(state.app, i, urls, bootTime)),
          req,
        ),
    },
    {
      method: "GET",
      pattern: /^\/app\/installations\/(\d+)\/?$/,
      name: "GET /app/installations/{installation_id}",
      auth: "app",
      run: ([id]) => {
        const installation = state.installations.find((i) => i.id === Number(id));
        return installation
          ? { status: 200, body: renderInstallation(state.app, installation, urls, bootTime) }
          : notFound();
      },
    },
    {
      method: "POST",
      pattern: /^\/app\/installations\/(\d+)\/access_tokens\/?$/,
      name: "POST /app/installations/{installation_id}/access_tokens",
      auth: "app",
      run: ([id]) => {
        const installation = state.installations.find((i) => i.id === Number(id));
        if (!installation) return notFound();
        const token = `ghs_${randomBytes(18).toString("base64url")}`;
        const expiresAt = ctx.now().getTime() + state.installationTokenTtlSeconds * 1000;
        minted.set(token, {
          installationId: installation.id,
          account: installation.account,
          expiresAt,
        });
        return {
          status: 201,
          body: {
            token,
            // GitHub answers seconds precision without milliseconds.
            expires_at: new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, "Z"),
            permissions: installationPermissions(state.app, installation),
            repository_selection: installation.repository_selection,
          },
        };
      },
    },
    {
      method: "GET",
      pattern: /^\/repos\/([^/]+)\/([^/]+)\/installation\/?$/,
      name: "GET /repos/{owner}/{repo}/installation",
      auth: "app",
      run: ([owner, name]) => {
        const installation = state.installations.find((i) => i.account === owner);
        if (!installation || !repos.has(`${owner}/${name}`)) return notFound();
        return { status: 200, body: renderInstallation(state.app, installation, urls, bootTime) };
      },
    },
    repoRoute("GET", "", "", (repo) => repo.repo()),
    repoRoute("GET", "/compare/(.+?)", "/compare/{basehead}", (repo, [basehead], req) => {
      const res = repo.compare(decodeURIComponent(basehead!));
      if (res.status !== 200) return res;
      // The compare endpoint pages its commits (files stay whole), like GitHub's.
      const body = res.body as { commits: unknown[] };
      const paged = paginate(body.commits, req, publicUrl(req));
      return { ...paged, body: { ...body, commits: paged.body } };
    }),
    repoRoute("GET", "/commits/([^/]+)", "/commits/{ref}", (repo, [ref]) =>
      repo.commit(decodeURIComponent(ref!)),
    ),
    repoRoute("GET", "/deployments", "/deployments", (repo, _r, req) =>
      list(repo.deployments(req.query), req),
    ),
    repoRoute("GET", "/deployments/(\\d+)", "/deployments/{deployment_id}", (repo, [id]) =>
      repo.deployment(Number(id)),
    ),
    repoRoute(
      "GET",
      "/deployments/(\\d+)/statuses",
      "/deployments/{deployment_id}/statuses",
      (repo, [id], req) => list(repo.deploymentStatuses(Number(id)), req),
    ),
    repoRoute("GET", "/git/ref/heads/(.+?)", "/git/ref/heads/{branch}", (repo, [branch]) =>
      getRef(repo, decodeURIComponent(branch!)),
    ),
    repoRoute("GET", "/git/matching-refs/(.*?)", "/git/matching-refs/{ref}", (repo, [ref]) =>
      matchingRefs(repo, decodeURIComponent(ref!)),
    ),
    repoRoute("POST", "/git/refs", "/git/refs", (repo, _r, req) => createRef(repo, bodyOf(req))),
    repoRoute("PATCH", "/git/refs/heads/(.+?)", "/git/refs/heads/{branch}", (repo, [branch], req) =>
      updateRef(repo, decodeURIComponent(branch!), bodyOf(req)),
    ),
    repoRoute("DELETE", "/git/refs/heads/(.+?)", "/git/refs/heads/{branch}", (repo, [branch]) =>
      deleteRef(repo, decodeURIComponent(branch!)),
    ),
    repoRoute("GET", "/git/commits/([0-9a-f]{40})", "/git/commits/{commit_sha}", (repo, [sha]) =>
      getGitCommit(repo, sha!),
    ),
    repoRoute("GET", "/git/trees/([0-9a-f]{40})", "/git/trees/{tree_sha}", (repo, [sha], req) =>
      getTree(repo, sha!, req.query),
    ),
    repoRoute("GET", "/git/blobs/([0-9a-f]{40})", "/git/blobs/{file_sha}", (repo, [sha]) =>
      getBlob(repo, sha!),
    ),
    repoRoute("GET", "/contents(?:/(.*?))?", "/contents/{path}", (repo, [path], req) =>
      getContents(repo, decodeURIComponent(path ?? ""), req.query.get("ref")),
    ),
    repoRoute("POST", "/git/blobs", "/git/blobs", (repo, _r, req) => createBlob(repo, bodyOf(req))),
    repoRoute("POST", "/git/trees", "/git/trees", (repo, _r, req) => createTree(repo, bodyOf(req))),
    repoRoute("POST", "/git/commits", "/git/commits", (repo, _r, req) =>
      createCommit(repo, bodyOf(req)),
    ),
    repoRoute("GET", "/pulls", "/pulls", (repo, _r, req) => list(repo.listPulls(req.query), req)),
    repoRoute("POST", "/pulls", "/pulls", (repo, _r, req, caller) =>
      repo.createPull(bodyOf(req), caller.login),
    ),
    repoRoute("GET", "/pulls/(\\d+)", "/pulls/{pull_number}", (repo, [n]) =>
      repo.getPull(Number(n)),
    ),
    repoRoute("PATCH", "/pulls/(\\d+)", "/pulls/{pull_number}", (repo, [n], req) =>
      repo.updatePull(Number(n), bodyOf(req)),
    ),
    repoRoute("GET", "/pulls/(\\d+)/files", "/pulls/{pull_number}/files", (repo, [n], req) =>
      list(repo.pullFiles(Number(n)), req),
    ),
    repoRoute("GET", "/issues/(\\d+)/labels", "/issues/{issue_number}/labels", (repo, [n], req) =>
      list(repo.issueLabels(Number(n)), req),
    ),
    repoRoute("POST", "/issues/(\\d+)/labels", "/issues/{issue_number}/labels", (repo, [n], req) =>
      repo.addLabels(Number(n), req.body ?? bodyOf(req)),
    ),
    repoRoute(
      "DELETE",
      "/issues/(\\d+)/labels/([^/]+)",
      "/issues/{issue_number}/labels/{name}",
      (repo, [n, label]) => repo.removeLabel(Number(n), decodeURIComponent(label!)),
    ),
  ];

  /** Resolves the caller or answers GitHub's 401/403. */
  const authenticate = (req: SimRequest, route: Route): Caller | SimResponse => {
    const header = req.headers.authorization;
    const match = typeof header === "string" ? /^(?:token|bearer)\s+(\S+)$/i.exec(header) : null;
    if (!match) return ghError(401, "Requires authentication");
    const token = match[1]!;
    if (route.auth === "app") {
      const problem = checkAppJwt(token, state.app.id);
      return problem ? ghError(401, problem) : { login: `${state.app.slug}[bot]` };
    }
    if (looksLikeJwt(token)) {
      // An app JWT only opens /app endpoints; repository calls need an installation token.
      return ghError(403, "Resource not accessible by integration");
    }
    const installation = minted.get(token);
    if (installation) {
      if (installation.expiresAt <= ctx.now().getTime()) return ghError(401, "Bad credentials");
      return { login: `${state.app.slug}[bot]`, account: installation.account };
    }
    if (state.tokens.length > 0 && !state.tokens.includes(token))
      return ghError(401, "Bad credentials");
    return { login: "octocat" };
  };

  const hooks = new GithubHooks(repos, state, urls);

  const instance: GithubSimInstance = {
    repo: (fullName) => repos.get(fullName),
    get state() {
      return { data: state, repos };
    },
    identify: (req) =>
      req.path.startsWith("/_sim/")
        ? "sim.hook"
        : (findRoute(req)?.route.name ?? `${req.method} ${req.path}`),
    mergePull: (fullName, number, by) => hooks.mergePull(fullName, number, by),
    closePull: (fullName, number, by) => hooks.closePull(fullName, number, by),
    pushCommit: (fullName, branch, commit) => hooks.pushCommit(fullName, branch, commit),
    handle(req) {
      if (req.path.startsWith("/_sim/")) return hooks.handle(req, bodyOf(req));
      const matched = findRoute(req);
      const method = matched?.route.name ?? `${req.method} ${req.path}`;
      if (!matched) return { ...notFound(), method };
      const caller = authenticate(req, matched.route);
      if ("status" in caller) return { ...caller, method };
      const response = matched.route.run(matched.params, req, caller);
      const headers = {
        "X-GitHub-Media-Type": "github.v3; format=json",
        "X-RateLimit-Limit": "5000",
        "X-RateLimit-Remaining": "4999",
        "X-RateLimit-Reset": String(Math.floor(ctx.now().getTime() / 1000) + 3600),
        "X-RateLimit-Resource": "core",
        ...response.headers,
      };
      return { ...response, headers, method };
    },
  };

  return instance;
}

export const githubService: SimService<GithubData> = {
  name: "github",
  mount: MOUNT,
  dataSchema: githubDataSchema,
  create: createGithubInstance,
};

/**
 * The sandbox's fallback when bubblewrap is absent: util-linux `unshare` for the
 * namespaces, a small POSIX shell script (a fixed text; paths reach it only as
 * arguments, never spliced into it) for the mounts, and `setpriv` to drop every
 * capability before the command runs. Same guarantees as sandbox.ts names, with one
 * difference: a hidden directory that holds a path the child must see (the worktree root
 * holds the run) cannot be covered whole, so its other entries are covered one by one as
 * they are at the start; one created later stays visible, read-only.
 */
import { readdirSync, statSync } from "node:fs";
import { join, sep } from "node:path";
import type { SandboxShape } from "./sandbox-shape.ts";

/**
 * $1 = cwd, $2 = "tmp" to give a private /tmp, then hidden paths, "--", paths to show
 * read-only, "--", writable paths, "--", the command. Exit 125 when a mount fails, so a
 * half-built sandbox never runs the command.
 */
const SCRIPT = `set -u
die() { echo "prode-sandbox: $*" >&2; exit 125; }
cwd=$1; tmp=$2; shift 2
if [ "$tmp" = tmp ]; then mount -t tmpfs -o mode=1777 prode-tmp /tmp || die "cannot mount /tmp"; fi
while [ "$1" != -- ]; do
  # Gone since the list was made (another process's temp file), or a link: nothing to cover.
  if [ -L "$1" ] || [ ! -e "$1" ]; then shift; continue; fi
  if [ -d "$1" ]; then mount -t tmpfs -o ro,mode=755,size=4k prode-hidden "$1" || die "cannot hide a directory"
  else mount --bind /dev/null "$1" || die "cannot hide a file"; fi
  shift
done
shift
while [ "$1" != -- ]; do mount --bind "$1" "$1" || die "cannot show a path"; shift; done
shift
keep=" /tmp "
[ "$tmp" = tmp ] || keep=" "
while [ "$1" != -- ]; do
  mount --bind "$1" "$1" || die "cannot bind a writable directory"
  keep="$keep$1 "; shift
done
shift
for m in $(awk '{print $5}' /proc/self/mountinfo | sort -u); do
  m=$(printf '%b' "$m")
  [ -e "$m" ] || continue
  case "$m" in /proc|/proc/*) continue ;; esac
  case "$keep" in *" $m "*) continue ;; esac
  mount -o remount,bind,ro "$m" 2>/dev/null || die "cannot make a mount read-only"
done
cd "$cwd" || die "cannot enter the working directory"
exec setpriv --no-new-privs --inh-caps=-all --ambient-caps=-all --bounding-set=-all -- "$@"
`;

/** The `unshare` command line for `shape` (see the module comment). */
export function unshareArgv(shape: SandboxShape, argv: readonly string[], root: boolean): string[] {
  const shown = [...shape.readable, ...shape.writable];
  const privateTmp = !shown.some((p) => isInside(p, "/tmp"));
  // With the run under /tmp, /tmp is hidden entry by entry instead of replaced.
  const hidden = expandHidden([...shape.hidden, ...(privateTmp ? [] : ["/tmp"])], shown);
  return [
    "unshare",
    // As another user, the namespaces need a user namespace of their own; mount(8) works
    // only for uid 0, so the user is root inside it (with no capability left once setpriv
    // has run, and still the same user on every file outside).
    ...(root ? [] : ["--map-root-user"]),
    "--mount",
    "--propagation",
    "private",
    "--pid",
    "--fork",
    "--kill-child",
    "--mount-proc",
    "--ipc",
    "--uts",
    ...(shape.network ? [] : ["--net"]),
    "--",
    "/bin/sh",
    "-c",
    SCRIPT,
    "prode-sandbox",
    shape.cwd,
    privateTmp ? "tmp" : "no-tmp",
    ...hidden,
    "--",
    ...shape.readable,
    "--",
    ...shape.writable,
    "--",
    ...argv,
  ];
}

/**
 * The paths to cover so that `hidden` is hidden but `shown` is not: a hidden path with
 * nothing shown inside is covered whole; one that is shown (or inside a shown one) is
 * left; one with a shown path deeper inside is replaced by its entries, recursively.
 */
export function expandHidden(hidden: readonly string[], shown: readonly string[]): string[] {
  const out: string[] = [];
  const visit = (path: string): void => {
    if (shown.some((s) => isInside(path, s))) return;
    if (!shown.some((s) => isInside(s, path))) {
      out.push(path);
      return;
    }
    let entries: string[] = [];
    try {
      if (statSync(path).isDirectory()) entries = readdirSync(path);
    } catch {
      return;
    }
    for (const name of entries) visit(join(path, name));
  };
  for (const h of hidden) visit(h);
  return [...new Set(out)];
}

/** `path` is `dir` or inside it. */
function isInside(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}

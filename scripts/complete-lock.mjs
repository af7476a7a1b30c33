#!/usr/bin/env node
// Completes package-lock.json for `npm ci`.
//
// The registry these machines reach serves only the platform builds they use. When
// `npm install` resolves a package with per-platform optional dependencies (biome,
// esbuild, msgpackr-extract…), the builds for other platforms cannot be fetched and are
// left out of the lock, and `npm ci` then calls the lock out of sync ("Missing: X@ from
// lock file"). npm accepts an entry that names the build's os/cpu and skips it on a
// machine that does not match, so this script adds such an entry for every optional
// dependency the lock lacks. Run it after every `npm install`: `npm run lock:complete`.
import { readFileSync, writeFileSync } from "node:fs";

const PLATFORMS = [
  "android",
  "darwin",
  "freebsd",
  "linux",
  "netbsd",
  "openbsd",
  "sunos",
  "win32",
  "aix",
  "openharmony",
];
const CPUS = [
  "arm64",
  "arm",
  "x64",
  "ia32",
  "riscv64",
  "ppc64",
  "s390x",
  "loong64",
  "mips64el",
  "wasm32",
];

function platformOf(name) {
  const parts = name.toLowerCase().split(/[/@-]/);
  const os = PLATFORMS.find(
    (p) => parts.includes(p) || (p === "win32" && parts.includes("windows")),
  );
  const cpu = CPUS.find((c) => parts.includes(c) || (c === "x64" && parts.includes("amd64")));
  const libc = parts.includes("musl") ? ["musl"] : parts.includes("gnu") ? ["glibc"] : undefined;
  return { os, cpu, libc };
}

const path = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(path, "utf8"));
const packages = lock.packages;
let added = 0;
for (const [location, entry] of Object.entries(packages)) {
  for (const [name, range] of Object.entries(entry.optionalDependencies ?? {})) {
    const hoisted = `node_modules/${name}`;
    const nested = `${location ? `${location}/` : ""}node_modules/${name}`;
    if (packages[nested] || packages[hoisted]) continue;
    const { os, cpu, libc } = platformOf(name);
    if (!os || !cpu) continue; // not a platform build: a real missing dependency, leave it to npm
    const version = String(range).replace(/^[\^~=v]+/, "");
    packages[location ? nested : hoisted] = {
      version,
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      os: [os],
      cpu: [cpu],
      ...(libc ? { libc } : {}),
    };
    added += 1;
  }
}
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
process.stdout.write(`complete-lock: ${added} platform build entries added\n`);

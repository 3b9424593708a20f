// `npm start` runs the compiled code; on a fresh clone there is none yet, and after a `git pull`
// it may be older than src/. Build when the compiler is installed, otherwise say how, instead of
// Node's stack trace for a missing module or a silent run of the old build.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** The newest modification time of a file under `dir` (0 when there is none). */
function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

function why() {
  if (!existsSync("dist/main.js")) return "dist/main.js is missing";
  if (existsSync("src") && newest("src") > statSync("dist/main.js").mtimeMs) {
    return "src/ is newer than dist/ (after a git pull?)";
  }
  return undefined;
}

const reason = why();
if (reason) {
  const missing = !existsSync("dist/main.js");
  if (!existsSync("node_modules/typescript")) {
    process.stderr.write(`${reason}: run \`npm ci && npm run build\` first.\n`);
    // An old build still runs; a missing one cannot.
    if (missing) process.exit(1);
  } else {
    process.stderr.write(`${reason}: building it first (npm run build).\n`);
    const build = spawnSync("npm", ["run", "build", "--silent"], { stdio: "inherit" });
    process.exit(build.status ?? 1);
  }
}

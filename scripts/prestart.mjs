// `npm start` runs the compiled code; on a fresh clone there is none yet. Build it once when the
// compiler is installed, otherwise say how, instead of Node's stack trace for a missing module.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

if (!existsSync("dist/main.js")) {
  if (!existsSync("node_modules/typescript")) {
    process.stderr.write("dist/main.js is missing: run `npm ci && npm run build` first.\n");
    process.exit(1);
  }
  process.stderr.write("dist/main.js is missing: building it first (npm run build).\n");
  const build = spawnSync("npm", ["run", "build", "--silent"], { stdio: "inherit" });
  process.exit(build.status ?? 1);
}

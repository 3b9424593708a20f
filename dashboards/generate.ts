import { writeFileSync } from "node:fs";
import { buildDashboards, dashboardJson } from "./definitions.js";

// Writes dashboards/*.json from definitions.ts (npm run dashboards).
const dir = new URL("./", import.meta.url).pathname;
for (const [file, d] of Object.entries(buildDashboards())) {
  writeFileSync(`${dir}${file}`, dashboardJson(d));
  process.stdout.write(`wrote dashboards/${file}\n`);
}

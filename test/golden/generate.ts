import { writeFileSync } from "node:fs";
import { renderGolden } from "./render.js";

// Rewrites test/golden/metrics.prom (npm run golden); review the diff like any other change.
writeFileSync(new URL("./metrics.prom", import.meta.url), await renderGolden());
process.stdout.write("wrote test/golden/metrics.prom\n");

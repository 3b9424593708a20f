// The CLI's entry is the package's `bin` (`dynatrace-events-exporter`): make it executable, so
// that the image's symlink on PATH and a global install run it through its `#!/usr/bin/env node`.
import { chmodSync } from "node:fs";

chmodSync("dist/main.js", 0o755);

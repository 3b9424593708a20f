import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

/** Every `.ts` file under `dir`, by absolute path, with its text. */
export function readSources(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".ts")) continue;
    const path = join(entry.parentPath, entry.name);
    out.set(path, readFileSync(path, "utf8"));
  }
  return out;
}

/**
 * The relative imports of each file (type-only ones included: a type cycle is a design cycle
 * too), as TypeScript's own scanner reads them, resolved from `.js` specifiers to `.ts` files.
 */
export function importGraph(sources: Map<string, string>): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const [file, text] of sources) {
    const { importedFiles } = ts.preProcessFile(text, true, true);
    graph.set(
      file,
      importedFiles
        .map((i) => i.fileName)
        .filter((s) => s.startsWith("."))
        .map((s) => resolve(dirname(file), s.replace(/\.js$/, ".ts"))),
    );
  }
  return graph;
}

/** The import cycles of the graph, each as the files on it (relative to `root`), first file repeated. */
export function importCycles(graph: Map<string, string[]>, root: string): string[][] {
  const onPath = new Set<string>();
  const done = new Set<string>();
  const path: string[] = [];
  const cycles: string[][] = [];
  const visit = (file: string) => {
    onPath.add(file);
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      if (onPath.has(next))
        cycles.push([...path.slice(path.indexOf(next)), next].map((f) => relative(root, f)));
      else if (!done.has(next)) visit(next);
    }
    path.pop();
    onPath.delete(file);
    done.add(file);
  };
  for (const file of graph.keys()) if (!done.has(file)) visit(file);
  return cycles;
}

import { type ChildProcess, spawn } from "node:child_process";

const ROOT = new URL("../../", import.meta.url).pathname;

/**
 * Starts the exporter (src/main.ts under tsx) as a child process with only PATH, HOST, PORT=0 and
 * `env` in its environment; resolves with its base URL once it logs that it listens. Rejects when
 * it exits first or does not start within 20 s.
 */
export async function startExporterProcess(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", PORT: "0", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /"port":(\d+)[^\n]*"msg":"exporter listening"/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once("exit", (code) => reject(new Error(`exporter exited early (${code})`)));
    setTimeout(() => reject(new Error(`exporter did not start: ${out}`)), 20_000).unref();
  });
  return { child, base: `http://127.0.0.1:${port}` };
}

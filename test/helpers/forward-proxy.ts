import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireProgram } from "./programs.js";
import { freePort } from "./real-programs.js";
import { until } from "./wait.js";

/** A real tinyproxy (Debian package `tinyproxy`) on 127.0.0.1, with its log kept for counting. */
export interface ForwardProxy {
  /** `http://127.0.0.1:<port>` (no credentials). */
  url: string;
  port: number;
  /** Log lines so far. */
  log(): string[];
  /** Requests it relayed: `GET http://...` forwards and `CONNECT host:port` tunnels. */
  relayed(): string[];
  stop(): Promise<void>;
}

/** Starts tinyproxy in the foreground; `auth` turns on Basic authentication (then 407 without it). */
export async function startTinyproxy(auth?: { user: string; password: string }): Promise<ForwardProxy> {
  const binary = requireProgram("tinyproxy");
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "dtee-proxy-"));
  const conf = join(dir, "tinyproxy.conf");
  writeFileSync(
    conf,
    [
      `Port ${port}`,
      "Listen 127.0.0.1",
      "Timeout 30",
      "LogLevel Connect",
      "MaxClients 50",
      "Allow 127.0.0.1",
      ...(auth ? [`BasicAuth ${auth.user} ${auth.password}`] : []),
      "",
    ].join("\n"),
  );
  const lines: string[] = [];
  const child: ChildProcess = spawn(binary, ["-d", "-c", conf], { stdio: ["ignore", "pipe", "pipe"] });
  const collect = (chunk: Buffer) => lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    child.kill("SIGTERM");
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await until(
      () => lines.some((l) => l.includes("Reloading config file finished")) || child.exitCode !== null,
      5000,
      "tinyproxy to start",
    );
    if (child.exitCode !== null) throw new Error(`tinyproxy exited: ${lines.join("\n")}`);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    log: () => [...lines],
    relayed: () =>
      lines
        .map((l) => /Request \(file descriptor \d+\): (\S+ \S+)/.exec(l)?.[1])
        .filter((r): r is string => r !== undefined),
    stop,
  };
}

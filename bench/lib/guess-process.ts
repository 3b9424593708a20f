// Guesses basic-auth passwords from its own process: one connection per loopback address
// (127.0.0.x, so the per-address limiter sees distinct clients), each sending a wrong password
// again as soon as the last was answered.
import { request } from "node:http";
import { helperOptions, serveRequests } from "./child.js";

/** Where to guess, as whom, and from how many addresses. */
export interface GuessOptions {
  url: string;
  user: string;
  connections: number;
}

const o = helperOptions<GuessOptions>();
let running = false;
let loops: Promise<void>[] = [];
const byStatus: Record<string, number> = {};

function guess(from: string, n: number): Promise<void> {
  const authorization = `Basic ${Buffer.from(`${o.user}:guess-${n}`).toString("base64")}`;
  return new Promise((resolve) => {
    const req = request(o.url, { localAddress: from, agent: false, headers: { authorization } }, (res) => {
      res.resume();
      res.on("end", () => {
        byStatus[res.statusCode ?? 0] = (byStatus[res.statusCode ?? 0] ?? 0) + 1;
        resolve();
      });
    });
    req.on("error", () => resolve());
    req.end();
  });
}

async function guessLoop(i: number): Promise<void> {
  for (let n = 0; running; n++) await guess(`127.0.0.${10 + i}`, n);
}

serveRequests(async (r) => {
  if (r.type === "start") {
    running = true;
    loops = Array.from({ length: o.connections }, (_, i) => guessLoop(i));
    return null;
  }
  if (r.type === "stop") {
    running = false;
    await Promise.all(loops);
    return { byStatus };
  }
  return null;
});
process.send?.({ ready: true });

import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { join } from "node:path";
import { requireProgram } from "./programs.js";
import { scratchDir } from "./scratch.js";

/** A CA and a server certificate for 127.0.0.1 made with openssl, as PEM files. */
export interface TestPki {
  dir: string;
  caFile: string;
  keyFile: string;
  certFile: string;
  remove(): void;
}

/** Generates a throw-away CA and a server certificate for 127.0.0.1 / localhost. */
export function makePki(): TestPki {
  const dir = scratchDir("dtee-pki-");
  const p = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync(requireProgram("openssl"), args, { stdio: "pipe" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl(
    "req",
    "-x509",
    ...ec,
    "-keyout",
    p("ca.key"),
    "-out",
    p("ca.pem"),
    "-days",
    "2",
    "-subj",
    "/CN=dtee test CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  );
  openssl(
    "req",
    "-new",
    ...ec,
    "-keyout",
    p("server.key"),
    "-out",
    p("server.csr"),
    "-subj",
    "/CN=127.0.0.1",
  );
  writeFileSync(p("ext.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  openssl(
    "x509",
    "-req",
    "-in",
    p("server.csr"),
    "-CA",
    p("ca.pem"),
    "-CAkey",
    p("ca.key"),
    "-CAcreateserial",
    "-out",
    p("server.pem"),
    "-days",
    "2",
    "-extfile",
    p("ext.cnf"),
  );
  return {
    dir,
    caFile: p("ca.pem"),
    keyFile: p("server.key"),
    certFile: p("server.pem"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** An HTTPS front on 127.0.0.1 that passes every request on to a plain-HTTP tenant (the simulator). */
export interface TlsFront {
  url: string;
  close(): Promise<void>;
}

/** Starts the TLS front with the PKI's server certificate, forwarding to `target` (http://host:port). */
export async function startTlsFront(pki: TestPki, target: string): Promise<TlsFront> {
  const upstream = new URL(target);
  const sockets = new Set<Socket>();
  const server: Server = createServer(
    { key: readFileSync(pki.keyFile), cert: readFileSync(pki.certFile) },
    (req, res) => {
      const out = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      out.on("error", () => res.destroy());
      req.pipe(out);
    },
  );
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("tlsClientError", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

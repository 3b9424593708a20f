import { request as httpsRequest } from "node:https";
import type { PeerCertificate, TLSSocket } from "node:tls";

/** An HTTPS answer with the certificate the server presented. */
export interface HttpsAnswer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
  peer: PeerCertificate;
}

/** One HTTPS request on a fresh connection, trusting `ca`. */
export function httpsCall(
  url: string,
  ca: string,
  headers: Record<string, string> = {},
  method = "GET",
  body?: string,
): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca, headers, method, agent: false }, (res) => {
      const peer = (res.socket as TLSSocket).getPeerCertificate();
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers, peer }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** The Authorization header of HTTP basic auth. */
export const basicAuth = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
});

import { createHash } from "node:crypto";

/** Seconds between the page's own refreshes (with JavaScript; without it, twice that). */
export const REFRESH_SECONDS = 5;

/**
 * The page's only style sheet, inline (no external assets). Colours are GitHub's accessible
 * palette: each state colour reaches 4.5:1 on its background, and a word and a symbol stand
 * beside every colour.
 */
export const LANDING_STYLE = `
:root{--ok:#1a7f37;--ok-bg:#dafbe1;--bad:#cf222e;--bad-bg:#ffebe9;--warn:#9a6700;--warn-bg:#fff8c5;--idle:#57606a;--idle-bg:#eaeef2;--line:#d0d7de;--soft:#f6f8fa;--text:#1f2328}
*{box-sizing:border-box}
body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--text);background:#fff}
header{background:#24292f;color:#f6f8fa;padding:14px 28px;display:flex;flex-wrap:wrap;align-items:baseline;gap:8px 24px}
header h1{font-size:18px;margin:0;font-weight:600}
header nav a{color:#c9d1d9;margin-right:14px;text-decoration:none;border-bottom:1px solid #57606a}
header nav a:hover{color:#fff}
header nav .sub{color:#8c959f;margin-right:14px}header nav .sub a{margin-right:6px}header nav .sub a:last-child{margin-right:0}
header .meta{color:#8c959f;font-size:12px;margin-left:auto}
main{padding:8px 28px 28px;max-width:1500px}
table{border-collapse:collapse;width:100%;margin:4px 0 28px;border:1px solid var(--line);border-radius:6px}
caption{text-align:left;font-weight:600;font-size:16px;padding:14px 0 8px}
caption small{font-weight:400;color:var(--idle);font-size:12px;margin-left:8px}
th,td{border-top:1px solid var(--line);padding:8px 12px;text-align:left;vertical-align:top}
thead th{background:var(--soft);font-size:12px;font-weight:600;color:var(--idle);white-space:nowrap}
tbody th{font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.state{display:inline-block;font-weight:600;white-space:nowrap;padding:1px 8px;border-radius:12px;font-size:12px}
.ok{color:var(--ok);background:var(--ok-bg)}.bad{color:var(--bad);background:var(--bad-bg)}
.warn{color:var(--warn);background:var(--warn-bg)}.idle{color:var(--idle);background:var(--idle-bg)}
a .state{text-decoration:underline}
.sev{display:inline-block;margin:0 4px 3px 0;padding:0 7px;border:1px solid var(--line);border-radius:12px;background:var(--soft);font-size:12px;white-space:nowrap}
.sev b{font-variant-numeric:tabular-nums}
.sev-high{border-color:#ffcecb;background:var(--bad-bg)}.sev-mid{border-color:#f5e0a0;background:var(--warn-bg)}
.muted{color:var(--idle);font-size:12px}
.detail{display:block;max-width:38em;color:var(--idle);font-size:12px;overflow-wrap:anywhere}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
p.note{color:var(--idle);margin:14px 0}
.scroll{overflow-x:auto;max-width:100%}
@media (max-width:640px){header,main{padding-left:12px;padding-right:12px}}
`;

/**
 * Refreshes the page in place: fetches it again every {@link REFRESH_SECONDS} s (not while the
 * tab is hidden) and swaps `#console`, so the scroll position stays. Allowed by the CSP through
 * its hash ({@link LANDING_SCRIPT_HASH}), not by 'unsafe-inline'.
 */
export const LANDING_SCRIPT = `(function(){var busy=false,live=document.getElementById("live");
function say(t){if(live)live.textContent=t;}
say("Updates every ${REFRESH_SECONDS} s");
setInterval(function(){if(busy||document.hidden)return;busy=true;
fetch(location.href,{cache:"no-store",credentials:"same-origin",headers:{accept:"text/html"}})
.then(function(r){if(!r.ok)throw new Error(String(r.status));return r.text();})
.then(function(t){var next=new DOMParser().parseFromString(t,"text/html").getElementById("console"),cur=document.getElementById("console");
if(next&&cur){cur.replaceWith(next);say("Updates every ${REFRESH_SECONDS} s");}})
.catch(function(){say("Updates paused: the exporter did not answer");})
.finally(function(){busy=false;});},${REFRESH_SECONDS * 1000});})();`;

/** The CSP source that allows {@link LANDING_SCRIPT} and nothing else. */
export const LANDING_SCRIPT_HASH = `'sha256-${createHash("sha256").update(LANDING_SCRIPT).digest("base64")}'`;

/**
 * The request netdata 1.37's alarm-notify.sh (Debian netdata-plugins-bash) sends for a Dynatrace
 * notification: the payload heredoc byte for byte, its `Api-token` header casing and URL form.
 */
export function netdataRequest(opts: {
  server: string;
  space: string;
  token: string;
  host: string;
  chart: string;
  name: string;
  status: string;
  tag: string;
  annotationType?: string;
  event?: string;
}) {
  const description = `Netdata Notification for: ${opts.host} ${opts.chart}.${opts.name} is ${opts.status}`;
  const payload = `{
  "title": "Netdata Alarm from ${opts.host}",
  "source" : "${opts.annotationType ?? "Netdata Alarm"}",
  "description" : "${description}",
  "eventType": "${opts.event ?? "CUSTOM_INFO"}",
   "attachRules":{
     "tagRule":[{
        "meTypes":["HOST"],
        "tags":["${opts.tag}"]
     }]
  },
  "customProperties":{
    "description": "${description}"
  }
}`;
  return {
    url: `${opts.server}/e/${opts.space}/api/v1/events`,
    headers: { Authorization: `Api-token ${opts.token}`, "Content-Type": "application/json" },
    body: payload,
    description,
  };
}

import { createHmac, randomBytes } from "node:crypto";
import { request } from "node:http";

export type SlashCommand = {
  command: string;
  text: string;
  user: string;
  channel: string;
  responseUrl: string;
};

/** Signs a body exactly as Slack does: v0=HMAC-SHA256(secret, "v0:" + timestamp + ":" + body). */
export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

/** The fields Slack sends for a slash command (form-encoded over HTTP, JSON over Socket Mode). */
export function slashCommandFields(cmd: SlashCommand): Record<string, string> {
  return {
    token: "deprecated-verification-token",
    team_id: "T1",
    team_domain: "test",
    channel_id: cmd.channel,
    channel_name: "ops",
    user_id: cmd.user,
    user_name: cmd.user.toLowerCase(),
    command: cmd.command,
    text: cmd.text,
    api_app_id: "A1",
    response_url: cmd.responseUrl,
    trigger_id: `${Date.now()}.${randomBytes(4).toString("hex")}`,
  };
}

export function slashCommandBody(cmd: SlashCommand): string {
  return new URLSearchParams(slashCommandFields(cmd)).toString();
}

export type SendOptions = {
  secret: string;
  timestamp?: number;
  signature?: string | null;
  /** Events API requests are JSON; commands and interactions are form-encoded. */
  contentType?: string;
};

/** POSTs a body to the bot's Slack endpoint the way Slack does; `signature: null` omits the header. */
export async function sendSigned(baseUrl: string, body: string, opts: SendOptions): Promise<Response> {
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    "content-type": opts.contentType ?? "application/x-www-form-urlencoded",
    "x-slack-request-timestamp": String(timestamp),
  };
  const signature =
    opts.signature === undefined ? slackSignature(opts.secret, timestamp, body) : opts.signature;
  if (signature !== null) headers["x-slack-signature"] = signature;
  return post(`${baseUrl}/slack/events`, headers, body);
}

/**
 * One POST on a connection of its own. fetch() keeps connections alive, and a request sent on one
 * the bot's server is closing as idle at that instant fails with a reset (seen on a loaded
 * machine); each Slack delivery is its own request, so the tests send them that way.
 */
function post(url: string, headers: Record<string, string>, body: string): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        const out = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === "string") out.set(k, v);
        const status = res.statusCode ?? 0;
        const empty = [101, 204, 205, 304].includes(status);
        resolve(new Response(empty ? null : Buffer.concat(chunks), { status, headers: out }));
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

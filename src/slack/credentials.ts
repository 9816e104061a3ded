import type { AppEnv } from "../env.js";

/** Enough to talk to Slack, in HTTP mode or Socket Mode; decided without loading Bolt. */
export function hasSlackCredentials(env: AppEnv): boolean {
  return Boolean(env.SLACK_BOT_TOKEN && (env.SLACK_SIGNING_SECRET || env.SLACK_APP_TOKEN));
}

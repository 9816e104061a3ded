import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { foreignCode, foreignText } from "../core/foreign-text.js";
import type { Chat } from "../core/message.js";
import { errorMessage } from "../errors.js";
import type { FleetProblem } from "../fleet/load.js";
import type { Fleet } from "../fleet/schema.js";

const REPORTED_FOR_S = 7 * 24 * 3600;

/**
 * The problems without the excerpts of the file a YAML error quotes: a line being edited may
 * hold a password, and the first line already says where to look.
 */
export function briefProblems(problems: readonly FleetProblem[]): FleetProblem[] {
  return problems.map((p) => ({ path: p.path, message: p.message.split("\n")[0] ?? "" }));
}

/**
 * Tells the team a changed fleet file was refused, once per version of the file however many
 * processes read it: to the alerts channel, else to every environment's channel.
 */
export async function reportInvalidFleet(deps: {
  redis: Redis;
  prefix: string;
  chat: Chat;
  /** The fleet still in force: where to post. */
  fleet: Fleet;
  file: string;
  digest: string;
  problems: readonly FleetProblem[];
  log: Logger;
}): Promise<void> {
  const first = await deps.redis.set(
    `${deps.prefix}:fleet:refused:${deps.digest}`,
    "1",
    "EX",
    REPORTED_FOR_S,
    "NX",
  );
  if (first !== "OK") return;
  const secrets = deps.fleet.registry.password ? [deps.fleet.registry.password] : [];
  const problems = briefProblems(deps.problems);
  const lines = problems
    .slice(0, 20)
    .map((p) => `• ${foreignCode(p.path, secrets)}: ${foreignText(p.message, secrets)}`);
  const more = problems.length > 20 ? [`…and ${problems.length - 20} more`] : [];
  const text = [
    `:warning: The changed fleet file ${foreignCode(deps.file)} (version ${deps.digest}) was refused; the previous version stays in force. Fix it (\`npm run check -- ${foreignText(deps.file)}\` lists the same problems):`,
    ...lines,
    ...more,
  ].join("\n");
  const alertsChannel = deps.fleet.alerts?.channel;
  const channels = alertsChannel
    ? [alertsChannel]
    : [...new Set(Object.values(deps.fleet.environments).flatMap((e) => (e.channel ? [e.channel] : [])))];
  for (const channel of channels) {
    await deps.chat
      .post(channel, { text })
      .catch((err) =>
        deps.log.warn({ channel, err: errorMessage(err) }, "could not post the refused fleet file"),
      );
  }
}

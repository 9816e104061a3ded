import { type Asked, askedBy, type CommandContext } from "./context.js";
import { wordsOnly } from "./options.js";
import { planned, type Result, usage } from "./result.js";
import { badFleetHost } from "./targets.js";

export type HostsPlan = { kind: "hosts"; hosts: string[] } & Asked;

export const hostsHelp = {
  name: "hosts",
  usage: "/hosts [<host>...]",
  description:
    "Every host: reachable or not, Docker version, containers running/total, managed projects, and how the bot connects (unix socket, TLS, plain TCP).",
  examples: ["/hosts", "/hosts serverA"],
};

export function planHosts(text: string, ctx: CommandContext): Result<HostsPlan> {
  const parsed = wordsOnly(text, hostsHelp.usage);
  if (!parsed.ok) return parsed;
  const words = parsed.plan;
  const fail = (why: string) => usage(`${why}\nUsage: \`${hostsHelp.usage}\``);
  const hosts: string[] = [];
  for (const word of words) {
    const why = badFleetHost(ctx.fleet, word);
    if (why) return fail(why);
    if (!hosts.includes(word)) hosts.push(word);
  }
  return planned({
    kind: "hosts",
    hosts: hosts.length > 0 ? hosts : Object.keys(ctx.fleet.hosts),
    ...askedBy(ctx),
  });
}

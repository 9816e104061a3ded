import { usesProxy } from "../src/fleet/schema.js";
import type { CommandContext } from "./context.js";
import type { HelpEntry } from "./help.js";
import { planned, type Result, usage } from "./result.js";
import { truncateWord } from "./suggest.js";
import { badFleetHost } from "./targets.js";
import { tokenize } from "./tokenize.js";

export type ProxyAction = "restart" | "upgrade";

/** Host-wide, like `/prune`: the proxy serves every proxied project of the host. */
export type ProxyPlan = {
  kind: "proxy";
  action: ProxyAction;
  host: string;
  requestedBy: string;
  channel: string;
};

export const proxyHelp: HelpEntry = {
  name: "proxy",
  usage: "/proxy <host> restart|upgrade",
  description:
    "Restart the host's proxy, or pull the fleet's proxy image and recreate the proxy from it when it changed; either way it keeps its routes, and new connections are refused for about a second.",
  examples: ["/proxy serverA restart", "/proxy serverA upgrade"],
};

export function planProxy(text: string, ctx: CommandContext): Result<ProxyPlan> {
  const fail = (why: string) => usage(`${why}\nUsage: \`${proxyHelp.usage}\``);
  const { words, flags } = tokenize(text);
  const [flag] = flags;
  if (flag !== undefined) return fail(`unknown option \`--${truncateWord(flag)}\``);
  if (words.length < 2) return fail("name a host and say `restart` or `upgrade`");
  if (words.length > 2) return fail(`too many words: \`${truncateWord(words.slice(2).join(" "))}\``);
  const [host, word] = words as [string, string];
  const why = badFleetHost(ctx.fleet, host);
  if (why) return fail(why);
  const action = word.toLowerCase();
  if (action !== "restart" && action !== "upgrade")
    return fail(`say \`restart\` or \`upgrade\`, not \`${truncateWord(word)}\``);
  if (!usesProxy(ctx.fleet))
    return usage("No project is behind the proxy (`proxy:` in the fleet file), so no host runs one.");
  return planned({ kind: "proxy", action, host, requestedBy: ctx.user, channel: ctx.channel });
}

import type { Fleet } from "../src/fleet/schema.js";
import type { CommandContext } from "./context.js";
import type { HelpPlan } from "./help.js";
import { planned, type Result, usage } from "./result.js";
import { tokenize } from "./tokenize.js";

export const envHelp = {
  name: "env",
  usage: "/env list",
  description: "List the environments with their hosts, channel and whether changes need approval.",
  examples: ["/env list"],
};

/** The fleet file alone answers `/env list`, so it is a text reply like help: no I/O at all. */
export function planEnv(text: string, ctx: CommandContext): Result<HelpPlan> {
  const { words, flags } = tokenize(text);
  if (flags.size > 0 || words.length > 1 || (words[0] !== undefined && words[0].toLowerCase() !== "list")) {
    return usage(`Usage: \`${envHelp.usage}\``);
  }
  return planned({ kind: "help", text: renderEnvironments(ctx.fleet) });
}

export function renderEnvironments(fleet: Fleet): string {
  const lines = Object.entries(fleet.environments).map(([name, env]) => {
    const channel = env.channel ? `<#${env.channel}>` : "no channel";
    const approval = env.approval
      ? `needs approval from ${env.approval.approvers.map((a) => `<@${a}>`).join(", ")}`
      : "no approval needed";
    return `• *${name}* — hosts ${env.hosts.join(", ")}; ${channel}; ${approval}`;
  });
  return lines.length > 0
    ? ["*Environments*", ...lines].join("\n")
    : "The fleet file defines no environments.";
}

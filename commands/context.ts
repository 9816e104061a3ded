import type { Fleet } from "../src/fleet/schema.js";

/** What a command needs to validate text: the fleet, and who is asking from where. */
export type CommandContext = {
  fleet: Fleet;
  user: string;
  channel: string;
};

/**
 * Who asked for a plan and from which channel. Every plan but help carries it, so the access
 * rules (roles, channels) can judge any plan, reads included.
 */
export type Asked = { requestedBy: string; channel: string };

export const askedBy = (ctx: CommandContext): Asked => ({ requestedBy: ctx.user, channel: ctx.channel });

import type { Fleet } from "../src/fleet/schema.js";

/** What a command needs to validate text: the fleet, and who is asking from where. */
export type CommandContext = {
  fleet: Fleet;
  user: string;
  channel: string;
};

import type { WebClient } from "@slack/web-api";
import type { Directory } from "../core/directory.js";

const TTL_MS = 60_000;

/**
 * User-group membership from Slack (`usergroups.users.list`, scope `usergroups:read`), cached
 * for a minute so a burst of button presses costs one API call.
 */
export class SlackDirectory implements Directory {
  private readonly cache = new Map<string, { at: number; users: string[] }>();

  constructor(private readonly client: WebClient) {}

  async groupMembers(groupId: string): Promise<string[]> {
    const hit = this.cache.get(groupId);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.users;
    const res = await this.client.usergroups.users.list({ usergroup: groupId });
    const users = res.users ?? [];
    this.cache.set(groupId, { at: Date.now(), users });
    return users;
  }
}

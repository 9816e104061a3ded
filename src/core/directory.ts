/** Who belongs to a Slack user group; the Slack adapter answers with `usergroups.users.list`. */
export interface Directory {
  groupMembers(groupId: string): Promise<string[]>;
}

/** A directory with no groups: user-group IDs then match nobody. */
export const NO_GROUPS: Directory = { groupMembers: async () => [] };

const isGroup = (id: string) => id.startsWith("S");

/** True when `user` is listed in `ids` directly or is a member of a listed user group (S…). */
export async function isListed(user: string, ids: readonly string[], directory: Directory): Promise<boolean> {
  if (ids.includes(user)) return true;
  for (const id of ids.filter(isGroup)) {
    if ((await directory.groupMembers(id)).includes(user)) return true;
  }
  return false;
}

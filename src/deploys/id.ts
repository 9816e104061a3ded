import { randomBytes } from "node:crypto";

/** Short, sortable, unique: base36 time plus random; used in container names and job ids. */
export function newDeployId(now = Date.now()): string {
  return `${now.toString(36)}${randomBytes(4).toString("hex")}`;
}

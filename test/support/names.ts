import { randomBytes } from "node:crypto";

/** A fresh name per test, so tests share one fleet without seeing each other's containers. */
export function uniqueName(prefix = "t"): string {
  return `${prefix}${randomBytes(4).toString("hex")}`;
}

let nextPort = 20_000 + Math.floor(Math.random() * 400) * 20;

/** Host ports for published containers; each test file starts from a random block. */
export function freePort(): number {
  nextPort += 1;
  return nextPort;
}

import type { Redis } from "ioredis";
import { agentKeys } from "./keys.js";

/** How often a running agent says so, and how long Redis keeps its word for it. */
export const HEARTBEAT_MS = 2_000;
export const LIVE_MS = 6_000;

export type AgentInfo = { version: string; instance: string; startedAt: number; seenAt: number };

export type AgentState = { host: string; alive: boolean; info?: AgentInfo };

/** Whether each host's agent runs now, and what it last said about itself. */
export async function agentStates(redis: Redis, prefix: string, hosts: string[]): Promise<AgentState[]> {
  if (hosts.length === 0) return [];
  const keys = hosts.map((h) => agentKeys(prefix, h));
  const values = await redis.mget(...keys.flatMap((k) => [k.alive, k.info]));
  return hosts.map((host, i) => {
    const alive = values[2 * i] !== null;
    const raw = values[2 * i + 1];
    let info: AgentInfo | undefined;
    try {
      info = raw ? (JSON.parse(raw) as AgentInfo) : undefined;
    } catch {
      info = undefined;
    }
    return { host, alive, ...(info ? { info } : {}) };
  });
}

/** "last seen 3 min ago (v0.1.0)", or "never seen". */
export function lastSeen(state: AgentState, now = Date.now()): string {
  if (!state.info) return "never seen";
  const s = Math.max(0, Math.round((now - state.info.seenAt) / 1000));
  const ago = s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`;
  return `last seen ${ago} ago (v${state.info.version})`;
}

/** Why a worker cannot reach this host now, with what to do; undefined while its agent runs. */
export function agentDownReason(state: AgentState, now = Date.now()): string | undefined {
  if (state.alive) return undefined;
  return `waiting for agent on ${state.host}: it is not running (${lastSeen(state, now)}); ${startIt(state.host)}`;
}

/** What a job that waits for the agent shows: the same words until it runs (no ticking clock). */
export function agentWaitStep(host: string): string {
  return `waiting for agent on ${host}: it is not running; ${startIt(host)}`;
}

const startIt = (host: string) => `start it on that server with npm run agent -- --host ${host}`;

import { foreignCode } from "../core/foreign-text.js";
import { maskValue } from "../secrets/mask.js";
import { matchesSecretPattern } from "../secrets/patterns.js";
import { secretAad } from "./cipher.js";
import type { ConfigSource } from "./effective-env.js";

/** One key as chat shows it; `clear` is missing for a secret that cannot be decrypted here. */
export type ViewEntry = { key: string; clear?: string; secret: boolean; source: "stored" | "fleet" };

/** The effective config of one environment, for display: fleet defaults overlaid with a revision. */
export function configView(input: ConfigSource): Map<string, ViewEntry> {
  const view = new Map<string, ViewEntry>();
  for (const [key, value] of Object.entries(input.defaults)) {
    view.set(key, { key, clear: value, secret: matchesSecretPattern(key, input.patterns), source: "fleet" });
  }
  for (const [key, entry] of Object.entries(input.revision?.entries ?? {})) {
    if (!entry.s) {
      view.set(key, {
        key,
        clear: entry.v,
        secret: matchesSecretPattern(key, input.patterns),
        source: "stored",
      });
      continue;
    }
    let clear: string | undefined;
    try {
      clear = input.cipher?.decrypt(entry.v, secretAad(input.project, input.env, key));
    } catch {
      clear = undefined;
    }
    view.set(key, { key, clear, secret: true, source: "stored" });
  }
  return new Map([...view.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

/** A value as chat shows it: secrets masked (never more than 2 characters), long values cut. */
export function showValue(entry: Pick<ViewEntry, "clear" | "secret">): string {
  if (entry.secret) return `\`${entry.clear === undefined ? "••••" : maskValue(entry.clear)}\` (secret)`;
  const clear = entry.clear ?? "";
  const cut = clear.length > 120 ? `${clear.slice(0, 120)}…` : clear;
  return foreignCode(cut);
}

export type ConfigDiff = {
  onlyA: ViewEntry[];
  onlyB: ViewEntry[];
  different: Array<{ a: ViewEntry; b: ViewEntry }>;
  /** Secrets that cannot be decrypted here, so they cannot be compared. */
  unknown: string[];
  same: number;
};

export function diffViews(a: Map<string, ViewEntry>, b: Map<string, ViewEntry>): ConfigDiff {
  const diff: ConfigDiff = { onlyA: [], onlyB: [], different: [], unknown: [], same: 0 };
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  for (const key of keys) {
    const x = a.get(key);
    const y = b.get(key);
    if (!y) diff.onlyA.push(x as ViewEntry);
    else if (!x) diff.onlyB.push(y);
    else if (x.clear === undefined || y.clear === undefined) diff.unknown.push(key);
    else if (x.clear !== y.clear) diff.different.push({ a: x, b: y });
    else diff.same++;
  }
  return diff;
}

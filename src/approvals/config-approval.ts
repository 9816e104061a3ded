import type { ApprovalRule } from "../../commands/approval.js";
import type { ConfigEntry, ConfigPlan } from "../../commands/config.js";
import { type ConfigCipher, secretAad } from "../config/cipher.js";
import type { ConfigStore, StoredEntry } from "../config/config-store.js";
import { showValue } from "../config/view.js";
import type { KindHooks, Shown } from "./kinds.js";

type GatedConfig = ConfigPlan & { approval: ApprovalRule };

export type ConfigApprovalDeps = {
  store: ConfigStore;
  /** Absent when CONFIG_ENCRYPTION_KEY is unset: a request with a secret is then refused. */
  cipher?: ConfigCipher;
};

const NO_KEY =
  "CONFIG_ENCRYPTION_KEY is not set on the bot, so secrets cannot be stored (not even in an approval request)";

/** A sealed value is bound to its purpose too, so it cannot pass for a stored config value. */
const sealAad = (plan: ConfigPlan, key: string) => `approval/${secretAad(plan.project, plan.env, key)}`;

const same = (a: StoredEntry | undefined, b: StoredEntry | undefined) =>
  a !== undefined && b !== undefined && a.v === b.v && a.s === b.s;

/**
 * Config changes in an approval environment become requests. The request shows the keys that
 * change with secret values masked and the revision it applies on top of; Approve is void if the
 * config changed meanwhile. A `/config set` plan holds clear values, so secret values are sealed
 * (AES-256-GCM, CONFIG_ENCRYPTION_KEY) before the request is stored and unsealed only to run it.
 */
export function configApproval(deps: ConfigApprovalDeps): KindHooks<GatedConfig> {
  const { store, cipher } = deps;
  const convert = (plan: GatedConfig, change: (e: ConfigEntry, aad: string) => string): GatedConfig => {
    if (plan.op !== "set" || !plan.entries.some((e) => e.secret)) return plan;
    if (!cipher) throw new Error(NO_KEY);
    const entries = plan.entries.map((e) =>
      e.secret ? { ...e, value: change(e, sealAad(plan, e.key)) } : e,
    );
    return { ...plan, entries };
  };
  return {
    pin: async (plan) => {
      const current = await store.revision(plan.project, plan.env);
      const pinned = { configRevision: current?.rev ?? 0 };
      // The approved change applies only on this revision (the store refuses otherwise), so a
      // change made between the re-check at Approve and the write cannot slip under it.
      const onRevision = pinned.configRevision;
      if (plan.op !== "set") return { plan: { ...plan, onRevision }, pinned };
      // A key stored as secret stays secret even when this change does not say --secret.
      const entries = plan.entries.map((e) => ({
        ...e,
        secret: e.secret || current?.entries[e.key]?.s === true,
      }));
      if (!cipher && entries.some((e) => e.secret)) throw new Error(NO_KEY);
      return { plan: { ...plan, entries, onRevision }, pinned };
    },
    describe: async (plan, pinned): Promise<Shown> => {
      const where = `*${plan.project}/${plan.env}*`;
      const on = `r${pinned.configRevision ?? 0}`;
      const lines: string[] = [];
      if (plan.op === "set") {
        for (const e of plan.entries)
          lines.push(`• set \`${e.key}\` = ${showValue({ clear: e.value, secret: e.secret })}`);
      } else if (plan.op === "unset") {
        for (const key of plan.keys) lines.push(`• remove \`${key}\``);
      } else if (plan.op === "revert") {
        lines.push(`• back to the entries of r${plan.revision}${await revertedKeys(store, plan)}`);
      }
      lines.push(`• applies on top of config revision ${on}`);
      return { title: `change the config of ${where}`, lines };
    },
    revalidate: async (plan, pinned) => {
      const now = await store.head(plan.project, plan.env);
      const was = pinned.configRevision ?? 0;
      return now === was ? undefined : `the config changed since: r${was} → r${now}`;
    },
    seal: async (plan) => convert(plan, (e, aad) => (cipher as ConfigCipher).encrypt(e.value, aad)),
    unseal: async (plan) => convert(plan, (e, aad) => (cipher as ConfigCipher).decrypt(e.value, aad)),
  };
}

/** Which keys a revert changes, as `/config history` would name them afterwards. */
async function revertedKeys(
  store: ConfigStore,
  plan: Extract<ConfigPlan, { op: "revert" }>,
): Promise<string> {
  const [now, target] = await Promise.all([
    store.revision(plan.project, plan.env),
    plan.revision > 0 ? store.revision(plan.project, plan.env, plan.revision) : undefined,
  ]);
  if (plan.revision > 0 && !target) return ` (r${plan.revision} does not exist)`;
  const a = now?.entries ?? {};
  const b = target?.entries ?? {};
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !same(a[k], b[k])).sort();
  return keys.length > 0 ? `: changes ${keys.map((k) => `\`${k}\``).join(", ")}` : " (nothing changes)";
}

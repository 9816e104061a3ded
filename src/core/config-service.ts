import type { Logger } from "pino";
import type { ConfigPlan } from "../../commands/config.js";
import { type ConfigCipher, secretAad } from "../config/cipher.js";
import type { ConfigStore, StoredEntry } from "../config/config-store.js";
import { configView, diffViews, showValue } from "../config/view.js";
import { StateMovedError } from "../errors.js";
import type { Fleet } from "../fleet/schema.js";
import { DEFAULT_SECRET_PATTERNS } from "../secrets/patterns.js";
import { ephemeral, type Reply } from "./message.js";
import { renderChanged, renderDiff, renderHistory, renderList } from "./render-config.js";

export type ConfigServiceDeps = {
  fleet: Fleet;
  store: ConfigStore;
  /** Absent when CONFIG_ENCRYPTION_KEY is unset: secrets can then be neither stored nor read. */
  cipher?: ConfigCipher;
  log: Logger;
};

type Plan<Op extends ConfigPlan["op"]> = Extract<ConfigPlan, { op: Op }>;

const NO_KEY =
  "CONFIG_ENCRYPTION_KEY is not set on the bot, so secrets cannot be stored; nothing was stored. Set it (see docs/configuration-and-secrets.md) and try again.";

/**
 * Runs `/config` plans. Every reply is ephemeral: a Slack reply "in channel" would also show the
 * command text, which may hold a secret. Values are never logged; only keys and revisions are.
 */
export class ConfigService {
  constructor(private readonly deps: ConfigServiceDeps) {}

  async run(plan: ConfigPlan): Promise<Reply | undefined> {
    const changes = plan.op === "set" || plan.op === "unset" || plan.op === "revert";
    if (changes && !plan.approval && this.deps.fleet.environments[plan.env]?.approval) {
      // Plans from commands/ carry the rule; one without it did not pass the approval gate.
      return ephemeral(`:no_entry: *${plan.env}* config changes need approval; nothing was changed.`);
    }
    switch (plan.op) {
      case "set":
        return this.set(plan);
      case "unset":
        return this.unset(plan);
      case "revert":
        return this.revert(plan);
      case "get":
        return this.get(plan);
      case "list":
        return this.list(plan);
      case "history": {
        const revisions = await this.deps.store.history(plan.project, plan.env, 15);
        return ephemeral(renderHistory(`${plan.project}/${plan.env}`, revisions));
      }
      case "diff":
        return this.diff(plan);
    }
  }

  private async set(plan: Plan<"set">): Promise<Reply> {
    const { store, cipher } = this.deps;
    // A key stored as secret stays secret; the script refuses a plain write over a secret that
    // appeared after we looked, and we look again.
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = await store.revision(plan.project, plan.env);
      const secret = (key: string, marked: boolean) => marked || current?.entries[key]?.s === true;
      if (!cipher && plan.entries.some((e) => secret(e.key, e.secret))) return ephemeral(`:x: ${NO_KEY}`);
      const entries: Record<string, StoredEntry> = {};
      for (const e of plan.entries) {
        const aad = secretAad(plan.project, plan.env, e.key);
        const stored = current?.entries[e.key];
        if (!secret(e.key, e.secret) || !cipher) entries[e.key] = { v: e.value };
        // The same secret again keeps its ciphertext, so it counts as unchanged.
        else if (stored?.s && this.sameSecret(stored.v, e.value, aad)) entries[e.key] = stored;
        else entries[e.key] = { v: cipher.encrypt(e.value, aad), s: true };
      }
      const outcome = await store.change(
        plan.project,
        plan.env,
        { op: "set", entries },
        plan.requestedBy,
        plan.onRevision,
      );
      if (outcome.status === "secret") continue;
      if (outcome.status === "moved") throw moved(plan, outcome.revision);
      const shown = plan.entries
        .map((e) => `\`${e.key}\`=${showValue({ clear: e.value, secret: secret(e.key, e.secret) })}`)
        .join(", ");
      if (outcome.status !== "ok") {
        return ephemeral(`*${plan.project}/${plan.env}* already has ${shown}; still r${outcome.revision}.`);
      }
      this.logChange(plan, outcome.revision, Object.keys(entries));
      return {
        visibility: "ephemeral",
        message: renderChanged({ ...plan, revision: outcome.revision, summary: `set ${shown}` }),
      };
    }
    return ephemeral(":x: the config kept changing while saving; nothing was stored, try again.");
  }

  private async unset(plan: Plan<"unset">): Promise<Reply> {
    const outcome = await this.deps.store.change(
      plan.project,
      plan.env,
      { op: "unset", keys: plan.keys },
      plan.requestedBy,
      plan.onRevision,
    );
    if (outcome.status === "moved") throw moved(plan, outcome.revision);
    if (outcome.status !== "ok") {
      return ephemeral(
        `None of ${plan.keys.map((k) => `\`${k}\``).join(", ")} is in the stored config of *${plan.project}/${plan.env}*; nothing changed. (Keys from the fleet file change there.)`,
      );
    }
    this.logChange(plan, outcome.revision, plan.keys);
    const summary = `removed ${plan.keys.map((k) => `\`${k}\``).join(", ")}`;
    return {
      visibility: "ephemeral",
      message: renderChanged({ ...plan, revision: outcome.revision, summary }),
    };
  }

  private async revert(plan: Plan<"revert">): Promise<Reply> {
    const { store } = this.deps;
    const head = await store.head(plan.project, plan.env);
    if (plan.revision > head) {
      return ephemeral(
        `*${plan.project}/${plan.env}* has no r${plan.revision}; the latest is r${head}. See \`/config history ${plan.project} ${plan.env}\`.`,
      );
    }
    const outcome = await store.change(
      plan.project,
      plan.env,
      { op: "revert", revision: plan.revision },
      plan.requestedBy,
      plan.onRevision,
    );
    if (outcome.status === "moved") throw moved(plan, outcome.revision);
    if (outcome.status === "missing")
      return ephemeral(`*${plan.project}/${plan.env}* has no r${plan.revision}.`);
    if (outcome.status !== "ok") {
      return ephemeral(`*${plan.project}/${plan.env}* already equals r${plan.revision}; nothing changed.`);
    }
    this.logChange(plan, outcome.revision, []);
    const summary = `a copy of r${plan.revision}`;
    return {
      visibility: "ephemeral",
      message: renderChanged({ ...plan, revision: outcome.revision, summary }),
    };
  }

  private async get(plan: Plan<"get">): Promise<Reply> {
    const { view } = await this.view(plan.project, plan.env);
    const entry = view.get(plan.key);
    if (!entry) return ephemeral(`\`${plan.key}\` is not set for *${plan.project}/${plan.env}*.`);
    const from = entry.source === "fleet" ? " _(fleet file)_" : "";
    return ephemeral(`*${plan.project}/${plan.env}* \`${plan.key}\` = ${showValue(entry)}${from}`);
  }

  private async list(plan: Plan<"list">): Promise<Reply> {
    const { view, head } = await this.view(plan.project, plan.env);
    return ephemeral(renderList(`${plan.project}/${plan.env}`, head, view));
  }

  private async diff(plan: Plan<"diff">): Promise<Reply> {
    const [a, b] = await Promise.all([
      this.view(plan.project, plan.env),
      this.view(plan.project, plan.otherEnv),
    ]);
    return ephemeral(renderDiff(plan.project, plan.env, plan.otherEnv, diffViews(a.view, b.view)));
  }

  private async view(project: string, env: string) {
    const { fleet, store, cipher } = this.deps;
    const revision = await store.revision(project, env);
    const view = configView({
      project,
      env,
      defaults: fleet.projects[project]?.env ?? {},
      revision,
      patterns: fleet.secrets?.patterns ?? DEFAULT_SECRET_PATTERNS,
      cipher,
    });
    return { view, head: revision?.rev ?? 0 };
  }

  private sameSecret(stored: string, value: string, aad: string): boolean {
    try {
      return this.deps.cipher?.decrypt(stored, aad) === value;
    } catch {
      return false;
    }
  }

  private logChange(plan: ConfigPlan, revision: number, keys: string[]): void {
    // Keys and revision only: never a value.
    this.deps.log.info(
      { project: plan.project, env: plan.env, op: plan.op, revision, keys, by: plan.requestedBy },
      "config changed",
    );
  }
}

/** An approved change whose config moved on after the approvers' look: it must not land. */
function moved(plan: ConfigPlan & { onRevision?: number }, head: number): StateMovedError {
  return new StateMovedError(
    `the config of *${plan.project}/${plan.env}* changed since the request (r${plan.onRevision ?? 0} → r${head})`,
  );
}

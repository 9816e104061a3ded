import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { ConfigPlan } from "../../commands/config.js";
import { configApproval } from "../../src/approvals/config-approval.js";
import { ConfigCipher } from "../../src/config/cipher.js";
import type { ConfigStore } from "../../src/config/config-store.js";

// `set` and `unset` are sealed and described without reading the store.
const noStore = {} as ConfigStore;
const approval = { approvers: ["ULEAD"], allowSelfApproval: false, expiresMs: 60_000 };
const target = {
  kind: "config" as const,
  project: "a1",
  env: "prod",
  requestedBy: "UDEV",
  channel: "CPROD",
  approval,
};
const set: ConfigPlan & { approval: typeof approval } = {
  ...target,
  op: "set",
  entries: [
    { key: "DB_HOST", value: "db1", secret: false },
    { key: "DB_PASSWORD", value: "hunter2-hunter2", secret: true },
  ],
};

describe("config approval hooks", () => {
  const hooks = configApproval({ store: noStore, cipher: new ConfigCipher(randomBytes(32)) });

  it("seal encrypts only the secret values, and unseal gives back the plan", async () => {
    const sealed = await hooks.seal?.(set);
    expect(sealed?.op === "set" && sealed.entries[0]).toEqual(set.entries[0]);
    const secret = sealed?.op === "set" ? sealed.entries[1]?.value : "";
    expect(secret).toMatch(/^v1:/);
    expect(JSON.stringify(sealed)).not.toContain("hunter2");
    expect(await hooks.unseal?.(sealed as typeof set)).toEqual(set);
  });

  it("a sealed value cannot be unsealed as another key's", async () => {
    const sealed = (await hooks.seal?.(set)) as typeof set;
    const moved = { ...sealed, entries: sealed.entries.map((e) => ({ ...e, key: `${e.key}2` })) };
    await expect(hooks.unseal?.(moved)).rejects.toThrow(/cannot be decrypted/);
  });

  it("describe masks secret values and names the revision it applies on top of", async () => {
    expect(await hooks.describe?.(set, { configRevision: 3 })).toEqual({
      title: "change the config of *a1/prod*",
      lines: [
        "• set `DB_HOST` = `db1`",
        "• set `DB_PASSWORD` = `••••r2` (secret)",
        "• applies on top of config revision r3",
      ],
    });
    expect(
      await hooks.describe?.({ ...target, op: "unset", keys: ["A", "B"] }, { configRevision: 0 }),
    ).toEqual({
      title: "change the config of *a1/prod*",
      lines: ["• remove `A`", "• remove `B`", "• applies on top of config revision r0"],
    });
  });
});

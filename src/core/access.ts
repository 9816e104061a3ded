import type { Fleet } from "../fleet/schema.js";
import { type Directory, isListed } from "./directory.js";

/** What the access rules need to know about a plan; every plan but help carries these fields. */
export type Guarded = {
  kind: string;
  requestedBy: string;
  channel: string;
  env?: string;
  action?: string;
  /** Other environments the plan reads (a config diff's second one): judged like `env`. */
  reads?: string[];
  /** A host-wide plan's host (`/prune`, `/proxy`): judged by the environments that run there. */
  host?: string;
};

/**
 * Commands on a whole host or on someone's job have a safe default once the fleet names roles:
 * only approvers of the environments concerned (and a job's requester) may run them, besides the
 * roles of the top-level `allow.<command>`.
 */
const OWNER_OR_APPROVER = new Set(["prune", "proxy", "cancel"]);

/** A fleet-wide read after the access check: `envs`, when set, lists the environments it may show. */
export type Narrowed<P> = P & { envs?: string[] };

/** Why a plan is refused, or the plan to run (a fleet-wide read narrowed to what its requester may see). */
export type Verdict<P> = { ok: true; plan: Narrowed<P> } | { ok: false; reason: string };

/**
 * Reads that name no environment but show environments' records. They are narrowed, not
 * refused: the requester sees the environments whose rule for `READ_KEY` lets them in.
 */
const READ_KEY: Record<string, string> = {
  status: "status",
  // Resource usage shows what runs where, like /status.
  stats: "status",
  audit: "history",
  jobs: "history",
  job: "history",
  alerts: "history",
  home: "history",
  // A delivery report shows environments' deploy history.
  report: "history",
};

/**
 * The `allow` keys that govern a plan, most specific first: `/stop` is a `lifecycle` plan with
 * action `stop`, so `allow.stop` wins over `allow.lifecycle`.
 */
function commandKeys(plan: { kind: string; action?: string }): string[] {
  const base = plan.kind.split(/[-_.:]/)[0] ?? plan.kind;
  // `/audit prod` reads prod's records like the fleet-wide `/audit` does: by its read rule.
  const read = READ_KEY[plan.kind];
  const keys = [...(plan.action ? [plan.action] : []), plan.kind, base, ...(read ? [read] : [])];
  return [...new Set(keys)];
}

const roleNames = (roles: readonly string[]) => roles.map((r) => `*${r}*`).join(" or ");

/**
 * Roles and channel restrictions from the fleet file, for every plan kind. Without `roles` and
 * without `channels` everything stays open, as it always was.
 */
export class Access {
  constructor(
    private readonly fleet: Fleet,
    private readonly directory: Directory,
  ) {}

  /** True once the fleet names any role: then commands without an environment get safe defaults. */
  get restricted(): boolean {
    return Object.keys(this.fleet.roles ?? {}).length > 0;
  }

  private async inRoles(user: string, roles: readonly string[]): Promise<boolean> {
    const members = roles.flatMap((r) => this.fleet.roles?.[r] ?? []);
    return isListed(user, members, this.directory);
  }

  /** Why `plan` may not run in `envName` (its channels and its `allow`), or undefined. */
  private async envDenial(plan: Guarded, envName: string): Promise<string | undefined> {
    const env = this.fleet.environments[envName];
    if (!env) return undefined;
    if (env.channels && !env.channels.includes(plan.channel)) {
      const where = env.channels.map((c) => `<#${c}>`).join(", ");
      return `*${envName}* commands may only be run from ${where}. Nothing was done.`;
    }
    const key = commandKeys(plan).find((k) => env.allow?.[k] !== undefined);
    if (key === undefined) return undefined;
    const roles = env.allow?.[key] ?? [];
    if (await this.inRoles(plan.requestedBy, roles)) return undefined;
    const who = roles.length > 0 ? `the ${roleNames(roles)} role` : "no one";
    return `You may not run \`${key}\` in *${envName}*: only ${who} may. Nothing was done.`;
  }

  /** The top-level `allow` of a command that names no environment (`/jobs`, `/hosts`, …). */
  private async fleetDenial(plan: Guarded): Promise<string | undefined> {
    if (OWNER_OR_APPROVER.has(plan.kind)) {
      // A cancel's environment is the job's, known only when the job is read (JobsService).
      return plan.host === undefined ? undefined : this.ownerOrApprover(plan, this.envsOnHost(plan.host));
    }
    const key = commandKeys(plan).find((k) => this.fleet.allow?.[k] !== undefined);
    if (key === undefined) return undefined;
    const roles = this.fleet.allow?.[key] ?? [];
    if (await this.inRoles(plan.requestedBy, roles)) return undefined;
    const who = roles.length > 0 ? `the ${roleNames(roles)} role` : "no one";
    return `You may not run \`${key}\`: only ${who} may. Nothing was done.`;
  }

  /** Why the plan is refused, or undefined: every environment it names or reads must let it in. */
  async denial(plan: Guarded): Promise<string | undefined> {
    // The top-level `allow` holds with or without an environment (`/audit prod` is still `/audit`).
    const top = await this.fleetDenial(plan);
    if (top || plan.env === undefined) return top;
    for (const env of [plan.env, ...(plan.reads ?? [])]) {
      const why = await this.envDenial(plan, env);
      if (why) return why;
    }
    return undefined;
  }

  /**
   * The environments whose records `user` may read through the fleet-wide view `view` (a key of
   * READ_KEY), asked from `channel`; undefined when they may read all, so nothing is hidden.
   */
  async readable(view: string, user: string, channel: string): Promise<string[] | undefined> {
    const names = Object.keys(this.fleet.environments);
    const ruled = names.some((n) => {
      const env = this.fleet.environments[n];
      return env?.channels !== undefined || env?.allow !== undefined;
    });
    if (!ruled && !this.restricted) return undefined;
    const kind = READ_KEY[view] ?? view;
    const asked = { kind, requestedBy: user, channel };
    const open = await Promise.all(names.map(async (n) => (await this.envDenial(asked, n)) === undefined));
    // Who may read every environment sees everything, records of no environment included.
    return open.every(Boolean) ? undefined : names.filter((_, i) => open[i]);
  }

  /** The access check of a plan: refused, or allowed (a fleet-wide read narrowed to what may be seen). */
  async check<P extends Guarded>(plan: P): Promise<Verdict<P>> {
    const why = await this.denial(plan);
    if (why) return { ok: false, reason: why };
    if (plan.env !== undefined || !(plan.kind in READ_KEY)) return { ok: true, plan };
    const envs = await this.readable(plan.kind, plan.requestedBy, plan.channel);
    return { ok: true, plan: envs === undefined ? plan : { ...plan, envs } };
  }

  /** True when `user` may approve requests in `env` by the fleet as it is now. */
  async isApprover(user: string, env: string): Promise<boolean> {
    const approvers = this.fleet.environments[env]?.approval?.approvers ?? [];
    return isListed(user, approvers, this.directory);
  }

  /**
   * The safe default of OWNER_OR_APPROVER commands: allowed to `owner` (a job's requester), to
   * approvers of one of `envs` and to the roles of the top-level `allow.<kind>`. Open while the
   * fleet names no roles. Undefined when allowed.
   */
  async ownerOrApprover(plan: Guarded, envs: readonly string[], owner?: string): Promise<string | undefined> {
    if (!this.restricted) return undefined;
    if (owner !== undefined && owner === plan.requestedBy) return undefined;
    if (await this.inRoles(plan.requestedBy, this.fleet.allow?.[plan.kind] ?? [])) return undefined;
    for (const env of envs) if (await this.isApprover(plan.requestedBy, env)) return undefined;
    const whose = envs.length > 0 ? envs.map((e) => `*${e}*`).join(" or ") : "no environment";
    const by = owner !== undefined ? "its requester or an approver of" : "an approver of";
    return `Only ${by} ${whose} may run \`${plan.kind}\` here (or a role in the fleet file's top-level \`allow.${plan.kind}\`). Nothing was done.`;
  }

  /** Environments that run on `host`. */
  envsOnHost(host: string): string[] {
    return Object.entries(this.fleet.environments)
      .filter(([, env]) => env.hosts.includes(host))
      .map(([name]) => name);
  }
}

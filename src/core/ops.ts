import type { Logger } from "pino";
import type { ApprovalRule } from "../../commands/approval.js";
import type { CommandContext } from "../../commands/context.js";
import { type Plan, planCommand, SLASH_COMMANDS } from "../../commands/index.js";
import type { Result } from "../../commands/result.js";
import type { Audit } from "../audit/event.js";
import { auditCommandText } from "../audit/mask-command.js";
import type { Fleet } from "../fleet/schema.js";
import { commandsTotal } from "../metrics.js";
import type { Verdict } from "./access.js";
import { ephemeral, type MessageRef, type Reply } from "./message.js";

/** Every plan but help: they all carry who asked and from where. */
export type Acting = Exclude<Plan, { kind: "help" }>;

export type CommandRequest = { command: string; text: string; user: string; channel: string };

/** Who pressed a button, on which message, with the button's value. */
export type ActionRequest = { action: string; value: string; user: string; message?: MessageRef };

/**
 * How a plan came to run: `approvedBy` when an approver pressed Approve, and the approval
 * message, which a handler may update in place instead of posting a new one.
 */
export type ExecuteContext = { approvedBy?: string; message?: MessageRef };

type Handler<P> = (plan: P, ctx: ExecuteContext) => Promise<Reply | undefined>;

/** One handler per plan kind; the type makes a new kind without a handler a compile error. */
export type PlanHandlers = { [K in Plan["kind"]]: Handler<Extract<Plan, { kind: K }>> };

export type ActionHandler = (req: ActionRequest) => Promise<Reply | undefined>;

/** A plan whose environment needs approval, before anyone approved it. */
/** Only plans aimed at an environment can need approval (host-wide and read-only plans have none). */
export type GatedPlan = Extract<Plan, { env: string; approval?: ApprovalRule }> & { approval: ApprovalRule };

/**
 * Decides what happens to a plan that needs approval. The default refuses; the approvals
 * feature replaces it with one that posts an approval request.
 */
export type ApprovalGate = (plan: GatedPlan) => Promise<Reply | undefined>;

/** Cross-cutting checks around every plan; both optional so the core runs without them. */
export type OpsHooks = {
  /**
   * Whether the plan's requester may run it (roles, channels), by the fleet as it is now; a
   * fleet-wide read comes back narrowed to the environments the requester may see.
   */
  check?: (plan: Acting) => Promise<Verdict<Acting>>;
  /** The environments `user` may see in a fleet-wide view, or undefined for all (src/core/access.ts). */
  readable?: (view: string, user: string, channel: string) => Promise<string[] | undefined>;
  audit?: Audit;
};

/** The project and environment a plan is about, for the audit trail. */
function scopeOf(plan: Plan): { project?: string; env?: string } {
  const p = plan as { project?: unknown; env?: unknown };
  return {
    ...(typeof p.project === "string" ? { project: p.project } : {}),
    ...(typeof p.env === "string" ? { env: p.env } : {}),
  };
}

export const refuseApproval: ApprovalGate = async (plan) =>
  ephemeral(
    `*${plan.env}* needs approval from ${plan.approval.approvers.map((a) => `<@${a}>`).join(", ")}; approval requests are not supported yet, so nothing was done.`,
  );

/**
 * The adapter-free core. Adapters call `plan` first (pure and fast, so they can answer Slack
 * within its 3 seconds), then `execute` for plans that do something, and `act` for buttons.
 */
export class Ops {
  constructor(
    private readonly fleet: Fleet,
    private readonly handlers: Omit<PlanHandlers, "help">,
    private readonly log: Logger,
    private readonly actions: Record<string, ActionHandler> = {},
    private readonly gate: ApprovalGate = refuseApproval,
    private readonly hooks: OpsHooks = {},
  ) {}

  plan(req: CommandRequest): Result<Plan> {
    const ctx: CommandContext = { fleet: this.fleet, user: req.user, channel: req.channel };
    const result = planCommand(req.command, req.text, ctx);
    this.log.info(
      {
        command: req.command,
        user: req.user,
        channel: req.channel,
        ok: result.ok,
        kind: result.ok ? result.plan.kind : "usage",
      },
      "command",
    );
    this.hooks.audit?.({
      type: "command",
      action: result.ok ? "planned" : "usage",
      user: req.user,
      channel: req.channel,
      text: auditCommandText(req.command, req.text, result),
      ...(result.ok ? scopeOf(result.plan) : {}),
    });
    const outcome = !result.ok ? "usage" : result.plan.kind === "help" ? "help" : "accepted";
    // Typos must not grow the label set: unknown names count as "unknown".
    const name = req.command.replace(/^\//, "").toLowerCase();
    commandsTotal.inc({ command: SLASH_COMMANDS.includes(name) ? name : "unknown", outcome });
    return result;
  }

  /**
   * The access check, audited when it refuses: the plan to run (possibly narrowed), or the
   * refusal for the requester. Approved plans are checked again too: a requester who lost the
   * role since asking, or a channel no longer allowed, stops the plan.
   */
  async admit(plan: Plan): Promise<{ plan: Acting } | { reply: Reply }> {
    if (plan.kind === "help") return { reply: ephemeral(plan.text) };
    const verdict = (await this.hooks.check?.(plan)) ?? { ok: true, plan };
    if (verdict.ok) return { plan: verdict.plan };
    this.log.warn({ kind: plan.kind, user: plan.requestedBy, reason: verdict.reason }, "command denied");
    this.hooks.audit?.({
      type: "denied",
      action: plan.kind,
      user: plan.requestedBy,
      channel: plan.channel,
      ...scopeOf(plan),
      detail: verdict.reason,
    });
    return { reply: ephemeral(`:no_entry: ${verdict.reason}`) };
  }

  /**
   * Runs a plan; returns a reply for the requester alone, if there is one. A plan that needs
   * approval goes to the gate unless `approvedBy` says an approver already approved it.
   */
  async execute(asked: Plan, opts: ExecuteContext = {}): Promise<Reply | undefined> {
    if (asked.kind === "help") return ephemeral(asked.text);
    const admitted = await this.admit(asked);
    if ("reply" in admitted) return admitted.reply;
    const { plan } = admitted;
    if ("approval" in plan && plan.approval && !opts.approvedBy && !("dryRun" in plan && plan.dryRun)) {
      return this.gate(plan as GatedPlan);
    }
    const handler = this.handlers[plan.kind] as Handler<Acting>;
    return handler(plan, opts);
  }

  /**
   * A request planned, audited and checked exactly as if it was typed, but not run: for buttons
   * that run the admitted plan their own way (an alert's Show logs reads the alerted container).
   */
  async admitRequest(req: CommandRequest): Promise<{ plan: Acting } | { reply: Reply }> {
    const result = this.plan(req);
    if (!result.ok) return { reply: ephemeral(result.message) };
    return this.admit(result.plan);
  }

  async handle(req: CommandRequest): Promise<Reply | undefined> {
    const result = this.plan(req);
    if (!result.ok) return ephemeral(result.message);
    return this.execute(result.plan);
  }

  /** Action ids are "<handler>" or "<handler>:<detail>"; unknown ones are refused, not thrown. */
  async act(req: ActionRequest): Promise<Reply | undefined> {
    const handler = this.actions[req.action.split(":")[0] ?? ""];
    this.log.info({ action: req.action, user: req.user, known: Boolean(handler) }, "action");
    if (!handler) return ephemeral("That button is no longer supported; run the command again.");
    return handler(req);
  }

  /**
   * The environments a user may see in a fleet-wide view such as App Home, asked from `channel`
   * ("" when it is no channel); undefined when nothing is hidden.
   */
  async visibleEnvs(view: string, user: string, channel: string): Promise<string[] | undefined> {
    return this.hooks.readable?.(view, user, channel);
  }

  get actionIds(): string[] {
    return Object.keys(this.actions);
  }
}

import type { Logger } from "pino";
import type { ApprovalRule } from "../../commands/approval.js";
import type { CommandContext } from "../../commands/context.js";
import { type Plan, planCommand } from "../../commands/index.js";
import type { Result } from "../../commands/result.js";
import type { Fleet } from "../fleet/schema.js";
import { ephemeral, type MessageRef, type Reply } from "./message.js";

export type CommandRequest = { command: string; text: string; user: string; channel: string };

/** Who pressed a button, on which message, with the button's value. */
export type ActionRequest = { action: string; value: string; user: string; message?: MessageRef };

type Handler<P> = (plan: P) => Promise<Reply | undefined>;

/** One handler per plan kind; the type makes a new kind without a handler a compile error. */
export type PlanHandlers = { [K in Plan["kind"]]: Handler<Extract<Plan, { kind: K }>> };

export type ActionHandler = (req: ActionRequest) => Promise<Reply | undefined>;

/** A plan whose environment needs approval, before anyone approved it. */
export type GatedPlan = Extract<Plan, { approval?: ApprovalRule }> & { approval: ApprovalRule };

/**
 * Decides what happens to a plan that needs approval. The default refuses; the approvals
 * feature replaces it with one that posts an approval request.
 */
export type ApprovalGate = (plan: GatedPlan) => Promise<Reply | undefined>;

const refuseApproval: ApprovalGate = async (plan) =>
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
    return result;
  }

  /**
   * Runs a plan; returns a reply for the requester alone, if there is one. A plan that needs
   * approval goes to the gate unless `approvedBy` says an approver already approved it.
   */
  async execute(plan: Plan, opts: { approvedBy?: string } = {}): Promise<Reply | undefined> {
    if (plan.kind === "help") return ephemeral(plan.text);
    if ("approval" in plan && plan.approval && !opts.approvedBy && !("dryRun" in plan && plan.dryRun)) {
      return this.gate(plan as GatedPlan);
    }
    const handler = this.handlers[plan.kind] as Handler<Plan>;
    return handler(plan);
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

  get actionIds(): string[] {
    return Object.keys(this.actions);
  }
}

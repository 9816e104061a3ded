import type { Logger } from "pino";
import type { ApprovalRule } from "../../commands/approval.js";
import type { Plan } from "../../commands/index.js";
import type { Audit } from "../audit/event.js";
import { type Directory, isListed } from "../core/directory.js";
import { type Chat, ephemeral, type Reply } from "../core/message.js";
import type { ActionRequest, ExecuteContext, GatedPlan } from "../core/ops.js";
import { errorMessage } from "../errors.js";
import { formatDuration } from "../fleet/duration.js";
import { type ApprovalKinds, describeFields, type KindHooks } from "./kinds.js";
import { APPROVE, mention, REJECT, renderDecided, renderPending } from "./render.js";
import { type ApprovalRequest, type ApprovalState, ApprovalStore } from "./store.js";

type Decision = Exclude<ApprovalState, "pending">;
/** A decision about to be made: what, by whom (empty for expiry), and why (for void). */
type Verdict = { decision: Decision; by: string; reason?: string };

export type ApprovalServiceDeps = {
  store: ApprovalStore;
  chat: Chat;
  directory: Directory;
  audit: Audit;
  log: Logger;
  kinds: ApprovalKinds;
  /**
   * The environment's approval rule by the fleet as it is now (not as it was when the request
   * was stored): who may approve is decided at the press.
   */
  rule: (env: string) => ApprovalRule | undefined;
  /** Why the requester may no longer run the plan (roles, channels as they are now), or undefined. */
  recheck: (plan: GatedPlan) => Promise<string | undefined>;
  /** Runs an approved plan: `ops.execute(plan, ctx)`, bound late because Ops needs this service. */
  execute: (plan: Plan, ctx: ExecuteContext) => Promise<Reply | undefined>;
  now?: () => number;
};

/**
 * Plans that need approval become requests with Approve / Reject buttons. Every decision goes
 * through one atomic compare-and-set in Redis, so a request has exactly one outcome.
 */
export class ApprovalService {
  constructor(private readonly deps: ApprovalServiceDeps) {}

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  private hooks(kind: GatedPlan["kind"]): KindHooks<GatedPlan> {
    return (this.deps.kinds[kind] ?? {}) as KindHooks<GatedPlan>;
  }

  /** The `ApprovalGate`: store the request, post it in the channel, tell the requester. */
  readonly request = async (asked: GatedPlan): Promise<Reply | undefined> => {
    const { store, chat, log, audit } = this.deps;
    // Every plan that carries an approval rule is a mutating plan, and those name who and where.
    const who = asked as GatedPlan & { requestedBy: string; channel: string };
    const hooks = this.hooks(asked.kind);
    let plan = asked;
    let pinned = {};
    try {
      const got = hooks.pin ? await hooks.pin(asked) : { plan, pinned };
      if ("refusal" in got) return ephemeral(got.refusal);
      ({ plan, pinned } = got);
    } catch (err) {
      return ephemeral(`:x: Could not prepare the approval request: ${errorMessage(err)}. Nothing was done.`);
    }
    const shown = hooks.describe ? await hooks.describe(plan, pinned) : describeFields(plan);
    try {
      // Described from the clear plan, stored sealed: secrets never rest in Redis in the clear.
      if (hooks.seal) plan = await hooks.seal(plan);
    } catch (err) {
      return ephemeral(`:x: Could not prepare the approval request: ${errorMessage(err)}. Nothing was done.`);
    }
    const createdAt = this.now();
    const request: ApprovalRequest = {
      id: ApprovalStore.newId(),
      plan,
      requestedBy: who.requestedBy,
      channel: who.channel,
      env: plan.env ?? "",
      createdAt,
      expiresAt: createdAt + plan.approval.expiresMs,
      pinned,
      shown,
    };
    await store.create(request);
    const { approvers, allowSelfApproval } = plan.approval;
    const ref = await chat.post(who.channel, renderPending(request, shown, approvers, allowSelfApproval));
    await store.setMessage(request.id, ref);
    audit({ ...this.scope(request), type: "approval", action: "requested", user: request.requestedBy });
    log.info({ approvalId: request.id, kind: plan.kind, env: plan.env }, "approval requested");
    return ephemeral(
      `Approval requested from ${approvers.map(mention).join(", ")}; it expires in ${formatDuration(plan.approval.expiresMs)}. Nothing runs until someone approves.`,
    );
  };

  /** The `approval:approve` / `approval:reject` buttons. */
  readonly act = async (req: ActionRequest): Promise<Reply | undefined> => {
    const { store, directory, audit } = this.deps;
    const stored = await store.get(req.value);
    if (!stored) return ephemeral("This approval request no longer exists.");
    // The button sits on the request's message; Slack says which, even before its ref is stored.
    const request = { ...stored, message: stored.message ?? req.message };
    const verb = req.action === APPROVE ? "approve" : req.action === REJECT ? "reject" : undefined;
    if (!verb) return ephemeral("That button is no longer supported.");
    const rule = this.deps.rule(request.env);
    if (!rule) {
      return this.outcome(request, {
        decision: "void",
        by: req.user,
        reason: `*${request.env}* no longer needs approval by the fleet file; run the command again`,
      });
    }
    const refusal =
      req.user === request.requestedBy && !rule.allowSelfApproval
        ? "you asked for this, so someone else must approve or reject it (four-eyes rule)"
        : !(await isListed(req.user, rule.approvers, directory))
          ? `only ${rule.approvers.map(mention).join(", ")} may ${verb} requests in *${request.env}*`
          : undefined;
    if (refusal) {
      audit({ ...this.scope(request), type: "denied", action: verb, user: req.user, detail: refusal });
      return ephemeral(`:no_entry: Not allowed: ${refusal}. Nothing changed.`);
    }
    const status = await store.status(request.id);
    if (status && status.state !== "pending") return ephemeral(this.already(status.state, status.by));
    if (verb === "reject") return this.outcome(request, { decision: "rejected", by: req.user });
    if (this.now() >= request.expiresAt) return this.outcome(request, { decision: "expired", by: "" });
    let reason: string | undefined;
    let plan = request.plan as GatedPlan;
    try {
      const hooks = this.hooks(plan.kind);
      const denied = await this.deps.recheck(plan);
      reason = denied
        ? `<@${request.requestedBy}> may no longer ask for this: ${denied.replace(/ Nothing was done\.$/, "")}`
        : await hooks.revalidate?.(plan, request.pinned);
      // Unsealed before the decision, so a plan that cannot be read is never marked approved.
      if (!reason && hooks.unseal) plan = await hooks.unseal(plan);
    } catch (err) {
      return ephemeral(
        `:x: Could not re-check the request: ${errorMessage(err)}. Nothing changed; try again.`,
      );
    }
    if (reason) return this.outcome(request, { decision: "void", by: req.user, reason });
    return this.outcome({ ...request, plan }, { decision: "approved", by: req.user });
  };

  /** Marks every pending request whose time is up as expired (the bot runs this periodically). */
  async sweep(): Promise<number> {
    let expired = 0;
    for (const id of await this.deps.store.due(this.now())) {
      const request = await this.deps.store.get(id);
      if (request && (await this.settle(request, { decision: "expired", by: "" }))) expired++;
    }
    return expired;
  }

  /** Settles a press and answers the presser; the one approval that wins runs the plan. */
  private async outcome(request: ApprovalRequest, verdict: Verdict): Promise<Reply | undefined> {
    const state = await this.settle(request, verdict);
    if (state === undefined) {
      const status = await this.deps.store.status(request.id);
      return ephemeral(this.already(status?.state ?? "missing", status?.by));
    }
    if (state === "expired") return ephemeral(this.already("expired"));
    return state === "approved" ? this.run(request, verdict.by) : undefined;
  }

  /**
   * The atomic decision, then the audit entry and the message without buttons. Returns the
   * state this call moved the request to, or undefined when another decision came first.
   */
  private async settle(request: ApprovalRequest, verdict: Verdict): Promise<Decision | undefined> {
    const { decision, by, reason = "" } = verdict;
    const { store, chat, audit, log } = this.deps;
    const result = await store.decide(request.id, decision, by, reason, this.now());
    if (!result.won) return undefined;
    const state = result.state as Decision;
    const actor = state === "expired" ? undefined : by;
    audit({
      ...this.scope(request),
      type: "approval",
      action: state,
      ...(actor ? { user: actor } : {}),
      ...(reason ? { detail: reason } : {}),
    });
    log.info({ approvalId: request.id, state, by: actor }, "approval decided");
    if (request.message) {
      const message = renderDecided(request, request.shown, { state, by: actor, reason });
      await chat.update(request.message, message).catch((err) => {
        log.warn({ approvalId: request.id, err: errorMessage(err) }, "could not update the approval message");
      });
    }
    return state;
  }

  /** Runs the approved plan; its handler may take over the request's message (deploys do). */
  private async run(request: ApprovalRequest, by: string): Promise<Reply | undefined> {
    const { chat, log } = this.deps;
    try {
      return await this.deps.execute(request.plan, {
        approvedBy: by,
        ...(request.message ? { message: request.message } : {}),
      });
    } catch (err) {
      log.error({ approvalId: request.id, err: errorMessage(err) }, "approved plan failed to start");
      if (request.message) {
        await chat.update(request.message, {
          text: `:x: Approved by <@${by}>, but it could not start: ${errorMessage(err)}\n${request.shown.lines.join("\n")}`,
        });
      }
      return undefined;
    }
  }

  private already(state: ApprovalState | "missing", by?: string): string {
    if (state === "missing") return "This approval request no longer exists.";
    if (state === "expired") return "This request has expired; nothing was done.";
    return `This request was already ${state}${by ? ` by <@${by}>` : ""}; nothing changed.`;
  }

  private scope(request: ApprovalRequest) {
    const plan = request.plan as { project?: string };
    return {
      channel: request.channel,
      env: request.env,
      ...(plan.project ? { project: plan.project } : {}),
      text: `${request.plan.kind} (request ${request.id})`,
    };
  }
}

import { billingMonthOf } from '@chipgate/workflows/rules/billing-month';
import { askAheadBytes, wantedLeaseBytes } from '@chipgate/workflows/rules/quota-budget';

/** Where a gateway leases its users' bytes from: the budget shared by every worker (PostgreSQL). */
export interface QuotaLessor {
  lease(request: { userId: string; chipId: string; month: string; spentBytes: bigint; wantMore: boolean; wantedBytes?: bigint }): Promise<{ grantedBytes: bigint; exhausted: boolean }>;
}

/** What the gateway does to a user's live connections when the budget says so. */
export interface BudgetEnforcement {
  /** Stop reading the user's tunnels while a lease is asked for: what the provider sends waits in its buffers. */
  hold(userId: string): void;
  release(userId: string): void;
  /** The allowance is used: cut the user's connections. */
  cut(userId: string): void;
}

interface UserBudget {
  userId: string;
  month: string;
  /** The chip whose traffic drew on the budget last: the one told of a threshold its lease crossed. */
  chipId: string;
  /** Leased bytes not yet moved; below zero while a lease is being asked for. */
  left: bigint;
  /** Moved since the last report to the lessor. */
  unreported: bigint;
  /** The last answer left nothing to lease after it: once `left` is spent, the user is cut. */
  final: boolean;
  /** Size of the last grant. */
  lastGrant: bigint;
  /** The next lease is asked for once less than this is left (`askAheadBytes`). */
  askAhead: bigint;
  /** Moved while the current (or last) ask was under way. */
  arrivedDuringAsk: bigint;
  asking: Promise<void> | null;
  refusedAt: number;
  held: boolean;
}

export interface UserBudgetsOptions {
  /** After a refusal, new connections of the user wait this long before the budget is asked again (a raise is seen within it). */
  retryMs?: number;
  now?: () => number;
  onError?: (error: unknown, userId: string) => void;
}

/**
 * The live budget of the users whose chips one gateway carries: each user's bytes are drawn from a
 * small lease, so the gateway cuts them at 100% of the allowance across every worker, between meters.
 */
export class UserBudgets {
  private readonly budgets = new Map<string, UserBudget>();
  private readonly retryMs: number;
  private readonly now: () => number;

  constructor(
    private readonly lessor: QuotaLessor,
    private readonly enforcement: BudgetEnforcement,
    private readonly options: UserBudgetsOptions = {},
  ) {
    this.retryMs = options.retryMs ?? 1000;
    this.now = options.now ?? Date.now;
  }

  /** Whether a new connection of the user may open: it may if a lease holds bytes, asking for one if needed. */
  async admit(userId: string, chipId: string): Promise<boolean> {
    const budget = this.budgetOf(userId, chipId);
    if (budget.left > 0n) return true;
    if (budget.asking) await budget.asking;
    else if (this.now() - budget.refusedAt >= this.retryMs) await this.ask(budget);
    return budget.left > 0n;
  }

  /** Bytes the user's chip just moved through the gateway. */
  charge(userId: string, chipId: string, bytes: bigint): void {
    if (bytes <= 0n) return;
    const budget = this.budgetOf(userId, chipId);
    budget.left -= bytes;
    budget.unreported += bytes;
    if (budget.asking) budget.arrivedDuringAsk += bytes;
    if (budget.left <= 0n && budget.final && !budget.asking) {
      this.refuse(budget);
      return;
    }
    if (budget.left <= 0n && budget.asking && !budget.held) {
      budget.held = true;
      this.enforcement.hold(userId);
    }
    // Once told nothing is left, asking again would only hold the tunnels at the end instead of cutting
    // them at the last leased byte; a raise is heard through reconsider().
    if (!budget.asking && !budget.final && budget.left < budget.askAhead) void this.ask(budget);
  }

  /**
   * One of the user's chips was resumed: its workflow saw the allowance rise (or an operator let it
   * run), so the next connection asks the lessor at once instead of waiting out the last refusal.
   */
  reconsider(userId: string): void {
    const budget = this.budgets.get(userId);
    if (!budget) return;
    budget.refusedAt = -Infinity;
    budget.final = false;
  }

  /** The user has no chip left on this gateway: what it moved is reported and its lease given back. */
  async settle(userId: string): Promise<void> {
    const budget = this.budgets.get(userId);
    if (!budget) return;
    this.budgets.delete(userId);
    await this.settleBudget(budget);
  }

  /** Every user's lease given back: the gateway is closing. */
  async settleAll(): Promise<void> {
    const budgets = [...this.budgets.values()];
    this.budgets.clear();
    await Promise.all(budgets.map((budget) => this.settleBudget(budget)));
  }

  private async settleBudget(budget: UserBudget): Promise<void> {
    await budget.asking;
    const { userId, chipId } = budget;
    await this.lessor.lease({ userId, chipId, month: budget.month, spentBytes: budget.unreported, wantMore: false }).catch((err: unknown) => this.options.onError?.(err, userId));
  }

  private budgetOf(userId: string, chipId: string): UserBudget {
    const month = billingMonthOf(new Date(this.now()));
    const existing = this.budgets.get(userId);
    if (existing && existing.month === month) {
      existing.chipId = chipId;
      return existing;
    }
    // A new month is a new allowance: last month's lease is settled and this month's asked for afresh.
    if (existing) void this.settleBudget(existing);
    const budget: UserBudget = { userId, month, chipId, left: 0n, unreported: 0n, final: false, lastGrant: 0n, askAhead: 0n, arrivedDuringAsk: 0n, asking: null, refusedAt: -Infinity, held: false };
    this.budgets.set(userId, budget);
    return budget;
  }

  private ask(budget: UserBudget): Promise<void> {
    const spentBytes = budget.unreported;
    budget.unreported = 0n;
    const wantedBytes = wantedLeaseBytes(budget.arrivedDuringAsk);
    budget.arrivedDuringAsk = 0n;
    let granted = 0n;
    budget.asking = this.lessor
      .lease({ userId: budget.userId, chipId: budget.chipId, month: budget.month, spentBytes, wantMore: true, wantedBytes })
      .then(
        ({ grantedBytes, exhausted }) => {
          granted = grantedBytes;
          budget.left += grantedBytes;
          budget.final = exhausted;
          if (grantedBytes > 0n) budget.lastGrant = grantedBytes;
          budget.askAhead = askAheadBytes(budget.lastGrant, budget.arrivedDuringAsk);
        },
        (err: unknown) => {
          // Unreported again, so the next ask reports it; meanwhile the user moves nothing unleased.
          budget.unreported += spentBytes;
          this.options.onError?.(err, budget.userId);
        },
      )
      .finally(() => {
        budget.asking = null;
        if (budget.left > 0n) {
          if (budget.held) {
            budget.held = false;
            this.enforcement.release(budget.userId);
          }
        } else if (granted > 0n && !budget.final) {
          // More arrived while asking than was granted, and more can be had: ask again, still holding.
          void this.ask(budget);
        } else this.refuse(budget);
      });
    return budget.asking;
  }

  private refuse(budget: UserBudget): void {
    budget.refusedAt = this.now();
    budget.held = false;
    this.enforcement.cut(budget.userId);
  }
}

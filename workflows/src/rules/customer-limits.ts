/**
 * Why a customer may not add another chip, or null when they may. An admin may give one customer a limit
 * of their own (`ownChipLimit`), which replaces the plan's.
 */
export function chipLimitRefusal(liveChips: number, plan: { name: string; chipLimit: number }, ownChipLimit: number | null = null): string | null {
  const limit = ownChipLimit ?? plan.chipLimit;
  if (liveChips < limit) return null;
  const allowed = `${limit} chip${limit === 1 ? '' : 's'}`;
  const whose = ownChipLimit === null ? `Your ${plan.name} plan allows` : 'Your account allows';
  return `${whose} ${allowed}, and you have ${liveChips}. Remove a chip, or ask us for a larger plan.`;
}

/** The message for a second purchase while one still waits for payment. */
export function pendingTopUpRefusal(pending: { packName: string; expiresAt: Date }): string {
  return `You already have a top-up waiting for payment ("${pending.packName}"). Pay it, or wait until it expires at ${pending.expiresAt.toISOString().slice(11, 16)} UTC, before buying another.`;
}

/** Why a customer may not add another chip, or null when they may. */
export function chipLimitRefusal(liveChips: number, plan: { name: string; chipLimit: number }): string | null {
  if (liveChips < plan.chipLimit) return null;
  const allowed = `${plan.chipLimit} chip${plan.chipLimit === 1 ? '' : 's'}`;
  return `Your ${plan.name} plan allows ${allowed}, and you have ${liveChips}. Remove a chip, or ask us for a larger plan.`;
}

/** The message for a second purchase while one still waits for payment. */
export function pendingTopUpRefusal(pending: { packName: string; expiresAt: Date }): string {
  return `You already have a top-up waiting for payment ("${pending.packName}"). Pay it, or wait until it expires at ${pending.expiresAt.toISOString().slice(11, 16)} UTC, before buying another.`;
}

/** The longest reason a chip command accepts; senders that build reasons from messages must fit them. */
export const MAX_REASON_LENGTH = 200;

/**
 * Checks the payload of a pause, release or reassign command before it reaches the chip workflow,
 * so a malformed call is refused with the field named and the workflow never sees it.
 */
export function validateChipReason(payload: unknown): asserts payload is { reason: string } {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new TypeError('payload must be an object like { "reason": "…" }');
  }
  const { reason } = payload as { reason?: unknown };
  if (typeof reason !== 'string') throw new TypeError(`reason: must be a string, got ${reason === undefined ? 'nothing' : typeof reason}`);
  if (reason.trim().length === 0) throw new TypeError('reason: must not be empty');
  if (reason.length > MAX_REASON_LENGTH) throw new TypeError(`reason: must be at most ${MAX_REASON_LENGTH} characters`);
}

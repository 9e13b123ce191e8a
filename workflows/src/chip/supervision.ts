// How a run learns that the chip's socket left its worker without being asked to. Nothing runs per
// chip for this: each worker holds one lease in PostgreSQL, and the workers tell a chip's workflow
// (a signal) when its worker's lease expired, when WhatsApp logged it out, or when a fenced worker
// dropped it. The meter tick, which runs anyway, reports the chip's holder as a backstop.
import { ActivityFailure } from '@temporalio/workflow';

export interface Watch {
  queue: string;
  ended: boolean;
  outcome?: 'logged_out' | 'disconnected' | 'worker_lost';
  error?: string;
}

export function describeFailure(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}

export class Supervision {
  private watch: Watch | null = null;

  /** The chip is placed on `queue` (after a connect, or at the start of a run that carries one). */
  start(queue: string): void {
    this.watch = { queue, ended: false };
  }

  /** News about the connection on `queue`; news about an earlier placement is ignored. */
  end(queue: string, outcome: NonNullable<Watch['outcome']>, error?: string): boolean {
    if (!this.watch || this.watch.queue !== queue || this.watch.ended) return false;
    this.watch.ended = true;
    this.watch.outcome = outcome;
    this.watch.error = error ?? (outcome === 'worker_lost' ? `worker ${queue} stopped renewing its lease` : outcome === 'logged_out' ? 'logged out' : 'connection ended');
    return true;
  }

  /** Whether the current placement has ended (read inside `condition`). */
  ended(): boolean {
    return this.watch?.ended ?? false;
  }

  /** The ended watch, taken: the loop handles each end once. */
  takeEnded(): Watch | null {
    const watch = this.watch;
    if (!watch?.ended) return null;
    this.watch = null;
    return watch;
  }

  /** The socket was disconnected on purpose: whatever is reported about it from now on is not news. */
  stop(): void {
    this.watch = null;
  }
}

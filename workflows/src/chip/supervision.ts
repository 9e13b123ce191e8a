// Watching the worker that holds the chip's socket. A supervise activity runs there for as long as
// the socket does; its end (or its heartbeat timeout, when the worker died) is how the run learns
// that the chip left its worker.
import { ActivityFailure } from '@temporalio/workflow';
import { supervisorOn } from './activity-options';

export interface Watch {
  queue: string;
  ended: boolean;
  outcome?: string;
  error?: string;
}

export function describeFailure(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}

export class Supervision {
  private watch: Watch | null = null;

  /** Starts watching the chip on `queue` (after a connect, or at the start of a run that carries one). */
  start(chipId: string, queue: string): void {
    const watch: Watch = { queue, ended: false };
    this.watch = watch;
    supervisorOn(queue)
      .superviseChipConnection({ chipId })
      .then(
        (outcome) => (watch.outcome = outcome),
        (err: unknown) => (watch.error = describeFailure(err)),
      )
      .finally(() => {
        watch.ended = true;
      });
  }

  /** Whether the current watch has ended (read inside `condition`). */
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

  /** The socket was disconnected on purpose: whatever the watch reports from now on is not news. */
  stop(): void {
    this.watch = null;
  }
}

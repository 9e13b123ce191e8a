import { WorkflowNotFoundError, WorkflowUpdateRPCTimeoutOrCancelledError, type Client } from '@temporalio/client';
import { CHIPGATE_TASK_QUEUE } from '../task-queues';
import { checkoutOpenedUpdate, paymentConfirmedSignal, topUpWorkflowId, type PaymentConfirmed } from '../top-up/contract';
import type { topUpPurchaseWorkflow } from '../top-up/top-up-purchase';

/** The typed way for the web app to start top-up purchases and hand them verified payments. */
export function topUpPurchaseClient(client: Client, taskQueue: string = CHIPGATE_TASK_QUEUE) {
  const handle = (orderId: string) => client.workflow.getHandle<typeof topUpPurchaseWorkflow>(topUpWorkflowId(orderId));

  return {
    async start(orderId: string): Promise<void> {
      await client.workflow.start<typeof topUpPurchaseWorkflow>('topUpPurchaseWorkflow', {
        taskQueue,
        workflowId: topUpWorkflowId(orderId),
        args: [{ orderId }],
      });
    },

    /**
     * Waits up to `waitMs` for the order's checkout to be opened (or for the order to end without one).
     * Answers false when it took longer or the workflow is gone; either way the order row says where it stands.
     */
    async awaitCheckout(orderId: string, waitMs: number): Promise<boolean> {
      try {
        await client.withAbortSignal(AbortSignal.timeout(waitMs), () => handle(orderId).executeUpdate(checkoutOpenedUpdate));
        return true;
      } catch (err) {
        if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError || err instanceof WorkflowNotFoundError) return false;
        throw err;
      }
    },

    /** Hands a verified payment to the order's workflow; false when no workflow runs for the order any more. */
    async confirmPayment(payment: PaymentConfirmed): Promise<boolean> {
      try {
        await handle(payment.orderId).signal(paymentConfirmedSignal, payment);
        return true;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return false;
        throw err;
      }
    },
  };
}

export type TopUpPurchaseClient = ReturnType<typeof topUpPurchaseClient>;

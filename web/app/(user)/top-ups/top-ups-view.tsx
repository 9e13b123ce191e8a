'use client';

import { useEffect } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/trpc/client';
import type { RouterOutputs } from '@/server/routers/_app';
import { FormError } from '@/components/form';
import { AllowanceCard } from '@/components/allowance-card';
import { currentMonthKey, formatBytes, formatDateTime, formatMoney, formatMonth } from '@/lib/format';

type Pack = RouterOutputs['topUps']['packs'][number];
type Order = RouterOutputs['topUps']['myOrders'][number];

/** Orders are settled by their workflow in the background: poll while one is still open. */
const PENDING_POLL_MS = 2_000;

export function TopUpsView({ returnedOrderId, checkout }: { returnedOrderId: string | null; checkout: 'success' | 'cancelled' | null }) {
  const trpc = useTRPC();
  const orders = useQuery(
    trpc.topUps.myOrders.queryOptions(undefined, {
      refetchInterval: (query) => (query.state.data?.some((o) => o.status === 'PENDING') ? PENDING_POLL_MS : false),
    }),
  );
  const returned = orders.data?.find((o) => o.id === returnedOrderId);
  const queryClient = useQueryClient();
  const returnedPaid = returned?.status === 'PAID';
  // The allowance grows the moment the order is credited: show it then, not at the next poll.
  useEffect(() => {
    if (returnedPaid) void queryClient.invalidateQueries({ queryKey: trpc.usage.summary.queryKey() });
  }, [returnedPaid, queryClient, trpc]);

  return (
    <>
      <div className="page-head">
        <h1>Buy GB</h1>
      </div>
      {returnedOrderId && checkout ? <ReturnNotice order={returned} checkout={checkout} /> : null}
      <AllowanceCard title={`Allowance for ${formatMonth(currentMonthKey())}`} testIdPrefix="top-up" footer={() => <p className="muted">Top-ups count for the month (UTC) in which you paid, by the payment provider's time of the payment, even when we process it after midnight.</p>} />
      <Packs />
      <section className="card" aria-labelledby="orders-heading">
        <h2 id="orders-heading">My orders</h2>
        {orders.isPending ? (
          <p className="muted">Loading…</p>
        ) : orders.error ? (
          <FormError error={orders.error} />
        ) : orders.data.length === 0 ? (
          <p className="muted">No orders yet.</p>
        ) : (
          <OrdersTable orders={orders.data} highlight={returnedOrderId} />
        )}
      </section>
    </>
  );
}

/** What became of the order the payer just came back from. */
function ReturnNotice({ order, checkout }: { order: Order | undefined; checkout: 'success' | 'cancelled' }) {
  if (!order) return null;
  const size = `${order.sizeGb} GB`;
  let text: string;
  let good = false;
  if (order.status === 'PAID') {
    good = true;
    text = `Payment received: ${size} added to your allowance${order.credit ? ` for ${formatMonth(order.credit.month.slice(0, 7))}` : ''}. Paused chips resume by themselves.`;
  } else if (order.status === 'PENDING') {
    text = checkout === 'success' ? `Waiting for the payment provider to confirm your payment for ${size}…` : `Checkout cancelled. You can still pay this order until ${formatDateTime(order.expiresAt)}.`;
  } else {
    text = `This order is ${order.status.toLowerCase()}; nothing was added. Choose a pack below to try again.`;
  }
  return (
    <p className={good ? 'notice notice-good' : 'notice'} role="status" data-testid="top-up-return-notice" data-order-status={order.status}>
      {text}
    </p>
  );
}

function Packs() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const packs = useQuery(trpc.topUps.packs.queryOptions());
  const buy = useMutation(
    trpc.topUps.createOrder.mutationOptions({
      onSuccess: async (order) => {
        if (order.checkoutUrl) {
          window.location.assign(order.checkoutUrl);
          return;
        }
        // Still being opened: it shows up under My orders with its "Pay" link when ready.
        await queryClient.invalidateQueries({ queryKey: trpc.topUps.myOrders.queryKey() });
      },
    }),
  );

  return (
    <section className="card" aria-labelledby="packs-heading">
      <h2 id="packs-heading">Packs</h2>
      {packs.isPending ? (
        <p className="muted">Loading…</p>
      ) : packs.error ? (
        <FormError error={packs.error} />
      ) : packs.data.length === 0 ? (
        <p className="muted">No packs are on sale right now.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Pack</th>
                <th scope="col" className="num">Size</th>
                <th scope="col" className="num">Price</th>
                <th scope="col">
                  <span className="sr-only">Buy</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {packs.data.map((pack: Pack) => (
                <tr key={pack.id} data-testid={`top-up-pack-${pack.id}`}>
                  <th scope="row">{pack.name}</th>
                  <td className="num">{pack.sizeGb} GB</td>
                  <td className="num">{formatMoney(pack.price, pack.currency)}</td>
                  <td>
                    <button
                      type="button"
                      className="primary"
                      disabled={buy.isPending}
                      aria-label={`Buy ${pack.name}`}
                      onClick={() => buy.mutate({ packId: pack.id })}
                    >
                      {buy.isPending && buy.variables?.packId === pack.id ? 'Opening checkout…' : 'Buy'}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <FormError error={buy.error} />
      {buy.data && !buy.data.checkoutUrl ? (
        <p className="notice" role="status">
          Your order is placed; its checkout is still being opened. Pay it from My orders below in a moment.
        </p>
      ) : null}
    </section>
  );
}

const STATUS_LABEL: Record<Order['status'], string> = { PENDING: 'Awaiting payment', PAID: 'Paid', EXPIRED: 'Expired', CANCELLED: 'Cancelled' };

function OrdersTable({ orders, highlight }: { orders: Order[]; highlight: string | null }) {
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Ordered</th>
            <th scope="col">Pack</th>
            <th scope="col" className="num">Size</th>
            <th scope="col" className="num">Price</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">Credited</th>
          </tr>
        </thead>
        <tbody>
          {orders.map((order) => (
            <tr key={order.id} data-testid={`top-up-order-${order.id}`} aria-current={order.id === highlight ? 'true' : undefined}>
              <td>{formatDateTime(order.createdAt)}</td>
              <th scope="row">{order.packName}</th>
              <td className="num">{order.sizeGb} GB</td>
              <td className="num">{formatMoney(order.price, order.currency)}</td>
              <td data-testid="top-up-order-status">
                {STATUS_LABEL[order.status]}
                {order.status === 'PENDING' && order.checkoutUrl ? (
                  <>
                    {' '}
                    <a href={order.checkoutUrl}>Pay</a>
                  </>
                ) : null}
              </td>
              <td>{order.credit ? `${formatBytes(BigInt(order.credit.bytes))} for ${formatMonth(order.credit.month.slice(0, 7))}` : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

'use client';

import { useState, type FormEvent } from 'react';
import Link from 'next/link';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { QRCodeCanvas } from 'qrcode.react';
import { useTRPC } from '@/trpc/client';
import type { RouterOutputs } from '@/server/routers/_app';
import { Field, fieldErrorsOf, FormError } from '@/components/form';
import { ChipStatusBadge } from '@/components/chip-status';
import { formatBytes, formatDateTime, formatPhoneNumber } from '@/lib/format';

type Chip = RouterOutputs['chips']['list'][number];

export function ChipsView() {
  const trpc = useTRPC();
  // Status, QR and exit IP are written to the chip's row by its workflow: poll it.
  const chips = useQuery(trpc.chips.list.queryOptions(undefined, { refetchInterval: 3_000 }));

  return (
    <>
      <div className="page-head">
        <h1>My chips</h1>
        <Link href="/usage">Usage this month →</Link>
      </div>
      <AddChipForm />
      <section aria-labelledby="chip-list-heading" className="card">
        <h2 id="chip-list-heading">Chips</h2>
        {chips.isPending ? (
          <p className="muted">Loading…</p>
        ) : chips.error ? (
          <FormError error={chips.error} />
        ) : chips.data.length === 0 ? (
          <p className="muted">No chips yet. Add one above to get its own proxy and pairing code.</p>
        ) : (
          <ul className="chip-list">
            {chips.data.map((chip) => (
              <ChipCard key={chip.id} chip={chip} />
            ))}
          </ul>
        )}
      </section>
    </>
  );
}

function AddChipForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [label, setLabel] = useState('');
  const [phoneNumber, setPhoneNumber] = useState('');
  const create = useMutation(
    trpc.chips.create.mutationOptions({
      onSuccess: async () => {
        setLabel('');
        setPhoneNumber('');
        await queryClient.invalidateQueries({ queryKey: trpc.chips.list.queryKey() });
      },
    }),
  );
  const errors = fieldErrorsOf(create.error);

  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate({ label, phoneNumber });
  }

  return (
    <section aria-labelledby="add-chip-heading" className="card">
      <h2 id="add-chip-heading">Add a chip</h2>
      <form onSubmit={submit} noValidate className="inline-form" aria-label="Add a chip">
        <Field label="Label" name="label" errors={errors}>
          {(props) => <input {...props} value={label} onChange={(e) => setLabel(e.target.value)} placeholder="Sales team" maxLength={80} />}
        </Field>
        <Field label="Phone number (optional)" name="phoneNumber" errors={errors} hint="Give it to pair with a code instead of a QR.">
          {(props) => <input {...props} type="tel" value={phoneNumber} onChange={(e) => setPhoneNumber(e.target.value)} placeholder="+55 11 91234-5678" />}
        </Field>
        <button type="submit" className="primary" disabled={create.isPending}>
          {create.isPending ? 'Adding…' : 'Add chip'}
        </button>
      </form>
      <FormError error={create.error} />
    </section>
  );
}

function ChipCard({ chip }: { chip: Chip }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const remove = useMutation(
    trpc.chips.remove.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.chips.list.queryKey() }),
    }),
  );

  return (
    <li className="chip" data-testid={`chip-${chip.id}`} aria-label={`Chip ${chip.label}`}>
      <div className="chip-head">
        <h3>{chip.label}</h3>
        <ChipStatusBadge status={chip.status} />
      </div>
      <dl className="facts">
        <div>
          <dt>Phone</dt>
          <dd data-testid="chip-phone">{chip.phoneNumber ? formatPhoneNumber(chip.phoneNumber) : '—'}</dd>
        </div>
        <div>
          <dt>Exit IP</dt>
          <dd data-testid="chip-exit-ip">{chip.exitIp ?? '—'}</dd>
        </div>
        <div>
          <dt>Used this month</dt>
          <dd data-testid="chip-bytes">{formatBytes(chip.bytesThisMonth)}</dd>
        </div>
        <div>
          <dt>Added</dt>
          <dd>{formatDateTime(chip.createdAt)}</dd>
        </div>
      </dl>
      {chip.status === 'QR' ? <Pairing chip={chip} /> : null}
      {chip.lastError && chip.status !== 'OPEN' ? (
        <p className="form-error" role="status">
          {chip.lastError}
        </p>
      ) : null}
      <div className="actions">
        {confirming ? (
          <>
            <span>Remove {chip.label}? Its proxy is released.</span>
            <button type="button" className="danger" onClick={() => remove.mutate({ id: chip.id })} disabled={remove.isPending}>
              {remove.isPending ? 'Removing…' : 'Confirm removal'}
            </button>
            <button type="button" onClick={() => setConfirming(false)} disabled={remove.isPending}>
              Cancel
            </button>
          </>
        ) : (
          <button type="button" onClick={() => setConfirming(true)} aria-label={`Remove chip ${chip.label}`}>
            Remove
          </button>
        )}
      </div>
      <FormError error={remove.error} />
    </li>
  );
}

function Pairing({ chip }: { chip: Chip }) {
  if (!chip.pairingCode && !chip.qrCode) return <p className="muted">Waiting for WhatsApp to issue a QR…</p>;
  return (
    <div className="pairing">
      {chip.pairingCode ? <PairingCode label={chip.label} code={chip.pairingCode} /> : null}
      {chip.qrCode ? <PairingQr label={chip.label} payload={chip.qrCode} alternative={Boolean(chip.pairingCode)} /> : null}
    </div>
  );
}

function PairingCode({ label, code }: { label: string; code: string }) {
  return (
    <>
      <p>On the phone: WhatsApp → Linked devices → Link with phone number, then enter this code:</p>
      <p className="pairing-code" aria-label={`Pairing code for ${label}`} data-testid="pairing-code">
        {code}
      </p>
    </>
  );
}

/** The payload is only useful to a phone's camera, so it is drawn, never printed. */
function PairingQr({ label, payload, alternative }: { label: string; payload: string; alternative: boolean }) {
  return (
    <>
      <p>
        {alternative ? 'Or scan this QR instead' : 'Scan this QR'}: on the phone, open WhatsApp → Linked devices → Link a device. WhatsApp
        replaces it about every 20 seconds; the new one appears here by itself.
      </p>
      {/*
        Black on white with the spec's 4-module quiet zone, whatever the page theme. 320 px because
        WhatsApp's payload needs a version 11-13 symbol: at 264 px its modules blur below 4 px on a
        1x screen and decoders start to miss. The style lets CSS shrink it into a narrow card
        without touching the drawn pixels.
      */}
      <QRCodeCanvas
        value={payload}
        size={320}
        style={{ maxWidth: '100%', height: 'auto' }}
        level="M"
        marginSize={4}
        fgColor="#000000"
        bgColor="#ffffff"
        className="qr"
        role="img"
        aria-label={`QR code for ${label}`}
        data-testid="qr-code"
      />
    </>
  );
}

-- CreateTable
CREATE TABLE "payment_mismatches" (
    "id" UUID NOT NULL,
    "order_id" UUID,
    "payment_provider" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "session_id" TEXT,
    "reason" TEXT NOT NULL,
    "expected_amount" DECIMAL(12,3),
    "expected_currency" CHAR(3),
    "paid_amount" DECIMAL(12,3),
    "paid_currency" CHAR(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "payment_mismatches_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "payment_mismatches_created_at_idx" ON "payment_mismatches"("created_at");

-- CreateIndex
CREATE INDEX "payment_mismatches_order_id_idx" ON "payment_mismatches"("order_id");

-- CreateIndex
CREATE UNIQUE INDEX "payment_mismatches_payment_provider_event_id_key" ON "payment_mismatches"("payment_provider", "event_id");

-- AddForeignKey
ALTER TABLE "payment_mismatches" ADD CONSTRAINT "payment_mismatches_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "top_up_orders"("id") ON DELETE SET NULL ON UPDATE CASCADE;


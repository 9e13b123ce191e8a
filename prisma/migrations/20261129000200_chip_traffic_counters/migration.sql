-- CreateTable
CREATE TABLE "chip_traffic_counters" (
    "id" UUID NOT NULL,
    "chip_id" UUID NOT NULL,
    "proxy_id" UUID NOT NULL,
    "worker_id" TEXT NOT NULL,
    "bytes_sent" BIGINT NOT NULL DEFAULT 0,
    "bytes_received" BIGINT NOT NULL DEFAULT 0,
    "billed_sent" BIGINT NOT NULL DEFAULT 0,
    "billed_received" BIGINT NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "chip_traffic_counters_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "chip_traffic_counters_chip_id_idx" ON "chip_traffic_counters"("chip_id");

-- AddForeignKey
ALTER TABLE "chip_traffic_counters" ADD CONSTRAINT "chip_traffic_counters_chip_id_fkey" FOREIGN KEY ("chip_id") REFERENCES "chips"("id") ON DELETE CASCADE ON UPDATE CASCADE;


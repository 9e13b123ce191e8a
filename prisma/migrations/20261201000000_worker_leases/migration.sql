-- AlterTable
ALTER TABLE "chips" ADD COLUMN     "placement_generation" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "worker_id" TEXT;

-- CreateTable
CREATE TABLE "chip_workers" (
    "id" TEXT NOT NULL,
    "task_queue" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "stopped_at" TIMESTAMPTZ(3),
    "reaped_at" TIMESTAMPTZ(3),
    "reaped_by" TEXT,

    CONSTRAINT "chip_workers_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "chip_workers_expires_at_idx" ON "chip_workers"("expires_at");

-- CreateIndex
CREATE INDEX "chips_worker_id_idx" ON "chips"("worker_id");

-- AddForeignKey
ALTER TABLE "chips" ADD CONSTRAINT "chips_worker_id_fkey" FOREIGN KEY ("worker_id") REFERENCES "chip_workers"("id") ON DELETE SET NULL ON UPDATE CASCADE;


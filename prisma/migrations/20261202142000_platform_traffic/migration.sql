-- CreateTable
CREATE TABLE "platform_traffic" (
    "id" UUID NOT NULL,
    "provider_id" UUID NOT NULL,
    "month" DATE NOT NULL,
    "bytes_sent" BIGINT NOT NULL DEFAULT 0,
    "bytes_received" BIGINT NOT NULL DEFAULT 0,
    "bytes_total" BIGINT NOT NULL DEFAULT 0,
    "cost" DECIMAL(18,8) NOT NULL DEFAULT 0,
    "currency" CHAR(3) NOT NULL DEFAULT 'BRL',
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "platform_traffic_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "platform_traffic_provider_id_month_key" ON "platform_traffic"("provider_id", "month");

-- AddForeignKey
ALTER TABLE "platform_traffic" ADD CONSTRAINT "platform_traffic_provider_id_fkey" FOREIGN KEY ("provider_id") REFERENCES "proxy_providers"("id") ON DELETE CASCADE ON UPDATE CASCADE;


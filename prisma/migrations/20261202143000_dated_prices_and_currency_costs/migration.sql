-- Dated provider prices: every price a provider has had, from when. Each provider starts with the
-- price it has now, in effect since it was created.
CREATE TABLE "provider_prices" (
    "id" UUID NOT NULL,
    "provider_id" UUID NOT NULL,
    "cost_per_gb" DECIMAL(12,4) NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "effective_from" TIMESTAMPTZ(3) NOT NULL,
    "actor_user_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "provider_prices_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "provider_prices_provider_id_effective_from_key" ON "provider_prices"("provider_id", "effective_from");

ALTER TABLE "provider_prices" ADD CONSTRAINT "provider_prices_provider_id_fkey" FOREIGN KEY ("provider_id") REFERENCES "proxy_providers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "provider_prices" ADD CONSTRAINT "provider_prices_actor_user_id_fkey" FOREIGN KEY ("actor_user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

INSERT INTO "provider_prices" ("id", "provider_id", "cost_per_gb", "currency", "effective_from")
SELECT gen_random_uuid(), "id", "cost_per_gb", "currency", "created_at" FROM "proxy_providers";

-- The price each usage row was billed at. Rows billed before this column existed were priced at their
-- provider's one price of the time, which is the price the provider has now.
ALTER TABLE "proxy_usage_logs" ADD COLUMN "price_per_gb" DECIMAL(12,4);

UPDATE "proxy_usage_logs" l SET "price_per_gb" = pp."cost_per_gb"
  FROM "proxies" p JOIN "proxy_providers" pp ON pp."id" = p."provider_id"
 WHERE p."id" = l."proxy_id";

ALTER TABLE "proxy_usage_logs" ALTER COLUMN "price_per_gb" SET NOT NULL;

-- Monthly costs per currency: amounts in different currencies never share a sum. Filled from the usage
-- rows, which they always equal.
CREATE TABLE "user_monthly_costs" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "month" DATE NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "bytes_total" BIGINT NOT NULL DEFAULT 0,
    "cost" DECIMAL(18,8) NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "user_monthly_costs_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "user_monthly_costs_user_id_month_currency_key" ON "user_monthly_costs"("user_id", "month", "currency");

ALTER TABLE "user_monthly_costs" ADD CONSTRAINT "user_monthly_costs_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

INSERT INTO "user_monthly_costs" ("id", "user_id", "month", "currency", "bytes_total", "cost", "updated_at")
SELECT gen_random_uuid(), "user_id", "month", "currency", sum("bytes_total"), sum("cost"), CURRENT_TIMESTAMP
  FROM "proxy_usage_logs" GROUP BY "user_id", "month", "currency";

-- The bytes roll-up (the quota's) keeps no amount: its single cost added up every currency.
ALTER TABLE "user_proxy_costs" DROP COLUMN "cost",
DROP COLUMN "currency";

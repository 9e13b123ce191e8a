-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "UserRole" AS ENUM ('ADMIN', 'USER');

-- CreateEnum
CREATE TYPE "PlanCode" AS ENUM ('FREE', 'BUSINESS', 'ENTERPRISE');

-- CreateEnum
CREATE TYPE "ProviderType" AS ENUM ('RESIDENTIAL', 'DATACENTER', 'MOBILE');

-- CreateEnum
CREATE TYPE "ProxyProtocol" AS ENUM ('HTTP', 'HTTPS', 'SOCKS5');

-- CreateEnum
CREATE TYPE "ProxyKind" AS ENUM ('ROTATING', 'STATIC');

-- CreateEnum
CREATE TYPE "ChipStatus" AS ENUM ('PENDING', 'WAITING_FOR_PROXY', 'CONNECTING', 'QR', 'OPEN', 'PAUSED', 'CLOSED', 'LOGGED_OUT', 'RELEASED');

-- CreateEnum
CREATE TYPE "QuotaThreshold" AS ENUM ('PERCENT_80', 'PERCENT_100');

-- CreateEnum
CREATE TYPE "TopUpOrderStatus" AS ENUM ('PENDING', 'PAID', 'EXPIRED', 'CANCELLED');

-- CreateTable
CREATE TABLE "plans" (
    "id" UUID NOT NULL,
    "code" "PlanCode" NOT NULL,
    "name" TEXT NOT NULL,
    "proxy_gb_limit" DECIMAL(12,3) NOT NULL DEFAULT 0.1,
    "monthly_price" DECIMAL(12,2) NOT NULL DEFAULT 0,
    "currency" CHAR(3) NOT NULL DEFAULT 'BRL',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "plans_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "users" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "password_hash" TEXT NOT NULL,
    "role" "UserRole" NOT NULL DEFAULT 'USER',
    "plan_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sessions" (
    "id" UUID NOT NULL,
    "token_hash" TEXT NOT NULL,
    "user_id" UUID NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "proxy_providers" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "type" "ProviderType" NOT NULL DEFAULT 'RESIDENTIAL',
    "region" TEXT NOT NULL,
    "server" TEXT NOT NULL,
    "port" INTEGER NOT NULL,
    "protocol" "ProxyProtocol" NOT NULL DEFAULT 'HTTP',
    "username" TEXT NOT NULL,
    "password_encrypted" TEXT NOT NULL,
    "api_key_encrypted" TEXT,
    "api_base_url" TEXT,
    "username_template" TEXT NOT NULL DEFAULT '{username}-session-{session}',
    "sticky_session_minutes" INTEGER NOT NULL DEFAULT 30,
    "cost_per_gb" DECIMAL(12,4) NOT NULL,
    "currency" CHAR(3) NOT NULL DEFAULT 'BRL',
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "proxy_providers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "proxies" (
    "id" UUID NOT NULL,
    "provider_id" UUID NOT NULL,
    "kind" "ProxyKind" NOT NULL DEFAULT 'ROTATING',
    "protocol" "ProxyProtocol" NOT NULL DEFAULT 'HTTP',
    "region" TEXT NOT NULL,
    "static_host" TEXT,
    "static_port" INTEGER,
    "health_score" INTEGER NOT NULL DEFAULT 100,
    "last_health_check" TIMESTAMPTZ(3),
    "last_exit_ip" TEXT,
    "total_bytes_used" BIGINT NOT NULL DEFAULT 0,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "proxies_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "chips" (
    "id" UUID NOT NULL,
    "owner_id" UUID NOT NULL,
    "label" TEXT NOT NULL,
    "phone_number" TEXT,
    "region" TEXT NOT NULL DEFAULT 'br',
    "status" "ChipStatus" NOT NULL DEFAULT 'PENDING',
    "qr_code" TEXT,
    "pairing_code" TEXT,
    "exit_ip" TEXT,
    "last_error" TEXT,
    "deleted_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "chips_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "chip_proxy_assignments" (
    "id" UUID NOT NULL,
    "chip_id" UUID NOT NULL,
    "proxy_id" UUID NOT NULL,
    "session_id" TEXT NOT NULL,
    "reason" TEXT NOT NULL DEFAULT 'initial',
    "assigned_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "released_at" TIMESTAMPTZ(3),

    CONSTRAINT "chip_proxy_assignments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "proxy_usage_logs" (
    "id" UUID NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "user_id" UUID NOT NULL,
    "chip_id" UUID NOT NULL,
    "proxy_id" UUID NOT NULL,
    "bytes_sent" BIGINT NOT NULL,
    "bytes_received" BIGINT NOT NULL,
    "bytes_total" BIGINT NOT NULL,
    "cost" DECIMAL(18,8) NOT NULL,
    "currency" CHAR(3) NOT NULL DEFAULT 'BRL',
    "month" DATE NOT NULL,
    "period_start" TIMESTAMPTZ(3) NOT NULL,
    "period_end" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "proxy_usage_logs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "user_proxy_costs" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "month" DATE NOT NULL,
    "bytes_total" BIGINT NOT NULL DEFAULT 0,
    "cost" DECIMAL(18,8) NOT NULL DEFAULT 0,
    "currency" CHAR(3) NOT NULL DEFAULT 'BRL',
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "user_proxy_costs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "quota_alerts" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "month" DATE NOT NULL,
    "threshold" "QuotaThreshold" NOT NULL,
    "bytes_used" BIGINT NOT NULL,
    "bytes_allowed" BIGINT NOT NULL,
    "email_sent_at" TIMESTAMPTZ(3),
    "webhook_sent_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "quota_alerts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "top_up_packs" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "size_gb" DECIMAL(12,3) NOT NULL,
    "price" DECIMAL(12,2) NOT NULL,
    "currency" CHAR(3) NOT NULL DEFAULT 'BRL',
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "top_up_packs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "top_up_orders" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "pack_id" UUID NOT NULL,
    "size_gb" DECIMAL(12,3) NOT NULL,
    "price" DECIMAL(12,2) NOT NULL,
    "currency" CHAR(3) NOT NULL DEFAULT 'BRL',
    "status" "TopUpOrderStatus" NOT NULL DEFAULT 'PENDING',
    "payment_provider" TEXT NOT NULL,
    "checkout_session_id" TEXT,
    "checkout_url" TEXT,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "paid_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "top_up_orders_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "top_up_credits" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "order_id" UUID,
    "month" DATE NOT NULL,
    "bytes" BIGINT NOT NULL,
    "note" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "top_up_credits_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "chip_events" (
    "id" UUID NOT NULL,
    "chip_id" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "detail" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "chip_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "baileys_auth_state" (
    "chip_id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "baileys_auth_state_pkey" PRIMARY KEY ("chip_id","key")
);

-- CreateTable
CREATE TABLE "provider_usage_reconciliations" (
    "id" UUID NOT NULL,
    "provider_id" UUID NOT NULL,
    "period_start" TIMESTAMPTZ(3) NOT NULL,
    "period_end" TIMESTAMPTZ(3) NOT NULL,
    "provider_bytes" BIGINT NOT NULL,
    "metered_bytes" BIGINT NOT NULL,
    "difference_bytes" BIGINT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "provider_usage_reconciliations_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "plans_code_key" ON "plans"("code");

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

-- CreateIndex
CREATE UNIQUE INDEX "sessions_token_hash_key" ON "sessions"("token_hash");

-- CreateIndex
CREATE INDEX "sessions_user_id_idx" ON "sessions"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "proxy_providers_name_key" ON "proxy_providers"("name");

-- CreateIndex
CREATE INDEX "proxies_region_is_active_health_score_idx" ON "proxies"("region", "is_active", "health_score");

-- CreateIndex
CREATE INDEX "chips_owner_id_idx" ON "chips"("owner_id");

-- CreateIndex
CREATE INDEX "chip_proxy_assignments_chip_id_released_at_idx" ON "chip_proxy_assignments"("chip_id", "released_at");

-- CreateIndex
CREATE INDEX "chip_proxy_assignments_proxy_id_idx" ON "chip_proxy_assignments"("proxy_id");

-- CreateIndex
CREATE UNIQUE INDEX "proxy_usage_logs_idempotency_key_key" ON "proxy_usage_logs"("idempotency_key");

-- CreateIndex
CREATE INDEX "proxy_usage_logs_user_id_month_idx" ON "proxy_usage_logs"("user_id", "month");

-- CreateIndex
CREATE INDEX "proxy_usage_logs_chip_id_period_start_idx" ON "proxy_usage_logs"("chip_id", "period_start");

-- CreateIndex
CREATE UNIQUE INDEX "user_proxy_costs_user_id_month_key" ON "user_proxy_costs"("user_id", "month");

-- CreateIndex
CREATE UNIQUE INDEX "quota_alerts_user_id_month_threshold_key" ON "quota_alerts"("user_id", "month", "threshold");

-- CreateIndex
CREATE UNIQUE INDEX "top_up_orders_checkout_session_id_key" ON "top_up_orders"("checkout_session_id");

-- CreateIndex
CREATE INDEX "top_up_orders_user_id_created_at_idx" ON "top_up_orders"("user_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "top_up_credits_order_id_key" ON "top_up_credits"("order_id");

-- CreateIndex
CREATE INDEX "top_up_credits_user_id_month_idx" ON "top_up_credits"("user_id", "month");

-- CreateIndex
CREATE INDEX "chip_events_chip_id_created_at_idx" ON "chip_events"("chip_id", "created_at");

-- CreateIndex
CREATE INDEX "provider_usage_reconciliations_provider_id_period_start_idx" ON "provider_usage_reconciliations"("provider_id", "period_start");

-- AddForeignKey
ALTER TABLE "users" ADD CONSTRAINT "users_plan_id_fkey" FOREIGN KEY ("plan_id") REFERENCES "plans"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "proxies" ADD CONSTRAINT "proxies_provider_id_fkey" FOREIGN KEY ("provider_id") REFERENCES "proxy_providers"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "chips" ADD CONSTRAINT "chips_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "chip_proxy_assignments" ADD CONSTRAINT "chip_proxy_assignments_chip_id_fkey" FOREIGN KEY ("chip_id") REFERENCES "chips"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "chip_proxy_assignments" ADD CONSTRAINT "chip_proxy_assignments_proxy_id_fkey" FOREIGN KEY ("proxy_id") REFERENCES "proxies"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "proxy_usage_logs" ADD CONSTRAINT "proxy_usage_logs_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "proxy_usage_logs" ADD CONSTRAINT "proxy_usage_logs_chip_id_fkey" FOREIGN KEY ("chip_id") REFERENCES "chips"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "proxy_usage_logs" ADD CONSTRAINT "proxy_usage_logs_proxy_id_fkey" FOREIGN KEY ("proxy_id") REFERENCES "proxies"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "user_proxy_costs" ADD CONSTRAINT "user_proxy_costs_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "quota_alerts" ADD CONSTRAINT "quota_alerts_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "top_up_orders" ADD CONSTRAINT "top_up_orders_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "top_up_orders" ADD CONSTRAINT "top_up_orders_pack_id_fkey" FOREIGN KEY ("pack_id") REFERENCES "top_up_packs"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "top_up_credits" ADD CONSTRAINT "top_up_credits_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "top_up_credits" ADD CONSTRAINT "top_up_credits_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "top_up_orders"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "chip_events" ADD CONSTRAINT "chip_events_chip_id_fkey" FOREIGN KEY ("chip_id") REFERENCES "chips"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "baileys_auth_state" ADD CONSTRAINT "baileys_auth_state_chip_id_fkey" FOREIGN KEY ("chip_id") REFERENCES "chips"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "provider_usage_reconciliations" ADD CONSTRAINT "provider_usage_reconciliations_provider_id_fkey" FOREIGN KEY ("provider_id") REFERENCES "proxy_providers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- One live assignment per chip (Prisma cannot express a partial unique index).
CREATE UNIQUE INDEX "chip_proxy_assignments_one_live_per_chip" ON "chip_proxy_assignments"("chip_id") WHERE "released_at" IS NULL;

-- Guard rails the schema language cannot state.
ALTER TABLE "proxy_providers" ADD CONSTRAINT "proxy_providers_port_range" CHECK ("port" BETWEEN 1 AND 65535);
ALTER TABLE "proxy_providers" ADD CONSTRAINT "proxy_providers_cost_non_negative" CHECK ("cost_per_gb" >= 0);
ALTER TABLE "proxy_providers" ADD CONSTRAINT "proxy_providers_template_has_session" CHECK (position('{session}' in "username_template") > 0);
ALTER TABLE "proxies" ADD CONSTRAINT "proxies_health_score_range" CHECK ("health_score" BETWEEN 0 AND 100);
ALTER TABLE "proxies" ADD CONSTRAINT "proxies_static_has_address" CHECK ("kind" = 'ROTATING' OR ("static_host" IS NOT NULL AND "static_port" BETWEEN 1 AND 65535));
ALTER TABLE "proxy_usage_logs" ADD CONSTRAINT "proxy_usage_logs_bytes_consistent" CHECK ("bytes_sent" >= 0 AND "bytes_received" >= 0 AND "bytes_total" = "bytes_sent" + "bytes_received");
ALTER TABLE "proxy_usage_logs" ADD CONSTRAINT "proxy_usage_logs_period_order" CHECK ("period_end" >= "period_start");
ALTER TABLE "plans" ADD CONSTRAINT "plans_proxy_gb_limit_non_negative" CHECK ("proxy_gb_limit" >= 0);
ALTER TABLE "top_up_packs" ADD CONSTRAINT "top_up_packs_size_positive" CHECK ("size_gb" > 0 AND "price" >= 0);

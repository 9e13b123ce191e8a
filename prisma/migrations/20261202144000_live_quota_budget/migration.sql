-- CreateTable
CREATE TABLE "user_quota_budgets" (
    "user_id" UUID NOT NULL,
    "month" DATE NOT NULL,
    "consumed_bytes" BIGINT NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "user_quota_budgets_pkey" PRIMARY KEY ("user_id","month")
);

-- CreateTable
CREATE TABLE "quota_budget_leases" (
    "user_id" UUID NOT NULL,
    "month" DATE NOT NULL,
    "worker_id" TEXT NOT NULL,
    "reserved_bytes" BIGINT NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "quota_budget_leases_pkey" PRIMARY KEY ("user_id","month","worker_id")
);

-- AddForeignKey
ALTER TABLE "user_quota_budgets" ADD CONSTRAINT "user_quota_budgets_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "quota_budget_leases" ADD CONSTRAINT "quota_budget_leases_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;


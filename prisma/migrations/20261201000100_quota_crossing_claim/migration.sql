-- AlterTable
ALTER TABLE "user_proxy_costs" ADD COLUMN     "quota_paused_at" TIMESTAMPTZ(3);


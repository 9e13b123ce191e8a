-- DropIndex
DROP INDEX "quota_alerts_user_id_month_threshold_key";

-- CreateIndex
CREATE UNIQUE INDEX "quota_alerts_user_id_month_threshold_bytes_allowed_key" ON "quota_alerts"("user_id", "month", "threshold", "bytes_allowed");

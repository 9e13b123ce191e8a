-- AlterTable
ALTER TABLE "plans" ADD COLUMN     "chip_limit" INTEGER NOT NULL DEFAULT 2;


-- Default chip limits per plan (admins edit them on the Plans page).
UPDATE "plans" SET "chip_limit" = 2 WHERE "code" = 'FREE';
UPDATE "plans" SET "chip_limit" = 10 WHERE "code" = 'BUSINESS';
UPDATE "plans" SET "chip_limit" = 50 WHERE "code" = 'ENTERPRISE';

-- One pending top-up order per user. Older duplicates (from before this rule) are cancelled first,
-- keeping each user's newest. Their workflows find them no longer pending and end.
UPDATE "top_up_orders" o SET "status" = 'CANCELLED'
WHERE o."status" = 'PENDING' AND EXISTS (
  SELECT 1 FROM "top_up_orders" n WHERE n."user_id" = o."user_id" AND n."status" = 'PENDING' AND n."created_at" > o."created_at"
);
CREATE UNIQUE INDEX "top_up_orders_one_pending_per_user" ON "top_up_orders"("user_id") WHERE "status" = 'PENDING';

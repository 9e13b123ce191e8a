-- The three plans every installation starts with (limits are editable by admins afterwards).
INSERT INTO "plans" ("id", "code", "name", "proxy_gb_limit", "monthly_price", "currency", "updated_at") VALUES
  (gen_random_uuid(), 'FREE', 'Free', 0.1, 0, 'BRL', CURRENT_TIMESTAMP),
  (gen_random_uuid(), 'BUSINESS', 'Business', 1, 99.00, 'BRL', CURRENT_TIMESTAMP),
  (gen_random_uuid(), 'ENTERPRISE', 'Enterprise', 5, 399.00, 'BRL', CURRENT_TIMESTAMP)
ON CONFLICT ("code") DO NOTHING;

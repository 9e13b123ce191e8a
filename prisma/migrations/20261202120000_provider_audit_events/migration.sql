-- CreateTable
CREATE TABLE "provider_audit_events" (
    "id" UUID NOT NULL,
    "provider_id" UUID,
    "provider_name" TEXT NOT NULL,
    "actor_user_id" UUID,
    "action" TEXT NOT NULL,
    "changes" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "provider_audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "provider_audit_events_provider_id_created_at_idx" ON "provider_audit_events"("provider_id", "created_at");

-- CreateIndex
CREATE INDEX "provider_audit_events_created_at_idx" ON "provider_audit_events"("created_at");

-- AddForeignKey
ALTER TABLE "provider_audit_events" ADD CONSTRAINT "provider_audit_events_provider_id_fkey" FOREIGN KEY ("provider_id") REFERENCES "proxy_providers"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "provider_audit_events" ADD CONSTRAINT "provider_audit_events_actor_user_id_fkey" FOREIGN KEY ("actor_user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;


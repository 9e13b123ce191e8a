import {
  BufferJSON,
  initAuthCreds,
  proto,
  type AuthenticationCreds,
  type AuthenticationState,
  type SignalDataSet,
  type SignalDataTypeMap,
} from '@whiskeysockets/baileys';
import type { Db, Prisma } from '@chipgate/db';

const CREDS_KEY = 'creds';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface PostgresAuthState {
  state: AuthenticationState;
  saveCreds(): Promise<void>;
  /** Forgets the chip's WhatsApp identity (after a logout); the next load starts a new one. */
  clear(): Promise<void>;
}

/**
 * Baileys auth state as rows of `baileys_auth_state` (one `creds` row, one row per signal key
 * `<type>-<id>`), so whichever worker picks a chip up resumes the same WhatsApp session.
 * Wrap `state.keys` with `makeCacheableSignalKeyStore` where the socket is made.
 */
export async function usePostgresAuthState(db: Db, chipId: string): Promise<PostgresAuthState> {
  if (typeof chipId !== 'string' || !UUID.test(chipId)) {
    throw new RangeError(`chipId must be a chip's UUID, got ${typeof chipId === 'string' ? JSON.stringify(chipId) : typeof chipId}`);
  }
  const rows = db.baileysAuthState;
  const creds = await loadCreds(db, chipId);

  // Writes run one after another: a slow earlier write can never land after (and undo) a later
  // one, and `clear()` cannot be overtaken by a write that was already on its way.
  let writes: Promise<unknown> = Promise.resolve();
  const queued = (write: () => Promise<unknown>): Promise<void> => {
    const done = writes.then(write);
    writes = done.catch(() => {});
    return done.then(() => {});
  };

  return {
    state: {
      creds,
      keys: {
        async get<T extends keyof SignalDataTypeMap>(type: T, ids: string[]) {
          await writes; // reads see every write asked for before them
          const found = await rows.findMany({
            where: { chipId, key: { in: ids.map((id) => signalKey(type, id)) } },
            select: { key: true, value: true },
          });
          const byKey = new Map(found.map((row) => [row.key, row.value]));
          const data: { [id: string]: SignalDataTypeMap[T] } = {};
          for (const id of ids) {
            const json = byKey.get(signalKey(type, id));
            if (json === undefined) continue;
            const value: unknown = fromJson(json);
            // Baileys calls methods on this one, so it must be a protobuf object, not plain JSON.
            data[id] = (type === 'app-state-sync-key' ? proto.Message.AppStateSyncKeyData.fromObject(value as object) : value) as SignalDataTypeMap[T];
          }
          return data;
        },
        set(data: SignalDataSet) {
          const keys: string[] = [];
          const values: string[] = [];
          const deletes: string[] = [];
          for (const [type, entries] of Object.entries(data) as [keyof SignalDataTypeMap, Record<string, unknown> | undefined][]) {
            for (const [id, value] of Object.entries(entries ?? {})) {
              if (value === null || value === undefined) deletes.push(signalKey(type, id));
              else {
                keys.push(signalKey(type, id));
                values.push(JSON.stringify(value, BufferJSON.replacer));
              }
            }
          }
          if (keys.length === 0 && deletes.length === 0) return Promise.resolve();
          // One statement for every key, not an upsert each: a pairing chip stores its 812 pre-keys at
          // once, and 812 round trips per chip crowded out the meters of every other chip on the worker.
          return queued(() =>
            db.$transaction([
              ...(deletes.length > 0 ? [rows.deleteMany({ where: { chipId, key: { in: deletes } } })] : []),
              ...(keys.length > 0
                ? [
                    db.$executeRaw`
                      INSERT INTO baileys_auth_state (chip_id, key, value, updated_at)
                      SELECT ${chipId}::uuid, k, v, now() FROM unnest(${keys}::text[], ${values}::jsonb[]) AS u(k, v)
                      ON CONFLICT (chip_id, key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at`,
                  ]
                : []),
            ]),
          );
        },
      },
    },
    // Serialised when the write runs, not when it is queued, so every write carries the latest creds.
    saveCreds: () =>
      queued(() =>
        rows.upsert({
          where: { chipId_key: { chipId, key: CREDS_KEY } },
          create: { chipId, key: CREDS_KEY, value: toJson(creds) },
          update: { value: toJson(creds) },
        }),
      ),
    clear: () => queued(() => rows.deleteMany({ where: { chipId } })),
  };
}

/**
 * A chip without creds gets fresh ones written at once; insert-if-absent then read back means two
 * workers starting the same chip together still end up with one identity.
 */
async function loadCreds(db: Db, chipId: string): Promise<AuthenticationCreds> {
  const where = { chipId_key: { chipId, key: CREDS_KEY } };
  let row = await db.baileysAuthState.findUnique({ where, select: { value: true } });
  if (!row) {
    try {
      await db.baileysAuthState.createMany({ data: [{ chipId, key: CREDS_KEY, value: toJson(initAuthCreds()) }], skipDuplicates: true });
    } catch (error) {
      if (isForeignKeyViolation(error)) throw new Error(`chip ${chipId} does not exist, so no WhatsApp auth state can be stored for it`);
      throw error;
    }
    row = await db.baileysAuthState.findUnique({ where, select: { value: true } });
    if (!row) throw new Error(`creds for chip ${chipId} vanished right after they were written (deleted concurrently?)`);
  }
  return fromJson(row.value) as AuthenticationCreds;
}

function signalKey(type: keyof SignalDataTypeMap, id: string): string {
  return `${type}-${id}`;
}

/** Buffers become `{ type: 'Buffer', data: <base64> }`, as in Baileys' own file store. */
function toJson(value: unknown): Prisma.InputJsonValue {
  return JSON.parse(JSON.stringify(value, BufferJSON.replacer)) as Prisma.InputJsonValue;
}

function fromJson(value: Prisma.JsonValue): unknown {
  return JSON.parse(JSON.stringify(value), BufferJSON.reviver);
}

function isForeignKeyViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && (error as { code: unknown }).code === 'P2003';
}

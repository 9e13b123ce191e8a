import type { Connection } from '@temporalio/client';
import protos from '@temporalio/proto';
import { chipSearchAttributes } from '@chipgate/workflows/chip/contract';

// A CommonJS package: its namespaces come through the default export under ESM.
const { IndexedValueType } = protos.temporal.api.enums.v1;

const INDEXED_VALUE_TYPE: Record<string, protos.temporal.api.enums.v1.IndexedValueType> = {
  KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  TEXT: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  INT: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  DOUBLE: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  BOOL: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  DATETIME: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KEYWORD_LIST: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/**
 * Registers the chip workflows' search attributes on the namespace, once: chip workflows set them at
 * start and would fail on a cluster that lacks them (the dev server gets them as start flags; a
 * self-hosted cluster gets them here). Adds only what is missing, so every worker can call it.
 * Returns the names it added.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = Object.values(chipSearchAttributes).filter((key) => !customAttributes?.[key.name]);
  if (missing.length === 0) return [];
  const searchAttributes = Object.fromEntries(missing.map((key) => [key.name, INDEXED_VALUE_TYPE[key.type]!]));
  await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
  return missing.map((key) => key.name);
}

import type { ReactNode } from 'react';
import { FormError } from './form';

export interface Column<T> {
  header: string;
  cell: (row: T) => ReactNode;
  /** Right-aligned numbers. */
  numeric?: boolean;
}

/** A query-backed table: loading → error → empty → rows, one column definition per column. */
export function DataTable<T>({
  query,
  empty,
  columns,
  rowKey,
}: {
  query: { isPending: boolean; error: unknown; data: T[] | undefined };
  empty: string;
  columns: ReadonlyArray<Column<T>>;
  rowKey: (row: T) => string;
}) {
  if (query.isPending) return <p className="muted">Loading…</p>;
  if (query.error) return <FormError error={query.error} />;
  if (!query.data || query.data.length === 0) return <p className="muted">{empty}</p>;
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.header} scope="col" className={c.numeric ? 'num' : undefined}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {query.data.map((row) => (
            <tr key={rowKey(row)}>
              {columns.map((c) => (
                <td key={c.header} className={c.numeric ? 'num' : undefined}>
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

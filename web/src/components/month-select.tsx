'use client';

import { formatMonth, recentMonths } from '@/lib/format';

export function MonthSelect({ value, onChange }: { value: string; onChange: (month: string) => void }) {
  return (
    <label className="month-select">
      Month{' '}
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        {recentMonths(12).map((m) => (
          <option key={m} value={m}>
            {formatMonth(m)}
          </option>
        ))}
      </select>
    </label>
  );
}

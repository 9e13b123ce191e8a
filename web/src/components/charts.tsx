import { formatBytes } from '@/lib/format';

export interface BarDatum {
  key: string;
  label: string;
  value: bigint;
  /** Extra text for the tooltip and the screen-reader table (e.g. the cost). */
  detail?: string;
}

/** Height/width of a bar in percent of the largest value, from exact bigints. */
function share(value: bigint, max: bigint): number {
  if (max <= 0n || value <= 0n) return 0;
  return Number((value * 10000n) / max) / 100;
}

/** Vertical bars over time (one per day), CSS only. */
export function ColumnChart({ title, data, tickEvery = 5 }: { title: string; data: BarDatum[]; tickEvery?: number }) {
  const max = data.reduce((m, d) => (d.value > m ? d.value : m), 0n);
  return (
    <figure className="chart">
      <figcaption>
        {title} <span className="muted">(peak {formatBytes(max)})</span>
      </figcaption>
      <div className="columns" role="img" aria-label={`${title}: ${data.filter((d) => d.value > 0n).length} days with traffic, peak ${formatBytes(max)}`}>
        {data.map((d, i) => (
          <div key={d.key} className="column" title={`${d.label}: ${formatBytes(d.value)}${d.detail ? ` · ${d.detail}` : ''}`}>
            <div className="column-bar" style={{ height: `${share(d.value, max)}%` }} />
            <span className="column-label" aria-hidden="true">
              {i === 0 || (i + 1) % tickEvery === 0 ? d.label : ''}
            </span>
          </div>
        ))}
      </div>
    </figure>
  );
}

/** Horizontal bars with the exact figures written next to them. */
export function BarList({ title, data, empty = 'No usage in this month.' }: { title: string; data: BarDatum[]; empty?: string }) {
  const max = data.reduce((m, d) => (d.value > m ? d.value : m), 0n);
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      {data.length === 0 ? (
        <p className="muted">{empty}</p>
      ) : (
        <ul className="bars">
          {data.map((d) => (
            <li key={d.key}>
              <span className="bar-label" title={d.label}>
                {d.label}
              </span>
              <span className="bar-track" aria-hidden="true">
                <span className="bar-fill" style={{ width: `${share(d.value, max)}%` }} />
              </span>
              <span className="bar-value">
                {formatBytes(d.value)}
                {d.detail ? <span className="muted"> · {d.detail}</span> : null}
              </span>
            </li>
          ))}
        </ul>
      )}
    </figure>
  );
}

/** Usage against the allowance with the 80% and 100% marks. */
export function UsageMeter({ used, allowance, percent }: { used: bigint; allowance: bigint; percent: string }) {
  const value = Number(percent);
  const level = value >= 100 ? 'over' : value >= 80 ? 'warn' : 'ok';
  // The track shows 0–125% so that the 100% mark and any overshoot stay visible.
  const scale = 125;
  const fill = Math.min(value, scale) / scale;
  return (
    <div className="meter">
      <div
        className={`meter-track meter-${level}`}
        role="progressbar"
        aria-label="Usage this month"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.min(value, 100)}
        aria-valuetext={`${percent}% of allowance used (${formatBytes(used)} of ${formatBytes(allowance)})`}
      >
        <div className="meter-fill" style={{ width: `${fill * 100}%` }} />
        <span className="meter-mark" style={{ left: `${(80 / scale) * 100}%` }} aria-hidden="true">
          <span>80%</span>
        </span>
        <span className="meter-mark meter-mark-limit" style={{ left: `${(100 / scale) * 100}%` }} aria-hidden="true">
          <span>100%</span>
        </span>
      </div>
      <p className="meter-caption">
        <strong data-testid="usage-used">{formatBytes(used)}</strong> of <strong data-testid="usage-allowance">{formatBytes(allowance)}</strong> used (
        <span data-testid="usage-percent">{percent}%</span>)
      </p>
    </div>
  );
}

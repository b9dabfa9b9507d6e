/**
 * Markup building for the HTML report and its inline SVG charts. Everything goes through the
 * `markup` tag, which escapes every interpolated value unless it is already `Markup`: recorded
 * traffic can hold `<script>`, and escaping by default is the only way no call site can forget.
 * (The tag is not called `html` because Prettier would reformat such templates, whitespace and all.)
 */

import type { DayVerdict, LatencyPercentiles, Verdict } from './model.js';
import { formatCount, formatLowerBound, formatMs, formatPercent, verdictLabel } from './format.js';

export class Markup {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type Interpolation = Markup | string | number | boolean | null | undefined | readonly Interpolation[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML and SVG alike, in content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

function interpolate(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Markup) return value.value;
  if (Array.isArray(value)) return value.map(interpolate).join('');
  return escapeHtml(String(value));
}

export function markup(strings: TemplateStringsArray, ...values: Interpolation[]): Markup {
  return new Markup(strings.reduce((out, literal, i) => out + literal + (i < values.length ? interpolate(values[i]) : ''), ''));
}

/** Colours of the verdicts; chart markers also differ in shape so a grey print still tells them apart. */
export const VERDICT_COLOURS: Record<Verdict, string> = { READY: '#1a7f37', NOT_READY: '#cf222e', INSUFFICIENT_DATA: '#8c8c8c' };

const WIDTH = 720;
const PLOT = { left: 72, right: 24, top: 24 };

/** A round step (1, 2 or 5 times a power of ten) near `rough`, for axis ticks. */
function niceStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(rough));
  const scaled = rough / power;
  return (scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 5 ? 5 : 10) * power;
}

/** Avoids tick values such as 0.9970000000000001 from repeated float addition. */
function roundTick(value: number): number {
  return Number(value.toPrecision(12));
}

/** Coordinates to a tenth of a unit: finer only bloats the file. */
function coordinate(n: number): string {
  return String(Math.round(n * 10) / 10);
}

function marker(verdict: Verdict, x: number, y: number): Markup {
  const colour = VERDICT_COLOURS[verdict];
  const [cx, cy] = [coordinate(x), coordinate(y)];
  if (verdict === 'READY') return markup`<circle cx="${cx}" cy="${cy}" r="6" fill="${colour}" />`;
  if (verdict === 'NOT_READY') {
    return markup`<rect x="${coordinate(x - 5.5)}" y="${coordinate(y - 5.5)}" width="11" height="11" fill="${colour}" />`;
  }
  const triangle = `M${cx} ${coordinate(y - 7)} L${coordinate(x + 6.5)} ${coordinate(y + 5)} L${coordinate(x - 6.5)} ${coordinate(y + 5)} Z`;
  return markup`<path d="${triangle}" fill="#fff" stroke="${colour}" stroke-width="2" />`;
}

function verdictLegend(y: number): Markup {
  const items: [Verdict, number][] = [
    ['READY', 0],
    ['NOT_READY', 100],
    ['INSUFFICIENT_DATA', 230],
  ];
  return markup`<g class="legend">${items.map(
    ([verdict, offset]) =>
      markup`${marker(verdict, PLOT.left + 6 + offset, y)}<text x="${PLOT.left + 18 + offset}" y="${y + 4}">${verdictLabel(verdict)}</text>`,
  )}</g>`;
}

function horizontalGrid(ticks: number[], y: (value: number) => number, label: (value: number) => string, bottom: number): Markup {
  return markup`<g class="axis">
${ticks.map(
  (tick) => markup`<line x1="${PLOT.left}" x2="${WIDTH - PLOT.right}" y1="${coordinate(y(tick))}" y2="${coordinate(y(tick))}" stroke="#e1e4e8" />
<text x="${PLOT.left - 8}" y="${coordinate(y(tick) + 4)}" text-anchor="end">${label(tick)}</text>
`,
)}<line x1="${PLOT.left}" x2="${PLOT.left}" y1="${PLOT.top}" y2="${bottom}" stroke="#57606a" />
<line x1="${PLOT.left}" x2="${WIDTH - PLOT.right}" y1="${bottom}" y2="${bottom}" stroke="#57606a" />
</g>`;
}

/** Ticks in round steps from at or below `low` up to 1 (a match rate never exceeds 1). */
function rateTicks(low: number): number[] {
  const step = niceStep(Math.max(1 - low, 0.0001) / 4);
  // Half a step of room below the lowest value keeps a target equal to it off the x axis.
  const start = Math.max(0, roundTick(Math.floor((low - step / 2) / step) * step));
  const ticks: number[] = [];
  for (let tick = start; tick < 1 + step / 2; tick = roundTick(tick + step)) ticks.push(Math.min(tick, 1));
  return ticks;
}

/** Room at each end of the time axis for a marker and half a date label. */
const DAY_INSET = 36;
/** About the width of a YYYY-MM-DD label plus a gap. */
const DAY_LABEL_SPACING = 78;

/**
 * x positions of the days, proportional to the calendar so a gap of days without traffic shows as one.
 * A lone day sits in the middle; a malformed day string falls back to even spacing.
 */
function dayPositions(days: DayVerdict[], from: number, to: number): number[] {
  if (days.length === 1) return [(from + to) / 2];
  const numbers = days.map((day) => Date.parse(`${day.day}T00:00:00Z`) / 86_400_000);
  const calendar = numbers.every(Number.isFinite) ? numbers : days.map((_, i) => i);
  const first = calendar[0] ?? 0;
  const span = (calendar[calendar.length - 1] ?? first) - first || 1;
  return calendar.map((n) => from + ((n - first) / span) * (to - from));
}

/** Which days get a date label: the last always, the others when they do not crowd a label already placed. */
function labelledDays(xs: number[]): Set<number> {
  const last = xs.length - 1;
  const labelled = new Set<number>([last]);
  let previous = -Infinity;
  xs.forEach((x, i) => {
    if (i === last || x - previous < DAY_LABEL_SPACING || (xs[last] ?? x) - x < DAY_LABEL_SPACING) return;
    labelled.add(i);
    previous = x;
  });
  return labelled;
}

/**
 * The cumulative match-rate lower bound per day, the target as a dashed line and each day's verdict
 * as a marker. Null when there is no day to draw.
 */
export function readinessChart(days: DayVerdict[], target: number, subject: string): Markup | null {
  if (days.length === 0) return null;
  const height = 280;
  const bottom = height - 72;
  const ticks = rateTicks(Math.min(target, ...days.map((day) => day.match_rate_lower_bound)));
  const low = ticks[0] ?? 0;
  const y = (rate: number): number => bottom - ((rate - low) / (1 - low || 1)) * (bottom - PLOT.top);
  const xs = dayPositions(days, PLOT.left + DAY_INSET, WIDTH - PLOT.right - DAY_INSET);
  const x = (i: number): number => xs[i] ?? PLOT.left;
  const label = `Readiness over time for ${subject}: cumulative match-rate lower bound per day against the ${formatPercent(target)} target`;
  const labelled = labelledDays(xs);
  const points = days.map((day, i) => `${coordinate(x(i))},${coordinate(y(day.match_rate_lower_bound))}`).join(' ');
  const targetY = coordinate(y(target));

  return markup`<svg class="chart" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${label}">
<title>${label}</title>
${horizontalGrid(ticks, y, formatPercent, bottom)}
<g class="axis">${days.map((day, i) =>
    labelled.has(i) ? markup`<text x="${coordinate(x(i))}" y="${bottom + 18}" text-anchor="middle">${day.day}</text>` : null,
  )}</g>
<line x1="${PLOT.left}" x2="${WIDTH - PLOT.right}" y1="${targetY}" y2="${targetY}" stroke="#0969da" stroke-width="1.5" stroke-dasharray="6 4" />
<text x="${WIDTH - PLOT.right}" y="${coordinate(y(target) - 6)}" text-anchor="end" fill="#0969da">target ${formatPercent(target)}</text>
${days.length > 1 ? markup`<polyline points="${points}" fill="none" stroke="#24292f" stroke-width="2" />` : null}
${days.map(
  (day, i) =>
    markup`<g><title>${day.day}: ${verdictLabel(day.verdict)}, lower bound ${formatLowerBound(day.match_rate_lower_bound)} after ${formatCount(day.requests)} requests</title>${marker(
      day.verdict,
      x(i),
      y(day.match_rate_lower_bound),
    )}</g>
`,
)}${verdictLegend(height - 20)}
</svg>`;
}

const LATENCY_PERCENTILES = ['p50', 'p95', 'p99'] as const;
const LATENCY_SIDES = ['legacy', 'rewrite'] as const;

/** Legacy dark and solid, rewrite light and outlined: distinct in colour and in a grey print. */
const SIDE_STYLE = {
  legacy: { fill: '#57606a', stroke: '#57606a' },
  rewrite: { fill: '#ffd8b5', stroke: '#bc4c00' },
} as const;

function msTick(ms: number): string {
  return Number.isInteger(ms) ? `${formatCount(ms)} ms` : formatMs(ms);
}

/** Grouped bars of p50/p95/p99, legacy beside rewrite. Null when neither side has latency data. */
export function latencyChart(latency: { legacy: LatencyPercentiles | null; rewrite: LatencyPercentiles | null }, subject: string): Markup | null {
  const series = LATENCY_SIDES.flatMap((side) => {
    const values = latency[side];
    return values === null ? [] : [{ side, values }];
  });
  if (series.length === 0) return null;
  const height = 260;
  const bottom = height - 64;
  const plotWidth = WIDTH - PLOT.left - PLOT.right;
  const highest = Math.max(...series.flatMap((s) => LATENCY_PERCENTILES.map((p) => s.values[p])));
  const step = highest > 0 ? niceStep(highest / 4) : 1;
  const top = Math.max(step, Math.ceil(highest / step) * step);
  const ticks = Array.from({ length: Math.round(top / step) + 1 }, (_, i) => roundTick(i * step));
  const y = (ms: number): number => bottom - (ms / top) * (bottom - PLOT.top);
  const groupWidth = plotWidth / LATENCY_PERCENTILES.length;
  const barWidth = Math.min(56, (groupWidth * 0.6) / 2);
  const missing = LATENCY_SIDES.filter((side) => latency[side] === null);
  const label = `Latency for ${subject}: p50, p95 and p99 in ms, legacy beside rewrite${missing.length > 0 ? ` (no ${missing.join(' or ')} data)` : ''}`;

  const groups = LATENCY_PERCENTILES.map((percentile, g) => {
    const centre = PLOT.left + groupWidth * (g + 0.5);
    const bars = series.map(({ side, values }) => {
      const left = side === 'legacy' ? centre - barWidth : centre;
      const value = values[percentile];
      const barTop = y(value);
      const style = SIDE_STYLE[side];
      return markup`<g><title>${side} ${percentile}: ${formatMs(value)}</title><rect x="${coordinate(left)}" y="${coordinate(barTop)}" width="${coordinate(
        barWidth - 2,
      )}" height="${coordinate(bottom - barTop)}" fill="${style.fill}" stroke="${style.stroke}" stroke-width="1.5" /><text x="${coordinate(
        left + barWidth / 2 - 1,
      )}" y="${coordinate(barTop - 5)}" text-anchor="middle">${formatMs(value)}</text></g>
`;
    });
    return markup`<text x="${coordinate(centre)}" y="${bottom + 18}" text-anchor="middle">${percentile}</text>
${bars}`;
  });

  const legend = LATENCY_SIDES.map((side, i) => {
    const x = PLOT.left + 6 + i * 160;
    const style = SIDE_STYLE[side];
    return markup`<rect x="${x}" y="${height - 30}" width="14" height="14" fill="${style.fill}" stroke="${style.stroke}" stroke-width="1.5" /><text x="${
      x + 20
    }" y="${height - 18}">${side}${latency[side] === null ? ' (no data)' : ''}</text>`;
  });

  return markup`<svg class="chart" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${label}">
<title>${label}</title>
${horizontalGrid(ticks, y, msTick, bottom)}
${groups}
<g class="legend">${legend}</g>
</svg>`;
}

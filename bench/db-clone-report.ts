/** Medians, the results table and the target check of bench/db-clone.ts. */

export interface Measurement {
  label: string;
  /** Seconds of each run. */
  seconds: number[];
}

/** Targets of the clone benchmark: `auto` with row-count verification against the pipe and the raw copy. */
export const TARGET_FASTER_THAN_PIPE = 25;
export const TARGET_MAX_RAW_COPY_MULTIPLE = 3;
/** On a stock Forge server without file access (no sudo password): the dump path against the pipe. */
export const TARGET_DUMP_PATH_FASTER_THAN_PIPE = 2.5;

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export interface Row {
  label: string;
  seconds: number;
  range: string;
  mbPerSecond: number;
  fasterThanPipe: number | null;
  rawCopyMultiple: number | null;
}

/** One row per measurement; the ratios are null when the pipe or the raw copy was not measured. */
export function buildRows(
  measurements: readonly Measurement[],
  bytes: number,
  pipeLabel: string,
  rawLabel: string,
): Row[] {
  const medianOf = (label: string): number | null => {
    const m = measurements.find((x) => x.label === label);
    return m === undefined ? null : median(m.seconds);
  };
  const pipe = medianOf(pipeLabel);
  const raw = medianOf(rawLabel);
  return measurements.map((m) => {
    const seconds = median(m.seconds);
    const min = Math.min(...m.seconds);
    const max = Math.max(...m.seconds);
    return {
      label: m.label,
      seconds,
      range: m.seconds.length > 1 ? `${min.toFixed(2)}-${max.toFixed(2)}` : "",
      mbPerSecond: bytes / 1e6 / seconds,
      fasterThanPipe: pipe === null ? null : pipe / seconds,
      rawCopyMultiple: raw === null ? null : seconds / raw,
    };
  });
}

export function formatTable(rows: readonly Row[]): string {
  const header = ["method", "seconds", "min-max", "MB/s", "x faster than pipe", "x raw copy"];
  const ratio = (v: number | null): string => (v === null ? "n/a" : `${v.toFixed(1)}x`);
  const body = rows.map((r) => [
    r.label,
    r.seconds.toFixed(2),
    r.range,
    r.mbPerSecond.toFixed(0),
    ratio(r.fasterThanPipe),
    ratio(r.rawCopyMultiple),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => (cells[i] as string).length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join(" | ")} |`;
  return [
    line(header),
    `|${widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`,
    ...body.map(line),
  ].join("\n");
}

/** The verdict lines for `auto`; each says which bound was checked and with what numbers. */
export function checkTargets(auto: Row | undefined): { lines: string[]; met: boolean } {
  if (auto === undefined) return { lines: ["targets: not checked (`auto` was not measured)"], met: false };
  const lines: string[] = [];
  let met = true;
  if (auto.fasterThanPipe === null) {
    lines.push("target auto >= 25x the pipe: not checked (stream-dump was not measured)");
    met = false;
  } else {
    const ok = auto.fasterThanPipe >= TARGET_FASTER_THAN_PIPE;
    met &&= ok;
    lines.push(
      `target auto >= ${TARGET_FASTER_THAN_PIPE}x faster than the pipe: ${ok ? "MET" : "MISSED"} (${auto.fasterThanPipe.toFixed(1)}x)`,
    );
  }
  if (auto.rawCopyMultiple === null) {
    lines.push("target auto <= 3x the raw copy: not checked (raw copy was not measured)");
    met = false;
  } else {
    const ok = auto.rawCopyMultiple <= TARGET_MAX_RAW_COPY_MULTIPLE;
    met &&= ok;
    lines.push(
      `target auto <= ${TARGET_MAX_RAW_COPY_MULTIPLE}x the raw copy: ${ok ? "MET" : "MISSED"} (${auto.rawCopyMultiple.toFixed(2)}x)`,
    );
  }
  return { lines, met };
}

/** The verdict line for the dump path (stock Forge, no file access). */
export function checkDumpPathTarget(row: Row | undefined): { lines: string[]; met: boolean } {
  if (row?.fasterThanPipe == null) return { lines: ["target dump path: not checked (not measured)"], met: false };
  const met = row.fasterThanPipe >= TARGET_DUMP_PATH_FASTER_THAN_PIPE;
  return {
    lines: [
      `target dump path >= ${TARGET_DUMP_PATH_FASTER_THAN_PIPE}x faster than the pipe: ${met ? "MET" : "MISSED"} (${row.fasterThanPipe.toFixed(1)}x)`,
    ],
    met,
  };
}

/**
 * Where `auto`'s time goes against the targets: its file path (copy under the export lock, then IMPORT with counts
 * alongside: the clone's from a sealed master, else the source's) and what this machine's pipe-to-raw-copy ratio leaves
 * for everything else.
 */
export function describeDataPath(dataPath: number, pipe: number, raw: number): string[] {
  return [
    `auto's file path (copy under the export lock, then IMPORT TABLESPACE with counts alongside: the clone's from a ` +
      `sealed master, else the source's): ${dataPath.toFixed(2)} s = ${(dataPath / raw).toFixed(2)}x the raw copy`,
    `pipe / raw copy on this machine: ${(pipe / raw).toFixed(1)}x; ${TARGET_FASTER_THAN_PIPE}x the pipe allows ${(pipe / TARGET_FASTER_THAN_PIPE).toFixed(2)} s in all`,
  ];
}

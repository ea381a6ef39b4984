/**
 * Admission by headroom: a new preview is created only while the server has room for it. Two floors, both from the
 * configuration: memory in use at most `maxMemoryPercent` of the total, and free space on MySQL's filesystem at
 * least the master's size times `diskMargin` (the clone is about the master's size, and the server's own data keeps
 * growing). An existing preview's update is never measured against them: it needs no new room.
 * The rule is pure; `measureHeadroom` (admission.ts) reads the figures it judges.
 */
import type { PlainConfig } from "../../stacks/config-rules";
import type { DiskMetrics } from "./server-metrics";

export type HeadroomFloors = PlainConfig["headroom"];

/** The figures a decision is made on, as measured on the server. */
export interface HeadroomMeasurement {
  memoryTotalBytes: number;
  memoryUsedBytes: number;
  /** The filesystem of MySQL's datadir, where the clone goes. */
  mysqlDisk: DiskMetrics;
  master: string;
  masterBytes: number;
}

export type HeadroomFloor = "maxMemoryPercent" | "diskMargin";

export interface HeadroomFailure {
  floor: HeadroomFloor;
  /** One sentence with the measured figures and the floor, e.g. `memory in use is 93% of 7.8 GiB, above …`. */
  text: string;
}

export type HeadroomCheck =
  | { allowed: true; measured: HeadroomMeasurement }
  | { allowed: false; measured: HeadroomMeasurement; failures: HeadroomFailure[] };

/** Judges `measured` against `floors`; every floor that is crossed is listed. */
export function checkHeadroom(measured: HeadroomMeasurement, floors: HeadroomFloors): HeadroomCheck {
  const failures: HeadroomFailure[] = [];
  const percent = memoryPercent(measured);
  if (percent > floors.maxMemoryPercent) {
    failures.push({
      floor: "maxMemoryPercent",
      text:
        `memory in use is ${percent.toFixed(1)}% (${formatBytes(measured.memoryUsedBytes)} of ` +
        `${formatBytes(measured.memoryTotalBytes)}), above \`maxMemoryPercent\` ${floors.maxMemoryPercent}`,
    });
  }
  const needed = measured.masterBytes * floors.diskMargin;
  if (measured.mysqlDisk.freeBytes < needed) {
    failures.push({
      floor: "diskMargin",
      text:
        `free disk on MySQL's filesystem (${measured.mysqlDisk.mount}) is ${formatBytes(measured.mysqlDisk.freeBytes)}, ` +
        `below ${floors.diskMargin} × the master \`${measured.master}\` (${formatBytes(measured.masterBytes)}) = ` +
        `${formatBytes(needed)} (\`diskMargin\`)`,
    });
  }
  return failures.length === 0 ? { allowed: true, measured } : { allowed: false, measured, failures };
}

export function memoryPercent(m: { memoryUsedBytes: number; memoryTotalBytes: number }): number {
  return m.memoryTotalBytes === 0 ? 100 : (m.memoryUsedBytes / m.memoryTotalBytes) * 100;
}

/**
 * The refusal as one paragraph: which floors, the figures, that nothing was created, and what to do. `retry` is how
 * the reader asks again (`run \`up\` again`, `comment \`/preview\` again`).
 */
export function describeHeadroomRefusal(
  stack: string,
  check: Extract<HeadroomCheck, { allowed: false }>,
  retry: string,
): string {
  const floors = check.failures.map((f) => `\`${f.floor}\``).join(" and ");
  return (
    `The preview server has too little headroom for a new preview, so ${stack} was not created; nothing was changed. ` +
    `${check.failures.map((f) => capitalize(f.text)).join(". ")}. ` +
    "Destroy previews that are no longer needed (`forge-previews status` shows what each one uses), free memory or " +
    `disk on the server, or change ${floors} in the configuration if the floor is too strict; then ${retry}.`
  );
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** `1.5 GiB`, `800 MiB`, `12 KiB`: a size as a person reads it. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

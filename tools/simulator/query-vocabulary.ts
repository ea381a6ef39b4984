import { HttpError } from "./errors";

/** The filters, sorts and includes one list operation accepts. */
export interface QueryVocabulary {
  filters: string[];
  sorts: string[];
  includes: string[];
}

function quoted(names: string[]): string {
  return `\`${names.join(", ")}\``;
}

/**
 * Forge lists reject unknown `filter[…]`, `sort` and `include` values with a 400, the way
 * spatie/laravel-query-builder does, instead of silently returning an unfiltered list.
 */
export function checkVocabulary(query: Record<string, string>, allowed: QueryVocabulary): void {
  const filters = Object.keys(query)
    .filter((key) => key.startsWith("filter[") && key.endsWith("]"))
    .map((key) => key.slice(7, -1));
  const badFilters = filters.filter((name) => !allowed.filters.includes(name));
  if (badFilters.length > 0) {
    throw new HttpError(
      400,
      `Requested filter(s) ${quoted(badFilters)} are not allowed. Allowed filter(s) are ${quoted(allowed.filters)}.`,
    );
  }
  if (query.sort !== undefined) {
    const sorts = query.sort.split(",").map((name) => name.replace(/^-/, ""));
    const badSorts = sorts.filter((name) => !allowed.sorts.includes(name));
    if (badSorts.length > 0) {
      throw new HttpError(
        400,
        `Requested sort(s) ${quoted(badSorts)} is not allowed. Allowed sort(s) are ${quoted(allowed.sorts)}.`,
      );
    }
  }
  if (query.include !== undefined) {
    const includes = query.include.split(",").filter((name) => name !== "");
    const badIncludes = includes.filter((name) => !allowed.includes.includes(name));
    if (badIncludes.length > 0) {
      throw new HttpError(
        400,
        `Requested include(s) ${quoted(badIncludes)} are not allowed. Allowed include(s) are ${quoted(allowed.includes)}.`,
      );
    }
  }
}

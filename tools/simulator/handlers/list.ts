import { valuesAt } from "../async-clock";
import type { JsonApiResource } from "../json-api";
import type { Lifecycle } from "../types";
import { pageSizeOf, paginate } from "../pagination";
import { url, type RequestContext, type RouteDefinition } from "./context";

export interface ListRules<T> {
  /** Filter name → predicate for the given value. */
  filters?: Record<string, (item: T, value: string) => boolean>;
  /** Sort name → key; the default order is by id (creation order). */
  sorts?: Record<string, (item: T) => string | number>;
}

/** The record's `status` at the request's time, for status filters and sorts. */
export function statusAt(record: { lifecycle: Lifecycle }, ctx: RequestContext): string {
  return String(valuesAt(record.lifecycle, ctx.now).status);
}

/** Free-text filters match partially and case-insensitively, as Forge's query builder does by default. */
export function partial(value: string | null, wanted: string): boolean {
  return value !== null && value.toLowerCase().includes(wanted.toLowerCase());
}

function sortItems<T>(items: T[], sort: string | undefined, sorts: ListRules<T>["sorts"]): T[] {
  if (sort === undefined || sorts === undefined) return items;
  const keys = sort
    .split(",")
    .map((name) => ({ descending: name.startsWith("-"), key: sorts[name.replace(/^-/, "")] }));
  return [...items].sort((a, b) => {
    for (const { descending, key } of keys) {
      if (key === undefined) continue;
      const left = key(a);
      const right = key(b);
      if (left !== right) return (left < right ? -1 : 1) * (descending ? -1 : 1);
    }
    return 0;
  });
}

function withQuery(base: string, query: Record<string, string>): string {
  const search = new URLSearchParams(query).toString();
  return search === "" ? base : `${base}?${search}`;
}

/** A paginated JSON:API list with Forge's `links` and `meta` (cursor pagination). */
export function listDocument<T>(
  ctx: RequestContext,
  items: T[],
  present: (item: T) => JsonApiResource,
  rules: ListRules<T> = {},
  included?: (page: T[]) => JsonApiResource[] | undefined,
): Record<string, unknown> {
  let selected = items;
  for (const [key, value] of Object.entries(ctx.query)) {
    const match = /^filter\[(.+)\]$/.exec(key);
    const predicate = match === null ? undefined : rules.filters?.[match[1]];
    if (predicate !== undefined && value !== "") selected = selected.filter((item) => predicate(item, value));
  }
  selected = sortItems(selected, ctx.query.sort, rules.sorts);
  const { "page[cursor]": _cursor, ...listQuery } = ctx.query;
  const size = pageSizeOf(ctx.query, ctx.services.pageSize, ctx.services.maxPageSize);
  const { "page[size]": _size, ...identity } = listQuery;
  const listKey = `${ctx.path}?${new URLSearchParams(identity).toString()}`;
  const page = paginate(selected, ctx.query, listKey, size);
  const base = url(ctx, ctx.path);
  const links: Record<string, string> = { first: withQuery(base, listQuery) };
  if (page.prevCursor !== null) links.prev = withQuery(base, { ...listQuery, "page[cursor]": page.prevCursor });
  if (page.nextCursor !== null) links.next = withQuery(base, { ...listQuery, "page[cursor]": page.nextCursor });
  const body: Record<string, unknown> = {
    data: page.items.map(present),
    links,
    meta: { path: base, per_page: page.size, next_cursor: page.nextCursor, prev_cursor: page.prevCursor },
  };
  const extra = included?.(page.items);
  if (extra !== undefined) body.included = extra;
  return body;
}

export interface ListRoute<T> {
  template: string;
  scope: string;
  /** The records under the request's path (e.g. the server's databases), in creation order. */
  items: (ctx: RequestContext) => T[];
  present: (ctx: RequestContext, item: T) => JsonApiResource;
  /** Filter name → predicate; the names are also the filters the route accepts. */
  filters?: Record<string, (item: T, value: string, ctx: RequestContext) => boolean>;
  /** Sort name → key; the names are also the sorts the route accepts. */
  sorts?: Record<string, (item: T, ctx: RequestContext) => string | number>;
}

/** A paginated GET route that accepts exactly the filters and sorts it applies. */
export function listRoute<T>({
  template,
  scope,
  items,
  present,
  filters = {},
  sorts = {},
}: ListRoute<T>): RouteDefinition {
  return {
    method: "get",
    template,
    scope,
    filters: Object.keys(filters),
    sorts: Object.keys(sorts),
    handler: (ctx) => {
      const rules: ListRules<T> = {
        filters: Object.fromEntries(
          Object.entries(filters).map(([name, test]) => [name, (item: T, value: string) => test(item, value, ctx)]),
        ),
        sorts: Object.fromEntries(Object.entries(sorts).map(([name, key]) => [name, (item: T) => key(item, ctx)])),
      };
      return { status: 200, body: listDocument(ctx, items(ctx), (item) => present(ctx, item), rules) };
    },
  };
}

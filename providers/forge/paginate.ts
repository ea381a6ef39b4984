import { ForgeDecodeError } from "./errors";

/**
 * Cursor pagination. Forge lists return `meta.next_cursor`; the next page is asked for with
 * `page[cursor]=<that>` and the same `page[size]`, until the cursor is `null`.
 */

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Fetches one page; `cursor` is `null` for the first. */
export type PageFetcher<T> = (cursor: string | null) => Promise<Page<T>>;

/**
 * A lazily fetched list. Iterating it (`for await`) fetches one page at a time and stops fetching when the
 * loop stops, so `find` never asks for pages after the match.
 */
export class Paginated<T> implements AsyncIterable<T> {
  readonly #fetchPage: PageFetcher<T>;

  constructor(fetchPage: PageFetcher<T>) {
    this.#fetchPage = fetchPage;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this.items();
  }

  /** Every item of every page, fetched one page at a time. */
  async *items(): AsyncGenerator<T, void, undefined> {
    for await (const page of this.pages()) yield* page;
  }

  async *pages(): AsyncGenerator<T[], void, undefined> {
    const seen = new Set<string>();
    let cursor: string | null = null;
    for (;;) {
      const page: Page<T> = await this.#fetchPage(cursor);
      yield page.items;
      if (page.nextCursor === null) return;
      // A server handing back a cursor it already gave would otherwise be followed forever.
      if (seen.has(page.nextCursor)) {
        throw new ForgeDecodeError(`Forge returned the page cursor ${JSON.stringify(page.nextCursor)} twice`);
      }
      seen.add(page.nextCursor);
      cursor = page.nextCursor;
    }
  }

  /** Every item of every page. */
  all(): Promise<T[]> {
    return listAll(this);
  }

  /** The first item matching `predicate`, fetching no further pages once found. */
  find(predicate: (item: T) => boolean): Promise<T | undefined> {
    return findFirst(this, predicate);
  }
}

export async function listAll<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

export async function findFirst<T>(items: AsyncIterable<T>, predicate: (item: T) => boolean): Promise<T | undefined> {
  for await (const item of items) if (predicate(item)) return item;
  return undefined;
}

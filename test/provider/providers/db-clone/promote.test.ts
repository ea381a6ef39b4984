import { CloneRefusedError, cloneDatabase, promoteClone, type PromoteOptions } from "../../../../providers/db-clone";
import {
  createEmptyDatabase,
  createMaster,
  listDatabases,
  readContents,
  readServerState,
} from "../../../support/master-fixture";
import { previewCloneOptions, rootAccess, useCloneServer } from "../../../support/db-clone";

jest.setTimeout(180_000);

const PRODUCTION = "promo_live";
const MASTER = "promo_master";
const STAGING = "promo_master_next";
const PR = "promo_pr_1";
const SNAPSHOTS = "forge-previews-snapshots";

/** How the snapshots stack refreshes a master: a consistent dump of production into staging, then promotion. */
describe("refreshing a master: clone production into staging, then promoteClone", () => {
  const server = useCloneServer({
    databases: [PRODUCTION, MASTER, STAGING, PR],
    dropFirst: true,
    prepare: ({ conn }) => createMaster(conn, { name: PRODUCTION }),
  });
  const masters = (name: string): boolean => name === MASTER || name === STAGING;

  const { rows } = server;
  const withoutMark = async (db: string): Promise<unknown> => {
    const contents = await readContents(server.conn, db);
    if (contents === null) return null;
    const { _forge_previews_clone: _mark, ...tables } = contents.tables;
    return { ...contents, tables };
  };
  const refreshStaging = () =>
    cloneDatabase(server.runner, {
      source: PRODUCTION,
      target: STAGING,
      owner: SNAPSHOTS,
      liveSource: true,
      createTarget: true,
      verify: "counts",
      protectedDatabases: [PRODUCTION],
      isAllowedTarget: masters,
      targetRule: "a master or its staging name",
      access: rootAccess(),
    });
  const promote = (changes: Partial<PromoteOptions> = {}) =>
    promoteClone(server.runner, {
      staging: STAGING,
      target: MASTER,
      owner: SNAPSHOTS,
      protectedDatabases: [PRODUCTION],
      isAllowedTarget: masters,
      targetRule: "a master",
      access: rootAccess(),
      ...changes,
    });

  it("streams a live source into a new staging database, whatever auto could do otherwise", async () => {
    const result = await refreshStaging();

    expect(result).toMatchObject({ method: "stream-dump", verifiedWith: "counts", target: STAGING });
    expect(result.reason).toBe(
      "the source is live: only one --single-transaction dump reads it consistently without blocking its writes",
    );
    expect(await withoutMark(STAGING)).toStrictEqual(await withoutMark(PRODUCTION));
  });

  it("promotes staging into a master that does not exist yet, carrying the mark along", async () => {
    const result = await promote();

    expect(result).toMatchObject({ target: MASTER, replaced: false, tables: 6 });
    expect(await withoutMark(MASTER)).toStrictEqual(await withoutMark(PRODUCTION));
    expect(
      (await listDatabases(server.conn)).filter((name) => name === STAGING || name.startsWith("fpold_")),
    ).toStrictEqual([]);
    expect(await rows(`SELECT owner, source, status FROM ${MASTER}._forge_previews_clone`)).toStrictEqual([
      { owner: SNAPSHOTS, source: PRODUCTION, status: "verified" },
    ]);
  });

  it("replaces the previous master atomically with a newer snapshot whose trigger and foreign keys live in the master", async () => {
    await server.conn.query(`INSERT INTO ${PRODUCTION}.customers (email, name) VALUES ('late@example.test', 'Late')`);
    await refreshStaging();

    const result = await promote();

    expect(result).toMatchObject({ replaced: true, tables: 6 });
    expect(await withoutMark(MASTER)).toStrictEqual(await withoutMark(PRODUCTION));
    expect(
      (await listDatabases(server.conn)).filter((name) => name === STAGING || name.startsWith("fpold_")),
    ).toStrictEqual([]);
    await server.conn.query(`UPDATE ${MASTER}.orders SET status = 'promoted' WHERE id = 2`);
    expect(
      await rows(`SELECT COUNT(*) AS n FROM ${MASTER}.audit_log WHERE new_values LIKE '%promoted%'`),
    ).toStrictEqual([{ n: "1" }]);
    expect(
      await rows(
        `SELECT DISTINCT REFERENCED_TABLE_SCHEMA AS s FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = '${MASTER}' AND REFERENCED_TABLE_SCHEMA IS NOT NULL`,
      ),
    ).toStrictEqual([{ s: MASTER }]);
  });

  it("a PR clone of the promoted master reports when production was read", async () => {
    const [mark] = await rows(
      `SELECT DATE_FORMAT(data_as_of, '%Y-%m-%dT%H:%i:%s.%fZ') AS at FROM ${MASTER}._forge_previews_clone`,
    );
    await createEmptyDatabase(server.conn, PR);

    const result = await cloneDatabase(server.runner, previewCloneOptions(MASTER, PR, { method: "parallel-dump" }));

    expect(result.sourceSnapshotAt).toBe(String(mark?.at).replace(/(\.\d{3})\d{3}Z$/, "$1Z"));
    expect(await withoutMark(PR)).toStrictEqual(await withoutMark(MASTER));
  });

  it("refuses to promote over a database that is not an earlier promotion, and changes nothing", async () => {
    await refreshStaging();
    const before = await readServerState(server.conn, [PRODUCTION, MASTER, STAGING]);

    const outcome = await promote({ target: PRODUCTION, isAllowedTarget: () => true, protectedDatabases: [] }).catch(
      (error: unknown) => error,
    );

    expect(outcome).toBeInstanceOf(CloneRefusedError);
    expect((outcome as Error).message).toMatch(
      /^Refusing to promote `promo_master_next` to `promo_live`: `promo_live` holds \d+ objects .* and no clone mark of `forge-previews-snapshots`/,
    );
    expect(await readServerState(server.conn, [PRODUCTION, MASTER, STAGING])).toStrictEqual(before);
  });

  it("refuses to promote a staging database that is not a verified clone", async () => {
    await server.conn.query(`UPDATE ${STAGING}._forge_previews_clone SET status = 'failed'`);

    await expect(promote()).rejects.toThrow(
      "Refusing to promote `promo_master_next` to `promo_master`: `promo_master_next` is not a verified clone by `forge-previews-snapshots` (its mark: forge-previews-snapshots, failed).",
    );
    expect(await readContents(server.conn, STAGING)).not.toBeNull();
  });
});

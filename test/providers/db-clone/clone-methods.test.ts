import type { Connection } from "mysql2/promise";
import { type CloneMethod, cloneDatabase } from "../../../providers/db-clone";
import { connectAsRoot, createEmptyDatabase, createMaster, dropDatabases, readContents } from "../../support/master-fixture";
import { type RecordingRunner, openRunner, previewCloneOptions } from "./helpers";
import type { SshSession } from "../../../providers/ssh";

const MASTER = "clonemethods_master";

describe("cloneDatabase with each method", () => {
  let conn: Connection;
  let runner: RecordingRunner;
  let session: SshSession;

  beforeAll(async () => {
    conn = await connectAsRoot();
    await createMaster(conn, { name: MASTER, scale: 2, fulltext: true, myisam: true });
    ({ runner, session } = await openRunner());
  });

  afterAll(async () => {
    await dropDatabases(conn, MASTER, "clonem_pr_1", "clonem_pr_2", "clonem_pr_3");
    await conn?.end();
    await session?.close();
  });

  it.each<[CloneMethod, string]>([
    ["transport", "clonem_pr_1"],
    ["parallel-dump", "clonem_pr_2"],
    ["stream-dump", "clonem_pr_3"],
  ])("%s copies every table, row and object and verifies the copy", async (method, target) => {
    await createEmptyDatabase(conn, target);

    const result = await cloneDatabase(runner, previewCloneOptions(MASTER, target, { method }));

    expect(result.method).toBe(method);
    const source = await readContents(conn, MASTER);
    const clone = await readContents(conn, target);
    const { _forge_previews_clone: mark, ...cloneTables } = clone?.tables ?? {};
    expect(mark?.rows).toBe(1);
    expect(cloneTables).toStrictEqual(source?.tables);
    expect({ ...clone, tables: {} }).toStrictEqual({ ...source, tables: {} });
    expect(result.rows).toBe(Object.values(source?.tables ?? {}).reduce((sum, t) => sum + t.rows, 0));
  });
});

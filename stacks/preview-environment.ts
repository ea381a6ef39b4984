/**
 * One pull request's preview: an isolated Forge site with its own database (cloned from the app's master), Redis
 * database, `.env`, basic auth, certificate, deployment and queue worker. Pulumi creates independent children in
 * parallel; the dependencies below are the order that matters.
 */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { BasicAuth } from "../providers/basic-auth";
import { DbSnapshotClone } from "../providers/db-snapshot-clone";
import { Deployment } from "../providers/deployment";
import { ForgeDatabase } from "../providers/forge-database";
import { ForgeSite } from "../providers/forge-site";
import { ForgeWorker } from "../providers/forge-worker";
import { HealthCheck } from "../providers/health-check";
import { LetsEncryptCert } from "../providers/lets-encrypt-cert";
import { Preflight } from "../providers/preflight";
import { RedisDbSlot } from "../providers/redis-db-slot";
import { SiteEnvironment } from "../providers/site-environment";
import type { AppConfig } from "./config-rules";
import type { PreviewConfig } from "./config";
import { buildEnvironmentValues } from "./environment-values";
import { type PreviewNames, buildWorkerName } from "./naming";

/** Pulumi's unknown, as the health check's credentials: the engine passes it on as a value still to come. */
const unknownAuth = pulumi.unknown as unknown as { username: string; password: string };

export interface PreviewEnvironmentArgs {
  /** Every name of this environment, from `buildPreviewNames`. */
  names: PreviewNames;
  /** The app being previewed. */
  app: AppConfig;
  /** The validated stack configuration. */
  config: PreviewConfig;
  /** The PR's head branch. */
  branch: string;
}

export class PreviewEnvironment extends pulumi.ComponentResource {
  readonly url: pulumi.Output<string>;
  readonly siteId: pulumi.Output<number>;
  readonly databaseName: pulumi.Output<string>;
  readonly redisDb: pulumi.Output<number>;
  readonly basicAuthUser: pulumi.Output<string | null>;
  readonly basicAuthPassword: pulumi.Output<string | null>;
  readonly databasePassword: pulumi.Output<string>;
  readonly deployedCommit: pulumi.Output<string | null>;
  /** When the health URL last answered 200: the preview is ready. */
  readonly healthyAt: pulumi.Output<string | null>;
  readonly createdAt: pulumi.Output<string | null>;
  /** When the master this preview's data came from was taken from production. */
  readonly snapshotAt: pulumi.Output<string | null>;
  readonly cloneMethod: pulumi.Output<string>;

  constructor(name: string, args: PreviewEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("forge:index:PreviewEnvironment", name, {}, opts);
    const { names, app, config } = args;
    const serverId = config.forge.serverId;
    // Everything that can be checked without a write is checked first; every other child waits for it, so a failed
    // check creates nothing (issue #13).
    const preflight = new Preflight(
      `${name}-preflight`,
      {
        stack: names.stack,
        serverId,
        masterDatabase: app.masterDatabase,
        targetDatabase: names.database,
        firstSlot: config.redisSlots.first,
        lastSlot: config.redisSlots.last,
        redisPort: config.redisPort,
        forgeApiUrl: config.forge.apiUrl,
        forgeOrg: config.forge.org,
        sshHost: config.ssh.host,
        sshPort: config.ssh.port,
        sshUser: config.ssh.user,
        sshHostKeyFingerprint: config.ssh.hostKeyFingerprint,
      },
      { parent: this },
    );
    const child = (extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions => ({
      parent: this,
      ...extra,
      dependsOn: [preflight, ...(Array.isArray(extra.dependsOn) ? extra.dependsOn : [])],
    });
    // Production databases and every app's master: never a clone target, never dropped.
    const protectedDatabases = [
      ...new Set([...config.productionDatabases, ...Object.values(config.apps).map((a) => a.masterDatabase)]),
    ].sort();

    const createSite = (): ForgeSite =>
      new ForgeSite(
        `${name}-site`,
        {
          serverId,
          domain: names.domain,
          isolatedUser: names.linuxUser,
          phpVersion: app.phpVersion,
          webDirectory: app.webDirectory,
          repository: app.repository,
          branch: args.branch,
          // Off: with a commit the deploy script pins `git reset --hard <sha>`, so a push would make Forge redeploy
          // the old commit, racing our own deployment. One owner of deployments: the pipeline, which a push reaches.
          pushToDeploy: false,
          ownerTag: names.ownerTag,
        },
        child(),
      );

    const createDatabase = (): ForgeDatabase =>
      new ForgeDatabase(
        `${name}-database`,
        {
          serverId,
          name: names.database,
          userName: names.databaseUser,
          protectedDatabases,
        },
        child(),
      );

    const createRedisSlot = (): RedisDbSlot =>
      new RedisDbSlot(
        `${name}-redis`,
        {
          stack: names.stack,
          app: names.app,
          pr: names.pr,
          firstSlot: config.redisSlots.first,
          lastSlot: config.redisSlots.last,
          redisHost: "127.0.0.1",
          redisPort: config.redisPort,
        },
        child(),
      );

    // The PR's data: a verified copy of the app's master. A newer master does not replace it; only a new
    // databaseResetToken (or another master) does, so testers keep what they set up.
    const createClone = (database: ForgeDatabase): DbSnapshotClone =>
      new DbSnapshotClone(
        `${name}-data`,
        {
          app: names.app,
          source: app.masterDatabase,
          target: database.name,
          ownerTag: names.ownerTag,
          protectedDatabases,
          method: config.cloneMethod,
          resetToken: config.deploy.databaseResetToken,
        },
        child({ dependsOn: [database] }),
      );

    const site = createSite();
    const database = createDatabase();
    const redis = createRedisSlot();
    const clone = createClone(database);

    const environment = new SiteEnvironment(
      `${name}-env`,
      {
        serverId,
        siteId: site.siteId,
        values: pulumi
          .all([
            site.url,
            database.name,
            database.userName,
            database.password,
            database.host,
            redis.slot,
            config.redisPassword,
          ])
          .apply(([url, dbName, dbUser, dbPassword, dbHost, slot, redisPassword]) =>
            buildEnvironmentValues({
              names,
              app,
              url,
              database: { name: dbName, user: dbUser, password: dbPassword, host: dbHost, port: config.mysqlPort },
              redisDb: slot,
              redis: { port: config.redisPort, password: redisPassword ?? null },
            }),
          ),
      },
      child(),
    );

    // Teams without a wildcard record get one record per preview. Not proxied: Let's Encrypt's http-01 check and the
    // health check must reach the Forge server itself.
    const dnsRecord = config.cloudflare.enabled
      ? new cloudflare.DnsRecord(
          `${name}-dns`,
          {
            zoneId: config.cloudflare.zoneId as string,
            name: names.domain,
            type: /^\d{1,3}(\.\d{1,3}){3}$/.test(config.ssh.host) ? "A" : "CNAME",
            content: config.ssh.host,
            ttl: 1,
            proxied: false,
            comment: `forge-previews ${names.stack}`,
          },
          child(),
        )
      : null;

    const redactions = pulumi.secret(
      pulumi
        .all([database.password, environment.appKey, config.redisPassword ?? ""])
        .apply((secrets) => secrets.filter((s) => s !== "")),
    );

    const certificate =
      config.certificate.mode === "off"
        ? null
        : new LetsEncryptCert(
            `${name}-certificate`,
            {
              serverId,
              siteId: site.siteId,
              domain: names.domain,
              mode: config.certificate.mode,
              cloneCertificateId: config.certificate.wildcardCertificateId,
            },
            // Let's Encrypt resolves the name before it issues.
            child({ dependsOn: dnsRecord ? [dnsRecord] : [] }),
          );

    const basicAuth =
      config.basicAuth.mode === "off"
        ? null
        : new BasicAuth(
            `${name}-basic-auth`,
            {
              serverId,
              siteId: site.siteId,
              name: "forge-previews",
              username: config.basicAuth.username,
              password: config.basicAuthPassword ?? null,
            },
            // A whole-site rule also covers `/.well-known/acme-challenge`, so Let's Encrypt's http-01 check would get a
            // 401: the certificate is issued first (renewal: see README, "Basic auth and certificates").
            child({ dependsOn: certificate ? [certificate] : [] }),
          );

    const deployment = new Deployment(
      `${name}-deployment`,
      {
        serverId,
        siteId: site.siteId,
        siteDirectory: site.siteDirectory,
        branch: args.branch,
        commitSha: config.deploy.commitSha,
        redeployToken: config.deploy.redeployToken,
        phpVersion: app.phpVersion,
        extraScriptLines: app.deployScriptExtras,
        redactions,
      },
      // The code must see its .env and its data (migrations run on the clone); nothing else is on its path.
      child({ dependsOn: [environment, clone] }),
    );

    // The worker needs the checkout the site's install made and its .env, not the deployment: it starts beside it,
    // and the deployment's `queue:restart` moves it to the new code (the health check starts one that came up too early).
    const worker = new ForgeWorker(
      `${name}-worker`,
      {
        serverId,
        siteId: site.siteId,
        name: buildWorkerName(names.stack),
        // The user the site really runs as: a left-over user of a deleted site can make it take another name.
        // States written before `siteUser` existed lack it; their site runs as the requested user.
        isolatedUser: site.siteUser.apply((user: string | undefined) => user ?? names.linuxUser),
        directory: site.siteDirectory,
        phpVersion: app.phpVersion,
        connection: app.queue.connection,
        queues: app.queue.queues,
        processes: app.queue.processes,
        tries: app.queue.tries,
        timeoutSeconds: 60,
        sleepSeconds: 3,
      },
      child({ dependsOn: [environment] }),
    );

    // Ready: the app answers through TLS and basic auth with its worker running. The only step after the deployment.
    const health = new HealthCheck(
      `${name}-health`,
      {
        serverId,
        siteId: site.siteId,
        url: config.healthUrlTemplate.replace("{domain}", names.domain).replace("{path}", app.healthPath),
        resolve: config.healthResolve,
        // Secret explicitly: these carry passwords whatever the children declare.
        auth: basicAuth
          ? pulumi.secret(
              pulumi
                .all([basicAuth.username, basicAuth.password])
                // A preview of a new environment plans a generated password as its input, null: unknown until created.
                .apply(([username, password]) =>
                  password === null && pulumi.runtime.isDryRun() ? unknownAuth : { username, password },
                ),
            )
          : null,
        deploymentId: deployment.deploymentId,
        workers: pulumi
          .all([worker.processId, worker.name])
          .apply(([processId, workerName]) => [{ processId, name: workerName }]),
        redactions,
      },
      child({
        dependsOn: [deployment, worker, ...(basicAuth ? [basicAuth] : []), ...(certificate ? [certificate] : [])],
      }),
    );

    this.url = site.url;
    this.siteId = site.siteId;
    this.databaseName = database.name;
    this.redisDb = redis.slot;
    this.basicAuthUser = basicAuth ? basicAuth.username : pulumi.output(null);
    this.basicAuthPassword = basicAuth ? pulumi.secret(basicAuth.password) : pulumi.output(null);
    this.databasePassword = pulumi.secret(database.password);
    this.deployedCommit = deployment.commitSha;
    this.healthyAt = health.healthyAt;
    this.createdAt = site.createdAt;
    this.snapshotAt = clone.sourceSnapshotAt;
    this.cloneMethod = clone.methodUsed;
    this.registerOutputs({
      snapshotAt: this.snapshotAt,
      cloneMethod: this.cloneMethod,
      url: this.url,
      siteId: this.siteId,
      databaseName: this.databaseName,
      redisDb: this.redisDb,
      basicAuthUser: this.basicAuthUser,
      basicAuthPassword: this.basicAuthPassword,
      databasePassword: this.databasePassword,
      deployedCommit: this.deployedCommit,
      healthyAt: this.healthyAt,
      createdAt: this.createdAt,
    });
  }
}

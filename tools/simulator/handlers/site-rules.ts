import * as crypto from "crypto";
import { fieldError, validationError } from "../errors";
import type { RequestContext } from "./context";

/**
 * Checks the simulator applies to site requests whether or not the OpenAPI file is present:
 * Forge's own rules (a domain-shaped unique name, a known type, an existing database).
 */

export const SITE_TYPES: Record<string, string> = {
  laravel: "Laravel",
  symfony: "Symfony",
  statamic: "Statamic",
  wordpress: "WordPress",
  phpmyadmin: "phpMyAdmin",
  php: "PHP",
  nextjs: "Next.js",
  nuxtjs: "Nuxt.js",
  "static-html": "Static HTML",
  other: "Custom",
  custom: "Custom",
};

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

export function stringField(body: Record<string, unknown>, key: string): string | null {
  const value = body[key];
  return typeof value === "string" ? value : null;
}

export function booleanField(body: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const value = body[key];
  return typeof value === "boolean" ? value : fallback;
}

/** The site name (its domain); Forge makes one up for `domain_mode: on-forge` sites without a name. */
export function siteNameFrom(ctx: RequestContext, serverId: number): string {
  const { body } = ctx;
  const given = stringField(body, "name");
  const name =
    given ?? (body.domain_mode === "on-forge" ? `${crypto.randomBytes(4).toString("hex")}.on-forge.com` : null);
  const errors: Record<string, string[]> = {};
  if (typeof body.type !== "string" || body.type === "") errors.type = ["The type field is required."];
  else if (!(body.type in SITE_TYPES))
    errors.type = [`The selected type is invalid; Forge allows: ${Object.keys(SITE_TYPES).join(", ")}.`];
  if (name === null || name === "") errors.name = ["The name field is required when domain mode is not on-forge."];
  else if (!HOSTNAME.test(name))
    errors.name = ["The name must be a valid domain name (letters, digits, dashes and dots)."];
  else if (
    ctx.services.store.data.sites.some(
      (site) => site.serverId === serverId && site.name.toLowerCase() === name.toLowerCase(),
    )
  ) {
    errors.name = ["The name has already been taken."];
  }
  const isolatedUser = stringField(body, "isolated_user");
  if (body.is_isolated === true && isolatedUser !== null && !/^[a-z][-a-z0-9_]{0,31}$/.test(isolatedUser)) {
    errors.isolated_user = [
      "The isolated user must start with a lowercase letter and hold at most 32 lowercase letters, digits, dashes or underscores.",
    ];
  }
  if (Object.keys(errors).length > 0) throw validationError(errors);
  return (name as string).toLowerCase();
}

export function existingDatabaseName(ctx: RequestContext, serverId: number): string | null {
  const raw = ctx.body.database_id;
  if (raw === undefined || raw === null) return null;
  const database = ctx.services.store.data.databases.find((item) => item.id === raw && item.serverId === serverId);
  if (database === undefined) throw fieldError("database_id", "The selected database id is invalid.");
  return database.name;
}

export function defaultEnvironment(siteName: string, database: string | null): string {
  return [
    "APP_NAME=Laravel",
    "APP_ENV=production",
    "APP_KEY=",
    "APP_DEBUG=false",
    `APP_URL=http://${siteName}`,
    "",
    "DB_CONNECTION=mysql",
    "DB_HOST=127.0.0.1",
    "DB_PORT=3306",
    `DB_DATABASE=${database ?? "forge"}`,
    "DB_USERNAME=forge",
    "DB_PASSWORD=",
    "",
  ].join("\n");
}

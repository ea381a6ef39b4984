/**
 * What marks an object as a preview's own, checked before anything is adopted, overwritten or deleted.
 * Production is never a target: these rules only ever say yes to names in the previews' reserved namespace.
 */

/** Database names only a preview can have: `<app>_pr_<n>`, as stacks/naming.ts builds them. */
export const PREVIEW_DATABASE_NAME = /^[a-z][a-z0-9]{0,19}_pr_[1-9][0-9]{0,6}$/;

export function isPreviewDatabaseName(name: string): boolean {
  return PREVIEW_DATABASE_NAME.test(name);
}

/**
 * Linux user names: the isolated user Forge creates for each preview site, and the SSH user the providers log in as.
 *
 * Debian and Ubuntu (Forge servers run Ubuntu) check ordinary users against the default NAME_REGEX
 * `^[a-z][-a-z0-9_]*\$?$` and a 32-character limit. We follow it minus the trailing `$`: a leading `_` is the
 * convention for system accounts, and `$` marks Samba machine accounts; neither is a user Forge creates for a site,
 * and every name here also becomes a home directory and a shell argument.
 */
export const LINUX_USER_MAX_LENGTH = 32;

/** A lower-case letter, then up to 31 lower-case letters, digits, `-` or `_`. */
export const LINUX_USER = /^[a-z][-a-z0-9_]{0,31}$/;

/** Why `user` is not a Linux user name, or null. */
export function linuxUserProblem(user: string): string | null {
  if (user.length > LINUX_USER_MAX_LENGTH) return `must be at most ${LINUX_USER_MAX_LENGTH} characters`;
  if (!LINUX_USER.test(user))
    return "must start with a lower-case letter followed by lower-case letters, digits, `-` or `_`";
  return null;
}

import { randomBytes } from "node:crypto";

/** Letters and digits only: the password goes into `.env` files and shell commands without any quoting. */
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
export const DATABASE_PASSWORD_LENGTH = 40;

/**
 * A fresh database password: 40 characters from 62 (about 238 bits). The design named @pulumi/random for this, but
 * its provider plugin cannot be installed where these stacks run, so the provider generates the password at create
 * time and the resource marks it secret; update and read keep it, and only a replace makes a new one.
 */
export function generateDatabasePassword(length = DATABASE_PASSWORD_LENGTH): string {
  // Rejection sampling: bytes at or above the largest multiple of 62 are dropped, so every character is equally likely.
  const limit = 256 - (256 % ALPHABET.length);
  let password = "";
  while (password.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < limit && password.length < length) password += ALPHABET[byte % ALPHABET.length];
    }
  }
  return password;
}

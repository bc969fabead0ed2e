/**
 * What a credential written into configuration looks like: by its variable's name (`*_SECRET*`,
 * `*_PASSWORD`, `*_TOKEN`, `*_KEY`, …) or by its value (well-known key formats, URLs and connection
 * strings with a password). The spec refuses such `env` entries; the policy rule CREDENTIAL-LITERAL
 * checks every rendered container variable and ConfigMap (patches and extra manifests included).
 */

/** Names of variables that hold credentials by convention; a public key is not one. */
const CREDENTIAL_NAME = /(^|_)SECRETS?(_|$)|(^|_)(PASSWORD|PASSWD|PASS|PWD|PASSPHRASE|TOKEN|KEY|APIKEY|CREDENTIALS?)$/i;
const NOT_CREDENTIAL_NAME = /(^|_)PUBLIC_KEY$/i;

/** Values shaped like well-known credential formats, whatever the variable is called. */
const CREDENTIAL_VALUES: readonly [RegExp, string][] = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a PEM private key'],
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/, 'an AWS access key id'],
  [/\b(sk|rk)_(live|test)_[0-9a-zA-Z]{16,}/, 'a Stripe secret key'],
  [/\bgh[pousr]_[A-Za-z0-9]{36,}\b|\bgithub_pat_[A-Za-z0-9_]{40,}/, 'a GitHub token'],
  [/\bxox[abposr]-[A-Za-z0-9-]{10,}/, 'a Slack token'],
  [/\bAIza[0-9A-Za-z_-]{35}\b/, 'a Google API key'],
  [/\bSG\.[\w-]{16,}\.[\w-]{16,}/, 'a SendGrid API key'],
  [/\beyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}/, 'a signed JSON Web Token'],
  [/^[a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:[^\s@/$]+@/i, 'a URL with a password in it'],
  [/^[a-z][a-z0-9+.:-]*\/\/\S*[?&;](password|passwd|pwd)=[^&;\s$]+/i, 'a connection string with a password in it'],
];

/** Why an env entry looks like a credential written into configuration, or undefined. A path (a file holding it) is not one. */
export function credentialLiteral(key: string, value: string): string | undefined {
  for (const [re, what] of CREDENTIAL_VALUES) if (re.test(value)) return `the value of ${key} looks like ${what}`;
  if (value !== '' && !value.startsWith('/') && CREDENTIAL_NAME.test(key) && !NOT_CREDENTIAL_NAME.test(key)) return `${key} is named like a credential`;
  return undefined;
}

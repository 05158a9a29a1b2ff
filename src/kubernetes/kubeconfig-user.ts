// What the kubeconfig input's user carried besides who to act as: the written kubeconfig's user
// authenticates with the ID token (or the plugin) only, so any other credential is dropped, and
// the user is told. A token, a client key, a password or an auth-provider's tokens in a
// kubeconfig kept in a repository variable are readable by anyone who can read the variables.
import { printable } from '../base/untrusted.js';

/** Keys of a kubeconfig user (client-go's AuthInfo) that hold a secret. */
const SECRET_KEYS = ['token', 'client-key-data', 'password', 'auth-provider'];
/** Keys that authenticate without holding a secret themselves (files, a public cert, a plugin). */
const OTHER_KEYS = [
  'tokenFile',
  'client-key',
  'client-certificate',
  'client-certificate-data',
  'username',
  'exec',
];

/** The warning about the credentials a kubeconfig user carried, or undefined when it had none. */
export function droppedCredentials(
  userName: string,
  user: Record<string, unknown>,
): string | undefined {
  const secrets = SECRET_KEYS.filter((key) => user[key] !== undefined && user[key] !== null);
  const others = OTHER_KEYS.filter((key) => user[key] !== undefined && user[key] !== null);
  if (secrets.length === 0 && others.length === 0) return undefined;
  const keys = [...secrets, ...others].join(', ');
  const lines = [
    `Input "kubeconfig": user "${printable(userName)}" carries credentials of its own (${keys}); they were dropped, and the written kubeconfig authenticates with the ID token.`,
  ];
  if (secrets.length > 0) {
    lines.push(
      `A credential stored in a variable is readable by anyone who can read the repository's variables: remove ${secrets.join(', ')} from it, and revoke the credential.`,
    );
  }
  const exec = user['exec'];
  if (isAwsEksGetToken(exec)) {
    lines.push(
      'For EKS, give input "eks-cluster" (with role-to-assume and aws-region) instead of the kubeconfig: the action makes the EKS token itself.',
    );
  }
  return lines.join(' ');
}

/** `aws eks get-token ...` or `aws-iam-authenticator token ...`: an EKS token plugin. */
function isAwsEksGetToken(exec: unknown): boolean {
  if (typeof exec !== 'object' || exec === null) return false;
  const { command, args } = exec as { command?: unknown; args?: unknown };
  const words = [command, ...(Array.isArray(args) ? (args as unknown[]) : [])].filter(
    (w): w is string => typeof w === 'string',
  );
  const base = (words[0] ?? '').split('/').pop() ?? '';
  return (
    (base === 'aws' && words.includes('eks') && words.includes('get-token')) ||
    (base === 'aws-iam-authenticator' && words.includes('token'))
  );
}

/**
 * Who the kubeconfig user acts as (`as`, `as-groups`, `as-uid`, `as-user-extra`): kubectl sends
 * these as Impersonate-* headers, so the action's own requests must too, or the deploy would run
 * with other rights than the later kubectl steps. client-node sends only Impersonate-User.
 */
export interface Impersonation {
  user?: string | undefined;
  groups?: string[] | undefined;
  uid?: string | undefined;
  extra?: Record<string, string[]> | undefined;
}

/** The impersonation of a kubeconfig user's kept keys (KubeconfigPlan.userKeep). */
export function impersonationOf(user: Record<string, unknown>): Impersonation {
  const text = (value: unknown) => (typeof value === 'string' && value ? value : undefined);
  const list = (value: unknown) =>
    Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  const extra: Record<string, string[]> = {};
  const rawExtra = user['as-user-extra'];
  if (rawExtra && typeof rawExtra === 'object' && !Array.isArray(rawExtra)) {
    for (const [key, values] of Object.entries(rawExtra)) {
      const kept = list(Array.isArray(values) ? values : [values]);
      if (kept.length > 0) extra[key] = kept;
    }
  }
  const groups = list(user['as-groups']);
  return {
    user: text(user['as']),
    groups: groups.length > 0 ? groups : undefined,
    uid: text(user['as-uid']),
    extra: Object.keys(extra).length > 0 ? extra : undefined,
  };
}

/** Whether anything is impersonated. */
export function impersonates(impersonation: Impersonation): boolean {
  return Boolean(
    impersonation.user || impersonation.groups || impersonation.uid || impersonation.extra,
  );
}

/** The headers client-go's impersonating round tripper sends (one Impersonate-Group per group). */
export function impersonationHeaders(
  impersonation: Impersonation,
): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  if (impersonation.user) headers['Impersonate-User'] = impersonation.user;
  if (impersonation.groups) headers['Impersonate-Group'] = impersonation.groups;
  if (impersonation.uid) headers['Impersonate-Uid'] = impersonation.uid;
  for (const [key, values] of Object.entries(impersonation.extra ?? {})) {
    headers[`Impersonate-Extra-${headerKeyEscape(key)}`] = values;
  }
  return headers;
}

/**
 * client-go's headerKeyEscape: bytes that are not legal in a header name (RFC 7230 tchar, less
 * `%`) percent-encoded, so an extra key like `acme.com/project` survives the header.
 */
export function headerKeyEscape(key: string): string {
  let out = '';
  for (const byte of Buffer.from(key, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9!#$&'*+\-.^_`|~]/.test(char)
      ? char
      : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

// The access token lives in memory only (never localStorage): a page reload gets a new one
// from the HttpOnly refresh cookie, which scripts cannot read.
import { refreshToken } from "../client/sdk.gen";

let accessToken: string | null = null;
let refreshing: Promise<string | null> | null = null;
const listeners = new Set<(token: string | null) => void>();

export function getAccessToken(): string | null {
  return accessToken;
}

export function setAccessToken(token: string | null): void {
  accessToken = token;
  for (const listener of listeners) listener(token);
}

export function onTokenChange(listener: (token: string | null) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * One refresh at a time, however many requests hit a 401 together. A failed refresh signs the
 * user out: the token becomes null, which the AuthProvider hears.
 */
export function refreshAccessToken(): Promise<string | null> {
  refreshing ??= refreshToken()
    .then(
      ({ data }) => data.access_token,
      () => null,
    )
    .then((token) => {
      setAccessToken(token);
      return token;
    })
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

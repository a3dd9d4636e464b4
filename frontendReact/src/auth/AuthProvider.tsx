import { useQueryClient } from "@tanstack/react-query";
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { getMe, login, logout, register } from "../client/sdk.gen";
import type { UserOut } from "../client/types.gen";
import { onTokenChange, refreshAccessToken, setAccessToken } from "./token";

type Status = "loading" | "signed-in" | "signed-out";

interface AuthState {
  status: Status;
  user: UserOut | null;
  signIn: (email: string, password: string) => Promise<void>;
  /** `inviteCode` when sign-up is invite-only (GET /api/auth/options says "invite"). */
  signUp: (email: string, password: string, inviteCode?: string) => Promise<void>;
  signOut: () => Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);

/** Who is signed in. On load, a refresh cookie (if any) restores the session silently. */
export function AuthProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<Status>("loading");
  const [user, setUser] = useState<UserOut | null>(null);

  const loadUser = useCallback(async () => {
    setUser((await getMe()).data);
    setStatus("signed-in");
  }, []);

  useEffect(() => {
    let active = true;
    void refreshAccessToken().then(async (token) => {
      if (!active) return;
      if (token) await loadUser().catch(() => setStatus("signed-out"));
      else setStatus("signed-out");
    });
    const unsubscribe = onTokenChange((token) => {
      if (token === null) {
        setUser(null);
        setStatus("signed-out");
      }
    });
    return () => {
      active = false;
      unsubscribe();
    };
  }, [loadUser]);

  const signIn = useCallback(
    async (email: string, password: string) => {
      const { data: tokens } = await login({ body: { email, password } });
      setAccessToken(tokens.access_token);
      await loadUser();
    },
    [loadUser],
  );

  const signUp = useCallback(
    async (email: string, password: string, inviteCode?: string) => {
      const body = inviteCode ? { email, password, invite_code: inviteCode } : { email, password };
      const { data: tokens } = await register({ body });
      setAccessToken(tokens.access_token);
      await loadUser();
    },
    [loadUser],
  );

  const signOut = useCallback(async () => {
    await logout().catch(() => undefined);
    setAccessToken(null);
    queryClient.clear(); // nothing of this user stays in the cache for the next one
  }, [queryClient]);

  const value = useMemo(() => ({ status, user, signIn, signUp, signOut }), [status, user, signIn, signUp, signOut]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const state = useContext(AuthContext);
  if (!state) throw new Error("useAuth outside AuthProvider");
  return state;
}

import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Link, Navigate, useLocation, useNavigate } from "react-router";
import { ApiError } from "../api/client";
import { queryKeys } from "../api/queryKeys";
import { useAuth } from "../auth/AuthProvider";
import { getRegistrationOptions } from "../client/sdk.gen";
import { ErrorNote } from "../components/ErrorNote";
import { TextField } from "../components/TextField";
import { usePageTitle } from "../lib/usePageTitle";

/** Sign in, or sign up (the first account becomes the administrator). */
export function AuthPage({ mode }: { mode: "signin" | "signup" }) {
  const { status, signIn, signUp } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [inviteCode, setInviteCode] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const from = (location.state as { from?: string } | null)?.from ?? "/";
  const signingUp = mode === "signup";
  const options = useQuery({
    queryKey: queryKeys.registrationOptions,
    enabled: signingUp,
    queryFn: async () => (await getRegistrationOptions()).data,
  });
  const registration = options.data?.registration ?? "open";
  const needsInvite = signingUp && registration === "invite";
  usePageTitle(signingUp ? "Sign up" : "Sign in");

  if (status === "signed-in") return <Navigate to={from} replace />;

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (signingUp) await signUp(email, password, needsInvite ? inviteCode.trim() : undefined);
      else await signIn(email, password);
      navigate(from, { replace: true });
    } catch (caught) {
      const problem = caught instanceof ApiError ? caught : null;
      const detail = problem?.details.find((item) => ["password", "email", "invite_code"].includes(item.field ?? ""));
      setError(detail ? `${problem?.message} ${detail.message}` : (problem?.message ?? "Something went wrong."));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="mx-auto flex w-full max-w-sm flex-col gap-4 rounded-lg border border-slate-200 bg-white p-6">
      <h2 className="text-lg font-semibold">{signingUp ? "Create an account" : "Sign in"}</h2>
      <form onSubmit={(event) => void submit(event)} className="flex flex-col gap-3">
        <TextField label="Email" type="email" autoComplete="email" required maxLength={254} value={email} onChange={setEmail} />
        <TextField
          label="Password"
          type="password"
          autoComplete={signingUp ? "new-password" : "current-password"}
          required
          minLength={signingUp ? 10 : 1}
          maxLength={128}
          value={password}
          onChange={setPassword}
        />
        {needsInvite && (
          <label className="flex flex-col gap-1 text-sm">
            Invite code
            <input
              required
              autoComplete="off"
              maxLength={64}
              className="rounded border border-slate-300 px-2 py-1 font-mono"
              value={inviteCode}
              onChange={(event) => setInviteCode(event.target.value)}
            />
            <span className="text-xs text-slate-500">Sign-up here is by invitation: an administrator gives you a code.</span>
          </label>
        )}
        {signingUp && registration === "closed" && (
          <p className="rounded bg-amber-50 p-2 text-xs text-amber-900">Sign-up is closed here: ask an administrator for an account.</p>
        )}
        {signingUp && <p className="text-xs text-slate-500">At least 10 characters, hard to guess: a few unrelated words work well.</p>}
        <ErrorNote error={error} className="rounded bg-red-50 p-2 text-sm" />
        <button
          type="submit"
          disabled={busy}
          className="rounded bg-indigo-600 px-4 py-2 text-sm font-medium text-white disabled:opacity-50"
        >
          {signingUp ? "Sign up" : "Sign in"}
        </button>
      </form>
      <p className="text-sm text-slate-600">
        {signingUp ? (
          <>
            Have an account?{" "}
            <Link className="text-indigo-700 underline" to="/signin" state={location.state}>
              Sign in
            </Link>
          </>
        ) : (
          <>
            New here?{" "}
            <Link className="text-indigo-700 underline" to="/signup" state={location.state}>
              Create an account
            </Link>
          </>
        )}
      </p>
    </section>
  );
}

import { lazy, type ReactNode, Suspense } from "react";
import { NavLink, Route, Routes } from "react-router";
import { useAuth } from "./auth/AuthProvider";
import { RequireAuth } from "./auth/RequireAuth";
import { RunningIndicator } from "./generations/RunningIndicator";
import { usePageTitle } from "./lib/usePageTitle";
import { AccountPage } from "./pages/AccountPage";
import { AuthPage } from "./pages/AuthPage";
import { ChatPage } from "./pages/ChatPage";
import { DocumentsPage } from "./pages/DocumentsPage";
import { HistoryPage } from "./pages/HistoryPage";
import { LogsPage } from "./pages/LogsPage";
import { StoriesPage } from "./pages/StoriesPage";

// The cost page brings the charting library: load it only when the page is opened.
const CostPage = lazy(() => import("./pages/CostPage").then((module) => ({ default: module.CostPage })));
const EvaluationsPage = lazy(() => import("./pages/EvaluationsPage").then((module) => ({ default: module.EvaluationsPage })));
const loading = <p className="text-sm text-slate-500">Loading…</p>;

/** The pages behind sign-in, in the order of the main navigation. */
const PAGES: { path: string; label: string; element: ReactNode; adminOnly?: boolean }[] = [
  { path: "/", label: "Stories", element: <StoriesPage /> },
  { path: "/history", label: "History", element: <HistoryPage /> },
  { path: "/chat", label: "Chat", element: <ChatPage /> },
  { path: "/documents", label: "Documents", element: <DocumentsPage /> },
  {
    path: "/evaluations",
    label: "Evaluations",
    element: (
      <Suspense fallback={loading}>
        <EvaluationsPage />
      </Suspense>
    ),
  },
  {
    path: "/cost",
    label: "Cost",
    element: (
      <Suspense fallback={loading}>
        <CostPage />
      </Suspense>
    ),
  },
  { path: "/account", label: "Account", element: <AccountPage /> },
  // Only the link is for administrators: the page itself tells anyone else it is not theirs.
  { path: "/logs", label: "Logs", element: <LogsPage />, adminOnly: true },
];

const linkClass = ({ isActive }: { isActive: boolean }) =>
  `rounded px-2 py-1 text-sm sm:px-3 ${isActive ? "bg-indigo-600 text-white" : "text-slate-700 hover:bg-slate-100"}`;

export function App() {
  const { status, user, signOut } = useAuth();
  return (
    <div className="mx-auto flex max-w-6xl flex-col gap-6 p-4 sm:p-6">
      <header className="flex flex-wrap items-center gap-x-6 gap-y-2">
        <h1 className="text-lg font-bold">FASTAPILLM</h1>
        {status === "signed-in" && (
          <>
            <nav aria-label="Main" className="order-last flex w-full flex-wrap gap-1 sm:order-none sm:w-auto sm:gap-2">
              {PAGES.filter((page) => !page.adminOnly || user?.is_admin).map((page) => (
                <NavLink key={page.path} to={page.path} end={page.path === "/"} className={linkClass}>
                  {page.label}
                </NavLink>
              ))}
            </nav>
            {/* relative: the running list hangs from this group, flush with the page's right margin */}
            <div className="relative ml-auto flex min-w-0 items-center gap-3 text-sm">
              <RunningIndicator />
              <span className="min-w-0 truncate text-slate-600" title={user?.email} data-testid="signed-in-as">
                {user?.email}
              </span>
              <button type="button" className="shrink-0 rounded border border-slate-300 px-3 py-1" onClick={() => void signOut()}>
                Sign out
              </button>
            </div>
          </>
        )}
      </header>
      <main className="min-w-0">
        <Routes>
          <Route path="/signin" element={<AuthPage mode="signin" />} />
          <Route path="/signup" element={<AuthPage mode="signup" />} />
          {PAGES.map((page) => (
            <Route key={page.path} path={page.path} element={<RequireAuth>{page.element}</RequireAuth>} />
          ))}
          <Route path="*" element={<NotFound />} />
        </Routes>
      </main>
    </div>
  );
}

function NotFound() {
  usePageTitle("Page not found");
  return (
    <section className="flex flex-col gap-2">
      <h2 className="text-xl font-semibold">Page not found</h2>
      <p className="text-sm">
        <NavLink to="/" className="text-indigo-700 underline">
          Back to Stories
        </NavLink>
      </p>
    </section>
  );
}

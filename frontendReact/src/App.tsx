import { NavLink, Route, Routes } from "react-router";
import { useAuth } from "./auth/AuthProvider";
import { RequireAuth } from "./auth/RequireAuth";
import { AccountPage } from "./pages/AccountPage";
import { AuthPage } from "./pages/AuthPage";
import { ChatPage } from "./pages/ChatPage";
import { DocumentsPage } from "./pages/DocumentsPage";
import { HistoryPage } from "./pages/HistoryPage";
import { StoriesPage } from "./pages/StoriesPage";

const linkClass = ({ isActive }: { isActive: boolean }) =>
  `rounded px-3 py-1 text-sm ${isActive ? "bg-indigo-600 text-white" : "text-slate-700 hover:bg-slate-100"}`;

export function App() {
  const { status, user, signOut } = useAuth();
  return (
    <div className="mx-auto flex max-w-6xl flex-col gap-6 p-6">
      <header className="flex items-center gap-6">
        <h1 className="text-lg font-bold">FASTAPILLM</h1>
        {status === "signed-in" && (
          <>
            <nav className="flex gap-2">
              <NavLink to="/" end className={linkClass}>
                Stories
              </NavLink>
              <NavLink to="/history" className={linkClass}>
                History
              </NavLink>
              <NavLink to="/chat" className={linkClass}>
                Chat
              </NavLink>
              <NavLink to="/documents" className={linkClass}>
                Documents
              </NavLink>
              <NavLink to="/account" className={linkClass}>
                Account
              </NavLink>
            </nav>
            <div className="ml-auto flex items-center gap-3 text-sm">
              <span className="text-slate-600" data-testid="signed-in-as">{user?.email}</span>
              <button type="button" className="rounded border border-slate-300 px-3 py-1" onClick={() => void signOut()}>
                Sign out
              </button>
            </div>
          </>
        )}
      </header>
      <main>
        <Routes>
          <Route path="/signin" element={<AuthPage mode="signin" />} />
          <Route path="/signup" element={<AuthPage mode="signup" />} />
          <Route path="/" element={<RequireAuth><StoriesPage /></RequireAuth>} />
          <Route path="/history" element={<RequireAuth><HistoryPage /></RequireAuth>} />
          <Route path="/chat" element={<RequireAuth><ChatPage /></RequireAuth>} />
          <Route path="/documents" element={<RequireAuth><DocumentsPage /></RequireAuth>} />
          <Route path="/account" element={<RequireAuth><AccountPage /></RequireAuth>} />
          <Route path="*" element={<p className="text-sm">Page not found.</p>} />
        </Routes>
      </main>
    </div>
  );
}

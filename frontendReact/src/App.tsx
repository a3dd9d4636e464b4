import { NavLink, Route, Routes } from "react-router";
import { HistoryPage } from "./pages/HistoryPage";
import { StoriesPage } from "./pages/StoriesPage";

const linkClass = ({ isActive }: { isActive: boolean }) =>
  `rounded px-3 py-1 text-sm ${isActive ? "bg-indigo-600 text-white" : "text-slate-700 hover:bg-slate-100"}`;

export function App() {
  return (
    <div className="mx-auto flex max-w-6xl flex-col gap-6 p-6">
      <header className="flex items-center gap-6">
        <h1 className="text-lg font-bold">FASTAPILLM</h1>
        <nav className="flex gap-2">
          <NavLink to="/" end className={linkClass}>
            Stories
          </NavLink>
          <NavLink to="/history" className={linkClass}>
            History
          </NavLink>
        </nav>
      </header>
      <main>
        <Routes>
          <Route path="/" element={<StoriesPage />} />
          <Route path="/history" element={<HistoryPage />} />
          <Route path="*" element={<p className="text-sm">Page not found.</p>} />
        </Routes>
      </main>
    </div>
  );
}

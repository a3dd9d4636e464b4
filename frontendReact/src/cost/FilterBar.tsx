import type { ReactNode } from "react";
import type { FrameworkName, UserOut } from "../client/types.gen";
import { FRAMEWORK_LABELS, FRAMEWORKS } from "../lib/frameworks";
import { type CostFilters, OPERATION_LABELS, OPERATIONS, type Operation, PRESET_LABELS, PRESETS, presetRange, type Scope } from "./filters";

interface FilterBarProps {
  filters: CostFilters;
  onChange: (next: CostFilters) => void;
  /** choices seen in the usage breakdowns */
  models: string[];
  providers: string[];
  /** administrators pick whose spend; null for everyone else */
  users: UserOut[] | null;
}

const control = "rounded border border-slate-300 bg-white px-2 py-1 text-sm";

function Select({
  label,
  value,
  onChange,
  children,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  children: ReactNode;
}) {
  return (
    <label className="flex min-w-0 flex-col gap-1 text-sm">
      {label}
      <select className={`${control} max-w-[14rem]`} value={value} onChange={(event) => onChange(event.target.value)}>
        {children}
      </select>
    </label>
  );
}

/** Choices that always include the current one, even when this period has no rows for it. */
const withCurrent = (options: string[], current: string | null) =>
  current && !options.includes(current) ? [current, ...options] : options;

function scopeValue(scope: Scope): string {
  return scope.kind === "user" ? String(scope.userId) : scope.kind;
}

function parseScope(value: string): Scope {
  if (value === "all") return { kind: "all" };
  if (/^\d+$/.test(value)) return { kind: "user", userId: Number(value) };
  return { kind: "me" };
}

/** Period (presets or two UTC dates) and the framework, model, provider, operation and user filters. */
export function FilterBar({ filters, onChange, models, providers, users }: FilterBarProps) {
  const set = (patch: Partial<CostFilters>) => onChange({ ...filters, ...patch });
  const setDay = (which: "start" | "end", day: string) => {
    if (!day) return;
    const next = { ...filters, preset: "custom" as const, [which]: day };
    if (next.start > next.end) next[which === "start" ? "end" : "start"] = day;
    onChange(next);
  };
  return (
    <div className="flex flex-col gap-3 rounded-lg border border-slate-200 bg-white p-3" data-testid="cost-filters">
      <fieldset className="flex flex-wrap items-end gap-x-4 gap-y-2">
        <legend className="mb-1 text-sm">Period (UTC)</legend>
        <fieldset className="flex flex-wrap gap-1" aria-label="Period presets">
          {PRESETS.map((preset) => (
            <button
              key={preset}
              type="button"
              aria-pressed={filters.preset === preset}
              className={`rounded px-2.5 py-1 text-sm ${filters.preset === preset ? "bg-indigo-600 text-white" : "border border-slate-300 bg-white"}`}
              onClick={() => set({ preset, ...presetRange(preset, new Date()) })}
            >
              {PRESET_LABELS[preset]}
            </button>
          ))}
        </fieldset>
        <label className="flex flex-col gap-1 text-sm">
          From
          <input
            type="date"
            className={control}
            value={filters.start}
            max={filters.end}
            onChange={(event) => setDay("start", event.target.value)}
          />
        </label>
        <label className="flex flex-col gap-1 text-sm">
          To
          <input
            type="date"
            className={control}
            value={filters.end}
            min={filters.start}
            onChange={(event) => setDay("end", event.target.value)}
          />
        </label>
      </fieldset>
      <div className="flex flex-wrap items-end gap-3">
        <Select
          label="Framework"
          value={filters.framework ?? ""}
          onChange={(value) => set({ framework: (value || null) as FrameworkName | null })}
        >
          <option value="">All frameworks</option>
          {FRAMEWORKS.map((name) => (
            <option key={name} value={name}>
              {FRAMEWORK_LABELS[name]}
            </option>
          ))}
        </Select>
        <Select label="Model" value={filters.model ?? ""} onChange={(value) => set({ model: value || null })}>
          <option value="">All models</option>
          {withCurrent(models, filters.model).map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </Select>
        <Select label="Provider" value={filters.provider ?? ""} onChange={(value) => set({ provider: value || null })}>
          <option value="">All providers</option>
          {withCurrent(providers, filters.provider).map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </Select>
        <Select
          label="Operation"
          value={filters.operation ?? ""}
          onChange={(value) => set({ operation: (value || null) as Operation | null })}
        >
          <option value="">All operations</option>
          {OPERATIONS.map((name) => (
            <option key={name} value={name}>
              {OPERATION_LABELS[name]}
            </option>
          ))}
        </Select>
        {users && (
          <Select label="User" value={scopeValue(filters.scope)} onChange={(value) => set({ scope: parseScope(value) })}>
            <option value="me">Me</option>
            <option value="all">All users</option>
            {users.map((user) => (
              <option key={user.id} value={String(user.id)}>
                {user.email}
              </option>
            ))}
          </Select>
        )}
      </div>
    </div>
  );
}

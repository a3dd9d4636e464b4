import type { FrameworkName } from "../client/types.gen";

export const FRAMEWORKS: readonly FrameworkName[] = ["semantic_kernel", "langchain", "langgraph"];

export const FRAMEWORK_LABELS: Record<FrameworkName, string> = {
  semantic_kernel: "Semantic Kernel",
  langchain: "LangChain",
  langgraph: "LangGraph",
};

/** One colour per framework wherever frameworks are told apart (charts, comparison). */
export const FRAMEWORK_COLORS: Record<FrameworkName, string> = {
  semantic_kernel: "#2563eb",
  langchain: "#059669",
  langgraph: "#d97706",
};
const OTHER_COLOR = "#64748b";

export function frameworkColor(name: string): string {
  return FRAMEWORK_COLORS[name as FrameworkName] ?? OTHER_COLOR;
}

/** The ledger's framework column also holds "judge": the judge's calls, apart from the three. */
const OTHER_LABELS: Record<string, string> = { judge: "Judge" };

export function frameworkLabel(name: string): string {
  return FRAMEWORK_LABELS[name as FrameworkName] ?? OTHER_LABELS[name] ?? name;
}

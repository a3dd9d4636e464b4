import type { FrameworkName } from "../client/types.gen";

export const FRAMEWORKS: readonly FrameworkName[] = ["semantic_kernel", "langchain", "langgraph"];

export const FRAMEWORK_LABELS: Record<FrameworkName, string> = {
  semantic_kernel: "Semantic Kernel",
  langchain: "LangChain",
  langgraph: "LangGraph",
};

import Markdown from "react-markdown";

const MARKDOWN_CLASSES =
  "prose-sm flex flex-col gap-2 [&_code]:rounded [&_code]:bg-slate-100 [&_code]:px-1 [&_ol]:list-decimal [&_ol]:pl-5 [&_pre]:overflow-x-auto [&_ul]:list-disc [&_ul]:pl-5";

/** Model output as Markdown. Raw HTML in it is never rendered (react-markdown without rehype-raw). */
export function MarkdownText({ text, testId }: { text: string; testId?: string }) {
  return (
    <div className={`text-sm ${MARKDOWN_CLASSES}`} data-testid={testId}>
      <Markdown skipHtml>{text}</Markdown>
    </div>
  );
}

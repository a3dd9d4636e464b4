/**
 * The one way an error is shown to the user: an alert with its message, or nothing when there
 * is no error. `className` sizes and frames it (text-sm by default; a page's or a form's main
 * error is boxed: "rounded bg-red-50 p-2 text-sm").
 */
export function ErrorNote({ error, className = "text-sm" }: { error: Error | string | null | undefined; className?: string }) {
  if (!error) return null;
  return (
    <p role="alert" className={`${className} text-red-700`}>
      {typeof error === "string" ? error : error.message}
    </p>
  );
}

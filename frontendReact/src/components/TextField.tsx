import { type ChangeEvent, useId } from "react";

interface TextFieldProps {
  label: string;
  value: string;
  onChange: (value: string) => void;
  maxLength?: number;
  minLength?: number;
  required?: boolean;
  /** "email" or "password"; "multiline" for a textarea. A plain text input by default. */
  type?: "email" | "password" | "multiline";
  autoComplete?: string;
  /** More classes for the label, e.g. a maximum width. */
  className?: string;
}

/** The one labelled text field of the app: the label above its input (or textarea). */
export function TextField({
  label,
  value,
  onChange,
  maxLength,
  minLength,
  required = false,
  type,
  autoComplete,
  className,
}: TextFieldProps) {
  const id = useId();
  const field = {
    id,
    className: "rounded border border-slate-300 px-2 py-1",
    value,
    maxLength,
    minLength,
    required,
    autoComplete,
    onChange: (event: ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => onChange(event.target.value),
  };
  return (
    <label htmlFor={id} className={className ? `flex flex-col gap-1 text-sm ${className}` : "flex flex-col gap-1 text-sm"}>
      {label}
      {type === "multiline" && <textarea {...field} />}
      {type !== "multiline" && <input type={type} {...field} />}
    </label>
  );
}

import type { ReactNode, Ref } from 'react';

/**
 * The form inside a dialog whose submit button sits in the dialog footer (outside the form):
 * Enter in a field still submits, through the hidden submit button, and never reloads the page.
 */
export function DialogForm({
  className,
  onSubmit,
  children,
  ref,
}: {
  className: string;
  onSubmit(): Promise<void>;
  children: ReactNode;
  ref?: Ref<HTMLFormElement>;
}) {
  return (
    <form
      ref={ref}
      className={className}
      onSubmit={(e) => {
        e.preventDefault();
        void onSubmit();
      }}
    >
      {children}
      <button type="submit" hidden />
    </form>
  );
}

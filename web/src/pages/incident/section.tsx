import type { ReactNode } from 'react';

/** A titled part of the incident page, reachable by its heading. */
export function Section({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <section aria-labelledby={`${id}-h`} className="section">
      <h2 id={`${id}-h`}>{title}</h2>
      {children}
    </section>
  );
}

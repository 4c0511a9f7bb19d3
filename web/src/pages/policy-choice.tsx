/** A labelled select over a fixed list; `blank` adds an empty first option with that text. */
export function Choice({
  label,
  value,
  options,
  blank,
  onChange,
}: {
  label: string;
  value: string;
  options: readonly string[];
  blank?: string;
  onChange: (e: { target: { value: string } }) => void;
}) {
  return (
    <label>
      {label}
      <select aria-label={label} value={value} onChange={onChange}>
        {blank !== undefined && <option value="">{blank}</option>}
        {options.map((o) => (
          <option key={o}>{o}</option>
        ))}
      </select>
    </label>
  );
}

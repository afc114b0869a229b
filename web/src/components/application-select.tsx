interface Props {
  /** The selected application ('' for all). */
  readonly value: string;
  readonly applications: readonly string[];
  /** null when "All applications" is picked. */
  readonly onChange: (application: string | null) => void;
}

/**
 * The "Application" filter of a list page. A selected name that is not (or no longer) among the
 * known applications stays selectable, so a deep link never silently shows everything.
 */
export function ApplicationSelect({ value, applications, onChange }: Props) {
  return (
    <label className="field">
      <span>Application</span>
      <select name="application" value={value} onChange={(e) => onChange(e.target.value || null)}>
        <option value="">All applications</option>
        {value && !applications.includes(value) ? <option value={value}>{value}</option> : null}
        {applications.map((a) => (
          <option key={a} value={a}>
            {a}
          </option>
        ))}
      </select>
    </label>
  );
}

/**
 * A WHERE clause and its parameters, built filter by filter in one SQL dialect's placeholder style
 * (`$1, $2 …` for PostgreSQL, `?` for SQLite). Values only ever travel as parameters; column names
 * and clause text come from the adapters' own code, never from a query.
 */
export type SqlDialect = 'postgres' | 'sqlite';

export class SqlWhere {
  readonly params: unknown[] = [];
  readonly #clauses: string[] = [];
  readonly #dialect: SqlDialect;

  constructor(dialect: SqlDialect) {
    this.#dialect = dialect;
  }

  /** A placeholder for `value`, which joins the parameters in order. */
  p(value: unknown): string {
    this.params.push(value);
    return this.#dialect === 'postgres' ? `$${this.params.length}` : '?';
  }

  /** Adds a clause as written (its values through p()). */
  and(clause: string): this {
    this.#clauses.push(clause);
    return this;
  }

  /** `column = value`, unless the value is null (no filter). */
  eq(column: string, value: string | number | null | undefined): this {
    return value === null || value === undefined ? this : this.and(`${column} = ${this.p(value)}`);
  }

  /** `column` is one of `values` (text), unless the list is null (no filter). */
  oneOf(column: string, values: readonly string[] | null): this {
    if (values === null) return this;
    if (this.#dialect === 'postgres') return this.and(`${column} = ANY(${this.p(values)}::text[])`);
    return this.and(`${column} IN (${values.map((v) => this.p(v)).join(', ')})`);
  }

  /** ` WHERE a AND b`, or nothing without filters. */
  sql(): string {
    return this.#clauses.length > 0 ? ' WHERE ' + this.#clauses.join(' AND ') : '';
  }
}

/** Bad arguments: exit code 2, as distinct from 1 (the command ran and failed). */
export class UsageError extends Error {
  readonly code = 2;
  constructor(problem: string, usageLine?: string) {
    super(usageLine ? `${problem}\nusage: ${usageLine}` : problem);
  }
}

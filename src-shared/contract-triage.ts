/** The triage domain of the contract (hook: filled in by the triage work). */
export const triageMethods = {} as const;
export const triageEvents = {} as const;

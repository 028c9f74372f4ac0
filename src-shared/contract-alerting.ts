/** The alerting domain of the contract (hook: filled in by the alerting work). */
export const alertingMethods = {} as const;
export const alertingEvents = {} as const;

/** The entity graph domain of the contract: slices, ego graphs, communities. */

export const graphMethods = {} as const;

export const graphEvents = {} as const;

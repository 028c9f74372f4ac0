/** The experiments domain of the contract: model runs and their metrics against labels. */

export const experimentsMethods = {} as const;

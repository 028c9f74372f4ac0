/** The Sigma rules domain of the contract: packs, rules, hits, matches. */

export const rulesMethods = {} as const;

export const rulesEvents = {} as const;

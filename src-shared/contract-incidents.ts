/** The incidents domain of the contract: the queue, an incident's detail, risk. */

export const incidentsMethods = {} as const;

export const incidentsEvents = {} as const;

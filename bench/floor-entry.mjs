// The floor's entry for the cold-import workload: a module with nothing to load.
export const floor = true;

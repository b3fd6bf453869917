export * from "./users";
export * from "./organizations";
export * from "./members";
export * from "./roles";
export * from "./sessions";
export * from "./api-keys";
export * from "./invitations";
export * from "./emails";

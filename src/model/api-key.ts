// API keys as the rest of the platform sees them: an id, a role, a name. The secret
// never leaves auth/ and the store.

export type Role = 'admin' | 'developer' | 'invoker';

export interface ApiKey {
  id: string;
  role: Role;
  name: string;
}

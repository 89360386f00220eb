import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, del, get, post } from './client';
import type { User } from './types';

export const sessionKeys = { me: ['session'] as const };

/** The signed-in staff member, or null when nobody is. */
export function useSession() {
  return useQuery({
    queryKey: sessionKeys.me,
    queryFn: async () => {
      try {
        return await get<User>('/api/session');
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) return null;
        throw e;
      }
    },
    staleTime: 60_000,
  });
}

export function useSignIn() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: { email: string; password: string }) => post<{ user: User }>('/api/session', input),
    onSuccess: (r) => {
      qc.removeQueries({ predicate: (q) => q.queryKey[0] !== sessionKeys.me[0] });
      qc.setQueryData(sessionKeys.me, r.user);
    },
  });
}

export function useSignOut() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => del('/api/session'),
    onSettled: () => {
      qc.removeQueries({ predicate: (q) => q.queryKey[0] !== sessionKeys.me[0] });
      qc.setQueryData(sessionKeys.me, null);
    },
  });
}
